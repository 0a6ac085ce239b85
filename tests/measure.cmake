# measure.cmake - statistics and counters tests (label: unit).
#
# test_stats checks stats.c against hand-computed values; test_counters
# checks the counter plan, the unavailable path, and that rusage and perf
# software events really count on this machine. Both link the harness
# library `hx` and print "N passed, M failed"; ctest reads the exit status.
mechlab_add_test(test_stats SOURCE test_stats.c LABELS unit TIMEOUT 60)
mechlab_add_test(test_counters SOURCE test_counters.c LABELS unit TIMEOUT 60)
