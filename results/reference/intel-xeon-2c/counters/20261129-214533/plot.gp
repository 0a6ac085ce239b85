# counters plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "counters: ns per increment (plus the work before it) vs threads\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-214533; median per thread, bars p10-p90}" enhanced
set xlabel "threads" noenhanced
set ylabel "ns per increment (plus the work before it)" noenhanced
set logscale y 10
set xrange [0.5:4.5]
set xtics 1
set object 1 rect from 2.5, graph 0 to graph 1, graph 1 behind fc rgb '#eeeeee' fs solid noborder
set label "over-subscribed\n(> 2 PUs)" at 2.5, graph 0.06 left font ',9' tc rgb '#777777'
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'counters.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "faa work=0", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 5 ps 0.9 dt 2 title "faa work=10", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 9 ps 0.9 dt 3 title "faa work=100", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 13 ps 0.9 dt 4 title "faa work=1000", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "cas work=0", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 5 ps 0.9 dt 2 title "cas work=10", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 9 ps 0.9 dt 3 title "cas work=100", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 13 ps 0.9 dt 4 title "cas work=1000", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "mutex work=0", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 5 ps 0.9 dt 2 title "mutex work=10", \
  'plot.dat' index 10 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 9 ps 0.9 dt 3 title "mutex work=100", \
  'plot.dat' index 11 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 13 ps 0.9 dt 4 title "mutex work=1000", \
  'plot.dat' index 12 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "padded work=0", \
  'plot.dat' index 13 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 5 ps 0.9 dt 2 title "padded work=10", \
  'plot.dat' index 14 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 9 ps 0.9 dt 3 title "padded work=100", \
  'plot.dat' index 15 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 13 ps 0.9 dt 4 title "padded work=1000", \
  'plot.dat' index 16 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 7 ps 0.9 dt 1 title "local work=0", \
  'plot.dat' index 17 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 5 ps 0.9 dt 2 title "local work=10", \
  'plot.dat' index 18 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 9 ps 0.9 dt 3 title "local work=100", \
  'plot.dat' index 19 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 13 ps 0.9 dt 4 title "local work=1000"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'counters'
set output 'counters.svg'
replot
set output
