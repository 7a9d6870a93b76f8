# NOCLOBBER_OPTIONS: every bad input stops the program before main with one line
# naming the option and its valid values; help=1 lists them all; log_path works.

bad_option() { # OPTIONS EXPECTED-LINE-REGEX
	local pat=$2
	run_shim "$1" "$T/clobber" free
	why="rc=$rc: $out"
	expect "bad option '${1//[[:cntrl:]]/?}': exit 1 before main, one clear line" \
		eval '[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -Eq -- "$pat" <<<"$out" && ! has result='
}
bad_option "mode=foo" "^noclobber: NOCLOBBER_OPTIONS: bad value 'foo' for mode; valid values: enforce, warn, abort, off$"
bad_option "mode=" "^noclobber: NOCLOBBER_OPTIONS: bad value '' for mode; valid values: enforce, warn, abort, off$"
bad_option "check=fast" "bad value 'fast' for check; valid values: kernel, table$"
bad_option "mdoe=warn" "^noclobber: NOCLOBBER_OPTIONS: unknown option 'mdoe'; valid options are mode, allow, verbosity, check, log_path, log_format, exitcode, stack, suppressions, help"
bad_option "mode" "option without a value 'mode'; write it as key=value"
bad_option "exitcode=256" "bad value '256' for exitcode; valid values: 0..255$"
bad_option "exitcode=-1" "bad value '-1' for exitcode"
bad_option "exitcode=1x" "bad value '1x' for exitcode"
bad_option "exitcode=99999999999999999999999" "bad value '9+' for exitcode"
bad_option "help=yes" "bad value 'yes' for help; valid values: 0, 1$"
bad_option "log_path=" "bad value '' for log_path"
nc_long=$(printf 'x%.0s' $(seq 1024))
bad_option "log_path=/tmp/$nc_long" "^noclobber: NOCLOBBER_OPTIONS: bad value '/tmp/x{59}\\.\\.\\.\\(1029 bytes\\)' for log_path; valid values: stderr, a file path of at most 1023 bytes \\(%p = pid\\), or DIR/$"
bad_option "$nc_long=1" "^noclobber: NOCLOBBER_OPTIONS: unknown option 'x{64}\\.\\.\\.\\(1024 bytes\\)'; valid options are mode, allow, verbosity, check, log_path, log_format, exitcode, stack, suppressions, help$"
bad_option $'mode=a\nb' "^noclobber: NOCLOBBER_OPTIONS: bad value 'a\\\\x0ab' for mode; valid values: enforce, warn, abort, off$"
bad_option $'mo\x1bde=1' "^noclobber: NOCLOBBER_OPTIONS: unknown option 'mo\\\\x1bde'; valid options are"
bad_option "mode=warn,enforce" "bad value 'warn,enforce' for mode"
bad_option "stack=33" "^noclobber: NOCLOBBER_OPTIONS: bad value '33' for stack; valid values: 0..32$"
bad_option "stack=-1" "bad value '-1' for stack; valid values: 0..32$"
bad_option "stack=16k" "bad value '16k' for stack; valid values: 0..32$"
bad_option "stack=" "bad value '' for stack; valid values: 0..32$"
bad_option "suppressions=" "^noclobber: NOCLOBBER_OPTIONS: bad value '' for suppressions; valid values: none, or a file path of at most 1023 bytes$"
bad_option "suppressions=/tmp/$nc_long" "bad value '/tmp/x{59}\\.\\.\\.\\(1029 bytes\\)' for suppressions"
bad_option "suppressions=/nonexistent/noclobber.supp" "^noclobber: suppressions=/nonexistent/noclobber.supp: cannot be read$"
bad_option "mode=warn:bogus=1" "unknown option 'bogus'"

run_shim "::mode=warn::" "$T/clobber" free
why="$out"
expect "options: empty items between colons are ignored" eval '[ $rc -eq 0 ] && has result=ok'

run_shim "help=1" "$T/clobber" free
why="$out"
all_listed() {
	local k
	for k in $(grep -o '^NC_OPTION([a-z_]*' shim/core/options.def | cut -d'(' -f2); do
		grep -q "^  $k (default " <<<"$out" || return 1
	done
}
expect "help=1: every option with its default and valid values, then the program runs" \
	eval 'all_listed && has "^  mode (default enforce; valid: enforce, warn, abort, off): " && has result=ok'

# log_path: a file, appended to, close-on-exec, one line per attempt.
log="$TMP/nc.log"
echo "earlier line" >"$log"
run_shim "log_path=$log" "$T/clobber" libc-text
why="$(cat "$log")"
expect "log_path: lines go to the file (appended), not to stderr" \
	eval 'has result=EEXIST && ! has noclobber: && head -1 "$log" | grep -q "earlier line" &&
	      [ "$(grep -c "^noclobber: refused mmap(" "$log")" = 1 ] && grep -q "^noclobber: summary:" "$log"'

run_shim "log_path=$TMP/p.%p.log" "$T/clobber" libc-text
pidf=$(ls "$TMP" | grep -E '^p\.[0-9]+\.log$' | head -1)
why="files: $(ls "$TMP")"
expect "log_path: %p becomes the pid" \
	eval '[ -n "$pidf" ] && grep -q "pid=$(echo "$pidf" | cut -d. -f2) " "$TMP/$pidf"'

run_shim "log_path=$TMP/no/such/dir/x.log" "$T/clobber" libc-text
why="$out"
expect "log_path: an unopenable file falls back to stderr, saying why" \
	eval 'has "^noclobber: cannot open log_path .$TMP/no/such/dir/x.log. (errno 2); logging to stderr$" && has "^noclobber: refused mmap("'

# A name under the limit whose %p expansions take it over: said at the first line.
nc_many=$(printf '%%p%.0s' $(seq 400))
run_shim "log_path=$TMP/$nc_many" "$T/clobber" libc-text
why="$out"
expect "log_path: a name too long once %p is expanded falls back to stderr, saying why" \
	eval 'has "^noclobber: log_path is too long; logging to stderr$" && has "^noclobber: refused mmap(" && has "^result=EEXIST intact=yes$"'

run_shim "log_path=$TMP/quiet.log" "$T/clobber" free
why="$(ls "$TMP")"
expect "log_path: no attempt, no file" test ! -e "$TMP/quiet.log"

# The README's option table is the one scripts/options-table.sh makes from options.def.
readme_table=$(sed -n '/^<!-- OPTIONS/,/^<!-- \/OPTIONS/p' README.md | sed '1d;$d')
why=$(diff <(echo "$readme_table") <(scripts/options-table.sh))
expect "README: the option table matches shim/core/options.def" test -z "$why"

# allow= is a comma list; none stands alone.
bad_option "allow=own,bogus" "bad value 'own,bogus' for allow; valid values: own, reserved, none$"
bad_option "allow=none,own" "bad value 'none,own' for allow"
bad_option "allow=" "bad value '' for allow"
bad_option "allow=own," "bad value 'own,' for allow"
bad_option "verbosity=2" "bad value '2' for verbosity; valid values: 0..1$"
