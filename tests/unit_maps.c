/* unit_maps.c - unit tests for shim/core/maps.c, run without the preload.
 *
 * Usage: unit_maps [dir-with-*.maps]   (default "tests/maps")
 * Prints "ok - name" or "not ok - name: why" per check; exits 1 if any failed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "maps.h"

static int failed, passed;

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
		passed++;
		return;
	}
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

/* ---- single lines ---- */

static int parse(const char *s, struct nc_maps_entry *e)
{
	return nc_maps_parse_line(s, strlen(s), e);
}

static int path_is(const struct nc_maps_entry *e, const char *want)
{
	return e->path && e->path_len == strlen(want) && !memcmp(e->path, want, e->path_len);
}

/* Compare every field of a parsed line; the reason for a mismatch goes to why. */
static int entry_is(const struct nc_maps_entry *e, uintptr_t start, uintptr_t end,
		    unsigned perms, uint64_t off, unsigned maj, unsigned min,
		    uint64_t ino, const char *path, char *why, size_t n)
{
	if (e->start != start || e->end != end)
		snprintf(why, n, "range %#lx-%#lx, want %#lx-%#lx", (unsigned long)e->start,
			 (unsigned long)e->end, (unsigned long)start, (unsigned long)end);
	else if (e->perms != perms)
		snprintf(why, n, "perms %#x, want %#x", e->perms, perms);
	else if (e->offset != off)
		snprintf(why, n, "offset %#llx, want %#llx", (unsigned long long)e->offset,
			 (unsigned long long)off);
	else if (e->dev_major != maj || e->dev_minor != min)
		snprintf(why, n, "dev %x:%x, want %x:%x", e->dev_major, e->dev_minor, maj, min);
	else if (e->inode != ino)
		snprintf(why, n, "inode %llu, want %llu", (unsigned long long)e->inode,
			 (unsigned long long)ino);
	else if (!path_is(e, path))
		snprintf(why, n, "path \"%.*s\" (%zu bytes), want \"%s\"", (int)e->path_len,
			 e->path ? e->path : "", e->path_len, path);
	else if (e->path_truncated)
		snprintf(why, n, "path_truncated set");
	else
		return 1;
	return 0;
}

struct good {
	const char *name, *line;
	uintptr_t start, end;
	unsigned perms;
	uint64_t off;
	unsigned maj, min;
	uint64_t ino;
	const char *path;
};

#define R NC_PERM_R
#define W NC_PERM_W
#define X NC_PERM_X
#define S NC_PERM_S

