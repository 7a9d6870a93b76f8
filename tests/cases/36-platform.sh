# shellcheck shell=bash disable=SC2016,SC2034 # expect evaluates the quoted tests and reads why
# The platform under the shim (make check TARGET=...): the decision path it
# takes here, as help=1 says it; the doors only some ABIs have (mmap64 with a
# 64-bit offset, i386's mmap2 and old mmap); musl's mmap64, and a musl that
# exports none; libc's own malloc at work; the address space left on 32 bits;
# and the README's demo.
# Programs: tests/platform_probe.c, doors64.c, malloc_churn.c, spy/mmap64_spy.c.

# --- The decision path: what help=1 says, against what the platform answers -------
p_truth=$($PREFIX "$T/platform_probe" 2>&1)
p_overlap=kernel p_lookups=procmap_query
[[ $p_truth == *noreplace=no* ]] && p_overlap=table
[[ $p_truth == *procmap_query=no* ]] && p_lookups=maps_read
run_shim "help=1" "$T/clobber" free
p_said=$(grep '^noclobber: platform:' <<<"$out")
why="the platform without the shim: $p_truth; help=1 said: $out"
expect "platform: help=1 names the path this platform gives (overlap=$p_overlap lookups=$p_lookups)" \
	test "$p_said" = "noclobber: platform: overlap=$p_overlap lookups=$p_lookups"
run_shim "help=1:check=table" "$T/clobber" free
why="$out"
expect "platform: help=1 with check=table says overlap=table" \
	eval 'has "^noclobber: platform: overlap=table lookups=maps_read$" && has "^result=ok"'
# The README's Platforms table says the same for this target.
p_row=$(grep "^| \`$TARGET\` |" README.md | head -1)
why="README's row: ${p_row:-none}"
expect "README: the Platforms row of $TARGET names the path help=1 reports" \
	eval '[[ $p_row == *"overlap=$p_overlap"* && $p_row == *"lookups=$p_lookups"* ]]'

# --- mmap64 at an offset past 4 GiB of a sparse file --------------------------------
# On 64-bit ABIs and musl the same call as mmap; on i386 with glibc its own
# door, the only one with a 64-bit offset. A library placed after the shim
# (the spy) shows what the shim passes on to libc's mmap64 where that is a
# call of its own; the contents are checked where the platform maps them (the
# run without the shim says so: qemu-i386 7.2 cuts the offset to 32 bits).
p_big=$TMP/big.sparse
p_bare=$($PREFIX "$T/doors64" big-offset "$p_big" 2>&1 | grep '^plain:')
p_log=$TMP/m64.log
out=$(NOCLOBBER_OPTIONS="verbosity=1:log_path=$p_log" LD_PRELOAD="$SHIM:$T/libmmap64spy.so" $PREFIX \
	"$T/doors64" big-offset "$p_big" 2>&1)
rc=$?
why="status $rc: $out
log: $(cut -c1-300 "$p_log" 2>&1)
without the shim: $p_bare"
expect "mmap64 past 4 GiB: a plain mapping reads what it reads without the shim (here: ${p_bare#plain: })" \
	eval '[ $rc = 0 ] && [ -n "$p_bare" ] && has "^$p_bare$"'
expect "mmap64 past 4 GiB over libc: refused, the line names mmap64 and offset=4294971392" \
	eval 'has "^fixed-over-libc: result=EEXIST$" &&
	      [ "$(grep -c "^noclobber: refused mmap64(.*, offset=4294971392) .*victims=1: " "$p_log")" = 1 ]'
expect "mmap64 past 4 GiB over own memory: allowed (reason=own, offset=4294971392)" \
	eval 'has "^fixed-over-own: result=ok " &&
	      grep -q "^noclobber: allowed mmap64(.*, offset=4294971392) .* reason=own$" "$p_log"'
if [[ $p_bare == *marker=ok* ]]; then
	expect "mmap64 past 4 GiB: both mappings the shim let through read the file there" \
		eval 'has "^plain: marker=ok$" && has "^fixed-over-own: result=ok marker=ok$"'
fi
if [ "$TARGET" = i386 ]; then
	expect "mmap64 past 4 GiB (i386): libc's mmap64 gets the whole 64-bit offset from the shim, each time" \
		eval '[ "$(grep -c "^spy: mmap64 offset=4294971392$" <<<"$out")" -ge 2 ] && ! grep "^spy:" <<<"$out" | grep -qv "=4294971392$"'
fi

# --- i386's own system call doors -----------------------------------------------------
if [ "$TARGET" = i386 ]; then
	p_log=$TMP/mmap2.log
	run_shim "verbosity=1:log_path=$p_log" "$T/doors64" mmap2 "$p_big"
	why="status $rc: $out
log: $(cut -c1-300 "$p_log" 2>&1)"
	expect "door syscall(SYS_mmap2) over libc: refused, the offset in pages read as offset=4294971392" \
		eval '[ $rc = 0 ] && has "^mmap2-over-libc: result=EEXIST$" &&
		      [ "$(grep -c "^noclobber: refused syscall(SYS_mmap2)(.*, offset=4294971392) " "$p_log")" = 1 ]'
	expect "door syscall(SYS_mmap2) over own memory: allowed (reason=own)" \
		eval 'has "^mmap2-over-own: result=ok " && grep -q "^noclobber: allowed syscall(SYS_mmap2)(.* reason=own$" "$p_log"'
	# The old SYS_mmap takes a pointer to its six arguments (35-doors runs it as
	# door syscall-mmap here); a pointer that is no block gets the kernel's errno.
	p_bare=$($PREFIX "$T/doors64" old-mmap-efault 2>&1)
	run_shim "" "$T/doors64" old-mmap-efault
	why="without the shim: $p_bare; with it: $out"
	expect "door syscall(SYS_mmap), the old call: a bad block pointer gets EFAULT, as without the shim" \
		eval '[ "$out" = "$p_bare" ] && has "errno=EFAULT$"'
	# Addresses above 2 GiB print at 32 bits, as maps shows them, in both formats.
	run_shim "log_path=$TMP/high.log" "$T/doors64" high
	why="status $rc: $out
