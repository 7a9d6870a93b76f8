# The shim inside hard programs: a malloc built on mmap that runs before any
# constructor, threads, fork while other threads are in the shim, fork+exec with
# per-process logs, and exitcode= in each of those processes.

# A log holds only whole lines, one per write: a refused line starts with
# "noclobber: refused", carries pid= and tid= and ends with its hint= field; a
# summary is exactly "noclobber: summary: pid=N clobber_attempts=N". A line with
# a second "noclobber:" in it is two lines run together.
s6_refused_re='^noclobber: refused [a-z0-9_()]+\(addr=0x[0-9a-f]+, len=[0-9]+, .*\) pid=[0-9]+ tid=[0-9]+ .* hint=[^ ]+$'
s6_summary_re='^noclobber: summary: pid=[0-9]+ clobber_attempts=[0-9]+$'
s6_bad_lines() {
	{ grep -Ev -e "$s6_refused_re" -e "$s6_summary_re" "$1"; grep 'noclobber:.*noclobber:' "$1"; } | head -5
}
s6_field() { sed -n "s/.*[ ^]$1=\([0-9][0-9]*\).*/\1/p" <<<" $2" | head -1; }

s6_missing=
for s6_p in own_malloc threads forks exec_chain clobber; do
	[ -x "$T/$s6_p" ] || s6_missing="$s6_missing $s6_p"
done
if [ -n "$s6_missing" ]; then
	bad "safety: test programs built" "missing:$s6_missing (run make tests)"
else

# --- A program's own malloc on mmap, used before the shim's constructor ------
run_shim "" "$T/own_malloc"
why="status $rc: $out"
expect "own_malloc: exits 0 and says OK" test $rc = 0 -a "$(grep -c '^OK own_malloc' <<<"$out")" = 1
s6_early=$(s6_field early_calls "$(grep '^early_calls=' <<<"$out")")
why="status $rc: $out"
expect "own_malloc: allocated through the shim's mmap before any constructor" \
	test "$(grep -c '^mmap_in=shim$' <<<"$out")" = 1 -a "${s6_early:-0}" -gt 0
why="status $rc: $out"
expect "own_malloc: the clobber of libc's text got EEXIST, libc intact" has '^result=EEXIST intact=yes$'
why="status $rc: $out"
expect "own_malloc: exactly one refused line" test "$(lines '^noclobber: refused')" = 1
# Its first MAP_FIXED, too, before any constructor (a block placed at a free
# address of the allocator's choosing).
run_shim "" "$T/own_malloc" early-fixed
s6_why="status $rc: $out"
why=$s6_why
expect "own_malloc early-fixed: exits 0 and says OK" test $rc = 0 -a "$(grep -c '^OK own_malloc' <<<"$out")" = 1
why=$s6_why
expect "own_malloc early-fixed: libc's text refused (EEXIST), one refused line" \
	test "$(grep -c '^result=EEXIST intact=yes$' <<<"$out")" = 1 -a "$(lines '^noclobber: refused')" = 1
# The early calls come before libc is initialised: getenv sees no environment
# yet. NOCLOBBER_OPTIONS must still be honoured for the rest of the run.
s6_log=$TMP/own_malloc.log
run_shim "log_path=$s6_log" "$T/own_malloc"
why="status $rc; output: $out
log: $(cat "$s6_log" 2>&1)"
expect "own_malloc: NOCLOBBER_OPTIONS honoured after calls before libc's start-up (log_path used, not stderr)" \
	test $rc = 0 -a "$(grep -c '^noclobber: refused' "$s6_log" 2>/dev/null)" = 1 -a "$(lines '^noclobber:')" = 0

