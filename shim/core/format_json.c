/* format_json.c - the attempt as one JSON object per line (log_format=json), for
 * tools. Keys are stable; addresses are hex strings (a 64-bit address does not
 * survive a trip through a JSON number in most parsers):
 *
 * {"time":"2026-11-25T12:50:01.123456Z","pid":6387,"tid":6387,"program":"demo_libc",
 *  "event":"refused","reason":null,"call":"mmap","addr":"0x7f6e3ba24000","len":4096,
 *  "prot":"rwx","flags":["MAP_PRIVATE","MAP_FIXED","MAP_ANONYMOUS"],"fd":-1,"offset":0,
 *  "caller":{"module":"/work/demo_libc","offset":"0x14b9","symbol":"main","symbol_offset":"0x156"},
 *  "victims":[{"start":"0x7f6e3b979000","end":"0x7f6e3bacf000","perms":"r-xp","offset":"0x26000",
 *   "path":"/usr/lib/x86_64-linux-gnu/libc.so.6","kind":"image"}],"victims_total":1,
 *  "hint":{"start":"0x7f6e3b94f000","end":"0x7f6e3b950000"}}
 * (one line; wrapped here). */
#include "decode.h"
#include "fmt.h"
#include "maps.h"
#include "regions.h"
#include "report.h"

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate, or past U+10FFFF */
	return len;
}

/* A JSON string. Paths are bytes, not text: a byte that is not part of valid
 * UTF-8 is written as \u00XX, so every line stays parseable. */
static void put_str(struct nc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	nc_buf_ch(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			nc_buf_mem(b, e, 2);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			nc_buf_ch(b, (char)c);
			i++;
		} else if (c >= 0x80 && utf8_len((const unsigned char *)s + i, n - i)) {
			size_t l = utf8_len((const unsigned char *)s + i, n - i);
			nc_buf_mem(b, s + i, l);
			i += l;
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			nc_buf_mem(b, e, 6);
			i++;
		}
	}
	nc_buf_ch(b, '"');
}

static void put_cstr(struct nc_buf *b, const char *s) { put_str(b, s, __builtin_strlen(s)); }

/* "key": after a comma unless it opens an object. */
static void put_key(struct nc_buf *b, const char *key)
{
	if (b->len && b->p[b->len - 1] != '{')
		nc_buf_ch(b, ',');
	put_cstr(b, key);
	nc_buf_ch(b, ':');
}

static void put_hex(struct nc_buf *b, unsigned long long v)
{
	nc_buf_ch(b, '"');
	nc_buf_hex(b, v);
	nc_buf_ch(b, '"');
}

static void put_call(struct nc_buf *b, const struct nc_call *c)
{
	put_key(b, "call");
	put_cstr(b, c->name);
	put_key(b, "addr");
	put_hex(b, c->addr);
	put_key(b, "len");
	nc_buf_u(b, c->len);
	put_key(b, "prot");
	if (c->door == NC_DOOR_MMAP) {
		char prot[4];
		int rest;
		nc_decode_prot(c->prot, prot, &rest);
		put_cstr(b, prot);
	} else {
		nc_buf_str(b, "null");
	}
	put_key(b, "flags");
	const char *names[NC_DECODE_MAX];
	int rest, n = nc_decode_flags(c->door, c->flags, names, &rest);
	nc_buf_ch(b, '[');
	for (int i = 0; i < n; i++) {
		nc_buf_str(b, i ? "," : "");
		put_cstr(b, names[i]);
	}
	if (rest) {
		nc_buf_str(b, n ? "," : "");
		put_hex(b, (unsigned)rest);
	}
	nc_buf_ch(b, ']');
	put_key(b, "fd");
	if (c->door == NC_DOOR_MMAP)
		nc_buf_i(b, c->fd);
	else
		nc_buf_str(b, "null");
	put_key(b, "offset");
	if (c->door == NC_DOOR_MMAP)
		nc_buf_i(b, (long long)c->offset);
	else
		nc_buf_str(b, "null");
	if (c->door == NC_DOOR_MREMAP) {
		put_key(b, "old_addr");
		put_hex(b, c->old_addr);
		put_key(b, "old_len");
		nc_buf_u(b, c->old_len);
	}
	if (c->door == NC_DOOR_SHMAT) {
		put_key(b, "shmid");
		nc_buf_i(b, c->shmid);
	}
}