log: $(cat "$TMP/high.log" 2>&1)"
	expect "32-bit addresses above 2 GiB: the call, its victim and its hint printed at 32 bits" \
		eval '[ $rc = 0 ] && has "^high: result=EEXIST$" &&
		      grep -q "^noclobber: refused mmap(addr=0xb0000000, len=4096, .* victims=1: b0000000-b0001000 r--p 00000000 (anon) hint=0x[0-9a-f]\{1,8\}-0x[0-9a-f]\{1,8\}$" "$TMP/high.log"'
	run_shim "log_format=json:log_path=$TMP/high.json" "$T/doors64" high
	why="status $rc: $out
log: $(cat "$TMP/high.json" 2>&1)"
	expect "32-bit addresses above 2 GiB, JSON: addr and the victim's bounds at 32 bits" \
		eval '[ $rc = 0 ] && grep -q "\"addr\":\"0xb0000000\".*\"victims\":\[{\"start\":\"0xb0000000\",\"end\":\"0xb0001000\"" "$TMP/high.json"'
	# The shim's own memory leaves a 32-bit program its address space.
	p_bare=$($PREFIX "$T/doors64" reserve | sed -n 's/^reserved_mib=//p')
	run_shim "" "$T/doors64" reserve
	p_with=$(sed -n 's/^reserved_mib=//p' <<<"$out")
	why="MiB the program could reserve: $p_bare without the shim, $p_with with it"
	expect "32-bit address space: the shim takes at most 16 MiB of it (${p_bare:-?} MiB left without, ${p_with:-?} with)" \
		eval '[ -n "$p_bare" ] && [ -n "$p_with" ] && [ "$p_bare" -ge 2048 ] && [ $((p_bare - p_with)) -le 16 ]'
fi

# --- musl: mmap64 interposed where libc exports it, nothing broken where not ---------
if [ "$TARGET" = musl ]; then
	p_bare=$("$T/doors64" probe)
	run_shim "" "$T/doors64" probe
	why="without the shim: $p_bare; with it: $out"
	expect "musl: libc exports mmap64 here ($p_bare), and the shim's comes first" \
		eval '[ "$p_bare" = "mmap64=libc" ] && [ "$out" = "mmap64=shim" ]'
	# A musl that exports no mmap64 (as from 1.2.4 on): this one, its name
	# changed in the dynamic string table, run as the program's loader.
	p_ldso=$(readlink -f /lib/ld-musl-x86_64.so.1)
	p_libc=$TMP/libc-no-mmap64.so
	if command -v python3 >/dev/null && python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
if d.count(b"\0mmap64\0") != 1:
    sys.exit(1)
open(sys.argv[2], "wb").write(d.replace(b"\0mmap64\0", b"\0mmapXX\0"))' "$p_ldso" "$p_libc"; then
		chmod 755 "$p_libc"
		p_bare=$("$p_libc" "$T/doors64" probe 2>&1)
		p_log=$TMP/nomm64.log
		out=$(NOCLOBBER_OPTIONS="log_path=$p_log" LD_PRELOAD="$SHIM" "$p_libc" "$T/doors64" big-offset "$p_big" 2>&1)
		rc=$?
		why="status $rc; without the shim: $p_bare; with it: $out
log: $(cut -c1-200 "$p_log" 2>&1)"
		expect "musl without mmap64: the shim starts, its mmap64 refuses over libc and passes the offset on" \
			eval '[ "$p_bare" = "mmap64=absent" ] && [ $rc = 0 ] && has "^plain: marker=ok$" &&
			      has "^fixed-over-libc: result=EEXIST$" && has "^fixed-over-own: result=ok marker=ok$" &&
			      [ "$(grep -c "^noclobber: refused mmap64(.*offset=4294971392) " "$p_log")" = 1 ]'
	else
		bad "musl without mmap64: a copy of libc.so without the name" "python3 missing, or $p_ldso has not one mmap64 in its strings"
	fi
fi
rm -f "$p_big"

# --- libc's own malloc (glibc's or musl's), which maps and remaps by itself ----------
p_bare=$($PREFIX "$T/malloc_churn" 2>&1)
p_log=$TMP/churn.log
run_shim "allow=none:log_path=$p_log" "$T/malloc_churn"
why="status $rc; without the shim: $p_bare; with it: $out; log: $(head -c 600 "$p_log" 2>/dev/null)"
expect "libc's malloc under the shim (allow=none): the same result as without, nothing refused" \
	eval '[ $rc = 0 ] && [ "$out" = "$p_bare" ] && has "^malloc_churn ok " && ! grep -q refused "$p_log" 2>/dev/null'

# --- The demo, as README shows it ------------------------------------------------------
out=$(NC_BUILD=$BUILD bash scripts/demo.sh 2>&1)
rc=$?
why="status $rc: $out"
expect "demo: without the shim libc's text gets a hole; with it EEXIST, libc intact, one refused line" \
	eval '[ $rc = 0 ] && [ "$(grep -c "^  -> success: libc.s text now has a hole$" <<<"$out")" = 1 ] &&
	      [ "$(grep -c "^  -> MAP_FAILED, errno EEXIST$" <<<"$out")" = 1 ] &&
	      [ "$(grep -c "^noclobber: refused mmap(.*libc[.-]" <<<"$out")" = 1 ]'
