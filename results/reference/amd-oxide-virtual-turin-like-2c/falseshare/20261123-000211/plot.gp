# falseshare plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "falseshare: ns per increment vs threads\n{/*0.75 AMD Oxide Virtual Turin-like (2 cores/2 PUs, L1d 48 KiB, L2 1 MiB, L3 508 MiB, Linux 6.18.44-fc-v769) [amd-oxide-virtual-turin-like-2c], run 20261123-000211}" enhanced
set xlabel "threads" noenhanced
set ylabel "ns per increment per thread (median; bars p10-p90)" noenhanced
set logscale y 10
set xrange [0.5:4.5]
set xtics 1
set object 1 rect from 2.5, graph 0 to graph 1, graph 1 behind fc rgb '#eeeeee' fs solid noborder
set label "over-subscribed\n(> 2 PUs)" at 2.5, graph 0.06 left font ',9' tc rgb '#777777'
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'falseshare.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "strided stride=8", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 6 ps 0.8 dt 2 title "strided stride=16", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 7 ps 0.8 dt 3 title "strided stride=32", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 8 ps 0.8 dt 4 title "strided stride=64", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 9 ps 0.8 dt 5 title "strided stride=128", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 10 ps 0.8 dt 1 title "strided stride=256", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "local", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "xadd-packed", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "xadd-padded"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'falseshare.svg'
replot
set output
