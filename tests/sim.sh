#!/usr/bin/env bash
# sim.sh - the plumbing of `--counters sim`, end to end, on walks whose
# simulated misses are known by construction.
#
# staircase's 'chase' follows a random single cycle through every line of
# a contiguous buffer. Contiguous lines spread evenly over a cache's sets,
# so a buffer of at most a cache's capacity puts at most `ways` lines in
# each set, and after the warm-up repetition every access hits: ~0 misses
# per access. A buffer well past the capacity puts more than `ways` lines
# in every set, visited in one fixed order per round, and LRU then evicts
# each line before its next use: ~1 miss per access. With the geometry
# pinned by MECHLAB_SIM_CACHES (D1 32 KiB, L2 128 KiB, LL 256 KiB, all
# 8-way, 64-byte lines), the working sets below must give:
#
#     bytes     D1   L2   LL      (misses per access, I1 ~0 throughout)
#     8 KiB     0    0    0       inside D1
#     96 KiB    1    0    0       past D1, 6 lines per L2 set
#     192 KiB   1    1    0       past L2, 6 lines per LL set
#     2 MiB     1    1    1       8x the LL
#
# Each point is one valgrind process (two with the L2 pass), a second or
# so each. Fails loudly when valgrind is missing.
# usage: sim.sh path/to/mechlab
set -u
mechlab=$1
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed: scripts/setup-deps.sh installs it"
  echo "0 passed, 1 failed"; exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
export MECHLAB_SIM_CACHES="I1=32768,8,64 D1=32768,8,64 LL=262144,8,64 L2=131072,8,64"
if ! "$mechlab" run staircase --counters sim --set bytes=8K,96K,192K,2M \
     --reps 1 --min-time 0.001 --no-plot --no-progress --out "$root" \
     --machine simtest > "$root/log" 2>&1; then
  cat "$root/log"; echo "0 passed, 1 failed"; exit 1
fi
dir="$root/simtest/staircase/latest"
sed -n '/^simulated cache misses/,$p' "$root/log"
awk -F, -v want="8192:0:0:0 98304:1:0:0 196608:1:1:0 2097152:1:1:1" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  function near(v, w) { return v != "" && (w ? v > 0.98 && v < 1.02 : v < 0.02) }
  $col["variant"] == "chase" {
    n = split(want, ws, " ")
    for (k = 1; k <= n; k++) {
      split(ws[k], f, ":")
      if ($col["bytes"] != f[1]) continue
      seen[f[1]] = 1
      d1 = $col["sim_d1_miss_per_op"]; l2 = $col["sim_l2_miss_per_op"]
      ll = $col["sim_ll_miss_per_op"]; i1 = $col["sim_i1_miss_per_op"]
      ok = near(d1, f[2]) && near(l2, f[3]) && near(ll, f[4]) && near(i1, 0)
      if (ok) pass++
      else { fail++; printf "FAIL bytes=%s: d1=%s l2=%s ll=%s i1=%s, want %s %s %s 0\n", f[1], d1, l2, ll, i1, f[2], f[3], f[4] }
    }
  }
  END {
    for (k = 1; k <= n; k++) { split(ws[k], f, ":"); if (!(f[1] in seen)) { fail++; print "FAIL: no row for bytes=" f[1] } }
    if (!("sim_d1_miss_per_op" in col)) { fail++; print "FAIL: no sim columns in data.csv" }
    printf "data.csv: %d passed, %d failed\n", pass, fail; exit fail > 0 }
' "$dir/data.csv" || { echo "0 passed, 1 failed"; exit 1; }
# context.json records the geometry and its source
if grep -q '"simulated_counters"' "$dir/context.json" &&
   grep -q "MECHLAB_SIM_CACHES" "$dir/context.json" &&
   grep -q "NOT hardware counts" "$dir/summary.txt"; then
  echo "context and summary: 1 passed, 0 failed"
else
  echo "context and summary: 0 passed, 1 failed"; exit 1
fi
# a malformed geometry override is a clear error naming the variable
MECHLAB_SIM_CACHES="D1=1,2" "$mechlab" run staircase --counters sim \
    --set bytes=8K --reps 1 --min-time 0.001 --no-plot --no-progress \
    --out "$root" --machine simtest > "$root/log2" 2>&1
if grep -q "MECHLAB_SIM_CACHES" "$root/log2"; then
  echo "bad geometry: 1 passed, 0 failed"
else
  cat "$root/log2"; echo "bad geometry: 0 passed, 1 failed"; exit 1
fi
# without --counters sim: the summary offers the simulation exactly when the
# hardware cache counters are unavailable here
unset MECHLAB_SIM_CACHES
"$mechlab" run staircase --set bytes=8K --reps 1 --min-time 0.001 \
    --no-plot --no-progress --out "$root" --machine simtest > "$root/log3" 2>&1
# (the reasons are listed one per line in summary.txt; the console names
# the unavailable counters on one line)
if grep -q "^  L1-dcache-load-misses:" "$root/simtest/staircase/latest/summary.txt"
then want=1; else want=0; fi
if grep -q "rerun with --counters sim" "$root/log3"; then got=1; else got=0; fi
if [ "$want" = "$got" ]; then
  echo "offer ($want): 1 passed, 0 failed"
else
  cat "$root/log3"; echo "offer: 0 passed, 1 failed (want $want, got $got)"; exit 1
fi
# describe: the expectation of a memory experiment; the reason for a
# multithreaded one
if "$mechlab" describe staircase | grep -q "about one LL miss per load" &&
   "$mechlab" describe falseshare | grep -A1 "^Simulated cache counters" |
     grep -q "unavailable: it is multithreaded"; then
  echo "describe: 1 passed, 0 failed"
else
  echo "describe: 0 passed, 1 failed"; exit 1
fi
echo "all passed"
