# runtime.cmake - the runtime's scheduler, stack and sync tests
# (labels: runtime, stress).
#
# test_runtime checks semantics one test at a time (ordering and wake-ups,
# park/ready, WaitGroup, Once, Mutex under contention on all Ps, RWMutex,
# timer order and sleep, netpoll on a pipe, syscall handoff, preemption,
# stealing, stack statistics, grt_run from several threads) and the fatal
# cases in re-executed children (deadlock, stack overflow, sync misuse).
# test_runtime_stress: 100,000 goroutines alive at once, a million
# ping-pong switches (Gosched and park/ready), spawn storms.
# test_gc: the garbage-collected heap (reachability from every kind of
# root, bounded heap, GOGC/GOMEMLIMIT, gctrace, checkmark).
# test_pool: grt_pool (Go's sync.Pool): Get/Put order, chain growth,
# stealing across Ps, concurrency with collections, the victim cache.
# With MECHLAB_SANITIZE_TESTS all are built again against grt_asan
# (ASan+UBSan with the fiber-switch annotations) as *_asan.
# Each prints "N passed, M failed".
if(NOT TARGET grt)
  return()
endif()

set(_rt_tests test_runtime runtime 120 test_runtime_stress stress 300
              test_gc runtime 180 test_pool runtime 120)
set(_i 0)
list(LENGTH _rt_tests _n)
while(_i LESS _n)
  list(GET _rt_tests ${_i} _t)
  math(EXPR _j "${_i} + 1")
  list(GET _rt_tests ${_j} _label)
  math(EXPR _j "${_i} + 2")
  list(GET _rt_tests ${_j} _timeout)
  math(EXPR _i "${_i} + 3")
  set(_libs grt)
  set(_names ${_t})
  if(MECHLAB_SANITIZE_TESTS AND TARGET grt_asan)
    list(APPEND _names ${_t}_asan)
  endif()
  foreach(_name IN LISTS _names)
    add_executable(${_name} ${CMAKE_CURRENT_SOURCE_DIR}/${_t}.c)
    target_include_directories(${_name} PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
    set(_env "ASAN_OPTIONS=detect_stack_use_after_return=0")
    if(_name MATCHES "_asan$")
      target_link_libraries(${_name} PRIVATE grt_asan)
      set(_labels "${_label};asan")
    else()
      target_link_libraries(${_name} PRIVATE grt)
      set(_labels ${_label})
    endif()
    add_test(NAME ${_name} COMMAND ${_name})
    set_tests_properties(${_name} PROPERTIES LABELS "${_labels}"
                         TIMEOUT ${_timeout} ENVIRONMENT "${_env}")
  endforeach()
endwhile()

# Stack accounting against the kernel (smaps, mincore, RSS): not built for
# ASan, whose shadow memory would be counted in the RSS it measures.
add_executable(test_stacks ${CMAKE_CURRENT_SOURCE_DIR}/test_stacks.c)
target_include_directories(test_stacks PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
target_link_libraries(test_stacks PRIVATE grt)
add_test(NAME test_stacks COMMAND test_stacks)
set_tests_properties(test_stacks PROPERTIES LABELS runtime TIMEOUT 120)

# The collector's work buffers (per-P pairs, lock-free full and empty
# lists) under concurrent owners: no heap, no goroutine.
add_executable(test_gcwork ${CMAKE_CURRENT_SOURCE_DIR}/test_gcwork.c)
target_include_directories(test_gcwork PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
target_link_libraries(test_gcwork PRIVATE grt)
add_test(NAME test_gcwork COMMAND test_gcwork)
set_tests_properties(test_gcwork PROPERTIES LABELS unit TIMEOUT 120)

# The pacer's arithmetic (goal, trigger, assist ratio, cons/mark) as pure
# functions: no heap, no goroutine.
add_executable(test_pacer ${CMAKE_CURRENT_SOURCE_DIR}/test_pacer.c)
target_include_directories(test_pacer PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
target_link_libraries(test_pacer PRIVATE grt)
add_test(NAME test_pacer COMMAND test_pacer)
set_tests_properties(test_pacer PROPERTIES LABELS unit TIMEOUT 60)

# The heap under torture (label torture, not run by `make test`): a cycle
# every 4 span refills, each verified by gccheckmark.
if(TARGET test_gc)
  add_test(NAME test_gc_torture COMMAND test_gc)
  set_tests_properties(test_gc_torture PROPERTIES LABELS torture TIMEOUT 1800
    ENVIRONMENT "GODEBUG=gccollectevery=4,gccheckmark=1;GC_TEST_SCALE=4")
endif()
