# The other doors to a clobber: mremap(MREMAP_FIXED), shmat(SHM_REMAP) and
# syscall(SYS_mmap / SYS_mremap / SYS_shmat), under the same policy and log.

door_name() {
	case $1 in
	syscall-mmap) echo 'syscall(SYS_mmap)' ;;
	syscall-mremap) echo 'syscall(SYS_mremap)' ;;
	syscall-shmat) echo 'syscall(SYS_shmat)' ;;
	*) echo "$1" ;;
	esac
}
# What must hold of the door's own leftovers after a refusal.
door_after() {
	case $1 in
	*mremap) echo ' source=intact' ;;
	*shmat) echo ' nattch=0' ;;
	*) echo '' ;;
	esac
}

door_run() { # DOOR OPTIONS TARGET
	out=$(CLOBBER_DOOR="$1" NOCLOBBER_OPTIONS="$2" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" "$3" 2>&1)
	rc=$?
}

for d in mremap syscall-mremap shmat syscall-shmat syscall-mmap; do
	dname=$(door_name "$d")
	after=$(door_after "$d")
	for t in libc-data stack foreign-anon; do
		door_run "$d" "" "$t"
		why="$out"
		expect "door $d over $t: refused, memory intact${after:+, }${after# }, one line" \
			eval '[ $rc -eq 0 ] && has "result=EEXIST intact=yes$after" &&
			      [ "$(grep -cF "noclobber: refused $dname(" <<<"$out")" = 1 ]'
	done
	for t in own-anon foreign-none free; do
		door_run "$d" "" "$t"
		why="$out"
		expect "door $d over $t: allowed by default, nothing logged" \
			eval '[ $rc -eq 0 ] && has "result=ok" && ! has noclobber:'
	done
	for t in own-anon foreign-none; do
		door_run "$d" "allow=none" "$t"
		why="$out"
		expect "door $d over $t with allow=none: refused" \
			eval 'has "result=EEXIST" && [ "$(grep -cF "noclobber: refused $dname(" <<<"$out")" = 1 ]'
	done
	door_run "$d" "check=table" libc-data
	why="$out"
	expect "door $d over libc data, check=table: refused" \
		eval 'has "result=EEXIST intact=yes$after" && grep -qF "noclobber: refused $dname(" <<<"$out"'
	door_run "$d" "mode=warn:allow=none" own-anon
	why="$out"
	expect "door $d, mode=warn: performed and logged as allowed" \
		eval 'has "result=ok" && grep -qF "noclobber: allowed $dname(" <<<"$out"'
done

# The kernel's own EINVAL comes first: malformed moves onto libc are not clobbers.
for d in mremap-nomaymove mremap-unaligned mremap-overlap; do
	bare=$(CLOBBER_DOOR=$d "$T/clobber" libc-data 2>&1)
	door_run "$d" "" libc-data
	why="without the shim: $bare; with it: $out"
	expect "door $d: EINVAL as without the shim, nothing logged" \
		eval 'has "result=errno=22 intact=yes source=intact" && [ "$out" = "$bare" ]'
done

# The refused mremap really did not move: strace shows no MREMAP_FIXED reached
# the kernel, only the NOREPLACE placeholder that found the range taken.
if command -v strace >/dev/null; then
	CLOBBER_DOOR=mremap strace -f -e trace=mremap,mmap -o "$TMP/st.mremap" \
		env LD_PRELOAD="$SHIM" "$T/clobber" libc-data >/dev/null 2>&1
	why=$(grep -E 'mremap|NOREPLACE' "$TMP/st.mremap")
	expect "strace: a refused mremap never reaches the kernel" \
		eval '! grep -q "mremap(" "$TMP/st.mremap" && grep -q "MAP_FIXED_NOREPLACE.*EEXIST" "$TMP/st.mremap"'
fi
