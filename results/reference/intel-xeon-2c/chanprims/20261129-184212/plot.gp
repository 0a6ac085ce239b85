# chanprims plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "chanprims: ns per channel op (see each variant)\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-184212; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each pair: Go / ours (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [1:120717]
set format y '%.0s %c'
set ylabel "ns per channel op (see each variant)" noenhanced
set xrange [-0.8:12.8]
set xtics rotate by -35 left nomirror font ',11' ("unbuf\\_pingpong" 0, "go:unbuf\\_pingpong" 1, "buffered" 3, "go:buffered" 4, "select2" 6, "go:select2" 7, "select2\\_refill" 9, "go:select2\\_refill" 10, "thread\\_condvar" 12)
set bmargin 9
set label "3.38×" at 0.5, 430.848 center font ',11' tc rgb '#222222' noenhanced
set label "2.02×" at 3.5, 93.2712 center font ',11' tc rgb '#222222' noenhanced
set label "1.39×" at 6.5, 91.8764 center font ',11' tc rgb '#222222' noenhanced
set label "1.97×" at 9.5, 162.523 center font ',11' tc rgb '#222222' noenhanced
$bars << EOD
0 53.9513 51.3792 57.6448 29362 0
1 182.1 168.02 195.84 29362 1
3 20.0602 19.3872 21.8335 13983232 0
4 40.48 38.544 42.396 13983232 1
6 26.9236 25.2607 29.1945 40563 0
7 37.33 36.256 41.762 40563 1
9 35.7117 34.0906 37.0751 13400487 0
10 70.36 66.91 73.874 13400487 1
12 4340.25 2611.95 20119.6 15113984 0
EOD
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'chanprims.png'
plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):(1):2:5 with boxxyerror lc rgb variable fs solid 0.85 border rgb '#333333', \
  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):(1):2:5 with boxxyerror lc rgb variable fs transparent pattern 4 border rgb '#333333', \
  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 lw 1.2
set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'chanprims'
set output 'chanprims.svg'
replot
set output
