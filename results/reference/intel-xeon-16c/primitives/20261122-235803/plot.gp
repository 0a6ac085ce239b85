# primitives plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "primitives: ns per runtime op (see each variant) vs threads\n{/*0.75 Intel Xeon (16 cores/16 PUs, L1d 48 KiB, L2 2 MiB, L3 300 MiB, Linux 6.18.44-fc-v657-gpu) [intel-xeon-16c], run 20261122-235803}" enhanced
set xlabel "threads" noenhanced
set ylabel "ns per runtime op (see each variant) per thread (median; bars p10-p90)" noenhanced
set yrange [0:*]
set xrange [0.5:1.5]
set xtics 1
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'primitives.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "gosched_pingpong", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "thread_pingpong", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "spawn_exit", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "thread_spawn", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc 5 pt 5 ps 0.8 dt 1 title "mutex_uncontended", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc 6 pt 5 ps 0.8 dt 1 title "pthread_uncontended", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc 7 pt 5 ps 0.8 dt 1 title "mutex_contended", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc 8 pt 5 ps 0.8 dt 1 title "pthread_contended", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc 9 pt 5 ps 0.8 dt 1 title "sleep_20us", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 2 lc 10 pt 5 ps 0.8 dt 1 title "nanosleep_20us"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'primitives.svg'
replot
set output
