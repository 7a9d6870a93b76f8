# noclobber --supervise (shim/supervisor/): a seccomp filter sends the calls
# that can replace a mapping to a supervisor that decides them with the shim's
# core. Each test shows the blind spot without --supervise first where there is
# one: a static program, a raw system call, a child started with env -i.
. tests/launcher_lib.sh
sv_ok=1 lout= lerr= rc=0 why=
sv_kernel=$(uname -r)
if [ "$TARGET" != native ]; then
	sv_ok=0 sv_why="the supervisor is the native launcher's (README, Platforms)"
elif [ "$(printf '%s\n' 5.5 "${sv_kernel%%-*}" | sort -V | head -1)" != 5.5 ]; then
	sv_ok=0 sv_why="Linux $sv_kernel has no SECCOMP_USER_NOTIF_FLAG_CONTINUE (5.5)"
elif [ ! -x "$T/static_clobber" ]; then
	sv_ok=0 sv_why="no static test program for $TARGET (Makefile: SV_TEST_BINS)"
fi
# sv_expect NAME CONDITION...: expect, or a skip where --supervise cannot run here.
sv_expect() {
	if [ $sv_ok = 1 ]; then expect "$@"; else skipped "$1" "$sv_why"; fi
}
sv_run() { [ $sv_ok = 1 ] && run_l "$@"; }
refused_line() { grep -c "^noclobber: refused $1(" <<<"$lerr"; }

# --- a static program: its own text, [stack], [heap] -----------------------------
# (the caller's symbol comes from the program's file, its .symtab: it has no dynamic one)
for t in text stack heap; do
	case $t in text) k='static_clobber (image)' ;; stack) k='\[stack\] (stack)' ;; heap) k='\[heap\] (heap)' ;; esac
	sv_run -- "$T/static_clobber" $t
	plain=$lout plain_rc=$rc
	sv_run --supervise -- "$T/static_clobber" $t
	sv_expect "supervise: static program over its own $t: missed without --supervise, refused with it, contents intact, logged once, status 66" \
		eval '[ "$plain" != "$t: result=EEXIST intact=yes" ] && [ $plain_rc != 66 ] &&
		      [ "$lout" = "$t: result=EEXIST intact=yes" ] && [ $rc = 66 ] && [ "$(refused_line mmap)" = 1 ] &&
		      lerr_has "^noclobber: refused mmap(.* program=static_clobber caller=[^ ]*static_clobber+0x[0-9a-f]* ([_a-z]*mmap[0-9]*+0x[0-9a-f]*) .*victims=1: [0-9a-f-]* [^ ]* [0-9a-f]* [^ ]*$k hint=" &&
		      lerr_has "^noclobber: coverage: 1 process ran: 0 with the shim, 1 supervised only$"'
done
# The stack of another process: its thread waits in the kernel, so
# /proc/PID/syscall gives its stack pointer and pc, and the walk reads its
# memory; a static program has no .eh_frame_hdr (gcc -static asks for none):
# its .eh_frame is found by the file's section headers.
sv_run --supervise -- "$T/static_clobber" text
# (attempt, a one-line wrapper, may be inlined into main: clang does.)
sv_expect "supervise: static program: the stack is walked in the other process, through its .eh_frame (no .eh_frame_hdr): mmap, attempt_kept, main, libc's start" \
	eval 'lerr_has "^noclobber: refused mmap(.* stack=[0-9]*: 0x[0-9a-f]* [^ ]*static_clobber+0x[0-9a-f]* ([_a-z]*mmap[0-9]*+0x[0-9a-f]*) | 0x[0-9a-f]* [^ ]*static_clobber+0x[0-9a-f]* (attempt_kept+0x[0-9a-f]*) | \(0x[0-9a-f]* [^ ]*static_clobber+0x[0-9a-f]* (attempt+0x[0-9a-f]*) | \)\?0x[0-9a-f]* [^ ]*static_clobber+0x[0-9a-f]* (main+0x[0-9a-f]*) | .*(__libc_start_main[_a-z]*+0x[0-9a-f]*) "'
[ $sv_ok = 1 ] && run_c env NOCLOBBER_OPTIONS=stack=0 "$L" --supervise -- "$T/static_clobber" text
sv_expect "supervise: stack=0: no stack field in the supervisor's line either" \
	eval '[ "$(refused_line mmap)" = 1 ] && ! lerr_has "^noclobber: refused .* stack="'

