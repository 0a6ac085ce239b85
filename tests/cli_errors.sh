#!/usr/bin/env bash
# Bad input gets a clear message, a non-zero exit, and changes nothing.
# usage: cli_errors.sh path/to/mechlab
set -u
mechlab=$1
out=$(mktemp -d)/results   # must never be created by a failing command
pass=0; fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*"; }

expect() { # expect CODE PATTERN -- ARGS...
  local code=$1 pat=$2; shift 3
  local err rc
  err=$("$mechlab" "$@" 2>&1); rc=$?
  [ "$rc" -eq "$code" ] || { bad "mechlab $* exited $rc, want $code: $err"; return; }
  grep -qE -- "$pat" <<<"$err" || { bad "mechlab $*: output lacks /$pat/: $err"; return; }
  ok
}

expect 2 "unknown experiment 'nosuch'" -- run nosuch --out "$out"
expect 2 "known experiments:.*falseshare" -- run nosuch --out "$out"
expect 2 "known experiments:" -- describe nosuch
expect 2 "unknown experiment 'falshare'; did you mean 'falseshare'\?" -- run falshare --out "$out"
expect 2 "did you mean 'primitives'\?" -- describe primitive
expect 2 "did you mean 'staircase'\?" -- compare Staircse
expect 2 "stride.*8\.\.4096" -- run falseshare --set stride=4 --out "$out"
expect 2 "threads.*1\.\.1024" -- run falseshare --threads 0 --out "$out"
expect 2 "has no parameter 'bogus'" -- run falseshare --set bogus=1 --out "$out"
expect 2 "--reps '0': expected an integer in 1\.\.1000" -- run falseshare --reps 0
expect 2 "--counters 'pmu'" -- run falseshare --counters pmu
expect 2 "unknown option '--fast'" -- run falseshare --fast
expect 2 "unknown command" -- frobnicate
expect 2 "already set" -- run falseshare --set stride=8 --set stride=64 --out "$out"
expect 2 "give one of them" -- run falseshare --threads 1 --set threads=2 --out "$out"
expect 2 "report: no runs under" -- report --out "$out"
expect 2 "no results directory" -- report --index --out "$out"
expect 2 "report: unknown option '--bogus'" -- report --bogus
expect 2 "neither summary.json nor data.csv" -- report "$out/nosuch"
expect 2 "help: unknown command 'nosuch'" -- help nosuch
expect 2 "unknown command 'frob'.*report" -- frob
[ -e "$out" ] && bad "a failing command created $out" || ok

# the command table: the list, and each command's help both ways
expect 0 "report \\[RUN_DIR\\]" -- --help
expect 0 "fleet ACTION" -- help
expect 0 "usage: mechlab run EXP\\|all" -- help run
expect 0 "--threads LIST" -- run --help
expect 0 "--index" -- report --help
expect 0 "usage: mechlab compare" -- compare falseshare --help

expect 0 "falseshare" -- list
expect 0 "Hypothesis" -- describe falseshare
expect 0 "Homework" -- describe falseshare
expect 0 "stride" -- describe falseshare
expect 0 "page-faults" -- counters

rm -rf "$(dirname "$out")"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
