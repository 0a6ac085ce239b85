# traversal plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "traversal: ns per element visited (one 8-byte load) vs bytes\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-213121; median per thread, bars p10-p90}" enhanced
set xlabel "bytes" noenhanced
set ylabel "ns per element visited (one 8-byte load)" noenhanced
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xrange [3150.77:3.48966e+08]
set arrow from 49152, graph 0 to 49152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L1d 48 KiB" at 49152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set arrow from 2097152, graph 0 to 2097152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L2 2 MiB" at 2097152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'traversal.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "rows pad=8", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 5 ps 0.9 dt 2 title "rows pad=64", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 9 ps 0.9 dt 3 title "rows pad=256", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "columns pad=8", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 5 ps 0.9 dt 2 title "columns pad=64", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 9 ps 0.9 dt 3 title "columns pad=256", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "list pad=8", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 5 ps 0.9 dt 2 title "list pad=64", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 9 ps 0.9 dt 3 title "list pad=256", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "shuffled pad=8", \
  'plot.dat' index 10 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 5 ps 0.9 dt 2 title "shuffled pad=64", \
  'plot.dat' index 11 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 9 ps 0.9 dt 3 title "shuffled pad=256", \
  'plot.dat' index 12 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 4 ps 0.9 dt 3 title "go:rows pad=8", \
  'plot.dat' index 13 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 6 ps 0.9 dt 3 title "go:rows pad=64", \
  'plot.dat' index 14 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 4 ps 0.9 dt 3 title "go:columns pad=8", \
  'plot.dat' index 15 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 6 ps 0.9 dt 3 title "go:columns pad=64", \
  'plot.dat' index 16 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#009E73' pt 4 ps 0.9 dt 3 title "go:list pad=8", \
  'plot.dat' index 17 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#009E73' pt 6 ps 0.9 dt 3 title "go:list pad=64", \
  'plot.dat' index 18 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#CC79A7' pt 4 ps 0.9 dt 3 title "go:shuffled pad=8", \
  'plot.dat' index 19 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#CC79A7' pt 6 ps 0.9 dt 3 title "go:shuffled pad=64"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'traversal'
set output 'traversal.svg'
replot
set output
