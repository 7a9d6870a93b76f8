#!/usr/bin/env bash
# soak.sh - stress-ng's mapping stressors under the shim, one after another.
#
#   scripts/soak.sh [-b|--baseline] [-k|--keep DIR] [SECONDS]     (default 60 s each)
#
# Each stressor runs alone for SECONDS with --verify (stressors without a verify
# mode ignore it), with the shim preloaded and log_path=DIR/ (one log per
# process: stress-ng forks its workers, and they log too). Per stressor it
# reports:
#   status     pass: stress-ng exited 0 and reported a successful run; else fail
#              (with its exit status and first error line); skip: stress-ng says
#              the stressor cannot run here (exit 3 or 4)
#   bogo ops   from stress-ng's YAML metrics (with --baseline: also the same
#              stressor without the shim, and the ratio)
#   refused    refusal lines in the shim's logs (refused / aborting / allowed
#              in warn mode), then the distinct victims and callers
#   shim memory  in the busiest worker (largest arena), sampled 1 s after the
#              start and 1 s before the end: Rss of the shim's arena (its one
#              440 kB region: the first slices of the own set, attachments,
#              region table, names) + of libnoclobber.so's own mappings; and the
#              worker's VmRSS. Growth between the two samples would be a leak.
# Environment: NOCLOBBER_LIB (default: ../build/libnoclobber.so next to this
# script), STRESS_NG (default: stress-ng), SOAK_STRESSORS (default: the list below).
# Exit status: 0 if every stressor passed or was skipped and nothing was
# refused, 1 otherwise, 2 for bad usage or a missing tool.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lib=${NOCLOBBER_LIB:-$here/../build/libnoclobber.so}
sng=${STRESS_NG:-stress-ng}
secs=60 baseline=0 keep=
while [ $# -gt 0 ]; do
	case $1 in
	-b | --baseline) baseline=1 ;;
	-k | --keep) keep=${2:?--keep needs a directory}; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]* | "") echo "soak.sh: bad argument '$1' (see --help)" >&2; exit 2 ;;
	*) secs=$1 ;;
	esac
	shift
done
if ! command -v "$sng" >/dev/null; then
	echo "soak.sh: stress-ng is not installed; on Debian/Ubuntu: apt-get install stress-ng" >&2
	exit 2
fi
if [ ! -f "$lib" ]; then
	echo "soak.sh: $lib not found; run make (or set NOCLOBBER_LIB)" >&2
	exit 2
fi
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
[ "$secs" -ge 3 ] || { echo "soak.sh: SECONDS must be at least 3" >&2; exit 2; }

