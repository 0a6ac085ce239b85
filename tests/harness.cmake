# Harness unit tests: CLI parsing and the command table, registry,
# formatting, the data.csv writer, the result and its reporters; the
# command-line behaviour on bad input (nothing written, clear messages).
mechlab_add_test(harness_unit SOURCE test_harness.c LABELS unit EXPERIMENTS)
mechlab_add_test(harness_cli_errors LABELS unit
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_errors.sh
                         $<TARGET_FILE:mechlab>)

# Make variables reach the shell quoted (make run 'EXP=x;echo hi' runs
# nothing else); checked with stand-ins for cmake and mechlab.
mechlab_add_test(harness_make_vars LABELS unit
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/make_vars.sh
                         ${PROJECT_SOURCE_DIR}/Makefile)

# Trustworthy numbers (issue 9): warm-up and stop-together rules with a
# fake clock, the spread/settle rule on synthetic samples, and the order a
# real run calls warm-up and timed loop in (no timing assertions).
mechlab_add_test(harness_repeat SOURCE test_repeat.c LABELS unit EXPERIMENTS)

# Harness support for the runtime experiments: counter sources, max
# metrics, fixed-point parameters, Go twins planned or left out.
mechlab_add_test(harness_sources SOURCE test_sources.c LABELS unit
                 EXPERIMENTS)

# The verdict rules driven by synthetic samples (intervals per repetition
# count, straddling, the two-sided busy rule, named checks, over-subscribed
# runs, headline figures).
mechlab_add_test(test_verdict SOURCE test_verdict.c LABELS unit EXPERIMENTS
                 TIMEOUT 60)

# compare: the headline table's figures and ratios on synthetic machines,
# the run and its flags named, colours keyed by series (issue 12).
mechlab_add_test(harness_compare LABELS unit TIMEOUT 120
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compare.sh
                         $<TARGET_FILE:mechlab>)

# Google Benchmark names stay the same in quick and full runs, read by
# Google Benchmark's own compare.py (libbenchmark-tools, python3-scipy).
mechlab_add_test(harness_gbench_names LABELS unit SERIAL TIMEOUT 180
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/gbench_names.sh
                         $<TARGET_FILE:mechlab>)
