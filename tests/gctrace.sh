#!/usr/bin/env bash
# gctrace.sh - GODEBUG=gctrace=1 through the whole stack: the GC benchmark
# in quick mode prints one line per collection of our heap in Go's layout
# (runtime/mgc.go), e.g.
#   gc 4 @0.031s 9%: 0.024+14+0.031 ms clock, 0.049+0/14/0+0.062 ms cpu,
#   3->3->3 MB, 7 MB goal, 0 MB stacks, 0 MB globals, 2 P
# with " (forced)" on grt_gc()'s cycles. Checks: every line that starts
# with "gc N @" has the full layout, and both kinds occur.
# usage: gctrace.sh path/to/mechlab
set -u
mechlab=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
GODEBUG=gctrace=1 MECHLAB_NO_GO=1 "$mechlab" run gcbench --quick --reps 1 \
    --no-progress --no-plot --out "$root/results" --machine smoke \
    >"$root/log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  tail -n 30 "$root/log"; echo "0 passed, 1 failed"; exit 1
fi
layout='^gc [0-9]+ @[0-9]+\.[0-9]{3}s [0-9]+%: [0-9.]+\+[0-9.]+\+[0-9.]+ ms clock, [0-9.]+\+[0-9.]+/[0-9.]+/[0-9.]+\+[0-9.]+ ms cpu, [0-9]+->[0-9]+->[0-9]+ MB, [0-9]+ MB goal, [0-9]+ MB stacks, [0-9]+ MB globals, [0-9]+ P( \(forced\))?$'
pass=0 fail=0
lines=$(grep -cE '^gc [0-9]+ @' "$root/log")
bad=$(grep -E '^gc [0-9]+ @' "$root/log" | grep -cvE "$layout")
forced=$(grep -E "$layout" "$root/log" | grep -c ' (forced)$')
paced=$(grep -E "$layout" "$root/log" | grep -vc ' (forced)$')
echo "gctrace: $lines lines, $bad off-layout, $forced forced, $paced paced"
if [ "$lines" -gt 0 ] && [ "$bad" -eq 0 ]; then pass=$((pass + 1)); else
  grep -E '^gc [0-9]+ @' "$root/log" | grep -vE "$layout" | head -n 5
  fail=$((fail + 1)); fi
if [ "$forced" -gt 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
if [ "$paced" -gt 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
