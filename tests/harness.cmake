# Harness unit tests (CLI, registry, formatting, CSV writer) and the
# command-line behaviour on bad input (nothing written, clear messages).
add_executable(test_harness ${CMAKE_CURRENT_SOURCE_DIR}/test_harness.c
               $<TARGET_OBJECTS:mechlab_experiments>)
target_link_libraries(test_harness PRIVATE hx)
if(TARGET grt)
  target_link_libraries(test_harness PRIVATE grt)
endif()
target_link_libraries(test_harness PRIVATE PkgConfig::BDWGC) # gcbench
add_test(NAME harness_unit COMMAND test_harness)
set_tests_properties(harness_unit PROPERTIES LABELS unit)

add_test(NAME harness_cli_errors
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_errors.sh $<TARGET_FILE:mechlab>)
set_tests_properties(harness_cli_errors PROPERTIES LABELS unit)

# Make variables reach the shell quoted (make run 'EXP=x;echo hi' runs
# nothing else); checked with stand-ins for cmake and mechlab.
add_test(NAME harness_make_vars
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/make_vars.sh
                 ${PROJECT_SOURCE_DIR}/Makefile)
set_tests_properties(harness_make_vars PROPERTIES LABELS unit)

# Trustworthy numbers (issue 9): warm-up and stop-together rules with a
# fake clock, the spread/settle rule on synthetic samples, and the order a
# real run calls warm-up and timed loop in (no timing assertions).
add_executable(test_repeat ${CMAKE_CURRENT_SOURCE_DIR}/test_repeat.c
               $<TARGET_OBJECTS:mechlab_experiments>)
target_link_libraries(test_repeat PRIVATE hx)
if(TARGET grt)
  target_link_libraries(test_repeat PRIVATE grt)
endif()
target_link_libraries(test_repeat PRIVATE PkgConfig::BDWGC) # gcbench
add_test(NAME harness_repeat COMMAND test_repeat)
set_tests_properties(harness_repeat PROPERTIES LABELS unit)

# Harness support for the runtime experiments: counter sources, max
# metrics, fixed-point parameters, Go twins planned or left out.
add_executable(test_sources ${CMAKE_CURRENT_SOURCE_DIR}/test_sources.c)
target_link_libraries(test_sources PRIVATE hx)
add_test(NAME harness_sources COMMAND test_sources)
set_tests_properties(harness_sources PROPERTIES LABELS unit)

# The verdict rules driven by synthetic samples (intervals per repetition
# count, straddling, the two-sided busy rule, named checks, over-subscribed
# runs, headline figures).
add_executable(test_verdict ${CMAKE_CURRENT_SOURCE_DIR}/test_verdict.c)
target_link_libraries(test_verdict PRIVATE hx)
add_test(NAME test_verdict COMMAND test_verdict)
set_tests_properties(test_verdict PROPERTIES LABELS unit TIMEOUT 60)
