# primitives plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "primitives: ns per runtime op (see each variant)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-184146; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each group: right variant / left variant (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [1:6.53559e+06]
set format y '%.0s %c'
set ylabel "ns per runtime op (see each variant)" noenhanced
set xrange [-0.8:31.8]
set xtics rotate by -35 left nomirror font ',11' ("gosched\\_pingpong" 0, "go:gosched\\_pingpong" 1, "thread\\_pingpong" 2, "spawn\\_exit" 4, "go:spawn\\_exit" 5, "thread\\_spawn" 6, "mutex\\_uncontended" 8, "go:mutex\\_uncontended" 9, "pthread\\_uncontended" 10, "mutex\\_contended" 12, "go:mutex\\_contended" 13, "pthread\\_contended" 14, "sleep\\_20us" 16, "go:sleep\\_20us" 17, "nanosleep\\_20us" 18, "alloc\\_64" 20, "go:alloc\\_64" 21, "alloc\\_64\\_noscan" 22, "go:alloc\\_64\\_noscan" 23, "malloc\\_free\\_64" 25, "pool\\_getput\\_64" 26, "go:pool\\_getput\\_64" 27, "pool\\_getput\\_64k" 29, "go:pool\\_getput\\_64k" 30, "malloc\\_free\\_64k" 31)
set bmargin 9
set label "645×" at 1, 70070.5 center font ',11' tc rgb '#222222' noenhanced
set label "196×" at 5, 83810.2 center font ',11' tc rgb '#222222' noenhanced
set label "1.29×" at 9, 41.2429 center font ',11' tc rgb '#222222' noenhanced
set label "4.57×" at 13, 188.24 center font ',11' tc rgb '#222222' noenhanced
set label "1.91×" at 17, 2.39638e+06 center font ',11' tc rgb '#222222' noenhanced
set label "0.695×" at 21.5, 114.356 center font ',11' tc rgb '#222222' noenhanced
set label "0.651×" at 26, 30.1004 center font ',11' tc rgb '#222222' noenhanced
set label "6.73×" at 30, 87.0705 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 32.2536 31.804 32.9133 29362 0
1 72.2 68.556 78.11 29362 1
2 20817.3 13087.7 31850.2 13983232 0
4 161.87 130.507 178.589 40563 0
5 214.4 202.7 216.64 40563 1
6 31742.4 23370.5 38095.5 13400487 0
8 14.3702 14.1155 14.6591 15113984 0
9 14.15 13.71 15.042 15113984 1
10 18.4887 18.0131 18.7468 5682409 0
12 17.9127 16.8522 18.6544 0 0
13 21.18 19.89 24.88 0 1
14 81.8496 68.2331 85.5638 9197131 0
16 53135.1 50064.1 59108.3 9725885 0
17 1.07315e+06 942154 1.08926e+06 9725885 1
18 101472 96371.7 110572 8355711 0
20 13.6102 12.4956 14.2894 1556175 0
21 35.16 32.836 41.952 1556175 1
22 9.4646 9.16916 10.065 11356490 0
23 38.68 27.904 51.98 11356490 1
25 8.81189 7.35928 9.22074 29362 0
26 5.73647 5.49137 5.99748 13983232 0
27 13.36 13.142 13.682 13983232 1
29 5.7054 5.5081 5.92721 40563 0
30 13.32 13.142 13.474 40563 1
31 38.3935 36.99 39.5775 13400487 0
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