/* {"pc", "module", "offset", "symbol", "symbol_offset"}: the caller, and each
 * frame of the stack; module NULL: not in a named mapping. */
static void put_where(struct nc_buf *b, uintptr_t pc, const char *module, size_t module_len, int truncated,
		      uintptr_t offset, const char *symbol, uintptr_t sym_offset)
{
	nc_buf_ch(b, '{');
	put_key(b, "pc");
	put_hex(b, pc);
	put_key(b, "module");
	if (module)
		put_str(b, module, module_len);
	else
		nc_buf_str(b, "null");
	if (truncated) {
		put_key(b, "module_truncated");
		nc_buf_str(b, "true");
	}
	put_key(b, "offset");
	if (module)
		put_hex(b, offset);
	else
		nc_buf_str(b, "null");
	put_key(b, "symbol");
	if (symbol[0])
		put_cstr(b, symbol);
	else
		nc_buf_str(b, "null");
	put_key(b, "symbol_offset");
	if (symbol[0])
		put_hex(b, sym_offset);
	else
		nc_buf_str(b, "null");
	nc_buf_ch(b, '}');
}

/* A mapping: a victim, or a neighbour. */
static void put_victim(struct nc_buf *b, const struct nc_victim *v)
{
	nc_buf_ch(b, '{');
	put_key(b, "start");
	put_hex(b, v->start);
	put_key(b, "end");
	put_hex(b, v->end);
	put_key(b, "perms");
	char perms[5] = {v->perms & NC_PERM_R ? 'r' : '-', v->perms & NC_PERM_W ? 'w' : '-',
			 v->perms & NC_PERM_X ? 'x' : '-', v->perms & NC_PERM_S ? 's' : 'p', 0};
	put_cstr(b, perms);
	put_key(b, "offset");
	put_hex(b, v->offset);
	put_key(b, "path");
	if (v->name_len)
		put_str(b, v->name, v->name_len);
	else
		nc_buf_str(b, "null");
	if (v->name_truncated) {
		put_key(b, "path_truncated");
		nc_buf_str(b, "true");
	}
	put_key(b, "kind");
	put_cstr(b, nc_region_kind_name(v->kind));
	nc_buf_ch(b, '}');
}

static void put_head(struct nc_buf *b, long long s, long us, long pid)
{
	nc_buf_ch(b, '{');
	put_key(b, "time");
	nc_buf_ch(b, '"');
	nc_buf_time(b, s, us);
	nc_buf_ch(b, '"');
	put_key(b, "pid");
	nc_buf_i(b, pid);
}

/* A JSON line cut short is worse than none: if the buffer overflowed, say so
 * in a line that still parses, with the event it stands for. */
static void finish(struct nc_buf *b, size_t *len, long pid, const char *event)
{
	if (b->truncated) {
		b->len = 0;
		b->truncated = 0;
		nc_buf_str(b, "{\"event\":\"truncated\",\"truncated_event\":\"");
		nc_buf_str(b, event);
		nc_buf_str(b, "\",\"pid\":");
		nc_buf_i(b, pid);
		nc_buf_ch(b, '}');
	}
	b->p[b->len++] = '\n';
	*len = b->len;
}

