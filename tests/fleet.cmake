# Fleet studies on Slurm (label fleet).
#   fleet_unit     study validation (bad names, ranges, injections), shell
#                  quoting through /bin/sh, the job script, scontrol records,
#                  the summary.json reader (tests/fixtures/)
#   fleet_cluster  a throwaway three-node Slurm cluster on this host (private
#                  munge, SLURM_CONF in a temp dir, daemons as root), a small
#                  study across it, one node failing on purpose, the report;
#                  needs root and slurm-wlm + munge (scripts/setup-deps.sh),
#                  and fails saying why without them. About 6-12 s.
add_executable(test_fleet ${CMAKE_CURRENT_SOURCE_DIR}/test_fleet.c
               $<TARGET_OBJECTS:mechlab_experiments>)
target_link_libraries(test_fleet PRIVATE hx)
if(TARGET grt)
  target_link_libraries(test_fleet PRIVATE grt)
endif()
target_link_libraries(test_fleet PRIVATE PkgConfig::BDWGC) # gcbench
add_test(NAME fleet_unit
         COMMAND test_fleet ${CMAKE_CURRENT_SOURCE_DIR}/fixtures)
set_tests_properties(fleet_unit PROPERTIES LABELS "fleet;unit")

add_test(NAME fleet_cluster
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fleet_cluster.sh
                 $<TARGET_FILE:mechlab>)
# It measures (briefly) and runs daemons on fixed ports: never beside the
# smoke runs.
set_tests_properties(fleet_cluster PROPERTIES LABELS fleet RUN_SERIAL TRUE
                     TIMEOUT 240)
