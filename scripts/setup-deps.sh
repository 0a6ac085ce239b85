#!/usr/bin/env bash
# setup-deps.sh - install what mechlab needs on Debian/Ubuntu, once.
#
# Run by the Makefile before the first configure (and cheap to rerun: it
# only asks dpkg what is installed). Missing packages are installed with
# apt-get, as root or through sudo, saying what it does. Where it cannot
# (not root, no sudo without a password, not Debian/Ubuntu), it prints the
# exact command to run and fails. Nothing is downloaded from anywhere else.
set -euo pipefail

# valgrind: `--counters sim` (simulated cache counters) and its test; the
# package also ships valgrind/callgrind.h, whose client requests the
# harness compiles in.
required=(build-essential cmake pkg-config libbenchmark-dev libpapi-dev
          libhwloc-dev libjansson-dev gnuplot-nox libgc-dev valgrind)
# Test dependencies: the fleet test (tests/fleet_cluster.sh) runs a
# throwaway Slurm cluster (slurm-wlm: slurmctld, slurmd, the clients) with
# a private munge; `make fleet` needs only the Slurm clients where the
# cluster is someone else's.
required+=(slurm-wlm munge)
# tests/gbench_names.sh reads our gbench.json with Google Benchmark's own
# tools/compare.py (libbenchmark-tools), which needs scipy.
required+=(libbenchmark-tools python3-scipy)
# Optional: golang-go (Go ground truth).

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${required[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$st" != "installed" ]; then
      # gnuplot: any of its flavours will do
      if [ "$p" = gnuplot-nox ] && command -v gnuplot >/dev/null 2>&1; then
        continue
      fi
      missing+=("$p")
    fi
  done
else
  echo "mechlab: this is not a Debian/Ubuntu system (no dpkg)." >&2
  echo "mechlab: install these (or your distribution's equivalents) and rerun:" >&2
  echo "  ${required[*]}" >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
echo "mechlab: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo)
else
  echo "mechlab: need root to install them. Run:" >&2
  echo "  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "mechlab: ${sudo_cmd[*]:+${sudo_cmd[*]} }apt-get update"
"${sudo_cmd[@]}" apt-get update -qq
echo "mechlab: ${sudo_cmd[*]:+${sudo_cmd[*]} }$cmd"
"${sudo_cmd[@]}" $cmd
echo "mechlab: dependencies installed"
