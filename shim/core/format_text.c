/* format_text.c - the attempt as one line for a person (log_format=text):
 *
 * noclobber: refused mmap(addr=0x7f6e3ba24000, len=4096, prot=rwx, flags=MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS,
 *   fd=-1, offset=0) pid=6387 tid=6387 time=2026-11-25T12:50:01.123456Z program=demo_libc
 *   caller=/work/demo_libc+0x14b9 (main+0x156)
 *   victims=1: 7f6e3b979000-7f6e3bacf000 r-xp 00026000 /usr/lib/x86_64-linux-gnu/libc.so.6 (image)
 *   hint=0x7f6e3b94f000-0x7f6e3b950000
 * (one line; wrapped here). */
#include "decode.h"
#include "fmt.h"
#include "maps.h"
#include "regions.h"
#include "report.h"

/* Names as the kernel shows them in maps, control bytes as \ooo, and a
 * backslash as \\ so that the two cannot be confused. */
static void put_name(struct nc_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			nc_buf_str(b, "\\\\");
		} else if (c < 0x20 || c == 0x7f) {
			char esc[4] = {'\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
				       (char)('0' + (c & 7))};
			nc_buf_mem(b, esc, 4);
		} else {
			nc_buf_ch(b, (char)c);
		}
	}
}

static void put_flags(struct nc_buf *b, const struct nc_call *c)
{
	const char *names[NC_DECODE_MAX];
	int rest, n = nc_decode_flags(c->door, c->flags, names, &rest);
	for (int i = 0; i < n; i++) {
		nc_buf_str(b, i ? "|" : "");
		nc_buf_str(b, names[i]);
	}
	if (rest || !n) {
		nc_buf_str(b, n ? "|" : "");
		nc_buf_hex(b, (unsigned)rest);
	}
}

static void put_call(struct nc_buf *b, const struct nc_call *c)
{
	nc_buf_str(b, c->name);
	switch (c->door) {
	case NC_DOOR_MMAP: {
		char prot[4];
		int rest;
		nc_decode_prot(c->prot, prot, &rest);
		nc_buf_str(b, "(addr=");
		nc_buf_hex(b, c->addr);
		nc_buf_str(b, ", len=");
		nc_buf_u(b, c->len);
		nc_buf_str(b, ", prot=");
		nc_buf_str(b, prot);
		if (rest) {
			nc_buf_ch(b, '|');
			nc_buf_hex(b, (unsigned)rest);
		}
		nc_buf_str(b, ", flags=");
		put_flags(b, c);
		nc_buf_str(b, ", fd=");
		nc_buf_i(b, c->fd);
		nc_buf_str(b, ", offset=");
		nc_buf_i(b, (long long)c->offset);
		break;
	}
	case NC_DOOR_MREMAP:
		nc_buf_str(b, "(old_addr=");
		nc_buf_hex(b, c->old_addr);
		nc_buf_str(b, ", old_len=");
		nc_buf_u(b, c->old_len);
		nc_buf_str(b, ", new_len=");
		nc_buf_u(b, c->len);
		nc_buf_str(b, ", flags=");
		put_flags(b, c);
		nc_buf_str(b, ", new_addr=");
		nc_buf_hex(b, c->addr);
		break;
	case NC_DOOR_SHMAT:
		nc_buf_str(b, "(shmid=");
		nc_buf_i(b, c->shmid);
		nc_buf_str(b, ", shmaddr=");
		nc_buf_hex(b, c->addr);
		nc_buf_str(b, ", shmflg=");
		put_flags(b, c);
		nc_buf_str(b, ", size=");
		nc_buf_u(b, c->len);
		break;
	}
	nc_buf_ch(b, ')');
}

static void put_victim(struct nc_buf *b, const struct nc_victim *v)
{
	nc_buf_hexw(b, v->start, 8);
	nc_buf_ch(b, '-');
	nc_buf_hexw(b, v->end, 8);
	char perms[6] = {v->perms & NC_PERM_R ? 'r' : '-', v->perms & NC_PERM_W ? 'w' : '-',
			 v->perms & NC_PERM_X ? 'x' : '-', v->perms & NC_PERM_S ? 's' : 'p', ' ', 0};
	nc_buf_ch(b, ' ');
	nc_buf_str(b, perms);
	nc_buf_hexw(b, v->offset, 8);
	nc_buf_ch(b, ' ');
	if (v->name_len) {
		put_name(b, v->name, v->name_len);
		if (v->name_truncated)
			nc_buf_str(b, "...");
		nc_buf_ch(b, ' ');
	}
	nc_buf_ch(b, '(');
	nc_buf_str(b, nc_region_kind_name(v->kind));
	nc_buf_ch(b, ')');
}

