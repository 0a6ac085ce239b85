#!/usr/bin/env bash
# A fleet study on a throwaway Slurm cluster: three emulated nodes on this
# one host, run end to end, then torn down.
#
# The cluster lives in a private temporary directory T and touches nothing
# of the system's own Slurm or munge: a munge key, socket, pid and log of
# its own (munged --socket/--key-file... under T; /etc/munge and /run/munge
# are never used), slurm.conf in T named by SLURM_CONF for every client
# command, slurmctld and three slurmd (n1, n2, n3: NodeAddr 127.0.0.1, each
# its own port) in the foreground as root, no systemd, no cgroups
# (proctrack/linuxproc, task/none), no accounting. Recipe and timings:
# /work/shared/notes/slurm-one-host.md (about 11 s a cycle on a 2-core VM).
#
# Node n3 fails on purpose, for a real reason: its slurmd runs in a mount
# namespace of its own where an empty tmpfs hides the build directory, so
# on n3 the mechlab binary does not exist (a node without the shared file
# system). Its task must show as FAILED in the report, with its log,
# while n1's and n2's results stay.
#
# Checked: a study naming an experiment "x; rm -rf ~" is refused before
# anything is written or submitted; the good study's tasks run one per
# node; every node's results are in <root>/<machine>@<node>/ with its own
# `latest` (the three nodes share one CPU model); two runs never share a
# run directory; the report has a column per node with the headline
# figures and the failed one; a collect killed while writing loses
# nothing. Teardown by PID: scancel first and wait for the queue to
# empty, then the slurmds, slurmctld and munged; it runs on every exit
# (trap), pass or fail.
#
# usage: fleet_cluster.sh path/to/mechlab
# Needs root (the daemons run as root) and slurm-wlm + munge (installed by
# scripts/setup-deps.sh); without them it fails, saying why.
set -u
mechlab=$(readlink -f "$1")
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
die() { echo "FAIL: $*"; echo "$pass passed, $((fail+1)) failed"; exit 1; }

[ "$(id -u)" -eq 0 ] ||
  die "the fleet test starts slurmctld and slurmd as root; run it as root"
for b in munged mungekey slurmctld slurmd sbatch scontrol sinfo squeue \
         scancel unshare mount timeout; do
  command -v "$b" >/dev/null 2>&1 ||
    die "'$b' is not installed: scripts/setup-deps.sh installs slurm-wlm and munge"
done

