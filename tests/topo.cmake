# topo.cmake: unit tests of the machine description - topology and pinning
# (harness/topo.c), sweep points and the list parser (points.c), and the
# context fingerprint (context.c). One executable per module, linked against
# the hx library; each prints "N passed, M failed" and exits non-zero on a
# failure. test_topo also re-runs itself bound to one PU (like taskset).
foreach(t topo points context)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
    add_executable(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
    target_link_libraries(test_${t} PRIVATE hx)
    add_test(NAME test_${t} COMMAND test_${t})
    set_tests_properties(test_${t} PROPERTIES LABELS unit TIMEOUT 60)
  endif()
endforeach()
