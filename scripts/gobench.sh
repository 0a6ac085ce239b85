#!/bin/sh
# gobench.sh - run the Go twins of the runtime experiments
# (scripts/gobench: primitives.c -> sched_test.go, chanprims.c ->
# chan_test.go, gcbench.c -> gc_test.go) so Go's figures can be read beside
# ours, measured on this machine. Extra arguments go to `go test` (e.g.
# -bench Gosched -count 9; -bench GC for the collector alone, whose sizes
# MECHLAB_TREE_BYTES and MECHLAB_HEAP_BYTES set; scripts/gcbench.sh runs it
# beside ours and Boehm as one table).
set -eu
if ! command -v go >/dev/null 2>&1; then
    echo "gobench: Go is not installed (no 'go' in PATH); nothing measured."
    echo "gobench: install it (Debian: apt-get install golang-go) to compare."
    exit 0
fi
cd "$(dirname "$0")/gobench"
echo "gobench: $(go version), GOMAXPROCS=${GOMAXPROCS:-$(nproc)}"
# Offline: the module has no dependencies.
GOFLAGS=-mod=mod GOPROXY=off exec go test -run XXX -bench . -count 3 "$@"
