# The launcher when things go wrong around it: logs that cannot be written or
# found, signals, odd command names and directories, a library that does not
# load, programs that close or reuse its descriptor. The status must never say
# "no clobber" after one: it comes from the count channel (shim/core/tally.h), not
# from the log files.
. tests/launcher_lib.sh
P=$PWD/tests/launcher_probe.py

# --- lines that cannot be written: the count does not depend on them -----------------
# in_full_fs PAGES_LEFT SCRIPT: run bash SCRIPT in a mount namespace of its own,
# with $D a 64 KiB tmpfs holding logs/ and tmp/, filled up but for PAGES_LEFT
# pages; stdout in $lout, stderr in $lerr, status in $rc.
in_full_fs() {
	local left=$1 script=$2
	lout=$(env L="$L" T="$T" TMP="$TMP" unshare -rm bash -c '
		D=$1; mount -t tmpfs -o size=64k tmpfs "$D" || exit 99
		mkdir "$D/logs" "$D/tmp"
		dd if=/dev/zero of="$D/fill" bs=4096 2>/dev/null
		[ "$2" = 0 ] || truncate -s -$(($2 * 4096)) "$D/fill"
		shift 2; eval "$1"' _ "$TMP/fullfs" "$left" "$script" 2>"$TMP/l.err")
	rc=$?
	lerr=$(cat "$TMP/l.err")
	why="rc=$rc
stdout: $lout
stderr: $lerr"
}
mkdir -p "$TMP/fullfs"
if unshare -rm true 2>/dev/null; then
	in_full_fs 0 '"$L" --log-dir "$D/logs" -- "$T/clobber" libc-text; r=$?; echo "files: $(cat "$D"/logs/* | wc -c)"; exit $r'
	expect "launcher: a full log file system: still 66, and it says the lines were lost and why" \
		eval '[ $rc -eq 66 ] && lout_has "^files: 0$" && lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process; exit status 66" &&
		      lerr_hasx "noclobber: 2 log lines could not be written (2: No space left on device); every attempt is counted all the same"'
	in_full_fs 0 'TMPDIR="$D/tmp" "$L" -- "$T/clobber" stack; r=$?; echo "left: $(ls -A "$D/tmp")"; exit $r'
	expect "launcher: a full TMPDIR: still 66, the lost lines said, the temporary directory removed" \
		eval '[ $rc -eq 66 ] && lout_has "^left: $" && lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process" &&
		      lerr_has "^noclobber: 2 log lines could not be written (2: No space left on device)"'
	# One page left: a line is cut short there, and the rest are lost.
	in_full_fs 1 '"$L" --log-dir "$D/logs" -- "$T/hardening" flood 20; r=$?; cp -r "$D/logs" "$TMP/cut-logs"; exit $r'
	expect "launcher: one page left in the log: every attempt counted once, in one process" \
		eval '[ $rc -eq 66 ] && lerr_has "^noclobber: 20 clobber attempts (20 refused) in 1 process; " &&
		      lerr_has "^noclobber: [0-9]* log lines could not be written ([0-9]*: No space left on device)" &&
		      lerr_has "^noclobber: coverage: 1 process ran with the shim$"'
	if command -v python3 >/dev/null; then
		rout=$("$PWD/scripts/noclobber-report" "$TMP/cut-logs" 2>&1)
		why="$why
report: $rout
log tail: $(tail -c 300 "$TMP"/cut-logs/* | od -c | tail -5)"
		expect "report: the log cut short by a full disk: one process, the cut line noted, no death by signal blamed" \
			eval 'grep -q "^noclobber-report: [0-9]* clobber attempts ([0-9]* refused) in 1 process$" <<<"$rout" &&
			      grep -q "^note: 1 line cut short at the end of a file" <<<"$rout" && ! grep -q "killed by a signal" <<<"$rout"'
	else
		skipped "report: the log cut short by a full disk" "python3 is not installed"
	fi
else
	skipped "launcher: full log file systems" "unshare -rm (a mount namespace) is not permitted here"
fi

# A program name too long for a log file name (255 bytes): the lines go to stderr.
long="$TMP/long/$(printf 'p%.0s' $(seq 250))"
mkdir -p "$TMP/long"
cp "$T/clobber" "$long"
run_l --log-dir "$TMP/long-logs" -- "$long" libc-text
expect "launcher: a program name too long for its log file: 66, the line on stderr, and it says so" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: refused mmap(" && [ -z "$(ls -A "$TMP/long-logs")" ] &&
	      lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process" &&
	      lerr_has "^noclobber: 2 log lines went to standard error instead of $TMP/long-logs/: the shim could not open a log file there"'

# A program whose name starts with a dot logs to .NAME.PID.log.
mkdir -p "$TMP/dotprog"
cp "$T/clobber" "$TMP/dotprog/.hidden"
run_l -- "$TMP/dotprog/.hidden" libc-text
expect "launcher: a program named .hidden: 66, and its line is copied to stderr" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: refused mmap(.* program=.hidden caller=" &&
	      lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process"'

# --- paths and names ------------------------------------------------------------------
mkdir -p "$TMP/a=b"
printf '#!/bin/sh\necho "ran $*"\n' >"$TMP/a=b/x=1"
chmod +x "$TMP/a=b/x=1"
run_l -- "$TMP/a=b/x=1" y=2
expect "launcher: a command path with '=' is run, not taken for an assignment" \
	eval '[ $rc -eq 0 ] && [ "$lout" = "ran y=2" ]'
rm -rf "$TMP/rel2"
mkdir -p "$TMP/rel2/tmp"
here=$PWD
cd "$TMP/rel2" && run_c env TMPDIR=tmp "$L" -- sh -c "cd / && \"$T/clobber\" stack"
cd "$here" || exit 1
why="$why
$(ls -R "$TMP/rel2")"
expect "launcher: a relative TMPDIR: the log is found after the command changed directory, then removed" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: refused mmap(.*\[stack\] (stack)" && [ -z "$(ls -A "$TMP/rel2/tmp")" ]'
# A library path with a space: the loader splits LD_PRELOAD there, so a link is used.
mkdir -p "$TMP/lib dir"
cp "$SHIM" "$TMP/lib dir/libnoclobber.so"
run_c env NOCLOBBER_LIB="$TMP/lib dir/libnoclobber.so" "$L" -- "$T/clobber" libc-text
expect "launcher: a library whose path has a space is preloaded all the same" \
	eval '[ $rc -eq 66 ] && lout_has "result=EEXIST intact=yes" && lerr_has "in 1 process"'

# --- old logs cost nothing: the launcher never reads --log-dir --------------------------
if command -v strace >/dev/null; then
	rm -rf "$TMP/old-logs"
	mkdir -p "$TMP/old-logs"
	for i in $(seq 200); do echo "noclobber: summary: pid=$i clobber_attempts=1" >"$TMP/old-logs/old-$i.log"; done
	strace -f -qq -e trace=%file,getdents64 -o "$TMP/old.strace" "$L" --log-dir "$TMP/old-logs" -- "$T/clobber" free >/dev/null 2>&1
	rc=$?
	why="rc=$rc; $(grep -c 'old-' "$TMP/old.strace") system calls name an old file, e.g. $(grep -m3 'old-\|getdents' "$TMP/old.strace")"
	expect "launcher --log-dir: old log files are never opened, listed or looked at (its cost does not grow with them)" \
		eval '[ $rc -eq 0 ] && ! grep -q "old-[0-9]*\.log" "$TMP/old.strace" && ! grep -q "getdents" "$TMP/old.strace"'
else
	skipped "launcher --log-dir: old log files are never read" "strace is not installed"
fi

# --- the library must load -----------------------------------------------------------------
printf 'not a library\n' >"$TMP/notelf.so"
rm -f "$TMP/ran"
run_c env NOCLOBBER_LIB="$TMP/notelf.so" "$L" -- sh -c "touch '$TMP/ran'"
expect "launcher: NOCLOBBER_LIB not an ELF file: status 2, why, and the command is not run" \
	eval '[ $rc -eq 2 ] && lerr_has "^noclobber: cannot preload .*notelf.so.: it is not an ELF file" && [ ! -e "$TMP/ran" ]'
if command -v cc >/dev/null; then
	echo 'int nc_not_the_shim;' | cc -shared -fPIC -x c - -o "$TMP/libother.so" 2>"$TMP/cc.err"
	run_c env NOCLOBBER_LIB="$TMP/libother.so" "$L" -- "$T/clobber" libc-text
	expect "launcher: a library that loads but never reports (not the shim): status 2, nothing was watched" \
		eval '[ $rc -eq 2 ] && lerr_has "^noclobber: no process of the run loaded .*libother.so, so nothing was watched" &&
		      lerr_has "^noclobber: coverage: 0 processes ran with the shim$"'
else
	skipped "launcher: a library that is not the shim" "no C compiler (cc)"
fi

# --- --quiet is quiet, whatever the command dies of ------------------------------------------
run_l --quiet -- sh -c 'kill -ABRT $$'
expect "launcher --quiet: a command killed by SIGABRT: 134, and not a word on stderr" eval '[ $rc -eq 134 ] && [ -z "$lerr" ]'

# --- the count channel ------------------------------------------------------------------------
if command -v python3 >/dev/null; then
	run_l -- python3 -c "import subprocess; subprocess.run(['$T/clobber', 'libc-text'], close_fds=True)"
	expect "launcher: a child started with every descriptor closed (python's subprocess) still counts" \
		eval '[ $rc -eq 66 ] && lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process"'
else
	skipped "launcher: a child started with every descriptor closed" "python3 is not installed"
fi
# The program puts a file of its own at the channel's number: never written into.
run_l -- bash -c 'fd=$(cut -d: -f2 <<<"$NOCLOBBER_TALLY"); eval "exec $fd>\"\$0\""; "$1" libc-text; "$1" stack' "$TMP/own-file" "$T/clobber"
expect "launcher: a file the program opened at the channel's number is never written into; the attempts still count" \
	eval '[ $rc -eq 66 ] && [ ! -s "$TMP/own-file" ] && [ -e "$TMP/own-file" ] && lerr_has "^noclobber: 2 clobber attempts (2 refused) in 2 processes"'
run_l -- "$T/hardening" vfork-first
expect "launcher: a vfork child's attempt counts as its own process's" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: 4 clobber attempts (4 refused) in 2 processes"'
run_l -- bash -c "\"$T/clobber\" free; \"$T/clobber\" free; exit 0"
expect "launcher: coverage counts processes, not images (a fork child that execs is one)" \
	eval '[ $rc -eq 0 ] && coverage_only 3 processes'
run_l -- sh -c "\"$L\" --quiet -- \"$T/clobber\" libc-text; exit 0"
expect "launcher in a launcher: the inner run's attempt counts in the outer run too" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process"'

# --- signals --------------------------------------------------------------------------------------
if command -v python3 >/dev/null; then
	# sig_run SIG: the command clobbers once, then sleeps; SIG goes to the launcher alone.
	sig_run() {
		rm -f "$TMP/ready"
		rm -rf "$TMP/sigtmp"
		mkdir -p "$TMP/sigtmp"
		lout=$(TMPDIR="$TMP/sigtmp" python3 "$P" signal "SIG$1" "$TMP/ready" "$L" -- \
			sh -c "\"$T/clobber\" libc-text >/dev/null 2>&1; echo \$\$ >'$TMP/ready'; ${2:-exec sleep 8}" 2>"$TMP/l.err")
		lerr=$(cat "$TMP/l.err")
		why="$lout
stderr: $lerr
left: $(ls -A "$TMP/sigtmp")"
	}
	n=0
	for s in INT TERM HUP QUIT; do
		n=$(kill -l "$s")
		sig_run "$s"
		expect "launcher: SIG$s to the launcher alone reaches the command; it still counts, removes its directory, and ends by SIG$s" \
			eval '[ "$lout" = "ended=signal:$n command=gone" ] && [ -z "$(ls -A "$TMP/sigtmp")" ] &&
			      lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process; the command was killed by signal $n (SIG$s)"'
	done
	sig_run TERM 'trap "exit 7" TERM; sleep 8 </dev/null >/dev/null 2>&1 & wait'
	expect "launcher: a command that handles SIGTERM and exits: the launcher exits normally (66 after an attempt)" \
		eval '[ "$lout" = "ended=exit:66 command=gone" ] && lerr_has "exit status 66 (the command.s was 7)"'
	sig_run KILL
	expect "launcher: SIGKILL to the launcher: the command does not outlive it" \
		eval '[ "$lout" = "ended=signal:9 command=gone" ]'
	lout=$(python3 "$P" ctrl-c "$L" 2>&1)
	why="$lout"
	expect "launcher: Ctrl-C in a shell loop of launcher runs stops the loop (the launcher dies by SIGINT)" \
		eval 'grep -q "^ready-1" <<<"$lout" && ! grep -q "next-1\|ready-2\|loop-done" <<<"$lout" && grep -qx "bash=signal:2" <<<"$lout"'
else
	skipped "launcher: signals" "python3 is not installed"
fi
lout=$(trap '' HUP && "$L" -- sh -c 'grep "^SigIgn:" /proc/self/status' 2>/dev/null)
why="$lout"
expect "launcher: a signal ignored by its parent (nohup) stays ignored for the command" \
	eval '[ $(( 0x$(cut -f2 <<<"$lout") & 1 )) -eq 1 ]'

# --- what the channel costs: two system calls at start-up, only under the launcher ---------
if command -v strace >/dev/null; then
	# Every system call of `clobber free`, numbers and addresses masked.
	calls() { sed '/^execve(/d; s/0x[0-9a-f]*/X/g; s/[0-9]\{3,\}/N/g' "$1"; }
	LD_PRELOAD="$SHIM" strace -qq -o "$TMP/st.plain" "$T/clobber" free >/dev/null 2>&1
	"$L" --quiet -- bash -c 'exec strace -qq -o "$0" "$1" free' "$TMP/st.tally" "$T/clobber" >/dev/null 2>&1
	added=$(diff <(calls "$TMP/st.plain") <(calls "$TMP/st.tally") | grep '^[<>]')
	why="difference: $added"
	expect "shim: under the launcher, start-up adds an fstat and one 8-byte write on the channel, nothing else" \
		eval '[ "$(wc -l <<<"$added")" = 2 ] && grep -q "^> fstat(N, " <<<"$added" &&
		      grep -q "^> write(N, \"P\\\\0\\\\0\\\\0.*\", 8) *= 8$" <<<"$added"'
else
	skipped "shim: what the channel costs at start-up" "strace is not installed"
fi