static const struct good goods[] = {
	{ "libc text", "7f95a87a2000-7f95a88f8000 r-xp 00026000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6",
	  0x7f95a87a2000, 0x7f95a88f8000, R | X, 0x26000, 0xfe, 0, 332835, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ "heap", "5632791b2000-5632791d3000 rw-p 00000000 00:00 0                          [heap]",
	  0x5632791b2000, 0x5632791d3000, R | W, 0, 0, 0, 0, "[heap]" },
	{ "stack", "7fff7ddb4000-7fff7ddd5000 rw-p 00000000 00:00 0                          [stack]",
	  0x7fff7ddb4000, 0x7fff7ddd5000, R | W, 0, 0, 0, 0, "[stack]" },
	{ "vdso", "7f95a8971000-7f95a8973000 r-xp 00000000 00:00 0                          [vdso]",
	  0x7f95a8971000, 0x7f95a8973000, R | X, 0, 0, 0, 0, "[vdso]" },
	{ "anonymous with trailing space", "7f95a8775000-7f95a877c000 rw-p 00000000 00:00 0 ",
	  0x7f95a8775000, 0x7f95a877c000, R | W, 0, 0, 0, 0, "" },
	{ "anonymous without trailing space", "7f95a8775000-7f95a877c000 rw-p 00000000 00:00 0",
	  0x7f95a8775000, 0x7f95a877c000, R | W, 0, 0, 0, 0, "" },
	{ "PROT_NONE ---p", "7f95a8400000-7f95a8600000 ---p 00000000 00:00 0 ",
	  0x7f95a8400000, 0x7f95a8600000, 0, 0, 0, 0, 0, "" },
	{ "shared rw-s", "40000000000-40017a00000 rw-s 00000000 00:01 124193                       /memfd:java_heap (deleted)",
	  0x40000000000, 0x40017a00000, R | W | S, 0, 0, 1, 124193, "/memfd:java_heap (deleted)" },
	{ "all perms rwxs", "1000-2000 rwxs 00000000 00:00 0",
	  0x1000, 0x2000, R | W | X | S, 0, 0, 0, 0, "" },
	{ "path with spaces", "7f95a8967000-7f95a8969000 r--s 00000000 fe:00 11018322                   /home/user/samples/dir with spaces/file name.bin",
	  0x7f95a8967000, 0x7f95a8969000, R | S, 0, 0xfe, 0, 11018322, "/home/user/samples/dir with spaces/file name.bin" },
	{ "path with tab", "7f95a8961000-7f95a8963000 r--s 00000000 fe:00 11018370                   /home/user/samples/tab\there (deleted).bin",
	  0x7f95a8961000, 0x7f95a8963000, R | S, 0, 0xfe, 0, 11018370, "/home/user/samples/tab\there (deleted).bin" },
	{ "path with \\012 kept escaped", "7f95a8965000-7f95a8967000 r--s 00000000 fe:00 11018338                   /home/user/samples/new\\012line.bin",
	  0x7f95a8965000, 0x7f95a8967000, R | S, 0, 0xfe, 0, 11018338, "/home/user/samples/new\\012line.bin" },
	{ "path (deleted)", "7f95a8963000-7f95a8965000 r--s 00000000 fe:00 11018358                   /home/user/samples/deleted.bin (deleted)",
	  0x7f95a8963000, 0x7f95a8965000, R | S, 0, 0xfe, 0, 11018358, "/home/user/samples/deleted.bin (deleted)" },
	{ "memfd", "7f95a895e000-7f95a895f000 r-xs 00000000 00:01 124191                     /memfd:jit-code (deleted)",
	  0x7f95a895e000, 0x7f95a895f000, R | X | S, 0, 0, 1, 124191, "/memfd:jit-code (deleted)" },
	{ "anon label with space", "7f0000000000-7f0000004000 rw-p 00000000 00:00 0                          [anon:my arena]",
	  0x7f0000000000, 0x7f0000004000, R | W, 0, 0, 0, 0, "[anon:my arena]" },
	{ "stack:tid", "7f0000004000-7f0000005000 rw-p 00000000 00:00 0                          [stack:1234]",
	  0x7f0000004000, 0x7f0000005000, R | W, 0, 0, 0, 0, "[stack:1234]" },
	{ "path spacing kept as shown", "1000-2000 r--p 00000000 08:01 5 /a  b\t c  ",
	  0x1000, 0x2000, R, 0, 8, 1, 5, "/a  b\t c  " },
	{ "single spaces", "1000-2000 r--p 0 8:1 5 /x",
	  0x1000, 0x2000, R, 0, 8, 1, 5, "/x" },
	{ "CR before end dropped", "7f000000d000-7f000000e000 r-xp 00000000 fe:00 7   /usr/lib/x86_64-linux-gnu/libc.so.6\r",
	  0x7f000000d000, 0x7f000000e000, R | X, 0, 0xfe, 0, 7, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ "CR on anonymous line", "1000-2000 rw-p 00000000 00:00 0\r",
	  0x1000, 0x2000, R | W, 0, 0, 0, 0, "" },
	{ "upper-case hex", "7F00A000-7F00B000 r--p 0000ABCD FE:0A 1 /x",
	  0x7f00a000, 0x7f00b000, R, 0xabcd, 0xfe, 0xa, 1, "/x" },
	/* Overflow is judged by value: leading zeros are not an overflow. */
	{ "leading zeros in offset", "1000-2000 r--p 0000000000000000000001 00:00 0 /x",
	  0x1000, 0x2000, R, 1, 0, 0, 0, "/x" },
	{ "largest offset", "1000-2000 r--p ffffffffffffffff 00:00 0 /x",
	  0x1000, 0x2000, R, UINT64_MAX, 0, 0, 0, "/x" },
	{ "kernel's largest device fff:fffff", "1000-2000 r--p 00000000 fff:fffff 1 /x",
	  0x1000, 0x2000, R, 0, 0xfff, 0xfffff, 1, "/x" },
	{ "32-bit device numbers", "1000-2000 r--p 00000000 ffffffff:ffffffff 1 /x",
	  0x1000, 0x2000, R, 0, 0xffffffff, 0xffffffff, 1, "/x" },
	{ "largest inode", "1000-2000 r--p 00000000 00:00 18446744073709551615 /x",
	  0x1000, 0x2000, R, 0, 0, 0, UINT64_MAX, "/x" },
#if UINTPTR_MAX > 0xffffffffu
	{ "vsyscall", "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
	  0xffffffffff600000, 0xffffffffff601000, X, 0, 0, 0, 0, "[vsyscall]" },
	{ "top of address space", "fffffffffffff000-ffffffffffffffff r--p 00000000 00:00 0",
	  0xfffffffffffff000, UINTPTR_MAX, R, 0, 0, 0, 0, "" },
#endif
};

struct bad {
	const char *name, *line;
};

