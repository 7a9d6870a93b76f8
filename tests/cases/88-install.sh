# make install / make uninstall (Makefile), into a DESTDIR or a PREFIX under
# $TMP, never the real /usr/local: exactly six files with sane modes (the
# library, the launcher, the report, the page and its two aliases), removed
# exactly by uninstall; the installed launcher finds the installed library;
# LD_PRELOAD=libnoclobber.so works by bare name from the installed lib directory;
# ldconfig runs after install and uninstall, only without DESTDIR; paths with
# spaces, quotes and & are taken whole; `man` opens the page by each of its
# names. And the man page renders without warnings.

if ! command -v make >/dev/null; then
	skipped "install: every check" "make is not installed"
	return 0
fi

# A stand-in ldconfig, first in PATH: it records that it ran, and changes nothing.
mkdir -p "$TMP/fakebin"
cat >"$TMP/fakebin/ldconfig" <<EOF
#!/bin/sh
echo "ldconfig \$*" >>"$TMP/ldconfig.calls"
EOF
chmod +x "$TMP/fakebin/ldconfig"
nc_make() { PATH="$TMP/fakebin:$PATH" make --no-print-directory "$@" >"$TMP/make.out" 2>&1; }

root="$TMP/root"
rm -rf "$root" "$TMP/ldconfig.calls"
nc_make install DESTDIR="$root" PREFIX=/usr/local
rc=$?
listing=$(cd "$root" 2>/dev/null && find . ! -type d -printf '%m %p\n' | sort)
want="644 ./usr/local/lib/libnoclobber.so
644 ./usr/local/share/man/man1/noclobber-report.1
644 ./usr/local/share/man/man7/libnoclobber.7
644 ./usr/local/share/man/man7/noclobber.7
755 ./usr/local/bin/noclobber
755 ./usr/local/bin/noclobber-report"
why="rc=$rc
$(cat "$TMP/make.out")
installed:
$listing"
expect "install DESTDIR PREFIX=/usr/local: exactly the six files, library and pages 644, commands 755" \
	eval '[ $rc -eq 0 ] && [ "$listing" = "$want" ]'
expect "install: the files are the built ones" \
	eval 'cmp -s "$SHIM" "$root/usr/local/lib/libnoclobber.so" && cmp -s scripts/noclobber-report "$root/usr/local/bin/noclobber-report" &&
	      cmp -s docs/noclobber.7 "$root/usr/local/share/man/man7/noclobber.7"'
why=$(grep -a -o "/usr/local/lib[^[:cntrl:]]*" "$root/usr/local/bin/noclobber")
expect "install: the launcher has the library directory built in (LIBDIR, not the DESTDIR path)" \
	eval 'grep -qaF -x "/usr/local/lib" <(tr -c "[:print:]" "\\n" <"$root/usr/local/bin/noclobber") && ! grep -qaF "$root" "$root/usr/local/bin/noclobber"'
why="calls: $(cat "$TMP/ldconfig.calls" 2>&1)"
expect "install with DESTDIR: ldconfig is not run" test ! -e "$TMP/ldconfig.calls"

