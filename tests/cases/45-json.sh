# log_format=json: every line of a log is one JSON object that python3's json
# module parses, with the documented keys and value types, checked one by one
# for refusals (libc text, the stack, three victims at once, other doors),
# mode=warn, verbosity=1, mode=abort and the summary line. Names that are not
# plain text (quotes, backslashes, a newline, bytes that are not UTF-8) must
# come out as valid JSON that gives the name back.

if ! command -v python3 >/dev/null; then
	skipped "json: every check" "python3 is not installed"
	return 0
fi

cat >"$TMP/jcheck.py" <<'EOF'
# jcheck.py CASE LOG EXE: check every line of LOG against what CASE expects.
import datetime, json, re, sys

case, log, exe = sys.argv[1], sys.argv[2], sys.argv[3]
errors = []
def bad(msg):
    errors.append(msg)
def check(cond, msg):
    if not cond:
        bad(msg)
    return cond

HEX = re.compile(r'^0x[0-9a-f]+$')
TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
KINDS = {'image', 'stack', 'heap', 'vdso', 'anon', 'file', 'shm'}
MMAP_KEYS = ['time', 'pid', 'tid', 'program', 'event', 'reason', 'call', 'addr', 'len', 'prot',
             'flags', 'fd', 'offset', 'caller', 'stack', 'victims', 'victims_total',
             'neighbours', 'hint']
SUMMARY_KEYS = ['time', 'pid', 'program', 'event', 'clobber_attempts', 'log_lines_lost']

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)
def hexv(v, what):
    check(isinstance(v, str) and HEX.match(v), '%s: not a hex string: %r' % (what, v))
    return int(v, 16) if isinstance(v, str) and HEX.match(v) else None

