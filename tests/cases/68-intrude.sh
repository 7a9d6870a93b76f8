# Never hang, never crash, never touch what is the program's (issue 10), with
# intrude.c: each case is a correct program, run without the shim (the
# reference) and with it; under the default options (or the ones the case
# names) both runs must give the same output and status, and no refusal;
# where the case makes a real clobber, it is refused and logged. Every run is
# under `timeout`: a hang is a FAIL.
# Reproduce one:  LD_PRELOAD=build/libnoclobber.so build/tests/intrude CASE
# (atfork-mmap and exitcode-order also preload tests/intrude_lib, built here;
# longjmp-cut its jump_lib.c).

in_prog=$T/intrude
if [ ! -x "$in_prog" ]; then
	bad "intrude: test program built" "missing: intrude (run make tests)"
	return 0
fi
in_dir=$TMP/intrude
mkdir -p "$in_dir"
in_cc=$TEST_CC # this target's compiler
in_lib= in_jump=
# in_build_lib WHAT SOURCE OUT: build a helper library (warnings are errors);
# status 0 if it built.
in_build_lib() {
	local out
	out=$($in_cc -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ishim/core -Itests -shared -fPIC \
		"$2" -o "$3" 2>&1)
	local rc=$?
	why="$in_cc: $out"
	expect "intrude: the $1 library builds ($in_cc, warnings are errors)" test $rc = 0
	return $rc
}
if [ -n "$in_cc" ]; then
	in_build_lib helper tests/intrude_lib/intrude_lib.c "$in_dir/libncintrude.so" && in_lib=$in_dir/libncintrude.so
	in_build_lib jump tests/intrude_lib/jump_lib.c "$in_dir/libncjump.so" && in_jump=$in_dir/libncjump.so
fi

# in_go TIMEOUT PRELOAD OPTIONS CASE [ARG] (OPTIONS "-": no NOCLOBBER_OPTIONS):
# stdout in $in_out, stderr in $in_err (a file), status in $in_rc (124: hung).
in_n=0
in_go() {
	local t=$1 preload=$2 opts=$3
	shift 3
	in_n=$((in_n + 1))
	in_err=$in_dir/run$in_n.err
	if [ "$opts" = - ]; then
		in_out=$(timeout -k 5 "$t" env ${INTRUDE_ENV:-} LD_PRELOAD="$preload" $PREFIX "$in_prog" "$@" 2>"$in_err")
	else
		in_out=$(timeout -k 5 "$t" env ${INTRUDE_ENV:-} NOCLOBBER_OPTIONS="$opts" LD_PRELOAD="$preload" \
			$PREFIX "$in_prog" "$@" 2>"$in_err")
	fi
	in_rc=$?
}
in_errs() { cut -c1-240 "$in_err" | head -8; }
refused_lines() { grep -c -e '^noclobber: refused ' -e '"event":"refused"' "$1"; }

# in_compare LABEL CASE WANT [SHIM-OPTIONS] [ARG]: the reference run (no shim)
# must print WANT with status 0 (or skip, for both runs, with its reason); the
# shim's run the same output and status, with no refusal logged.
in_compare() {
	local label=$1 case=$2 want=$3 opts=${4:-} arg=${5:-}
	in_go "${in_t:-30}" "${in_pre:-}" - "$case" ${arg:+"$arg"}
	local ref_out=$in_out ref_rc=$in_rc
	if grep -q "^$case skip: " <<<"$ref_out"; then
		skipped "intrude[$label]" "$(sed -n "s/^$case skip: //p" <<<"$ref_out" | head -1)"
		return
	fi
	why="reference run, status $ref_rc: $ref_out"
	expect "intrude[$label]: without the shim, the program says: $want" test "$ref_rc:$ref_out" = "0:$want"
	in_go "${in_t:-30}" "${in_pre_shim:-$SHIM}" "$opts" "$case" ${arg:+"$arg"}
	if grep -q "^$case skip: " <<<"$in_out"; then
		# What the reference had went away meanwhile (huge pages taken by
		# another program on the machine): both runs once more.
		sleep 2
		in_go "${in_t:-30}" "${in_pre:-}" - "$case" ${arg:+"$arg"}
		ref_out=$in_out ref_rc=$in_rc
		in_go "${in_t:-30}" "${in_pre_shim:-$SHIM}" "$opts" "$case" ${arg:+"$arg"}
		if grep -q "^$case skip: " <<<"$ref_out"; then
			skipped "intrude[$label]" "$(sed -n "s/^$case skip: //p" <<<"$ref_out" | head -1)"
			return
		fi
	fi
	why="with the shim${opts:+ ($opts)}: status $in_rc$([ $in_rc = 124 ] && echo ' (hung: killed by timeout)'): $in_out
stderr: $(in_errs)"
	expect "intrude[$label]: same output and status with the shim${opts:+ ($opts)}, nothing refused" \
		eval '[ "$in_rc:$in_out" = "$ref_rc:$ref_out" ] && [ "$(refused_lines "$in_err")" = 0 ]'
}

