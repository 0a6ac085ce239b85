# chanprims plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "chanprims: ns per channel op (see each variant)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-213038; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each pair: Go / ours (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [10:78094.4]
set format y '%.0s %c'
set ylabel "ns per channel op (see each variant)" noenhanced
set xrange [-0.8:12.8]
set xtics rotate by -35 left nomirror font ',11' ("unbuf\\_pingpong" 0, "go:unbuf\\_pingpong" 1, "buffered" 3, "go:buffered" 4, "select2" 6, "go:select2" 7, "select2\\_refill" 9, "go:select2\\_refill" 10, "thread\\_condvar" 12)
set bmargin 9
set label "3.34×" at 0.5, 442.288 center font ',11' tc rgb '#222222' noenhanced
set label "1.9×" at 3.5, 101.257 center font ',11' tc rgb '#222222' noenhanced
set label "1.37×" at 6.5, 94.2832 center font ',11' tc rgb '#222222' noenhanced
set label "1.94×" at 9.5, 177.386 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 58.6899 57.3035 59.1978 29362 0
1 195.9 187.76 201.04 29362 1
3 23.2743 22.7794 23.4523 13983232 0
4 44.29 43.148 46.026 13983232 1
6 30.8574 29.4847 31.7119 40563 0
7 42.4 42.072 42.856 40563 1
9 40.2043 39.9086 46.006 13400487 0
10 77.98 77.566 80.63 13400487 1
12 5432.97 3039.83 13015.7 15113984 0
EOD
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'chanprims.png'
plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):(10):2:5 with boxxyerror lc rgb variable fs solid 0.85 border rgb '#333333', \
  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):(10):2:5 with boxxyerror lc rgb variable fs transparent pattern 4 border rgb '#333333', \
  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 lw 1.2
set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'chanprims'
set output 'chanprims.svg'
replot
set output
