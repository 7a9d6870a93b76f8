# scripts/noclobber-report: the summary of text and JSON logs (sample logs in
# tests/fixtures/report/, and logs the shim writes here): attempts counted by
# victim and caller, first and last seen, processes; --json gives the same
# numbers; exit status 1 on refusals, 0 on warnings only or nothing, 2 for bad
# usage or unreadable input.
R=${NC_TEST_REPORT:-$PWD/scripts/noclobber-report} # another one: which tests fail without a fix
FX=$PWD/tests/fixtures/report

if ! command -v python3 >/dev/null; then
	skipped "report: every check" "python3 is not installed"
	return 0
fi

# run_r ARGS...: stdout in $rout, stderr in $rerr, status in $rc.
run_r() {
	rout=$("$R" "$@" 2>"$TMP/r.err")
	rc=$?
	rerr=$(cat "$TMP/r.err")
	why="rc=$rc
stdout: $rout
stderr: $rerr"
}
rout_has() { grep -q -- "$1" <<<"$rout"; }
rout_hasx() { grep -qxF -- "$1" <<<"$rout"; }

# jq_r 'PYTHON-EXPRESSION over d': true when the --json document satisfies it.
jq_r() {
	python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$1" <<<"$rout"
}

# --- refusals (text) ---------------------------------------------------------------
run_r "$FX/refusals.log"
expect "report: refusals: status 1, the count by kind and process" \
	eval '[ $rc -eq 1 ] && [ -z "$rerr" ] && rout_hasx "noclobber-report: 3 clobber attempts (3 refused) in 2 processes"'
expect "report: refusals: first and last seen (by time, not by line order)" \
	rout_hasx "first seen 2026-01-02T03:04:05.000001Z, last seen 2026-01-02T03:05:00.000000Z"
expect "report: refusals: attempts by victim (two segments of libc in one call count once)" \
	eval 'rout_hasx "      2  /usr/lib/x86_64-linux-gnu/libc.so.6 (image)" && rout_hasx "      1  [stack] (stack)" &&
	      [ "$(grep -c "^ *[0-9]*  .* (\(image\|stack\|anon\|file\))$" <<<"$rout")" = 2 ]'
expect "report: refusals: attempts by caller, module+offset (symbol+offset), with the calls" \
	eval 'rout_hasx "      2  /opt/app/bin/app+0x1234 (do_map+0x10)  [mmap x2]" &&
	      rout_hasx "      1  /opt/app/lib/libplug.so+0x99 (plug_init+0x4)  [syscall(SYS_mmap) x1]"'
expect "report: refusals: processes with program, pid and when" \
	eval 'rout_hasx "      2  app pid 100, 2026-01-02T03:04:05.000001Z .. 2026-01-02T03:04:06.500000Z" &&
	      rout_hasx "      1  helper pid 101, at 2026-01-02T03:05:00.000000Z"'
expect "report: refusals: how to find the source line" rout_hasx "  addr2line -f -e /opt/app/bin/app 0x1233"
expect "report: refusals: a policy-allowed line is no attempt, a cut line is counted as malformed, shim messages shown" \
	eval 'rout_hasx "note: 1 replacement allowed by the allow= policy (verbosity=1; not attempts)" &&
	      rout_hasx "note: 1 malformed line skipped (first at $FX/refusals.log:6)" &&
	      rout_has "^note: the shim said: cannot open log_path ./nonexistent/x.log."'

