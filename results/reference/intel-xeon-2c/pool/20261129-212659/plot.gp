# pool plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set key outside right top noenhanced
set border lw 1.2
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "pool: ns per one use of an object (got, written, released) vs obj\\_bytes\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-212659; median per thread, bars p10-p90}" enhanced
set xlabel "obj_bytes" noenhanced
set ylabel "ns per one use of an object (got, written, released)" noenhanced
set logscale x 2
set logscale y 10
set format x "%.0b %BB"
set xrange [49.2308:1.36315e+06]
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'pool.png'
plot \
  'plot.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#0072B2' pt 7 ps 0.9 dt 1 title "malloc", \
  'plot.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#D55E00' pt 7 ps 0.9 dt 1 title "alloc", \
  'plot.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#009E73' pt 7 ps 0.9 dt 1 title "freelist", \
  'plot.dat' index 3 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#CC79A7' pt 7 ps 0.9 dt 1 title "pool", \
  'plot.dat' index 4 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#E69F00' pt 7 ps 0.9 dt 1 title "malloc-cross", \
  'plot.dat' index 5 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#56B4E9' pt 7 ps 0.9 dt 1 title "alloc-cross", \
  'plot.dat' index 6 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#000000' pt 7 ps 0.9 dt 1 title "freelist-cross", \
  'plot.dat' index 7 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#8C564B' pt 7 ps 0.9 dt 1 title "pool-cross", \
  'plot.dat' index 8 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#9467BD' pt 7 ps 0.9 dt 1 title "pool-gc1", \
  'plot.dat' index 9 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#7F7F7F' pt 7 ps 0.9 dt 1 title "pool-gc2", \
  'plot.dat' index 10 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#D55E00' pt 4 ps 0.9 dt 3 title "go:alloc", \
  'plot.dat' index 11 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#009E73' pt 4 ps 0.9 dt 3 title "go:freelist", \
  'plot.dat' index 12 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#CC79A7' pt 4 ps 0.9 dt 3 title "go:pool", \
  'plot.dat' index 13 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#56B4E9' pt 4 ps 0.9 dt 3 title "go:alloc-cross", \
  'plot.dat' index 14 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#000000' pt 4 ps 0.9 dt 3 title "go:freelist-cross", \
  'plot.dat' index 15 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#8C564B' pt 4 ps 0.9 dt 3 title "go:pool-cross", \
  'plot.dat' index 16 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#9467BD' pt 4 ps 0.9 dt 3 title "go:pool-gc1", \
  'plot.dat' index 17 using 1:2:3:4 with yerrorlines lw 1 lc rgb '#7F7F7F' pt 4 ps 0.9 dt 3 title "go:pool-gc2"

set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'pool'
set output 'pool.svg'
replot
set output
