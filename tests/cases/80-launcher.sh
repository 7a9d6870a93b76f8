# build/noclobber, the launcher: every flag, every exit status. The command's
# own status passes through; any clobber attempt anywhere in the process tree
# (children included, even when the command hides their output and exits 0)
# gives 66; bad flags and a missing library give 2 with a message. What happens
# to the logs, signals and the count channel: 81-launcher-hostile.sh.
. tests/launcher_lib.sh

# --- exit statuses -----------------------------------------------------------------
run_l -- sh -c 'exit 3'
expect "launcher: the command's own status passes through (3)" eval '[ $rc -eq 3 ] && coverage_only 1 process'
run_l -- "$T/clobber" free
expect "launcher: a clean run exits 0 and prints nothing of its own but the coverage line" \
	eval '[ $rc -eq 0 ] && lout_has "result=ok" && coverage_only 1 process'
run_l -- sh -c 'kill -TERM $$'
expect "launcher: a command killed by a signal gives 128+N (143)" eval '[ $rc -eq 143 ]'
run_l -- "$T/clobber" libc-text
expect "launcher: an attempt gives 66 though the command exits 0; the log and a count on stderr" \
	eval '[ $rc -eq 66 ] && lout_has "result=EEXIST intact=yes" &&
	      lerr_has "^noclobber: refused mmap(.*libc[.-][^ ]* (image)" &&
	      lerr_has "^noclobber: summary: pid=[0-9]* clobber_attempts=1" &&
	      lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process; exit status 66 (the command.s was 0)$" &&
	      [ "$(tail -1 <<<"$lerr")" = "noclobber: coverage: 1 process ran with the shim" ]'
run_l -- sh -c "\"$T/clobber\" libc-text; exit 5"
expect "launcher: an attempt wins over the command's own failure, whose status is named" \
	eval '[ $rc -eq 66 ] && lerr_has "exit status 66 (the command.s was 5)"'
run_l -- "$TMP/no-such-program"
expect "launcher: a command that does not exist gives 127" eval '[ $rc -eq 127 ] && [ -n "$lerr" ]'
printf 'not a program\n' >"$TMP/not-exec"
chmod 644 "$TMP/not-exec"
run_l -- "$TMP/not-exec"
expect "launcher: a command that cannot be run gives 126" eval '[ $rc -eq 126 ]'
# Never a shell builtin: run as a program.
run_l -- exit 3
expect "launcher: the command is a program, never a shell builtin (127)" \
	eval '[ $rc -eq 127 ] && lerr_has "^noclobber: cannot run .exit.: No such file or directory$"'
run_l -- sh -c 'echo "[$LD_PRELOAD]"'
expect "launcher: the command gets the shim in LD_PRELOAD" eval '[ $rc -eq 0 ] && lout_has "\[$SHIM\]"'
lout=$(echo "through stdin" | "$L" -- cat 2>/dev/null)
why="$lout"
expect "launcher: standard input reaches the command" test "$lout" = "through stdin"

# A process tree: the child that clobbers is hidden (its output thrown away) and
# the command itself exits 0.
cat >"$TMP/tree.sh" <<EOF
#!/bin/sh
( "$T/clobber" libc-text >/dev/null 2>&1 ) &
wait
"$T/clobber" free >/dev/null 2>&1
exit 0
EOF
chmod +x "$TMP/tree.sh"
run_l -- "$TMP/tree.sh"
expect "launcher: a hidden child's attempt in a command tree gives 66" \
	eval '[ $rc -eq 66 ] && lerr_has "1 clobber attempt (1 refused) in 1 process"'
run_l --quiet -- "$TMP/tree.sh"
expect "launcher --quiet: a hidden child's attempt still gives 66, and nothing is printed" \
	eval '[ $rc -eq 66 ] && [ -z "$lerr" ] && [ -z "$lout" ]'

