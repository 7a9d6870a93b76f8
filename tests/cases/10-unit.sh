# Unit tests: programs that print "ok - name" / "not ok - name: why" per check.
# One not built for this target (Makefile, UNIT_SKIP_*) is a skip: README lists it.
for u in tests/unit_*.c; do
	u=$(basename "$u" .c)
	[ -x "$T/$u" ] || skipped "$u" "not built for $TARGET"
done
for u in "$T"/unit_*; do
	[ -x "$u" ] || continue
	name=$(basename "$u")
	uout=$($PREFIX "$u" "$PWD/tests/maps" 2>&1)
	urc=$?
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok "$name: ${l#ok - }" ;;
		"not ok - "*) bad "$name: ${l#not ok - }" ;;
		esac
	done <<<"$uout"
	[ $urc -eq 0 ] || grep -q '^not ok' <<<"$uout" || bad "$name exits 0" "status $urc" "$uout"
done