# --- Threads: attempts while the map changes; counts and whole lines ---------
for s6_opts in "" "check=table"; do
	s6_label=${s6_opts:-default}
	s6_log=$TMP/threads.$s6_label.log
	run_shim "${s6_opts:+$s6_opts:}log_path=$s6_log" "$T/threads" 1.5
	s6_res=$(grep '^attempts=' <<<"$out")
	s6_att=$(s6_field attempts "$s6_res")
	why="status $rc: $out"
	expect "threads[$s6_label]: no crash, libc's text intact" test $rc = 0 -a -n "$s6_res" -a -z "${s6_res##*intact=yes}"
	why="status $rc: $out"
	expect "threads[$s6_label]: every attempt got EEXIST" \
		test "${s6_att:-0}" -gt 0 -a "$(s6_field eexist "$s6_res")" = "$s6_att" -a "$(s6_field other "$s6_res")" = 0
	s6_n=$(grep -c '^noclobber: refused' "$s6_log" 2>/dev/null)
	why="$s6_n refused lines in the log, $s6_att attempts reported"
	expect "threads[$s6_label]: one refused line per attempt" test "${s6_n:-0}" = "${s6_att:-x}"
	s6_b=$(s6_bad_lines "$s6_log")
	why="$s6_b"
	expect "threads[$s6_label]: every log line whole (no interleaving)" test -z "$s6_b" -a -s "$s6_log"
	s6_tids=$(grep -o ' tid=[0-9]*' "$s6_log" | sort -u | wc -l)
	why="$s6_tids distinct tid= values"
	expect "threads[$s6_label]: both clobbering threads logged, each under its own tid" test "$s6_tids" = 2
	why=$(grep summary "$s6_log")
	expect "threads[$s6_label]: summary counts every attempt" \
		test "$(grep -c "^noclobber: summary: pid=[0-9]* clobber_attempts=${s6_att:-x}\$" "$s6_log")" = 1
done

# --- fork while other threads are inside the shim ----------------------------
# Default checks: 400 forks with 4 more threads in the other doors (a lock that
# is missed by the fork handlers shows within a few hundred forks). check=table:
# the region table's lock, 200 forks, clobbering threads only (the table lock is
# unfair to the forking thread; with more threads a fork takes tens of ms).
for s6_opts in "" "check=table"; do
	s6_label=${s6_opts:-default}
	s6_log=$TMP/forks.$s6_label.log
	if [ -z "$s6_opts" ]; then s6_nf=400 s6_nd=4; else s6_nf=200 s6_nd=0; fi
	[ -n "${NC_FORKS_DIV:-}" ] && s6_nf=$((s6_nf / NC_FORKS_DIV)) # fewer under an emulator (tests/run.sh)
	run_shim "${s6_opts:+$s6_opts:}log_path=$s6_log" "$T/forks" $s6_nf $s6_nd
	s6_res=$(grep '^forks=' <<<"$out")
	why="status $rc: $out"
	expect "forks[$s6_label]: $s6_nf children each went through the doors at once (none deadlocked)" \
		test $rc = 0 -a "$(s6_field forks "$s6_res")" = $s6_nf -a "$(s6_field ok "$s6_res")" = $s6_nf
	s6_att=$(s6_field thread_attempts "$s6_res")
	why="status $rc: $out"
	expect "forks[$s6_label]: the threads' attempts all got EEXIST, their other calls worked" \
		test "${s6_att:-0}" -gt 0 -a "$(s6_field thread_eexist "$s6_res")" = "$s6_att" \
		-a "$(s6_field door_errors "$s6_res")" = 0
	s6_n=$(grep -c '^noclobber: refused' "$s6_log" 2>/dev/null)
	s6_b=$(s6_bad_lines "$s6_log")
	s6_ok=$(s6_field ok "$s6_res")
	why="$s6_n refused lines, expected ${s6_att:-?} + ${s6_ok:-?} children
$s6_b"
	expect "forks[$s6_label]: the log has every attempt (threads' and children's), whole lines" \
		test "${s6_n:-0}" = "$((${s6_att:-0} + ${s6_ok:-0}))" -a -z "$s6_b"
done

# --- fork + exec, log_path with %p: one log per process --------------------------
s6_dir=$TMP/exec
mkdir -p "$s6_dir"
s6_out=$(NOCLOBBER_OPTIONS="log_path=$s6_dir/x.%p.log" LD_PRELOAD="$SHIM" $PREFIX \
	"$T/exec_chain" spawn 6 "$T/clobber" libc-text 2>"$TMP/exec.err")