# --- --log-dir -------------------------------------------------------------------
cat >"$TMP/tree2.sh" <<EOF
#!/bin/sh
"$T/clobber" libc-text
"$T/clobber" stack &
wait
"$T/clobber" free
cd /
exit 0
EOF
chmod +x "$TMP/tree2.sh"
ld="$TMP/logs/a/b"
run_l --log-dir "$ld" -- "$TMP/tree2.sh"
files_ok() { # one file per attempting process, PROGRAM.PID.log, its lines carrying that pid
	local f n=0 pid
	for f in "$ld"/*; do
		[[ $(basename "$f") =~ ^clobber\.([0-9]+)\.log$ ]] || return 1
		pid=${BASH_REMATCH[1]}
		grep -q "^noclobber: refused mmap(.* pid=$pid tid=$pid " "$f" || return 1
		# Its attempt and its summary, nothing of another process.
		[ "$(wc -l <"$f")" = 2 ] && [ "$(grep -c " pid=$pid " "$f")" = 2 ] || return 1
		n=$((n + 1))
	done
	[ "$n" = 2 ]
}
why="$why
files: $(ls -la "$ld" 2>&1)"
expect "launcher --log-dir: created, one file per process (PROGRAM.PID.log), 66" \
	eval '[ $rc -eq 66 ] && files_ok'
expect "launcher --log-dir: the log is not copied to stderr; the message names the directory" \
	eval '! lerr_has "^noclobber: refused" && lerr_hasx "noclobber: 2 clobber attempts (2 refused) in 2 processes; exit status 66 (the command'"'"'s was 0); log: $ld/ (summarize it with: noclobber-report $ld)"'
# The report command it suggests, pasted into a shell, works on any directory name.
qd="$TMP/it's a log dir"
run_l --log-dir "$qd" -- "$T/clobber" libc-text
cmd=$(sed -n 's/.*(summarize it with: \(.*\))$/\1/p' <<<"$lerr")
out=$(PATH="$PWD/scripts:$PATH" bash -c "$cmd" 2>&1)
why="$why
command: $cmd
gives: $out"
expect "launcher --log-dir: the report command it suggests is shell-quoted, and works when pasted" \
	eval '[ $rc -eq 66 ] && [ -n "$cmd" ] && grep -q "^noclobber-report: 1 clobber attempt (1 refused) in 1 process$" <<<"$out"'
# The same directory again, for a clean run: the earlier run's lines do not count.
run_l --log-dir "$ld" -- "$T/clobber" free
expect "launcher --log-dir: logs of an earlier run in the directory do not count" \
	eval '[ $rc -eq 0 ] && coverage_only 1 process && [ "$(ls "$ld" | wc -l)" = 2 ]'
# Relative, and the command changes directory before it clobbers.
rm -rf "$TMP/rel"
mkdir -p "$TMP/rel"
lout=$(cd "$TMP/rel" && "$L" --log-dir=logs -- sh -c "cd / && \"$T/clobber\" stack" 2>/dev/null)
rc=$?
why="rc=$rc $(ls -R "$TMP/rel")"
expect "launcher --log-dir=DIR: a relative directory is where the launcher ran, not where the command went" \
	eval '[ $rc -eq 66 ] && ls "$TMP/rel/logs" | grep -q "^clobber\.[0-9]*\.log$"'
# A directory named in a way NOCLOBBER_OPTIONS cannot carry, or that cannot be made.
run_l --log-dir "$TMP/a:b" -- true
expect "launcher --log-dir with ':' in the name: status 2 and why" \
	eval '[ $rc -eq 2 ] && lerr_has "contains .:." && [ ! -e "$TMP/a:b" ]'
: >"$TMP/plainfile"
run_l --log-dir "$TMP/plainfile/sub" -- true
expect "launcher --log-dir that cannot be created: status 2 and why" \
	eval '[ $rc -eq 2 ] && lerr_has "cannot create log directory"'

# --- --json ------------------------------------------------------------------------
rm -rf "$TMP/jl"
run_l --json --log-dir "$TMP/jl" -- "$T/clobber" libc-text
json_lines_ok() {
	command -v python3 >/dev/null || return 2
	cat "$TMP"/jl/*.log | python3 -c '
import json, sys
evs = [json.loads(l)["event"] for l in sys.stdin]
sys.exit(0 if evs == ["refused", "summary"] else 1)'
}
if command -v python3 >/dev/null; then
	why="$why $(cat "$TMP"/jl/*.log)"
	expect "launcher --json: the log is JSON lines (refused, summary), 66" eval '[ $rc -eq 66 ] && json_lines_ok'
else
	skipped "launcher --json" "python3 is not installed"
fi
run_l --json -- "$T/clobber" stack
expect "launcher --json without --log-dir: JSON lines copied to stderr" \
	eval '[ $rc -eq 66 ] && lerr_has "^{\"time\":\"[^\"]*\",\"pid\":[0-9]*,.*\"event\":\"refused\"" && lerr_has "\"event\":\"summary\""'

# --- --strict, --allow, --mode ---------------------------------------------------------
run_l -- "$T/clobber" own-anon
expect "launcher: own memory may be replaced by default (0)" eval '[ $rc -eq 0 ] && lout_has "result=ok"'
run_l --strict -- "$T/clobber" own-anon
expect "launcher --strict: replacing own memory is refused (EEXIST, 66)" \
	eval '[ $rc -eq 66 ] && lout_has "result=EEXIST intact=yes" && lerr_has "^noclobber: refused mmap(.*(anon)"'
run_l --allow none -- "$T/clobber" own-none
expect "launcher --allow none: a reservation is protected too (66)" eval '[ $rc -eq 66 ] && lout_has "result=EEXIST"'
run_l --allow=own -- "$T/clobber" foreign-none
expect "launcher --allow=own: a foreign reservation is refused (66)" eval '[ $rc -eq 66 ] && lout_has "result=EEXIST"'
run_l --allow own,reserved -- "$T/clobber" foreign-none
expect "launcher --allow own,reserved: a foreign reservation may be replaced (0)" eval '[ $rc -eq 0 ] && lout_has "result=ok"'
run_l --mode warn -- "$T/clobber" foreign-anon
expect "launcher --mode warn: the call happens, and still counts as an attempt (66)" \
	eval '[ $rc -eq 66 ] && lout_has "result=ok" && lerr_has "^noclobber: allowed mmap(.* reason=mode=warn$" &&
	      lerr_has "1 clobber attempt (1 allowed by --mode warn) in 1 process"'
run_l --mode=abort -- "$T/clobber" stack
expect "launcher --mode=abort: the command is aborted, its logged attempt gives 66 (no summary line needed)" \
	eval '[ $rc -eq 66 ] && lerr_has "^noclobber: aborting on mmap(" && ! lerr_has "summary:" && lerr_has "(1 aborting)" && lerr_has "the command.s was 134"'
run_l --mode off -- "$T/clobber" libc-data
expect "launcher --mode off: no checks, nothing logged, the command's status (0)" \
	eval '[ $rc -eq 0 ] && lout_has "result=ok" && coverage_only 1 process'
run_l --mode enforce -- "$T/clobber" heap
expect "launcher --mode enforce: refused (66)" eval '[ $rc -eq 66 ] && lout_has "result=EEXIST"'

# --- the user's NOCLOBBER_OPTIONS and LD_PRELOAD are kept -------------------------------
lout=$(NOCLOBBER_OPTIONS=verbosity=1 "$L" -- "$T/clobber" own-anon 2>"$TMP/l.err")
rc=$?
lerr=$(cat "$TMP/l.err")
why="rc=$rc $lout $lerr"
expect "launcher: NOCLOBBER_OPTIONS kept; a replacement the policy allows (verbosity=1) is logged but is no attempt (0)" \
	eval '[ $rc -eq 0 ] && lout_has "result=ok" && lerr_has "^noclobber: allowed mmap(.* reason=own$" && ! lerr_has "clobber attempt"'
lout=$(NOCLOBBER_OPTIONS=allow=none "$L" -- "$T/clobber" own-anon 2>/dev/null)
rc=$?
why="rc=$rc $lout"
expect "launcher: NOCLOBBER_OPTIONS allow=none is kept (66)" eval '[ $rc -eq 66 ] && lout_has "result=EEXIST"'
lout=$(NOCLOBBER_OPTIONS=mode=warn "$L" --mode enforce -- "$T/clobber" foreign-anon 2>/dev/null)
rc=$?
why="rc=$rc $lout"
expect "launcher: a flag wins over the same option in NOCLOBBER_OPTIONS" eval '[ $rc -eq 66 ] && lout_has "result=EEXIST"'
lout=$(NOCLOBBER_OPTIONS=log_path=$TMP/user.log "$L" -- "$T/clobber" libc-text 2>&1)
rc=$?
why="rc=$rc $lout"
expect "launcher: a log_path in NOCLOBBER_OPTIONS does not hide the attempt (66)" \
	eval '[ $rc -eq 66 ] && [ ! -e "$TMP/user.log" ]'

if command -v cc >/dev/null; then
	echo 'int nc_second_preload_marker;' | cc -shared -fPIC -x c - -o "$TMP/libsecond.so" 2>"$TMP/cc.err"
	lout=$(LD_PRELOAD="$TMP/libsecond.so" "$L" -- sh -c 'echo "[$LD_PRELOAD]"; cat /proc/self/maps' 2>&1)
	rc=$?
	why="rc=$rc $(cat "$TMP/cc.err") $lout"
	expect "launcher: an existing LD_PRELOAD is kept; both libraries are loaded" \
		eval '[ $rc -eq 0 ] && lout_has "^\[$TMP/libsecond.so:$SHIM\]$" &&
		      lout_has " $TMP/libsecond.so$" && lout_has " $SHIM$"'
	lout=$(LD_PRELOAD="$SHIM" "$L" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
	why="$lout"
	expect "launcher: the shim already in LD_PRELOAD is not added twice" test "$lout" = "[$SHIM]"
else
	skipped "launcher: an existing LD_PRELOAD is kept" "no C compiler (cc) for a second library"
fi

# --- --quiet -----------------------------------------------------------------------
run_l --quiet -- "$T/clobber" libc-text
expect "launcher --quiet: an attempt gives 66, and the launcher prints nothing of its own" \
	eval '[ $rc -eq 66 ] && lout_has "result=EEXIST" && [ -z "$lerr" ]'
rm -rf "$TMP/ql"
run_l --quiet --log-dir "$TMP/ql" -- "$T/clobber" libc-text
expect "launcher --quiet --log-dir: silent, but the shim's lines are in the log" \
	eval '[ $rc -eq 66 ] && [ -z "$lerr" ] && grep -q "^noclobber: refused mmap(" "$TMP"/ql/clobber.*.log'
run_l --quiet -- sh -c 'echo own-output >&2; exit 4'
expect "launcher --quiet: the command's own stderr and status are untouched" \
	eval '[ $rc -eq 4 ] && [ "$lerr" = own-output ]'

# --- bad usage: status 2 and a clear message ----------------------------------------------
bad_flag() { # WHAT MESSAGE-REGEX ARGS...
	local what=$1 pat=$2
	shift 2
	run_l "$@"
	expect "launcher: $what: status 2 and a message" \
		eval '[ $rc -eq 2 ] && lerr_has "^noclobber: $pat" && [ -z "$lout" ]'
}
bad_flag "an unknown flag" "unknown option '--bogus'" --bogus -- true
bad_flag "an unknown short flag" "unknown option '-x'" -x true
bad_flag "--mode without its value" "option --mode needs a value" --mode
bad_flag "a bad --mode value" "bad value 'fast' for --mode; valid values: enforce, warn, abort, off" --mode fast -- true
bad_flag "an empty --mode= value" "bad value '' for --mode" --mode= -- true
bad_flag "a bad --allow value" "bad value 'own,bogus' for --allow" --allow own,bogus -- true
bad_flag "--allow none,own" "bad value 'none,own' for --allow" --allow none,own -- true
bad_flag "--allow without its value" "option --allow needs a value" --allow
bad_flag "--log-dir without its value" "option --log-dir needs a value" --log-dir
bad_flag "a value given to --json" "option --json takes no value" --json=yes -- true
bad_flag "no command" "no command given" --mode warn --
bad_flag "nothing at all" "no command given"

# The library cannot be found: a copy of the launcher alone in a directory.
mkdir -p "$TMP/lonely"
cp "$L" "$TMP/lonely/noclobber"
lout=$("$TMP/lonely/noclobber" -- true 2>"$TMP/l.err")
rc=$?
lerr=$(cat "$TMP/l.err")
why="rc=$rc $lerr"
expect "launcher: no library next to it: status 2 and a message saying where it looked" \
	eval '[ $rc -eq 2 ] && lerr_has "^noclobber: cannot find libnoclobber.so (looked in .*lonely"'
lout=$(NOCLOBBER_LIB="$SHIM" "$TMP/lonely/noclobber" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
rc=$?
why="rc=$rc $lout"
expect "launcher: NOCLOBBER_LIB names the library" eval '[ $rc -eq 0 ] && [ "$lout" = "[$SHIM]" ]'
lout=$(NOCLOBBER_LIB="$TMP/nope.so" "$L" -- true 2>&1)
rc=$?
why="rc=$rc $lout"
expect "launcher: a NOCLOBBER_LIB that is not a file: status 2 and a message" \
	eval '[ $rc -eq 2 ] && grep -q "NOCLOBBER_LIB=.*is not a file" <<<"$lout"'
# Through a symbolic link to the launcher (as /usr/bin/noclobber -> ...).
ln -sf "$L" "$TMP/lonely/nc-link"
lout=$("$TMP/lonely/nc-link" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
rc=$?
why="rc=$rc $lout"
expect "launcher: started through a symbolic link, it finds the library next to the real program" \
	eval '[ $rc -eq 0 ] && [ "$lout" = "[$SHIM]" ]'

# --- --help ------------------------------------------------------------------------
run_l --help
help_ok() {
	local f
	for f in --mode --allow --strict --log-dir --json --quiet --help; do
		grep -q -- "^  $f" <<<"$lout" || grep -q -- "^  -h, $f" <<<"$lout" || {
			why="--help does not explain $f"
			return 1
		}
	done
	for f in enforce warn abort off own reserved none 66 2 126/127 NOCLOBBER_OPTIONS LD_PRELOAD; do
		grep -q -- "$f" <<<"$lout" || {
			why="--help does not mention $f"
			return 1
		}
	done
}
expect "launcher --help: status 0, every flag and every exit status explained" \
	eval '[ $rc -eq 0 ] && [ -z "$lerr" ] && help_ok'
run_l -h
expect "launcher -h: the same help" eval '[ $rc -eq 0 ] && lout_has "^Usage: noclobber"'

if command -v shellcheck >/dev/null; then
	for l8_s in scripts/*.sh; do
		why=$(shellcheck "$l8_s" 2>&1)
		expect "$l8_s: shellcheck is clean" test -z "$why"
	done
else
	skipped "scripts/*.sh: shellcheck" "shellcheck is not installed"
fi
