set terminal pngcairo size 900,500
set output 'sawtooth.png'
set title 'gogc: our heap over time (churn, last repetition)'
set xlabel 'seconds'
set ylabel 'heap (heap_live), MiB'
set grid
plot 'sawtooth.dat' index 0 using 1:2 with steps title 'GOGC=100', '' index 1 using 1:2 with steps title 'GOGC=400'