# Hangs (1-4) ---------------------------------------------------------------
# 1. A library's fork handlers that map, replace and unmap: registered before
#    the shim's (LD_PRELOAD=shim:lib, its constructor runs first) and after
#    (lib:shim). 100 forks, none may hang.
if [ -z "$in_lib" ]; then
	skipped "intrude[atfork-mmap]" "no C compiler to build the helper library (cc, gcc, clang)"
else
	in_pre=$in_lib in_pre_shim="$SHIM:$in_lib" in_compare "atfork-mmap, handlers registered before the shim's" \
		atfork-mmap "atfork-mmap ok"
	in_pre=$in_lib in_pre_shim="$in_lib:$SHIM" in_compare "atfork-mmap, handlers registered after the shim's" \
		atfork-mmap "atfork-mmap ok"
fi
# 2. 2,000 forks from a timer handler that interrupts mmap/munmap (this
#    machine may take a few ms per fork: a longer timeout).
in_t=90 in_compare "fork-in-handler" fork-in-handler "fork-in-handler ok"
# 3. SCHED_FIFO threads of three priorities on one CPU. A livelock here takes
#    a CPU for the whole timeout: keep it short.
in_t=20 in_compare "sched-fifo" sched-fifo "sched-fifo ok"
# 4. siglongjmp out of a handler that interrupted mmap/munmap; another thread
#    maps and unmaps all along.
in_compare "longjmp-out" longjmp-out "longjmp-out ok"
# 4b. The same jump at a known point (tests/intrude_lib/jump_lib.c, preloaded
#     after the shim, raises the signal in the shim's call to libc): a page
#     whose mmap, then munmap, was cut short is still the program's own, and the
#     log says once that the record was rebuilt.
if [ -z "$in_jump" ]; then
	skipped "intrude[longjmp-cut]" "no C compiler to build the jump library (cc, gcc, clang)"
else
	in_pre=$in_jump in_pre_shim="$SHIM:$in_jump" in_compare "longjmp-cut" longjmp-cut "longjmp-cut ok"
	why=$(in_errs)
	expect "intrude[longjmp-cut]: the log says once that the ranges of the cut-short calls were looked at again" \
		test "$(grep -cxF "noclobber: a siglongjmp out of a signal handler cut short a call that maps or unmaps: what is private and anonymous in its range now counts as this process's own" "$in_err")" = 1
	# Only those ranges: memory mapped behind the shim's back before the cuts
	# (another party's) is still refused.
	in_go 30 "$in_jump" - longjmp-cut-foreign
	in_ref=$in_rc:$in_out
	in_go 30 "$SHIM:$in_jump" - longjmp-cut-foreign
	why="without the shim: $in_ref; with it: $in_rc:$in_out
stderr: $(in_errs)"
	expect "intrude[longjmp-cut-foreign]: after the cuts, another party's memory is still protected (replaced without the shim, refused with it)" \
		eval '[ "$in_ref" = "0:longjmp-cut-foreign foreign=replaced" ] && [ "$in_rc:$in_out" = "0:longjmp-cut-foreign foreign=EEXIST" ] &&
		      [ "$(refused_lines "$in_err")" = 1 ]'
fi

# 4c. Jumps out of refused clobbers, some landing as the shim gives the
#     signal mask back with the refusal's line still held, some while it is
#     written: every refusal the shim counted has its line (one the jump came
#     right after may be written twice: README, Limits), and the summary is
#     written at exit.
in_go 60 "$SHIM" stack=0 longjmp-lines
in_n_ref=$(grep -c '^noclobber: refused mmap(' "$in_err")
in_n_sum=$(sed -n 's/^noclobber: summary: pid=[0-9]* clobber_attempts=\([0-9]*\).*/\1/p' "$in_err")
why="status $in_rc, $in_n_ref refused lines, summary: ${in_n_sum:-none}: $in_out
stderr: $(in_errs)"
expect "intrude[longjmp-lines]: a line for every refusal the shim counted, and the summary, however the jumps land; the page stays protected (the 150 attempts not jumped out of are refused)" \
	eval '[ "$in_rc:$in_out" = "0:longjmp-lines ok" ] && [ -n "$in_n_sum" ] && [ "$in_n_sum" -ge 150 ] && [ "$in_n_ref" -ge "$in_n_sum" ]'