# The installed launcher finds the installed library ($PREFIX/bin/../lib), and works.
nc="$root/usr/local/bin/noclobber"
out=$("$nc" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
rc=$?
why="rc=$rc $out"
expect "installed launcher: preloads the installed library next to it" \
	eval '[ $rc -eq 0 ] && [ "$out" = "[$(readlink -f "$root/usr/local/lib/libnoclobber.so")]" ]'
out=$("$nc" -- "$T/clobber" libc-text 2>&1)
rc=$?
why="rc=$rc $out"
expect "installed launcher: an attempt is refused and gives 66" \
	eval '[ $rc -eq 66 ] && has "result=EEXIST" && has "^noclobber: refused mmap("'
mkdir -p "$TMP/elsewhere"
ln -sf "$nc" "$TMP/elsewhere/noclobber"
out=$("$TMP/elsewhere/noclobber" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
rc=$?
why="rc=$rc $out"
expect "installed launcher through a symbolic link elsewhere: still finds the library" \
	eval '[ $rc -eq 0 ] && [ "$out" = "[$(readlink -f "$root/usr/local/lib/libnoclobber.so")]" ]'
mkdir -p "$TMP/no-logs"
out=$("$root/usr/local/bin/noclobber-report" "$TMP/no-logs" 2>&1)
rc=$?
why="rc=$rc $out"
expect "installed report: runs" eval '[ $rc -eq 0 ] && grep -q "no log files" <<<"$out"'

# By bare name from the installed lib directory (LD_LIBRARY_PATH stands in for
# the ld.so.cache entry that ldconfig makes for /usr/local/lib).
out=$(LD_LIBRARY_PATH="$root/usr/local/lib" LD_PRELOAD=libnoclobber.so "$T/clobber" libc-text 2>&1)
rc=$?
why="rc=$rc $out"
expect "installed library: LD_PRELOAD=libnoclobber.so by bare name is found and refuses" \
	eval '[ $rc -eq 0 ] && has "result=EEXIST intact=yes" && has "^noclobber: refused mmap("'
out=$(LD_PRELOAD=libnoclobber.so "$T/clobber" libc-text 2>&1)
why="$out"
expect "bare name without the installed directory in the search path: not found (the check above means something)" \
	eval 'has "result=ok" || has "cannot be preloaded"'

# uninstall: exactly those six files; anything else in the tree stays.
echo keep >"$root/usr/local/bin/other-tool"
nc_make uninstall DESTDIR="$root" PREFIX=/usr/local
rc=$?
listing=$(cd "$root" && find . ! -type d | sort)
why="rc=$rc $(cat "$TMP/make.out")
left: $listing"
expect "uninstall DESTDIR: the six files are gone, another file in bin stays" \
	eval '[ $rc -eq 0 ] && [ "$listing" = "./usr/local/bin/other-tool" ]'
nc_make uninstall DESTDIR="$root" PREFIX=/usr/local
rc=$?
why="rc=$rc $(cat "$TMP/make.out")"
expect "uninstall twice: still status 0" test $rc -eq 0

# Without DESTDIR (a PREFIX under $TMP): ldconfig runs; a LIBDIR apart from the
# PREFIX is found by the launcher through the path make install wrote into it.
pfx="$TMP/pfx"
rm -rf "$pfx" "$TMP/ldconfig.calls"
nc_make install PREFIX="$pfx" LIBDIR="$pfx/lib/elsewhere"
rc=$?
why="rc=$rc $(cat "$TMP/make.out") calls: $(cat "$TMP/ldconfig.calls" 2>&1)"
expect "install without DESTDIR: ldconfig is run" eval '[ $rc -eq 0 ] && [ -s "$TMP/ldconfig.calls" ]'
out=$("$pfx/bin/noclobber" -- sh -c 'echo "[$LD_PRELOAD]"' 2>/dev/null)
rc=$?
why="rc=$rc $out"
expect "install LIBDIR=...: the launcher finds the library where make install put it" \
	eval '[ $rc -eq 0 ] && [ "$out" = "[$pfx/lib/elsewhere/libnoclobber.so]" ]'
rm -f "$TMP/ldconfig.calls"
nc_make uninstall PREFIX="$pfx" LIBDIR="$pfx/lib/elsewhere"
left=$(find "$pfx" ! -type d)
why="left: $left"
expect "uninstall PREFIX LIBDIR: nothing left" test -z "$left"
why="calls: $(cat "$TMP/ldconfig.calls" 2>&1)"
expect "uninstall without DESTDIR: ldconfig is run, so the loader's cache forgets the library" test -s "$TMP/ldconfig.calls"

# Spaces, quotes, & and ; in DESTDIR and PREFIX: every file where it belongs,
# nothing made anywhere else, nothing run in the background, and uninstall
# deletes only what install made (not /tmp/x for DESTDIR="/tmp/x staging").
qroot="$TMP/q root"
qdest="$qroot/st age&x'q\"d;"
qpfx="/us r/lo&c'al\"x"
rm -rf "$qroot"
mkdir -p "$qroot"
echo keep >"$qroot/st"
echo keep >"$TMP/q"
touch "$TMP/before-install"
nc_make install DESTDIR="$qdest" PREFIX="$qpfx"
rc=$?
listing=$(cd "$qroot" && find . ! -type d | sort)
stray=$(find "$PWD" "$TMP" -newer "$TMP/before-install" ! -type d ! -path "$qroot/*" ! -path "$TMP/make.out" ! -path "$PWD/build/*" 2>/dev/null)
want="./st
./st age&x'q\"d;/us r/lo&c'al\"x/bin/noclobber
./st age&x'q\"d;/us r/lo&c'al\"x/bin/noclobber-report
./st age&x'q\"d;/us r/lo&c'al\"x/lib/libnoclobber.so
./st age&x'q\"d;/us r/lo&c'al\"x/share/man/man1/noclobber-report.1
./st age&x'q\"d;/us r/lo&c'al\"x/share/man/man7/libnoclobber.7
./st age&x'q\"d;/us r/lo&c'al\"x/share/man/man7/noclobber.7"
why="rc=$rc $(cat "$TMP/make.out")
installed: $listing
made elsewhere: $stray"
expect "install with spaces, quotes, & and ; in DESTDIR and PREFIX: the six files there, nothing elsewhere" \
	eval '[ $rc -eq 0 ] && [ "$listing" = "$want" ] && [ -z "$stray" ]'
qnc="$qdest$qpfx/bin/noclobber"
out=$("$qnc" -- "$T/clobber" libc-text 2>&1)
rc=$?
why="rc=$rc $out"
expect "installed launcher under such a prefix: finds its library (through a link: ld.so splits LD_PRELOAD at spaces) and gives 66" \
	eval '[ $rc -eq 66 ] && has "result=EEXIST intact=yes" && has "^noclobber: 1 clobber attempt (1 refused) in 1 process"'
nc_make uninstall DESTDIR="$qdest" PREFIX="$qpfx"
rc=$?
left=$(cd "$qroot" && find . ! -type d | sort)
why="rc=$rc $(cat "$TMP/make.out") left: $left"
expect "uninstall with such paths: the six files gone, a file named like the path's first word stays" \
	eval '[ $rc -eq 0 ] && [ "$left" = "./st" ] && [ -e "$TMP/q" ]'
mkdir -p "$TMP/x staging"
echo keep >"$TMP/x"
nc_make uninstall DESTDIR="$TMP/x staging"
rc=$?
why="rc=$rc $(cat "$TMP/make.out")"
expect "uninstall DESTDIR=\"/tmp/x staging\": an unrelated file /tmp/x stays" eval '[ $rc -eq 0 ] && [ -e "$TMP/x" ]'

# man opens the page by each name the README uses: noclobber, noclobber-report, libnoclobber.
nc_make install DESTDIR="$qdest" PREFIX="$qpfx"
if command -v man >/dev/null; then
	for page in noclobber noclobber-report libnoclobber; do
		out=$(MANPATH="$qdest$qpfx/share/man" MANWIDTH=100 man -P cat "$page" 2>&1)
		rc=$?
		why="rc=$rc $(head -20 <<<"$out")"
		expect "man $page: opens the page" \
			eval '[ $rc -eq 0 ] && grep -q "^NAME" <<<"$out" && grep -q "noclobber-report, libnoclobber.so - refuse mmap(MAP_FIXED)" <<<"$out"'
	done
else
	skipped "man: the page opens by each name" "man is not installed"
fi
nc_make uninstall DESTDIR="$qdest" PREFIX="$qpfx"

# `make` alone still builds the library: the files it includes (tests/bench/bench.mk,
# tests/fuzz/fuzz.mk) do not take over the default goal.
goal=$(make -pq 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p' | tail -1)
why="default goal: $goal (an included .mk file defines a rule before the Makefile's 'all' and does not keep the goal)"
expect "make: the default goal is still all (no included .mk file takes it over)" test "$goal" = all

# The man page: renders without warnings.
if command -v groff >/dev/null; then
	why=$(groff -man -ww -z docs/noclobber.7 2>&1)
	expect "man page: groff -man -ww renders docs/noclobber.7 without a warning" test -z "$why"
elif command -v mandoc >/dev/null; then
	why=$(mandoc -T lint -W warning docs/noclobber.7 2>&1)
	expect "man page: mandoc -T lint finds nothing" test -z "$why"
else
	skipped "man page lint" "neither groff nor mandoc is installed"
fi
# Every option of shim/core/options.def, the launcher's flags and the exit statuses are in it.
man_covers() {
	local k
	for k in $(grep -o '^NC_OPTION([a-z_]*' shim/core/options.def | cut -d'(' -f2); do
		grep -q "^\.BR $k=" docs/noclobber.7 || {
			why="option $k is not in the man page"
			return 1
		}
	done
	for k in mode allow strict log-dir json quiet help; do
		grep -qF -- "\\-\\-${k//-/\\-}" docs/noclobber.7 || {
			why="flag --$k is not in the man page"
			return 1
		}
	done
	for k in '^\.B 66$' '^\.B 2$' '^\.B 1$' '^\.SH LIMITS' '^\.SS JSON' '^\.SS Text' 'exitcode='; do
		grep -q "$k" docs/noclobber.7 || {
			why="$k is not in the man page"
			return 1
		}
	done
}
expect "man page: every option of options.def, every launcher flag, the exit statuses, formats and limits" man_covers
