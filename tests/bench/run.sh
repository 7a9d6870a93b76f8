#!/usr/bin/env bash
# tests/bench/run.sh BENCH_DIR SHIM LAUNCHER - the driver of `make bench`.
#
# What libnoclobber costs, against the floor every preloaded library pays: each
# case runs with the shim, with an empty preloaded .so (same loader lookup, same
# change of address-space layout) and with nothing, interleaved (the order
# rotates from trial to trial), repeated; figures are medians. A row is judged
# on shim / empty .so; shim / nothing is shown beside it. Sections:
#
#   1. system calls: bench_calls cases, each trial one process timing ~1 ms
#      blocks; a trial's figure is its fastest block
#   2. refusals: a refused MAP_FIXED against the floor measured in the same run
#      (bench_calls floor: one failing MAP_FIXED_NOREPLACE, one PROCMAP_QUERY,
#      one write of a line as long as the shim's to the same kind of file)
#   3. start-up of /bin/true (bench_spawn)
#   4. real work: whole programs (javac, node, go build, qemu-x86_64, make -j2
#      under the launcher), wall time per run
#   5. --supervise: a notified call's round trip, and mmap+munmap under the
#      filter against without it (bench_supervise, static: no preload)
#   6. the shim's own memory
#
# Verdict: ok (ratio <= target), MISSED, or noise-bound: a ratio above its
# target whose p25-p75 spread of per-trial ratios is wider than its margin to
# the target, after the trials were raised once. Always exits 0: a benchmark
# informs, it does not fail the build.
#
# Knobs (environment): BENCH_QUICK=1 (fewer trials and rounds, a first look),
# BENCH_TRIALS (11; 5 quick), BENCH_REFUSE_TRIALS (9; 3 quick), BENCH_ROUNDS
# (real work, 5; 3 quick), BENCH_TRIAL_MS (100), BENCH_SIZES ("50 60000"),
# BENCH_WORK (which real work: "javac node go qemu make").
set -u
usage="usage: tests/bench/run.sh BENCH_DIR SHIM LAUNCHER"
BENCH=${1:?$usage}
SHIM_BUILT=$(readlink -f "${2:?$usage}")
LAUNCHER_BUILT=$(readlink -f "${3:?$usage}")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CALLS=$(readlink -f "$BENCH/bench_calls")
SPAWN=$(readlink -f "$BENCH/bench_spawn")
SUPERVISE=$(readlink -f "$BENCH/bench_supervise")
EMPTY=$(readlink -f "$BENCH/empty.so")
STUB=$(readlink -f "$BENCH/stub.so")
ARENA=$(readlink -f "$BENCH/arena.so")
QUICK=${BENCH_QUICK:-0}
TRIALS=${BENCH_TRIALS:-$([ "$QUICK" = 1 ] && echo 5 || echo 11)}
RTRIALS=${BENCH_REFUSE_TRIALS:-$([ "$QUICK" = 1 ] && echo 3 || echo 9)}
ROUNDS=${BENCH_ROUNDS:-$([ "$QUICK" = 1 ] && echo 3 || echo 5)}
TRIAL_MS=${BENCH_TRIAL_MS:-100}
SIZES=${BENCH_SIZES:-50 60000}
WORK=${BENCH_WORK:-javac node go qemu make}
unset LD_PRELOAD NOCLOBBER_OPTIONS NOCLOBBER_TALLY
TMP=$(mktemp -d /tmp/noclobber-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# Private copies: others may rebuild build/ while this runs (a half-written
# library fails to preload, and a trial would silently go without it). The
# launcher finds the library next to itself.
mkdir -p "$TMP/lib"
SHIM=$TMP/lib/libnoclobber.so
LAUNCHER=$TMP/lib/noclobber
cp "$SHIM_BUILT" "$SHIM"
cp "$LAUNCHER_BUILT" "$LAUNCHER"
START=$(date +%s)

ROWS=()   # the table, one formatted line per row
TOP=""    # the last top-level case, to name its indented rows
MISSED=() # one line per target missed or noise-bound
NOTES=()

say() { printf '%s ...\n' "$*" >&2; }
note() { NOTES+=("$*"); }

# ---- arithmetic ----------------------------------------------------------------------
# stats: numbers on stdin (one per line) -> "median p25 p75"
stats() {
	grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' | sort -g | awk '{a[NR] = $1}
	function q(p,   i, f) { i = 1 + p * (NR - 1); f = int(i); return f >= NR ? a[NR] : a[f] + (i - f) * (a[f + 1] - a[f]) }
	END { if (!NR) { print "nan nan nan"; exit } printf "%.6g %.6g %.6g\n", q(0.5), q(0.25), q(0.75) }'
}
med() { printf '%s\n' "$@" | stats | cut -d' ' -f1; }
# pmed "a1 a2 ..." "b1 b2 ...": the median of the per-trial ratios a_i / b_i
pmed() { ratios "$1" "$2" | stats | cut -d' ' -f1; }
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
fmt() { awk -v v="$1" -v d="${2:-1}" 'BEGIN { if (v != v + 0) print "nan"; else printf "%.*f", d, v }'; }
# ratios "a1 a2 ..." "b1 b2 ...": per-trial ratios a_i / b_i, one a line
ratios() {
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) |
		awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 { print $1 / $2 }'
}
count() { set -- $1; echo $#; }

# ---- the table --------------------------------------------------------------------------
FMT='%-50s %11s %11s %8s %8s %8s %-12s %-13s %s'
HDR=$(printf "$FMT" case floor with ratio vs-none target verdict spread trials)
# row CASE FLOOR WITH RATIO VS_NONE TARGET VERDICT SPREAD TRIALS
row() {
	ROWS+=("$(printf "$FMT" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9")")
	local full=$1
	if [ "${1:0:2}" = "  " ]; then full="$TOP; ${1#  }"; else TOP=$1; fi
	printf '  .. %s: %s (%s) %s\n' "$full" "$4" "$8" "$7" >&2
	case $7 in
	MISSED) MISSED+=("MISSED: $full: $4, target $6 (floor $2, with $3; spread $8, $9 trials)") ;;
	noise-bound) MISSED+=("noise-bound: $full: $4, target $6, spread $8 over $9 trials is wider than the margin") ;;
	esac
}