static const struct bad bads[] = {
	{ "17-digit start", "10000000000000000-10000000001000 r--p 00000000 00:00 0                   " },
	{ "17-digit end", "1000-10000000000000000 r--p 00000000 00:00 0" },
	{ "end below start", "7f0000007000-7f0000006000 r--p 00000000 00:00 0" },
	{ "end equal start", "7f0000007000-7f0000007000 r--p 00000000 00:00 0" },
	{ "only the range", "7f0000008000-7f0000009000" },
	{ "range and perms", "7f0000008000-7f0000009000 r--p" },
	{ "no device", "7f0000008000-7f0000009000 r--p 00000000" },
	{ "no inode", "7f0000008000-7f0000009000 r--p 00000000 00:00" },
	{ "no inode, trailing space", "7f0000008000-7f0000009000 r--p 00000000 00:00 " },
	{ "no start", "-7f0000009000 r--p 00000000 00:00 0" },
	{ "no end", "7f0000008000- r--p 00000000 00:00 0" },
	{ "no gap after end", "7f0000008000-7f0000009000r--p 00000000 00:00 0" },
	{ "space instead of '-'", "7f0000009000 7f000000a000 r--p 00000000 00:00 0" },
	{ "bad perm letter", "7f000000a000-7f000000b000 rwzp 00000000 00:00 0" },
	{ "upper-case perm", "7f000000a000-7f000000b000 R--p 00000000 00:00 0" },
	{ "perm letters out of place", "7f000000a000-7f000000b000 wr-p 00000000 00:00 0" },
	{ "three perm chars", "7f000000a000-7f000000b000 r-- 00000000 00:00 0" },
	{ "five perm chars", "7f000000a000-7f000000b000 r--pp 00000000 00:00 0" },
	{ "non-hex address", "7f00000g0000-7f000000b000 r--p 00000000 00:00 0" },
	{ "0x prefix", "0x1000-0x2000 r--p 00000000 00:00 0" },
	{ "sign in address", "+1000-2000 r--p 00000000 00:00 0" },
	{ "17-digit offset", "1000-2000 r--p 10000000000000000 00:00 0 /x" },
	{ "non-hex offset", "1000-2000 r--p 0000z000 00:00 0 /x" },
	{ "device major over 32 bits", "1000-2000 r--p 00000000 100000000:00 0 /x" },
	{ "device minor over 32 bits", "1000-2000 r--p 00000000 00:100000000 0 /x" },
	{ "device without colon", "1000-2000 r--p 00000000 fe00 0 /x" },
	{ "device without minor", "1000-2000 r--p 00000000 fe: 0 /x" },
	{ "device without major", "1000-2000 r--p 00000000 :00 0 /x" },
	{ "inode just over 64 bits", "1000-2000 r--p 00000000 00:00 18446744073709551616 /x" },
	{ "inode of 20 nines", "1000-2000 r--p 00000000 00:00 99999999999999999999 /x" },
	{ "hex inode", "1000-2000 r--p 00000000 00:00 7f /x" },
	{ "negative inode", "1000-2000 r--p 00000000 00:00 -1 /x" },
	{ "tab before path", "1000-2000 r--p 00000000 00:00 0\t/x" },
	{ "tab between fields", "1000-2000\tr--p 00000000 00:00 0 /x" },
	{ "leading space", " 1000-2000 r--p 00000000 00:00 0 /x" },
	{ "hostile oversized offset/device/inode", "7f000000c000-7f000000d000 r--p 0000000000000000000001 fff:fffff 99999999999999999999 /x" },
	{ "empty line", "" },
	{ "blank line", "   " },
	{ "tab-only line", "\t" },
	{ "CR-only line", "\r" },
	{ "garbage", "hello world" },
};

static void test_lines(void)
{
	struct nc_maps_entry e;
	char name[160], why[512];
	size_t i;

	for (i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		const struct good *g = &goods[i];

		snprintf(name, sizeof name, "parse %s", g->name);
		memset(&e, 0xa5, sizeof e);
		if (parse(g->line, &e)) {
			result(0, name, "rejected \"%s\"", g->line);
			continue;
		}
		result(entry_is(&e, g->start, g->end, g->perms, g->off, g->maj, g->min, g->ino,
				g->path, why, sizeof why), name, "%s", why);
	}

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		snprintf(name, sizeof name, "reject %s", bads[i].name);
		result(parse(bads[i].line, &e) == -1, name, "accepted \"%s\"", bads[i].line);
	}

	/* The path of an anonymous mapping must still be safe to pass to memcmp. */
	parse("1000-2000 rw-p 00000000 00:00 0     ", &e);
	result(e.path && e.path_len == 0, "anonymous path is empty, not NULL",
	       "path %p len %zu", (void *)e.path, e.path_len);

	/* Only the length given counts, not what follows in memory. */
	{
		static const char s[] = "1000-2000 r--p 00000000 00:00 0 /abc/def";
		int rc = nc_maps_parse_line(s, sizeof s - 1 - 4, &e);

		result(rc == 0 && path_is(&e, "/abc"), "parse honours len", "rc %d path \"%.*s\"",
		       rc, (int)e.path_len, e.path ? e.path : "");
		rc = nc_maps_parse_line(s, 20, &e);
		result(rc == -1, "parse honours len inside the fields", "rc %d", rc);
	}

	/* A NUL ends the line: the path stops there, and the bytes after it are
	 * not part of the entry. */
	{
		static const char s[] = "7f000000b000-7f000000c000 r--p 00000000 00:00 0   /path/with\0nul";
		int rc = nc_maps_parse_line(s, sizeof s - 1, &e);

		result(rc == 0 && path_is(&e, "/path/with") && e.start == 0x7f000000b000,
		       "NUL in path ends the path", "rc %d path len %zu", rc, e.path_len);
	}
	{
		static const char s[] = "7f000000b000-7f000000c000 r--p 0000\0000 00:00 0 /x";
		int rc = nc_maps_parse_line(s, sizeof s - 1, &e);

		result(rc == -1, "NUL inside a field is malformed", "rc %d", rc);
	}
	{
		static const char s[] = "\0" "1000-2000 r--p 00000000 00:00 0 /x";
		int rc = nc_maps_parse_line(s, sizeof s - 1, &e);

		result(rc == -1, "NUL at start is malformed", "rc %d", rc);
	}

	/* A rejected line must not leave half an entry behind. */
	{
		struct nc_maps_entry before;

		memset(&e, 0x5a, sizeof e);
		before = e;
		parse("1000-2000 r--p 00000000 00:00 99999999999999999999 /x", &e);
		result(!memcmp(&e, &before, sizeof e), "rejected line leaves *out untouched",
		       "entry was modified");
	}
}

