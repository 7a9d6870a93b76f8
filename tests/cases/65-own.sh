# The own-mappings bookkeeping under 8 threads mapping, replacing, moving and
# unmapping their own memory at full speed, with libc clobbers in between: no
# replacement of their own memory refused, every clobber refused and logged once.
log="$TMP/own_stress.log"
out=$(NOCLOBBER_OPTIONS="log_path=$log" LD_PRELOAD="$SHIM" $PREFIX "$T/own_stress" 3 2>&1)
rc=$?
n=$(sed -n 's/.*clobbers=\([0-9]*\).*/\1/p' <<<"$out")
why="rc=$rc $out; $(grep -c refused "$log" 2>/dev/null) refused lines"
expect "own set under 8 threads: own replacements and moves all allowed, every libc clobber refused" \
	eval '[ $rc -eq 0 ] && has "wrong=0" && [ "${n:-0}" -gt 0 ] && ! has "replaced=0 " && ! has "moved=0 "'
expect "own set under 8 threads: one refused line per clobber, lines whole" \
	eval '[ "$(grep -c "^noclobber: refused mmap(.* hint=" "$log")" = "$n" ]'