/* MODULE+0xOFFSET (SYMBOL+0xOFFSET): the caller, and each frame of the stack. */
static void put_where(struct nc_buf *b, const char *module, size_t module_len, int truncated, uintptr_t offset,
		      const char *symbol, uintptr_t sym_offset)
{
	put_name(b, module, module_len);
	if (truncated)
		nc_buf_str(b, "...");
	nc_buf_ch(b, '+');
	nc_buf_hex(b, offset);
	if (symbol[0]) {
		nc_buf_str(b, " (");
		put_name(b, symbol, __builtin_strlen(symbol));
		nc_buf_ch(b, '+');
		nc_buf_hex(b, sym_offset);
		nc_buf_ch(b, ')');
	}
}

/* stack=N: FRAME | FRAME ..., each "0xPC" then where it is, if known; " | ..."
 * when frames are left out (stack=N reached, or no room left in the line). */
static void put_stack(struct nc_buf *b, const struct nc_facts *f)
{
	nc_buf_str(b, " stack=");
	nc_buf_u(b, (unsigned)f->frames);
	nc_buf_str(b, ":");
	int shown = 0;
	for (; shown < f->frames && b->len + 1000 + 300 + 200 < b->cap; shown++) {
		const struct nc_frame *fr = &f->frame[shown];
		nc_buf_str(b, shown ? " | " : " ");
		nc_buf_hex(b, fr->pc);
		if (fr->module >= 0) {
			const struct nc_frame_module *m = &f->module[fr->module];
			nc_buf_ch(b, ' ');
			put_where(b, m->name, m->len, m->truncated, fr->offset, fr->symbol, fr->sym_offset);
		}
	}
	if (shown < f->frames || f->frames_more)
		nc_buf_str(b, " | ...");
}

static void finish(struct nc_buf *b, size_t *len)
{
	if (b->len >= b->cap) /* room for the newline, always */
		b->len = b->cap - 1;
	b->p[b->len++] = '\n';
	*len = b->len;
}

void nc_format_text(char *line, size_t cap, size_t *len, const struct nc_facts *f)
{
	static const char *const words[] = {"refused", "allowed", "aborting on", "allowed"};
	struct nc_buf b = {line, 0, cap - 1, 0};
	nc_buf_str(&b, "noclobber: ");
	nc_buf_str(&b, words[f->event]);
	nc_buf_ch(&b, ' ');
	put_call(&b, f->call);
	nc_buf_str(&b, " pid=");
	nc_buf_i(&b, f->pid);
	nc_buf_str(&b, " tid=");
	nc_buf_i(&b, f->tid);
	nc_buf_str(&b, " time=");
	nc_buf_time(&b, f->time_s, f->time_us);
	nc_buf_str(&b, " program=");
	put_name(&b, f->program, __builtin_strlen(f->program));
	nc_buf_str(&b, " caller=");
	if (f->caller_found)
		put_where(&b, f->caller_module, f->caller_module_len, f->caller_module_truncated, f->caller_offset,
			  f->caller_symbol, f->caller_sym_offset);
	else
		nc_buf_hex(&b, f->caller_pc);
	if (f->frames)
		put_stack(&b, f);
	if (f->victims_known) {
		nc_buf_str(&b, " neighbours=");
		if (f->have_below)
			put_victim(&b, &f->below);
		else
			nc_buf_str(&b, "none");
		nc_buf_str(&b, " | ");
		if (f->have_above)
			put_victim(&b, &f->above);
		else
			nc_buf_str(&b, "none");
	}
	nc_buf_str(&b, " victims=");
	if (!f->victims_known) {
		nc_buf_str(&b, "unknown (/proc/self/maps unreadable)");
	} else {
		nc_buf_u(&b, f->victims_total);
		nc_buf_str(&b, ": ");
		/* Leave room for the hint and reason however many victims there are. */
		int shown = 0;
		for (; shown < f->victims_kept && b.len + 300 + 200 < b.cap; shown++) {
			nc_buf_str(&b, shown ? " | " : "");
			put_victim(&b, &f->victims[shown]);
		}
		if (f->victims_total > (unsigned long)shown)
			nc_buf_str(&b, " | ...");
	}
	nc_buf_str(&b, " hint=");
	if (f->hint_found) {
		nc_buf_hex(&b, f->hint_start);
		nc_buf_ch(&b, '-');
		nc_buf_hex(&b, f->hint_end);
	} else {
		nc_buf_str(&b, "none");
	}
	if (f->reason) {
		nc_buf_str(&b, " reason=");
		nc_buf_str(&b, f->reason);
	}
	finish(&b, len);
}

void nc_format_text_summary(char *line, size_t cap, size_t *len, const struct nc_summary *s)
{
	struct nc_buf b = {line, 0, cap - 1, 0};
	nc_buf_str(&b, "noclobber: summary: pid=");
	nc_buf_i(&b, s->pid);
	nc_buf_str(&b, " clobber_attempts=");
	nc_buf_u(&b, s->attempts);
	if (s->suppressed) {
		nc_buf_str(&b, " suppressed=");
		nc_buf_u(&b, s->suppressed);
	}
	if (s->dropped) {
		nc_buf_str(&b, " log_lines_lost=");
		nc_buf_u(&b, s->dropped);
	}
	finish(&b, len);
}
