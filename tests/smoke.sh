#!/usr/bin/env bash
# Smoke test: run one experiment in quick mode into a scratch results root
# and check that every output exists and parses (smoke_check), then that
# `compare` draws its overlay from it.
# usage: smoke.sh path/to/mechlab path/to/smoke_check EXP
set -u
mechlab=$1 check=$2 exp=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
"$mechlab" run "$exp" --quick --no-progress --out "$root/results" \
    --machine smoke > "$root/out" 2> "$root/err"
rc=$?
cat "$root/out" "$root/err" > "$root/log"
if [ "$rc" -eq 3 ]; then
  cat "$root/log"; echo "0 passed, 0 failed, 1 skipped"; exit 77
fi
if [ "$rc" -ne 0 ]; then
  cat "$root/log"; echo "0 passed, 1 failed"; exit 1
fi
tail -n 25 "$root/log"
"$check" "$root/results/smoke/$exp" "$exp" || exit 1
# the console keeps to 100 columns (summary.txt keeps every column)
wide=$(awk 'length($0) > 100' "$root/out")
if [ -n "$wide" ]; then
  echo "console wider than 100 columns:"; echo "$wide" | head -5
  echo "console width: 0 passed, 1 failed"; exit 1
fi
echo "console width: 1 passed, 0 failed"
# Go twins: where the experiment declares them, their go: series are in
# data.csv when Go is installed, and the run says once that Go is absent
# when it is not.
if "$mechlab" describe "$exp" | grep -q '^  go:'; then
  if command -v go >/dev/null 2>&1 && [ -z "${MECHLAB_NO_GO:-}" ]; then
    if ! grep -q ",go:" "$root/results/smoke/$exp/latest/data.csv"; then
      echo "go twins: no go: series in data.csv"; echo "0 passed, 1 failed"
      exit 1
    fi
  elif [ "$(grep -c 'go: not installed' "$root/log")" -ne 1 ]; then
    echo "go twins: Go is absent but the run did not say so once"
    echo "0 passed, 1 failed"; exit 1
  fi
  echo "go twins: 1 passed, 0 failed"
fi
# compare overlays every machine's latest run: here the one just made
if "$mechlab" compare "$exp" --out "$root/results" > "$root/cmp.log" 2>&1 &&
   head -c 8 "$root/results/compare/$exp.png" | grep -q PNG; then
  echo "compare: 1 passed, 0 failed"
else
  cat "$root/cmp.log"; echo "compare: 0 passed, 1 failed"; exit 1
fi
# report: from the run directory alone, also for a run made before
# summary.json (copied elsewhere, summary.json and report.html removed: it
# reads data.csv), and the index links every run's report.
run=$(readlink -f "$root/results/smoke/$exp/latest")
old="$root/copied/$exp-old"
mkdir -p "$root/copied" && cp -r "$run" "$old" &&
  rm -f "$old/summary.json" "$old/report.html"
if "$mechlab" report "$old" > "$root/rep.log" 2>&1 &&
   "$check" --html "$old/report.html" "<svg" "from data.csv" \
     "$(basename "$run")" > "$root/rep2.log" 2>&1 &&
   "$mechlab" report --index --out "$root/results" >> "$root/rep.log" 2>&1 &&
   "$check" --html "$root/results/index.html" \
     "smoke/$exp/$(basename "$run")/report.html" >> "$root/rep2.log" 2>&1; then
  echo "report: 1 passed, 0 failed"
else
  cat "$root/rep.log" "$root/rep2.log"; echo "report: 0 passed, 1 failed"
  exit 1
fi
