# gogc plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "gogc: ns per one short-lived 2 MiB tree built, walked and dropped vs gogc\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-211220; median per thread, bars p10-p90}" enhanced
set xlabel "gogc (%)" noenhanced
set ylabel "ns per one short-lived 2 MiB tree built, walked and dropped" noenhanced
set yrange [0:*]
set xrange [-1.5:800.5]
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'gogc.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "churn", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "churn-limit", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "live-ptr", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "live-noscan", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#0072B2' pt 4 ps 0.9 dt 3 title "go:churn", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 4 ps 0.9 dt 3 title "go:churn-limit", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#009E73' pt 4 ps 0.9 dt 3 title "go:live-ptr", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#CC79A7' pt 4 ps 0.9 dt 3 title "go:live-noscan"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'gogc'
set output 'gogc.svg'
replot
set output
