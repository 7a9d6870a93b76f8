# Real clobbers: memory that is not the program's must be refused with its
# contents intact (both decision paths), let through and logged in mode=warn, and
# killed by SIGABRT after logging in mode=abort. The program's own mappings and
# PROT_NONE reservations may be replaced by default (allow=own,reserved), and are
# protected like the rest with allow=none. Overlap-free geometry must just work.

foreign="libc-text libc-data ldso exe stack heap vdso foreign-anon own-and-foreign reused"
owned="own-anon own-file own-none straddle-end straddle-start multi"
targets="$foreign $owned foreign-none"

# The victim each target must name in the log (a piece of the victims= field).
victim_of() {
	case $1 in
	libc-text) echo "$NC_TEXT_PERMS [0-9a-f]* /.*libc[.-][^ ]* $NC_IMAGE" ;;
	libc-data) echo "rw-p [0-9a-f]* /.*libc[.-][^ ]* $NC_IMAGE" ;;
	ldso) echo "$NC_TEXT_PERMS [0-9a-f]* /.*${NC_LDSO}[^ ]* $NC_IMAGE" ;;
	exe) echo "r--p 00000000 /.*/clobber $NC_IMAGE" ;;
	stack) echo 'rw-p 00000000 \[stack\] (stack)' ;;
	heap) echo 'rw-p 00000000 \[heap\] (heap)' ;;
	vdso) echo 'r-xp 00000000 \[vdso\] (vdso)' ;;
	own-anon | straddle-end | straddle-start | foreign-anon | reused) echo 'rw-p 00000000 (anon)' ;;
	own-none | foreign-none) echo '---p 00000000 (anon)' ;;
	own-and-foreign) echo 'rw-p 00000000 (anon)' ;; # the kernel merges the two
	own-file) echo 'r--p 00000000 /tmp/noclobber-test-[^ ]* (deleted) (file)' ;;
	multi) echo '3: [^|]*rw-p[^|]* | [^|]*r--p[^|]* | [^|]*rw-p' ;;
	esac
}

