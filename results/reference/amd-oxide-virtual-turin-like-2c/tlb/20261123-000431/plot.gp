# tlb plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid
set key outside right top noenhanced
set border lw 1.2
set title "tlb: ns per dependent load, one per page vs pages\n{/*0.75 AMD Oxide Virtual Turin-like (2 cores/2 PUs, L1d 48 KiB, L2 1 MiB, L3 508 MiB, Linux 6.18.44-fc-v769) [amd-oxide-virtual-turin-like-2c], run 20261123-000431}" enhanced
set xlabel "pages" noenhanced
set ylabel "ns per dependent load, one per page per thread (median; bars p10-p90)" noenhanced
set logscale x 2
set logscale y 10
set xrange [12.3077:85196.8]
set arrow from 96, graph 0 to 96, graph 1 nohead dt 4 lc rgb '#b05050'
set label "L1 dTLB 96" at 96, graph 0.90 left offset 0.3,0 font ',9' tc rgb '#b05050' noenhanced
set arrow from 128, graph 0 to 128, graph 1 nohead dt 4 lc rgb '#b05050'
set label "L2 dTLB 128 (cpuid)" at 128, graph 0.85 left offset 0.3,0 font ',9' tc rgb '#b05050' noenhanced
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