def check_time(o):
    t = o.get('time')
    if check(isinstance(t, str) and TIME.match(t), 'time: bad format %r' % t):
        when = datetime.datetime.strptime(t, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        check(abs((now - when).total_seconds()) < 600, 'time: %s is not now (%s)' % (t, now))

def check_head(o):
    check_time(o)
    check(is_int(o.get('pid')) and o['pid'] > 0, 'pid: not a positive int: %r' % o.get('pid'))
    check(isinstance(o.get('program'), str) and o['program'], 'program: %r' % o.get('program'))

def B(s):
    """A name as the bytes it stands for (see the parsing below)."""
    return s.encode('utf-8', 'surrogateescape') if isinstance(s, str) else s

def check_attempt(o, door='mmap', length=4096, call=None, prot='rwx'):
    keys = list(MMAP_KEYS)
    if door == 'mremap':
        keys[keys.index('caller'):keys.index('caller')] = ['old_addr', 'old_len']
    if door == 'shmat':
        keys[keys.index('caller'):keys.index('caller')] = ['shmid']
    check(list(o) == keys, 'keys: %s, expected %s' % (list(o), keys))
    check_head(o)
    check(is_int(o.get('tid')) and o['tid'] == o.get('pid'), 'tid: %r (pid %r)' % (o.get('tid'), o.get('pid')))
    check(o.get('call') == (call or door), 'call: %r' % o.get('call'))
    addr = hexv(o.get('addr'), 'addr')
    check(addr is None or addr % 4096 == 0, 'addr: not page aligned')
    check(is_int(o.get('len')) and o['len'] == length, 'len: %r, expected %d' % (o.get('len'), length))
    if door == 'mmap':
        check(o.get('prot') == prot, 'prot: %r' % o.get('prot'))
        check(o.get('flags') == ['MAP_PRIVATE', 'MAP_FIXED', 'MAP_ANONYMOUS'], 'flags: %r' % o.get('flags'))
        check(is_int(o.get('fd')) and o['fd'] == -1, 'fd: %r' % o.get('fd'))
        check(is_int(o.get('offset')) and o['offset'] == 0, 'offset: %r' % o.get('offset'))
    else:
        for k in ('prot', 'fd', 'offset'):
            check(o.get(k) is None, '%s: %r, expected null for %s' % (k, o.get(k), door))
    if door == 'mremap':
        check(o.get('flags') == ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], 'flags: %r' % o.get('flags'))
        hexv(o.get('old_addr'), 'old_addr')
        check(is_int(o.get('old_len')) and o['old_len'] == length, 'old_len: %r' % o.get('old_len'))
    if door == 'shmat':
        check(o.get('flags') == ['SHM_REMAP'], 'flags: %r' % o.get('flags'))
        check(is_int(o.get('shmid')) and o['shmid'] >= 0, 'shmid: %r' % o.get('shmid'))

    c = o.get('caller')
    nb = o.get('neighbours')  # the mapping ending where the victims start, the first one after them
    vs = o.get('victims') or []
    if check(isinstance(nb, dict) and list(nb) == ['below', 'above'], 'neighbours: %r' % nb) and vs:
        lo, hi = hexv(vs[0].get('start'), 'victim'), hexv(vs[-1].get('end'), 'victim')
        b, a = nb['below'], nb['above']
        check(b is None or (isinstance(b, dict) and hexv(b.get('end'), 'below.end') == lo),
              'neighbours.below does not end where the victims start: %r' % b)
        check(a is None or (isinstance(a, dict) and (hexv(a.get('start'), 'above.start') or 0) >= hi),
              'neighbours.above starts inside the victims: %r' % a)
    st = o.get('stack')  # stack=16 (the default): the caller first, then its callers
    if check(isinstance(st, list) and 1 <= len(st) <= 16, 'stack: %r' % st):
        check(st[0] == c, 'stack[0]: %r, expected the caller %r' % (st[0], c))
        for f in st:
            check(isinstance(f, dict) and list(f) == ['pc', 'module', 'offset', 'symbol', 'symbol_offset'],
                  'stack frame keys: %r' % f)
    if check(isinstance(c, dict), 'caller: %r' % c):
        check(list(c) == ['pc', 'module', 'offset', 'symbol', 'symbol_offset'], 'caller keys: %s' % list(c))
        pc, off = hexv(c.get('pc'), 'caller.pc'), hexv(c.get('offset'), 'caller.offset')
        # /proc/self/maps spells a newline in a name \012; PROCMAP_QUERY gives it as it is.
        check(B(c.get('module')) in (B(exe), B(exe).replace(b'\n', b'\\012')),
              'caller.module: %r, expected %r' % (c.get('module'), exe))
        check(c.get('symbol') == 'main', 'caller.symbol: %r' % c.get('symbol'))
        hexv(c.get('symbol_offset'), 'caller.symbol_offset')
        if pc is not None and off is not None:
            check((pc - off) % 4096 == 0, 'caller: pc %x - offset %x is no load address' % (pc, off))

    vs = o.get('victims')
    if check(isinstance(vs, list) and vs, 'victims: %r' % vs):
        check(is_int(o.get('victims_total')) and o['victims_total'] == len(vs),
              'victims_total: %r for %d listed' % (o.get('victims_total'), len(vs)))
        prev_end = None
        for i, v in enumerate(vs):
            w = 'victims[%d]' % i
            if not check(isinstance(v, dict), '%s: %r' % (w, v)):
                continue
            check(list(v) == ['start', 'end', 'perms', 'offset', 'path', 'kind'], '%s keys: %s' % (w, list(v)))
            s, e = hexv(v.get('start'), w + '.start'), hexv(v.get('end'), w + '.end')
            hexv(v.get('offset'), w + '.offset')
            check(isinstance(v.get('perms'), str) and re.match(r'^[r-][w-][x-][ps]$', v['perms']),
                  '%s.perms: %r' % (w, v.get('perms')))
            check(v.get('path') is None or (isinstance(v['path'], str) and v['path']), '%s.path: %r' % (w, v.get('path')))
            check(v.get('kind') in KINDS, '%s.kind: %r' % (w, v.get('kind')))
            if None not in (s, e, addr):
                check(s < e and s % 4096 == 0 and e % 4096 == 0, '%s: range %x-%x' % (w, s, e))
                check(s < addr + length and e > addr, '%s: %x-%x does not overlap the call' % (w, s, e))
                check(prev_end is None or s >= prev_end, '%s: not in address order' % w)
                prev_end = e
    h = o.get('hint')
    if check(isinstance(h, dict) and list(h) == ['start', 'end'], 'hint: %r' % h):
        hs, he = hexv(h.get('start'), 'hint.start'), hexv(h.get('end'), 'hint.end')
        if None not in (hs, he, addr):
            check(he - hs == length, 'hint: %x-%x is not %d bytes' % (hs, he, length))
            check(he <= addr or hs >= addr + length, 'hint: overlaps the call itself')

def check_summary(o, attempts=1):
    check(list(o) == SUMMARY_KEYS, 'summary keys: %s' % list(o))
    check_head(o)
    check(o.get('event') == 'summary', 'summary event: %r' % o.get('event'))
    check(is_int(o.get('clobber_attempts')) and o['clobber_attempts'] == attempts,
          'clobber_attempts: %r' % o.get('clobber_attempts'))
    check(is_int(o.get('log_lines_lost')) and o['log_lines_lost'] == 0, 'log_lines_lost: %r' % o.get('log_lines_lost'))

def victim(o, i=0):
    vs = o.get('victims') or [{}]
    return vs[i] if i < len(vs) else {}