# Crashes (5) ---------------------------------------------------------------
# A refused clobber of libc's text (refused and logged: only with the shim),
# an own replacement and a reserved commit (logged at verbosity=1), on a
# 16 KiB thread stack and in a handler on a SIGSTKSZ alternate stack.
for in_opts in verbosity=1 log_format=json:verbosity=1; do
	in_go 30 "" - small-stack
	in_ref="$in_rc:$in_out"
	in_go 30 "$SHIM" "$in_opts" small-stack
	why="reference: $in_ref; with the shim: status $in_rc$([ $in_rc -gt 128 ] && [ $in_rc != 124 ] && echo " (signal $((in_rc - 128)))"): $in_out
stderr: $(in_errs)"
	expect "intrude[small-stack, $in_opts]: 16 KiB (or the least allowed) and SIGSTKSZ stacks: no crash, same output, both clobbers of libc refused" \
		eval '[ "$in_ref" = "0:small-stack ok" ] && [ "$in_rc:$in_out" = "$in_ref" ] &&
		      [ "$(refused_lines "$in_err")" = 2 ] &&
		      [ "$(grep -c -e "^noclobber: allowed .*reason=own" -e "\"event\":\"allowed\".*\"reason\":\"own" "$in_err")" -ge 2 ]'
done
# The stack high-water mark of each path, in bytes below the caller's stack
# pointer: at most 2 KiB each, whatever the options.
for in_opts in "" "verbosity=1:log_path=$in_dir/depth.log" log_format=json:verbosity=1; do
	in_go 30 "$SHIM" "$in_opts" stack-depth
	in_label=${in_opts%%:log_path=*}
	why="status $in_rc: $in_out"
	expect "intrude[stack-depth${in_label:+, $in_label}]: every path (plain, free, own, reserved, refused, libc) uses at most 2048 bytes of the caller's stack" \
		eval '[ $in_rc = 0 ] && grep -q "^stack-depth nonfixed=[0-9]* fixed-free=[0-9]* own=[0-9]* reserved=[0-9]* refused=[0-9]* refused-libc=[0-9]*$" <<<"$in_out" &&
		      [ -z "$(tr " " "\n" <<<"$in_out" | sed -n "s/.*=//p" | awk "\$1 > 2048")" ]'
done

# Limits (6-11) -------------------------------------------------------------
# 6. A mremap move under an RLIMIT_AS with 4 MiB to spare (the move is 32 MiB).
in_compare "mremap-rlimit-as" mremap-rlimit-as "mremap-rlimit-as ok"
# 7. ulimit -v 10000: plenty for the program, not for a 13 MiB reservation.
in_go_limited() { # LIMIT-COMMAND then in_go's arguments
	local lim=$1
	shift
	in_n=$((in_n + 1))
	in_err=$in_dir/run$in_n.err
	local t=$1 preload=$2 opts=$3
	shift 3
	in_out=$(eval "$lim" && timeout -k 5 "$t" env ${opts:+NOCLOBBER_OPTIONS="$opts"} LD_PRELOAD="$preload" \
		$PREFIX "$in_prog" "$@" 2>"$in_err")
	in_rc=$?
}
in_go_limited "ulimit -v 10000" 30 "" "" rlimit-as-small
in_ref="$in_rc:$in_out"
in_go_limited "ulimit -v 10000" 30 "$SHIM" "" rlimit-as-small
why="reference: $in_ref; with the shim: status $in_rc: $in_out
stderr: $(in_errs)"
expect "intrude[rlimit-as-small]: under ulimit -v 10000, own memory replaced and reservations committed, as without the shim" \
	eval '[ "$in_ref" = "0:rlimit-as-small ok" ] && [ "$in_rc:$in_out" = "$in_ref" ] && [ "$(refused_lines "$in_err")" = 0 ]'
# 8. No descriptor free when the shim first needs /proc/self/maps.
for in_opts in "" verbosity=1; do
	in_compare "emfile${in_opts:+, $in_opts}" emfile "emfile ok" "$in_opts"
	why="stderr: $(in_errs)"
	expect "intrude[emfile${in_opts:+, $in_opts}]: the log does not claim /proc/self/maps unreadable" \
		eval '! grep -q -e "unreadable" -e "cannot be read" "$in_err"'
done
# 9. A MAP_GROWSDOWN mapping, grown, replaced whole.
in_compare "growsdown" growsdown "growsdown ok"
# 10. MAP_HUGETLB of half a huge page, replaced whole. Two huge pages reserved
#     here if there are none (and put back).
in_hp=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null)
in_hp_raised=
if [ -n "$in_hp" ] && [ "$in_hp" -lt 2 ] && (echo 2 >/proc/sys/vm/nr_hugepages) 2>/dev/null; then
	in_hp_raised=1