# The module's file is the one the process maps, in its own mount namespace:
# opened through /proc/PID/root, never waited on (a FIFO where the supervisor
# would look), and read only if its device and inode are the mapping's.
sv_ns=$TMP/sv-ns
mkdir -p "$sv_ns/d" "$sv_ns/real"
cp "$T/static_clobber" "$sv_ns/real/prog"
rm -f "$sv_ns/d/prog" && mkfifo "$sv_ns/d/prog"
[ $sv_ok = 1 ] && run_c timeout -k 5 30 "$L" --supervise -- unshare -Urm sh -c \
	"mount --bind '$sv_ns/real' '$sv_ns/d' && exec '$sv_ns/d/prog' text"
sv_expect "supervise: a program in a mount namespace of its own: its file read there (a FIFO at that path in ours never opened), symbols and stack named" \
	eval '[ $rc = 66 ] && lerr_has "^noclobber: refused mmap(.* caller=[^ ]*prog+0x[0-9a-f]* ([_a-z]*mmap[0-9]*+0x[0-9a-f]*) stack=[0-9]*: .*(attempt_kept+0x[0-9a-f]*) "'

for t in none own; do
	plain=$("$T/static_clobber" $t 2>&1)
	plain_rc=$?
	sv_run --supervise -- "$T/static_clobber" $t
	sv_expect "supervise: static program that clobbers nothing ($t): unchanged output and status" \
		eval '[ "$lout" = "$plain" ] && [ $rc = $plain_rc ] && [ $rc = 0 ] && ! lerr_has "^noclobber: refused"'
done

# --- raw system call over libc, from a dynamic program ---------------------------
sv_run -- "$T/raw_clobber"
plain=$lout plain_rc=$rc plain_err=$lerr
sv_run --supervise -- "$T/raw_clobber"
sv_expect "supervise: inline-assembly mmap over libc's text: missed by the preload alone, refused under --supervise" \
	eval '[ "$plain" = "raw: result=ok" ] && ! grep -q "^noclobber: refused" <<<"$plain_err" &&
	      [ "$lout" = "raw: result=EEXIST" ] && [ $rc = 66 ] && [ "$(refused_line mmap)" = 1 ] &&
	      lerr_has "^noclobber: refused mmap(.* program=raw_clobber caller=[^ ]*raw_clobber+0x[0-9a-f]* (main+0x[0-9a-f]*) .*victims=1: .*libc[.-][^ ]* (image)"'
sv_expect "supervise: inline-assembly mmap: the stack from the system call instruction in main down to libc's start and _start" \
	eval 'lerr_has "^noclobber: refused mmap(.* stack=[0-9]*: 0x[0-9a-f]* [^ ]*raw_clobber+0x[0-9a-f]* (main+0x[0-9a-f]*) | .*libc[.-][^ ]* (__libc_start_main+0x[0-9a-f]*) | 0x[0-9a-f]* [^ ]*raw_clobber+0x[0-9a-f]* (_start+0x[0-9a-f]*) neighbours="'

# --- Go built with CGO_ENABLED=0: static, its own system calls ------------------
sv_go=
if [ $sv_ok = 1 ] && command -v go >/dev/null; then
	sv_go=$TMP/go
	mkdir -p "$sv_go"
	for p in textclobber gcchurn; do
		(cd tests/supervise/go/$p && CGO_ENABLED=0 GO111MODULE=off GOCACHE=${GOCACHE:-$TMP/gocache} \
			go build -o "$sv_go/$p" . >"$TMP/go.err" 2>&1) || sv_go=
	done
fi
go_expect() {
	if [ $sv_ok = 1 ] && [ -z "$sv_go" ]; then skipped "$1" "no Go toolchain builds here: $(head -3 "$TMP/go.err" 2>/dev/null)"; else sv_expect "$@"; fi
}
[ -n "$sv_go" ] && sv_run --supervise -- "$sv_go/textclobber"
go_expect "supervise: Go (CGO_ENABLED=0) mapping over its own text with syscall.Syscall6: refused, logged, status 66" \
	eval '[ "$lout" = "go: result=EEXIST" ] && [ $rc = 66 ] && [ "$(refused_line mmap)" = 1 ] &&
	      lerr_has "^noclobber: refused mmap(.* program=textclobber caller=[^ ]*textclobber+0x[0-9a-f]* ([^ ]*Syscall6+0x[0-9a-f]*) .*victims=1: .*textclobber (image)"'
[ -n "$sv_go" ] && sv_run --supervise -- "$sv_go/gcchurn"
go_expect "supervise: a garbage-collecting Go program runs unchanged (its runtime commits inside its own reservations)" \
	eval '[ "$lout" = "gc: ok true" ] && [ $rc = 0 ] && ! lerr_has "^noclobber: [a-z]* mmap("'

