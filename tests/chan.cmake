# chan.cmake - channels and select tests (labels: runtime, stress).
#
# test_chan checks Go's channel and select semantics one by one, fatal
# cases (panics, deadlocks) in re-executed children; test_chan_stress checks
# conservation (no lost or duplicated value) under many producers and
# consumers, selects racing, close racing with blocked goroutines. Both
# link the runtime library `grt` (and see its private headers: some tests
# wait on a channel's wait queues) and print "N passed, M failed".
# With MECHLAB_SANITIZE_TESTS both are built again against the ASan+UBSan
# runtime library, as tests/runtime.cmake does for the scheduler's tests.
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
  add_executable(${_t} ${CMAKE_CURRENT_SOURCE_DIR}/${_t}.c)
  target_include_directories(${_t} PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
  target_link_libraries(${_t} PRIVATE grt)
  add_test(NAME ${_t} COMMAND ${_t})
  set_tests_properties(${_t} PROPERTIES LABELS ${_label}
                       TIMEOUT ${_timeout})
endwhile()
