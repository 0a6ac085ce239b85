#!/usr/bin/env bash
# Make variables reach the shell as data, never as code (issue 9, item 7).
#
# The Makefile is run in a scratch copy of the tree with stand-ins for the
# build (a fake cmake on PATH, a fake scripts/setup-deps.sh and a fake
# build/mechlab that writes its arguments one per line), so the test checks
# exactly what make hands to the shell, with no build and no measurement:
# a value holding ';', '$(shell ...)', quotes or spaces arrives as one
# literal argument, nothing else runs, and a newline is refused by make.
# usage: make_vars.sh path/to/Makefile
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

mkdir -p "$tmp/tree/scripts" "$tmp/tree/build" "$tmp/bin"
cp "$src" "$tmp/tree/Makefile"
printf '#!/bin/sh\nexit 0\n' > "$tmp/tree/scripts/setup-deps.sh"
printf '#!/bin/sh\nexit 0\n' > "$tmp/bin/cmake"
touch "$tmp/tree/build/CMakeCache.txt"
cat > "$tmp/tree/build/mechlab" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done > "$(dirname "$0")/argv"
SH
chmod +x "$tmp/tree/scripts/setup-deps.sh" "$tmp/bin/cmake" \
         "$tmp/tree/build/mechlab"
argv="$tmp/tree/build/argv"
pwned="$tmp/pwned"

mk() { # mk ARGS... : run make in the scratch tree; output in $out
  rm -f "$argv"
  out=$(cd "$tmp/tree" && PATH="$tmp/bin:$PATH" make -s "$@" 2>&1)
  rc=$?
}
want_argv() { # want_argv LINE... : the fake mechlab got exactly these
  local want got
  want=$(printf '%s\n' "$@")
  got=$(cat "$argv" 2>/dev/null)
  [ "$got" = "$want" ] && ok || bad "argv: want [$want] got [$got] ($out)"
}
no_pwn() {
  [ -e "$pwned" ] && { bad "a second command ran: $*"; rm -f "$pwned"; } || ok
}

mk run "EXP=falseshare;touch $pwned"
[ $rc -eq 0 ] && ok || bad "make run rc=$rc: $out"
want_argv run "falseshare;touch $pwned"
no_pwn "EXP with ;"

mk run "EXP=falseshare" "THREADS=1,2|touch $pwned" "REPS=3&&touch $pwned"
want_argv run falseshare --threads "1,2|touch $pwned" --reps "3&&touch $pwned"
no_pwn "THREADS/REPS"

mk run "EXP=\$(shell touch $pwned)"
want_argv run "\$(shell touch $pwned)"
no_pwn "\$(shell) in EXP"

mk run EXP=falseshare "SET=stride=8 it's\`touch $pwned\`" \
   "ARGS=--no-plot \$\$(touch $pwned)" "OUT=/tmp/a b'c"
# SET and ARGS are lists split at blanks; each word arrives literally
want_argv run falseshare --out "/tmp/a b'c" --set stride=8 --set \
  "it's\`touch" --set "$pwned\`" --no-plot "\$\$(touch" "$pwned)"
no_pwn "SET/ARGS/OUT"

mk describe "EXP=x'; touch $pwned; '"
want_argv describe "x'; touch $pwned; '"
no_pwn "describe"

mk compare "EXP=a;b" "OUT=c;touch $pwned"
want_argv compare "a;b" --out "c;touch $pwned"
no_pwn "compare"

mk fleet "STUDY=caches;touch $pwned" "OUT=x y"
want_argv fleet run "caches;touch $pwned" --out "x y"
no_pwn "fleet"

mk run "EXP=a
touch $pwned"
[ $rc -ne 0 ] && grep -q "EXP: a newline is not accepted" <<<"$out" && ok ||
  bad "a newline in EXP: rc=$rc: $out"
[ -e "$argv" ] && bad "mechlab ran despite the refused newline" || ok
no_pwn "newline"

# the ordinary case still works
mk run EXP=falseshare QUICK=1 "SET=stride=8,64" REPS=3
want_argv run falseshare --quick --reps 3 --set stride=8,64

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