fi
in_compare "hugetlb" hugetlb "hugetlb ok"
if [ -n "$in_hp_raised" ]; then
	echo "$in_hp" >/proc/sys/vm/nr_hugepages
fi
# 11. MREMAP_DONTUNMAP with old_len != new_len: EINVAL, whatever the target,
#     and nothing logged.
in_compare "dontunmap" dontunmap "dontunmap not own=EINVAL own=EINVAL free=EINVAL anywhere=EINVAL"
why="stderr: $(in_errs)"
expect "intrude[dontunmap]: nothing logged" test ! -s "$in_err"

# Descriptors, exit and counts (12-15) --------------------------------------
# 12. stderr closed, a data file on descriptor 2, verbosity=1: the file holds
#     only the program's own two lines.
in_data=$in_dir/stderr-reused.data
printf "the program's own data\nthe program's own data\n" >"$in_dir/stderr-reused.want"
in_go 30 "" - stderr-reused "$in_data"
in_ref="$in_rc:$in_out"
rm -f "$in_data"
in_go 30 "$SHIM" verbosity=1 stderr-reused "$in_data"
why="reference: $in_ref; with the shim: status $in_rc: $in_out
data file: $(cut -c1-200 "$in_data" 2>&1 | head -6)"
expect "intrude[stderr-reused, verbosity=1]: the data file on descriptor 2 holds only the program's data" \
	eval '[ "$in_ref" = "0:stderr-reused ok" ] && [ "$in_rc:$in_out" = "$in_ref" ] && cmp -s "$in_data" "$in_dir/stderr-reused.want"'
# 13. ulimit -n 64, log_path: a refused clobber, then 0, 1, 2 reopened.
in_go_limited "ulimit -n 64" 30 "" "" nofile-100
in_ref="$in_rc:$in_out"
in_log=$in_dir/nofile.log
in_go_limited "ulimit -n 64" 30 "$SHIM" "log_path=$in_log" nofile-100
why="reference: $in_ref; with the shim: status $in_rc: $in_out
log: $(cut -c1-200 "$in_log" 2>&1 | head -4)"
expect "intrude[nofile-100]: under ulimit -n 64, after a logged refusal, /dev/null reopened as 0, 1, 2 as without the shim" \
	eval '[ "$in_ref" = "0:nofile-100 fds=0,1,2" ] && [ "$in_rc:$in_out" = "$in_ref" ] && [ "$(refused_lines "$in_log")" = 1 ]'
# 14. exitcode=3 and one refused clobber: a library's destructor (after the
#     shim's, with shim:lib) and an exit handler it registers while exiting
#     (after every destructor, with lib:shim or shim:lib) still write their
#     files; then the status is 3.
if [ -z "$in_lib" ]; then
	skipped "intrude[exitcode-order]" "no C compiler to build the helper library (cc, gcc, clang)"
else
	for in_order in "$SHIM:$in_lib" "$in_lib:$SHIM"; do
		in_label=$([ "$in_order" = "$SHIM:$in_lib" ] && echo "LD_PRELOAD=shim:lib" || echo "LD_PRELOAD=lib:shim")
		rm -f "$in_dir/fini" "$in_dir/late"
		INTRUDE_ENV="INTRUDE_FINI_FILE=$in_dir/fini INTRUDE_LATE_FILE=$in_dir/late" in_go 30 "$in_lib" - exitcode-order
		in_ref="$in_rc:$in_out:$(cat "$in_dir/fini" "$in_dir/late" 2>/dev/null | tr '\n' ' ')"
		rm -f "$in_dir/fini" "$in_dir/late"
		INTRUDE_ENV="INTRUDE_FINI_FILE=$in_dir/fini INTRUDE_LATE_FILE=$in_dir/late" in_go 30 "$in_order" exitcode=3 exitcode-order
		in_got="$in_rc:$in_out:$(cat "$in_dir/fini" "$in_dir/late" 2>/dev/null | tr '\n' ' ')"
		why="reference (status:stdout:files): $in_ref; with the shim: $in_got
