# stack=N: every attempt's line carries the chain of callers, innermost first,
# walked from the modules' own unwind tables. The programs (tests/stack/) are
# built here -O2 -fomit-frame-pointer -g, as a distribution builds: main ->
# stk_entry in libncstk.so -> two static functions -> mmap over libc's text,
# from main, a signal handler, a thread with the smallest stack, a library's
# constructor inside dlopen, a library without unwind tables, JIT code, and
# with the frames above the caller overwritten. Frames are named through
# addr2line (the static functions have no dynamic symbol).

s3_cc=
for s3_c in "${TEST_CC:-}" "${CC:-}" cc gcc clang; do # TEST_CC: this target's compiler
	[ -n "$s3_c" ] && command -v "${s3_c%% *}" >/dev/null && { s3_cc=$s3_c; break; }
done
if [ -z "$s3_cc" ] || ! command -v python3 >/dev/null; then
	skipped "stack: every check" "no C compiler or no python3"
	return 0
fi
s3_dir=$TMP/stack
mkdir -p "$s3_dir"
s3_flags="-std=gnu11 -O2 -fomit-frame-pointer -g -Wall -Wextra -Werror -Ishim/core"
s3_build=$( {
	$s3_cc $s3_flags -shared -fPIC tests/stack/lib.c -o "$s3_dir/libncstk.so" &&
	$s3_cc $s3_flags -fno-asynchronous-unwind-tables -fno-unwind-tables -shared -fPIC tests/stack/nounwind.c \
		-o "$s3_dir/libncstknouw.so" &&
	$s3_cc $s3_flags -shared -fPIC tests/stack/ctor.c -L"$s3_dir" -lncstk -Wl,-rpath,"$s3_dir" \
		-o "$s3_dir/libncstkctor.so" &&
	$s3_cc $s3_flags tests/stack/main.c -L"$s3_dir" -lncstk -lncstknouw -Wl,-rpath,"$s3_dir" \
		-o "$s3_dir/stk" -ldl -pthread
} 2>&1)
s3_rc=$?
why="$s3_cc: $s3_build"
expect "stack: the programs build -O2 -fomit-frame-pointer -g ($s3_cc)" test $s3_rc = 0
[ $s3_rc = 0 ] || return 0

# stk.py frames LOG: the first attempt line's stack, one frame a line:
#   MODULE SYMBOL FUNCTION   (- where unknown; FUNCTION from addr2line -f)
# stk.py match TEXTLOG JSONLOG: the same frames (module, offset, symbol) in both.
cat >"$TMP/stk.py" <<'PY'
import json, re, shutil, subprocess, sys
FRAME = re.compile(r'^(0x[0-9a-f]+)(?: (.+?)\+(0x[0-9a-f]+)(?: \((.+)\+(0x[0-9a-f]+)\))?)?$')
def text_frames(path):
    for line in open(path, errors='replace'):
        m = re.match(r'^noclobber: (refused|allowed|aborting on) .* stack=(\d+): (.*?)(?: neighbours=.*?)? victims=', line)
        if m:
            fr = [FRAME.match(f) for f in m.group(3).split(' | ') if f != '...']
            if None in fr or len(fr) != int(m.group(2)):
                sys.exit('bad stack field: ' + m.group(3))
            return [(f.group(2), f.group(3), f.group(4), f.group(5)) for f in fr]
    sys.exit('no attempt line with a stack')
def json_frames(path):
    for line in open(path):
        o = json.loads(line)
        if o.get('event') in ('refused', 'allowed', 'aborted'):
            return [(f['module'], f['offset'], f['symbol'], f['symbol_offset']) for f in o['stack']]
    sys.exit('no attempt line')
def func(module, offset):
    if not module or not offset or not shutil.which('addr2line') or module.startswith('['):
        return '-'
    r = subprocess.run(['addr2line', '-f', '-C', '-e', module, hex(int(offset, 16) - 1)],
                       capture_output=True, text=True)
    return (r.stdout.split('\n')[0] or '-').replace('??', '-')
