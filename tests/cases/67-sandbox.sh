# A program that sandboxes itself with seccomp after the shim started
# (sandboxed.c): the shim must make no call the filter forbids (open, ioctl,
# readlink, process_vm_readv) and still name every victim, read from the maps
# text of the descriptor it opened before; a filter that kills on a forbidden
# call must not kill the program. Told of the filter through prctl or
# syscall(SYS_seccomp), the shim makes no forbidden call at all; a filter
# installed with a raw system call is learnt from its answers: at most one
# forbidden ioctl (ENOSYS alone proves no sandbox: qemu-user says it of ioctls
# it does not know), one open and one readlink. The maps are then read from the
# descriptor kept since the start. enotty: ioctl answers ENOTTY, as on kernels before 6.11.
sb_prog=$T/sandboxed
sb_want="clobber=EEXIST own=ok reserved=ok again=EEXIST"
for sb_how in prctl syscall raw; do
	for sb_what in trap trap-ioctl kill kill-stat enotty; do
		[ "$sb_how" = raw ] && [[ $sb_what == kill* ]] && continue # learning needs a surviving answer
		sb_label="sandbox[$sb_what via $sb_how]"
		out=$(NOCLOBBER_OPTIONS=verbosity=1 LD_PRELOAD="$SHIM" $PREFIX "$sb_prog" "$sb_what" "$sb_how" 2>"$TMP/sb.err")
		rc=$?
		sb_log=$(cat "$TMP/sb.err")
		sb_v=$(sed -n 's/.*violations=\([0-9]*\).*/\1/p' <<<"$out")
		sb_max=0
		if [ "$sb_how" = raw ]; then
			case $sb_what in trap) sb_max=3 ;; trap-ioctl) sb_max=1 ;; esac
		fi
		why="status $rc, $out
$sb_log"
		expect "$sb_label: runs through, refusals and allowed replacements as without a filter, <= $sb_max forbidden calls" \
			eval '[ $rc = 0 ] && [ "$out" = "$sb_want violations=$sb_v" ] && [ "${sb_v:-99}" -le $sb_max ]'
		expect "$sb_label: every line names its victim from the maps text" \
			eval '[ "$(grep -c "^noclobber: refused mmap(.* victims=1: .*libc[.-][^ ]* $NC_IMAGE" <<<"$sb_log")" = 2 ] &&
			      [ "$(grep -c "^noclobber: allowed mmap(.* victims=1: .*(anon) .*reason=own$" <<<"$sb_log")" = 2 ] &&
			      ! grep -q -e "victims=0" -e "victims=unknown" <<<"$sb_log"'
	done
done

# The log file is opened before the filter goes in, and written to after.
sb_log=$TMP/sandbox.log
rm -f "$sb_log"
out=$(NOCLOBBER_OPTIONS="log_path=$sb_log:log_format=json" LD_PRELOAD="$SHIM" $PREFIX "$sb_prog" trap prctl 2>&1)
rc=$?
why="status $rc, $out; log: $(cat "$sb_log" 2>&1)"
expect "sandbox[trap via prctl, log_path, json]: no forbidden call, both refusals in the log file" \
	eval '[ $rc = 0 ] && [ "$out" = "$sb_want violations=0" ] &&
	      [ "$(grep -c "\"event\":\"refused\".*\"kind\":\"image\"" "$sb_log")" = 2 ]'
