# RTLD_DEEPBIND (issue 13): a plugin opened with it looks mmap, syscall...
# up in its own dependencies first, libc among them, past the preload. The
# shim follows such a load and points the new objects' slots at itself
# (shim/dlopen.c, shim/relocs.c). Checked here, without the supervisor:
#   - the plugin's mmap, syscall(SYS_mmap) (called, through a GOT pointer and
#     through a pointer in data) and its new dependency's mmap over libc's
#     text: refused (EEXIST), libc intact, one line each naming the caller in
#     the plugin (or the dependency) and libc's text as the victim; its own
#     fresh memory replaced (allowed); its RELRO page read-only again; bound
#     lazily (RTLD_LAZY) and not, built with -z now -z relro and without;
#   - the same plugin opened without RTLD_DEEPBIND: the same refusals;
#   - dlopen never changes what is loaded: by bare name through the program's
#     RUNPATH and DT_RPATH (each with LD_LIBRARY_PATH naming another copy, whose
#     order against them differs), "$ORIGIN/..." and "${ORIGIN}/...", with and
#     without RTLD_DEEPBIND: the same object as without the shim;
#   - dlopen's failures (a missing file by each kind of name, a file that is not
#     ELF): NULL and the same dlerror() text as without the shim.
# The programs are built here, from tests/deepbind/*.c.

db_cc=$TEST_CC # this target's compiler
if [ -z "$db_cc" ]; then
	skipped "deepbind: every check" "no C compiler (cc, gcc, clang)"
	return 0
fi
db_dir=$TMP/deepbind
mkdir -p "$db_dir/other"
db_flags="-std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ishim/core -Itests"
db_build=$( {
	$db_cc $db_flags -shared -fPIC tests/deepbind/dep.c -o "$db_dir/libncdeepdep.so" &&
	$db_cc $db_flags -shared -fPIC tests/deepbind/plugin.c -L"$db_dir" -lncdeepdep \
		-Wl,--enable-new-dtags,-rpath,'$ORIGIN' -o "$db_dir/libncdeep.so" &&
	$db_cc $db_flags -shared -fPIC tests/deepbind/plugin.c -L"$db_dir" -lncdeepdep \
		-Wl,--enable-new-dtags,-rpath,'$ORIGIN',-z,now,-z,relro -o "$db_dir/libncdeepnow.so" &&
	$db_cc $db_flags tests/deepbind/main.c -Wl,--enable-new-dtags,-rpath,'$ORIGIN' -o "$db_dir/deep_main" -ldl &&
	$db_cc $db_flags tests/deepbind/main.c -Wl,--disable-new-dtags,-rpath,'$ORIGIN' -o "$db_dir/deep_main_rpath" -ldl &&
	cp "$db_dir/libncdeep.so" "$db_dir/libncdeepdep.so" "$db_dir/other/" &&
	echo 'not an ELF file' >"$db_dir/notelf.so"
} 2>&1)
db_rc=$?
why="$db_cc: $db_build"
expect "deepbind: the plugin and programs build ($db_cc, warnings are errors)" test $db_rc = 0
[ $db_rc = 0 ] || return 0

# db_run LABEL PROGRAM ARGS...: with the shim, from /, with the variable
# assignment $db_env, stdout+stderr in $out, status in $rc, the log in $db_log.
db_env=NC_DEEPBIND_TEST=1
db_run() {
	local label=$1
	shift
	db_log=$db_dir/$label.log
	rm -f "$db_log"
	out=$(cd / && timeout 60 env "$db_env" NOCLOBBER_OPTIONS="log_path=$db_log" LD_PRELOAD="$SHIM" $PREFIX "$@" 2>&1)
	rc=$?
}
# db_ref PROGRAM ARGS...: the same without the shim, in $ref.
db_ref() { ref=$(cd / && timeout 60 env "$db_env" $PREFIX "$@" 2>&1); }
# db_both PROGRAM ARGS...: without the shim and with it; both in $why.
db_both() {
	db_ref "$@"
	db_run both "$@"
	why="without the shim:
$ref
with it (status $rc):
$out"
}

# The plugin's clobbers, each kind of load. Names: "deepbind: RTLD_DEEPBIND..."
# (musl has no RTLD_DEEPBIND: README, Platforms) and "deepbind: plain ...".
for db_lib in libncdeep.so libncdeepnow.so; do
	for db_mode in deep lazy plain; do
		case $db_mode in
		deep) db_what="RTLD_DEEPBIND|RTLD_NOW" ;;
		lazy) db_what="RTLD_DEEPBIND|RTLD_LAZY" ;;
		plain) db_what="plain RTLD_NOW, no RTLD_DEEPBIND" ;;
		esac
		db_name="deepbind: ${db_what%%|*} [$db_lib, $db_what]"
		[ $db_mode = plain ] && db_name="deepbind: plain [$db_lib, $db_what]"
		db_ref "$db_dir/deep_main" "$db_dir/$db_lib" "$db_mode" deep_relro
		db_run "$db_lib-$db_mode" "$db_dir/deep_main" "$db_dir/$db_lib" "$db_mode" deep_libc deep_syscall \
			deep_syscall_ptr deep_dep deep_own deep_relro
		w="status $rc: $out
