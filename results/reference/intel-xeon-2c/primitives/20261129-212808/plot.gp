# primitives plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "primitives: ns per runtime op (see each variant)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-212808; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each group: right variant / left variant (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [1:6.44942e+06]
set format y '%.0s %c'
set ylabel "ns per runtime op (see each variant)" noenhanced
set xrange [-0.8:31.8]
set xtics rotate by -35 left nomirror font ',11' ("gosched\\_pingpong" 0, "go:gosched\\_pingpong" 1, "thread\\_pingpong" 2, "spawn\\_exit" 4, "go:spawn\\_exit" 5, "thread\\_spawn" 6, "mutex\\_uncontended" 8, "go:mutex\\_uncontended" 9, "pthread\\_uncontended" 10, "mutex\\_contended" 12, "go:mutex\\_contended" 13, "pthread\\_contended" 14, "sleep\\_20us" 16, "go:sleep\\_20us" 17, "nanosleep\\_20us" 18, "alloc\\_64" 20, "go:alloc\\_64" 21, "alloc\\_64\\_noscan" 22, "go:alloc\\_64\\_noscan" 23, "malloc\\_free\\_64" 25, "pool\\_getput\\_64" 26, "go:pool\\_getput\\_64" 27, "pool\\_getput\\_64k" 29, "go:pool\\_getput\\_64k" 30, "malloc\\_free\\_64k" 31)
set bmargin 9
set label "646×" at 1, 54844.7 center font ',11' tc rgb '#222222' noenhanced
set label "231×" at 5, 79990.1 center font ',11' tc rgb '#222222' noenhanced
set label "1.24×" at 9, 40.9259 center font ',11' tc rgb '#222222' noenhanced
set label "3.98×" at 13, 188.048 center font ',11' tc rgb '#222222' noenhanced
set label "2.36×" at 17, 2.36479e+06 center font ',11' tc rgb '#222222' noenhanced
set label "0.728×" at 21.5, 88.9768 center font ',11' tc rgb '#222222' noenhanced
set label "0.654×" at 26, 28.7672 center font ',11' tc rgb '#222222' noenhanced
set label "6.85×" at 30, 86.4831 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 33.4486 32.4069 34.0861 29362 0
1 71.4 69.156 73.528 29362 1
2 21603.6 12175.2 24929.4 13983232 0
4 129.774 120.203 138.706 40563 0
5 213.8 200.7 229.1 40563 1
6 29974.3 24289 36359.1 13400487 0
8 14.2911 14.0976 14.8379 15113984 0
9 14.72 14.408 14.998 15113984 1
10 17.7287 15.2357 18.6027 5682409 0
12 19.1038 17.7519 20.4697 0 0
13 24.06 20.9 24.662 0 1
14 76.02 61.2122 85.4765 9197131 0
16 41406.6 41039.5 46994.6 9725885 0
17 1.06612e+06 968346 1.0749e+06 9725885 1
18 97891.8 96022.3 105963 8355711 0
20 13.3757 12.8684 13.859 1556175 0
21 37.06 34.848 40.444 1556175 1
22 9.73126 9.17801 10.3829 11356490 0
23 31.9 29.882 33.94 11356490 1
25 8.70245 8.36977 9.12193 29362 0
26 5.69374 5.63273 5.93629 13983232 0
27 13.01 12.584 13.076 13983232 1
29 5.66511 5.5495 5.89581 40563 0
30 12.9 12.504 13.644 40563 1
31 38.8075 33.8801 39.3105 13400487 0
EOD
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'primitives.png'
plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):(1):2:5 with boxxyerror lc rgb variable fs solid 0.85 border rgb '#333333', \
  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):(1):2:5 with boxxyerror lc rgb variable fs transparent pattern 4 border rgb '#333333', \
  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 lw 1.2
set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'primitives'
set output 'primitives.svg'
replot
set output
