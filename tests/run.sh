#!/usr/bin/env bash
# tests/run.sh - the whole suite. Each file in tests/cases/ adds tests; every test
# prints one line (PASS, FAIL or SKIP) and the run ends with "N passed, N failed".
# A SKIP (a program this machine lacks) is never counted as passed; with
# NOCLOBBER_TEST_STRICT=1 (as CI sets it) a skip counts as a failure.
# TEST_PREFIX puts a tool in front of every test program (valgrind, strace...).
#
# NC_TARGET (make check TARGET=...) names the platform: native, musl, i386 or
# aarch64, built under NC_BUILD. i386 and aarch64 programs run under qemu-user:
# the suite re-runs itself in a user and mount namespace of its own where
# binfmt_misc sends every guest program to build/TARGET/emu/qemu-launch, so
# each exec anywhere (a script, a guest's own fork+exec) reaches qemu. The tests
# a target cannot run are listed in README.md (Platforms), with the reason:
# those print SKIP; in strict mode any other skip is a failure.
# shellcheck disable=SC2034,SC1090 # the cases, sourced below, use these variables
set -u
cd "$(dirname "$0")/.." || exit 2
TARGET=${NC_TARGET:-native}
BUILD=${NC_BUILD:-build}
SHIM=$PWD/$BUILD/libnoclobber.so
T=$PWD/$BUILD/tests
# The target's compiler, for the tests that build programs of their own (make
# check passes it; run alone, the host's first of $CC, cc, gcc, clang). Empty
# when there is none: those tests then skip.
TEST_CC=${NC_CC:-}
if [ -z "$TEST_CC" ]; then
	for nc_c in "${CC:-}" cc gcc clang; do
		[ -n "$nc_c" ] && command -v "${nc_c%% *}" >/dev/null && { TEST_CC=$nc_c; break; }
	done
fi
case $TARGET in
i386) nc_elf='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00' nc_mask='\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' ;;
aarch64) nc_elf='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00' nc_mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' ;;
*) nc_elf= ;;
esac
if [ -n "$nc_elf" ] && [ -z "${NC_TEST_EMULATED:-}" ]; then
	# A binfmt_misc instance of our own (Linux 6.7+ gives each user namespace
	# one): nothing changes for the rest of the machine. The magic and mask go
	# to the kernel as \xNN text, which it decodes (a NUL byte would end them).
	exec env NC_TEST_EMULATED=1 unshare --map-root-user --mount \
		bash "$0" "$@"
fi
if [ -n "$nc_elf" ]; then
	nc_launch=$PWD/$BUILD/emu/qemu-launch
	if ! mount -t binfmt_misc none /proc/sys/fs/binfmt_misc ||
		! printf ':noclobber-%s:M::%s:%s:%s:P' "$TARGET" "$nc_elf" "$nc_mask" "$nc_launch" \
			>/proc/sys/fs/binfmt_misc/register; then
		echo "FAIL emulation: binfmt_misc for $TARGET programs in a user namespace (Linux 6.7+)"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
# How this target's /proc/self/maps shows a loaded image (30-clobber): musl's
# loader is its libc; qemu-i386 shows each image as one r--p mapping (its first
# page's permissions), no executable segment, so the table calls it a file.
NC_TEXT_PERMS='r-xp' NC_IMAGE='(image)' NC_LDSO='ld-linux'
case $TARGET in
musl) NC_LDSO='x86_64-linux-musl/libc' ;;
i386) NC_TEXT_PERMS='r--p' NC_IMAGE='(file)' ;;
esac
# Under qemu each refusal reads the emulated maps whole, and a fork is slow: a
# smaller flood, a quarter of the forks (each program's own watchdog is 120 s).
if [ -n "$nc_elf" ]; then
	NOCLOBBER_FLOOD=${NOCLOBBER_FLOOD:-20000}
	NC_FORKS_DIV=4
fi
# Two of errno_doors' calls stop qemu-aarch64 7.2 on an assertion (README, Platforms).
[ "$TARGET" = aarch64 ] && export ERRNO_DOORS_SKIP="munmap-wrap-exactly-to-zero munmap-top-page"
TMP=$(mktemp -d /tmp/noclobber-tests.XXXXXX)
if [ -z "$TMP" ] || [ ! -d "$TMP" ]; then
	echo "FAIL the suite's temporary directory: mktemp does not run here"
	echo "0 passed, 1 failed"
	exit 1
fi
trap 'rm -rf "$TMP"' EXIT
PREFIX=${TEST_PREFIX:-}
pass=0 fail=0 skip=0
only=${1:-}

# README's list of the tests this target cannot run: "PREFIX<TAB>WHY" lines,
# from the rows of its table whose first column names the target.
nc_listed=$(sed -n '/^<!-- SKIPS/,/^<!-- \/SKIPS/p' README.md | awk -F' [|] ' -v t="$TARGET" '
	/^[|] `/ { sub(/^[|] /, ""); sub(/ [|]$/, "")
		n = split($1, ts, /, /); for (i = 1; i <= n; i++) { gsub(/`/, "", ts[i]); if (ts[i] == t) {
			p = $2; gsub(/^`|`$/, "", p); print p "\t" $3 } } }')
declare -A nc_used
# listed NAME: the test is on this target's list (an entry is the start of
# its name; * in it matches anything); its reason in $listed_why.
listed() {
	local p w
	while IFS=$'\t' read -r p w; do
		# shellcheck disable=SC2053 # the entry is a pattern
		[ -n "$p" ] && [[ $1 == $p* ]] && { listed_why=$w nc_used[$p]=1; return 0; }
	done <<<"$nc_listed"
	return 1
}
nc_skip() { echo "SKIP $1: $2"; skip=$((skip + 1)); }

ok() {
	if listed "$1"; then nc_skip "$1" "not on $TARGET: $listed_why"; return; fi
	echo "PASS $1"
	pass=$((pass + 1))
}
bad() {
	if listed "$1"; then nc_skip "$1" "not on $TARGET: $listed_why"; return; fi
	echo "FAIL $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | head -40 | sed 's/^/    /'
	fail=$((fail + 1))
}
skipped() {
	if listed "$1"; then
		nc_skip "$1" "not on $TARGET: $listed_why"
	elif [ "${NOCLOBBER_TEST_STRICT:-0}" = 1 ]; then
		bad "$1" "skipped in strict mode (not on README's list for $TARGET): $2"
	else
		nc_skip "$1" "$2"
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

# A listed test that no longer exists (renamed, or made to run) is a stale line.
if [ -z "$only" ]; then
	while IFS=$'\t' read -r nc_p _; do
		[ -z "$nc_p" ] || [ -n "${nc_used[$nc_p]:-}" ] || bad "README skip list for $TARGET: '$nc_p' matches a test" \
			"no test of this run starts with it: remove the line from README.md (Platforms)"
	done <<<"$nc_listed"
fi

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