log: $(cut -c1-400 "$db_log" 2>&1)"
		why=$w
		expect "$db_name: mmap over libc's text refused (EEXIST), libc intact" has '^plugin libc-text: result=EEXIST intact=yes$'
		why=$w
		expect "$db_name: syscall(SYS_mmap) over libc's text refused, libc intact" \
			has '^plugin syscall-libc-text: result=EEXIST intact=yes$'
		why=$w
		expect "$db_name: the same through a pointer to syscall in code (GOT) and in data" \
			eval 'has "^plugin syscall-pointer-libc-text: result=EEXIST intact=yes$" &&
			      has "^plugin syscall-data-pointer-libc-text: result=EEXIST intact=yes$"'
		why=$w
		expect "$db_name: the dependency it loaded: mmap over libc's text refused" \
			has '^dep libc-text: result=EEXIST intact=yes$'
		why=$w
		expect "$db_name: its own fresh mapping replaced (allowed)" has '^plugin own-anon: result=ok$'
		why="$w
without the shim: $ref"
		expect "$db_name: its RELRO page as without the shim (read-only)" \
			eval 'has "^plugin relro: r--p$" && grep -q "^plugin relro: r--p$" <<<"$ref"'
		why=$w
		expect "$db_name: five refused lines, each naming its caller and libc's text; status 0" \
			eval '[ $rc = 0 ] && [ "$(grep -c "^noclobber: refused " "$db_log" 2>/dev/null)" = 5 ] &&
			      [ "$(grep -c "^noclobber: refused mmap(.* caller=$db_dir/$db_lib+0x[0-9a-f]* .*victims=1: .*libc[.-][^ ]* $NC_IMAGE" "$db_log")" = 1 ] &&
			      [ "$(grep -c "^noclobber: refused syscall(SYS_mmap)(.* caller=$db_dir/$db_lib+0x[0-9a-f]* .*victims=1: .*libc[.-][^ ]* $NC_IMAGE" "$db_log")" = 3 ] &&
			      [ "$(grep -c "^noclobber: refused mmap(.* caller=$db_dir/libncdeepdep.so+0x[0-9a-f]* .*victims=1: .*libc[.-][^ ]* $NC_IMAGE" "$db_log")" = 1 ] &&
			      grep -q "^noclobber: summary: pid=[0-9]* clobber_attempts=5$" "$db_log"'
	done
done

# What dlopen loads, and how it fails, with the shim as without it: the
# program's RUNPATH or DT_RPATH ($ORIGIN), LD_LIBRARY_PATH naming another copy
# (searched before RUNPATH, after DT_RPATH), "$ORIGIN/...", "${ORIGIN}/...".
# Run from /, so that nothing is found relative to the working directory.
for db_prog in deep_main deep_main_rpath; do
	for db_ldlp in none other; do
		for db_file in libncdeep.so '$ORIGIN/libncdeep.so' '${ORIGIN}/libncdeepnow.so'; do
			for db_mode in plain deep lazy; do
				db_env=NC_DEEPBIND_TEST=1
				[ $db_ldlp = other ] && db_env="LD_LIBRARY_PATH=$db_dir/other"
				db_both "$db_dir/$db_prog" "$db_file" "$db_mode" deep_own
				db_name="deepbind: RTLD_DEEPBIND loads"
				[ $db_mode = plain ] && db_name="deepbind: plain loads"
				# musl's dlopen takes "$ORIGIN" literally: the same failure then.
				db_want="^main: loaded=/"
				[ "$TARGET" = musl ] && [[ $db_file == *'$'* ]] && db_want="^main: dlopen=failed: .*ORIGIN"
				expect "$db_name what it loads without the shim [$db_prog, $db_file, $db_mode, LD_LIBRARY_PATH=$db_ldlp]" \
					eval '[ "$out" = "$ref" ] && grep -q "$db_want" <<<"$ref"'
			done
		done
	done
done
db_env=NC_DEEPBIND_TEST=1
for db_file in missing.so '$ORIGIN/missing.so' '${ORIGIN}/missing.so' /nonexistent/missing.so notelf.so \
	"$db_dir/notelf.so" '$ORIGIN/notelf.so'; do
	for db_mode in plain deep; do
		db_both "$db_dir/deep_main" "$db_file" "$db_mode" -
		db_name="deepbind: RTLD_DEEPBIND fails"
		[ $db_mode = plain ] && db_name="deepbind: plain fails"
		expect "$db_name as without the shim, the same dlerror() [$db_file]" \
			eval '[ "$out" = "$ref" ] && [ $rc = 1 ] && grep -q "^main: dlopen=failed: .*[a-z]" <<<"$ref"'
	done
done