/* ---- streaming ---- */

struct mem {
	const char *s;
	size_t len, pos;
	size_t chunk;   /* most bytes per read, 0 for as many as fit */
	unsigned seed;  /* if non-zero, each read returns 1..chunk bytes at random */
	size_t fail_at; /* with err set: fail once pos reaches this */
	long err;
	int over;       /* claim one byte more than there was room for */
};

static long mem_read(void *ctx, char *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->pos;

	if (m->err && m->pos >= m->fail_at)
		return m->err;
	if (m->over)
		return (long)n + 1;
	if (m->err && k > m->fail_at - m->pos) k = m->fail_at - m->pos;
	if (m->chunk && k > m->chunk) k = m->chunk;
	if (m->seed && k > 1) {
		m->seed = m->seed * 1103515245u + 12345u;
		k = 1 + (m->seed >> 8) % k;
	}
	if (k > n) k = n;
	memcpy(buf, m->s + m->pos, k);
	m->pos += k;
	return (long)k;
}

static long fd_read(void *ctx, char *buf, size_t n)
{
	ssize_t r;

	do r = read(*(int *)ctx, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : (long)r;
}

/* What a stream delivered: the first KEEP entries (paths copied out, since
 * the buffer is reused), a digest of all of them, and order checks. */
#define KEEP 16
struct seen {
	size_t n, stop_after;
	struct nc_maps_entry e[KEEP];
	char path[KEEP][4096];
	uint64_t digest;
	uintptr_t prev_start, prev_end;
	size_t unsorted, overlap, truncated, outside;
	const char *buf;
	size_t cap;
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) *h = (*h ^ *c++) * 0x100000001b3ull;
}