rc=$?
s6_why="status $rc: $s6_out
stderr: $(head -5 "$TMP/exec.err")"
why=$s6_why
expect "exec: parent and all children exit 0, parent refused" \
	test $rc = 0 -a "$(grep -c '^parent pid=[0-9]* result=EEXIST$' <<<"$s6_out")" = 1 \
	-a "$(grep -c '^child pid=[0-9]* kind=[a-z]* status=0 ' <<<"$s6_out")" = 6
why=$s6_why
expect "exec: each exec'd child printed result=EEXIST intact=yes" \
	test "$(grep -c '^child pid=[0-9]* kind=exec status=0 out=result=EEXIST intact=yes;$' <<<"$s6_out")" = 2
why=$s6_why
expect "exec: each forked child refused" \
	test "$(grep -c '^child pid=[0-9]* kind=fork status=0 out=result=EEXIST;$' <<<"$s6_out")" = 2
# Processes that made an attempt: the parent, exec and fork children; not idle ones.
s6_want=$( (sed -n 's/^parent pid=\([0-9]*\).*/\1/p' <<<"$s6_out"
	sed -n 's/^child pid=\([0-9]*\) kind=\(exec\|fork\).*/\1/p' <<<"$s6_out") | sort -n | tr '\n' ' ')
s6_have=$(cd "$s6_dir" && ls | sed -n 's/^x\.\([0-9]*\)\.log$/\1/p' | sort -n | tr '\n' ' ')
why="log files for pids: $s6_have; processes with an attempt: $s6_want; files: $(ls "$s6_dir")"
expect "exec: one log file per process with an attempt, named with its pid (none for idle children)" \
	test -n "$s6_want" -a "$s6_have" = "$s6_want" -a "$(ls "$s6_dir" | wc -l)" = 5
s6_wrong=
for s6_pid in $s6_want; do
	s6_f=$s6_dir/x.$s6_pid.log
	[ "$(grep -c "^noclobber: refused .* pid=$s6_pid tid=$s6_pid .*hint=" "$s6_f" 2>/dev/null)" = 1 ] &&
		[ "$(grep -c '^noclobber: refused' "$s6_f")" = 1 ] &&
		[ "$(grep -cx "noclobber: summary: pid=$s6_pid clobber_attempts=1" "$s6_f")" = 1 ] &&
		[ "$(wc -l <"$s6_f")" = 2 ] ||
		s6_wrong="$s6_wrong
$s6_f: $(cut -c1-200 "$s6_f" 2>&1)"
done
why=$s6_wrong
expect "exec: each log holds its own refused line (pid= its pid) and summary clobber_attempts=1" \
	test -n "$s6_want" -a -z "$s6_wrong"

# --- exitcode=N, per process ------------------------------------------------------
s6_out=$(NOCLOBBER_OPTIONS=exitcode=42 LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" libc-text 2>/dev/null)
rc=$?
why="status $rc: $s6_out"
expect "exitcode: a refused attempt makes the exit status 42, output still there" \
	test $rc = 42 -a "$s6_out" = "result=EEXIST intact=yes"
s6_out=$(NOCLOBBER_OPTIONS=exitcode=42 LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" free 2>&1)
rc=$?
why="status $rc: $s6_out"
expect "exitcode: no attempt, status 0" test $rc = 0 -a "$s6_out" = "result=ok intact=n/a"
s6_out=$(NOCLOBBER_OPTIONS=exitcode=42 LD_PRELOAD="$SHIM" $PREFIX "$T/exec_chain" stdio 2>/dev/null)
rc=$?
why="status $rc: $s6_out"
expect "exitcode: stdio output buffered at exit is flushed before status 42" \
	test $rc = 42 -a "$s6_out" = "before
after result=EEXIST"
s6_out=$(NOCLOBBER_OPTIONS=exitcode=42 LD_PRELOAD="$SHIM" $PREFIX \
	"$T/exec_chain" spawn 6 "$T/clobber" libc-text 2>/dev/null)
rc=$?
why="status $rc: $s6_out"
expect "exitcode: parent, exec'd and forked children exit 42; idle children (no attempt of their own) 0" \
	test $rc = 42 -a "$(grep -c '^child pid=[0-9]* kind=\(exec\|fork\) status=42 ' <<<"$s6_out")" = 4 \
	-a "$(grep -c '^child pid=[0-9]* kind=idle status=0 ' <<<"$s6_out")" = 2

fi
