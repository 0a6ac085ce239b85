# tlb plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "tlb: ns per dependent load, one per page vs pages\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-213906; median per thread, bars p10-p90}" enhanced
set xlabel "pages" noenhanced
set ylabel "ns per dependent load, one per page" noenhanced
set logscale x 2
set logscale y 10
set xrange [12.3077:340787]
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'tlb.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "4k-seq", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "4k-random", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "2m-seq", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "2m-random"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'tlb'
set output 'tlb.svg'
replot
set output
