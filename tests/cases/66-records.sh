# The own set follows what the kernel did (records.c): a munmap, mremap or shmdt
# the kernel refused changes nothing; more mappings and attachments than a fixed
# table would hold are all recorded; a mapping made in a signal handler that
# interrupted the shim is recorded once the shim is left. Each case runs without
# the shim (the reference: the kernel's behaviour) and with it, default options
# and check=table; every run must say "ok".
# Reproduce one:  LD_PRELOAD=build/libnoclobber.so build/tests/records CASE
rec=$T/records
# own-many needs 140,000 mappings: raise vm.max_map_count where we may, and put
# it back afterwards.
rec_mmc=$(cat /proc/sys/vm/max_map_count 2>/dev/null)
rec_raised=
if [ -n "$rec_mmc" ] && [ "$rec_mmc" -lt 262144 ] && (echo 262144 >/proc/sys/vm/max_map_count) 2>/dev/null; then
	rec_raised=1
fi
rec_fifo=$TMP/records.fifo
for rec_case in munmap-sealed munmap-max-map-count mremap-partly-own shmdt-stale attachments-many own-many \
	handler-maps handler-burst handler-storm; do
	for rec_opts in none "" check=table; do
		rec_env=()
		if [ "$rec_case" = handler-maps ] || [ "$rec_case" = handler-burst ]; then
			[ "$rec_opts" = none ] && continue # a clobber of libc: only with the shim
			rm -f "$rec_fifo"
			mkfifo "$rec_fifo"
			rec_env=(RECORDS_FIFO="$rec_fifo")
			rec_opts="$rec_opts${rec_opts:+:}log_path=$rec_fifo"
		fi
		# Under qemu-user a handler's calls cost far more: a slower storm.
		[ "$rec_case" = handler-storm ] && [ -n "$nc_elf" ] && rec_env=(RECORDS_STORM_US=1000 RECORDS_STORM_RUNS=500)
		if [ "$rec_opts" = none ]; then
			out=$(env "${rec_env[@]}" timeout 120 $PREFIX "$rec" "$rec_case" 2>&1)
		else
			out=$(timeout 120 env "${rec_env[@]}" NOCLOBBER_OPTIONS="$rec_opts" LD_PRELOAD="$SHIM" \
				$PREFIX "$rec" "$rec_case" 2>&1)
		fi
		rc=$?
		label="records[$rec_case, ${rec_opts%%log_path=*}]"; label=${label/, ]/, default]}; label=${label/:]/]}
		if grep -q "^$rec_case skip: " <<<"$out"; then
			skipped "$label" "$(grep -m1 "^$rec_case skip: " <<<"$out" | sed 's/^[^:]*: //')"
			continue
		fi
		why="status $rc: $out"
		expect "$label: ok" eval '[ $rc -eq 0 ] && grep -qx "$rec_case ok" <<<"$out"'
		if [ "$rec_case" = handler-burst ]; then
			# More changes than the queue holds: the set is rebuilt from what is
			# mapped (no false refusal above), and the log says so once.
			expect "$label: the record rebuilt, one notice naming why" \
				eval '[ "$(grep -c "^log: " <<<"$out")" = 1 ] &&
				      grep -q "^log: noclobber: signal handlers made more changes than could wait for the shim.s record of this process.s own mappings: every private anonymous mapping now counts as its own$" <<<"$out"'
		fi
	done
done
if [ -n "$rec_raised" ]; then
	echo "$rec_mmc" >/proc/sys/vm/max_map_count
fi

# No memory for a record (RLIMIT_AS leaves room for the program's mappings, not
# for the shim's table to grow): the replacement of the unrecorded mapping is
# refused, but never silently: one notice says why, before the refused line.
out=$($PREFIX "$rec" own-nomem 2>&1)
why=$out
expect "records[own-nomem, none]: the reference run replaces its mapping" test "$out" = "own-nomem last=ok"
out=$(LD_PRELOAD="$SHIM" $PREFIX "$rec" own-nomem 2>"$TMP/nomem.err")
rc=$?
why="status $rc, $out; $(cut -c1-200 "$TMP/nomem.err")"
expect "records[own-nomem]: refused only after one notice that records were lost" \
	eval '[ $rc = 0 ] && [ "$out" = "own-nomem last=EEXIST" ] &&
	      [ "$(grep -c "^noclobber: some of this process.s own mappings could not be recorded" "$TMP/nomem.err")" = 1 ] &&
	      [ "$(grep -n -m1 "^noclobber: some of this p" "$TMP/nomem.err" | cut -d: -f1)" -lt "$(grep -n -m1 "^noclobber: refused" "$TMP/nomem.err" | cut -d: -f1)" ] &&
	      [ "$(grep -c "^noclobber: refused mmap(" "$TMP/nomem.err")" = 1 ]'