refused_ok() { # OPTIONS TARGET
	local t=$2 v
	run_shim "$1" "$T/clobber" "$t"
	v=$(victim_of "$t")
	why="$out"
	expect "refused ($1) $t: EEXIST, memory intact, one line naming $v" \
			eval '[ $rc -eq 0 ] && has "result=EEXIST intact=\(yes\|n/a\)" &&
			      [ "$(lines "^noclobber: refused mmap(")" = 1 ] && grep -q "^noclobber: refused mmap(.*victims=.*$v" <<<"$out"'
}
allowed_ok() { # OPTIONS TARGET [REASON]
	local reason=${3:-}
	run_shim "$1" "$T/clobber" "$2"
	why="$out"
	if [ -n "$reason" ]; then
		expect "allowed ($1) $2: replaced, logged as allowed, reason=$reason" \
			eval '[ $rc -eq 0 ] && has result=ok && [ "$(lines "^noclobber:")" = 1 ] && has "^noclobber: allowed mmap(.* reason=$reason$"'
	else
		expect "allowed ($1) $2: replaced, nothing logged" eval '[ $rc -eq 0 ] && has result=ok && ! has noclobber:'
	fi
}
for check in kernel table; do
	for t in $foreign; do refused_ok "check=$check" "$t"; done
	for t in $owned foreign-none; do allowed_ok "check=$check" "$t"; done
	for t in $targets; do refused_ok "check=$check:allow=none" "$t"; done
done
for t in $owned; do allowed_ok "verbosity=1" "$t" own; done
allowed_ok "verbosity=1" foreign-none reserved
allowed_ok "verbosity=1:allow=own" own-none own
refused_ok "allow=own" foreign-none
allowed_ok "verbosity=1:allow=reserved" own-none reserved
allowed_ok "verbosity=1:allow=reserved" foreign-none reserved
refused_ok "allow=reserved" own-anon
refused_ok "allow=reserved" libc-text

# The line, field by field, for the classic case.
run_shim "" "$T/clobber" libc-text
line=$(grep '^noclobber: refused' <<<"$out")
why="$line"
expect "log: call decoded (len, prot as rwx, flags by name, fd, offset)" \
	grep -Eq '^noclobber: refused mmap\(addr=0x[0-9a-f]+, len=4096, prot=rwx, flags=MAP_PRIVATE\|MAP_FIXED\|MAP_ANONYMOUS, fd=-1, offset=0\)' <<<"$line"
expect "log: pid and tid" grep -Eq ' pid=[0-9]+ tid=[0-9]+ ' <<<"$line"
expect "log: time (UTC, to the microsecond, today) and program name" \
	grep -Eq " tid=[0-9]+ time=$(date -u +%Y-%m-%d)T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z program=clobber caller=" <<<"$line"
expect "log: caller as module+offset (symbol+offset)" \
	grep -Eq ' caller=/[^ ]*/clobber\+0x[0-9a-f]+ \(main\+0x[0-9a-f]+\) ' <<<"$line"
expect "log: summary line at exit" grep -Eq '^noclobber: summary: pid=[0-9]+ clobber_attempts=1$' <<<"$out"

# The hint must really be free and of the requested size: map it NOREPLACE.
hint_ok() {
	local h lo hi
	h=$(grep -o 'hint=0x[0-9a-f]*-0x[0-9a-f]*' <<<"$line") || return 1
	h=${h#hint=}
	lo=$((${h%-*})) hi=$((${h#*-}))
	[ $((hi - lo)) -eq 4096 ]
}
expect "log: hint names a range of the requested length" hint_ok
for t in libc-text stack multi straddle-end; do
	for check in kernel table; do
		rm -f "$TMP/hint.log"
		out=$(CLOBBER_HINT_LOG="$TMP/hint.log" NOCLOBBER_OPTIONS="allow=none:check=$check:log_path=$TMP/hint.log" \
			LD_PRELOAD="$SHIM" "$T/clobber" $t 2>&1)
		why="$out $(cat "$TMP/hint.log")"
		expect "hint check=$check $t: the kernel lets us map the hinted range" has "hint=free len="
	done
done

# A refused call repeated gets its hint again; once that range is taken, the
# next hint moves, and is free.
for t in libc-text stack; do
	for check in kernel table; do
		rm -f "$TMP/hint.log"
		out=$(CLOBBER_HINT_LOG="$TMP/hint.log" CLOBBER_HINT_AGAIN=1 NOCLOBBER_OPTIONS="check=$check:log_path=$TMP/hint.log" \
			LD_PRELOAD="$SHIM" "$T/clobber" $t 2>&1)
		why="$out $(cat "$TMP/hint.log")"
		expect "hint check=$check $t: the same call refused again gets the same hint" has "^repeat: hint=same$"
		expect "hint check=$check $t: once the hinted range is taken, the next hint moves and is free" \
			eval 'has "^hint=free len=4096$" && has "^after taking it: hint=moved free=yes$"'
	done
done

# ... and that hint was not searched anew: the second refusal asks the kernel
# seven PROCMAP_QUERY questions (the policy's, the caller's module, two for each
# of the two neighbours: the mapping and, to tell an image's segment, the one
# beside it; one check of the remembered hint), the third (its hint taken) a
# new search's worth. With stack=0: each frame of a stack adds its own
# (93-stack tests the stack).
if ! command -v strace >/dev/null; then
	skipped "hint memory: fewer kernel questions for the same call again" "strace is not installed"
elif ! NOCLOBBER_OPTIONS=log_path=/dev/null LD_PRELOAD="$SHIM" "$T/hardening" libc-text 2>&1 | grep -q EEXIST; then
	bad "hint memory: fewer kernel questions for the same call again" "the shim refuses nothing here"
else
	rm -f "$TMP/hint.log"
	out=$(CLOBBER_HINT_LOG="$TMP/hint.log" CLOBBER_HINT_AGAIN=1 NOCLOBBER_OPTIONS="log_path=$TMP/hint.log:stack=0" \
		strace -f -e trace=ioctl,mmap -o "$TMP/hint.strace" env LD_PRELOAD="$SHIM" "$T/clobber" libc-text 2>&1)
	# ioctl(..., _IOC(_IOC_READ|_IOC_WRITE, 0x66, 0x11, 0x68), ...) is PROCMAP_QUERY
	q=$(awk '/MAP_FIXED_NOREPLACE.*EEXIST/ { n++; next } /0x66, 0x11/ && n { c[n]++ }
		END { printf "%d %d %d", c[1], c[2], c[3] }' "$TMP/hint.strace")
	read -r q1 q2 q3 <<<"$q"
	why="questions per refusal: $q (kernel without PROCMAP_QUERY: none at all); $out"
	if [ "$q1" = 0 ]; then
		# A kernel before 6.11 answers ENOTTY: asked once, at start, never again.
		q_all=$(grep -c '0x66, 0x11' "$TMP/hint.strace")
		q_notty=$(grep -c '0x66, 0x11.* = -1 ENOTTY' "$TMP/hint.strace")
		why="PROCMAP_QUERY questions in all: $q_all ($q_notty ENOTTY); $out"
		expect "hint memory: fewer kernel questions: a kernel without PROCMAP_QUERY is asked once in all (ENOTTY), the same call gets the same hint" \
			eval '[ "$q_all" = 1 ] && [ "$q_notty" = 1 ] && has "^repeat: hint=same$"'
	else
		expect "hint memory: the same call again asks 7 questions (one for its hint); once its hint is taken, a new search" \
			eval '[ "$q2" = 7 ] && [ "$q3" -gt 7 ] && has "^repeat: hint=same$"'
	fi
fi

# The caller's symbol is right: addr2line agrees with module+offset.
if command -v addr2line >/dev/null; then
	off=$(grep -o 'caller=[^ ]*clobber+0x[0-9a-f]*' <<<"$line" | cut -d+ -f2)
	fn=$(addr2line -f -e "$T/clobber" "$(printf '0x%x' $((off - 1)))" | head -1)
	why="addr2line says $fn for $off"
	expect "log: caller offset resolves to main with addr2line" test "$fn" = main
fi

# Overlap-free geometry: adjacent below/above and a free range are not clobbers.
for t in free adjacent-below adjacent-above; do
	for check in kernel table; do
		run_shim "check=$check" "$T/clobber" "$t"
		why="$out"
		expect "no overlap check=$check $t: mapped at the address, nothing logged" \
			eval '[ $rc -eq 0 ] && has "result=ok" && ! has noclobber:'
	done
done

# mode=warn: the same calls happen (the kernel's result, as without the shim:
# it refuses to split the vdso, say) and are logged as allowed.
for t in $targets; do
	bare=$("$T/clobber" "$t" 2>&1 | grep -o 'result=[^ ]*')
	run_shim "mode=warn:allow=none" "$T/clobber" "$t"
	why="without the shim: $bare; with it: $out"
	expect "warn $t: call performed as without the shim, logged as allowed" \
		eval '[ $rc -eq 0 ] && has "$bare" && [ "$(lines "^noclobber: allowed mmap(.* reason=mode=warn$")" = 1 ]'
done

# mode=abort: logged, then SIGABRT (status 134 from the shell).
for t in libc-text stack foreign-anon; do
	run_shim "mode=abort" "$T/clobber" "$t"
	why="rc=$rc $out"
	expect "abort $t: logged, then killed by SIGABRT" \
		eval '[ $rc -eq 134 ] && has "^noclobber: aborting on mmap(" && ! has "result="'
done

# mode=off: pure pass-through, nothing logged.
run_shim "mode=off" "$T/clobber" libc-data
why="$out"
expect "off: MAP_FIXED goes through, nothing logged" eval 'has "result=ok" && ! has noclobber:'

# At the kernel boundary: a refused call never reaches the kernel as MAP_FIXED.
if command -v strace >/dev/null; then
	strace -f -e trace=mmap -o "$TMP/strace.out" env LD_PRELOAD="$SHIM" "$T/clobber" libc-text >/dev/null 2>&1
	why=$(grep 'PROT_EXEC' "$TMP/strace.out")
	expect "strace: the refused call reached the kernel only as MAP_FIXED_NOREPLACE" \
		eval 'grep -q "MAP_FIXED_NOREPLACE.*EEXIST" "$TMP/strace.out" &&
		      ! grep "PROT_READ|PROT_WRITE|PROT_EXEC" "$TMP/strace.out" | grep -v NOREPLACE | grep -q MAP_FIXED'
	strace -f -e trace=mmap -o "$TMP/strace2.out" env LD_PRELOAD="$SHIM" "$T/clobber" free >/dev/null 2>&1
	why=$(grep 'PROT_EXEC' "$TMP/strace2.out")
	expect "strace: a free MAP_FIXED costs exactly one mmap system call" \
		test "$(grep -c 'PROT_READ|PROT_WRITE|PROT_EXEC' "$TMP/strace2.out")" = 1
else
	skipped "strace checks" "strace is not installed"
fi