want=${SOAK_STRESSORS:-"mmap mmapaddr mmapfixed mmapfork mremap shm shm-sysv munmap madvise mprotect vm-addr stack
	mlock mmaphuge mmapmany remap brk bigheap vm-segv"}
have=" $("$sng" --stressors 2>/dev/null | tr '\n' ' ') "

if [ -n "$keep" ]; then
	out=$keep
	mkdir -p "$out" || exit 2
else
	out=$(mktemp -d /tmp/noclobber-soak.XXXXXX)
	trap 'rm -rf "$out"' EXIT
fi

# Every process below PID (children, grandchildren...).
descendants() {
	local kids k
	kids=$(pgrep -P "$1" 2>/dev/null)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}

# One line for the busiest worker below PID: "pid arena_rss_kB lib_rss_kB vmrss_kB".
# The shim's arena is its one anonymous region of exactly 440 kB (a table that
# outgrows its slice moves to a mapping of its own, not counted here).
sample() {
	local p best_pid=- best_a=0 best_l=0 best_v=0 q a l v
	for p in $(descendants "$1"); do
		read -r q a l < <(awk -v pid="$p" '
			/^[0-9a-f]+-[0-9a-f]+ / { path = $6; anon = (NF == 5) }
			/^Size:/ { size = $2 }
			/^Rss:/ {
				if (path ~ /libnoclobber/) librss += $2
				else if (anon && size == 440) arena += $2
			}
			END { if (NR) print pid, arena + 0, librss + 0 }' "/proc/$p/smaps" 2>/dev/null)
		[ -n "${q:-}" ] || continue
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		if [ "$a" -ge "$best_a" ]; then
			best_pid=$p best_a=$a best_l=$l best_v=${v:-0}
		fi
		q=
	done
	echo "$best_pid $best_a $best_l $best_v"
}

bogo_of() { # YAML-FILE: the bogo-ops of its one stressor
	awk '/bogo-ops:/ { print $2; exit }' "$1" 2>/dev/null
}

# run NAME WITH_SHIM(0|1): status line "rc" into $dir/rc, yaml into $dir/y.yaml
run_one() {
	local s=$1 shim=$2 dir=$3 pid
	mkdir -p "$dir/logs"
	if [ "$shim" = 1 ]; then
		NOCLOBBER_OPTIONS="log_path=$dir/logs/" LD_PRELOAD="$lib" \
			"$sng" --"$s" 1 --verify -t "$secs" --metrics -Y "$dir/y.yaml" >"$dir/out" 2>&1 &
	else
		"$sng" --"$s" 1 --verify -t "$secs" --metrics -Y "$dir/y.yaml" >"$dir/out" 2>&1 &
	fi
	pid=$!
	if [ "$shim" = 1 ]; then
		sleep 1
		sample "$pid" >"$dir/mem.start"
		sleep $((secs - 2))
		sample "$pid" >"$dir/mem.end"
	fi
	wait "$pid"
	echo $? >"$dir/rc"
}

printf '%-10s %-5s %12s %s %8s  %-24s %-24s\n' stressor state "bogo ops" \
	"$([ $baseline = 1 ] && printf '%12s %6s' 'no shim' ratio)" refused \
	"arena+lib Rss kB" "worker VmRSS kB"
printf '%-10s %-5s %12s %s %8s  %-24s %-24s\n' "" "" "" "$([ $baseline = 1 ] && printf '%12s %6s' '' '')" "" "start -> end" "start -> end"
worst=0
details=
for s in $want; do
	dir=$out/$s
	rm -rf "$dir"
	if [[ $have != *" $s "* ]]; then
		printf '%-10s %-5s (not in this stress-ng, %s)\n' "$s" skip "$("$sng" --version 2>&1 | head -1)"
		continue
	fi
	run_one "$s" 1 "$dir"
	rc=$(cat "$dir/rc")
	ops=$(bogo_of "$dir/y.yaml")
	if [ "$rc" = 0 ] && grep -q 'successful run completed' "$dir/out"; then
		state=pass
	elif [ "$rc" = 3 ] || [ "$rc" = 4 ]; then
		state=skip
	else
		state=fail
		worst=1
		details="$details
$s: stress-ng exit status $rc: $(grep -m3 -iE 'fail|error|abort|signal' "$dir/out" | tr '\n' ' ')"
	fi
	base=
	if [ $baseline = 1 ]; then
		run_one "$s" 0 "$dir/baseline"
		bops=$(bogo_of "$dir/baseline/y.yaml")
		ratio=$(awk -v a="${ops:-0}" -v b="${bops:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		base=$(printf '%12s %6s' "${bops:--}" "$ratio")
		[ "$(cat "$dir/baseline/rc")" = 0 ] || base="$base(base rc $(cat "$dir/baseline/rc"))"
	fi
	refused=$(cat "$dir"/logs/*.log 2>/dev/null |
		grep -cE '^noclobber: (refused|aborting on) |^noclobber: allowed .*reason=mode=warn$|"event":"(refused|aborted)"')
	if [ "$refused" -gt 0 ]; then
		worst=1
		details="$details
$s: $refused refusal(s); by victim:
$(cat "$dir"/logs/*.log | grep '^noclobber: refused' | sed -n 's/.* victims=\(.*\) hint=.*/    \1/p' |
			sed -E 's/[0-9a-f]{6,}-[0-9a-f]{6,}/RANGE/g' | sort | uniq -c | sort -rn | head -5)
  by caller:
$(cat "$dir"/logs/*.log | grep '^noclobber: refused' | sed -n 's/.* caller=\([^ ]*\).*/    \1/p' | sort | uniq -c | sort -rn | head -5)
  first line: $(cat "$dir"/logs/*.log | grep -m1 '^noclobber: refused' | cut -c1-600)"
	fi
	# "n/a": no worker was alive at that moment (mmapfork's come and go).
	read -r p0 a0 l0 v0 <"$dir/mem.start"
	read -r p1 a1 l1 v1 <"$dir/mem.end"
	m0=n/a m1=n/a r0=n/a r1=n/a
	[ "$p0" = - ] || { m0=$((a0 + l0)) r0=$v0; }
	[ "$p1" = - ] || { m1=$((a1 + l1)) r1=$v1; }
	printf '%-10s %-5s %12s %s %8s  %-24s %-24s\n' "$s" "$state" "${ops:--}" "$base" "$refused" \
		"$m0 -> $m1" "$r0 -> $r1"
done
if [ -n "$details" ]; then
	echo
	echo "details:$details"
fi
[ -n "$keep" ] && echo "logs and stress-ng output kept in $out"
exit $worst