T=$(mktemp -d /tmp/mechlab-fleet.XXXXXX) || die "mktemp"
chmod 711 "$T"
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/results" "$T/studies"
chmod 755 "$T/munge"
munge_pid="" ctld_pid="" slurmd_pids=()

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
    timeout 5 scancel --quiet --full $(timeout 5 squeue -h -o %A 2>/dev/null | sort -u) 2>/dev/null
    for _ in $(seq 40); do
      [ -z "$(timeout 5 squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.25
    done
  fi
  for p in "${slurmd_pids[@]}" $ctld_pid $munge_pid; do
    kill -TERM "$p" 2>/dev/null
  done
  for p in "${slurmd_pids[@]}" $ctld_pid $munge_pid; do
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  # FLEET_TEST_KEEP=DIR keeps a copy of the results root (to read the report)
  if [ -n "${FLEET_TEST_KEEP:-}" ] && [ -d "$T/results" ]; then
    rm -rf "$FLEET_TEST_KEEP" && cp -a "$T/results" "$FLEET_TEST_KEEP"
  fi
  if [ "$rc" -ne 0 ] && [ -d "$T/log" ]; then
    echo "--- daemon logs (the test failed) ---"
    tail -n 15 "$T"/log/*.log 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- free ports: one for slurmctld, one per slurmd --------------------------
port_free() { # no socket of any state on this local port (IPv4 or IPv6)
  ! awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp \
      /proc/net/tcp6 2>/dev/null | grep -qx "$(printf '%04X' "$1")"
}
base=""
for _ in $(seq 50); do
  b=$((20000 + RANDOM % 30000))
  port_free "$b" && port_free $((b+1)) && port_free $((b+2)) &&
    port_free $((b+3)) && { base=$b; break; }
done
[ -n "$base" ] || die "no four free TCP ports found"

# ---- munge --------------------------------------------------------------------
mungekey --create --keyfile="$T/munge/munge.key" >/dev/null 2>&1 ||
  die "mungekey --create failed"
chmod 600 "$T/munge/munge.key"
munged --socket="$T/munge/munge.socket" --key-file="$T/munge/munge.key" \
  --log-file="$T/log/munged.log" --pid-file="$T/munge/munged.pid" \
  --seed-file="$T/munge/munge.seed" --foreground > "$T/log/munged.out" 2>&1 &
munge_pid=$!

# ---- slurm.conf ---------------------------------------------------------------
export SLURM_CONF="$T/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=mechlabtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base+1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool/%n
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd-%n.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd-%n.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=n[1-3] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[$((base+1))-$((base+3))] CPUs=1 State=UNKNOWN
PartitionName=test Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP
EOF

for _ in $(seq 50); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.socket" ] || die "munged did not start (log: $(tail -n 3 "$T/log/munged.log" 2>/dev/null))"

slurmctld -D -i > "$T/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N n1 > "$T/log/slurmd-n1.out" 2>&1 &
slurmd_pids+=($!)
slurmd -D -N n2 > "$T/log/slurmd-n2.out" 2>&1 &
slurmd_pids+=($!)
# n3: the build directory is an empty tmpfs in its own mount namespace
builddir=$(dirname "$mechlab")
unshare -m sh -c 'mount -t tmpfs mechlab-test-hide "$1" && exec slurmd -D -N n3' \
  sh "$builddir" > "$T/log/slurmd-n3.out" 2>&1 &
slurmd_pids+=($!)

up=0
for _ in $(seq 300); do   # up to about a minute on a loaded machine
  for p in $ctld_pid "${slurmd_pids[@]}"; do
    kill -0 "$p" 2>/dev/null || die "a Slurm daemon (pid $p) exited: $(tail -n 5 "$T"/log/*.out)"
  done
  st=$(timeout 5 sinfo -h -N -o %T 2>/dev/null | sort -u | tr '\n' ' ')
  [ "$st" = "idle " ] && [ "$(timeout 5 sinfo -h -N -o %N | wc -l)" -eq 3 ] && { up=1; break; }
  sleep 0.2
done
[ "$up" -eq 1 ] || die "the cluster did not come up (sinfo: $(timeout 5 sinfo -N 2>&1))"
ok
echo "cluster up: slurmctld :$base, n1..n3 :$((base+1))..$((base+3))"

root="$T/results"

# ---- a hostile study is refused before anything happens -----------------------
printf 'nodes 3\nrun x; rm -rf ~\n' > "$T/studies/evil.study"
err=$("$mechlab" fleet run "$T/studies/evil.study" --out "$root" 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok || bad "hostile study: exit $rc, want 2: $err"
grep -q "evil.study:2: run 'x;': not an experiment" <<<"$err" && ok ||
  bad "hostile study: no line-numbered refusal: $err"
grep -q "nothing was submitted" <<<"$err" && ok || bad "hostile study: does not say nothing was submitted"
[ -z "$(timeout 5 squeue -h -o %A)" ] && ok || bad "hostile study: a job was submitted"
[ -e "$root/fleet" ] && bad "hostile study: a fleet directory was written" || ok

# ---- the study ------------------------------------------------------------------
cat > "$T/studies/tiny.study" <<'EOF'
# a few seconds per node
nodes    3
time     5
quick    yes
reps     3
plot     no
run noop
run falseshare threads=1,2 stride=8,128
EOF
out=$("$mechlab" fleet run "$T/studies/tiny.study" --out "$root" 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 0 ] && ok || die "fleet run failed ($rc): $out"
fdir=$(readlink -f "$root/fleet/tiny/latest")
[ -f "$fdir/job.sh" ] && [ -f "$fdir/fleet.json" ] && ok || bad "no job.sh/fleet.json in $fdir"
bash -n "$fdir/job.sh" && ok || bad "job.sh is not valid shell"

"$mechlab" fleet status tiny --out "$root" || bad "fleet status failed"
"$mechlab" fleet wait tiny --out "$root" --timeout 120 && ok || bad "the tasks did not end in 120 s"
"$mechlab" fleet status tiny --out "$root"

# ---- every node's results -----------------------------------------------------------
for n in n1 n2; do
  d=$(ls -d "$root"/*@"$n" 2>/dev/null)
  [ "$(echo "$d" | grep -c .)" -eq 1 ] && ok || { bad "$n: want one <machine>@$n directory, have: $d"; continue; }
  for e in noop falseshare; do
    l="$d/$e/latest"
    [ -f "$l/data.csv" ] && [ -f "$l/context.json" ] && ok || bad "$n: no $e results in $l"
    grep -q "\"host\": \"$n\"" "$l/context.json" && ok || bad "$n: $e context.json does not name host $n"
    grep -q "\"host\": \"$n\"" "$l/summary.json" && ok || bad "$n: $e summary.json does not name host $n"
    grep -q '^run '"$e"' 0 /' "$fdir/tasks/"*.txt && ok || bad "$n: no record of $e"
  done
done
[ -z "$(ls -d "$root"/*@n3 2>/dev/null)" ] && ok || bad "n3 (no mechlab there) wrote results?"
# one task per node: the three records name three different nodes
nodes=$(sed -n 's/^node //p' "$fdir"/tasks/*.txt | sort | tr '\n' ' ')
[ "$nodes" = "n1 n2 n3 " ] && ok || bad "task nodes: '$nodes', want n1 n2 n3"
# two tasks never write one run directory
dirs=$(awk '$1=="run" && $4!="" {print $4}' "$fdir"/tasks/*.txt)
[ "$(echo "$dirs" | sort | uniq -d | wc -l)" -eq 0 ] && [ "$(echo "$dirs" | grep -c .)" -eq 4 ] &&
  ok || bad "run directories not 4 distinct ones: $dirs"

# ---- collect, an interrupted collect, the report -------------------------------------
"$mechlab" fleet collect tiny --out "$root" && ok || bad "fleet collect failed"
cp "$fdir/collected.json" "$T/collected.before"
# killed while writing (SIGXFSZ at its first byte): the old file stays whole
( ulimit -f 0; exec "$mechlab" fleet collect tiny --out "$root" ) >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok || bad "the size-limited collect was not interrupted (exit $rc)"
cmp -s "$fdir/collected.json" "$T/collected.before" && ok || bad "an interrupted collect changed collected.json"
"$mechlab" fleet collect tiny --out "$root" >/dev/null && ok || bad "collect after the interruption failed"

rep=$("$mechlab" fleet report tiny --out "$root" 2>&1); rc=$?
echo "$rep"
[ "$rc" -eq 0 ] && ok || bad "fleet report exited $rc"
txt="$fdir/report/report.txt"
[ -f "$txt" ] && [ -f "$fdir/report/index.html" ] && ok || bad "no report.txt/index.html"
grep -qE '^experiment +headline' "$txt" && ok || bad "report: no table heading"
head -n 20 "$txt" | grep -qE '^ +n1 +task [0-9], COMPLETED, results .*@n1' && ok || bad "report: n1 not COMPLETED in the legend"
head -n 20 "$txt" | grep -qE '^ +n3 +task [0-9], FAILED' && ok || bad "report: n3 not FAILED in the legend"
grep -qE '^FAILED: task [0-9] on n3' "$txt" && ok || bad "report: no failure section for n3"
grep -q "No such file" "$txt" && ok || bad "report: n3's log (mechlab missing) not shown"
# headline figures from summary.json, side by side: every headline key of
# n1's and n2's noop runs has a row with a number in both columns (the
# column of the failed n3 says FAILED)
num='-?[0-9.]+(e[-+]?[0-9]+)?'
for n in n1 n2; do
  sj=$(ls "$root"/*@"$n"/noop/latest/summary.json 2>/dev/null)
  if [ -z "$sj" ]; then
    bad "$n: noop wrote no summary.json (schema mechlab.summary/1)"
    continue
  fi
  keys=$(grep -o '"key": *"[a-z0-9_]*"' "$sj" | sed 's/.*"\([a-z0-9_]*\)"$/\1/')
  [ -n "$keys" ] && ok || bad "$n: noop's summary.json has no headlines"
  for k in $keys; do
    cellre="($num \[$num, $num\]|$num \(no CI\)|not measured)"
    grep -qE "^noop +$k .* $cellre +$cellre +FAILED" "$txt" &&
      ok || bad "report: no row 'noop $k' with n1's and n2's figures and n3 FAILED"
  done
done
grep -q 'context.json' "$fdir/report/index.html" && ok || bad "index.html does not link the machines' context"
[ -f "$fdir/report/falseshare.png" ] && ok || bad "report: no falseshare plot"

# ---- a node list: one task per listed node, the others excluded -------------------
printf 'nodelist n[1-2]\nquick yes\nreps 3\nplot no\ntime 5\nrun noop\n' > "$T/studies/pair.study"
"$mechlab" fleet run "$T/studies/pair.study" --out "$root" >/dev/null 2>&1 && ok || bad "nodelist study not submitted"
pdir=$(readlink -f "$root/fleet/pair/latest")
grep -qx '#SBATCH --array=0-1' "$pdir/job.sh" && grep -qx '#SBATCH --exclude=n3' "$pdir/job.sh" &&
  ok || bad "nodelist n[1-2]: want --array=0-1 and --exclude=n3 in job.sh"
"$mechlab" fleet wait pair --out "$root" --timeout 60 >/dev/null && ok || bad "nodelist study did not end"
pn=$(sed -n 's/^node //p' "$pdir"/tasks/*.txt | sort | tr '\n' ' ')
[ "$pn" = "n1 n2 " ] && ok || bad "nodelist study ran on '$pn', want n1 n2"

# ---- two runs started together never share a run directory -----------------------
race="$T/race"
pids=()
for _ in 1 2 3; do
  "$mechlab" run noop --quick --no-plot --no-progress --out "$race" \
    --machine m --host h >/dev/null 2>&1 &
  pids+=($!)
done
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=$((rcs+1)); done
[ "$rcs" -eq 0 ] && ok || bad "$rcs of 3 concurrent runs failed"
n=$(find "$race/m@h/noop" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
[ "$n" -eq 3 ] && ok || bad "3 concurrent runs made $n run directories"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