# A name is bytes. The shim writes valid UTF-8 as it is and a byte that is not
# part of it as \u0080..\u00ff: read those as surrogate escapes, and B() gives
# the bytes back.
RAW_BYTE = re.compile(r'(?<!\\)((?:\\\\)*)\\u00([89a-f][0-9a-f])')
raw = open(log, 'rb').read()
lines = raw.split(b'\n')
check(lines[-1] == b'', 'the log does not end with a newline')
objs = []
for n, l in enumerate(lines[:-1], 1):
    try:
        text = l.decode('utf-8')  # strict: the line must be valid UTF-8 text
        check(not re.search(r'[\x00-\x1f]', text), 'line %d: a raw control character' % n)
        o = json.loads(text)
        check(isinstance(o, dict), 'line %d: not an object' % n)
        check(json.loads(json.dumps(o)) == o, 'line %d: does not round-trip' % n)
        check(json.loads(json.dumps(o, ensure_ascii=False)) == o, 'line %d: does not round-trip' % n)
        objs.append(json.loads(RAW_BYTE.sub(lambda m: m.group(1) + '\\udc' + m.group(2), text)))
    except ValueError as err:
        bad('line %d does not parse: %s: %r' % (n, err, l[:200]))
events = [o.get('event') for o in objs]
pid = objs[0].get('pid') if objs else None
check(all(o.get('pid') == pid for o in objs), 'lines of different pids: %r' % [o.get('pid') for o in objs])
program = sys.argv[4] if len(sys.argv) > 4 else 'clobber'
check(all(B(o.get('program')) == B(program) for o in objs),
      'program: %r, expected %r' % ([o.get('program') for o in objs], program))

if case in ('libc-text', 'stack', 'multi', 'mremap', 'shmat', 'syscall-mmap', 'abort', 'warn', 'own'):
    want = {'abort': ['aborted'], 'warn': ['allowed'], 'own': ['allowed']}.get(case, ['refused', 'summary'])
    if check(events == want, 'events: %r, expected %r' % (events, want)):
        a = objs[0]
        door = {'mremap': 'mremap', 'shmat': 'shmat'}.get(case, 'mmap')
        check_attempt(a, door=door, length=3 * 4096 if case == 'multi' else 4096,
                      call='syscall(SYS_mmap)' if case == 'syscall-mmap' else None)
        reason = {'warn': 'mode=warn', 'own': 'own'}.get(case)
        check(a.get('reason') == reason, 'reason: %r, expected %r' % (a.get('reason'), reason))
        v = victim(a)
        if case in ('libc-text', 'mremap', 'shmat', 'syscall-mmap'):
            check(re.match(r'^/.*/libc[.-][^/]*$', v.get('path') or '') and v.get('kind') == 'image'
                  and v.get('perms') == 'r-xp' and int(v.get('offset', '0'), 16) > 0, 'libc victim: %r' % v)
        if case in ('stack', 'abort'):
            check(v.get('path') == '[stack]' and v.get('kind') == 'stack' and v.get('perms') == 'rw-p'
                  and v.get('offset') == '0x0', 'stack victim: %r' % v)
        if case == 'multi':
            vs = a.get('victims') or []
            check([x.get('perms') for x in vs] == ['rw-p', 'r--p', 'rw-p'], 'multi perms: %r' % vs)
            check(all(x.get('kind') == 'anon' and x.get('path') is None for x in vs), 'multi kinds: %r' % vs)
            check(len(vs) == 3 and vs[0].get('start') == a.get('addr') and vs[0].get('end') == vs[1].get('start')
                  and vs[1].get('end') == vs[2].get('start'), 'multi: not three adjacent pages from addr: %r' % vs)
        if case in ('warn', 'own'):
            check(v.get('kind') == 'anon' and v.get('path') is None, 'anon victim: %r' % v)
        if len(objs) > 1:
            check_summary(objs[1])
            check(objs[1].get('pid') == a.get('pid'), 'summary of another pid')
elif case == 'names':
    # argv: names LOG EXE PROGRAM VICTIM-PATH
    path = B(sys.argv[5])
    kernel = lambda b: b.replace(b'\n', b'\\012')  # /proc/self/maps spells a newline \012
    if check(events == ['refused', 'summary'], 'events: %r' % events):
        a = objs[0]
        check_attempt(a, prot='rw-')
        v = victim(a)
        got = B(v.get('path') or '')
        check(got in (path, kernel(path)), 'victim path: %r, expected %r' % (got, path))
        check(v.get('kind') == 'file' and v.get('perms') == 'r--s', 'victim: %r' % v)
        check_summary(objs[1])
