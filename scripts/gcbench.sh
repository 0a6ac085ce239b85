#!/bin/sh
# gcbench.sh - the GC benchmark for all three collectors, measured in one
# run on this machine and printed as one table: `mechlab run gcbench`
# (experiments/gcbench.c) measures ours and Boehm, and Go 1.19 through the
# variants' Go twins (scripts/gobench/gc_test.go, the go:* series),
# interleaved with ours.
#
#   scripts/gcbench.sh            full sizes: 64 MiB tree, 256 MiB heaps
#   scripts/gcbench.sh --quick    the smoke sizes (seconds)
#   REPS=9 scripts/gcbench.sh     repetitions (default 5)
#
# Extra arguments go to mechlab. Sizes: MECHLAB_TREE_BYTES and
# MECHLAB_HEAP_BYTES (defaults below; the harness hands the same values to
# the Go twins). Columns: median ms per op, the worst stop-the-world pause
# over all repetitions, median GC CPU share (Go's definition: idle-P
# marking not counted; Boehm: all its collector's CPU), cycles per 100 ops,
# and the largest peak heap and peak RSS growth seen. Without `go` the Go
# rows are missing (the run says why). Results of
# the mechlab run stay in $OUT (default results/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mechlab=${MECHLAB:-$root/build/mechlab}
out=${OUT:-$root/results}
reps=${REPS:-5}
quick=
if [ "${1:-}" = --quick ]; then
    quick=--quick
    shift
fi
if [ ! -x "$mechlab" ]; then
    echo "gcbench: $mechlab not built (run: make build)" >&2
    exit 1
fi
if [ -n "$quick" ]; then
    : "${MECHLAB_TREE_BYTES:=8388608}" "${MECHLAB_HEAP_BYTES:=16777216}"
else
    : "${MECHLAB_TREE_BYTES:=67108864}" "${MECHLAB_HEAP_BYTES:=268435456}"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "gcbench: ours, Boehm and Go: $mechlab run gcbench $quick --reps $reps $*"
"$mechlab" run gcbench $quick --reps "$reps" --no-plot --out "$out" \
    --set "tree_bytes=$MECHLAB_TREE_BYTES" \
    --set "heap_bytes=$MECHLAB_HEAP_BYTES" "$@" >"$tmp/mechlab.txt" 2>&1 || {
    cat "$tmp/mechlab.txt" >&2
    echo "gcbench: mechlab run failed" >&2
    exit 1
}
dir=$(sed -n 's/^wrote \(.*\)\/ in .*/\1/p' "$tmp/mechlab.txt" | tail -n 1)
csv=$dir/data.csv
if [ ! -f "$csv" ]; then
    cat "$tmp/mechlab.txt" >&2
    echo "gcbench: no data.csv from the run" >&2
    exit 1
fi
grep "^go: " "$tmp/mechlab.txt" || true
echo "gcbench: sizes: tree $MECHLAB_TREE_BYTES B, heap $MECHLAB_HEAP_BYTES B in 64 KiB objects"
echo

# One row per (workload, collector): medians, worst pause, largest peaks.
awk -F, '
function med(key,    n, i, j, t, a) {
    n = cnt[key]
    if (n == 0) return "n/a"
    for (i = 1; i <= n; i++) a[i] = val[key, i]
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function mx(key,    n, i, m) {
    n = cnt[key]
    if (n == 0) return "n/a"
    m = val[key, 1]
    for (i = 2; i <= n; i++) if (val[key, i] > m) m = val[key, i]
    return m
}
function fmt(v, spec) {
    return (v == "n/a") ? "n/a" : sprintf(spec, v)
}
function add(row, metric, v) {
    if (v == "" || v == "nan") return
    cnt[row, metric]++
    val[row, metric, cnt[row, metric]] = v + 0
    if (!(row in seen)) { seen[row] = 1; order[++nrows] = row }
}
function rowname(variant,    w, c) {
    c = "ours"
    if (variant ~ /^go:/) { c = "go"; sub(/^go:/, "", variant) }
    else if (variant ~ /^boehm-incr-/) { c = "boehm-incr"; sub(/^boehm-incr-/, "", variant) }
    else if (variant ~ /^boehm-/) { c = "boehm"; sub(/^boehm-/, "", variant) }
    return variant SUBSEP c
}
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["status"] != "ok" { next }
{
    r = rowname($col["variant"])
    add(r, "ms", $col["ns_per_op"] / 1e6)
    split("max_pause_us gc_cpu_pct cycles_per_100 peak_heap_mib peak_rss_mib", ms, " ")
    for (k = 1; k <= 5; k++) add(r, ms[k], $col[ms[k]])
}
END {
    printf "%-10s %-11s %10s %14s %10s %10s %10s %10s\n", "workload", \
        "collector", "ms/op", "worst_pause_us", "gc_cpu_%", "cyc/100op", \
        "peak_heap", "peak_rss"
    split("churn gc-noscan gc-ptr", wl, " ")
    split("ours go boehm boehm-incr", cl, " ")
    for (a = 1; a <= 3; a++) for (b = 1; b <= 4; b++) {
        r = wl[a] SUBSEP cl[b]
        if (!(r in seen)) continue
        printf "%-10s %-11s %10s %14s %10s %10s %10s %10s\n", wl[a], cl[b], \
            fmt(med(r SUBSEP "ms"), "%.3f"), \
            fmt(mx(r SUBSEP "max_pause_us"), "%.1f"), \
            fmt(med(r SUBSEP "gc_cpu_pct"), "%.2f"), \
            fmt(med(r SUBSEP "cycles_per_100"), "%.1f"), \
            fmt(mx(r SUBSEP "peak_heap_mib"), "%.1fMi"), \
            fmt(mx(r SUBSEP "peak_rss_mib"), "%.1fMi")
    }
}' "$csv"
echo
echo "gcbench: mechlab results: $dir"