if sys.argv[1] == 'frames':
    for mod, off, sym, _ in text_frames(sys.argv[2]):
        print(mod or '-', sym or '-', func(mod, off))
else:
    t, j = text_frames(sys.argv[2]), json_frames(sys.argv[3])
    if t != j:
        sys.exit('text %r\njson %r' % (t, j))
PY
# s3_run OPTIONS CASE: the case under the shim, its log in $s3_log, frames in $s3_fr.
s3_run() {
	s3_log=$s3_dir/$2.log
	rm -f "$s3_log"
	out=$(timeout 60 env NOCLOBBER_OPTIONS="log_path=$s3_log${1:+:$1}" LD_PRELOAD="$SHIM" $PREFIX \
		"$s3_dir/stk" "$2" "$s3_dir/libncstkctor.so" 2>&1)
	rc=$?
	s3_fr=$(python3 "$TMP/stk.py" frames "$s3_log" 2>&1)
	why="rc=$rc out: $out
frames:
$s3_fr
log: $(cat "$s3_log" 2>/dev/null)"
}
s3_have_a2l=1
command -v addr2line >/dev/null || s3_have_a2l=
# s3_funcs: the function column; s3_in_order WORDS: they come in this order (others may lie between).
s3_funcs() { awk '{ print $3 }' <<<"$s3_fr" | tr '\n' ' '; }
s3_in_order() {
	local f=" $(s3_funcs)" w
	for w in "$@"; do
		[[ $f == *" $w "* ]] || return 1
		f=${f#*" $w "}
		f=" $f"
	done
}

s3_run "" lib
expect "stack: -O2 main -> library -> two static functions -> mmap: refused, the frames' modules in order" \
	eval '[ $rc = 0 ] && has result=EEXIST && [ "$(awk "NR<=3 { print \$1 }" <<<"$s3_fr" | sort -u)" = "$s3_dir/libncstk.so" ] &&
	      [ "$(awk "NR==3 { print \$2 }" <<<"$s3_fr")" = stk_entry ] && [ "$(awk "NR==4 { print \$1 }" <<<"$s3_fr")" = "$s3_dir/stk" ]'
if [ -n "$s3_have_a2l" ]; then
	expect "stack: addr2line names every frame in order: stk_inner, stk_outer, stk_entry, main" \
		eval '[ "$(s3_funcs | cut -d" " -f1-4)" = "stk_inner stk_outer stk_entry main" ]'
else
	skipped "stack: addr2line names every frame in order: stk_inner, stk_outer, stk_entry, main" "addr2line is not installed"
fi

s3_text_log=$s3_dir/lib-text.log
cp "$s3_log" "$s3_text_log"
s3_run "log_format=json" lib
why="$(python3 "$TMP/stk.py" match "$s3_text_log" "$s3_log" 2>&1)"
expect "stack: JSON stack parses and matches the text line (module, offset, symbol of each frame)" \
	python3 "$TMP/stk.py" match "$s3_text_log" "$s3_log"

s3_run "stack=0" lib
expect "stack: stack=0 gives no stack field" \
	eval 'has result=EEXIST && grep -q "^noclobber: refused mmap(.* caller=$s3_dir/libncstk.so+0x[0-9a-f]* neighbours=" "$s3_log" && ! grep -q " stack=" "$s3_log"'
s3_run "stack=0:log_format=json" lib
expect "stack: stack=0 gives no stack key in JSON" \
	eval 'has result=EEXIST && grep -q "\"event\":\"refused\"" "$s3_log" && ! grep -q "\"stack\"" "$s3_log"'
s3_run "stack=2" lib
expect "stack: stack=2 gives two frames and says more were left" \
	eval 'grep -q "^noclobber: refused mmap(.* stack=2: 0x[0-9a-f]* [^|]* | 0x[0-9a-f]* [^|]* | \.\.\. neighbours=" "$s3_log"'

s3_run "stack=2:log_format=json" lib
why=$(python3 -c '
import json, sys
o = next(json.loads(l) for l in open(sys.argv[1]) if "\"refused\"" in l)
assert len(o["stack"]) == 2 and o["stack_truncated"] is True and o["stack"][0] == o["caller"], o
' "$s3_log" 2>&1)
expect "stack: JSON: stack=2 gives two frames and stack_truncated true" test -z "$why"

# neighbours=BELOW | ABOVE: the mapping ending where the victims start, and
# the first at or above their end (libc's text has libc's own segments round it).
s3_run "" lib
why=$(python3 -c '
import re, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("noclobber: refused"))
m = re.search(r" neighbours=(.*?) victims=\d+: (\S+)-(\S+) .* hint=", line)
assert m, line
nb = [None if p == "none" else p for p in m.group(1).split(" | ")]
assert len(nb) == 2 and any(nb), nb
lo, hi = int(m.group(2), 16), int(m.group(3), 16)
if nb[0]:
    assert int(nb[0].split("-")[1].split()[0], 16) == lo, (nb[0], hex(lo))
if nb[1]:
    assert int(nb[1].split("-")[0], 16) >= hi, (nb[1], hex(hi))
assert all(re.match(r"^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][ps] [0-9a-f]+ .*\((image|file|anon|stack|heap|vdso|shm)\)$", p)
           for p in nb if p), nb
' "$s3_log" 2>&1)
expect "neighbours: the text line names the mapping just below the victims and the next one above" test -z "$why"

for s3_m in warn abort; do
	s3_run "mode=$s3_m" lib
	s3_word=allowed
	[ $s3_m = abort ] && s3_word="aborting on"
	expect "stack: mode=$s3_m: the '$s3_word' line carries the stack" \
		eval 'grep -q "^noclobber: $s3_word mmap(.* stack=[4-9][0-9]*: .*stk_entry" "$s3_log"'
done
out=$(NOCLOBBER_OPTIONS=verbosity=1 LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" own-anon 2>&1)
why=$out
expect "stack: verbosity=1: a replacement the policy let through carries the stack" \
	eval 'has "^noclobber: allowed mmap(.* stack=[1-9][0-9]*: 0x[0-9a-f]* [^ ]*clobber+0x[0-9a-f]* (main+0x[0-9a-f]*).* reason=own$"'

s3_run "" signal
if [ -n "$s3_have_a2l" ]; then
	expect "stack: from a signal handler: the handler, then the interrupted code, then main" \
		eval 'has result=EEXIST && s3_in_order stk_inner stk_outer stk_entry stk_handler stk_spin signal_case main'
else
	skipped "stack: from a signal handler: the handler, then the interrupted code, then main" "addr2line is not installed"
fi

s3_run "" thread
expect "stack: a thread with a PTHREAD_STACK_MIN stack: its function, then libc's thread start" \
	eval 'has result=EEXIST && { [ -z "$s3_have_a2l" ] || s3_in_order stk_inner stk_outer stk_entry stk_thread; } &&
	      [ "$(awk "NR==4 { print \$1 }" <<<"$s3_fr")" = "$s3_dir/stk" ] && awk "NR==5 { print \$1 }" <<<"$s3_fr" | grep -q libc'

s3_run "stack=32" dlopen
expect "stack: from a constructor inside dlopen (the loader's lock held): no deadlock, ctor, loader, dlopen, main" \
	eval '[ $rc = 0 ] && has "ctor: result=EEXIST" && has "dlopen: ok" &&
	      awk "{ print \$1 }" <<<"$s3_fr" | grep -q libncstkctor.so && awk "{ print \$1 }" <<<"$s3_fr" | grep -q "ld-linux\|ld-musl\|/libc" &&
	      { [ -z "$s3_have_a2l" ] || s3_in_order stk_inner stk_outer stk_entry stk_ctor main; }'

# C++: frames whose unwind entries name a personality routine and an LSDA.
s3_cxx=${s3_cc%% *} # the C compiler's C++ twin, with the same flags (TEST_CC may be "gcc -m32")
case $s3_cxx in
*clang) s3_cxx=$s3_cxx++ ;;
*gcc) s3_cxx=${s3_cxx%gcc}g++ ;;
cc | */cc) s3_cxx=${s3_cxx%cc}c++ ;;
*) s3_cxx=c++ ;;
esac
[[ $s3_cc == *" "* ]] && s3_cxx="$s3_cxx ${s3_cc#* }"
if ! command -v "${s3_cxx%% *}" >/dev/null; then
	skipped "stack: C++ frames that can throw" "no C++ compiler ($s3_cxx)"