elif case == 'long':
    path = sys.argv[5].encode()
    if check(events == ['refused', 'summary'], 'events: %r' % events):
        v = victim(objs[0])
        check(list(v) == ['start', 'end', 'perms', 'offset', 'path', 'path_truncated', 'kind'], 'keys: %s' % list(v))
        check(v.get('path_truncated') is True, 'path_truncated: %r' % v.get('path_truncated'))
        p = (v.get('path') or '').encode()
        check(len(p) >= 100 and path.startswith(p) and p != path, 'truncated path %r is no prefix of the path' % p)
else:
    bad('unknown case ' + case)

for e in errors:
    print(e)
print('ok' if not errors else '%d errors' % len(errors))
sys.exit(1 if errors else 0)
EOF

exe=$(readlink -f "$T/clobber")
# json_case NAME OPTIONS TARGET [CLOBBER_DOOR]: run, then check every line.
json_case() {
	local name=$1 opts=$2 target=$3 door=${4:-mmap} log="$TMP/json-$1.log" res
	rm -f "$log"
	out=$(CLOBBER_DOOR=$door NOCLOBBER_OPTIONS="log_format=json:log_path=$log${opts:+:$opts}" \
		LD_PRELOAD="$SHIM" $PREFIX "$T/clobber" "$target" 2>&1)
	rc=$?
	res=$(python3 "$TMP/jcheck.py" "$name" "$log" "$exe" 2>&1)
	why="rc=$rc $out
$res
$(cat "$log" 2>&1)"
	case $name in
	abort) expect "json $name: $target, every line parses, every field right" eval '[ $rc -eq 134 ] && [ "$res" = ok ]' ;;
	warn | own) expect "json $name: $target, every line parses, every field right" eval '[ $rc -eq 0 ] && has result=ok && [ "$res" = ok ]' ;;
	*) expect "json $name: $target, every line parses, every field right" eval '[ $rc -eq 0 ] && has result=EEXIST && [ "$res" = ok ]' ;;
	esac
}
json_case libc-text "" libc-text
json_case stack "" stack
json_case multi "allow=none" multi
json_case mremap "" libc-text mremap
json_case shmat "" libc-text shmat
json_case syscall-mmap "" libc-text syscall-mmap
json_case warn "mode=warn" foreign-anon
json_case own "verbosity=1" own-anon
json_case abort "mode=abort" stack

# The checker can fail: a line it must reject.
cp "$TMP/json-libc-text.log" "$TMP/json-broken.log"
sed -i '1s/"len":4096/"len":"4096"/' "$TMP/json-broken.log"
res=$(python3 "$TMP/jcheck.py" libc-text "$TMP/json-broken.log" "$exe" 2>&1)
why="$res"
expect "json: the checker rejects a len written as a string" eval '[ "$res" != ok ] && grep -q "^len:" <<<"$res"'

# Awkward names: the victim's file and the program itself.
name=$'we"ird\\na\\me\nnl\xff\xc3\xa9\tx.bin'
prog=$'pr"o\\g\nq\xfe\xc3\xa9'
mkdir -p "$TMP/names"
cp "$T/json_names" "$TMP/names/$prog"
for check in kernel table; do
	log="$TMP/json-names-$check.log"
	rm -f "$log"
	out=$(NOCLOBBER_OPTIONS="log_format=json:check=$check:log_path=$log" LD_PRELOAD="$SHIM" $PREFIX \
		"$TMP/names/$prog" "$TMP/names/$name" 2>&1)
	rc=$?
	res=$(python3 "$TMP/jcheck.py" names "$log" "$(cd "$TMP/names" && pwd -P)/$prog" "$prog" "$(cd "$TMP/names" && pwd -P)/$name" 2>&1)
	why="rc=$rc $out
$res
$(cat -v "$log" 2>&1)"
	expect "json check=$check: quotes, backslashes, a newline, bytes not UTF-8 in names: valid JSON that gives them back" \
		eval '[ $rc -eq 0 ] && has result=EEXIST && [ "$res" = ok ]'
done

# A path longer than the shim keeps: cut, and said so with path_truncated.
long="$TMP/long"
for i in 1 2 3 4 5 6; do long="$long/directory-with-a-long-name-$i-xxxxxxxxxxxxxxxxxxxxxx"; done
mkdir -p "$long"
log="$TMP/json-long.log"
rm -f "$log"
out=$(NOCLOBBER_OPTIONS="log_format=json:log_path=$log" LD_PRELOAD="$SHIM" $PREFIX "$T/json_names" "$long/file.bin" 2>&1)
rc=$?
res=$(python3 "$TMP/jcheck.py" long "$log" "$(readlink -f "$T/json_names")" json_names "$(cd "$long" && pwd -P)/file.bin" 2>&1)
why="rc=$rc $out
$res
$(cat "$log" 2>&1)"
expect "json: a victim path longer than the shim keeps is cut, with path_truncated: true" \
	eval '[ $rc -eq 0 ] && has result=EEXIST && [ "$res" = ok ]'