# --- real programs, with the shim and the supervisor: unchanged -------------------
# sv_same_run NAME COMMAND...: the same output and status as under the preload
# alone, and nothing logged.
sv_same_run() {
	local name=$1
	shift
	if [ $sv_ok = 1 ] && ! command -v "$1" >/dev/null; then
		skipped "$name" "$1 is not installed"
		return
	fi
	[ $sv_ok = 1 ] && { run_l --quiet -- "$@"; }
	local a=$lout ra=$rc
	sv_run --supervise -- "$@"
	why="$why
without --supervise: rc=$ra $a"
	sv_expect "$name" eval '[ "$lout" = "$a" ] && [ $rc = $ra ] && ! lerr_has "^noclobber: [a-z]* [a-z0-9]*("'
}
printf 'public class SvHello { public static void main(String[] a) { System.out.println("hello " + a.length); } }\n' >"$TMP/SvHello.java"
sv_same_run "supervise: javac compiles unchanged" javac -d "$TMP" "$TMP/SvHello.java"
sv_same_run "supervise: java (G1) runs unchanged" java -XX:+UseG1GC -cp "$TMP" SvHello x
sv_same_run "supervise: java (ZGC) runs unchanged" java -XX:+UseZGC -cp "$TMP" SvHello x y
printf 'let a = []; for (let i = 0; i < 200000; i++) a.push({i}); console.log("node", a.length)\n' >"$TMP/sv.js"
sv_same_run "supervise: node runs unchanged" node "$TMP/sv.js"
sv_same_run "supervise: qemu-user (qemu-x86_64) runs a static program unchanged" qemu-x86_64 "$T/static_clobber" none
if [ $sv_ok = 1 ] && command -v go >/dev/null && (cd tests/supervise/go/cgochurn && CGO_ENABLED=1 GO111MODULE=off \
	GOCACHE=${GOCACHE:-$TMP/gocache} go build -o "$TMP/go/cgochurn" . >"$TMP/go.err" 2>&1); then
	sv_same_run "supervise: a cgo program runs unchanged" "$TMP/go/cgochurn"
else
	go_expect "supervise: a cgo program runs unchanged" false
fi

# --- a child without LD_PRELOAD ---------------------------------------------------
sv_run -- env -i "$T/clobber" libc-text
plain=$lout
sv_run --supervise -- env -i "$T/clobber" libc-text
sv_expect "supervise: a child started with env -i clobbering libc: missed by the preload, refused by the supervisor" \
	eval '! grep -q EEXIST <<<"$plain" && [ "$lout" = "result=EEXIST intact=yes" ] && [ $rc = 66 ] &&
	      [ "$(refused_line mmap)" = 1 ] && lerr_has "^noclobber: refused mmap(.* program=clobber .*libc[.-][^ ]* (image)"'