stderr: $(in_errs)"
		if [ "$TARGET" = musl ]; then
			# musl runs exit handlers before destructors and none registered
			# while exiting: the shim's end comes in its destructor (README:
			# The log, exitcode), and the library's late handler never runs.
			expect "intrude[exitcode-order, $in_label]: exitcode=3, the library's destructor wrote its file as without the shim" \
				eval '[ "$in_ref" = "0:exitcode-order main done:fini " ] &&
				      [ "$in_got" = "3:exitcode-order main done:fini " ] && [ "$(refused_lines "$in_err")" = 1 ]'
		elif [ "$in_label" = "LD_PRELOAD=shim:lib" ]; then
			expect "intrude[exitcode-order, $in_label]: exitcode=3 after every destructor and exit handler wrote its file" \
				eval '[ "$in_ref" = "0:exitcode-order main done:fini late " ] &&
				      [ "$in_got" = "3:exitcode-order main done:fini late " ] && [ "$(refused_lines "$in_err")" = 1 ]'
		else
			# The library's destructor ran before the shim's and registered
			# its handler first: glibc runs handlers last-registered first, so
			# it cannot come after the shim's end (README: The log, exitcode).
			expect "intrude[exitcode-order, $in_label]: exitcode=3 after every destructor (the handler a destructor registered before the shim's is the one README names)" \
				eval '[ "$in_ref" = "0:exitcode-order main done:fini late " ] &&
				      [ "$in_got" = "3:exitcode-order main done:fini " ] && [ "$(refused_lines "$in_err")" = 1 ]'
		fi
	done
fi
# 15. A vfork child's clobber attempt is the child's: its summary, its status
#     (exitcode=3); the parent's status and summary are untouched.
in_go 30 "" - vfork-count
in_ref="$in_rc:$(sed 's/parent=[0-9]* child=[0-9]* //' <<<"$in_out")"
in_go 30 "$SHIM" exitcode=3 vfork-count
in_parent=$(sed -n 's/.* parent=\([0-9]*\) .*/\1/p' <<<"$in_out")
in_child=$(sed -n 's/.* child=\([0-9]*\) .*/\1/p' <<<"$in_out")
why="reference: $in_ref; with the shim: status $in_rc: $in_out
stderr: $(in_errs)"
expect "intrude[vfork-count, exitcode=3]: the child's attempt is the child's (its summary, status 3); the parent's status 0, no summary" \
	eval '[ "$in_ref" = "0:vfork-count child-status=0" ] && [ $in_rc = 0 ] && [ -n "$in_parent" ] &&
	      grep -q " child-status=3$" <<<"$in_out" &&
	      [ "$(grep -c "^noclobber: refused .* pid=$in_child " "$in_err")" = 1 ] && [ "$(refused_lines "$in_err")" = 1 ] &&
	      [ "$(grep -c "^noclobber: summary: pid=$in_child clobber_attempts=1$" "$in_err")" = 1 ] &&
	      ! grep -q "^noclobber: summary: pid=$in_parent " "$in_err"'

# Found by a hostile review: threads and their signal handlers mapping, moving
# and unmapping their own memory while the main thread forks in a loop. A
# handler's munmap or mremap took its range out of the record only after the
# kernel freed it, deleting another thread's fresh record there: false refusals.
# churn-fork-nodefer: the handlers interrupt themselves (SA_NODEFER), on the
# forking thread too, between the fork handlers, where the inner one changed the
# record directly while the outer one was half-way through: lost records (false
# refusals) and crashes, about 3 runs in 4 (found by review).
for in_case in churn-fork churn-fork-nodefer; do
	in_go 120 "" - "$in_case"
	in_ref="$in_rc:$in_out"
	in_go 120 "$SHIM" - "$in_case"
	why="reference: $in_ref; with the shim: status $in_rc: $in_out
stderr: $(in_errs)"
	expect "intrude[$in_case]: threads, handlers and fork at once: no false refusal, no hang" \
		eval '[ "$in_ref" = "0:$in_case ok" ] && [ "$in_rc:$in_out" = "0:$in_case ok" ] && [ "$(refused_lines "$in_err")" = 0 ]'
done
