/* maps.c - the /proc/<pid>/maps reader: line parser and fixed-buffer streamer.
 *
 * Input looks like
 *   7f95a895e000-7f95a895f000 r-xs 00000000 00:01 124191   /memfd:jit-code (deleted)
 *
 * This runs inside an mmap interposer, where malloc, stdio and even errno may
 * be mid-use or not yet set up, so it touches nothing but the caller's memory
 * and the caller's read function. */
#include <errno.h>
#include "maps.h"

/* Hex is parsed by value, not by width: leading zeros are fine, but a value
 * above max (e.g. a 17-digit address) is refused rather than wrapped, since a
 * wrapped address would make the shim approve or refuse the wrong range.
 * Returns the first byte after the digits, or 0 if there were none. */
static const char *hex(const char *p, const char *e, uint64_t max, uint64_t *v)
{
	const char *s = p;
	uint64_t x = 0;
	unsigned d;

	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') d = *p - '0';
		else if (*p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
		else break;
		if (x > (max - d) >> 4) return 0;
		x = x << 4 | d;
	}
	*v = x;
	return p == s ? 0 : p;
}

/* The inode column is the only decimal one; same overflow rule as hex(). */
static const char *dec(const char *p, const char *e, uint64_t max, uint64_t *v)
{
	const char *s = p;
	uint64_t x = 0;
	unsigned d;

	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		d = *p - '0';
		if (x > (max - d) / 10) return 0;
		x = x * 10 + d;
	}
	*v = x;
	return p == s ? 0 : p;
}

/* The kernel pads columns with spaces, and the amount varies with the width
 * of the numbers, so a separator is "at least one space". */
static const char *gap(const char *p, const char *e)
{
	const char *s = p;

	while (p < e && *p == ' ') p++;
	return p == s ? 0 : p;
}

/* Each column is checked together with the byte that ends it, so junk glued
 * to a number ("7f00zz-...") fails instead of being silently cut off. Fields
 * go to locals first so that a bad line never leaves half an entry in *out
 * (and plain assignments keep even -O0 builds free of memset/memcpy calls). */
int nc_maps_parse_line(const char *line, size_t len, struct nc_maps_entry *out)
{
	static const char letter[3] = { 'r', 'w', 'x' };
	static const unsigned bit[3] = { NC_PERM_R, NC_PERM_W, NC_PERM_X };
	const char *p = line, *e;
	uint64_t start, end, off, maj, min, ino;
	unsigned perms = 0;
	size_t n;
	int i;

	/* A NUL cannot be part of a real path, so it ends the line. */
	for (n = 0; n < len && line[n]; n++);
	e = line + n;
	if (e > line && e[-1] == '\r') e--;

	if (!(p = hex(p, e, UINTPTR_MAX, &start)) || p == e || *p++ != '-') return -1;
	if (!(p = hex(p, e, UINTPTR_MAX, &end)) || !(p = gap(p, e))) return -1;
	if (end <= start) return -1;

	if (e - p < 4) return -1;
	for (i = 0; i < 3; i++, p++) {
		if (*p == letter[i]) perms |= bit[i];
		else if (*p != '-') return -1;
	}
	if (*p == 's') perms |= NC_PERM_S;
	else if (*p != 'p') return -1;
	if (!(p = gap(p + 1, e))) return -1;

	if (!(p = hex(p, e, UINT64_MAX, &off)) || !(p = gap(p, e))) return -1;
	if (!(p = hex(p, e, UINT32_MAX, &maj)) || p == e || *p++ != ':') return -1;
	if (!(p = hex(p, e, UINT32_MAX, &min)) || !(p = gap(p, e))) return -1;
	if (!(p = dec(p, e, UINT64_MAX, &ino))) return -1;

	/* Anonymous mappings may end right after the inode or carry trailing
	 * padding; either way path_len is 0 and path still points into the
	 * line, so memcmp(path, x, 0) stays valid. */
	if (p < e && !(p = gap(p, e))) return -1;

	out->start = start;
	out->end = end;
	out->offset = off;
	out->inode = ino;
	out->dev_major = maj;
	out->dev_minor = min;
	out->perms = perms;
	out->path = p;
	out->path_len = e - p;
	out->path_truncated = 0;
	return 0;
}

/* Keeps the per-line bookkeeping out of the read loop. Returns non-zero when
 * the caller's callback asks to stop. */
static int deliver(const char *s, size_t n, int cut, nc_maps_entry_fn fn,
		   void *ctx, struct nc_maps_stats *st)
{
	struct nc_maps_entry m;

	st->lines++;
	st->truncated += cut;
	if (nc_maps_parse_line(s, n, &m)) {
		st->malformed++;
		return 0;
	}
	m.path_truncated = cut;
	return fn && fn(ctx, &m);
}

/* The buffer holds at most one partial line at its front, followed by fresh
 * bytes; only the fresh bytes are scanned for '\n', so tiny reads do not make
 * the scan quadratic. A line that fills the buffer without a '\n' is handed
 * over cut short, and the rest of it is dropped as it arrives. So a line of
 * cap bytes or more (not counting its '\n') is cut, even the last one when
 * it is exactly cap bytes and unterminated: a full buffer cannot tell. */
int nc_maps_stream(nc_maps_read_fn rd, void *rd_ctx, char *buf, size_t cap,
		   nc_maps_entry_fn on_entry, void *entry_ctx, struct nc_maps_stats *stats)
{
	struct nc_maps_stats dummy;
	size_t have = 0, ls = 0, i = 0, j;
	int skipping = 0;
	long r;

	if (!stats) stats = &dummy;
	stats->lines = stats->malformed = stats->truncated = 0;
	if (!rd || !buf || cap < 128) return -EINVAL;

	for (;;) {
		for (; i < have; i++) {
			if (buf[i] != '\n') continue;
			if (skipping) skipping = 0;
			else if (deliver(buf + ls, i - ls, 0, on_entry, entry_ctx, stats))
				return 1;
			ls = i + 1;
		}
		if (skipping) {
			have = 0;
		} else if (ls) {
			for (j = 0; ls + j < have; j++) buf[j] = buf[ls + j];
			have = j;
		} else if (have == cap) {
			if (deliver(buf, cap - 1, 1, on_entry, entry_ctx, stats))
				return 1;
			skipping = 1;
			have = 0;
		}
		i = have;
		ls = 0;

		r = rd(rd_ctx, buf + have, cap - have);
		if (r == 0) break;
		/* A reader that claims more than it was given room for has
		 * already broken something; do not walk past the buffer too. */
		if (r > 0 && (size_t)r > cap - have) return -EIO;
		if (r < 0) return r < -4095 ? -EIO : (int)r;
		have += r;
	}
	if (have && deliver(buf, have, 0, on_entry, entry_ctx, stats))
		return 1;
	return 0;
}