# judgement RATIO TARGET "PER-TRIAL RATIOS" -> "VERDICT SPREAD"
judgement() {
	local r=$1 t=$2 s
	s=$(printf '%s\n' $3 | stats)
	set -- $s
	local p25=$2 p75=$3
	if [ -z "$t" ]; then
		printf 'info %s-%s' "$(fmt "$p25" 3)" "$(fmt "$p75" 3)"
		return
	fi
	awk -v r="$r" -v t="$t" -v a="$p25" -v b="$p75" 'BEGIN {
		v = (r != r + 0) ? "MISSED" : (r <= t) ? "ok" : (b - a > r - t) ? "noise-bound" : "MISSED"
		printf "%s %.3f-%.3f", v, a, b }'
}

# ---- 1. system calls --------------------------------------------------------------------
first() { set -- $1; echo "${1:-nan}"; }
field() { local n=$1; set -- $2; eval "echo \${$n:-nan}"; }
# calls CONFIG ARGS...: one bench_calls process (CONFIG: shim, empty or none)
calls() {
	local c=$1
	shift
	case $c in
	shim) LD_PRELOAD=$SHIM NOCLOBBER_OPTIONS=${OPTS:-log_path=$TMP/calls.%p.log} "$CALLS" "$@" ;;
	empty) LD_PRELOAD=$EMPTY "$CALLS" "$@" ;;
	arena) LD_PRELOAD=$ARENA "$CALLS" "$@" ;;
	none) "$CALLS" "$@" ;;
	esac 2>>"$TMP/stderr"
}
# iters_for NS_PER_OP [DIVISOR]: iterations for a trial of about TRIAL_MS
iters_for() {
	awk -v ns="$1" -v ms="$TRIAL_MS" -v d="${2:-1}" 'BEGIN { n = ms * 1e6 / (ns * d); if (n < 1 || ns != ns + 0) n = 1; printf "%d", n }'
}
CONFS=(shim empty none)

