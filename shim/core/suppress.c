/* suppress.c - the suppressions of suppress.h. */
#include "suppress.h"

#include <errno.h>

#include <fcntl.h>

#include "fmt.h"
#include "regions.h"
#include "sys.h"

#define SUPP_TEXT_MAX 16384
#define SUPP_RULES_MAX 128
#define SUPP_FIELDS_MAX 8

enum { K_FRAME, K_CALLER, K_VICTIM, K_PROGRAM };
static const char *const key_names[] = {"frame", "caller", "victim", "program"};

struct field {
	unsigned key;
	const char *pat;
	size_t len;
};

static char text[SUPP_TEXT_MAX];
/* Each rule's reason, "suppressed:" and the rule as written. */
static char reasons[SUPP_TEXT_MAX + SUPP_RULES_MAX * 12];
static struct rule {
	const char *reason;
	int nfields;
	struct field f[SUPP_FIELDS_MAX];
} rules[SUPP_RULES_MAX];
static int nrules;
unsigned long nc_suppressed;

int nc_supp_rules(void) { return nrules; }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void fail(struct nc_buf *b, const char *path, int line, const char *what, const char *s, size_t n)
{
	nc_buf_str(b, "noclobber: suppressions=");
	nc_buf_str(b, path);
	if (line) {
		nc_buf_str(b, ": line ");
		nc_buf_u(b, (unsigned)line);
	}
	nc_buf_str(b, ": ");
	nc_buf_str(b, what);
	if (s) {
		nc_buf_str(b, " '");
		for (size_t i = 0; i < n && i < 64; i++)
			nc_buf_ch(b, s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?');
		nc_buf_str(b, n > 64 ? "...'" : "'");
	}
	if (b->len >= b->cap)
		b->len = b->cap - 1;
	b->p[b->len] = 0;
}

/* One line, [s, e), trimmed: a rule, or nothing (blank, comment). */
static int parse_line(const char *s, const char *e, struct rule *r, struct nc_buf *eb, const char *path, int line,
		      size_t *reason_at)
{
	r->nfields = 0;
	for (const char *p = s; p < e;) {
		while (p < e && is_space(*p))
			p++;
		if (p == e)
			break;
		const char *q = p, *eq = 0;
		while (q < e && !is_space(*q)) {
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				fail(eb, path, line, "a control character in", s, (size_t)(e - s));
				return -1;
			}
			if (*q == '=' && !eq)
				eq = q;
			q++;
		}
		if (!eq || eq + 1 == q) {
			fail(eb, path, line, eq ? "an empty pattern in" : "not key=pattern:", p, (size_t)(q - p));
			return -1;
		}
		int key = -1;
		for (unsigned k = 0; k < sizeof(key_names) / sizeof(key_names[0]); k++)
			if ((size_t)(eq - p) == __builtin_strlen(key_names[k]) && !__builtin_memcmp(p, key_names[k], (size_t)(eq - p)))
				key = (int)k;
		if (key < 0) {
			fail(eb, path, line, "unknown key (valid: frame, caller, victim, program) in", p, (size_t)(q - p));
			return -1;
		}
		if (r->nfields == SUPP_FIELDS_MAX) {
			fail(eb, path, line, "more than 8 fields in", s, (size_t)(e - s));
			return -1;
		}
		r->f[r->nfields++] = (struct field){(unsigned)key, eq + 1, (size_t)(q - eq - 1)};
		p = q;
	}
	if (!r->nfields)
		return 0;
	char *o = reasons + *reason_at;
	__builtin_memcpy(o, "suppressed:", 11);
	__builtin_memcpy(o + 11, s, (size_t)(e - s));
	o[11 + (e - s)] = 0;
	r->reason = o;
	*reason_at += 11 + (size_t)(e - s) + 1;
	return 1;
}

