# make install / make uninstall (mk/install.mk), into a DESTDIR or a PREFIX under
# $TMP, never the real /usr/local: exactly four files with sane modes, removed
# exactly by uninstall; the installed launcher finds the installed library;
# LD_PRELOAD=libnoclobber.so works by bare name from the installed lib directory;
# ldconfig runs only without DESTDIR. And the man page renders without warnings.

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
644 ./usr/local/share/man/man7/noclobber.7
755 ./usr/local/bin/noclobber
755 ./usr/local/bin/noclobber-report"
why="rc=$rc
$(cat "$TMP/make.out")
installed:
$listing"
expect "install DESTDIR PREFIX=/usr/local: exactly the four files, library and page 644, commands 755" \
	eval '[ $rc -eq 0 ] && [ "$listing" = "$want" ]'
expect "install: the files are the built ones" \
	eval 'cmp -s "$SHIM" "$root/usr/local/lib/libnoclobber.so" && cmp -s scripts/noclobber-report "$root/usr/local/bin/noclobber-report" &&
	      cmp -s docs/noclobber.7 "$root/usr/local/share/man/man7/noclobber.7"'
why=$(diff scripts/noclobber "$root/usr/local/bin/noclobber")
expect "install: the launcher is the script, with only the library directory filled in" \
	eval '[ "$(diff scripts/noclobber "$root/usr/local/bin/noclobber" | grep -c "^[<>]")" = 2 ] &&
	      grep -qx "installed_libdir=./usr/local/lib." "$root/usr/local/bin/noclobber"'
why="calls: $(cat "$TMP/ldconfig.calls" 2>&1)"
expect "install with DESTDIR: ldconfig is not run" test ! -e "$TMP/ldconfig.calls"

# The installed launcher finds the installed library ($PREFIX/bin/../lib), and works.
nc="$root/usr/local/bin/noclobber"
out=$("$nc" -- sh -c 'echo "[$LD_PRELOAD]"' 2>&1)
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
out=$("$TMP/elsewhere/noclobber" -- sh -c 'echo "[$LD_PRELOAD]"' 2>&1)
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

# uninstall: exactly those four files; anything else in the tree stays.
echo keep >"$root/usr/local/bin/other-tool"
nc_make uninstall DESTDIR="$root" PREFIX=/usr/local
rc=$?
listing=$(cd "$root" && find . ! -type d | sort)
why="rc=$rc $(cat "$TMP/make.out")
left: $listing"
expect "uninstall DESTDIR: the four files are gone, another file in bin stays" \
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
out=$("$pfx/bin/noclobber" -- sh -c 'echo "[$LD_PRELOAD]"' 2>&1)
rc=$?
why="rc=$rc $out"
expect "install LIBDIR=...: the launcher finds the library where make install put it" \
	eval '[ $rc -eq 0 ] && [ "$out" = "[$pfx/lib/elsewhere/libnoclobber.so]" ]'
nc_make uninstall PREFIX="$pfx" LIBDIR="$pfx/lib/elsewhere"
left=$(find "$pfx" ! -type d)
why="left: $left"
expect "uninstall PREFIX LIBDIR: nothing left" test -z "$left"

# `make` alone still builds the library: the included file does not take over the default goal.
goal=$(make -pq 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p' | tail -1)
why="default goal: $goal (a file in mk/ defines a rule before the Makefile's 'all' and does not keep the goal)"
expect "make: the default goal is still all (no mk/*.mk takes it over)" test "$goal" = all

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
# Every option of shim/options.def, the launcher's flags and the exit statuses are in it.
man_covers() {
	local k
	for k in $(grep -o '^NC_OPTION([a-z_]*' shim/options.def | cut -d'(' -f2); do
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