# abc NAME TARGET DIV CASE [ARG...]: interleaved trials of `bench_calls CASE
# [ARG...] ITERS` under the three configurations; judged on the fastest-block
# figures, shim / empty .so. A ratio above target whose spread is wider than
# its margin gets as many trials again before it is called noise-bound.
# ABC_WITH=arena: the arena-only .so in the shim's place (a diagnostic row).
abc() {
	local name=$1 target=$2 div=$3 iters t k c out w=${ABC_WITH:-shim}
	shift 3
	say "$name"
	iters=$(iters_for "$(first "$(calls "$w" "$@" 2000)")" "$div")
	local -A F=([shim]="" [empty]="" [none]="")
	local confs=("$w" empty none)
	local n=$TRIALS raised=0
	for ((t = 0; ; t++)); do
		if ((t == n)); then
			local rs j
			rs=$(pmed "${F[shim]}" "${F[empty]}")
			j=$(judgement "$rs" "$target" "$(ratios "${F[shim]}" "${F[empty]}")")
			if [ "${j%% *}" = noise-bound ] && ((!raised)); then
				raised=1 n=$((n * 2))
			else
				break
			fi
		fi
		for ((k = 0; k < 3; k++)); do
			c=${confs[$(((t + k) % 3))]}
			out=$(calls "$c" "$@" "$iters")
			[ "$c" = "$w" ] && c=shim
			F[$c]+="$(field 4 "$out") "
		done
	done
	local bad
	bad=$(printf '%s\n' ${F[shim]} ${F[empty]} ${F[none]} | grep -vcE '^[0-9.]+$')
	[ "$bad" -gt 0 ] && note "$name: $bad of $((3 * n)) runs gave no figure (see stderr below)"
	local ms me r rn j
	ms=$(med ${F[shim]}) me=$(med ${F[empty]})
	r=$(pmed "${F[shim]}" "${F[empty]}") rn=$(pmed "${F[shim]}" "${F[none]}")
	j=$(judgement "$r" "$target" "$(ratios "${F[shim]}" "${F[empty]}")")
	row "$name" "$(fmt "$me") ns" "$(fmt "$ms") ns" "$(fmt "$r" 3)" "$(fmt "$rn" 3)" "${target:+<= $target}" \
		"${j%% *}" "${j#* }" "$n"
	LAST_FLOOR=$me
}

# own_code NAME [fixed]: the same loop with mmap and munmap stubbed out after the
# preload (stub.so), shim against empty .so: the shim's own code per pair, as
# nanoseconds and as a share of the last row's floor (the real pair's cost).
own_code() {
	local name=$1 t S="" E="" iters=2000000
	shift
	say "$name"
	for ((t = 0; t < TRIALS; t++)); do
		S+="$(field 4 "$(LD_PRELOAD="$SHIM $STUB" "$CALLS" stubbed $iters "$@" 2>>"$TMP/stderr")") "
		E+="$(field 4 "$(LD_PRELOAD="$EMPTY $STUB" "$CALLS" stubbed $iters "$@" 2>>"$TMP/stderr")") "
	done
	local d
	d=$(calc "$(med $S) - $(med $E)")
	row "$name" "$(fmt "$(med $E)") ns" "$(fmt "$(med $S)") ns" "+$(fmt "$d") ns" - "" info \
		"$(fmt "$(calc "100 * $d / $LAST_FLOOR")")% of pair" "$TRIALS"
}

echo "libnoclobber benchmark: $SHIM_BUILT (a copy of it, sha1 $(sha1sum <"$SHIM" | cut -c1-12)," \
	"git $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?'))"
echo "machine: $(nproc) cpus, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
	"vm.max_map_count $(cat /proc/sys/vm/max_map_count)"
echo "method: shim / empty .so / nothing interleaved (order rotates each trial); $TRIALS trials per" \
	"system-call case (~${TRIAL_MS} ms each, fastest ~1 ms block), $RTRIALS per refusal case, $ROUNDS rounds" \
	"of real work; medians$([ "$QUICK" = 1 ] && echo '; QUICK mode')"
echo "progress (rows as they finish; the full table follows):" >&2

abc "mmap+munmap 1 page, no MAP_FIXED" 1.03 1 mmap
own_code "  the shim's own code (kernel stubbed out)"
abc "  same, raw system calls (layout only)" "" 1 mmap_raw
ABC_WITH=arena abc "  an empty .so + one 440 KiB mapping, not the shim" "" 1 mmap
abc "MAP_FIXED onto a free page + munmap" 1.03 1 fixed_free
own_code "  the shim's own code (kernel stubbed out)" fixed
ABC_WITH=arena abc "  an empty .so + one 440 KiB mapping, not the shim" "" 1 fixed_free
abc "  same, below 10,000 own ranges" 1.08 1 fixed_free_held 10000
abc "  mmap+munmap holding 10,000 own ranges" "" 1 mmap_held 10000
abc "MAP_FIXED over own mapping (allowed)" "" 1 fixed_own
# Threads depend on the scheduler more than anything: twice the trials.
TRIALS=$((TRIALS * 2)) abc "2 threads mmap+munmap (per call)" 1.05 2 threads 2
TRIALS=$((TRIALS * 2)) abc "8 threads mmap+munmap (per call)" 1.05 8 threads 8
if ls "$TMP"/calls.*.log >/dev/null 2>&1; then
	note "unexpected log lines from the system-call cases: $(cat "$TMP"/calls.*.log | head -3)"
	rm -f "$TMP"/calls.*.log
