#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034 # checks are single-quoted conditions, eval'd per run on $o, $log, $rc
# valgrind.sh - the test programs under valgrind (memcheck), with the shim preloaded.
#
#   scripts/valgrind.sh [-k|--keep DIR]
#
# Each program runs as
#   LD_PRELOAD=build/libnoclobber.so valgrind --error-exitcode=99 --leak-check=no PROGRAM...
# (valgrind puts its own preloads in front of LD_PRELOAD for the program it runs;
# the shim is then the mmap the program calls, on top of valgrind's core, which
# intercepts every mapping system call itself). Reported per run:
#   vg errors   memcheck's ERROR SUMMARY count (exit status 99 if any)
#   result      whether the program still does what it must under the shim:
#               a clobber of foreign memory refused with EEXIST and the memory
#               intact, own memory replaced, every attempt logged once
#   refused     refusal lines the shim logged
# For errno_compare and errno_doors the reference is the same program under
# valgrind WITHOUT the shim (valgrind answers some bad arguments differently
# from the kernel): the outputs must be equal.
#
# What valgrind changes for the shim: valgrind 3.19 does not know
# MAP_FIXED_NOREPLACE and treats it as a hint, so the shim's first MAP_FIXED sees
# its probe land elsewhere, takes the kernel for one older than 4.17, and
# decides from /proc/self/maps from then on (check=table). The checks below
# therefore exercise that fallback path. Left out: the [stack] target (the
# [stack] in maps is valgrind's own; clobber reads its top page, which memcheck
# rightly reports as an invalid read) and the [heap] target (memcheck replaces
# malloc, the program has no [heap], and clobber reads address 0). And the
# errno_doors cases that crash valgrind itself without the shim (valgrind 3.19
# dies with SIGSEGV on an mremap whose old range is not mapped): each case is
# first tried alone under valgrind without the shim, and those that crash it
# are named and left out.
#
# Environment: NOCLOBBER_LIB, VALGRIND (default valgrind).
# Exit status: 0 if every run is clean and right, 1 otherwise, 2 if a tool is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
lib=${NOCLOBBER_LIB:-$root/build/libnoclobber.so}
T=$root/build/tests
vg=${VALGRIND:-valgrind}
keep=
case ${1:-} in
-k | --keep) keep=${2:?--keep needs a directory} ;;
-h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e '/^# shellcheck/d' -e 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "valgrind.sh: bad argument '$1' (see --help)" >&2; exit 2 ;;
esac
if ! command -v "$vg" >/dev/null; then
	echo "valgrind.sh: valgrind is not installed; on Debian/Ubuntu: apt-get install valgrind" >&2
	exit 2
fi
for f in "$lib" "$T/clobber" "$T/own_stress" "$T/threads" "$T/errno_compare"; do
	[ -e "$f" ] || { echo "valgrind.sh: $f not found; run make tests" >&2; exit 2; }
done
if [ -n "$keep" ]; then
	out=$keep
	mkdir -p "$out" || exit 2
else
	out=$(mktemp -d /tmp/noclobber-valgrind.XXXXXX)
	trap 'rm -rf "$out"' EXIT
fi