run_r --json "$FX/refusals.log"
expect "report --json: refusals: one JSON document with the same counts, status 1" \
	eval '[ $rc -eq 1 ] && jq_r "d[\"attempts\"] == 3 and d[\"refused\"] == 3 and d[\"aborted\"] == 0 and d[\"allowed_warn\"] == 0
		and d[\"allowed_by_policy\"] == 1 and d[\"malformed_lines\"] == 1 and d[\"status\"] == 1
		and d[\"first_seen\"] == \"2026-01-02T03:04:05.000001Z\" and d[\"last_seen\"] == \"2026-01-02T03:05:00.000000Z\""'
expect "report --json: refusals: victims, callers and processes" \
	eval 'jq_r "[(v[\"path\"], v[\"kind\"], v[\"attempts\"]) for v in d[\"victims\"]] ==
		[(\"/usr/lib/x86_64-linux-gnu/libc.so.6\", \"image\", 2), (\"[stack]\", \"stack\", 1)]
		and [(c[\"module\"], c[\"offset\"], c[\"symbol\"], c[\"symbol_offset\"], c[\"attempts\"]) for c in d[\"callers\"]] ==
		[(\"/opt/app/bin/app\", \"0x1234\", \"do_map\", \"0x10\", 2), (\"/opt/app/lib/libplug.so\", \"0x99\", \"plug_init\", \"0x4\", 1)]
		and [(p[\"program\"], p[\"pid\"], p[\"attempts\"], p[\"summary_attempts\"]) for p in d[\"processes\"]] ==
		[(\"app\", 100, 2, 2), (\"helper\", 101, 1, 1)]"'

rout=$("$R" - <"$FX/refusals.log" 2>&1)
rc=$?
why="rc=$rc $rout"
expect "report: '-' reads standard input" eval '[ $rc -eq 1 ] && rout_has "^noclobber-report: 3 clobber attempts (3 refused)"'

# --- warnings only, nothing, empty ---------------------------------------------------
run_r "$FX/warnings.log"
expect "report: warnings only (mode=warn): status 0, still counted as attempts" \
	eval '[ $rc -eq 0 ] && rout_hasx "noclobber-report: 2 clobber attempts (2 allowed by mode=warn) in 1 process" &&
	      rout_hasx "      2  [anonymous] (anon)" && rout_hasx "      1  /usr/bin/jit+0x5b0  [mremap x1]"'
run_r --json "$FX/warnings.log"
expect "report --json: warnings only: status 0, allowed_warn 2; a policy line with a reason of two words is no attempt" \
	eval '[ $rc -eq 0 ] && jq_r "d[\"attempts\"] == 2 and d[\"allowed_warn\"] == 2 and d[\"refused\"] == 0 and d[\"status\"] == 0
		and d[\"allowed_by_policy\"] == 1 and d[\"malformed_lines\"] == 0 and d[\"last_seen\"] == \"2026-02-03T10:00:01.000000Z\""'

mkdir -p "$TMP/empty-dir"
run_r "$TMP/empty-dir"
expect "report: an empty directory: status 0, and it says so" \
	eval '[ $rc -eq 0 ] && rout_hasx "noclobber-report: no log files in $TMP/empty-dir; no clobber attempts recorded"'
run_r --json "$TMP/empty-dir"
expect "report --json: an empty directory: status 0, nothing counted, the directory named" \
	eval '[ $rc -eq 0 ] && jq_r "d[\"attempts\"] == 0 and d[\"files\"] == 0 and d[\"empty_dirs\"] == [\"$TMP/empty-dir\"]"'
: >"$TMP/empty.log"
printf 'hello\nnoclobber-report: 3 clobber attempts\n{"not":"ours"}\n' >"$TMP/other.log"
run_r "$TMP/empty.log" "$TMP/other.log"
expect "report: logs without a line of the shim: status 0, says no attempts" \
	eval '[ $rc -eq 0 ] && rout_hasx "noclobber-report: no clobber attempts logged in 2 files (3 lines)" && ! rout_has "^note"'
printf 'noclobber: summary: pid=9 clobber_attempts=2\n' >"$TMP/summary-only.log"
run_r "$TMP/summary-only.log"
expect "report: a summary counting attempts whose lines are missing is pointed out" \
	eval '[ $rc -eq 0 ] && rout_has "^note: the summary lines count 2 attempts more than the log has lines for"'

# --- mixed text and JSON, awkward names --------------------------------------------------
run_r "$FX/mixed"
expect "report: mixed text and JSON in a directory: status 1, every kind of event counted" \
	eval '[ $rc -eq 1 ] && rout_hasx "noclobber-report: 4 clobber attempts (2 refused, 1 aborted, 1 allowed by mode=warn) in 4 processes" &&
	      rout_hasx "first seen 2026-03-04T05:06:07.000000Z, last seen 2026-03-04T05:06:10.000000Z"'
expect "report: mixed: the same victim from a text and a JSON line (quotes, backslash) is one group" \
	eval 'rout_hasx "      2  /data/we\"ird\\name.db (file)" && rout_hasx "      1  [stack] (stack)"'
expect "report: mixed: a byte that is not UTF-8 is shown as \\xNN; a caller without module by its pc" \
	eval 'rout_hasx "      1  /data/caf\\xe9 \\xff.bin (file)" && rout_has "^      1  svc\\\\xff pid 302, " &&
	      rout_hasx "      1  unknown module, pc 0x7f1234567890  [mmap x1]" && rout_hasx "      2  /srv/svc+0x10 (main+0x10)  [mmap x2]"'
expect "report: mixed: a truncated line and a malformed JSON line are noted, other JSON ignored" \
	eval 'rout_hasx "note: 1 line the shim had to cut short (details lost)" &&
	      rout_hasx "note: 1 malformed line skipped (first at $FX/mixed/b.json:5)" &&
	      rout_has "^      1  svc pid 301, .* (its summary says 2)$"'
run_r --json "$FX/mixed"
expect "report --json: mixed: the same counts; names keep their bytes as the shim writes them (\\u00XX)" \
	eval '[ $rc -eq 1 ] && jq_r "d[\"attempts\"] == 4 and d[\"refused\"] == 2 and d[\"aborted\"] == 1 and d[\"allowed_warn\"] == 1
		and d[\"truncated_lines\"] == 1 and d[\"malformed_lines\"] == 1 and d[\"ignored_lines\"] == 1
		and {v[\"path\"]: v[\"attempts\"] for v in d[\"victims\"]} == {\"/data/we\\\"ird\\\\name.db\": 2, \"[stack]\": 1, \"/data/caf\u00e9 \u00ff.bin\": 1}
		and sorted(p[\"program\"] for p in d[\"processes\"]) == [\"svc\", \"svc\", \"svc\", \"svc\u00ff\"]" &&
	      grep -qF "\"path\": \"/data/caf\\u00e9 \\u00ff.bin\"" <<<"$rout"'
# A text line with the raw bytes of that name, and the JSON line: one victim.
mkdir -p "$TMP/rawname"
sed 's|/data/we"ird\\\\name.db|/data/caf\xe9 \xff.bin|' "$FX/mixed/a.log" >"$TMP/rawname/a.log"
cp "$FX/mixed/b.json" "$TMP/rawname/"
run_r --json "$TMP/rawname"
expect "report: raw bytes in a text line and \\u00XX in a JSON line name the same victim" \
	eval 'grep -q $'"'"'\xff'"'"' "$TMP/rawname/a.log" && jq_r "{v[\"path\"]: v[\"attempts\"] for v in d[\"victims\"]}[\"/data/caf\u00e9 \u00ff.bin\"] == 2"'

# --- logs the shim writes, text and JSON in one directory ------------------------------------
rl="$TMP/real-logs"
mkdir -p "$rl"
NOCLOBBER_OPTIONS="log_path=$rl/" LD_PRELOAD="$SHIM" "$T/clobber" libc-text >/dev/null 2>&1
NOCLOBBER_OPTIONS="log_path=$rl/" LD_PRELOAD="$SHIM" "$T/clobber" libc-text >/dev/null 2>&1
NOCLOBBER_OPTIONS="log_path=$rl/:log_format=json" LD_PRELOAD="$SHIM" "$T/clobber" stack >/dev/null 2>&1
NOCLOBBER_OPTIONS="log_path=$rl/:log_format=json:mode=warn" LD_PRELOAD="$SHIM" "$T/clobber" foreign-anon >/dev/null 2>&1
NOCLOBBER_OPTIONS="log_path=$rl/:verbosity=1" LD_PRELOAD="$SHIM" "$T/clobber" own-anon >/dev/null 2>&1
exe=$(readlink -f "$T/clobber")
run_r "$rl"
why="$why
$(cat "$rl"/*)"
expect "report: real logs (text and JSON): 4 attempts by victim, one caller, 4 processes" \
	eval '[ $rc -eq 1 ] && rout_hasx "noclobber-report: 4 clobber attempts (3 refused, 1 allowed by mode=warn) in 4 processes" &&
	      rout_has "^      2  /.*/libc[.-][^ ]* (image)$" && rout_hasx "      1  [stack] (stack)" && rout_hasx "      1  [anonymous] (anon)" &&
	      rout_has "^      4  $exe+0x[0-9a-f]* (main+0x[0-9a-f]*)  \[mmap x4\]$" &&
	      rout_hasx "note: 1 replacement allowed by the allow= policy (verbosity=1; not attempts)"'
run_r --json "$rl"
expect "report --json: real logs: the same counts" \
	eval '[ $rc -eq 1 ] && jq_r "d[\"attempts\"] == 4 and d[\"refused\"] == 3 and d[\"allowed_warn\"] == 1 and d[\"allowed_by_policy\"] == 1
		and len(d[\"processes\"]) == 4 and sorted(v[\"attempts\"] for v in d[\"victims\"]) == [1, 1, 2]
		and [c[\"attempts\"] for c in d[\"callers\"]] == [4] and d[\"callers\"][0][\"module\"] == \"$exe\"
		and d[\"callers\"][0][\"symbol\"] == \"main\" and d[\"malformed_lines\"] == 0 and d[\"first_seen\"] <= d[\"last_seen\"]"'

# The launcher's --log-dir, then the report on it.
cat >"$TMP/rtree.sh" <<EOF
#!/bin/sh
"$T/clobber" libc-text >/dev/null 2>&1 &
"$T/clobber" heap >/dev/null 2>&1
wait
exit 0
EOF
chmod +x "$TMP/rtree.sh"
"$PWD/build/noclobber" --quiet --log-dir "$TMP/launcher-logs" -- "$TMP/rtree.sh"
lrc=$?
run_r "$TMP/launcher-logs"
why="launcher rc=$lrc; $why"
expect "report: on a launcher --log-dir: both processes of the tree, status 1" \
	eval '[ $lrc -eq 66 ] && [ $rc -eq 1 ] && rout_hasx "noclobber-report: 2 clobber attempts (2 refused) in 2 processes" && rout_hasx "      1  [heap] (heap)"'

# --- bad usage and unreadable input: status 2 ----------------------------------------------
run_r
expect "report: no argument: status 2 and a message" eval '[ $rc -eq 2 ] && grep -q "^noclobber-report: no log file or directory given" <<<"$rerr"'
run_r --bogus "$FX/refusals.log"
expect "report: an unknown flag: status 2 and a message" eval '[ $rc -eq 2 ] && grep -q "^noclobber-report: unknown option .--bogus." <<<"$rerr"'
run_r "$TMP/no-such-dir"
expect "report: a missing directory: status 2, and it says so" \
	eval '[ $rc -eq 2 ] && grep -qx "noclobber-report: cannot read $TMP/no-such-dir: no such file or directory" <<<"$rerr"'
run_r "$FX/refusals.log" "$TMP/no-such.log"
expect "report: a missing file among good ones: status 2 wins over 1, the rest still reported" \
	eval '[ $rc -eq 2 ] && rout_has "^noclobber-report: 3 clobber attempts" && grep -q "no-such.log" <<<"$rerr"'
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/a-socket"
run_r "$TMP/a-socket"
expect "report: a file that cannot be opened (a socket): status 2 and a message" \
	eval '[ $rc -eq 2 ] && grep -q "^noclobber-report: cannot read $TMP/a-socket: " <<<"$rerr"'
run_r --help
expect "report --help: status 0, flags and exit statuses" \
	eval '[ $rc -eq 0 ] && rout_has "^Usage: noclobber-report \[--json\] \[--html OUT.html\] LOG|DIR" && rout_has "^  --json" && rout_has "^  --html OUT.html" &&
	      rout_has "^  0  " && rout_has "^  1  " && rout_has "^  2  "'
expect "report: executable, python3 from the PATH" \
	eval '[ -x "$R" ] && head -1 "$R" | grep -qx "#!/usr/bin/env python3"'

# --- hostile input: wrong types, cut lines, closed pipes, odd names -------------------------
# A JSON line of the shim's shape with a field of the wrong type: skipped and
# counted, never a traceback.
h='"time":"2026-05-01T00:00:00.000000Z","tid":7,"program":"p","reason":null,"call":"mmap"'
v='"victims":[{"start":"0x1000","end":"0x2000","perms":"r-xp","path":"/lib/x.so","kind":"image"}]'
c='"caller":{"pc":"0x1","module":"/bin/p","offset":"0x10","symbol":null,"symbol_offset":null}'
{
	echo "{\"pid\":\"7\",\"event\":\"refused\",$h,$c,$v}"
	echo "{\"pid\":7,\"event\":\"refused\",$h,\"caller\":{\"module\":5},$v}"
	echo "{\"pid\":7,\"event\":\"refused\",$h,$c,\"victims\":[{\"path\":7}]}"
	echo "{\"pid\":7,\"event\":\"refused\",$h,$c,\"victims\":\"none\"}"
	echo "{\"pid\":7,\"event\":\"refused\",$h,\"caller\":\"main\",$v}"
	echo "{\"pid\":7,\"event\":\"refused\",\"time\":5,\"call\":\"mmap\",$c,$v}"
	echo "{\"pid\":7,\"event\":\"refused\",\"program\":[1],\"call\":\"mmap\",$c,$v}"
	echo "{\"pid\":7,\"event\":\"refused\",$h,$c,$v,\"victims_total\":\"1\"}"
	echo "{\"pid\":true,\"event\":\"refused\",$h,$c,$v}"
	echo '{"time":"2026-05-01T00:00:01.000000Z","pid":7,"program":"p","event":"summary","clobber_attempts":"1","log_lines_lost":0}'
	echo "{\"pid\":8,\"event\":\"refused\",$h,$c,$v}"
} >"$TMP/wrong-types.json"
run_r "$TMP/wrong-types.json"
expect "report: JSON fields of the wrong type: each line skipped and counted, no traceback" \
	eval '[ $rc -eq 1 ] && ! grep -q Traceback <<<"$rerr" && [ -z "$rerr" ] &&
	      rout_hasx "noclobber-report: 1 clobber attempt (1 refused) in 1 process" &&
	      rout_hasx "note: 10 malformed lines skipped (first at $TMP/wrong-types.json:1, $TMP/wrong-types.json:2, $TMP/wrong-types.json:3, $TMP/wrong-types.json:4, $TMP/wrong-types.json:5)"'
run_r --json "$TMP/wrong-types.json"
expect "report --json: JSON fields of the wrong type: the same counts" \
	eval '[ $rc -eq 1 ] && [ -z "$rerr" ] && jq_r "d[\"malformed_lines\"] == 10 and d[\"attempts\"] == 1"'

# A last line without its newline was cut short: not trusted, not a process of its own.
mkdir -p "$TMP/cut"
head -c -1 "$FX/refusals.log" | grep -v '^noclobber: summary' >"$TMP/cut/a.log"
printf 'noclobber: refused mmap(addr=0x7f6e3ba24000, len=4096, prot=rwx, flags=MAP_PRIV' >>"$TMP/cut/a.log"
run_r "$TMP/cut"
expect "report: a line cut short at the end of a file: noted apart, not malformed, the process's missing summary explained" \
	eval '[ $rc -eq 1 ] && rout_hasx "noclobber-report: 3 clobber attempts (3 refused) in 2 processes" &&
	      rout_has "^note: 1 line cut short at the end of a file or glued to the next .*(first at $TMP/cut/a.log:[0-9]*)$" &&
	      rout_has "^      2  app pid 100, .* (no summary line: its log was cut short, and the lines after that were lost)$" &&
	      rout_hasx "note: 1 malformed line skipped (first at $TMP/cut/a.log:6)"'
# A cut line with the next line glued to it (the disk had room again).
{
	printf 'noclobber: refused mmap(addr=0x7f6e3ba24000, len=4096, prot=rw'
	grep '^noclobber: refused' "$FX/refusals.log" | head -1
	printf '{"time":"2026-01-02T03:04:0'
	grep '^{' "$FX/mixed/b.json" | head -1
} >"$TMP/glued.log"
run_r "$TMP/glued.log"
expect "report: a cut line with the next one glued to it: the cut part skipped, the glued line counted" \
	eval '[ $rc -eq 1 ] && rout_hasx "noclobber-report: 2 clobber attempts (2 refused) in 2 processes" &&
	      rout_has "^note: 2 lines cut short at the end of a file or glued to the next" && ! rout_has malformed'

# A reader that goes away early (| head -1) is not bad usage: the status is the summary's.
big="$TMP/big.log"
for i in $(seq 3000); do
	printf 'noclobber: refused mmap(addr=0x1000, len=4096, prot=rw-, flags=MAP_PRIVATE|MAP_FIXED, fd=-1, offset=0) pid=%d tid=%d program=p caller=/opt/m%d.so+0x10 victims=1: 1000-2000 rw-p 00000000 [heap] (heap) hint=none\n' "$i" "$i" "$i"
done >"$big"
"$R" "$big" 2>"$TMP/r.err" | head -1 >"$TMP/first"
st=${PIPESTATUS[0]}
rerr=$(cat "$TMP/r.err")
why="status $st; first: $(cat "$TMP/first"); stderr: $rerr"
expect "report | head -1: the status stays 1 (refusals), and nothing on stderr" \
	eval '[ "$st" = 1 ] && [ -z "$rerr" ] && [ "$(cat "$TMP/first")" = "noclobber-report: 3000 clobber attempts (3000 refused) in 3000 processes" ]'
"$R" --json "$big" 2>"$TMP/r.err" | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
why="status $st; stderr: $(cat "$TMP/r.err")"
expect "report --json | head -c 10: the status stays 1" eval '[ "$st" = 1 ] && [ ! -s "$TMP/r.err" ]'

# Escapes: the text log writes a backslash \\ and a control byte \ooo, JSON has them as
# characters; the same name must be one victim.
mkdir -p "$TMP/escapes"
sed 's|/data/we"ird\\\\name.db|/data/a\\\\b\\011c.db|' "$FX/mixed/a.log" >"$TMP/escapes/a.log"
grep '"pid":301' "$FX/mixed/b.json" | head -1 | sed 's|/data/we\\"ird\\\\name.db|/data/a\\\\b\\tc.db|' >"$TMP/escapes/b.json"
run_r --json "$TMP/escapes"
expect "report: a backslash and a tab, from a text and a JSON line, name one victim" \
	eval '[ $rc -eq 1 ] && jq_r "[(v[\"path\"], v[\"attempts\"]) for v in d[\"victims\"]] == [(\"/data/a\\\\b\\tc.db\", 2)]"'
run_r "$TMP/escapes"
expect "report: such a name is shown with the control byte escaped" rout_hasx '      2  /data/a\b\011c.db (file)'

# Dot files in a directory are read (a program named .x logs to .x.PID.log).
mkdir -p "$TMP/dotlogs"
cp "$FX/refusals.log" "$TMP/dotlogs/.hidden.100.log"
run_r "$TMP/dotlogs"
expect "report: a directory's dot files are read" eval '[ $rc -eq 1 ] && rout_has "^noclobber-report: 3 clobber attempts"'

# The commands it suggests are shell-quoted: a module with a space, a quote, a raw byte.
mkdir -p "$TMP/quoted"
sed "s|caller=/opt/app/bin/app+|caller=/opt/my app/it's/bin+|" "$FX/refusals.log" >"$TMP/quoted/a.log"
run_r "$TMP/quoted"
expect "report: the suggested addr2line command quotes the module" \
	rout_hasx "  addr2line -f -e '/opt/my app/it'\\''s/bin' 0x1233"
sed "s|caller=/opt/app/bin/app+|caller=/opt/caf\\xff/bin+|" "$FX/refusals.log" >"$TMP/quoted/a.log"
run_r "$TMP/quoted"
expect "report: a module with a byte that is not UTF-8 is quoted as \$'...\\xNN'" \
	rout_hasx "  addr2line -f -e \$'/opt/caf\\xff/bin' 0x1233"
# And the command works when pasted: a real program in such a directory.
if command -v addr2line >/dev/null; then
	qd="$TMP/it's a dir"
	mkdir -p "$qd"
	cp "$T/clobber" "$qd/clobber"
	rm -rf "$TMP/qlogs"
	NOCLOBBER_OPTIONS="log_path=$TMP/qlogs/" LD_PRELOAD="$SHIM" "$qd/clobber" libc-text >/dev/null 2>&1
	mkdir -p "$TMP/qlogs"
	NOCLOBBER_OPTIONS="log_path=$TMP/qlogs/" LD_PRELOAD="$SHIM" "$qd/clobber" libc-text >/dev/null 2>&1
	run_r "$TMP/qlogs"
	cmd=$(grep -A1 "^To find a caller" <<<"$rout" | tail -1)
	a2l=$(bash -c "$cmd" 2>&1)
	why="$why
command: $cmd
gives: $a2l"
	expect "report: the suggested addr2line command, pasted into a shell, names the function" \
		eval 'grep -q "^  addr2line -f -e " <<<"$cmd" && [ "$(head -1 <<<"$a2l")" = main ]'
else
	skipped "report: the suggested addr2line command works" "addr2line is not installed"
fi