else
	s3_build=$($s3_cxx -O2 -fomit-frame-pointer -g -Wall -Wextra -Werror tests/stack/cxx.cc -L"$s3_dir" -lncstk \
		-Wl,-rpath,"$s3_dir" -o "$s3_dir/stkcxx" 2>&1)
	s3_log=$s3_dir/cxx.log
	rm -f "$s3_log"
	out=$(timeout 60 env NOCLOBBER_OPTIONS="log_path=$s3_log" LD_PRELOAD="$SHIM" $PREFIX "$s3_dir/stkcxx" 2>&1)
	s3_fr=$(python3 "$TMP/stk.py" frames "$s3_log" 2>&1 | sed 's/(.*)$//')
	why="$s3_cxx: $s3_build
out: $out
frames:
$s3_fr"
	expect "stack: C++ frames that can throw (try/catch, a destructor): named in order up to main" \
		eval 'has "^result=EEXIST$" && { [ -z "$s3_have_a2l" ] || s3_in_order stk_inner stk_outer stk_entry stk::may_throw stk::catcher main; } &&
		      [ "$(awk "NR==4 { print \$1 }" <<<"$s3_fr")" = "$s3_dir/stkcxx" ]'
fi

s3_run "" nounwind
expect "stack: a library without unwind tables: its frame is the last, the walk stops cleanly" \
	eval 'has result=EEXIST && [ "$(wc -l <<<"$s3_fr")" = 1 ] && grep -q "^$s3_dir/libncstknouw.so stk_nounwind" <<<"$s3_fr"'

