/* fmt.h - a bounded text buffer and the few conversions a log line needs.
 * No stdio, no allocation: the buffer lives on the caller's stack. Appends past
 * the end are dropped and remembered (truncated) so a line is never overrun. */
#ifndef NC_FMT_H
#define NC_FMT_H

#include <stddef.h>
#include <stdint.h>

struct nc_buf {
	char *p;
	size_t len, cap;
	int truncated;
};

#define NC_BUF_INIT(arr) {(arr), 0, sizeof(arr), 0}

void nc_buf_mem(struct nc_buf *b, const char *s, size_t n);
void nc_buf_str(struct nc_buf *b, const char *s);
void nc_buf_ch(struct nc_buf *b, char c);
void nc_buf_u(struct nc_buf *b, unsigned long long v);
void nc_buf_i(struct nc_buf *b, long long v);
void nc_buf_hex(struct nc_buf *b, unsigned long long v); /* 0x prefixed */
void nc_buf_hexw(struct nc_buf *b, unsigned long long v, int width); /* no prefix, zero padded */

/* A wall-clock time as ISO 8601 UTC with microseconds: 2026-11-25T12:50:01.123456Z */
void nc_buf_time(struct nc_buf *b, long long s, long us);

/* Strict parsers for option values; return 0 on success, -1 otherwise. */
int nc_parse_u(const char *s, size_t n, unsigned long long max, unsigned long long *out);

#endif
