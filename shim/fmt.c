/* fmt.c - the bounded buffer of fmt.h. */
#include "fmt.h"

void nc_buf_mem(struct nc_buf *b, const char *s, size_t n)
{
	size_t room = b->cap - b->len;
	if (n > room) {
		n = room;
		b->truncated = 1;
	}
	for (size_t i = 0; i < n; i++)
		b->p[b->len + i] = s[i];
	b->len += n;
}

void nc_buf_str(struct nc_buf *b, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	nc_buf_mem(b, s, n);
}

void nc_buf_ch(struct nc_buf *b, char c) { nc_buf_mem(b, &c, 1); }

void nc_buf_u(struct nc_buf *b, unsigned long long v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do
		tmp[--i] = (char)('0' + v % 10);
	while (v /= 10);
	nc_buf_mem(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void nc_buf_i(struct nc_buf *b, long long v)
{
	if (v < 0) {
		nc_buf_ch(b, '-');
		nc_buf_u(b, 0ULL - (unsigned long long)v);
	} else {
		nc_buf_u(b, (unsigned long long)v);
	}
}

void nc_buf_hexw(struct nc_buf *b, unsigned long long v, int width)
{
	char tmp[16];
	int i = sizeof(tmp);
	do
		tmp[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) != 0);
	while (i > 0 && (int)sizeof(tmp) - i < width)
		tmp[--i] = '0';
	nc_buf_mem(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void nc_buf_hex(struct nc_buf *b, unsigned long long v)
{
	nc_buf_str(b, "0x");
	nc_buf_hexw(b, v, 1);
}

int nc_parse_u(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
