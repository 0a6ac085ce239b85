set terminal pngcairo size 900,600
set output 'tradeoff.png'
set title 'gogc: heap overhead vs GC CPU, one point per GOGC (labels)'
set xlabel 'GC CPU, % of wall x CPUs'
set ylabel 'peak heap - live heap, MiB'
set logscale y
set key outside right
set grid
plot 'tradeoff.dat' index 0 using 2:3 with linespoints title 'churn', '' index 0 using 2:3:1 with labels offset 1,1 notitle, \
     'tradeoff.dat' index 1 using 2:3 with linespoints title 'go:churn', '' index 1 using 2:3:1 with labels offset 1,1 notitle, \
     'tradeoff.dat' index 2 using 2:3 with linespoints title 'live-ptr', '' index 2 using 2:3:1 with labels offset 1,1 notitle, \
     'tradeoff.dat' index 3 using 2:3 with linespoints title 'go:live-ptr', '' index 3 using 2:3:1 with labels offset 1,1 notitle, \
     'tradeoff.dat' index 4 using 2:3 with linespoints title 'live-noscan', '' index 4 using 2:3:1 with labels offset 1,1 notitle, \
     'tradeoff.dat' index 5 using 2:3 with linespoints title 'go:live-noscan', '' index 5 using 2:3:1 with labels offset 1,1 notitle
