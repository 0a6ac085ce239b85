# Smoke tests: every registered experiment in quick mode, outputs checked;
# plus the interruption test.
add_executable(smoke_check ${CMAKE_CURRENT_SOURCE_DIR}/smoke_check.c)
target_link_libraries(smoke_check PRIVATE PkgConfig::JANSSON)

get_directory_property(_exps DIRECTORY ${PROJECT_SOURCE_DIR}/experiments
                       DEFINITION MECHLAB_EXPERIMENTS)
foreach(e IN LISTS _exps)
  add_test(NAME smoke_${e}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/smoke.sh $<TARGET_FILE:mechlab>
                   $<TARGET_FILE:smoke_check> ${e})
  # Smoke runs measure: never two at once on a small machine.
  set_tests_properties(smoke_${e} PROPERTIES LABELS smoke SKIP_RETURN_CODE 77
                       RUN_SERIAL TRUE TIMEOUT 300)
endforeach()

add_test(NAME smoke_interrupt
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/interrupt.sh $<TARGET_FILE:mechlab>)
set_tests_properties(smoke_interrupt PROPERTIES LABELS smoke RUN_SERIAL TRUE
                     TIMEOUT 120)

# GODEBUG=gctrace=1 through the GC benchmark: Go-layout lines from our heap.
if("gcbench" IN_LIST _exps)
  add_test(NAME smoke_gcbench_gctrace
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/gctrace.sh $<TARGET_FILE:mechlab>)
  set_tests_properties(smoke_gcbench_gctrace PROPERTIES LABELS smoke
                       RUN_SERIAL TRUE TIMEOUT 300)
endif()
