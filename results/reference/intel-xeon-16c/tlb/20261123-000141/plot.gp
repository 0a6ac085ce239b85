# tlb plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "tlb: ns per dependent load, one per page vs pages\n{/*0.75 Intel Xeon (16 cores/16 PUs, L1d 48 KiB, L2 2 MiB, L3 300 MiB, Linux 6.18.44-fc-v657-gpu) [intel-xeon-16c], run 20261123-000141}" enhanced
set xlabel "pages" noenhanced
set ylabel "ns per dependent load, one per page per thread (median; bars p10-p90)" noenhanced
set logscale x 2
set logscale y 10
set xrange [12.3077:85196.8]
set terminal pngcairo size 1200,700 font 'Sans,11'
set output 'tlb.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc 1 pt 5 ps 0.8 dt 1 title "4k-seq", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc 2 pt 5 ps 0.8 dt 1 title "4k-random", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc 3 pt 5 ps 0.8 dt 1 title "2m-seq", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc 4 pt 5 ps 0.8 dt 1 title "2m-random"

set terminal svg size 1200,700 dynamic font 'Sans,11'
set output 'tlb.svg'
replot
set output