n=0 bad=0
printf '%-44s %9s %6s %8s  %s\n' run "vg errors" status refused result
# vgrun NAME CHECK OPTIONS ENV... -- PROGRAM ARGS...: CHECK is a shell condition
# on $o (stdout), $log (the shim's log) and $rc, or "" when the caller checks.
vgrun() {
	local name=$1 check=$2 opts=$3 e=()
	shift 3
	while [ "$1" != -- ]; do e+=("$1"); shift; done
	shift
	n=$((n + 1))
	local d=$out/$n
	rm -rf "$d"
	mkdir -p "$d"
	log=$d/shim.log
	env "${e[@]}" NOCLOBBER_OPTIONS="${opts:+$opts:}log_path=$log" LD_PRELOAD="$lib" \
		"$vg" --error-exitcode=99 --leak-check=no --log-file="$d/vg.%p" "$@" >"$d/out" 2>"$d/err"
	rc=$?
	o=$(cat "$d/out")
	local errs refused verdict=ok
	errs=$(cat "$d"/vg.* 2>/dev/null | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	refused=$(grep -c '^noclobber: refused' "$log" 2>/dev/null)
	if [ -n "$check" ] && ! eval "$check"; then
		verdict="WRONG: $(head -c 300 "$d/out" | tr '\n' ' ')$(head -c 200 "$d/err" | tr '\n' ' ')"
	fi
	[ "$errs" = 0 ] && [ "$rc" != 99 ] || verdict="$verdict; memcheck: $(cat "$d"/vg.* | grep -m3 -E '^==[0-9]+== [A-Z]' | tr '\n' ' ')"
	printf '%-44s %9s %6s %8s  %s\n' "$name" "$errs" "$rc" "${refused:-0}" "$verdict"
	[ "$verdict" = ok ] || bad=$((bad + 1))
	last=$d
}

refused_ok='[ $rc = 0 ] && [ "$o" = "result=EEXIST intact=yes" ] && [ "$(grep -c "^noclobber: refused" "$log")" = 1 ]'
allowed_ok='[ $rc = 0 ] && grep -q "^result=ok" <<<"$o" && [ ! -s "$log" ]'
for t in libc-text libc-data ldso exe foreign-anon own-and-foreign reused; do
	vgrun "clobber $t" "$refused_ok" "" -- "$T/clobber" "$t"
done
for t in own-anon own-file own-none foreign-none straddle-end multi free adjacent-below; do
	vgrun "clobber $t" "$allowed_ok" "" -- "$T/clobber" "$t"
done
vgrun "clobber libc-text (allow=none)" "$refused_ok" "allow=none" -- "$T/clobber" libc-text
vgrun "clobber own-anon (allow=none)" \
	'[ $rc = 0 ] && [ "$o" = "result=EEXIST intact=yes" ] && [ "$(grep -c "^noclobber: refused" "$log")" = 1 ]' \
	"allow=none" -- "$T/clobber" own-anon
vgrun "clobber libc-text (check=table)" "$refused_ok" "check=table" -- "$T/clobber" libc-text
vgrun "clobber libc-text (log_format=json)" \
	'[ $rc = 0 ] && [ "$o" = "result=EEXIST intact=yes" ] && [ "$(grep -c "\"event\":\"refused\"" "$log")" = 1 ]' \
	"log_format=json" -- "$T/clobber" libc-text
for door in mremap syscall-mremap shmat syscall-shmat syscall-mmap; do
	case $door in *mremap) after=" source=intact" ;; *shmat) after=" nattch=0" ;; *) after= ;; esac
	vgrun "clobber libc-data via $door" \
		'[ $rc = 0 ] && [ "$o" = "result=EEXIST intact=yes'"$after"'" ] && [ "$(grep -c "^noclobber: refused" "$log")" = 1 ]' \
		"" CLOBBER_DOOR=$door -- "$T/clobber" libc-data
	vgrun "clobber own-anon via $door" "$allowed_ok" "" CLOBBER_DOOR=$door -- "$T/clobber" own-anon
done
vgrun "own_stress 1" \
	'[ $rc = 0 ] && grep -q " wrong=0$" <<<"$o" && c=$(sed -n "s/.* clobbers=\([0-9]*\).*/\1/p" <<<"$o") &&
	 [ "$(grep -c "^noclobber: refused" "$log")" = "$c" ]' "" -- "$T/own_stress" 1
vgrun "threads 1" \
	'[ $rc = 0 ] && a=$(sed -n "s/^attempts=\([0-9]*\) eexist=\([0-9]*\) other=0 .*intact=yes$/\1 \2/p" <<<"$o") &&
	 [ "${a% *}" = "${a#* }" ] && [ "$(grep -c "^noclobber: refused" "$log")" = "${a% *}" ]' "" -- "$T/threads" 1
if [ -x "$T/hardening" ]; then
	vgrun "hardening flood 2000" \
		'[ $rc = 0 ] && grep -q "^attempts=2000 eexist=2000 other=0 intact=yes " <<<"$o" &&
		 [ "$(grep -c "^noclobber: refused" "$log")" = 2000 ]' "" -- "$T/hardening" flood 2000
fi

# errno_compare / errno_doors: the reference is valgrind without the shim.
errno_run() { # LABEL PROGRAM [--syscall] [CASES...]
	local label=$1 prog=$2 ref d
	shift 2
	ref=$out/ref.$n
	"$vg" -q --leak-check=no "$T/$prog" "$@" 2>/dev/null | grep -v '^# shim=' >"$ref"
	vgrun "$label (vs valgrind without the shim)" '[ $rc = 0 ]' "" -- "$T/$prog" "$@"
	d=$(grep -v '^# shim=' "$last/out" | diff "$ref" - | grep '^[<>]' | head -8 | sed 's/^/        /')
	if [ -n "$d" ]; then
		echo "    differs from the reference (<: without the shim, >: with it):"
		echo "$d"
		bad=$((bad + 1))
	fi
}
errno_run errno_compare errno_compare
if [ -x "$T/errno_doors" ]; then
	for via in "" --syscall; do
		good=() crashed=()
		for c in $("$T/errno_doors" $via | awk '!/^#/ { split($1, a, "/"); print a[1] }' | uniq); do
			if "$vg" -q --leak-check=no "$T/errno_doors" $via "$c" >/dev/null 2>&1; then
				good+=("$c")
			else
				crashed+=("$c")
			fi
		done
		[ ${#crashed[@]} = 0 ] || echo "    errno_doors${via:+ $via}: left out, valgrind crashes on them without the shim: ${crashed[*]}"
		errno_run "errno_doors${via:+ $via} (${#good[@]} cases)" errno_doors $via "${good[@]}"
	done
fi

echo
echo "$n runs, $bad not clean or not right"
[ -n "$keep" ] && echo "outputs kept in $out"
[ $bad = 0 ]
