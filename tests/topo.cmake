# topo.cmake: unit tests of the machine description - topology and pinning
# (harness/topo.c), sweep points and the list parser (points.c), and the
# context fingerprint (context.c). One executable per module, linked against
# the hx library; each prints "N passed, M failed" and exits non-zero on a
# failure. test_topo also re-runs itself bound to one PU (like taskset).
mechlab_add_test(test_topo SOURCE test_topo.c LABELS unit TIMEOUT 60)
mechlab_add_test(test_points SOURCE test_points.c LABELS unit TIMEOUT 60)
mechlab_add_test(test_context SOURCE test_context.c LABELS unit TIMEOUT 60)