static int collect(void *ctx, const struct nc_maps_entry *e)
{
	struct seen *s = ctx;
	uint64_t v[8] = { e->start, e->end, e->offset, e->inode, e->dev_major,
			  e->dev_minor, e->perms, (uint64_t)e->path_len << 1 | (e->path_truncated != 0) };

	if (!e->path || e->path < s->buf || e->path + e->path_len > s->buf + s->cap ||
	    e->path_len >= sizeof s->path[0])
		s->outside++;
	else if (s->n < KEEP) {
		s->e[s->n] = *e;
		memcpy(s->path[s->n], e->path, e->path_len);
		s->path[s->n][e->path_len] = 0;
		s->e[s->n].path = s->path[s->n];
	}
	if (s->n && e->start < s->prev_start) s->unsorted++;
	if (s->n && e->start < s->prev_end) s->overlap++;
	s->prev_start = e->start;
	s->prev_end = e->end;
	s->truncated += e->path_truncated != 0;
	mix(&s->digest, v, sizeof v);
	mix(&s->digest, e->path, e->path_len);
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static char stream_buf[1 << 16];

static void seen_init(struct seen *s, size_t cap, size_t stop_after)
{
	memset(s, 0, sizeof *s);
	s->digest = 0xcbf29ce484222325ull;
	s->buf = stream_buf;
	s->cap = cap;
	s->stop_after = stop_after;
}

/* Streams m through a cap-byte buffer; stats start as garbage on purpose. */
static int run(struct mem *m, size_t cap, struct seen *s, size_t stop_after,
	       struct nc_maps_stats *st)
{
	seen_init(s, cap, stop_after);
	m->pos = 0;
	memset(st, 0xff, sizeof *st);
	return nc_maps_stream(mem_read, m, stream_buf, cap, collect, s, st);
}

static int stats_are(const struct nc_maps_stats *st, size_t lines, size_t bad, size_t cut,
		     char *why, size_t n)
{
	if (st->lines == lines && st->malformed == bad && st->truncated == cut)
		return 1;
	snprintf(why, n, "stats lines %zu malformed %zu truncated %zu, want %zu %zu %zu",
		 st->lines, st->malformed, st->truncated, lines, bad, cut);
	return 0;
}

static const char mixed[] =
	"7f95a877c000-7f95a87a2000 r--p 00000000 fe:00 332835   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f95a87a2000-7f95a88f8000 r-xp 00026000 fe:00 332835   /usr/lib/x86_64-linux-gnu/libc.so.6\r\n"
	"\n"
	"7f95a8951000-7f95a895e000 rw-p 00000000 00:00 0 \n"
	"   \n"
	"7f000000b000-7f000000c000 r--p 00000000 00:00 0   /path/with\0nul\n"
	"7f000000f000-7f0000010000 r--p 00000000 fe:00 11   /no/newline/at/end.so";

/* Offset just after the n-th newline of s. */
static size_t after_nl(const char *s, size_t len, int n)
{
	size_t i;

	for (i = 0; i < len && n; i++)
		n -= s[i] == '\n';
	return i;
}

static void test_stream_basic(void)
{
	struct nc_maps_stats st;
	struct seen s;
	struct mem m = { .s = mixed, .len = sizeof mixed - 1 };
	uint64_t want;
	char why[512], name[128];
	unsigned seed;
	int rc, same;

	rc = run(&m, 4096, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 7, 2, 0, why, sizeof why), "stream mixed text: stats",
	       "rc %d; %s", rc, why);
	result(s.n == 5 && entry_is(&s.e[0], 0x7f95a877c000, 0x7f95a87a2000, R, 0, 0xfe, 0,
				    332835, "/usr/lib/x86_64-linux-gnu/libc.so.6", why, sizeof why),
	       "stream first line", "%zu entries; %s", s.n, why);
	result(s.n == 5 && entry_is(&s.e[1], 0x7f95a87a2000, 0x7f95a88f8000, R | X, 0x26000,
				    0xfe, 0, 332835, "/usr/lib/x86_64-linux-gnu/libc.so.6",
				    why, sizeof why),
	       "stream CR before newline", "%zu entries; %s", s.n, why);
	result(s.n == 5 && entry_is(&s.e[2], 0x7f95a8951000, 0x7f95a895e000, R | W, 0, 0, 0, 0,
				    "", why, sizeof why),
	       "stream anonymous after empty line", "%zu entries; %s", s.n, why);
	result(s.n == 5 && path_is(&s.e[3], "/path/with"), "stream NUL in path",
	       "path \"%s\"", s.n > 3 ? s.path[3] : "");
	result(s.n == 5 && entry_is(&s.e[4], 0x7f000000f000, 0x7f0000010000, R, 0, 0xfe, 0, 11,
				    "/no/newline/at/end.so", why, sizeof why),
	       "stream no newline at end", "%zu entries; %s", s.n, why);
	result(s.outside == 0, "stream paths point into the buffer", "%zu outside", s.outside);
	want = s.digest;

	m.chunk = 1;
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && s.n == 5 && s.digest == want && stats_are(&st, 7, 2, 0, why, sizeof why),
	       "stream 1-byte reads, cap 128: same entries", "rc %d n %zu; %s", rc, s.n, why);

	for (same = 1, seed = 1; seed <= 300 && same; seed++) {
		m = (struct mem){ .s = mixed, .len = sizeof mixed - 1, .chunk = 1 + seed % 97, .seed = seed };
		rc = run(&m, 128 + seed % 200, &s, 0, &st);
		same = rc == 0 && s.digest == want && stats_are(&st, 7, 2, 0, why, sizeof why);
	}
	result(same, "stream random chunks and caps: same entries", "seed %u rc %d n %zu; %s",
	       seed - 1, rc, s.n, why);

	/* Early stop: on the 2nd entry, and on the last (unterminated) one. */
	m = (struct mem){ .s = mixed, .len = sizeof mixed - 1 };
	rc = run(&m, 4096, &s, 2, &st);
	result(rc == 1 && s.n == 2 && st.lines == 2, "stream early stop",
	       "rc %d, %zu entries, %zu lines", rc, s.n, st.lines);
	rc = run(&m, 4096, &s, 5, &st);
	result(rc == 1 && s.n == 5 && st.lines == 7, "stream early stop on last line",
	       "rc %d, %zu entries, %zu lines", rc, s.n, st.lines);
	m.chunk = 3;
	rc = run(&m, 128, &s, 1, &st);
	result(rc == 1 && s.n == 1 && st.lines == 1, "stream early stop, small reads",
	       "rc %d, %zu entries, %zu lines", rc, s.n, st.lines);

	/* A failing reader: what came before is delivered, the partial line is not. */
	for (m.chunk = 0; m.chunk <= 1; m.chunk++) {
		m.err = -EIO;
		m.fail_at = after_nl(mixed, sizeof mixed - 1, 4);
		rc = run(&m, 128, &s, 0, &st);
		snprintf(name, sizeof name, "stream read error after a line end (chunk %zu)", m.chunk);
		result(rc == -EIO && s.n == 3 && stats_are(&st, 4, 1, 0, why, sizeof why) &&
			       s.e[2].start == 0x7f95a8951000,
		       name, "rc %d, %zu entries; %s", rc, s.n, why);
		m.fail_at = after_nl(mixed, sizeof mixed - 1, 3) + 20;
		rc = run(&m, 128, &s, 0, &st);
		snprintf(name, sizeof name, "stream read error mid-line (chunk %zu)", m.chunk);
		result(rc == -EIO && s.n == 2 && stats_are(&st, 3, 1, 0, why, sizeof why), name,
		       "rc %d, %zu entries; %s", rc, s.n, why);
	}
	m = (struct mem){ .s = mixed, .len = sizeof mixed - 1, .err = -EIO };
	rc = run(&m, 4096, &s, 0, &st);
	result(rc == -EIO && s.n == 0 && st.lines == 0, "stream read error on first read",
	       "rc %d, %zu entries", rc, s.n);
	m.err = -EINTR;
	m.fail_at = 10;
	rc = run(&m, 4096, &s, 0, &st);
	result(rc == -EINTR && s.n == 0, "stream -EINTR is the reader's business: returned as is",
	       "rc %d", rc);
	m = (struct mem){ .s = mixed, .len = sizeof mixed - 1, .over = 1 };
	rc = run(&m, 4096, &s, 0, &st);
	result(rc == -EIO && s.n == 0, "stream reader returning too much is an error", "rc %d", rc);

	/* Degenerate inputs and arguments. */
	m = (struct mem){ .s = "", .len = 0 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && s.n == 0 && stats_are(&st, 0, 0, 0, why, sizeof why), "stream empty input",
	       "rc %d; %s", rc, why);
	m = (struct mem){ .s = "\n\n \n", .len = 4 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && s.n == 0 && stats_are(&st, 3, 3, 0, why, sizeof why),
	       "stream empty and blank lines", "rc %d; %s", rc, why);
	m = (struct mem){ .s = mixed, .len = sizeof mixed - 1 };
	rc = run(&m, 127, &s, 0, &st);
	result(rc == -EINVAL && s.n == 0 && stats_are(&st, 0, 0, 0, why, sizeof why),
	       "stream cap below 128 refused", "rc %d; %s", rc, why);
	m.pos = 0;
	rc = nc_maps_stream(mem_read, &m, stream_buf, 128, collect, &s, NULL);
	result(rc == 0, "stream without stats", "rc %d", rc);
	m.pos = 0;
	rc = nc_maps_stream(mem_read, &m, stream_buf, 128, NULL, NULL, &st);
	result(rc == 0 && stats_are(&st, 7, 2, 0, why, sizeof why), "stream without callback counts",
	       "rc %d; %s", rc, why);
}