# --- with the shim: the shim's decision, one line ---------------------------------
sv_same=1 sv_diff=
for t in libc-text libc-data ldso exe stack heap vdso own-anon own-file own-none foreign-anon foreign-none own-and-foreign straddle-end multi free; do
	for d in mmap syscall-mmap mremap shmat; do
		[ $sv_ok = 1 ] || break 2
		rm -rf "$TMP/svd"
		a=$(CLOBBER_DOOR=$d "$L" --quiet -- "$T/clobber" $t 2>/dev/null)
		ra=$?
		b=$(CLOBBER_DOOR=$d "$L" --quiet --supervise --log-dir "$TMP/svd" -- "$T/clobber" $t 2>/dev/null)
		rb=$?
		n=$(cat "$TMP"/svd/* 2>/dev/null | grep -c "^noclobber: [a-z]* [a-z]*(")
		want=0
		[ $ra = 66 ] && want=1
		if [ "$a" != "$b" ] || [ $ra != $rb ] || [ "$n" != $want ]; then
			sv_same=0 sv_diff="$sv_diff
$t $d: '$a' $ra / '$b' $rb, $n lines"
		fi
	done
done
why=$sv_diff
sv_expect "supervise: with the shim, the clobber programs get the same answers and one log line per attempt" eval '[ $sv_same = 1 ]'

# --- the modes -------------------------------------------------------------------
sv_run --supervise --mode warn -- "$T/static_clobber" file
sv_expect "supervise: mode=warn lets it through, logged as allowed, status 66" \
	eval '[ "$lout" = "file: result=ok intact=n/a" ] && [ $rc = 66 ] && lerr_has "^noclobber: allowed mmap(.* reason=mode=warn$"'
sv_run --supervise --mode abort -- "$T/static_clobber" text
sv_expect "supervise: mode=abort refuses and the calling thread gets SIGABRT" \
	eval '[ -z "$lout" ] && [ $rc = 66 ] && lerr_has "^noclobber: aborting on mmap(" && lerr_has "the command.s was 134"'
sv_run --supervise --mode off -- "$T/static_clobber" own
sv_expect "supervise: mode=off judges nothing" eval '[ $rc = 0 ] && ! lerr_has "^noclobber: [a-z]* mmap("'

# --- JSON: the shim's fields ------------------------------------------------------
sv_run --supervise --json -- "$T/static_clobber" text
sv_json=$(grep '"event":"refused"' <<<"$lerr")
run_l --json -- "$T/clobber" exe
sh_json=$(grep '"event":"refused"' <<<"$lerr")
keys() { python3 -c 'import json,sys; print(sorted(json.loads(sys.stdin.read()).keys()))' 2>/dev/null; }
why="supervisor: $sv_json
shim: $sh_json"
sv_expect "supervise: --json lines carry the shim's fields" \
	eval '[ -n "$sv_json" ] && [ "$(keys <<<"$sv_json")" = "$(keys <<<"$sh_json")" ]'

# --- coverage ---------------------------------------------------------------------
sv_run --supervise -- sh -c "\"$T/static_clobber\" none; \"$T/clobber\" own-anon; true"
sv_expect "supervise: coverage counts the processes with the shim and those supervised only" \
	eval '[ $rc = 0 ] && [ "$(tail -1 <<<"$lerr")" = "noclobber: coverage: 3 processes ran: 2 with the shim, 1 supervised only" ]'

sv_run --supervise -- env -i "$T/clobber" own-anon
sv_expect "supervise: coverage: a process whose last image ran without the shim (env -i) is supervised only" \
	eval '[ $rc = 0 ] && [ "$(tail -1 <<<"$lerr")" = "noclobber: coverage: 1 process ran: 0 with the shim, 1 supervised only" ]'

# --- speculation: the filter turns no mitigation on ---------------------------------
# A kernel whose store bypass mitigation is "seccomp" (the default before 5.16)
# turns it on for every process that installs a filter without SPEC_ALLOW: a
# slowdown of the whole tree. The status line must not change; and since on a
# kernel with another mode it would not change either way, the flag itself is
# checked in the seccomp() call.
if [ $sv_ok = 1 ] && command -v strace >/dev/null; then
	spec_plain=$(grep '^Speculation_Store_Bypass:' /proc/self/status)
	run_c strace -f -e trace=seccomp -o "$TMP/sv-spec.strace" "$L" --quiet --supervise -- grep '^Speculation_Store_Bypass:' /proc/self/status
	why="$why
strace: $(cat "$TMP/sv-spec.strace")"
	expect "supervise: the filter leaves the store bypass mitigation as it was (installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW)" \
		eval '[ $rc = 0 ] && [ "$lout" = "$spec_plain" ] &&
		      grep -q "seccomp(SECCOMP_SET_MODE_FILTER, .*SECCOMP_FILTER_FLAG_SPEC_ALLOW.*) = [0-9]" "$TMP/sv-spec.strace"'
elif [ $sv_ok = 1 ]; then
	skipped "supervise: the filter leaves the store bypass mitigation as it was" "strace is not installed"
else
	skipped "supervise: the filter leaves the store bypass mitigation as it was" "$sv_why"
fi

# --- seccomp() forbidden ----------------------------------------------------------
rm -f "$TMP/sv-ran"
[ $sv_ok = 1 ] && run_c "$T/no_seccomp" "$L" --supervise -- touch "$TMP/sv-ran"
sv_expect "supervise: seccomp() forbidden: one line naming why, status 2, nothing run" \
	eval '[ $rc = 2 ] && [ "$(wc -l <<<"$lerr")" = 1 ] && lerr_has "^noclobber: --supervise: cannot install the seccomp filter: seccomp(.*Operation not permitted" &&
	      [ ! -e "$TMP/sv-ran" ]'

# --- faults -----------------------------------------------------------------------
# sv_pid LAUNCHER_PID: the supervisor, the launcher's child that is not the command.
sv_pid() { ps --ppid "$1" -o pid=,comm= | awk '$2 == "noclobber" { print $1 }'; }
sv_wait() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.02; done; return 1; }
# The supervisor killed: a call waiting for it then, and a call made after,
# get ENOSYS from the kernel (a stopped supervisor holds the first one).
if [ $sv_ok = 1 ]; then
	rm -f "$TMP"/sv-r "$TMP"/sv-go "$TMP"/sv-go2
	"$L" --supervise -- "$T/static_clobber" wait "$TMP/sv-r" "$TMP/sv-go" "$TMP/sv-go2" >"$TMP/sv.out" 2>"$TMP/sv.err" &
	lp=$!
	sv_wait "$TMP/sv-r"
	sp=$(sv_pid $lp)
	kill -STOP "$sp"
	touch "$TMP/sv-go"
	sleep 0.3
	kill -TERM "$sp"
	kill -CONT "$sp"
	sleep 0.2
	touch "$TMP/sv-go2"
	wait $lp
	rc=$?
	lout=$(cat "$TMP/sv.out") lerr=$(cat "$TMP/sv.err")
	why="rc=$rc supervisor=$sp
$lout
$lerr"
fi
sv_expect "supervise: the supervisor sent SIGTERM: the waiting call and later ones fail with ENOSYS, and the launcher says so" \
	eval '[ "$lout" = "text: result=errno=38 intact=yes
text: result=errno=38 intact=yes" ] && [ $rc = 0 ] && lerr_has "^noclobber: the supervisor was killed by signal 15 (SIGTERM)"'

# A notification whose process is killed before the answer: the supervisor
# goes on (the next attempt is refused).
if [ $sv_ok = 1 ]; then
	rm -f "$TMP"/sv-r "$TMP"/sv-go "$TMP"/sv-p
	# (no exec in the shell's waiting: a stopped supervisor would hold it)
	"$L" --supervise -- sh -c ": >\"$TMP/sv-r\"; while [ ! -e \"$TMP/sv-go\" ]; do :; done
		\"$T/static_clobber\" text & echo \$! >\"$TMP/sv-p\"; wait; \"$T/static_clobber\" heap" >"$TMP/sv.out" 2>"$TMP/sv.err" &
	lp=$!
	sv_wait "$TMP/sv-r"
	sp=$(sv_pid $lp)
	kill -STOP "$sp"
	touch "$TMP/sv-go"
	sv_wait "$TMP/sv-p"
	sleep 0.3
	kill -KILL "$(cat "$TMP/sv-p")"
	kill -CONT "$sp"
	wait $lp
	rc=$?
	lout=$(cat "$TMP/sv.out") lerr=$(cat "$TMP/sv.err")
	why="rc=$rc
$lout
$lerr"
fi
sv_expect "supervise: a caller killed before the answer: nothing answered for it, the supervisor goes on" \
	eval '[ "$lout" = "heap: result=EEXIST intact=yes" ] && [ $rc = 66 ] && [ "$(refused_line mmap)" = 1 ] &&
	      ! lerr_has "supervisor was killed"'

# The command killed by a signal: the launcher counts the attempt and ends by
# the same signal, as without --supervise; the supervisor does not keep it waiting.
sv_run --supervise -- sh -c "\"$T/static_clobber\" text; kill -TERM \$\$"
sv_expect "supervise: the command killed by a signal: the attempt counted, the launcher ends by that signal, the supervisor with it" \
	eval '[ $rc = 143 ] && [ "$lout" = "text: result=EEXIST intact=yes" ] &&
	      lerr_has "^noclobber: 1 clobber attempt (1 refused) in 1 process; the command was killed by signal 15 (SIGTERM)" &&
	      ! lerr_has "supervisor was killed"'

# 500 processes, one attempt each: every line whole, every attempt counted.
if [ $sv_ok = 1 ]; then
	rm -rf "$TMP/sv500"
	run_l --supervise --log-dir "$TMP/sv500" -- sh -c "for i in \$(seq 500); do \"$T/static_clobber\" text >/dev/null & done; wait"
	sv_lines=$(cat "$TMP"/sv500/*.log | grep -c '^noclobber: refused mmap(.* hint=0x[0-9a-f]*-0x[0-9a-f]*$')
	sv_all=$(cat "$TMP"/sv500/*.log | wc -l)
	why="$why
lines=$sv_lines of $sv_all, files=$(ls "$TMP/sv500" | wc -l)"
fi
sv_expect "supervise: 500 processes each making one attempt: 500 whole lines, 500 attempts counted" \
	eval '[ $rc = 66 ] && [ "$sv_lines" = 500 ] && [ "$sv_all" = 500 ] &&
	      lerr_has "^noclobber: 500 clobber attempts (500 refused) in 500 processes;"'
