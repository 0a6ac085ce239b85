# traversal plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "traversal: ns per element visited (one 8-byte load) vs bytes\n{/*0.75 AMD Oxide Virtual Turin-like (2 cores/2 PUs, L1d 48 KiB, L2 1 MiB, L3 508 MiB, Linux 6.18.44-fc-v769) [amd-oxide-virtual-turin-like-2c], run 20261123-000441}" enhanced
set xlabel "bytes" noenhanced
set ylabel "ns per element visited (one 8-byte load) per thread (median; bars p10-p90)" noenhanced
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xrange [3150.77:8.72415e+07]
set arrow from 49152, graph 0 to 49152, graph 1 nohead dt 2 lc rgb '#888888'
set label "L1d 48 KiB" at 49152, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set arrow from 1048576, graph 0 to 1048576, graph 1 nohead dt 2 lc rgb '#888888'
set label "L2 1 MiB" at 1048576, graph 0.97 left offset 0.3,0 font ',9' tc rgb '#555555' noenhanced
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'traversal.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "rows pad=8", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 6 ps 0.8 dt 2 title "rows pad=64", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "columns pad=8", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 6 ps 0.8 dt 2 title "columns pad=64", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "list pad=8", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 6 ps 0.8 dt 2 title "list pad=64", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "shuffled pad=8", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 6 ps 0.8 dt 2 title "shuffled pad=64"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'traversal.svg'
replot
set output
