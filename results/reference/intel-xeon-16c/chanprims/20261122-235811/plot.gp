# chanprims plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "chanprims: ns per channel op (see each variant) vs threads\n{/*0.75 Intel Xeon (16 cores/16 PUs, L1d 48 KiB, L2 2 MiB, L3 300 MiB, Linux 6.18.44-fc-v657-gpu) [intel-xeon-16c], run 20261122-235811}" enhanced
set xlabel "threads" noenhanced
set ylabel "ns per channel op (see each variant) per thread (median; bars p10-p90)" noenhanced
set yrange [0:*]
set xrange [0.5:1.5]
set xtics 1
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'chanprims.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "unbuf_pingpong", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "buffered", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "select2", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "select2_refill", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc 5 pt 5 ps 0.8 dt 1 title "thread_condvar"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'chanprims.svg'
replot
set output
