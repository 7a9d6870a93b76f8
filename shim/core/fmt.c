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

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), the usual
 * era-based arithmetic: 400-year eras of 146097 days. */
static void civil(long long days, long long *y, unsigned *m, unsigned *d)
{
	days += 719468;
	long long era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

static void two(struct nc_buf *b, unsigned v, char after)
{
	nc_buf_ch(b, (char)('0' + v / 10 % 10));
	nc_buf_ch(b, (char)('0' + v % 10));
	if (after)
		nc_buf_ch(b, after);
}

void nc_buf_time(struct nc_buf *b, long long s, long us)
{
	long long days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	long long rem = s - days * 86400, y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	nc_buf_i(b, y);
	nc_buf_ch(b, '-');
	two(b, m, '-');
	two(b, d, 'T');
	two(b, (unsigned)(rem / 3600), ':');
	two(b, (unsigned)(rem / 60 % 60), ':');
	two(b, (unsigned)(rem % 60), '.');
	char frac[6];
	for (int i = 5; i >= 0; i--, us /= 10)
		frac[i] = (char)('0' + us % 10);
	nc_buf_mem(b, frac, 6);
	nc_buf_ch(b, 'Z');
}
