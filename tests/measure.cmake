# measure.cmake - statistics and counters tests (label: unit).
#
# test_stats checks stats.c against hand-computed values; test_counters
# checks the counter plan, the unavailable path, and that rusage and perf
# software events really count on this machine. Both link the harness
# library `hx` and print "N passed, M failed"; ctest reads the exit status.
foreach(t test_stats test_counters)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
    add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
    target_link_libraries(${t} PRIVATE hx)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
  endif()
endforeach()
