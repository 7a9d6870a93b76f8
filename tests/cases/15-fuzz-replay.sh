# The fuzz corpus (tests/fuzz/corpus/, plus the big seeds tests/fuzz/make-seeds.sh writes to
# build/fuzz/seeds-maps) replayed through both fuzz targets, built with ASan and
# UBSan by the compiler of this run: any input that crashes, reads out of
# bounds, or breaks a target's checks (a table out of order, an error that is
# not one whole line) fails here. `make fuzz` finds new inputs; this keeps them.

fz_count() { # files under the given paths
	find "$@" -type f ! -name '.*' 2>/dev/null | wc -l
}
for fz_t in maps options; do
	fz_bin=$BUILD/fuzz/replay_$fz_t # this target's (UBSan alone where ASan cannot run)
	if [ ! -x "$fz_bin" ]; then
		bad "fuzz replay [$fz_t]: the replayer is built" "missing: $fz_bin (run make tests)"
		continue
	fi
	why="$(nm "$fz_bin" 2>&1 | grep -c -e __asan_init -e __ubsan_handle) sanitizer symbols"
	expect "fuzz replay [$fz_t]: the replayer is built with ASan and UBSan" \
		eval 'nm "$fz_bin" | grep -q __asan_init && nm "$fz_bin" | grep -q __ubsan_handle'
	fz_in=("tests/fuzz/corpus/$fz_t")
	[ $fz_t = maps ] && fz_in+=("$BUILD/fuzz/seeds-maps")
	fz_n=$(fz_count "${fz_in[@]}")
	out=$(timeout 600 "$fz_bin" "${fz_in[@]}" 2>&1)
	rc=$?
	why="status $rc: $(tail -c 1500 <<<"$out")"
	expect "fuzz replay [$fz_t]: all $fz_n inputs run clean under ASan and UBSan" \
		eval '[ $rc = 0 ] && [ "$(tail -1 <<<"$out")" = "replayed $fz_n inputs" ] && [ "$fz_n" -gt 3 ]'
done
