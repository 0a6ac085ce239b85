# noop plot; run: gnuplot plot.gp (in this directory)
set encoding utf8
set grid lc rgb '#d0d0d0'
set border lw 1.2
set title "noop: ns per iteration\n{/*0.75 Intel Xeon (2 cores/2 PUs, L1d 48 KiB, L2 2 MiB, L3 260 MiB?, 64 B lines, Linux 6.18.44-fc-v657)}\n{/*0.75 [intel-xeon-2c], run 20261129-205410; median per thread, bars p10-p90}\n{/*0.75 hatched: Go's twin; over each pair: Go / ours (medians)}" enhanced
set key off
set grid noxtics ytics lc rgb '#d0d0d0'
set logscale y 10
set yrange [0.1:15.2636]
set format y '%.0s %c'
set ylabel "ns per iteration" noenhanced
set xrange [-0.8:6.8]
set xtics rotate by -35 left nomirror font ',11' ("empty" 0, "keep" 2, "adds" 4, "manual" 6)
set bmargin 9
$bars << EOD
0 0.316245 0.311506 0.319415 29362 0
2 0.316203 0.31374 0.319017 13983232 0
4 2.52374 2.49832 2.54393 40563 0
6 0.316731 0.311675 0.320037 13400487 0
EOD
set terminal pngcairo size 1200,700 font 'Sans,12' background '#ffffff'
set output 'noop.png'
plot $bars using 1:($6 == 0 ? $2 : 1/0):($1-0.42):($1+0.42):(0.1):2:5 with boxxyerror lc rgb variable fs solid 0.85 border rgb '#333333', \
  $bars using 1:($6 == 1 ? $2 : 1/0):($1-0.42):($1+0.42):(0.1):2:5 with boxxyerror lc rgb variable fs transparent pattern 4 border rgb '#333333', \
  $bars using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1 lw 1.2
set terminal svg size 1200,700 dynamic font 'Sans,13' background '#ffffff' name 'noop'
set output 'noop.svg'
replot
set output