void nc_format_json(char *line, size_t cap, size_t *len, const struct nc_facts *f)
{
	struct nc_buf b = {line, 0, cap - 1, 0};
	put_head(&b, f->time_s, f->time_us, f->pid);
	put_key(&b, "tid");
	nc_buf_i(&b, f->tid);
	put_key(&b, "program");
	put_cstr(&b, f->program);
	put_key(&b, "event");
	put_cstr(&b, nc_event_name(f->event));
	put_key(&b, "reason");
	if (f->reason)
		put_cstr(&b, f->reason);
	else
		nc_buf_str(&b, "null");
	put_call(&b, f->call);

	put_key(&b, "caller");
	put_where(&b, f->caller_pc, f->caller_found ? f->caller_module : 0, f->caller_module_len,
		  f->caller_module_truncated, f->caller_offset, f->caller_symbol, f->caller_sym_offset);
	if (f->frames) {
		put_key(&b, "stack");
		nc_buf_ch(&b, '[');
		int shown = 0;
		for (; shown < f->frames && b.len + 1000 + 1600 < b.cap; shown++) {
			const struct nc_frame *fr = &f->frame[shown];
			const struct nc_frame_module *m = fr->module >= 0 ? &f->module[fr->module] : 0;
			nc_buf_str(&b, shown ? "," : "");
			put_where(&b, fr->pc, m ? m->name : 0, m ? m->len : 0, m && m->truncated, fr->offset, fr->symbol,
				  fr->sym_offset);
		}
		nc_buf_ch(&b, ']');
		if (shown < f->frames || f->frames_more) {
			put_key(&b, "stack_truncated");
			nc_buf_str(&b, "true");
		}
	}

	put_key(&b, "victims");
	if (!f->victims_known) {
		nc_buf_str(&b, "null");
	} else {
		nc_buf_ch(&b, '[');
		/* Stop listing while the rest still fits; victims_total has the count. */
		for (int i = 0; i < f->victims_kept && b.len + 2200 < b.cap; i++) {
			nc_buf_str(&b, i ? "," : "");
			put_victim(&b, &f->victims[i]);
		}
		nc_buf_ch(&b, ']');
	}
	put_key(&b, "victims_total");
	if (f->victims_known)
		nc_buf_u(&b, f->victims_total);
	else
		nc_buf_str(&b, "null");
	put_key(&b, "neighbours");
	if (f->victims_known) {
		nc_buf_ch(&b, '{');
		put_key(&b, "below");
		if (f->have_below)
			put_victim(&b, &f->below);
		else
			nc_buf_str(&b, "null");
		put_key(&b, "above");
		if (f->have_above)
			put_victim(&b, &f->above);
		else
			nc_buf_str(&b, "null");
		nc_buf_ch(&b, '}');
	} else {
		nc_buf_str(&b, "null");
	}
	put_key(&b, "hint");
	if (f->hint_found) {
		nc_buf_ch(&b, '{');
		put_key(&b, "start");
		put_hex(&b, f->hint_start);
		put_key(&b, "end");
		put_hex(&b, f->hint_end);
		nc_buf_ch(&b, '}');
	} else {
		nc_buf_str(&b, "null");
	}
	nc_buf_ch(&b, '}');
	finish(&b, len, f->pid, nc_event_name(f->event));
}

void nc_format_json_summary(char *line, size_t cap, size_t *len, const struct nc_summary *s)
{
	struct nc_buf b = {line, 0, cap - 1, 0};
	put_head(&b, s->time_s, s->time_us, s->pid);
	put_key(&b, "program");
	put_cstr(&b, s->program);
	put_key(&b, "event");
	put_cstr(&b, "summary");
	put_key(&b, "clobber_attempts");
	nc_buf_u(&b, s->attempts);
	put_key(&b, "log_lines_lost");
	nc_buf_u(&b, s->dropped);
	if (s->suppressed) {
		put_key(&b, "suppressed");
		nc_buf_u(&b, s->suppressed);
	}
	nc_buf_ch(&b, '}');
	finish(&b, len, s->pid, "summary");
}
