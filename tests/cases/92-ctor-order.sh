# A library's constructor that calls mmap(MAP_FIXED), in every load order: the
# library preloaded before the shim (its constructor then runs after the
# shim's), after it (its constructor runs first, before the shim has looked up
# libc's mmap), linked into the program (DT_NEEDED), and loaded with dlopen.
# Each time: MAP_FIXED over libc's text refused with EEXIST (libc intact, one
# refused line naming the library as the caller, in log_path), MAP_FIXED over
# the constructor's own fresh mapping allowed.
# (A constructor that runs before libc is set up at all: own_malloc, 60-safety.)
# The library and programs are built here, from tests/ctor_lib/*.c.

if [ ! -x "$T/hardening" ]; then
	bad "ctor order: test programs built" "missing: hardening (run make tests)"
	return 0
fi
c9_cc=$TEST_CC # this target's compiler
if [ -z "$c9_cc" ]; then
	skipped "ctor order: every check" "no C compiler (cc, gcc, clang)"
	return 0
fi
c9_dir=$TMP/ctor
mkdir -p "$c9_dir"
c9_flags="-std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ishim/core -Itests"
c9_build=$( {
	$c9_cc $c9_flags -shared -fPIC tests/ctor_lib/ctor.c -o "$c9_dir/libncctor.so" -ldl &&
	$c9_cc $c9_flags tests/ctor_lib/main.c -L"$c9_dir" -lncctor -Wl,-rpath,"$c9_dir" -Wl,--no-as-needed \
		-o "$c9_dir/needed_main" &&
	$c9_cc $c9_flags tests/ctor_lib/dlopen.c -o "$c9_dir/dlopen_main" -ldl
} 2>&1)
c9_rc=$?
why="$c9_cc: $c9_build"
expect "ctor order: the library and programs build ($c9_cc, warnings are errors)" test $c9_rc = 0
[ $c9_rc = 0 ] || return 0
c9_lib=$c9_dir/libncctor.so

# c9_run LABEL LD_PRELOAD PROGRAM ARGS...: stdout+stderr in $out, log in $c9_log.
c9_run() {
	local label=$1 preload=$2
	shift 2
	c9_log=$c9_dir/$label.log
	rm -f "$c9_log"
	out=$(timeout 20 env NOCLOBBER_OPTIONS="log_path=$c9_log" LD_PRELOAD="$preload" $PREFIX "$@" 2>&1)
	rc=$?
}
c9_check() { # LABEL MAIN-LINE
	local label=$1 main=$2 w
	w="status $rc: $out
log: $(cut -c1-300 "$c9_log" 2>&1)"
	why=$w
	expect "ctor order [$label]: the constructor's mmap is the shim's" has '^ctor: mmap=shim$'
	why=$w
	expect "ctor order [$label]: libc's text refused (EEXIST), intact" has '^ctor libc-text: result=EEXIST intact=yes$'
	why=$w
	expect "ctor order [$label]: the constructor's own fresh mapping replaced (allowed)" has '^ctor own-anon: result=ok$'
	why=$w
	expect "ctor order [$label]: the program ran on, status 0" eval '[ $rc = 0 ] && has "^$main$"'
	why=$w
	expect "ctor order [$label]: one refused line in log_path, caller in libncctor.so; nothing on stderr" \
		eval '[ "$(grep -c "^noclobber: refused mmap(" "$c9_log" 2>/dev/null)" = 1 ] &&
		      grep -q "^noclobber: refused mmap(.* caller=$c9_lib+0x[0-9a-f]* .*victims=1: .*libc[.-][^ ]* (image)" "$c9_log" &&
		      [ "$(grep -c "^noclobber: summary: pid=[0-9]* clobber_attempts=1$" "$c9_log")" = 1 ] && ! has noclobber:'
}

c9_run lib-first "$c9_lib:$SHIM" "$T/hardening" free
c9_check "LD_PRELOAD=lib:shim" "result=ok intact=n/a"
c9_run shim-first "$SHIM:$c9_lib" "$T/hardening" free
c9_check "LD_PRELOAD=shim:lib" "result=ok intact=n/a"
c9_run needed "$SHIM" "$c9_dir/needed_main"
c9_check "DT_NEEDED" "main: ctor_ran=1"
c9_run dlopen "$SHIM" "$c9_dir/dlopen_main" "$c9_lib"
c9_check "dlopen" "main: dlopen=ok"
for c9_opts in check=table allow=own; do
	c9_log=$c9_dir/shim-first-$c9_opts.log
	rm -f "$c9_log"
	out=$(timeout 20 env NOCLOBBER_OPTIONS="$c9_opts:log_path=$c9_log" LD_PRELOAD="$SHIM:$c9_lib" $PREFIX "$T/hardening" free 2>&1)
	rc=$?
	c9_check "LD_PRELOAD=shim:lib, $c9_opts" "result=ok intact=n/a"
done

# Both orders of constructors really happened: with shim:lib the library's
# constructor runs before the shim's, with lib:shim after it (the loader runs
# preloaded objects' initialisers in reverse order). LD_DEBUG shows the order.
c9_order() { # PRELOAD: "lib" or "shim", whichever initialiser ran first
	LD_DEBUG=files LD_PRELOAD="$1" "$T/hardening" free 2>&1 >/dev/null |
		sed -n 's/.*calling init: //p' | grep -E 'libncctor|libnoclobber' | head -1 |
		sed -e 's/.*libncctor.*/lib/' -e 's/.*libnoclobber.*/shim/'
}
c9_a=$(c9_order "$SHIM:$c9_lib")
c9_b=$(c9_order "$c9_lib:$SHIM")
why="LD_PRELOAD=shim:lib: $c9_a's initialiser first; LD_PRELOAD=lib:shim: $c9_b's first"
if [ -z "$c9_a$c9_b" ]; then
	skipped "ctor order: both constructor orders covered" "the loader's LD_DEBUG=files does not show initialisers here"
else
	expect "ctor order: both orders covered (the library's constructor before the shim's, and after)" \
		test "$c9_a" = lib -a "$c9_b" = shim
fi
