# Hostile surroundings: no /proc (or a /proc/self/maps that lies or cannot be
# opened), a privileged (AT_SECURE) program, log sinks that fail or are not
# what they seem (a symlink, a full device, a closed stderr, a pipe whose reader
# went away, a descriptor the program closed and reused), bad arguments to the
# doors other than mmap, and a flood of refusals.
#
# Reproduce one:  the command is in each FAIL's details; programs are in
# tests/hardening.c, secure_probe.c, fd_reuse.c, errno_doors.c.

h9_missing=
for h9_p in hardening secure_probe fd_reuse errno_doors clobber; do
	[ -x "$T/$h9_p" ] || h9_missing="$h9_missing $h9_p"
done
if [ -n "$h9_missing" ]; then
	bad "hardening: test programs built" "missing:$h9_missing (run make tests)"
	return 0
fi

# Lines of $out (the run's stdout and stderr) that match, counted.
h9_count() { grep -c -- "$1" <<<"$out"; }

# ---------------------------------------------------------------------------
# 1. /proc/self/maps unreadable
# ---------------------------------------------------------------------------
# h9_in_ns SETUP OPTIONS ARGS...: run build/tests/hardening ARGS with the shim in a
# private mount namespace after SETUP (a shell command run there, as the same
# process that then execs the program, so /proc/$$ is the program's). Output in
# $out, status in $rc; a hang ends after 20 s with status 124.
h9_in_ns() {
	local setup=$1 opts=$2
	shift 2
	out=$(timeout 20 unshare -m --propagation private sh -c "$setup"' && o=$0 l=$1 p=$2 && shift 2 &&
		exec env NOCLOBBER_OPTIONS="$o" LD_PRELOAD="$l" $p "$@"' \
		"$opts" "$SHIM" "$PREFIX" "$T/hardening" "$@" 2>&1)
	rc=$?
}

h9_ns_ok=
if ! command -v unshare >/dev/null || ! command -v timeout >/dev/null; then
	skipped "no /proc: every check" "unshare or timeout is not installed (util-linux, coreutils)"
elif ! h9_e=$(unshare -m --propagation private sh -c 'mount -t tmpfs none /proc && test ! -e /proc/self/maps' 2>&1); then
	skipped "no /proc: every check" "cannot make a private mount namespace with its own /proc here (needs root or CAP_SYS_ADMIN): $h9_e"
else
	h9_ns_ok=1
fi

if [ -n "$h9_ns_ok" ]; then
	h9_noproc='mount -t tmpfs none /proc'
	for h9_opts in "" "check=table"; do
		h9_l=${h9_opts:-default}
		h9_in_ns "$h9_noproc" "$h9_opts" libc-text
		why="status $rc: $out"
		expect "no /proc [$h9_l]: libc's text refused (EEXIST), intact, no crash or hang" \
			eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$"'
		expect "no /proc [$h9_l]: exactly one 'cannot be read' notice" \
			test "$(h9_count '^noclobber: /proc/self/maps cannot be read: ')" = 1
		expect "no /proc [$h9_l]: one refused line, victims=unknown, summary" \
			eval '[ "$(h9_count "^noclobber: refused mmap(")" = 1 ] && has "^noclobber: refused mmap(.* victims=unknown" &&
			      has "^noclobber: summary: pid=[0-9]* clobber_attempts=1$"'
		for h9_t in own-anon free; do
			h9_in_ns "$h9_noproc" "$h9_opts" "$h9_t"
			why="status $rc: $out"
			expect "no /proc [$h9_l]: $h9_t still allowed (the own set needs no /proc), nothing logged" \
				eval '[ $rc = 0 ] && has "^result=ok intact=n/a$" && ! has noclobber:'
		done
	done
	h9_in_ns "$h9_noproc" "log_format=json" libc-text
	why="status $rc: $out"
	expect "no /proc [json]: refused, one notice object, victims unknown in the refused object" \
		eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" &&
		      [ "$(h9_count "^{\"event\":\"notice\",\"notice\":\"/proc/self/maps cannot be read")" = 1 ] &&
		      [ "$(h9_count "\"event\":\"refused\"")" = 1 ]'

	# /proc there, but the program's own maps file is /dev/null: it opens, and
	# reads as no mappings at all. The kernel still says the range is taken;
	# the shim must not take "nothing listed" for "nothing there".
	for h9_opts in "" "check=table"; do
		h9_l=${h9_opts:-default}
		h9_in_ns 'mount --bind /dev/null /proc/$$/maps' "$h9_opts" libc-text
		why="status $rc (3: libc's text was replaced): $out"
		expect "maps reads empty [$h9_l]: libc's text refused (EEXIST), intact, one refused line" \
			eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" && [ "$(h9_count "^noclobber: refused mmap(")" = 1 ]'
	done
fi

# No descriptor left (EMFILE) when the first check needs the maps: the
# descriptor the shim opened at start still answers, victims are named.
for h9_opts in "" "check=table"; do
	h9_l=${h9_opts:-default}
	run_shim "$h9_opts" "$T/hardening" emfile
	why="status $rc (3: libc's text was replaced): $out"
	expect "maps cannot be opened (EMFILE) [$h9_l]: libc's text refused (EEXIST), intact" \
		eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$"'
	expect "maps cannot be opened (EMFILE) [$h9_l]: no notice, one refused line naming libc (the descriptor kept from the start)" \
		eval '[ "$(h9_count "^noclobber: /proc/self/maps cannot be read: ")" = 0 ] &&
		      [ "$(h9_count "^noclobber: refused mmap(.* victims=1: .*libc[.-][^ ]* $NC_IMAGE")" = 1 ]'
done

# ---------------------------------------------------------------------------
# 2. A privileged program (AT_SECURE): log_path is ignored
# ---------------------------------------------------------------------------
# The loader preloads in secure mode only a library named without a slash,
# found in a trusted directory, with the set-user-ID bit: so a copy of the shim
# goes there for the duration of these checks, and the probe runs set-user-ID
# (or set-group-ID) root, started by nobody.
h9_multi=$( (gcc -print-multiarch || cc -print-multiarch) 2>/dev/null)
h9_libdir=
for h9_d in ${h9_multi:+/usr/lib/$h9_multi /lib/$h9_multi} /usr/lib64 /lib64 /usr/lib /lib; do
	[ -d "$h9_d" ] && { h9_libdir=$h9_d; break; }
done
h9_nobody=$(id -u nobody 2>/dev/null)
h9_nogroup=$(getent group nogroup 2>/dev/null | cut -d: -f3)
h9_nogroup=${h9_nogroup:-$(id -g nobody 2>/dev/null)}
if [ "$(id -u)" != 0 ]; then
	skipped "privileged: every check" "needs root (to install a set-user-ID library in $h9_libdir and a set-user-ID program)"
elif ! command -v setpriv >/dev/null; then
	skipped "privileged: every check" "setpriv is not installed (util-linux)"
elif [ -z "$h9_libdir" ] || [ -z "$h9_nobody" ]; then
	skipped "privileged: every check" "no trusted library directory or no user nobody"
else
	h9_libname=libnoclobber-test-$$.so
	h9_lib=$h9_libdir/$h9_libname
	h9_sdir=$(mktemp -d /tmp/noclobber-secure.XXXXXX)
	# Remove the installed copy whatever happens; run.sh's own EXIT trap still runs.
	h9_trap_get() { h9_prev_trap=$3; }
	eval "h9_trap_get $(trap -p EXIT)"
	h9_saved_trap=$(trap -p EXIT)
	trap "rm -f '$h9_lib'; rm -rf '$h9_sdir'; ${h9_prev_trap:-:}" EXIT
	chmod 755 "$h9_sdir"
	install -m 4755 "$SHIM" "$h9_lib"
	install -m 4755 -o root "$T/secure_probe" "$h9_sdir/suid_probe"
	install -m 2755 -g root "$T/secure_probe" "$h9_sdir/sgid_probe"
	install -m 755 "$T/secure_probe" "$h9_sdir/plain_probe"
	mkdir -m 777 "$h9_sdir/logs"
	h9_mount=$(findmnt -no OPTIONS -T "$h9_sdir" 2>/dev/null)

	# h9_secure PROGRAM LOG_PATH: run as nobody, stdout+stderr in $out.
	h9_secure() {
		out=$(cd / && timeout 20 setpriv --reuid="$h9_nobody" --regid="${h9_nogroup:-$h9_nobody}" --clear-groups \
			env NOCLOBBER_OPTIONS="log_path=$2" LD_PRELOAD="$h9_libname" "$1" 2>&1)
		rc=$?
	}
	for h9_kind in suid sgid; do
		h9_log=$h9_sdir/logs/$h9_kind.log
		h9_secure "$h9_sdir/${h9_kind}_probe" "$h9_log"
		why="status $rc (mount options of $h9_sdir: $h9_mount): $out"
		if [ $h9_kind = suid ]; then h9_ids="ruid=$h9_nobody euid=0"; else h9_ids="ruid=$h9_nobody euid=$h9_nobody"; fi
		expect "privileged [$h9_kind]: AT_SECURE is set and the shim is preloaded (at_secure=1 $h9_ids shim=yes)" \
			eval '[ $rc = 0 ] && has "^at_secure=1 $h9_ids shim=yes$"'
		expect "privileged [$h9_kind]: libc's text refused (EEXIST), intact, refused line on stderr" \
			eval 'has "^result=EEXIST intact=yes$" && [ "$(h9_count "^noclobber: refused mmap(")" = 1 ]'
		expect "privileged [$h9_kind]: exactly one line says log_path is ignored" \
			test "$(h9_count '^noclobber: log_path ignored in a privileged .*; logging to stderr$')" = 1
		why="$(ls -la "$h9_sdir/logs")"
		expect "privileged [$h9_kind]: no log file created" test ! -e "$h9_log"
		h9_secure "$h9_sdir/${h9_kind}_probe" "$h9_sdir/logs/"
		why="status $rc: $out
$(ls -la "$h9_sdir/logs")"
		expect "privileged [$h9_kind]: log_path=DIR/ ignored too, nothing created in DIR" \
			eval '[ $rc = 0 ] && [ -z "$(ls -A "$h9_sdir/logs")" ] && [ "$(h9_count "^noclobber: log_path ignored")" = 1 ]'
		# suppressions=FILE: never read (a malformed line would be echoed), never weakens the checks.
		printf 'secret-first-line\n' >"$h9_sdir/root-only"
		chmod 600 "$h9_sdir/root-only"
		h9_secure "$h9_sdir/${h9_kind}_probe" "stderr:suppressions=$h9_sdir/root-only"
		why="status $rc: $out"
		expect "privileged [$h9_kind]: suppressions=FILE ignored (one line says so), not read, libc's text still refused" \
			eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" && ! has secret &&
			      [ "$(h9_count "^noclobber: suppressions ignored in a privileged")" = 1 ]'
	done
	# The same library by the same bare name, the same user, a program without
	# the set-user-ID bit: not secure, and log_path is honoured (so the checks
	# above would see a shim that ignored log_path always).
	h9_log=$h9_sdir/logs/plain.log
	h9_secure "$h9_sdir/plain_probe" "$h9_log"
	why="status $rc: $out
$(ls -la "$h9_sdir/logs"; cat "$h9_log" 2>&1)"
	expect "unprivileged control: at_secure=0, refused, the line in the log file and not on stderr" \
		eval '[ $rc = 0 ] && has "^at_secure=0 ruid=$h9_nobody euid=$h9_nobody shim=yes$" && has "^result=EEXIST intact=yes$" &&
		      ! has noclobber: && [ "$(grep -c "^noclobber: refused mmap(" "$h9_log" 2>/dev/null)" = 1 ]'
	rm -f "$h9_lib"
	rm -rf "$h9_sdir"
	eval "${h9_saved_trap:-trap - EXIT}"
	why="$(ls -l "$h9_lib" 2>&1)"
	expect "privileged: the installed copy of the shim is removed" test ! -e "$h9_lib"
fi

# ---------------------------------------------------------------------------
# 3. The log sink
# ---------------------------------------------------------------------------
h9_dir=$TMP/h9log
mkdir -p "$h9_dir"

# A symlink as log_path: refused, said so, lines to stderr, target untouched.
printf 'keep\n' >"$h9_dir/target"
ln -sf "$h9_dir/target" "$h9_dir/link"
run_shim "log_path=$h9_dir/link" "$T/clobber" libc-text
why="status $rc: $out
target: $(cat "$h9_dir/target")"
expect "log symlink: refused with one line naming it, the refused line goes to stderr" \
	eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" &&
	      [ "$(h9_count "^noclobber: log_path is a symbolic link, refused: .*$h9_dir/link.*logging to stderr$")" = 1 ] &&
	      [ "$(h9_count "^noclobber: refused mmap(")" = 1 ]'
expect "log symlink: the target is untouched" test "$(cat "$h9_dir/target")" = keep
ln -sf "$h9_dir/nothere" "$h9_dir/dangling"
run_shim "log_path=$h9_dir/dangling" "$T/clobber" libc-text
why="status $rc: $out"
expect "log symlink, dangling: refused, nothing created where it points" \
	eval '[ $rc = 0 ] && has "^noclobber: log_path is a symbolic link" && [ ! -e "$h9_dir/nothere" ]'

# A created log file is 0600, whatever the umask.
for h9_u in 000 022 077; do
	rm -f "$h9_dir/m.$h9_u.log"
	out=$(umask $h9_u && NOCLOBBER_OPTIONS="log_path=$h9_dir/m.$h9_u.log" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" libc-text 2>&1)
	why="$out; mode $(stat -c %a "$h9_dir/m.$h9_u.log" 2>&1)"
	expect "log file created with mode 0600 (umask $h9_u)" test "$(stat -c %a "$h9_dir/m.$h9_u.log" 2>/dev/null)" = 600
done
rm -rf "$h9_dir/pdir" && mkdir "$h9_dir/pdir"
out=$(umask 000 && NOCLOBBER_OPTIONS="log_path=$h9_dir/pdir/" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" libc-text 2>&1)
why="$out; $(ls -l "$h9_dir/pdir")"
expect "log file per process (log_path=DIR/) created with mode 0600" \
	test "$(stat -c %a "$h9_dir"/pdir/clobber.*.log 2>/dev/null)" = 600

# A full device: the program runs on; the summary, with the count of lost
# lines, reaches stderr.
out=$(NOCLOBBER_OPTIONS=log_path=/dev/full LD_PRELOAD="$SHIM" $PREFIX "$T/hardening" flood 5 2>"$h9_dir/full.err")
rc=$?
why="status $rc: $out
stderr: $(cat "$h9_dir/full.err")"
expect "log_path=/dev/full: the program runs normally (5 attempts, 5 EEXIST, status 0)" \
	eval '[ $rc = 0 ] && grep -q "^attempts=5 eexist=5 other=0 intact=yes " <<<"$out"'
expect "log_path=/dev/full: stderr has the summary with log_lines_lost=5, once, and nothing else" \
	eval '[ "$(grep -c "^noclobber: summary: pid=[0-9]* clobber_attempts=5 log_lines_lost=5$" "$h9_dir/full.err")" = 1 ] &&
	      [ "$(wc -l <"$h9_dir/full.err")" = 1 ]'

# stderr closed, default log_path: the program runs and exits normally.
out=$($PREFIX env LD_PRELOAD="$SHIM" "$T/clobber" libc-text 2>&-)
rc=$?
why="status $rc: $out"
expect "stderr closed: clobber runs to the end, status 0" test $rc = 0 -a "$out" = "result=EEXIST intact=yes"
out=$($PREFIX env LD_PRELOAD="$SHIM" "$T/hardening" flood 3 2>&-)
rc=$?
why="status $rc: $out"
expect "stderr closed: three refusals, status 0" eval '[ $rc = 0 ] && grep -q "^attempts=3 eexist=3 other=0 intact=yes " <<<"$out"'

# stderr closed, and the program's first file gets descriptor 2: the shim's
# lines must not land in the program's file.
rm -f "$h9_dir/fd2.data"
out=$($PREFIX env LD_PRELOAD="$SHIM" "$T/fd_reuse" stderr "$h9_dir/fd2.data" 2>&-)
rc=$?
why="status $rc: $out
file: $(cut -c1-200 "$h9_dir/fd2.data" 2>&1)"
expect "stderr closed, descriptor 2 reused by the program's file: no noclobber line in that file" \
	eval '[ $rc = 0 ] && grep -q "^newfd=2$" <<<"$out" && [ "$(cat "$h9_dir/fd2.data")" = "program data" ]'

# stderr a pipe whose reader has gone: no death by SIGPIPE, the program's own
# later output arrives, and its own SIGPIPE settings are as it left them.
# h9_pipe HOW: hardening sleeps 300 ms (the reader, true, is gone by then),
# clobbers (the shim writes to the broken pipe), reports; stdout to a file.
h9_pipe() {
	rm -f "$h9_dir/pipe.out"
	timeout 20 env LD_PRELOAD="$SHIM" $PREFIX "$T/hardening" sigpipe "$1" 300 2>&1 >"$h9_dir/pipe.out" | true
	rc=${PIPESTATUS[0]}
	out=$(cat "$h9_dir/pipe.out")
}
h9_pipe default
why="status $rc (141: killed by SIGPIPE): $out"
expect "stderr a broken pipe: not killed by SIGPIPE, status 0, own output after the write arrives" \
	eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" && has "^after$"'
h9_pipe block
why="status $rc: $out"
expect "stderr a broken pipe, SIGPIPE blocked by the program: still blocked, status 0" \
	eval '[ $rc = 0 ] && has "^sigpipe blocked=yes " && has "^after$"'
expect "stderr a broken pipe, SIGPIPE blocked by the program: no SIGPIPE left pending by the shim's write" \
	has "^sigpipe blocked=yes pending=no "
h9_pipe ignore
why="status $rc: $out"
expect "stderr a broken pipe, SIGPIPE ignored by the program: still ignored, nothing pending, status 0" \
	eval '[ $rc = 0 ] && has "^sigpipe blocked=no pending=no ignored=yes handled=0$" && has "^after$"'
h9_pipe handler
why="status $rc: $out"
expect "stderr a broken pipe, a SIGPIPE handler: not called for the shim's write, status 0" \
	eval '[ $rc = 0 ] && has "^sigpipe blocked=no pending=no ignored=no handled=0$" && has "^after$"'
# The same through a fifo whose reader opened it and went away.
if command -v mkfifo >/dev/null; then
	rm -f "$h9_dir/fifo" "$h9_dir/pipe.out"
	mkfifo "$h9_dir/fifo"
	(exec head -c0 <"$h9_dir/fifo") &
	timeout 20 env LD_PRELOAD="$SHIM" $PREFIX "$T/hardening" sigpipe default 300 2>"$h9_dir/fifo" >"$h9_dir/pipe.out"
	rc=$?
	wait
	out=$(cat "$h9_dir/pipe.out")
	why="status $rc (141: killed by SIGPIPE): $out"
	expect "stderr a fifo whose reader went away: not killed by SIGPIPE, status 0, own output arrives" \
		eval '[ $rc = 0 ] && has "^result=EEXIST intact=yes$" && has "^after$"'
else
	skipped "stderr a fifo whose reader went away" "mkfifo is not installed"
fi

# A slow reader and a timer every 100 us (no SA_RESTART): the shim's writes of
# 3.5 KiB lines are interrupted (EINTR) on a pipe, and cut short (a partial
# write, then the rest) on a stream socket. Every line arrives whole and once.
for h9_kind in pipe socket; do
	for h9_fmt in text json; do
		out=$(NOCLOBBER_OPTIONS="log_format=$h9_fmt" timeout 60 env LD_PRELOAD="$SHIM" $PREFIX "$T/hardening" interrupt 200 $h9_kind \
			2>"$h9_dir/int.log")
		rc=$?
		why="status $rc: $out"
		expect "stderr a slow $h9_kind, interrupted writes [$h9_fmt]: 200 attempts refused, the timer ran" \
			eval '[ $rc = 0 ] && grep -Eq "^attempts=200 eexist=200 other=0 ticks=[1-9][0-9]*$" <<<"$out"'
		if [ $h9_fmt = text ]; then
			h9_badl=$(grep -Ev -e '^noclobber: refused mmap\(addr=0x[0-9a-f]+, len=98304, .* victims=24: .*memfd:n{150,}.* hint=[^ ]+$' \
				-e '^noclobber: summary: pid=[0-9]+ clobber_attempts=200$' "$h9_dir/int.log" | cut -c1-200 | head -3)
			h9_n=$(grep -c '^noclobber: refused mmap(' "$h9_dir/int.log")
		elif command -v python3 >/dev/null; then
			h9_badl=$(python3 -c '
import json, sys
for n, l in enumerate(open(sys.argv[1], "rb"), 1):
    o = json.loads(l)
    ok = (o["event"] == "refused" and o["victims_total"] == 24) or (o["event"] == "summary" and o["clobber_attempts"] == 200)
    if not ok or o.get("log_lines_lost", 0):
        print("line", n, l[:200])' "$h9_dir/int.log" 2>&1 | head -3)
			h9_n=$(grep -c '"event":"refused"' "$h9_dir/int.log")
		else
			skipped "stderr a slow $h9_kind, interrupted writes [json]: every line parses" "python3 is not installed"
			continue
		fi
		why="$h9_n refused lines; not whole: $h9_badl"
		expect "stderr a slow $h9_kind, interrupted writes [$h9_fmt]: 200 refused lines and the summary, every one whole" \
			eval '[ "$h9_n" = 200 ] && [ -z "$h9_badl" ] && [ "$(wc -l <"$h9_dir/int.log")" = 201 ]'
	done
done

# The descriptor the shim keeps on /proc/self/maps: high, close-on-exec; when
# the program closes it and puts its own file at that number, the shim neither
# touches that file nor loses the victims; a fork child names its own mappings.
rm -f "$h9_dir/mf.log" "$h9_dir/mf.data"
run_shim "log_path=$h9_dir/mf.log" "$T/hardening" maps-fd "$h9_dir/mf.data"
h9_page=$(sed -n 's/^child_page=//p' <<<"$out")
why="status $rc: $out
$(cut -c1-100,180-400 "$h9_dir/mf.log")"
expect "maps descriptor: kept at 100 or above, close-on-exec" eval '[ $rc = 0 ] && grep -Eq "^maps_fd=[1-9][0-9]{2,} cloexec=yes$" <<<"$out"'
expect "maps descriptor closed by the program, its number reused: the program's file intact, libc refused again" \
	eval 'has "^file=intact$" && [ "$(h9_count "^result=EEXIST intact=yes$")" = 3 ] && [ "$(cat "$h9_dir/mf.data")" = "program data" ] &&
	      [ "$(grep -c "^noclobber: refused mmap(.* victims=1: [0-9a-f]*-[0-9a-f]* r-xp .*libc[.-][^ ]* (image) " "$h9_dir/mf.log")" = 2 ]'
expect "maps descriptor after fork: the program's file at the number the shim once kept is still open in the child" \
	has "^child_file=open$"
expect "maps descriptor after fork: the child's refusal names the child's own page" \
	eval '[ -n "$h9_page" ] && grep -q "^noclobber: refused mmap(addr=$h9_page, .* victims=1: ${h9_page#0x}-[0-9a-f]* r--p 00000000 (anon) " "$h9_dir/mf.log"'

# A vfork child (sharing the parent's memory) refuses first: the parent still
# keeps one maps descriptor of its own, not one per refusal nor the child's.
run_shim "" "$T/hardening" vfork-first
why="status $rc: $out"
expect "maps descriptor: a vfork child's refusal leaves the parent one kept descriptor of its own" \
	eval '[ $rc = 0 ] && [ "$(h9_count "^result=EEXIST intact=yes$")" = 3 ] && grep -Eq "^maps_fds=1 lowest=[1-9][0-9]{2,}$" <<<"$out"'

# The hint is the nearest range on either side, even one that overlaps the
# call's own free head.
rm -f "$h9_dir/hb.log"
run_shim "log_path=$h9_dir/hb.log" "$T/hardening" hint-below
h9_want=$(sed -n 's/^result=EEXIST call=0x[0-9a-f]* \(hint=.*\)$/\1/p' <<<"$out")
why="status $rc: $out
$(grep -o 'victims=.*' "$h9_dir/hb.log")"
expect "hint: the free range just below the victim, nearer than any above" \
	eval '[ $rc = 0 ] && [ -n "$h9_want" ] && [ "$(grep -o "hint=.*" "$h9_dir/hb.log")" = "$h9_want" ]'

# The hint's memory serves another call over the same mapping only while it is
# still the nearest range: calls at V+0, V+1 (both: A, below), V+7 (B, above,
# nearer), V+0 again (A).
rm -f "$h9_dir/hm.log"
run_shim "log_path=$h9_dir/hm.log" "$T/hardening" hint-nearest
h9_a=$(sed -n 's/^a=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
h9_b=$(sed -n 's/.* b=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
h9_pg=$(getconf PAGESIZE)
h9_ha="hint=$h9_a-$([ -n "$h9_a" ] && printf "0x%x" $((h9_a + h9_pg)))"
h9_hb="hint=$h9_b-$([ -n "$h9_b" ] && printf "0x%x" $((h9_b + h9_pg)))"
why="status $rc: $out
$(grep -o 'addr=0x[0-9a-f]*\|hint=.*' "$h9_dir/hm.log")"
expect "hint memory: another call over the same mapping gets the remembered hint only while it is the nearest" \
	eval '[ $rc = 0 ] && has "eexist=4$" &&
	      [ "$(grep -o "hint=.*" "$h9_dir/hm.log" | tr "\n" " ")" = "$h9_ha $h9_ha $h9_hb $h9_ha " ]'

# The hint's memory: "none" for one call in a crowd is reused, and searched anew
# every 64th time, so room made later is seen (README: the log, hint).
rm -f "$h9_dir/hn.log"
run_shim "log_path=$h9_dir/hn.log" "$T/hardening" hint-none
h9_t=$(sed -n 's/^target=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
h9_f=$(sed -n 's/.* freed=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
why="status $rc: $out
$(grep -o 'addr=0x[0-9a-f]*\|hint=.*' "$h9_dir/hn.log" | uniq -c)"
expect "hint memory: 65 refusals, the first 64 say hint=none, the 65th names the page freed meanwhile" \
	eval '[ $rc = 0 ] && has "eexist=65$" && [ "$(grep -c "^noclobber: refused mmap(addr=$h9_t, .* hint=none$" "$h9_dir/hn.log")" = 64 ] &&
	      [ "$(sed -n 65p "$h9_dir/hn.log" | grep -o "hint=.*")" = "hint=$h9_f-$(printf "0x%x" $((h9_f + $(getconf PAGESIZE))))" ]'

# The program closes the log's descriptor and gets its number for a file of
# its own: the shim notices and opens the log again; the program's file gets
# nothing of the shim's.
rm -f "$h9_dir/reuse.log" "$h9_dir/reuse.data"
run_shim "log_path=$h9_dir/reuse.log" "$T/fd_reuse" "$h9_dir/reuse.data"
h9_logfd=$(sed -n 's/^logfd=//p' <<<"$out")
why="status $rc: $out"
expect "log file descriptor: at 100 or above, out of the way of the numbers a program reopens" \
	eval '[ -n "$h9_logfd" ] && [ "$h9_logfd" -ge 100 ]'
expect "fd reuse: the program's file got the log's old descriptor number, both clobbers refused" \
	eval '[ $rc = 0 ] && [ -n "$h9_logfd" ] && has "^newfd=$h9_logfd$" && [ "$(h9_count "^result=EEXIST intact=yes$")" = 2 ]'
why="file: $(cut -c1-200 "$h9_dir/reuse.data" 2>&1)"
expect "fd reuse: the program's file holds only its own data" test "$(cat "$h9_dir/reuse.data" 2>/dev/null)" = "program data"
why="log: $(cut -c1-160 "$h9_dir/reuse.log" 2>&1)"
expect "fd reuse: the log file has both refused lines and the summary" \
	eval '[ "$(grep -c "^noclobber: refused mmap(" "$h9_dir/reuse.log")" = 2 ] &&
	      [ "$(grep -c "^noclobber: summary: pid=[0-9]* clobber_attempts=2$" "$h9_dir/reuse.log")" = 1 ] && ! has noclobber:'

# ---------------------------------------------------------------------------
# 4. Bad arguments to munmap, mremap, shmat, shmdt (errno_compare has mmap's)
# ---------------------------------------------------------------------------
# Cases where the shim may answer EEXIST instead of the kernel's errno, as
# README's Limits say ("a call that overlaps something and would also have
# failed for another reason gets EEXIST"): the move's source is missing, and
# its target is someone else's mapping. The target must still be intact.
h9_documented=" mremap-foreign-old-unmapped "
# As root and as an unprivileged user (the kernel's answers differ below
# vm.mmap_min_addr), through libc and through syscall().
for h9_run in "root " "root --syscall" "nobody " "nobody --syscall"; do
	h9_via=${h9_run#* } h9_as=() h9_who=
	if [ "${h9_run%% *}" = nobody ]; then
		h9_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		h9_who=" as nobody"
		if ! "${h9_as[@]}" true 2>/dev/null; then
			skipped "doors errno as nobody${h9_via:+ $h9_via}: the comparison as an unprivileged user" \
				"setpriv cannot become uid 65534 here (a user namespace that maps root alone)"
			continue
		fi
	fi
	h9_base=$("${h9_as[@]}" $PREFIX "$T/errno_doors" $h9_via 2>"$h9_dir/doors.base.err")
	h9_brc=$?
	why="status $h9_brc: $(tail -3 <<<"$h9_base") $(cat "$h9_dir/doors.base.err")"
	expect "doors errno${h9_via:+ $h9_via}$h9_who: reference run (no shim) ends" \
		eval '[ $h9_brc = 0 ] && [ "$(tail -1 <<<"$h9_base")" = "# end" ] &&
		      grep -qx "munmap-unaligned fail errno=EINVAL victim=intact" <<<"$h9_base" &&
		      grep -qx "mremap-bad-flags fail errno=EINVAL victim=intact" <<<"$h9_base"'
	for h9_opts in "" "check=table"; do
		h9_l="${h9_opts:-default}${h9_via:+ $h9_via}$h9_who"
		h9_err=$h9_dir/doors.err
		h9_got=$(NOCLOBBER_OPTIONS="$h9_opts" "${h9_as[@]}" env LD_PRELOAD="$SHIM" $PREFIX "$T/errno_doors" $h9_via 2>"$h9_err")
		h9_rc=$?
		why="status $h9_rc: $(tail -3 <<<"$h9_got")"
		expect "doors errno[$h9_l]: runs to the end, as many lines as the reference" \
			eval '[ $h9_rc = 0 ] && [ "$(tail -1 <<<"$h9_got")" = "# end" ] && [ "$(wc -l <<<"$h9_got")" = "$(wc -l <<<"$h9_base")" ]'
		h9_allowed=0
		while IFS= read -r h9_line; do
			case $h9_line in "#"* | "") continue ;; esac
			h9_name=${h9_line%% *}
			h9_g=$(awk -v n="$h9_name" '$1 == n { print; exit }' <<<"$h9_got")
			why="without the shim: $h9_line
with the shim:    ${h9_g:-<no line>}
reproduce: LD_PRELOAD=$SHIM ${h9_opts:+NOCLOBBER_OPTIONS=$h9_opts }$T/errno_doors $h9_via${h9_via:+ }'${h9_name%%/*}'"
			if [ "$h9_g" != "$h9_line" ] && [[ $h9_documented == *" $h9_name "* ]]; then
				expect "doors errno[$h9_l]: $h9_name (EEXIST accepted: README Limits)" \
					test "$h9_g" = "$h9_name fail errno=EEXIST victim=intact"
				h9_allowed=$((h9_allowed + 1))
			else
				expect "doors errno[$h9_l]: $h9_name" test "$h9_g" = "$h9_line"
			fi
		done <<<"$h9_base"
		why=$(cut -c1-300 "$h9_err")
		expect "doors errno[$h9_l]: nothing logged but the $h9_allowed refusal(s) README's Limits allow" \
			test "$(grep -c '^noclobber: refused' "$h9_err")" = "$h9_allowed"
	done
done

# Nothing the program did not ask for is ever mapped below vm.mmap_min_addr (a
# placeholder at the null page, as root, for shmat(id, 1, SHM_RND|SHM_REMAP)):
# every mmap the shim makes there shows under strace.
if command -v strace >/dev/null; then
	h9_low_cases="shmat-rnd-remap-one shmat-remap-low shmat-rnd-remap-low mremap-fixed-low"
	for h9_opts in "" "check=table"; do
		strace -f -qq -e trace=mmap,shmat,mremap -o "$h9_dir/low.strace" \
			env NOCLOBBER_OPTIONS="$h9_opts" LD_PRELOAD="$SHIM" $PREFIX "$T/errno_doors" $h9_low_cases >"$h9_dir/low.out" 2>&1
		h9_low=$(grep -E '^[0-9]+ +mmap\((NULL|0x[0-9a-f]{1,5}), [^)]*MAP_FIXED' "$h9_dir/low.strace")
		why="mmaps at low addresses: $h9_low; output: $(cat "$h9_dir/low.out")"
		expect "doors[${h9_opts:-default}]: no mapping of the shim's own below 1 MiB (strace), as root" \
			eval '[ -z "$h9_low" ] && grep -q "^shmat-rnd-remap-one fail errno=EINVAL$" "$h9_dir/low.out" &&
			      [ "$(grep -c " shmat(" "$h9_dir/low.strace")" -ge 3 ]'
	done
else
	skipped "doors: no mapping of the shim's own below 1 MiB" "strace is not installed"
fi

# ---------------------------------------------------------------------------
# 5. A flood: every refusal logged, nothing lost
# ---------------------------------------------------------------------------
h9_n=${NOCLOBBER_FLOOD:-1000000}
h9_log=$TMP/flood.log
rm -f "$h9_log"
h9_t0=$(date +%s%N)
out=$(timeout 300 env NOCLOBBER_OPTIONS="log_path=$h9_log" LD_PRELOAD="$SHIM" $PREFIX "$T/hardening" flood "$h9_n" 2>&1)
rc=$?
h9_t1=$(date +%s%N)
h9_ns=$(sed -n 's/.*ns_per_attempt=\([0-9]*\).*/\1/p' <<<"$out")
h9_timing="$(((h9_t1 - h9_t0) / 1000000)) ms in all, ${h9_ns:-?} ns per attempt"
why="status $rc: $out"
expect "flood: $h9_n attempts, every one EEXIST, libc intact, nothing on stderr ($h9_timing)" \
	eval '[ $rc = 0 ] && [ "$out" = "attempts=$h9_n eexist=$h9_n other=0 intact=yes ns_per_attempt=$h9_ns" ]'
h9_lines=$(grep -c '^noclobber: refused mmap(' "$h9_log" 2>/dev/null)
why="$h9_lines refused lines"
expect "flood: exactly one refused line per attempt" test "${h9_lines:-0}" = "$h9_n"
why=$(grep '^noclobber: summary' "$h9_log")
expect "flood: the summary says clobber_attempts=$h9_n, no line lost" \
	test "$(grep -c "^noclobber: summary: pid=[0-9]* clobber_attempts=$h9_n\$" "$h9_log")" = 1
h9_badl=$(grep -Ev -e '^noclobber: refused mmap\(addr=0x[0-9a-f]+, len=4096, .* victims=1: .* hint=[^ ]+$' \
	-e '^noclobber: summary: pid=[0-9]+ clobber_attempts=[0-9]+$' "$h9_log" | head -3)
why=$h9_badl
expect "flood: every line whole" test -z "$h9_badl" -a "$(wc -l <"$h9_log")" = "$((h9_n + 1))"
rm -f "$h9_log"