fi

# ---- 2. refusals against their floor ------------------------------------------------------
MAXMAP=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 65530)
# refuse_run ARGS... -> the bench_calls line; checks the log (one "refused"
# line per call, victims named) and keeps the mean line length in $TMP/linelen
refuse_run() {
	local out calls lines
	out=$(OPTS="log_path=$TMP/r.%p.log${REFUSE_OPTS:+:$REFUSE_OPTS}" calls shim refuse "$@")
	calls=$(set -- $out; echo "${3:-0}")
	lines=$(cat "$TMP"/r.*.log 2>/dev/null | grep -c '^noclobber: refused.*victims=1: ')
	grep -h '^noclobber: refused' "$TMP"/r.*.log 2>/dev/null | head -1 | wc -c >"$TMP/linelen"
	rm -f "$TMP"/r.*.log
	[ "$lines" = "$calls" ] || echo "$* : $lines lines for $calls calls" >>"$TMP/logbad"
	echo "$out"
}
floor_run() {
	local out
	out=$(calls empty floor "$@" "$(cat "$TMP/linelen.libc")" "$TMP/floor.log")
	rm -f "$TMP/floor.log"
	echo "$out"
}
for n in $SIZES; do
	if [ "$n" -gt $((MAXMAP - 1000)) ]; then
		note "refusals at $n mappings skipped: vm.max_map_count is $MAXMAP"
		continue
	fi
	say "refusals, $n mappings"
	ik=$(iters_for "$(first "$(refuse_run "$n" 300 libc)")")
	cp "$TMP/linelen" "$TMP/linelen.libc" # the floor writes lines as long as these
	iw=$(iters_for "$(first "$(refuse_run "$n" 300 libc-new)")")
	im=$(iters_for "$(first "$(refuse_run "$n" 300 mixed)")")
	iff=$(iters_for "$(first "$(floor_run "$n" 300)")")
	# The refusal rows walk stack=16 (the default); S0 is the first with stack=0.
	K="" N="" X="" FL="" S0="" held=""
	for ((t = 0; t < RTRIALS; t++)); do
		for ((k = 0; k < 5; k++)); do
			case $(((t + k) % 5)) in
			0) out=$(refuse_run "$n" "$ik" libc) K+="$(field 4 "$out") " held=$(field 2 "$out") ;;
			1) out=$(refuse_run "$n" "$iw" libc-new) N+="$(field 4 "$out") " ;;
			2) out=$(refuse_run "$n" "$im" mixed) X+="$(field 4 "$out") " ;;
			3) out=$(floor_run "$n" "$iff") FL+="$(field 4 "$out") " ;;
			4) out=$(REFUSE_OPTS=stack=0 refuse_run "$n" "$ik" libc) S0+="$(field 4 "$out") " ;;
			esac
		done
	done
	bad=$(printf '%s\n' $K $N $X $FL $S0 | grep -vcE '^[0-9.]+$')
	[ "$bad" -gt 0 ] && note "refusals at $n mappings: $bad runs gave no figure (see stderr below)"
	us() { fmt "$(calc "$(med "$@") / 1000")" 2; }
	r=$(pmed "$K" "$FL")
	j=$(judgement "$r" 2 "$(ratios "$K" "$FL")")
	row "refused MAP_FIXED onto libc, $held maps, repeated" "$(us $FL) us" "$(us $K) us" "$(fmt "$r" 2)x" - \
		"<= 2x" "${j%% *}" "${j#* }" "$RTRIALS"
	r=$(pmed "$N" "$FL")
	j=$(judgement "$r" 3 "$(ratios "$N" "$FL")")
	row "  a new call each time, the same mapping" "$(us $FL) us" "$(us $N) us" "$(fmt "$r" 2)x" - \
		"<= 3x" "${j%% *}" "${j#* }" "$RTRIALS"
	r=$(pmed "$X" "$FL")
	j=$(judgement "$r" 3 "$(ratios "$X" "$FL")")
	row "  a new mapping each time (hint searched anew)" "$(us $FL) us" "$(us $X) us" "$(fmt "$r" 2)x" - \
		"<= 3x" "${j%% *}" "${j#* }" "$RTRIALS"
	r=$(pmed "$S0" "$FL")
	row "  repeated, stack=0 (the rows above walk stack=16)" "$(us $FL) us" "$(us $S0) us" "$(fmt "$r" 2)x" - \
		"" info "" "$RTRIALS"
