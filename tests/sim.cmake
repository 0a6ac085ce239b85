# sim.cmake - simulated cache counters (--counters sim).
#
# test_sim (unit): the callgrind parser, valgrind's geometry constraints,
# the staircase's measured last-level capacity, the geometry override and
# which experiments can be simulated; no valgrind needed.
# sim_plumbing (unit, sim): a real `run staircase --counters sim` under
# valgrind on working sets whose misses are known by construction
# (tests/sim.sh); a few seconds; fails loudly without valgrind.
add_executable(test_sim ${CMAKE_CURRENT_SOURCE_DIR}/test_sim.c
               $<TARGET_OBJECTS:mechlab_experiments>)
target_link_libraries(test_sim PRIVATE hx)
if(TARGET grt)
  target_link_libraries(test_sim PRIVATE grt)
endif()
target_link_libraries(test_sim PRIVATE PkgConfig::BDWGC) # gcbench
add_test(NAME test_sim COMMAND test_sim)
set_tests_properties(test_sim PROPERTIES LABELS unit TIMEOUT 60)

add_test(NAME sim_plumbing
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim.sh $<TARGET_FILE:mechlab>)
set_tests_properties(sim_plumbing PROPERTIES LABELS "unit;sim" TIMEOUT 180
                     RUN_SERIAL TRUE)
