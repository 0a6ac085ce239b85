# chan.cmake - channels and select tests (labels: runtime, stress).
#
# test_chan checks Go's channel and select semantics one by one, the fatal
# cases (panics, deadlocks) in re-executed children; test_chan_stress checks
# conservation (no lost or duplicated value) under many producers and
# consumers on every buffer size, selects racing on shared channels, close
# racing with blocked goroutines, timers in selects. Both link the runtime
# library and see its private headers (some tests wait on a channel's wait
# queues). With MECHLAB_SANITIZE_TESTS both are built again against
# grt_asan (ASan+UBSan) as *_asan, exactly as tests/runtime.cmake does for
# the scheduler's tests. Each prints "N passed, M failed".
if(NOT TARGET grt)
  return()
endif()

set(_chan_tests test_chan runtime 120 test_chan_stress stress 300)
set(_i 0)
list(LENGTH _chan_tests _n)
while(_i LESS _n)
  list(GET _chan_tests ${_i} _t)
  math(EXPR _j "${_i} + 1")
  list(GET _chan_tests ${_j} _label)
  math(EXPR _j "${_i} + 2")
  list(GET _chan_tests ${_j} _timeout)
  math(EXPR _i "${_i} + 3")
  set(_names ${_t})
  if(MECHLAB_SANITIZE_TESTS AND TARGET grt_asan)
    list(APPEND _names ${_t}_asan)
  endif()
  foreach(_name IN LISTS _names)
    add_executable(${_name} ${CMAKE_CURRENT_SOURCE_DIR}/${_t}.c)
    target_include_directories(${_name} PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
    if(_name MATCHES "_asan$")
      target_link_libraries(${_name} PRIVATE grt_asan)
      set(_labels "${_label};asan")
    else()
      target_link_libraries(${_name} PRIVATE grt)
      set(_labels ${_label})
    endif()
    add_test(NAME ${_name} COMMAND ${_name})
    set_tests_properties(${_name} PROPERTIES LABELS "${_labels}"
                         TIMEOUT ${_timeout}
                         ENVIRONMENT "ASAN_OPTIONS=detect_stack_use_after_return=0")
  endforeach()
endwhile()
