#!/usr/bin/env bash
# bench/run.sh BENCH_DIR SHIM - the driver of `make bench`.
#
# Measures libnoclobber against the same calls without it, side by side in one
# run: every case alternates with-shim and without-shim child processes (the
# order flips from trial to trial), repeats, and compares medians. Prints one
# table (case, without, with, ratio or absolute figure, target, verdict, spread)
# and one line per missed target. Always exits 0: a benchmark informs, it does
# not fail the build.
#
# spread = the 25th-75th percentile of the per-trial ratios (with_i / without_i
# of one trial pair): when it straddles the target, the verdict is noise-bound.
#
# Extra rows (not in the brief, same targets): the same calls in a process whose
# set of own ranges is large, a refused clobber whose victim sits amid the N
# mappings, and the raw-syscall loop that shows what the layout alone costs.
#
# Knobs (environment): BENCH_TRIALS (default 11), BENCH_REFUSE_TRIALS (default 7,
# for the refusal sizes), BENCH_TRIAL_MS (default 100: each trial process times
# about this long), BENCH_SIZES (default "50 1000 10000 60000" mappings).
set -u
BENCH=${1:?usage: bench/run.sh BENCH_DIR SHIM}
SHIM_BUILT=$(readlink -f "${2:?usage: bench/run.sh BENCH_DIR SHIM}")
CALLS=$(readlink -f "$BENCH/bench_calls")
SPAWN=$(readlink -f "$BENCH/bench_spawn")
EMPTY=$(readlink -f "$BENCH/empty.so")
TRIALS=${BENCH_TRIALS:-11}
RTRIALS=${BENCH_REFUSE_TRIALS:-7}
TRIAL_MS=${BENCH_TRIAL_MS:-100}
SIZES=${BENCH_SIZES:-50 1000 10000 60000}
unset LD_PRELOAD NOCLOBBER_OPTIONS
TMP=$(mktemp -d /tmp/noclobber-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# A private copy: others may rebuild build/libnoclobber.so while this runs (a
# half-written file fails to preload, and a trial would silently go without it).
SHIM=$TMP/libnoclobber.so
cp "$SHIM_BUILT" "$SHIM"
START=$(date +%s)

ROWS=()   # the table, one formatted line per row
TOP=""    # the last top-level case, to name its indented rows
MISSED=() # one line per missed target
NOTES=()

say() { printf '%s ...\n' "$*" >&2; }
note() { NOTES+=("$*"); }

# ---- arithmetic ------------------------------------------------------------------
# stats: numbers on stdin (one per line) -> "median p25 p75"
stats() {
	grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' | sort -g | awk '{a[NR] = $1}
	function q(p,   i, f) { i = 1 + p * (NR - 1); f = int(i); return f >= NR ? a[NR] : a[f] + (i - f) * (a[f + 1] - a[f]) }
	END { if (!NR) { print "nan nan nan"; exit } printf "%.6g %.6g %.6g\n", q(0.5), q(0.25), q(0.75) }'
}
med() { printf '%s\n' "$@" | stats | cut -d' ' -f1; }
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
fmt() { awk -v v="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, v }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0 && a != "nan") }'; }
# paired ratios of two equally long lists "a1 a2 ..." / "b1 b2 ..." -> p25-p75 text
spread() {
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) | awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 { print $1 / $2 }' | stats |
		awk '{ printf "%.3f-%.3f", $2, $3 }'
}

# ---- the table ----------------------------------------------------------------------
HDR=$(printf '%-46s %12s %12s %8s %10s %-7s %-13s %s' case without with ratio target verdict spread wall/cpu)
# row CASE WITHOUT WITH RATIO TARGET VERDICT [SPREAD [WALL]]
row() {
	ROWS+=("$(printf '%-46s %12s %12s %8s %10s %-7s %-13s %s' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" "${8:-}")")
	local fig=$4 full=$1
	[ "$fig" = abs ] && fig=$3
	if [ "${1:0:2}" = "  " ]; then full="$TOP; ${1#  }"; else TOP=$1; fi
	printf '  .. %s: %s %s\n' "$full" "$fig" "$6" >&2
	if [ "$6" = MISSED ]; then
		MISSED+=("MISSED: $full: $fig, target $5 (without: $2, with: $3)")
	fi
}
# verdict VALUE TARGET (value <= target)
verdict() { if le "$1" "$2"; then echo ok; else echo MISSED; fi; }

# ---- running the bench program -------------------------------------------------------
without() { "$CALLS" "$@" 2>>"$TMP/stderr"; }
with() { LD_PRELOAD=${WITH_LIB:-$SHIM} NOCLOBBER_OPTIONS=${OPTS:-log_path=$TMP/calls.%p.log} "$CALLS" "$@" 2>>"$TMP/stderr"; }
first() { set -- $1; echo "${1:-nan}"; }
# field N LINE: the Nth number of a bench_calls line (1 wall, 4 best block)
field() { local n=$1; set -- $2; eval "echo \${$n:-nan}"; }

# iters_for NS_PER_OP [DIVISOR]: iterations for a trial of about TRIAL_MS
iters_for() {
	awk -v ns="$1" -v ms="$TRIAL_MS" -v d="${2:-1}" 'BEGIN { n = ms * 1e6 / (ns * d); if (n < 1 || ns != ns + 0) n = 1; printf "%d", n }'
}

# ab NAME TARGET DIV CASE [ARG...]: interleaved with/without trials of
# `bench_calls CASE [ARG...] ITERS`, ITERS calibrated on the slower of the two
# (DIV: threads, each doing ITERS). The verdict is on the best-block figures
# (see bench_calls.c); the whole-run (wall) ratio is shown next to it.
ab() {
	local name=$1 target=$2 div=$3 pw po iters t a b
	shift 3
	say "$name"
	pw=$(first "$(with "$@" 2000)") po=$(first "$(without "$@" 2000)")
	iters=$(iters_for "$(awk -v a="$pw" -v b="$po" 'BEGIN { print (a + 0 > b + 0) ? a : b }')" "$div")
	local W="" O="" WW="" OW=""
	for ((t = 0; t < TRIALS; t++)); do
		if ((t % 2 == 0)); then
			a=$(with "$@" $iters)
			b=$(without "$@" $iters)
		else
			b=$(without "$@" $iters)
			a=$(with "$@" $iters)
		fi
		W+="$(field 4 "$a") " O+="$(field 4 "$b") "
		WW+="$(field 1 "$a") " OW+="$(field 1 "$b") "
	done
	local bad
	bad=$(printf '%s\n' $W $O | grep -vcE '^[0-9.]+$')
	[ "$bad" -gt 0 ] && note "$name: $bad of $((2 * TRIALS)) runs gave no figure (see stderr below)"
	local mw mo r rw
	mw=$(med $W) mo=$(med $O)
	r=$(calc "$mw / $mo") rw=$(calc "$(med $WW) / $(med $OW)")
	row "$name" "$(fmt "$mo") ns" "$(fmt "$mw") ns" "$(fmt "$r" 3)" "${target:+<= $target}" \
		"$([ -n "$target" ] && verdict "$r" "$target" || echo info)" "$(spread "$W" "$O")" "$(fmt "$rw" 3)"
}

# ---- the machine ----------------------------------------------------------------------------
echo "libnoclobber benchmark: $SHIM_BUILT (a copy of it, sha1 $(sha1sum <"$SHIM" | cut -c1-12)," \
	"git $(git -C "$(dirname "$SHIM_BUILT")" describe --always --dirty 2>/dev/null || echo '?'))"
echo "machine: $(nproc) cpus, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
	"vm.max_map_count $(cat /proc/sys/vm/max_map_count)"
echo "method: $TRIALS interleaved trials per case (with/without alternate, order flips each trial)," \
	"~${TRIAL_MS} ms per trial process timed in ~1 ms blocks, medians; CLOCK_MONOTONIC"
echo "progress (rows as they finish; the full table follows):" >&2

# ---- 1. system calls ------------------------------------------------------------------------
ab "mmap+munmap 1 page, no MAP_FIXED" 1.03 1 mmap
ab "  same, raw syscalls (kernel in same layout)" "" 1 mmap_raw
WITH_LIB=$EMPTY ab "  same, an empty .so preloaded, not the shim" "" 1 mmap
ab "  same, holding 10,000 own ranges" 1.03 1 mmap_held 10000
ab "  same, raw syscalls, holding them (layout only)" "" 1 mmap_raw_held 10000
ab "MAP_FIXED onto a free page + munmap" 1.05 1 fixed_free
ab "  same, below 1,000 own ranges" 1.05 1 fixed_free_held 1000
ab "  same, below 10,000 own ranges" 1.05 1 fixed_free_held 10000
ab "MAP_FIXED over own mapping (allowed)" 1.10 1 fixed_own
# Threads depend on the scheduler more than anything: twice the trials.
TRIALS=$((TRIALS * 2 - 1)) ab "2 threads mmap+munmap (per call)" 1.05 2 threads 2
TRIALS=$((TRIALS * 2 - 1)) ab "8 threads mmap+munmap (per call)" 1.05 8 threads 8
if ls "$TMP"/calls.*.log >/dev/null 2>&1; then
	note "unexpected log lines from the system-call cases: $(cat "$TMP"/calls.*.log | head -3)"
	rm -f "$TMP"/calls.*.log
fi

# ---- 2. refused clobber at several mapping counts ------------------------------------------------
MAXMAP=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 65530)
# refuse_run OPTS ARGS... -> the bench_calls line; checks the log: one "refused" line per call,
# victims named
refuse_run() {
	local opts=$1 out calls lines
	shift
	out=$(OPTS="$opts:log_path=$TMP/r.%p.log" with refuse "$@")
	calls=$(set -- $out; echo "${3:-0}")
	lines=$(cat "$TMP"/r.*.log 2>/dev/null | grep -c '^noclobber: refused.*victims=1: ')
	rm -f "$TMP"/r.*.log
	[ "$lines" = "$calls" ] || echo "$* : $lines lines for $calls calls" >>"$TMP/logbad" # (a subshell)
	echo "$out"
}
for n in $SIZES; do
	if [ "$n" -gt $((MAXMAP - 1000)) ]; then
		note "size $n skipped: vm.max_map_count is $MAXMAP"
		continue
	fi
	say "refused clobber, $n mappings"
	ik=$(iters_for "$(first "$(refuse_run check=kernel "$n" 300 libc)")")
	id=$(iters_for "$(first "$(refuse_run check=kernel "$n" 300 dense)")")
	iw=$(iters_for "$(first "$(refuse_run check=kernel "$n" 300 libc-new)")")
	it=$(iters_for "$(first "$(refuse_run check=table "$n" 2 libc)")")
	im=$(iters_for "$(first "$(without mapsread "$n" 3)")")
	K="" D="" N="" T="" M="" KW="" DW="" NW="" TW="" MW="" held=""
	S0="" S0W="" # the same refusal with stack=0: the other rows walk stack=16 (the default)
	for ((t = 0; t < RTRIALS; t++)); do
		out=$(refuse_run check=kernel "$n" "$ik" libc)
		K+="$(field 4 "$out") " KW+="$(field 1 "$out") "
		held=$(field 2 "$out")
		out=$(refuse_run check=kernel "$n" "$id" dense)
		D+="$(field 4 "$out") " DW+="$(field 1 "$out") "
		out=$(refuse_run check=kernel "$n" "$iw" libc-new)
		N+="$(field 4 "$out") " NW+="$(field 1 "$out") "
		out=$(refuse_run check=table "$n" "$it" libc)
		T+="$(field 4 "$out") " TW+="$(field 1 "$out") "
		out=$(without mapsread "$n" "$im")
		M+="$(field 4 "$out") " MW+="$(field 1 "$out") "
		out=$(refuse_run check=kernel:stack=0 "$n" "$ik" libc)
		S0+="$(field 4 "$out") " S0W+="$(field 1 "$out") "
	done
	bad=$(printf '%s\n' $K $D $N $T $M | grep -vcE '^[0-9.]+$')
	[ "$bad" -gt 0 ] && note "refusals at $n mappings: $bad runs gave no figure (see stderr below)"
	us() { fmt "$(calc "$(med "$@") / 1000")"; }
	k=$(us $K) d=$(us $D)
	row "refused clobber, $held maps (victim: libc)" - "$k us" abs "<= 10 us" "$(verdict "$k" 10)" "" "$(us $KW) us"
	row "  victim amid the $held maps (behind shim)" - "$d us" abs "<= 10 us" "$(verdict "$d" 10)" "" "$(us $DW) us"
	row "  a new call each time (hint searched anew)" - "$(us $N) us" abs "(report)" info "" "$(us $NW) us"
	row "  check=table, same refusal" - "$(us $T) us" abs "(report)" info "" "$(us $TW) us"
	row "  read /proc/self/maps once (no shim)" "$(us $M) us" - abs "(report)" info "" "$(us $MW) us"
	row "  first row with stack=0 (it walks stack=16)" - "$(us $S0) us" abs "(report)" info "" "$(us $S0W) us"