/* Writes a line "7f0000005000-7f0000006000 r--p 00000000 fe:00 42 /abc..." of
 * exactly len bytes (no newline) at dst; returns the end. */
static char *long_line(char *dst, size_t len)
{
	static const char head[] = "7f0000005000-7f0000006000 r--p 00000000 fe:00 42 /";
	size_t i, h = sizeof head - 1;

	memcpy(dst, head, h);
	for (i = h; i < len; i++)
		dst[i] = 'a' + i % 26;
	return dst + len;
}
#define LONG_PATH_OFF 49 /* where long_line()'s path starts */

static const char tail_line[] = "7f0000010000-7f0000011000 rw-p 00001000 fe:01 43 /after\n";

/* Checks one long entry against what long_line() wrote. */
static int long_ok(const struct seen *s, size_t i, size_t path_len, int cut, char *why, size_t n)
{
	const struct nc_maps_entry *e = &s->e[i];
	size_t k;

	if (s->n <= i) {
		snprintf(why, n, "only %zu entries", s->n);
		return 0;
	}
	if (e->start != 0x7f0000005000 || e->end != 0x7f0000006000 || e->inode != 42 ||
	    e->dev_major != 0xfe || e->perms != R) {
		snprintf(why, n, "fields %#lx-%#lx inode %llu", (unsigned long)e->start,
			 (unsigned long)e->end, (unsigned long long)e->inode);
		return 0;
	}
	if (e->path_truncated != cut) {
		snprintf(why, n, "path_truncated %d, want %d", e->path_truncated, cut);
		return 0;
	}
	if (e->path_len != path_len) {
		snprintf(why, n, "path_len %zu, want %zu", e->path_len, path_len);
		return 0;
	}
	for (k = 0; k < e->path_len; k++)
		if (e->path[k] != (k ? (char)('a' + (LONG_PATH_OFF + k) % 26) : '/')) {
			snprintf(why, n, "path byte %zu is '%c'", k, e->path[k]);
			return 0;
		}
	return 1;
}

static int tail_ok(const struct seen *s, size_t i, char *why, size_t n)
{
	if (s->n > i && entry_is(&s->e[i], 0x7f0000010000, 0x7f0000011000, R | W, 0x1000, 0xfe,
				 1, 43, "/after", why, n))
		return 1;
	if (s->n <= i) snprintf(why, n, "only %zu entries", s->n);
	return 0;
}