int nc_supp_load(const char *path, char *err, size_t errcap)
{
	struct nc_buf eb = {err, 0, errcap, 0};
	long fd = nc_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		fail(&eb, path, 0, "cannot be read", 0, 0);
		return -1;
	}
	size_t n = 0;
	long r = 0;
	while (n < sizeof(text) && ((r = nc_sys_read((int)fd, text + n, sizeof(text) - n)) > 0 || r == -EINTR))
		n += r > 0 ? (size_t)r : 0;
	char extra;
	int too_big = r >= 0 && n == sizeof(text) && nc_sys_read((int)fd, &extra, 1) > 0;
	nc_sys_close((int)fd);
	if (r < 0) { /* a directory (EISDIR), an I/O error: not an empty file */
		fail(&eb, path, 0, "cannot be read", 0, 0);
		return -1;
	}
	if (too_big) {
		fail(&eb, path, 0, "larger than 16384 bytes", 0, 0);
		return -1;
	}
	size_t reason_at = 0;
	int line = 0;
	nrules = 0;
	for (size_t a = 0; a < n;) {
		size_t z = a;
		while (z < n && text[z] != '\n')
			z++;
		line++;
		size_t t = a;
		while (t < z && is_space(text[t]))
			t++;
		size_t u = z;
		while (u > t && is_space(text[u - 1]))
			u--;
		if (t < u && text[t] != '#') {
			if (nrules == SUPP_RULES_MAX) {
				fail(&eb, path, line, "more than 128 rules", 0, 0);
				nrules = 0;
				return -1;
			}
			int got = parse_line(text + t, text + u, &rules[nrules], &eb, path, line, &reason_at);
			if (got < 0) {
				nrules = 0;
				return -1;
			}
			nrules += got;
		}
		a = z + 1;
	}
	return 0;
}

/* pattern (with *) against all of s. Backtracks to the last * only: linear
 * enough for names of a few hundred bytes. */
static int glob(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t i = 0, j = 0, star = (size_t)-1, mark = 0;
	while (j < sn) {
		if (i < pn && p[i] == '*') {
			star = i++;
			mark = j;
		} else if (i < pn && p[i] == s[j]) {
			i++;
			j++;
		} else if (star != (size_t)-1) {
			i = star + 1;
			j = ++mark;
		} else {
			return 0;
		}
	}
	while (i < pn && p[i] == '*')
		i++;
	return i == pn;
}

/* A path's pattern matches the whole path or its base name. */
static int path_matches(const struct field *f, const char *s, size_t n)
{
	if (!n)
		return 0;
	size_t base = n;
	while (base > 0 && s[base - 1] != '/')
		base--;
	return glob(f->pat, f->len, s, n) || glob(f->pat, f->len, s + base, n - base);
}

static int where_matches(const struct field *f, const char *module, size_t module_len, const char *symbol)
{
	return (module && path_matches(f, module, module_len)) || (symbol[0] && glob(f->pat, f->len, symbol, __builtin_strlen(symbol)));
}

static int field_matches(const struct field *f, const struct nc_facts *x)
{
	const char *caller = x->caller_found ? x->caller_module : 0;
	switch (f->key) {
	case K_CALLER:
		return where_matches(f, caller, x->caller_module_len, x->caller_symbol);
	case K_FRAME:
		if (where_matches(f, caller, x->caller_module_len, x->caller_symbol))
			return 1;
		for (int i = 0; i < x->frames; i++) {
			const struct nc_frame *fr = &x->frame[i];
			const struct nc_frame_module *m = fr->module >= 0 ? &x->module[fr->module] : 0;
			if (where_matches(f, m ? m->name : 0, m ? m->len : 0, fr->symbol))
				return 1;
		}
		return 0;
	case K_VICTIM:
		/* every victim, and all of them known: a rule never lets through more than it names */
		if (!x->victims_known || !x->victims_total || x->victims_total > (unsigned long)x->victims_kept)
			return 0;
		for (int i = 0; i < x->victims_kept; i++) {
			const struct nc_victim *v = &x->victims[i];
			const char *kind = nc_region_kind_name(v->kind);
			if (v->name_truncated ||
			    (!path_matches(f, v->name, v->name_len) && !glob(f->pat, f->len, kind, __builtin_strlen(kind))))
				return 0;
		}
		return 1;
	case K_PROGRAM:
		return glob(f->pat, f->len, x->program, __builtin_strlen(x->program));
	}
	return 0;
}

const char *nc_supp_match(const struct nc_facts *x)
{
	for (int r = 0; r < nrules; r++) {
		int all = 1;
		for (int i = 0; i < rules[r].nfields && all; i++)
			all = field_matches(&rules[r].f[i], x);
		if (all)
			return rules[r].reason;
	}
	return 0;
}