done
[ -s "$TMP/logbad" ] && note "refusal runs whose log did not hold one 'refused ... victims=1:' line per call:" \
	"$(wc -l <"$TMP/logbad"), e.g. $(head -1 "$TMP/logbad")"

# ---- 3. start-up ------------------------------------------------------------------------------------
say "start-up: /bin/true"
TRUE=$(command -v true)
[ -x /bin/true ] && TRUE=/bin/true
SROUNDS=${TRIALS}
"$SPAWN" "$SROUNDS" 30 none= empty="$EMPTY" shim="$SHIM" -- "$TRUE" >"$TMP/spawn" 2>>"$TMP/stderr"
sv() { awk -v n="$1" '$1 == n { for (i = 3; i <= NF; i++) printf "%s ", $i }' "$TMP/spawn"; }
sf() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/spawn"; }
SN=$(sv none) SE=$(sv empty) SS=$(sv shim)
if [ -n "$SS" ]; then
	CN=$(sv none.cpu) CE=$(sv empty.cpu) CS=$(sv shim.cpu)
	r=$(calc "$(med $SS) / $(med $SE)")
	row "start-up /bin/true: shim vs empty .so" "$(fmt "$(med $SE)") us" "$(fmt "$(med $SS)") us" \
		"$(fmt "$r" 3)" "<= 1.03" "$(verdict "$r" 1.03)" "$(spread "$SS" "$SE")" \
		"cpu $(fmt "$(calc "$(med $CS) / $(med $CE)")" 3)"
	r=$(calc "$(med $SS) / $(med $SN)")
	row "  shim vs no preload" "$(fmt "$(med $SN)") us" "$(fmt "$(med $SS)") us" "$(fmt "$r" 3)" "" info \
		"$(spread "$SS" "$SN")" "cpu $(fmt "$(calc "$(med $CS) / $(med $CN)")" 3)"
	r=$(calc "$(med $SE) / $(med $SN)")
	row "  empty .so vs no preload" "$(fmt "$(med $SN)") us" "$(fmt "$(med $SE)") us" "$(fmt "$r" 3)" "" info \
		"$(spread "$SE" "$SN")" "cpu $(fmt "$(calc "$(med $CE) / $(med $CN)")" 3)"
	fails=$(($(sf none) + $(sf empty) + $(sf shim)))
	[ "$fails" -gt 0 ] && note "start-up: $fails runs of $TRUE did not exit 0"
