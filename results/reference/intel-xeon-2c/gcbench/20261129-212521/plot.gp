# gcbench plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "gcbench: ns per one short-lived tree (churn) or one forced collection (gc-*)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-212521; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each pair: Go / ours (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [100000:3.77815e+09]
set format y '%.0s %c'
set ylabel "ns per one short-lived tree (churn) or one forced collection (gc-*)" noenhanced
set xrange [-0.8:15.8]
set xtics rotate by -35 left nomirror font ',11' ("churn" 0, "go:churn" 1, "gc-noscan" 3, "go:gc-noscan" 4, "gc-ptr" 6, "go:gc-ptr" 7, "boehm-churn" 9, "boehm-incr-churn" 11, "boehm-gc-noscan" 13, "boehm-gc-ptr" 15)
set bmargin 9
set label "1.41×" at 0.5, 1.28274e+07 center font ',11' tc rgb '#222222' noenhanced
set label "3.95×" at 3.5, 4.99256e+06 center font ',11' tc rgb '#222222' noenhanced
set label "0.969×" at 6.5, 3.9591e+08 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 3.92363e+06 3.81731e+06 4.08543e+06 29362 0
1 5.53353e+06 5.10504e+06 5.83066e+06 29362 1
3 550886 541564 561042 13983232 0
4 2.17608e+06 2.13752e+06 2.26934e+06 13983232 1
6 1.63227e+08 1.57553e+08 1.79959e+08 40563 0
7 1.58187e+08 1.55107e+08 1.65414e+08 40563 1
9 5.25643e+06 5.07078e+06 5.32978e+06 13400487 0
11 5.56363e+06 5.29314e+06 6.25816e+06 15113984 0
13 795186 784191 821473 5682409 0
15 6.16422e+08 5.50423e+08 6.29691e+08 0 0
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
