#!/usr/bin/env bash
# An interrupted run leaves earlier results intact: `latest` and the
# complete run directories are untouched, the partial run is a hidden .tmp
# directory that the next run removes.
# usage: interrupt.sh path/to/mechlab
set -u
mechlab=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
d="$root/results/m/noop"
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
runs() { find "$d" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l; }

"$mechlab" run noop --quick --no-progress --no-plot --out "$root/results" --machine m >/dev/null 2>&1 \
  && ok || bad "first run failed"
first=$(readlink "$d/latest")
[ -n "$first" ] && [ -f "$d/$first/data.csv" ] && ok || bad "no latest after the first run"

"$mechlab" run noop --reps 400 --min-time 0.05 --no-progress --no-plot --out "$root/results" --machine m >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do ls -d "$d"/.tmp-* >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"; wait "$pid"; rc=$?
[ "$rc" -eq 130 ] && ok || bad "interrupted run exited $rc, want 130"
[ "$(readlink "$d/latest")" = "$first" ] && ok || bad "latest moved after an interrupted run"
[ "$(runs)" -eq 1 ] && ok || bad "an interrupted run left a complete-looking directory"
[ -f "$d/$first/data.csv" ] && [ -f "$d/$first/summary.txt" ] && ok || bad "earlier results damaged"

sleep 1   # a new run-id (timestamps have one-second resolution)
"$mechlab" run noop --quick --no-progress --no-plot --out "$root/results" --machine m >/dev/null 2>&1 \
  && ok || bad "run after the interruption failed"
ls -d "$d"/.tmp-* >/dev/null 2>&1 && bad "stale .tmp directory not removed" || ok
[ "$(runs)" -eq 2 ] && ok || bad "want 2 complete runs, have $(runs)"
[ "$(readlink "$d/latest")" != "$first" ] && ok || bad "latest did not move to the new run"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
