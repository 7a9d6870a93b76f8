/* maps.h - parsing /proc/<pid>/maps text without allocating.
 *
 * A line looks like
 *   7f95a87a2000-7f95a88f8000 r-xp 00026000 fe:00 332835   /usr/lib/x86_64-linux-gnu/libc.so.6
 * i.e. start-end perms offset major:minor inode [path]. The path may hold spaces,
 * tabs and "\012" (the kernel escapes a newline); it may end in " (deleted)" or be a
 * pseudo name such as [heap], [stack], [stack:123], [vdso], [anon:label].
 *
 * Nothing here makes a system call except through the read function the caller
 * passes in, so the same code serves the shim, the unit tests and the fuzzers. */
#ifndef NC_MAPS_H
#define NC_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Permission bits of a mapping, as in the maps "rwxp" column. */
#define NC_PERM_R 0x1u
#define NC_PERM_W 0x2u
#define NC_PERM_X 0x4u
#define NC_PERM_S 0x8u /* 's' (shared) rather than 'p' */

/* One parsed line. path points into the caller's line buffer and is not
 * NUL-terminated; path_len is 0 for an anonymous mapping. */
struct nc_maps_entry {
	uintptr_t start, end; /* [start, end), start < end */
	uint64_t offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	unsigned perms; /* NC_PERM_* */
	const char *path;
	size_t path_len;
	int path_truncated; /* the line was longer than the reader's buffer */
};

/* Parse one line (without its '\n'; a trailing '\r' is tolerated and dropped).
 * Returns 0 on success, -1 if the line is malformed (missing fields, bad hex,
 * a number that overflows, end <= start, an unknown permission letter). */
int nc_maps_parse_line(const char *line, size_t len, struct nc_maps_entry *out);

/* Reads up to n bytes into buf; returns the count, 0 at end, or -errno. */
typedef long (*nc_maps_read_fn)(void *ctx, char *buf, size_t n);
/* Called for each well-formed line; return non-zero to stop early. */
typedef int (*nc_maps_entry_fn)(void *ctx, const struct nc_maps_entry *e);

struct nc_maps_stats {
	size_t lines;     /* lines seen, well-formed or not */
	size_t malformed; /* lines skipped as malformed */
	size_t truncated; /* lines longer than the buffer (path cut short) */
};

/* Stream a maps file through a fixed buffer of cap bytes (cap >= 128): every
 * line is handed to on_entry in order. A line longer than the buffer is parsed
 * from its first cap-1 bytes (path_truncated set) and the rest is skipped. The
 * last line need not end in '\n'. Returns 0, or the -errno of a failing read
 * (entries before the failure were delivered), or 1 if on_entry stopped it. */
int nc_maps_stream(nc_maps_read_fn rd, void *rd_ctx, char *buf, size_t cap,
		   nc_maps_entry_fn on_entry, void *entry_ctx, struct nc_maps_stats *stats);

#endif
