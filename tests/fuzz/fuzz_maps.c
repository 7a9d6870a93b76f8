/* fuzz_maps.c - the /proc/self/maps reader and the region table, on any bytes.
 * The first two bytes choose the reader's chunk size and the buffer size, so
 * the fuzzer also explores lines split across reads and lines longer than the
 * buffer; the rest is the maps text. Afterwards the table must be sorted and
 * free of overlaps, whatever the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "regions.h"

struct feed {
	const uint8_t *p;
	size_t n, chunk;
};

static long feed_read(void *ctx, char *buf, size_t n)
{
	struct feed *f = ctx;
	size_t k = n < f->chunk ? n : f->chunk;
	if (k > f->n)
		k = f->n;
	memcpy(buf, f->p, k);
	f->p += k;
	f->n -= k;
	return (long)k;
}

static int count(void *ctx, const struct nc_maps_entry *e)
{
	if (e->start >= e->end || (e->path_len && !e->path))
		abort();
	++*(size_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static char buf[4096];
	size_t chunk = (size_t)data[0] % 64 + 1, cap = 128 + (size_t)data[1] * 15;
	struct feed f = {data + 2, size - 2, chunk};
	size_t n = 0;
	struct nc_maps_stats st;
	nc_maps_stream(feed_read, &f, buf, cap, count, &n, &st);
	if (n + st.malformed > st.lines)
		abort();

	f = (struct feed){data + 2, size - 2, chunk * 61};
	struct nc_table *t = &nc_the_table;
	nc_table_load(t, feed_read, &f);
	for (size_t i = 0; i < t->n; i++) {
		if (t->r[i].start >= t->r[i].end || (i && t->r[i].start < t->r[i - 1].end))
			abort();
		if (nc_table_find(t, t->r[i].start, 0) != &t->r[i])
			abort();
	}
	return 0;
}
