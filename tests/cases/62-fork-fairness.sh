# On one CPU, with check=table, threads that clobber without pause take the
# region table's lock back over and over; a fork handler waiting for it must
# still get its turn (a plain spinlock starved it: fork never returned).
if command -v taskset >/dev/null; then
	out=$(timeout 60 taskset -c 0 env NOCLOBBER_OPTIONS="check=table:log_path=$TMP/fair.log" \
		LD_PRELOAD="$SHIM" "$T/forks" 50 0 2>&1)
	rc=$?
	why="rc=$rc $out"
	expect "fork fairness: 50 forks on one CPU beside clobbering threads finish, none deadlocked" \
		eval '[ $rc -eq 0 ] && has "forks=50 ok=50 deadlocked=0"'
else
	skipped "fork fairness" "taskset is not installed (util-linux)"
fi