s3_run "" jit
expect "stack: through JIT code (an anonymous executable page): its pc alone is the last frame" \
	eval 'has result=EEXIST && [ "$(tail -1 <<<"$s3_fr")" = "- - -" ] &&
	      [ "$(tail -2 <<<"$s3_fr" | head -1 | cut -d" " -f1)" = "$s3_dir/stk" ] &&
	      { [ -z "$s3_have_a2l" ] || s3_in_order stk_inner stk_outer stk_entry stk_jit_target; }'

for s3_p in zero random self down text; do
	s3_run "stack=32" "corrupt-$s3_p"
	expect "stack: frames above the caller overwritten ($s3_p): no crash, refused, the intact frames shown" \
		eval '[ $rc = 0 ] && has result=EEXIST && [ "$(grep -c "^noclobber: refused mmap(.* stack=" "$s3_log")" = 1 ] &&
		      [ "$(awk "NR<=3 { print \$1 }" <<<"$s3_fr" | sort -u)" = "$s3_dir/libncstk.so" ]'
done

# suppressions=FILE: a rule lets exactly the attempts it names through. The
# "supp" case clobbers a foreign anonymous page from main (stk_direct), then
# another through stk_entry: the rule names the second alone.
s3_supp=$s3_dir/rules.supp
printf '# one rule\n\ncaller=libncstk.so frame=stk_entry victim=anon program=stk\n' >"$s3_supp"
s3_run "suppressions=$s3_supp:verbosity=1" supp
expect "stack: suppressions: the rule lets its attempt through, the same clobber from another caller is still refused" \
	eval '[ $rc = 0 ] && has "^direct: result=EEXIST$" && has "^via stk_entry: result=ok$" &&
	      [ "$(grep -c "^noclobber: refused mmap(.* caller=$s3_dir/stk+" "$s3_log")" = 1 ] &&
	      [ "$(grep -c "^noclobber: allowed mmap(.* caller=$s3_dir/libncstk.so+.* reason=suppressed:caller=libncstk.so frame=stk_entry victim=anon program=stk$" "$s3_log")" = 1 ] &&
	      grep -q "^noclobber: summary: pid=[0-9]* clobber_attempts=1 suppressed=1$" "$s3_log"'
s3_run "suppressions=$s3_supp" supp
expect "stack: suppressions: without verbosity=1 the suppressed attempt is not logged, the summary counts it apart" \
	eval 'has "^via stk_entry: result=ok$" && [ "$(grep -c "^noclobber: " "$s3_log")" = 2 ] &&
	      grep -q "^noclobber: summary: pid=[0-9]* clobber_attempts=1 suppressed=1$" "$s3_log"'
s3_run "suppressions=$s3_supp:verbosity=1:log_format=json" supp
expect "stack: suppressions: JSON: reason suppressed:RULE, summary key suppressed" \
	eval 'has "^via stk_entry: result=ok$" && python3 -c "
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
ev = [(o[\"event\"], o.get(\"reason\")) for o in ls]
assert ev[0] == (\"refused\", None) and ev[1] == (\"allowed\", \"suppressed:caller=libncstk.so frame=stk_entry victim=anon program=stk\"), ev
assert ls[2][\"event\"] == \"summary\" and ls[2][\"clobber_attempts\"] == 1 and ls[2][\"suppressed\"] == 1, ls[2]
" "$s3_log"'
# Each field narrows: another program, another victim kind, a frame that is not there.
for s3_r in "frame=*ncstk* program=other" "frame=stk_entry victim=image" "frame=stk_nounwind" "caller=stk_entry"; do
	printf '%s\n' "$s3_r" >"$s3_supp"
	s3_run "suppressions=$s3_supp" supp
	expect "suppressions: '$s3_r' does not match: both refused" \
		eval 'has "^direct: result=EEXIST$" && has "^via stk_entry: result=EEXIST$" &&
		      grep -q "^noclobber: summary: pid=[0-9]* clobber_attempts=2$" "$s3_log"'
done
for s3_r in "frame=*ncstk*" "frame=/tmp/*/libncstk.so victim=anon" "victim=an*" "program=stk"; do
	printf '%s\n' "$s3_r" >"$s3_supp"
	s3_run "suppressions=$s3_supp" supp
	case $s3_r in
	frame=*) s3_want="^direct: result=EEXIST$" ;;
	*) s3_want="^direct: result=ok$" ;;
	esac
	expect "suppressions: '$s3_r' matches (* wildcards, path or base name, kind)" \
		eval 'has "$s3_want" && has "^via stk_entry: result=ok$"'
done
# A malformed file stops the program before main, naming the line.
s3_bad() { # CONTENT EXPECTED-REGEX
	printf '%b' "$1" >"$s3_supp"
	out=$(NOCLOBBER_OPTIONS="suppressions=$s3_supp" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" free 2>&1)
	rc=$?
	why="rc=$rc: $out"
	s3_want="^noclobber: suppressions=$s3_supp: $2"
	expect "suppressions: malformed ($2): exit 1 before main, one line naming the line" \
		eval '[ $rc = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && ! has result= && grep -Eq -- "$s3_want" <<<"$out"'
}
s3_bad '# fine\nframe=x\nbogus\n' "line 3: not key=pattern: 'bogus'$"
s3_bad 'frame=x victm=libc.so.6\n' "line 1: unknown key \\(valid: frame, caller, victim, program\\) in 'victm=libc.so.6'$"
s3_bad '\n\nframe=\n' "line 3: an empty pattern in 'frame='$"
s3_bad 'frame=a\x01b\n' "line 1: a control character in 'frame=a\\?b'$"
s3_bad 'frame=1 frame=2 frame=3 frame=4 frame=5 frame=6 frame=7 frame=8 frame=9\n' "line 1: more than 8 fields in"
s3_bad "$(for i in $(seq 129); do printf 'frame=r%d\\n' "$i"; done)" "line 129: more than 128 rules$"
s3_bad "$(head -c 17000 /dev/zero | tr '\0' '#')" "larger than 16384 bytes$"
# Unreadable: missing, or a directory (its open succeeds, its read says EISDIR).
for s3_path in "$s3_dir/no-such-file" "$s3_dir"; do
	out=$(NOCLOBBER_OPTIONS="suppressions=$s3_path" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" free 2>&1)
	rc=$?
	why="rc=$rc: $out"
	expect "suppressions: $( [ -d "$s3_path" ] && echo 'a directory' || echo 'a missing file'): exit 1 before main, one line: cannot be read" \
		eval '[ $rc = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && ! has result= && has "^noclobber: suppressions=$s3_path: cannot be read"'
done
printf '# nothing but comments\n\n   \n' >"$s3_supp"
run_shim "suppressions=$s3_supp" "$T/clobber" libc-text
expect "suppressions: a file of comments and blank lines is valid and suppresses nothing" \
	eval 'has result=EEXIST && has "^noclobber: refused mmap("'

# noclobber-report: attempts grouped by stack, each frame with file:line, the
# processes, and a rule that suppresses exactly that group.
R=$PWD/scripts/noclobber-report
s3_logs=$s3_dir/logs
rm -rf "$s3_logs"
mkdir -p "$s3_logs"
for s3_f in text json; do
	NOCLOBBER_OPTIONS="log_path=$s3_logs/:log_format=$s3_f" LD_PRELOAD="$SHIM" $PREFIX "$s3_dir/stk" supp >/dev/null 2>&1
done
s3_rep=$("$R" "$s3_logs" 2>&1)
s3_block=$(awk '/^Stacks /{on=1; next} /^Processes:/{on=0} on' <<<"$s3_rep")
why="$s3_rep"
expect "stack: report: grouped by stack: two stacks, each 2 attempts from 2 processes (text and JSON logs merged)" \
	eval '[ "$(grep -c "^      2  \[mmap x2\] in stk pid [0-9]*, stk pid [0-9]*$" <<<"$s3_block")" = 2 ] &&
	      grep -q "^         #2  $s3_dir/libncstk.so+0x[0-9a-f]* (stk_entry+0x[0-9a-f]*)" <<<"$s3_block"'
why=$s3_block
if [ -n "$s3_have_a2l" ]; then
	expect "stack: report: each frame of the stack with its file:line (addr2line)" \
		eval 'grep -q "#0  $s3_dir/libncstk.so+0x[0-9a-f]*  stk_inner at .*tests/stack/lib.c:[0-9]*$" <<<"$s3_block" &&
		      grep -q "#1  $s3_dir/libncstk.so+0x[0-9a-f]*  stk_outer at .*tests/stack/lib.c:[0-9]*$" <<<"$s3_block" &&
		      grep -q "#2  .*  stk_entry at .*tests/stack/lib.c:[0-9]*$" <<<"$s3_block" &&
		      grep -q "#3  $s3_dir/stk+0x[0-9a-f]*  supp_case at .*tests/stack/main.c:[0-9]*$" <<<"$s3_block" &&
		      grep -q "#0  $s3_dir/stk+0x[0-9a-f]*  stk_direct at .*tests/stack/main.c:[0-9]*$" <<<"$s3_block"'
else
	skipped "stack: report: each frame of the stack with its file:line (addr2line)" "addr2line is not installed"
fi
s3_rule=$(awk '/^         #2 .*stk_entry/{on=1} on && /suppress with: /{sub(/.*suppress with: /, ""); print; exit}' <<<"$s3_block")
printf '%s\n' "$s3_rule" >"$s3_supp"
s3_run "suppressions=$s3_supp" supp
expect "stack: report: its rule for the stk_entry stack ('$s3_rule') lets exactly that attempt through, the other caller still refused" \
	eval '[ -n "$s3_rule" ] && has "^direct: result=EEXIST$" && has "^via stk_entry: result=ok$" &&
	      grep -q "^noclobber: summary: pid=[0-9]* clobber_attempts=1 suppressed=1$" "$s3_log"'
why=$("$R" --json "$s3_logs" 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
st = d["stacks"]
assert len(st) == 2 and all(g["attempts"] == 2 and len(g["processes"]) == 2 for g in st), st
assert any(f["symbol"] == "stk_entry" for f in st[0]["frames"] + st[1]["frames"])
assert all(g["rule"] for g in st)
' 2>&1)
expect "stack: report --json: the same stacks, processes and rules" test -z "$why"

# --html: rendered by a real browser (Debian's chromium, headless), checked by
# what it shows: the text (DOM after layout) and the picture (the call's red
# mark drawn inside libc's text, to scale).
s3_chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$s3_chrome" ]; then
	skipped "stack: report --html: rendered in headless chromium" "chromium is not installed"
	return 0
fi
s3_hlogs=$s3_dir/hlogs
rm -rf "$s3_hlogs"
mkdir -p "$s3_hlogs"
NOCLOBBER_OPTIONS="log_path=$s3_hlogs/" LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" libc-text >/dev/null 2>&1
NOCLOBBER_OPTIONS="log_path=$s3_hlogs/" LD_PRELOAD="$SHIM" $PREFIX "$s3_dir/stk" supp >/dev/null 2>&1
"$R" --html "$s3_dir/report.html" "$s3_hlogs" >/dev/null 2>&1
s3_hrc=$?
s3_chrome_run() { # the browser alone, with a home and no network of its own
	(cd "$s3_dir" && HOME=$s3_dir timeout 120 "$s3_chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --window-size=1000,1600 "$@" "file://$s3_dir/report.html" 2>/dev/null)
}
s3_dom=$(s3_chrome_run --dump-dom)
why="status $s3_hrc; $(head -c 3000 <<<"$s3_dom")"
expect "stack: report --html: self-contained (no script, no external reference), chromium shows the counts, a section per stack, the neighbours" \
	eval '[ $s3_hrc = 1 ] && ! grep -Eiq "<script|src=|href=|@import|url\(" "$s3_dir/report.html" &&
	      grep -q "<b>3</b> clobber attempts: 3 refused" <<<"$s3_dom" && [ "$(grep -o "<section class=\"stack\"" <<<"$s3_dom" | wc -l)" = 3 ] &&
	      grep -q "libc.so.6 (image)" <<<"$s3_dom" && grep -q "stk_entry" <<<"$s3_dom" &&
	      grep -q "neighbour 0x[0-9a-f]*-0x[0-9a-f]* below, not touched: /.*libc.so.6 (image)" <<<"$s3_dom" &&
	      grep -q "<code class=\"rule\">caller=libncstk.so frame=stk_entry victim=anon program=stk</code>" <<<"$s3_dom"'
rm -f "$s3_dir/shot.png"
s3_chrome_run --screenshot="$s3_dir/shot.png" >/dev/null
# shot.py PNG: the columns where the call (red), libc's text (blue) and the
# hint (orange) are drawn in the first picture, read back from the pixels.
cat >"$TMP/shot.py" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
colours = {'call': (0xd6, 0x27, 0x28), 'image': (0x1f, 0x77, 0xb4), 'hint': (0xff, 0x7f, 0x0e)}
# The first band where blue is drawn wide: the libc-text section's picture.
for y in range(h):
    r = rows[y]
    xs = {k: [x for x in range(w) if tuple(r[x * bpp:x * bpp + 3]) == c] for k, c in colours.items()}
    if len(xs['image']) > 100 and xs['call']:
        print(min(xs['call']), max(xs['call']), min(xs['image']), max(xs['image']),
              min(xs['hint']) if xs['hint'] else -1)
        break
PY
s3_cols=$(python3 "$TMP/shot.py" "$s3_dir/shot.png" 2>&1)
read -r s3_c0 s3_c1 s3_i0 s3_i1 s3_h0 <<<"$s3_cols"
why="columns (call from, to; libc text from, to; hint from): $s3_cols"
expect "stack: report --html: chromium draws the rwx page as a red mark inside libc's text (to scale), the hint beside it" \
	eval '[ -n "$s3_i1" ] && [ "$s3_c0" -gt "$s3_i0" ] && [ "$s3_c1" -lt "$s3_i1" ] && [ $((s3_c1 - s3_c0)) -lt 12 ] &&
	      [ $((s3_i1 - s3_i0)) -gt 200 ] && [ "$s3_h0" -ge 0 ]'
