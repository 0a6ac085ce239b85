#!/usr/bin/env bash
# Stable Google Benchmark names: a quick and a full run of the same
# experiment name their benchmarks alike (no min_time, repetitions or
# warm-up in a name), so Google Benchmark's own tools/compare.py matches
# them. Reads both runs' gbench.json with compare.py (Debian:
# libbenchmark-tools, which needs python3-scipy); fails loudly when it is
# not installed, never skips.
# usage: gbench_names.sh path/to/mechlab
set -u
# The names of our own variants are the subject; the Go twins (go:...)
# are newer than the reference run compared with below.
export MECHLAB_NO_GO=1
mechlab=$1
root=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$root"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

cmp_py=""
for c in /usr/share/benchmark/compare.py /usr/lib/benchmark/tools/compare.py; do
  [ -f "$c" ] && cmp_py=$c && break
done
if [ -z "$cmp_py" ]; then
  echo "FAIL: Google Benchmark's compare.py is not installed (Debian:"
  echo "      apt-get install libbenchmark-tools python3-scipy)"
  echo "0 passed, 1 failed"; exit 1
fi

# falseshare: parameters in the names; quick has fewer points and reps
"$mechlab" run falseshare --quick --min-time 0.002 --no-plot --no-progress \
    --out "$root" --machine quick > "$root/q.log" 2>&1 ||
  { cat "$root/q.log"; echo "0 passed, 1 failed"; exit 1; }
"$mechlab" run falseshare --reps 5 --min-time 0.002 --warmup 0.001 \
    --no-plot --no-progress --out "$root" --machine full > "$root/f.log" 2>&1 ||
  { cat "$root/f.log"; echo "0 passed, 1 failed"; exit 1; }
q=$root/quick/falseshare/latest/gbench.json
f=$root/full/falseshare/latest/gbench.json

names() { # the iteration runs' names, sorted, unique
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print("\n".join(sorted({b["name"] for b in d["benchmarks"]
                        if b.get("run_type") == "iteration"})))' "$1"
}
names "$q" > "$root/qn"
names "$f" > "$root/fn"
if [ -s "$root/qn" ] && [ -s "$root/fn" ]; then ok "both runs name benchmarks"
else bad "no benchmark names in gbench.json"; fi
if grep -Eq 'min_time|repeats|warmup' "$root/qn" "$root/fn"; then
  bad "names embed run settings: $(grep -Eh 'min_time|repeats|warmup' "$root/qn" "$root/fn" | head -2)"
else ok "no run settings in the names"; fi
missing=$(comm -23 "$root/qn" "$root/fn")
if [ -z "$missing" ]; then ok "every quick name is in the full run ($(wc -l < "$root/qn") names)"
else bad "quick names absent from the full run: $missing"; fi
if grep -q '^falseshare/strided/stride:8/real_time/threads:2$' "$root/fn"; then
  ok "names read <experiment>/<variant>/<param>:<value>/real_time/threads:<n>"
else bad "unexpected name shape: $(head -1 "$root/fn")"; fi

# compare.py: every quick benchmark is matched by name in the full run
# (it prints a NAME_median row, old against new, for each name in both)
# (with the system's Python, for which Debian packages scipy)
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$cmp_py" --no-color -a benchmarks "$q" "$f" > "$root/cmp.txt" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "compare.py read both runs"
else cat "$root/cmp.txt"; bad "compare.py failed ($rc)"; fi
unmatched=0
while read -r n; do
  grep -qF -- "${n}_median " "$root/cmp.txt" || { unmatched=$((unmatched + 1)); echo "  unmatched: $n"; }
done < "$root/qn"
if [ $unmatched -eq 0 ]; then ok "compare.py matched all $(wc -l < "$root/qn") quick benchmarks"
else bad "compare.py matched none or some: $unmatched unmatched"; fi
# a reference run without gbench.json: `mechlab gbench-json` writes one
# from data.csv with today's names, which compare.py matches with ours
ref=$(dirname "$0")/../results/reference/intel-xeon-16c/falseshare/latest
cp -rL "$ref" "$root/ref"
rm -f "$root/ref/gbench.json"
if "$mechlab" gbench-json "$root/ref" > "$root/x.log" 2>&1 &&
   [ -s "$root/ref/gbench.json" ]; then
  ok "gbench-json wrote the reference's gbench.json"
else cat "$root/x.log"; bad "gbench-json failed"; fi
"$mechlab" gbench-json "$root/ref" > /dev/null 2>&1
[ $? -eq 0 ] && ok "an existing gbench.json is left as it is" ||
  bad "gbench-json on an existing file failed"
names "$root/ref/gbench.json" > "$root/rn"
missing=$(comm -23 "$root/qn" "$root/rn")
if [ -z "$missing" ]; then ok "every quick name is in the converted reference"
else bad "quick names absent from the reference: $(echo $missing | head -c 300)"; fi
"$py" "$cmp_py" --no-color benchmarks "$q" "$root/ref/gbench.json" > "$root/cmp2.txt" 2>&1
if [ $? -eq 0 ] && grep -qF "falseshare/xadd-packed/real_time/threads:2 " "$root/cmp2.txt"; then
  ok "compare.py matches this run with the converted reference"
else cat "$root/cmp2.txt" | head; bad "compare.py against the reference"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