static void test_stream_long(void)
{
	static char text[400000];
	struct nc_maps_stats st;
	struct seen s;
	struct mem m;
	char why[512], name[160];
	size_t cap, len, chunk;
	char *p;
	int rc;

	/* The exact boundary: a line of cap-1 bytes plus '\n' fits, cap bytes does not. */
	for (cap = 128; cap <= 4096; cap *= 32) {
		for (len = cap - 2; len <= cap + 1; len++) {
			int cut = len >= cap;

			p = long_line(text, len);
			*p++ = '\n';
			memcpy(p, tail_line, sizeof tail_line - 1);
			p += sizeof tail_line - 1;
			for (chunk = 0; chunk <= 1; chunk++) {
				m = (struct mem){ .s = text, .len = p - text, .chunk = chunk };
				rc = run(&m, cap, &s, 0, &st);
				snprintf(name, sizeof name, "stream %zu-byte line, cap %zu, %s reads",
					 len, cap, chunk ? "1-byte" : "full");
				result(rc == 0 && stats_are(&st, 2, 0, cut, why, sizeof why) &&
					       long_ok(&s, 0, cut ? cap - 1 - LONG_PATH_OFF : len - LONG_PATH_OFF,
						       cut, why, sizeof why) &&
					       tail_ok(&s, 1, why, sizeof why),
				       name, "rc %d; %s", rc, why);
			}
		}
	}

	/* The same at the very end, without a newline. */
	p = long_line(text, 127);
	m = (struct mem){ .s = text, .len = p - text };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 1, 0, 0, why, sizeof why) &&
		       long_ok(&s, 0, 127 - LONG_PATH_OFF, 0, why, sizeof why),
	       "stream 127-byte last line without newline, cap 128", "rc %d; %s", rc, why);
	p = long_line(text, 128);
	m = (struct mem){ .s = text, .len = p - text };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 1, 0, 1, why, sizeof why) &&
		       long_ok(&s, 0, 127 - LONG_PATH_OFF, 1, why, sizeof why),
	       "stream 128-byte last line without newline, cap 128: cut", "rc %d; %s", rc, why);
	p = long_line(text, 5000);
	m = (struct mem){ .s = text, .len = p - text, .chunk = 1 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 1, 0, 1, why, sizeof why) &&
		       long_ok(&s, 0, 127 - LONG_PATH_OFF, 1, why, sizeof why),
	       "stream 5000-byte last line without newline, cap 128", "rc %d; %s", rc, why);

	/* A 5,000-byte path through a small buffer, 1 byte and random bytes at a time. */
	p = long_line(text, LONG_PATH_OFF + 5000);
	*p++ = '\n';
	memcpy(p, tail_line, sizeof tail_line - 1);
	p += sizeof tail_line - 1;
	m = (struct mem){ .s = text, .len = p - text, .chunk = 1 };
	rc = run(&m, 256, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 2, 0, 1, why, sizeof why) &&
		       long_ok(&s, 0, 255 - LONG_PATH_OFF, 1, why, sizeof why) &&
		       tail_ok(&s, 1, why, sizeof why),
	       "stream 5000-byte path, cap 256, 1-byte reads", "rc %d; %s", rc, why);
	m = (struct mem){ .s = text, .len = p - text, .chunk = 700, .seed = 7 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 2, 0, 1, why, sizeof why) &&
		       long_ok(&s, 0, 127 - LONG_PATH_OFF, 1, why, sizeof why) &&
		       tail_ok(&s, 1, why, sizeof why),
	       "stream 5000-byte path, cap 128, random reads", "rc %d; %s", rc, why);

	/* Two huge lines in a row, then a normal one; each spans many reads. */
	p = long_line(text, 150000);
	*p++ = '\n';
	p = long_line(p, 200000);
	*p++ = '\n';
	memcpy(p, tail_line, sizeof tail_line - 1);
	p += sizeof tail_line - 1;
	m = (struct mem){ .s = text, .len = p - text, .chunk = 1000, .seed = 99 };
	rc = run(&m, 4096, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 3, 0, 2, why, sizeof why) &&
		       long_ok(&s, 0, 4095 - LONG_PATH_OFF, 1, why, sizeof why) &&
		       long_ok(&s, 1, 4095 - LONG_PATH_OFF, 1, why, sizeof why) &&
		       tail_ok(&s, 2, why, sizeof why),
	       "stream two 150k+ lines, cap 4096, random reads", "rc %d; %s", rc, why);

	/* A long line whose first bytes are garbage is both truncated and malformed. */
	memset(text, 'z', 3000);
	text[3000] = '\n';
	memcpy(text + 3001, tail_line, sizeof tail_line - 1);
	m = (struct mem){ .s = text, .len = 3001 + sizeof tail_line - 1, .chunk = 1 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 2, 1, 1, why, sizeof why) && s.n == 1 &&
		       tail_ok(&s, 0, why, sizeof why),
	       "stream long garbage line", "rc %d; %s", rc, why);

	/* A long run of newlines: each one is an empty, malformed line. */
	memset(text, '\n', 10000);
	m = (struct mem){ .s = text, .len = 10000, .chunk = 333 };
	rc = run(&m, 128, &s, 0, &st);
	result(rc == 0 && stats_are(&st, 10000, 10000, 0, why, sizeof why),
	       "stream 10000 empty lines", "rc %d; %s", rc, why);
}

/* ---- sample files ---- */

/* Counts verified independently with awk (see the README in the samples dir
 * and the reasons below); truncated is for a 4 KiB buffer. */
