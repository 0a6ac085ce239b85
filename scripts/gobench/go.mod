module mechlab/gobench

go 1.19