else
	note "start-up: bench_spawn failed: $(tail -2 "$TMP/stderr")"
fi

# ---- 4. a whole program ---------------------------------------------------------------------------------
PROG=() PNAME=""
if command -v java >/dev/null 2>&1; then
	PROG=("$(readlink -f "$(command -v java)")" -version) PNAME="java -version"
elif command -v node >/dev/null 2>&1; then
	PROG=("$(readlink -f "$(command -v node)")" -e 0) PNAME="node -e 0"
fi
if [ ${#PROG[@]} -gt 0 ]; then
	say "whole program: $PNAME"
	# Clean under the shim? (a refusal would make the comparison meaningless)
	LD_PRELOAD=$SHIM NOCLOBBER_OPTIONS="log_path=$TMP/prog.%p.log" "${PROG[@]}" >/dev/null 2>&1
	prc=$?
	refused=$(cat "$TMP"/prog.*.log 2>/dev/null | grep -c '^noclobber: refused')
	[ "$prc" -ne 0 ] || [ "$refused" -ne 0 ] &&
		note "$PNAME under the shim: exit $prc, $refused refusals logged"
	"$SPAWN" "$TRIALS" 5 none= shim="$SHIM" -- "${PROG[@]}" >"$TMP/spawn" 2>>"$TMP/stderr"
	PN=$(sv none) PS=$(sv shim) CN=$(sv none.cpu) CS=$(sv shim.cpu)
	if [ -n "$PS" ]; then
		r=$(calc "$(med $PS) / $(med $PN)")
		row "$PNAME (wall)" "$(fmt "$(calc "$(med $PN) / 1000")") ms" \
			"$(fmt "$(calc "$(med $PS) / 1000")") ms" "$(fmt "$r" 3)" "<= 1.03" "$(verdict "$r" 1.03)" \
			"$(spread "$PS" "$PN")" "cpu $(fmt "$(calc "$(med $CS) / $(med $CN)")" 3)"
		fails=$(($(sf none) + $(sf shim)))
		[ "$fails" -gt 0 ] && note "$PNAME: $fails runs did not exit 0"
	fi
else
	row "whole program (no java, no node)" - - - "<= 1.03" SKIPPED
	note "whole program skipped: neither java nor node is installed"
fi

# ---- 5. memory ----------------------------------------------------------------------------------------------
say "memory: 1,000 mappings, one refused clobber"
RW="" RO="" RS="" RSO="" RB="" RA="" AW="" AO="" AF=1
for ((t = 0; t < 5; t++)); do
	a=$(OPTS="log_path=$TMP/m.%p.log" with memory 1000)
	b=$(without memory 1000)
	set -- $a
	RW+="${1:-nan} " RS+="${2:-nan} " RSO+="${3:-nan} " RB+="${4:-nan} " RA+="${5:-nan} "
	[ "${6:-0}" = 1 ] || AF=0
	AW+="${7:-nan} "
	set -- $b
	RO+="${1:-nan} " AO+="${7:-nan} "
done
rm -f "$TMP"/m.*.log
s=$(med $RS)
row "shim's own RSS (smaps: .so + bss + arena)" - "$(fmt "$s" 0) KiB" abs "< 256 KiB" \
	"$(awk -v a="$s" 'BEGIN { print (a < 256) ? "ok" : "MISSED" }')"
row "  of which .so / .bss / arena" - "$(med $RSO) / $(med $RB) / $(med $RA) KiB" abs "(report)" info
d=$(calc "$(med $RW) - $(med $RO)")
row "  VmRSS of the bench process" "$(med $RO) KiB" "$(med $RW) KiB" "+$(fmt "$d" 0) KiB" "(report)" info
d=$(calc "$(med $AW) - $(med $AO)")
row "  RssAnon (private) of the bench process" "$(med $AO) KiB" "$(med $AW) KiB" "+$(fmt "$d" 0) KiB" "(report)" info
[ "$AF" = 1 ] || note "memory: no anonymous mapping of exactly 13 MiB found (arena size changed?): arena not counted"

# ---- the table ------------------------------------------------------------------------------------------------
echo
echo "$HDR"
printf '%s\n' "$HDR" | tr -c '\n' '-'
printf '%s\n' "${ROWS[@]}"
echo
echo "without/with = median over trials of each trial's fastest ~1 ms block (start-up, java: of each round's"
echo "median run); ratio = median(with) / median(without), the verdict's figure; abs = absolute cost with"
echo "the shim; spread = p25-p75 of the per-trial ratios; wall/cpu = the same ratio (or cost) from whole-"
echo "trial wall times, which a busy machine inflates, or for spawned programs from the children's CPU time"
for n in "${NOTES[@]}"; do echo "note: $n"; done
if [ -s "$TMP/stderr" ]; then
	echo "stderr of the bench programs (first lines):"
	sort "$TMP/stderr" | uniq -c | sort -rn | head -5 | sed 's/^/  /'
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); took $(($(date +%s) - START)) s"
if [ ${#MISSED[@]} -gt 0 ]; then
	printf '%s\n' "${MISSED[@]}"
else
	echo "all targets met"
fi
echo "reproduce: make bench"
exit 0