static const struct sample {
	const char *name;
	size_t lines, malformed, truncated;
} samples[] = {
	/* 16 lines: [anon:], [stack:tid], [vsyscall], 5000-byte path, NUL path,
	 * CR line, memfd and the unterminated last line are fine; the 17-digit
	 * address, end below start, missing fields, space for '-', bad perm,
	 * oversized inode, empty and blank lines are not. */
	{ "hostile.maps", 16, 8, 1 },
	{ "java-zgc.maps", 201, 0, 0 },
	{ "many-60000.maps", 60029, 0, 0 },
	{ "node.maps", 92, 0, 0 },
	{ "python3.maps", 106, 0, 0 },
	{ "qemu-user.maps", 150, 0, 0 },
	{ "weird.maps", 30, 0, 0 },
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *t;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (n == cap) {
			if (!(t = realloc(buf, cap *= 2)))
				goto fail;
			buf = t;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	if (fd >= 0) close(fd);
	free(buf);
	return NULL;
}

static void test_file(const char *dir, const char *file, int *found)
{
	const struct sample *want = NULL;
	struct nc_maps_stats st, st1;
	struct seen s;
	struct mem m;
	char path[4096], name[256], why[512];
	size_t i, len, lines;
	uint64_t digest;
	char *text;
	int fd, rc, real = strcmp(file, "hostile.maps") != 0;

	for (i = 0; i < NSAMPLES; i++)
		if (!strcmp(samples[i].name, file)) {
			want = &samples[i];
			found[i] = 1;
		}
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (!(text = slurp(path, &len))) {
		snprintf(name, sizeof name, "%s: read", file);
		result(0, name, "%s", strerror(errno));
		return;
	}
	/* Independent line count: newlines, plus an unterminated last line. */
	for (lines = i = 0; i < len; i++)
		lines += text[i] == '\n';
	lines += len && text[len - 1] != '\n';
	if (want) {
		snprintf(name, sizeof name, "%s: line count matches the table", file);
		result(lines == want->lines, name, "%zu lines in file, table says %zu", lines,
		       want->lines);
	}

	/* Straight from the file through a 4 KiB buffer. */
	snprintf(name, sizeof name, "%s: stream from fd, 4 KiB buffer", file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		result(0, name, "open: %s", strerror(errno));
		free(text);
		return;
	}
	seen_init(&s, 4096, 0);
	rc = nc_maps_stream(fd_read, &fd, stream_buf, 4096, collect, &s, &st);
	close(fd);
	if (want)
		result(rc == 0 && stats_are(&st, want->lines, want->malformed, want->truncated, why,
					    sizeof why),
		       name, "rc %d; %s", rc, why);
	else
		result(rc == 0 && st.lines == lines && (!real || st.malformed == 0), name,
		       "rc %d, %zu lines (want %zu), %zu malformed", rc, st.lines, lines, st.malformed);
	snprintf(name, sizeof name, "%s: every well-formed line delivered", file);
	result(s.n == st.lines - st.malformed && s.truncated == st.truncated, name,
	       "%zu entries, %zu truncated; stats %zu lines %zu malformed %zu truncated", s.n,
	       s.truncated, st.lines, st.malformed, st.truncated);
	if (real) {
		snprintf(name, sizeof name, "%s: sorted, non-overlapping, none malformed", file);
		result(s.unsorted == 0 && s.overlap == 0 && st.malformed == 0 && st.truncated == 0,
		       name, "%zu unsorted, %zu overlapping, %zu malformed, %zu truncated",
		       s.unsorted, s.overlap, st.malformed, st.truncated);
	}
	digest = s.digest;
	st1 = st;

	/* The same bytes one at a time, then in random pieces. */
	m = (struct mem){ .s = text, .len = len, .chunk = 1 };
	rc = run(&m, 4096, &s, 0, &st);
	snprintf(name, sizeof name, "%s: 1-byte reads give the same entries", file);
	result(rc == 0 && s.digest == digest &&
		       stats_are(&st, st1.lines, st1.malformed, st1.truncated, why, sizeof why),
	       name, "rc %d, %zu entries; %s", rc, s.n, why);
	m = (struct mem){ .s = text, .len = len, .chunk = 5000, .seed = 12345 };
	rc = run(&m, 4096, &s, 0, &st);
	snprintf(name, sizeof name, "%s: random reads give the same entries", file);
	result(rc == 0 && s.digest == digest &&
		       stats_are(&st, st1.lines, st1.malformed, st1.truncated, why, sizeof why),
	       name, "rc %d, %zu entries; %s", rc, s.n, why);

	if (!strcmp(file, "hostile.maps")) {
		static const uintptr_t starts[8] = {
			0x7f0000000000, 0x7f0000004000, (uintptr_t)0xffffffffff600000ull,
			0x7f0000005000, 0x7f000000b000, 0x7f000000d000,
			0x7f000000e000, 0x7f000000f000,
		};
		static const char *paths[8] = {
			"[anon:my arena]", "[stack:1234]", "[vsyscall]", NULL, "/path/with",
			"/usr/lib/x86_64-linux-gnu/libc.so.6", "/memfd:jit (deleted)",
			"/no/newline/at/end.so",
		};

		m = (struct mem){ .s = text, .len = len };
		rc = run(&m, 4096, &s, 0, &st);
		for (i = 0; i < 8 && i < s.n; i++)
			if (s.e[i].start != starts[i] ||
			    (paths[i] ? !path_is(&s.e[i], paths[i]) || s.e[i].path_truncated
				      : !s.e[i].path_truncated || s.e[i].end != 0x7f0000006000 ||
						strncmp(s.path[i], "/very/long/long/", 16)))
				break;
		snprintf(name, sizeof name, "%s: the right lines survive, intact", file);
		result(i == 8, name, "entry %zu (of %zu): %#lx \"%s\" truncated %d", i, s.n,
		       i < s.n ? (unsigned long)s.e[i].start : 0UL, i < s.n ? s.path[i] : "",
		       i < s.n ? s.e[i].path_truncated : -1);
		/* The cut entry's path runs from its '/' to the buffer's last byte
		 * but one: the first cap-1 bytes of the line are parsed. */
		{
			size_t l4 = after_nl(text, len, 3), off = l4;

			while (off < len && text[off] != '/') off++;
			snprintf(name, sizeof name, "%s: truncated path fills the buffer", file);
			result(s.n > 3 && s.e[3].path_len == 4095 - (off - l4), name,
			       "path_len %zu, want %zu", s.n > 3 ? s.e[3].path_len : 0,
			       4095 - (off - l4));
		}
	}
	free(text);
}

static int is_maps(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return l > 5 && !strcmp(d->d_name + l - 5, ".maps");
}

static void test_files(const char *dir)
{
	int found[NSAMPLES] = { 0 };
	struct dirent **list;
	char name[128];
	int i, n = scandir(dir, &list, is_maps, alphasort);

	if (n < 0) {
		result(0, "open sample directory", "%s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		test_file(dir, list[i]->d_name, found);
		free(list[i]);
	}
	free(list);
	for (i = 0; i < (int)NSAMPLES; i++) {
		snprintf(name, sizeof name, "sample %s present", samples[i].name);
		result(found[i], name, "not in %s", dir);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_lines();
	test_stream_basic();
	test_stream_long();
	test_files(argc > 1 ? argv[1] : "tests/maps");
	printf("# %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
