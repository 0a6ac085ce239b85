# valueptr plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "valueptr: ns per call (pass\\_*, ret\\_*) or element visited (walk\\_*) vs bytes\n{/*0.75 Intel Xeon (16 cores/16 PUs, L1d 48 KiB, L2 2 MiB, L3 300 MiB, Linux 6.18.44-fc-v657-gpu) [intel-xeon-16c], run 20261123-000144}" enhanced
set xlabel "bytes" noenhanced
set ylabel "ns per call (pass_*, ret_*) or element visited (walk_*) per thread (median; bars p10-p90)" noenhanced
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xrange [6.15385:3.48966e+08]
set arrow from 49152, graph 0 to 49152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L1d 48 KiB" at 49152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set arrow from 2097152, graph 0 to 2097152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L2 2 MiB" at 2097152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'valueptr.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "pass_val", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "pass_ptr", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "ret_val", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "ret_heap", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc 5 pt 5 ps 0.8 dt 1 title "walk_array", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc 6 pt 5 ps 0.8 dt 1 title "walk_ptrs", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc 7 pt 5 ps 0.8 dt 1 title "walk_shuf"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'valueptr.svg'
replot
set output
