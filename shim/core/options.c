/* options.c - parsing NOCLOBBER_OPTIONS against the table in options.def. */
#include "options.h"

#include "fmt.h"
#include "sys.h"

struct nc_options nc_opts NC_HOT_DATA;

struct nc_option_desc {
	const char *name, *def, *valid, *help;
	enum nc_kind kind;
};

static const struct nc_option_desc descs[NC_OPT_COUNT] = {
#define NC_OPTION(name, kind, def, valid, help) {#name, def, valid, help, kind},
#include "options.def"
#undef NC_OPTION
};

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int same(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Index of word in a comma list, or -1. */
static int enum_index(const char *list, const char *word, size_t n)
{
	int idx = 0;
	for (const char *p = list;; idx++) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		if (same(p, (size_t)(q - p), word, n))
			return idx;
		if (!*q)
			return -1;
		p = q + 1;
	}
}

/* The valid list as people read it: "a, b, c". */
static void put_valid(struct nc_buf *b, const struct nc_option_desc *d)
{
	for (const char *p = d->valid; *p; p++) {
		nc_buf_ch(b, *p);
		if (*p == ',' && d->kind != NC_KIND_PATH)
			nc_buf_ch(b, ' ');
	}
}

static int set_value(struct nc_options *o, int id, const char *v, size_t n)
{
	const struct nc_option_desc *d = &descs[id];
	unsigned long long u;
	int e;
	switch (d->kind) {
	case NC_KIND_ENUM:
	case NC_KIND_BOOL:
		e = enum_index(d->valid, v, n);
		if (e < 0)
			return -1;
		o->value[id] = (unsigned long long)e;
		return 0;
	case NC_KIND_FLAGS: {
		unsigned long long set = 0;
		int words = 0, none = 0, last = 0; /* last: index of "none" */
		for (const char *q = d->valid; *q; q++)
			last += *q == ',';
		for (size_t a = 0; a < n;) {
			size_t z = a;
			while (z < n && v[z] != ',')
				z++;
			e = enum_index(d->valid, v + a, z - a);
			if (e < 0)
				return -1;
			if (e == last)
				none = 1;
			else
				set |= 1ULL << e;
			words++;
			a = z + 1;
			if (z + 1 == n) /* a trailing comma */
				return -1;
		}
		if (words == 0 || (none && words > 1))
			return -1;
		o->value[id] = set;
		return 0;
	}
	case NC_KIND_UINT: { /* valid reads "0..MAX" */
		const char *mx = d->valid;
		unsigned long long max;
		while (*mx && *mx != '.')
			mx++;
		while (*mx == '.')
			mx++;
		if (nc_parse_u(mx, slen(mx), ~0ULL, &max) < 0 || nc_parse_u(v, n, max, &u) < 0)
			return -1;
		o->value[id] = u;
		return 0;
	}
	case NC_KIND_PATH: { /* the first valid word ("stderr", "none") means none */
		char *dst = id == NC_OPT_log_path ? o->log_path : o->suppressions;
		if (n == 0 || n >= NC_PATH_MAX)
			return -1;
		if (enum_index(d->valid, v, n) == 0) {
			dst[0] = 0;
		} else {
			for (size_t i = 0; i < n; i++)
				dst[i] = v[i];
			dst[n] = 0;
		}
		return 0;
	}
	}
	return -1;
}

static void set_defaults(struct nc_options *o)
{
	o->log_path[0] = o->suppressions[0] = 0;
	for (int i = 0; i < NC_OPT_COUNT; i++)
		set_value(o, i, descs[i].def, slen(descs[i].def));
}

/* A user's text quoted in an error line, cut so that the valid values after
 * it always fit (the line is there to say what to write instead), control
 * characters as \xNN so that it stays one line on a terminal. */
static void put_quoted(struct nc_buf *b, const char *v, size_t n)
{
	enum { SHOWN = 64 };
	static const char hex[] = "0123456789abcdef";
	nc_buf_ch(b, '\'');
	for (size_t i = 0; i < n && i < SHOWN; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			nc_buf_str(b, "\\x");
			nc_buf_ch(b, hex[c >> 4]);
			nc_buf_ch(b, hex[c & 15]);
		} else {
			nc_buf_ch(b, (char)c);
		}
	}
	if (n > SHOWN) {
		nc_buf_str(b, "...(");
		nc_buf_u(b, n);
		nc_buf_str(b, " bytes)");
	}
	nc_buf_ch(b, '\'');
}

static void finish_err(struct nc_buf *b)
{
	if (b->len >= b->cap)
		b->len = b->cap - 1;
	b->p[b->len] = 0;
}

int nc_options_parse(const char *text, struct nc_options *out, char *err, size_t errcap)
{
	struct nc_buf eb = {err, 0, errcap, 0};
	set_defaults(out);
	if (!text)
		return 0;
	for (const char *p = text; *p;) {
		const char *end = p;
		while (*end && *end != ':')
			end++;
		if (end > p) { /* empty items ("a=1::b=2", a trailing ':') are allowed */
			const char *eq = p;
			while (eq < end && *eq != '=')
				eq++;
			int id = -1;
			for (int i = 0; i < NC_OPT_COUNT; i++)
				if (same(p, (size_t)(eq - p), descs[i].name, slen(descs[i].name)))
					id = i;
			if (id < 0 || eq == end) {
				nc_buf_str(&eb, "noclobber: NOCLOBBER_OPTIONS: ");
				nc_buf_str(&eb, id < 0 ? "unknown option " : "option without a value ");
				put_quoted(&eb, p, (size_t)(eq - p));
				nc_buf_str(&eb, id < 0 ? "; valid options are " : "; write it as key=value, one of ");
				for (int i = 0; i < NC_OPT_COUNT; i++) {
					nc_buf_str(&eb, i ? ", " : "");
					nc_buf_str(&eb, descs[i].name);
				}
				finish_err(&eb);
				return -1;
			}
			if (set_value(out, id, eq + 1, (size_t)(end - eq - 1)) < 0) {
				nc_buf_str(&eb, "noclobber: NOCLOBBER_OPTIONS: bad value ");
				put_quoted(&eb, eq + 1, (size_t)(end - eq - 1));
				nc_buf_str(&eb, " for ");
				nc_buf_str(&eb, descs[id].name);
				nc_buf_str(&eb, "; valid values: ");
				put_valid(&eb, &descs[id]);
				finish_err(&eb);
				return -1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

void nc_options_print_help(int fd)
{
	char line[512];
	struct nc_buf b = NC_BUF_INIT(line);
	nc_buf_str(&b, "noclobber: options (NOCLOBBER_OPTIONS=key=value:key=value...):\n");
	nc_sys_write_all(fd, b.p, b.len);
	for (int i = 0; i < NC_OPT_COUNT; i++) {
		b.len = 0;
		nc_buf_str(&b, "  ");
		nc_buf_str(&b, descs[i].name);
		nc_buf_str(&b, " (default ");
		nc_buf_str(&b, descs[i].def);
		nc_buf_str(&b, "; valid: ");
		put_valid(&b, &descs[i]);
		nc_buf_str(&b, "): ");
		nc_buf_str(&b, descs[i].help);
		nc_buf_ch(&b, '\n');
		nc_sys_write_all(fd, b.p, b.len);
	}
}