done
[ -s "$TMP/logbad" ] && note "refusal runs whose log did not hold one 'refused ... victims=1:' line per call:" \
	"$(wc -l <"$TMP/logbad"), e.g. $(head -1 "$TMP/logbad")"

# ---- 3. start-up --------------------------------------------------------------------------
say "start-up: /bin/true"
TRUE=$(command -v true)
[ -x /bin/true ] && TRUE=/bin/true
"$SPAWN" "$TRIALS" 30 none= empty="$EMPTY" shim="$SHIM" -- "$TRUE" >"$TMP/spawn" 2>>"$TMP/stderr"
sv() { awk -v n="$1" '$1 == n { for (i = 3; i <= NF; i++) printf "%s ", $i }' "$TMP/spawn"; }
sf() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/spawn"; }
SN=$(sv none) SE=$(sv empty) SS=$(sv shim)
if [ -n "$SS" ]; then
	r=$(pmed "$SS" "$SE") rn=$(pmed "$SS" "$SN")
	j=$(judgement "$r" 1.03 "$(ratios "$SS" "$SE")")
	row "start-up of /bin/true" "$(fmt "$(med $SE)") us" "$(fmt "$(med $SS)") us" "$(fmt "$r" 3)" \
		"$(fmt "$rn" 3)" "<= 1.03" "${j%% *}" "${j#* }" "${TRIALS}x30"
	fails=$(($(sf none) + $(sf empty) + $(sf shim)))
	[ "$fails" -gt 0 ] && note "start-up: $fails runs of $TRUE did not exit 0"
else
	note "start-up: bench_spawn failed: $(tail -2 "$TMP/stderr")"
fi

