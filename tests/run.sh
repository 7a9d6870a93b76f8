#!/usr/bin/env bash
# tests/run.sh - the whole suite. Each file in tests/cases/ adds tests; every test
# prints one line (PASS, FAIL or SKIP) and the run ends with "N passed, N failed".
# A SKIP (a program this machine lacks) is never counted as passed; with
# NOCLOBBER_TEST_STRICT=1 (as CI sets it) a skip counts as a failure.
# TEST_PREFIX puts a tool in front of every test program (valgrind, strace...).
set -u
cd "$(dirname "$0")/.."
SHIM=$PWD/build/libnoclobber.so
T=$PWD/build/tests
TMP=$(mktemp -d /tmp/noclobber-tests.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PREFIX=${TEST_PREFIX:-}
pass=0 fail=0 skip=0
only=${1:-}

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | head -40 | sed 's/^/    /'
	fail=$((fail + 1))
}
skipped() {
	if [ "${NOCLOBBER_TEST_STRICT:-0}" = 1 ]; then
		bad "$1" "skipped in strict mode: $2"
	else
		echo "SKIP $1: $2"
		skip=$((skip + 1))
	fi
}
# expect NAME CONDITION-COMMAND...: pass when the command succeeds.
expect() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "${why:-}"; fi
	why=
}
# run_shim OPTIONS PROGRAM ARGS...: run with the shim, stdout+stderr in $out, status in $rc.
run_shim() {
	local opts=$1
	shift
	out=$(NOCLOBBER_OPTIONS="$opts" LD_PRELOAD="$SHIM" $PREFIX "$@" 2>&1)
	rc=$?
}
has() { grep -q -- "$1" <<<"$out"; }
lines() { grep -c -- "$1" <<<"$out"; }

for f in tests/cases/*.sh; do
	[ -n "$only" ] && [[ $f != *"$only"* ]] && continue
	. "$f"
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
