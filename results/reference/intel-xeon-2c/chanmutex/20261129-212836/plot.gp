# chanmutex plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "chanmutex: ns per item vs cap\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-212836; median per thread, bars p10-p90}" enhanced
set xlabel "cap (messages)" noenhanced
set ylabel "ns per item" noenhanced
set logscale x 2
set logscale y 10
set xrange [0.384615:5324.8]
set xtics add ("0" 0.5)
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'chanmutex.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "mutex batch=1", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 5 ps 0.9 dt 2 title "mutex batch=32", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 9 ps 0.9 dt 3 title "mutex batch=1024", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "chan batch=1", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 5 ps 0.9 dt 2 title "chan batch=32", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 9 ps 0.9 dt 3 title "chan batch=1024", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "thread_mutex batch=1", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 5 ps 0.9 dt 2 title "thread_mutex batch=32", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 9 ps 0.9 dt 3 title "thread_mutex batch=1024", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "thread_chan batch=1", \
  'plot.dat' index 10 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 5 ps 0.9 dt 2 title "thread_chan batch=32", \
  'plot.dat' index 11 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 9 ps 0.9 dt 3 title "thread_chan batch=1024", \
  'plot.dat' index 12 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 4 ps 0.9 dt 3 title "go:mutex batch=1", \
  'plot.dat' index 13 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 6 ps 0.9 dt 3 title "go:mutex batch=32", \
  'plot.dat' index 14 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 8 ps 0.9 dt 3 title "go:mutex batch=1024", \
  'plot.dat' index 15 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 4 ps 0.9 dt 3 title "go:chan batch=1", \
  'plot.dat' index 16 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 6 ps 0.9 dt 3 title "go:chan batch=32", \
  'plot.dat' index 17 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 8 ps 0.9 dt 3 title "go:chan batch=1024"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'chanmutex'
set output 'chanmutex.svg'
replot
set output
