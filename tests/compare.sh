#!/usr/bin/env bash
# `mechlab compare` on two synthetic machines whose figures are known:
#   alpha (a user run with summary.json: quick, busy) and
#   reference/beta (data.csv only, as the committed references are).
# Checks the headline table's figures and ratios (CSV), the flags it
# names, and that the plot keys colours by series: one colour per series
# on every machine, different series in different colours.
# usage: compare.sh path/to/mechlab
set -u
mechlab=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

hdr=experiment,variant,series,threads,stride,oversubscribed,rep,ns_per_op,task_clock_per_op,status
# rows NAME SERIES VARIANT STRIDE THREADS "v1 v2 ..." (task-clock = ns)
rows() {
  local r=0
  for v in $6; do
    echo "falseshare,$3,$2,$5,$4,0,$r,$v,$v,ok"; r=$((r + 1))
  done
}
mk() { # DIR PACKED PADDED STRIDE8 LOCAL (values at 2 threads; 1 thread: 1)
  mkdir -p "$1/falseshare/r1"
  ln -s r1 "$1/falseshare/latest"
  {
    echo "$hdr"
    for t in 1 2; do
      if [ $t -eq 1 ]; then p="1 1 1 1 1" d="1 1 1 1 1" s="1 1 1 1 1" l="1 1 1 1 1"
      else p=$2 d=$3 s=$4 l=$5; fi
      rows x "xadd-packed" xadd-packed 8 $t "$p"
      rows x "xadd-padded" xadd-padded 8 $t "$d"
      rows x "strided stride=8" strided 8 $t "$s"
      rows x "local" local 8 $t "$l"
    done
    # a series only this machine has: its colour is its own
    [ -n "${6:-}" ] && rows x "strided stride=$6" strided "$6" 2 "3 3 3 3 3"
  } > "$1/falseshare/r1/data.csv"
}
mk "$root/alpha" "9 10 11 10 10" "2 2 2 2 2" "6 6 6 6 6" "2 2 2 2 2" 128
mk "$root/reference/beta" "40 40 40 40 40" "4 4 4 4 4" "6 6 6 6 6" "1 1 1 1 1"
cat > "$root/reference/beta/falseshare/r1/context.json" <<'J'
{"run": {"run_id": "20260101-000000", "quick": false, "reps": 5}}
J
# alpha: summary.json says quick and busy and gives two figures
cat > "$root/alpha/falseshare/r1/summary.json" <<'J'
{"schema": "mechlab.summary/1", "experiment": "falseshare",
 "run_id": "20260202-000000", "quick": true, "reps": 5, "busy": true,
 "worst_cpu_share": 0.5, "oversubscribed": false,
 "headlines": [
  {"key": "xadd_ratio", "value": 5.0, "ci_lo": 4.5, "ci_hi": 5.5},
  {"key": "plain_ratio", "value": 3.0, "ci_lo": null, "ci_hi": null}],
 "points": [
  {"series": "xadd-packed", "variant": "xadd-packed", "x": 2, "threads": 2,
   "median": 10, "p10": 9, "p90": 11, "params": {"threads": 2}},
  {"series": "xadd-padded", "variant": "xadd-padded", "x": 2, "threads": 2,
   "median": 2, "p10": 2, "p90": 2, "params": {"threads": 2}},
  {"series": "strided stride=128", "variant": "strided", "x": 2,
   "threads": 2, "median": 3, "p10": 3, "p90": 3,
   "params": {"threads": 2, "stride": 128}}]}
J

"$mechlab" compare falseshare --out "$root" > "$root/out.txt" 2>&1
rc=$?
cat "$root/out.txt"
if [ $rc -eq 0 ]; then ok "compare ran"; else bad "compare exited $rc"; fi

