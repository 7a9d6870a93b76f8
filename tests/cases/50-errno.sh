# Calls that overlap nothing behave exactly as without the shim: errno_compare
# makes a battery of such calls and prints one line per call (result, errno,
# whether the asked address was used, whether errno survived a success). The
# run without the shim is the reference; each line of every shim run must equal
# it, and the shim must log nothing (none of these calls replaces anything; the
# kernel's own EEXIST for MAP_FIXED_NOREPLACE is not a clobber attempt).
# Reproduce one line:  LD_PRELOAD=build/libnoclobber.so build/tests/errno_compare NAME

ec_prog=$T/errno_compare
if [ ! -x "$ec_prog" ]; then
	bad "errno: $ec_prog is built" "run make tests"
else
	# As root and as an unprivileged user: the kernel's answers differ (below
	# vm.mmap_min_addr, for one), and the shim's must follow each.
	for ec_user in root nobody; do
	ec_as=() ec_who=
	if [ "$ec_user" = nobody ]; then
		ec_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		ec_who=" as nobody"
		if ! "${ec_as[@]}" true 2>/dev/null; then
			skipped "errno as nobody: the comparison as an unprivileged user" \
				"setpriv cannot become uid 65534 here (a user namespace that maps root alone)"
			continue
		fi
	fi
		ec_base=$("${ec_as[@]}" $PREFIX "$ec_prog" 2>"$TMP/errno.base.err")
		ec_brc=$?
		# The reference must be the kernel's own answers, or comparing to it proves
		# nothing: a few calls whose outcome is fixed by the ABI.
		ec_missing=
		for ec_want in "# shim=no" "# end" \
			"fixed-free ok same=yes errno=kept" \
			"fixed-file-private ok same=yes errno=kept" \
			"anon ok errno=kept" \
			"fixed-unaligned fail errno=EINVAL" \
			"zero-len fail errno=EINVAL" \
			"fixed-bad-fd fail errno=EBADF" \
			"fixed-shared-write-rdonly fail errno=EACCES" \
			"fixed-past-top fail errno=ENOMEM" \
			"noreplace-existing fail errno=EEXIST"; do
			grep -qxF -- "$ec_want" <<<"$ec_base" || ec_missing="$ec_missing
	missing: $ec_want"
		done
		why="status $ec_brc$ec_missing
	$ec_base"
		expect "errno$ec_who: reference run (no shim) gives the kernel's answers" \
			test "$ec_brc" = 0 -a -z "$ec_missing"

		for ec_opts in "" "check=table"; do
			ec_label=${ec_opts:-default}$ec_who
			ec_err=$TMP/errno.$ec_label.err
			ec_out=$(NOCLOBBER_OPTIONS="$ec_opts" "${ec_as[@]}" env LD_PRELOAD="$SHIM" $PREFIX "$ec_prog" 2>"$ec_err")
			ec_rc=$?
			why="NOCLOBBER_OPTIONS=$ec_opts: $ec_out"
			expect "errno[$ec_label]: the shim is the mmap the program calls" grep -qxF "# shim=yes" <<<"$ec_out"
			why="status $ec_rc (reference $ec_brc), $(grep -vc '^#' <<<"$ec_out") result lines (reference $(grep -vc '^#' <<<"$ec_base"))
	$(tail -3 <<<"$ec_out")"
			expect "errno[$ec_label]: runs to the end with the reference's status and line count" \
				test "$ec_rc" = "$ec_brc" -a "$(grep -vc '^#' <<<"$ec_out")" = "$(grep -vc '^#' <<<"$ec_base")" \
				-a "$(tail -1 <<<"$ec_out")" = "# end"
			while IFS= read -r ec_line; do
				case $ec_line in "#"* | "") continue ;; esac
				ec_name=${ec_line%% *}
				ec_got=$(grep -m1 -- "^$ec_name " <<<"$ec_out")
				ec_how=
				if [ -z "$ec_got" ]; then
					# The full run died earlier (that failed above); judge this call
					# on its own so one bug gives one FAIL.
					ec_got=$(NOCLOBBER_OPTIONS="$ec_opts" "${ec_as[@]}" env LD_PRELOAD="$SHIM" $PREFIX "$ec_prog" "$ec_name" 2>>"$ec_err" |
						grep -m1 -- "^$ec_name ")
					ec_how=" (run alone)"
				fi
				why="without the shim: $ec_line
	with the shim$ec_how: ${ec_got:-<no line: the program died>}"
				expect "errno[$ec_label]: $ec_name" test "$ec_got" = "$ec_line"
			done <<<"$ec_base"
			why=$(cat "$ec_err")
			expect "errno[$ec_label]: nothing logged" test -z "$(grep 'noclobber:' "$ec_err")"
		done
	done
fi
