# gcbench plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "gcbench: ns per one short-lived tree (churn) or one forced collection (gc-*)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-184526; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each pair: Go / ours (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [100000:3.91336e+09]
set format y '%.0s %c'
set ylabel "ns per one short-lived tree (churn) or one forced collection (gc-*)" noenhanced
set xrange [-0.8:15.8]
set xtics rotate by -35 left nomirror font ',11' ("churn" 0, "go:churn" 1, "gc-noscan" 3, "go:gc-noscan" 4, "gc-ptr" 6, "go:gc-ptr" 7, "boehm-churn" 9, "boehm-incr-churn" 11, "boehm-gc-noscan" 13, "boehm-gc-ptr" 15)
set bmargin 9
set label "0.88×" at 0.5, 1.56509e+07 center font ',11' tc rgb '#222222' noenhanced
set label "3.48×" at 3.5, 5.08017e+06 center font ',11' tc rgb '#222222' noenhanced
set label "0.382×" at 6.5, 8.55389e+08 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 6.46076e+06 6.0886e+06 7.11406e+06 29362 0
1 5.68708e+06 5.34793e+06 6.14234e+06 29362 1
3 652006 631410 683961 13983232 0
4 2.26764e+06 2.21785e+06 2.30917e+06 13983232 1
6 3.71712e+08 3.26448e+08 3.88813e+08 40563 0
7 1.41961e+08 1.37663e+08 1.4776e+08 40563 1
9 4.82218e+06 4.66454e+06 5.14763e+06 13400487 0
11 5.19917e+06 5.05553e+06 5.84109e+06 15113984 0
13 795528 755911 809934 5682409 0
15 6.20557e+08 5.98357e+08 6.52227e+08 0 0
EOD
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'gcbench.png'
plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):(100000):2:5 with boxxyerror lc rgb variable fs solid 0.85 border rgb '#333333', \
  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):(100000):2:5 with boxxyerror lc rgb variable fs transparent pattern 4 border rgb '#333333', \
  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 lw 1.2
set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'gcbench'
set output 'gcbench.svg'
replot
set output