csv=$root/compare/falseshare.csv
# field KEY MACHINE COLUMN: one value of the table's CSV
field() {
  python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["key"] == sys.argv[2] and r["machine"] == sys.argv[3]:
        print(r[sys.argv[4]])' "$csv" "$1" "$2" "$3"
}
near() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b) <= 1e-3*abs(b) else 1)' "$1" "$2" 2>/dev/null; }
check() { # KEY MACHINE COLUMN EXPECTED
  local v; v=$(field "$1" "$2" "$3")
  if [ "$4" = "" ]; then
    [ -z "$v" ] && ok "$1 $2 $3 empty" || bad "$1 $2 $3: '$v', expected empty"
  elif near "$v" "$4"; then ok "$1 $2 $3 = $4"
  else bad "$1 $2 $3: '$v', expected $4"; fi
}
[ -f "$csv" ] && ok "table CSV written" || bad "no $csv"
# alpha (A, the base): figures from summary.json
check xadd_ratio alpha value 5
check xadd_ratio alpha ci_lo 4.5
check xadd_ratio alpha ci_hi 5.5
# beta: recomputed from data.csv; ratio to alpha with the envelope
check xadd_ratio beta value 10
check xadd_ratio beta ratio 2
check xadd_ratio beta ratio_lo "$(python3 -c 'print(10/5.5)')"
check xadd_ratio beta ratio_hi "$(python3 -c 'print(10/4.5)')"
check local_ratio beta value 6
check xadd_padded_ns beta value 4
check xadd_padded_ns beta ratio 2
check xadd_packed_ns alpha value 10
check xadd_packed_ns beta ratio 4
check plain_ratio beta value ""
[ "$(field plain_ratio beta source)" = "n/a (needs summary.json)" ] &&
  ok "a verdict-only figure of an old run says why it is missing" ||
  bad "plain_ratio beta source: '$(field plain_ratio beta source)'"
[ "$(field xadd_ratio alpha quick)$(field xadd_ratio alpha busy)" = 11 ] &&
  ok "alpha flagged quick and busy in the CSV" || bad "alpha flags"
[ "$(field xadd_ratio beta quick)$(field xadd_ratio beta busy)" = 00 ] &&
  ok "beta neither quick nor busy (busy from its task-clock)" || bad "beta flags"
grep -q "A\* alpha, run 20260202-000000: quick, busy (50% CPU)" "$root/out.txt" &&
  ok "the table names the run used and its flags" || bad "table legend"
grep -q "B  beta (reference), run 20260101-000000$" "$root/out.txt" &&
  ok "the reference is named as such" || bad "reference legend"

# colours: data blocks (index N) -> series; plot lines index N -> colour
gp=$root/compare/falseshare.gp dat=$root/compare/falseshare.dat
python3 - "$gp" "$dat" > "$root/colours.txt" <<'P'
import re, sys
gp, dat = open(sys.argv[1]).read(), open(sys.argv[2]).read()
series = re.findall(r"^# (\S) \S+: (.*)$", dat, re.M)
lines = re.findall(r"index (\d+) using .*?lc rgb '(#[0-9A-Fa-f]{6})'", gp)
keys = re.findall(r"keyentry with lines lw 3 lc rgb '(#[0-9A-Fa-f]{6})' title \"([^\"]*)\"", gp)
col = {}
bad = 0
for idx, c in lines:
    m, s = series[int(idx)]
    if col.setdefault(s, c) != c:
        print("FAIL: series %r drawn in %s and %s" % (s, col[s], c)); bad += 1
if len(set(col.values())) != len(col):
    print("FAIL: two series share a colour: %r" % col); bad += 1
for c, s in keys:
    if col.get(s) != c:
        print("FAIL: key %r in %s, lines in %s" % (s, c, col.get(s))); bad += 1
machines = {m for m, _ in series}
print("series=%d machines=%d lines=%d keys=%d bad=%d"
      % (len(col), len(machines), len(lines), len(keys), bad))
P
cat "$root/colours.txt"
if grep -q "series=5 machines=2 lines=7 keys=5 bad=0" "$root/colours.txt"; then
  ok "colours keyed by series across machines"
else bad "colours not keyed by series"; fi
grep -q 'title "machine A (quick) (busy)"' "$gp" &&
  ok "the plot's key flags machine A quick and busy" || bad "plot key flags"
head -c 8 "$root/compare/falseshare.png" | grep -q PNG && ok "PNG drawn" ||
  bad "no PNG"
grep -q "<title>falseshare: 2 machines" "$root/compare/falseshare.svg" &&
  grep -q "fill=\"#ffffff\"" "$root/compare/falseshare.svg" &&
  ok "SVG has its title and a white background" || bad "SVG title/background"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