# ---- 4. real work -------------------------------------------------------------------------
# Each workload: a setup (once), a prep before every run (untimed) and a command;
# run under the shim (with a log file per process), an empty .so, and nothing.
W=$TMP/work
mkdir -p "$W"
work_javac() {
	[ "$1" = check ] && { command -v javac >/dev/null || echo "javac is not installed"; return; }
	[ "$1" = setup ] && {
		# A generated source of about 2,000 lines: 220 small methods and a
		# generic helper, enough for javac to JIT, allocate and collect.
		mkdir -p "$W/javac" && awk 'BEGIN {
			print "import java.util.*;"; print "public class Gen {"
			print "    static <T extends Comparable<T>> T max(List<T> xs) { T m = xs.get(0); for (T x : xs) if (x.compareTo(m) > 0) m = x; return m; }"
			for (i = 0; i < 220; i++) {
				printf "    static int m%d(int x) {\n", i
				printf "        List<Integer> xs = new ArrayList<>(List.of(x, %d, x * %d));\n", i, i + 1
				printf "        Map<String, Integer> m = new HashMap<>(); m.put(\"k%d\", max(xs));\n", i
				printf "        StringBuilder sb = new StringBuilder(); for (int k : xs) sb.append(k).append(%c,%c);\n", 39, 39
				printf "        switch (x %% 3) { case 0: return m.get(\"k%d\") + sb.length(); case 1: return %d; default: return x ^ %d; }\n", i, i, i
				printf "    }\n"
				printf "    record R%d(int a, String b) { int twice() { return a * 2 + b.length(); } }\n", i
				print ""
			}
			print "    public static void main(String[] a) { int s = 0;"
			for (i = 0; i < 220; i++) printf "        s += m%d(%d) + new R%d(%d, \"r\").twice();\n", i, i, i, i
			print "        System.out.println(s); } }" }' >"$W/javac/Gen.java"
		return
	}
	[ "$1" = prep ] && { rm -rf "$W/javac/out"; mkdir -p "$W/javac/out"; return; }
	shift 2
	"$@" javac -d "$W/javac/out" "$W/javac/Gen.java"
}
work_node() {
	[ "$1" = check ] && { command -v node >/dev/null || echo "node is not installed"; return; }
	# The suite's churn.js, four times the rounds: long enough (~1.5 s) that a
	# neighbour's burst of load does not decide a run.
	[ "$1" = setup ] && { mkdir -p "$W/node" && sed 's/round < 30;/round < 120;/' "$SRC/tests/programs/churn.js" >"$W/node/churn.js"; return; }
	[ "$1" = prep ] && return
	shift 2
	"$@" node "$W/node/churn.js"
}
work_go() {
	[ "$1" = check ] && { command -v go >/dev/null && command -v gcc >/dev/null || echo "go or gcc is not installed"; return; }
	[ "$1" = setup ] && {
		mkdir -p "$W/go" && cp "$SRC/tests/programs/gocgo/main.go" "$W/go/" &&
			printf 'module gocgo\n\ngo 1.19\n' >"$W/go/go.mod"
		return
	}
	[ "$1" = prep ] && { rm -rf "$W/go/cache" "$W/go/out"; return; }
	shift 2
	(cd "$W/go" && GOCACHE=$W/go/cache GOPATH=$W/go/path GOFLAGS=-mod=mod CGO_ENABLED=1 "$@" go build -o out .)
}
work_qemu() {
	[ "$1" = check ] && { command -v qemu-x86_64 >/dev/null || echo "qemu-x86_64 is not installed"; return; }
	[ "$1" = setup ] && { mkdir -p "$W/qemu" && head -c 6000000 /dev/urandom >"$W/qemu/blob"; return; }
	[ "$1" = prep ] && return
	shift 2
	# qemu and its guest both load the preload (the guest inherits LD_PRELOAD).
	"$@" qemu-x86_64 "$(command -v gzip)" -c "$W/qemu/blob"
}
work_make() {
	[ "$1" = check ] && { command -v make >/dev/null && command -v cc >/dev/null || echo "make or cc is not installed"; return; }
	[ "$1" = setup ] && {
		# 24 small C files, a library and a program: ~75 processes a build.
		mkdir -p "$W/make" && (cd "$W/make" &&
			for i in $(seq 1 24); do
				{
					echo "#include <stdio.h>"
					echo "#include <string.h>"
					for k in $(seq 1 12); do
						echo "int f${i}_$k(const char *s) { int h = $k; while (*s) h = h * 31 + *s++; return h ^ (int)strlen(s); }"
					done
					echo "int f$i(void) { return f${i}_1(\"$i\") + f${i}_12(\"x\"); }"
				} >"u$i.c"
			done &&
			{
				echo "int printf(const char *, ...);"
				for i in $(seq 1 24); do echo "int f$i(void);"; done
				echo "int main(void) { int s = 0;"
				for i in $(seq 1 24); do echo "s += f$i();"; done
				echo 'printf("%d\n", s); return 0; }'
			} >main.c &&
			printf '%s\n' 'OBJS := $(patsubst %.c,%.o,$(wildcard u*.c))' \
				'prog: main.o libu.a' '	$(CC) -O1 -o $@ main.o libu.a' \
				'libu.a: $(OBJS)' '	ar rcs $@ $^' '%.o: %.c' '	$(CC) -O1 -c $< -o $@' >Makefile)
		return
	}
	[ "$1" = prep ] && { rm -f "$W/make"/*.o "$W/make"/*.a "$W/make/prog"; return; }
	local conf=$2
	shift 2
	# Under the launcher (every process of the tree pays, the launcher too).
	if [ "$conf" = shim ]; then
		"$LAUNCHER" --quiet --log-dir "$TMP/worklogs" -- make -s -j2 -C "$W/make"
	else
		"$@" make -s -j2 -C "$W/make"
	fi
}
# prefix CONFIG: the command put in front of a workload's program
prefix() {
	case $1 in
	shim) echo env "LD_PRELOAD=$SHIM" "NOCLOBBER_OPTIONS=log_path=$TMP/worklogs/" ;;
	empty) echo env "LD_PRELOAD=$EMPTY" ;;
	none) echo env ;;
	esac
}
# Each work_NAME is called as: check (prints why it cannot run), setup, prep, or
# run CONFIG PREFIX... (the command to put in front of the program).
# one_run WORK CONFIG -> "WALL_S CPU_S STATUS"
one_run() {
	local w=$1 c=$2 rc
	"work_$w" prep
	local TIMEFORMAT='%3R %3U %3S'
	local t
	# shellcheck disable=SC2046
	t=$( { time "work_$w" run "$c" $(prefix "$c") >/dev/null 2>>"$TMP/work.$w.stderr" </dev/null; echo "rc $?" >"$TMP/rc"; } 2>&1)
	rc=$(cut -d' ' -f2 "$TMP/rc")
	set -- $t
	echo "$1 $(calc "$2 + $3") $rc"
}
mkdir -p "$TMP/worklogs"
for w in $WORK; do
	if ! declare -F "work_$w" >/dev/null; then
		note "real work '$w': no such workload (javac node go qemu make)"
		continue
	fi
	why=$("work_$w" check)
	if [ -n "$why" ]; then
		row "real work: $w" - - - - "<= 1.02" SKIPPED "" 0
		note "real work $w skipped: $why"
		continue
	fi
	say "real work: $w"
	"work_$w" setup
	one_run "$w" none >/dev/null # warm the page cache
	declare -A RW=([shim]="" [empty]="" [none]="") RC=([shim]="" [empty]="" [none]="")
	fails=0 n=$ROUNDS raised=0
	for ((t = 0; ; t++)); do
		if ((t == n)); then
			r=$(pmed "${RW[shim]}" "${RW[empty]}")
			j=$(judgement "$r" 1.02 "$(ratios "${RW[shim]}" "${RW[empty]}")")
			if [ "${j%% *}" = noise-bound ] && ((!raised)); then
				raised=1 n=$((n + (n + 1) / 2))
			else
				break
			fi
		fi
		for ((k = 0; k < 3; k++)); do
			c=${CONFS[$(((t + k) % 3))]}
			# shellcheck disable=SC2046 # three numbers
			set -- $(one_run "$w" "$c")
			RW[$c]+="${1:-nan} " RC[$c]+="${2:-nan} "
			[ "${3:-1}" = 0 ] || fails=$((fails + 1))
		done
	done
	[ "$fails" -gt 0 ] && note "real work $w: $fails of $((3 * n)) runs did not exit 0 ($(head -c 300 "$TMP/work.$w.stderr"))"
	refused=$(cat "$TMP"/worklogs/* 2>/dev/null | grep -c '^noclobber: refused')
	[ "$refused" -gt 0 ] && note "real work $w: $refused refusals under the shim: the comparison means little"
	rm -rf "$TMP"/worklogs/*
	ms=$(med ${RW[shim]}) me=$(med ${RW[empty]})
	r=$(pmed "${RW[shim]}" "${RW[empty]}") rn=$(pmed "${RW[shim]}" "${RW[none]}")
	j=$(judgement "$r" 1.02 "$(ratios "${RW[shim]}" "${RW[empty]}")")
	cpu=$(pmed "${RC[shim]}" "${RC[empty]}")
	label=$w
	case $w in
	javac) label="javac, a generated $(wc -l <"$W/javac/Gen.java")-line source" ;;
	node) label="node, GC-heavy script (churn.js x4)" ;;
	go) label="go build, small cgo module, fresh cache" ;;
	qemu) label="qemu-x86_64 gzip of 6 MB" ;;
	make) label="make -j2, 25 C files, under the launcher" ;;
	esac
	row "$label" "$(fmt "$me" 3) s" "$(fmt "$ms" 3) s" "$(fmt "$r" 3)" "$(fmt "$rn" 3)" "<= 1.02" \
		"${j%% *}" "${j#* }" "$n"
	note "real work $w: CPU time (user+sys) shim / empty .so $(fmt "$cpu" 3)"
	unset RW RC
done

# ---- 5. --supervise ------------------------------------------------------------------------
say "--supervise: notified round trip, mmap+munmap under the filter"
sup_run() { # CASE N WITH(0|1): ns per call
	if [ "$3" = 1 ]; then "$LAUNCHER" --quiet --supervise -- "$SUPERVISE" "$1" "$2" 2>>"$TMP/stderr"
	else "$SUPERVISE" "$1" "$2" 2>>"$TMP/stderr"; fi
}
SF0="" SF1="" SP0="" SP1="" SPA=""
for ((t = 0; t < TRIALS; t++)); do
	if ((t % 2)); then
		SF1+="$(sup_run fixed 2000 1) " SF0+="$(sup_run fixed 2000 0) "
		SP1+="$(sup_run pair 20000 1) " SPA+="$(sup_run pair-allow 20000 0) " SP0+="$(sup_run pair 20000 0) "
	else
		SF0+="$(sup_run fixed 2000 0) " SF1+="$(sup_run fixed 2000 1) "
		SP0+="$(sup_run pair 20000 0) " SPA+="$(sup_run pair-allow 20000 0) " SP1+="$(sup_run pair 20000 1) "
	fi
done
r=$(pmed "$SF1" "$SF0")
row "--supervise: a notified MAP_FIXED (round trip)" "$(fmt "$(calc "$(med $SF0) / 1000")" 2) us" \
	"$(fmt "$(calc "$(med $SF1) / 1000")" 2) us" "$(fmt "$r" 1)" - info info "$(ratios "$SF1" "$SF0" | stats | awk '{ printf "%.1f-%.1f", $2, $3 }')" "$TRIALS"
r=$(pmed "$SP1" "$SP0")
j=$(judgement "$r" 1.02 "$(ratios "$SP1" "$SP0")")
row "--supervise: mmap+munmap pair under the filter" "$(fmt "$(med $SP0)" 0) ns" "$(fmt "$(med $SP1)" 0) ns" \
	"$(fmt "$r" 3)" - "<= 1.02" "${j%% *}" "${j#* }" "$TRIALS"
# Any filter makes the kernel take its slower entry path for every system call
# of the task: a one-instruction allow-all filter shows what that costs alone.
r=$(pmed "$SPA" "$SP0")
row "--supervise: the same pair under an allow-all filter (any filter's cost)" "$(fmt "$(med $SP0)" 0) ns" \
	"$(fmt "$(med $SPA)" 0) ns" "$(fmt "$r" 3)" - info info "$(ratios "$SPA" "$SP0" | stats | awk '{ printf "%.2f-%.2f", $2, $3 }')" "$TRIALS"
r=$(pmed "$SP1" "$SPA")
j=$(judgement "$r" 1.02 "$(ratios "$SP1" "$SPA")")
row "--supervise: the pair under our filter against the allow-all one" "$(fmt "$(med $SPA)" 0) ns" "$(fmt "$(med $SP1)" 0) ns" \
	"$(fmt "$r" 3)" - "<= 1.02" "${j%% *}" "${j#* }" "$TRIALS"
note "--supervise rows: floor = the static program without a filter (or under the allow-all one), with = under noclobber --supervise; the pairs in the thread's CPU time (the filter runs in it; the wall clock adds waits for a CPU), the round trip in wall time"

# ---- 6. memory ----------------------------------------------------------------------------
say "memory: 1,000 mappings, one refused clobber"
RS="" RSO="" RB="" RA="" AF=1
for ((t = 0; t < 3; t++)); do
	# shellcheck disable=SC2046 # seven numbers
	set -- $(OPTS="log_path=$TMP/m.%p.log" calls shim memory 1000)
	RS+="${2:-nan} " RSO+="${3:-nan} " RB+="${4:-nan} " RA+="${5:-nan} "
	[ "${6:-0}" = 1 ] || AF=0
done
rm -f "$TMP"/m.*.log
s=$(med $RS)
row "shim's own RSS, 1,000 maps (.so + bss + arena)" - "$(fmt "$s" 0) KiB" - - "<256 KiB" \
	"$(awk -v a="$s" 'BEGIN { print (a < 256) ? "ok" : "MISSED" }')" "$(med $RSO)/$(med $RB)/$(med $RA) KiB" 3
[ "$AF" = 1 ] || note "memory: no anonymous mapping of the arena's size found (arena size changed?): arena not counted"

# ---- the table ----------------------------------------------------------------------------
echo
echo "$HDR"
printf '%s\n' "$HDR" | tr -c '\n' '-'
printf '%s\n' "${ROWS[@]}"
echo
echo "floor = the same case with an empty preloaded .so (system calls, start-up, real work; the median"
echo "over trials of each trial's figure) or the refusal's floor (failing MAP_FIXED_NOREPLACE + PROCMAP_QUERY"
echo "+ write of a line as long as the shim's to a file, no shim); with = under the shim (real work: make"
echo "under the launcher); floor and with are medians over trials; ratio = the median of the per-trial ratios"
echo "with/floor (each trial runs both back to back), the verdict's figure; vs-none = the same against no"
echo "preload at all; spread = p25-p75 of the per-trial ratios (memory: .so/bss/arena RSS)"
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
echo "reproduce: make bench$([ "$QUICK" = 1 ] && echo -quick)"
exit 0
