# valueptr plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "valueptr: ns per call (pass\\_*, ret\\_*) or element visited (walk\\_*) vs bytes\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-213534; median per thread, bars p10-p90}" enhanced
set xlabel "bytes" noenhanced
set ylabel "ns per call (pass_*, ret_*) or element visited (walk_*)" noenhanced
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xrange [6.15385:6.97932e+08]
set arrow from 49152, graph 0 to 49152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L1d 48 KiB" at 49152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set arrow from 2097152, graph 0 to 2097152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L2 2 MiB" at 2097152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set arrow from 272629760, graph 0 to 272629760, graph 1 nohead dt 2 lc rgb '#888888'
set label "L3 260 MiB (hwloc; synthetic?)" at 272629760, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'valueptr.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "pass_val", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "pass_ptr", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "ret_val", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "ret_heap", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 7 ps 0.9 dt 1 title "ret_gc", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#56B4E9' pt 7 ps 0.9 dt 1 title "walk_array", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#000000' pt 7 ps 0.9 dt 1 title "walk_ptrs", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#8C564B' pt 7 ps 0.9 dt 1 title "walk_shuf", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 4 ps 0.9 dt 3 title "go:pass_val", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 4 ps 0.9 dt 3 title "go:pass_ptr", \
  'plot.dat' index 10 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#009E73' pt 4 ps 0.9 dt 3 title "go:ret_val", \
  'plot.dat' index 11 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#E69F00' pt 4 ps 0.9 dt 3 title "go:ret_gc"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'valueptr'
set output 'valueptr.svg'
replot
set output
