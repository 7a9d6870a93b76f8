/* rangeset.c - the gap-buffered range set of rangeset.h. */
#include "rangeset.h"

#include "sys.h"

#include <errno.h>

static struct nc_range *slots(struct nc_rset *s) { return (struct nc_range *)s->store.base; }

size_t nc_rset_count(const struct nc_rset *s) { return s->cap - (s->gap_end - s->gap_start); }

static struct nc_range *at(struct nc_rset *s, size_t i)
{
	return &slots(s)[i < s->gap_start ? i : i + (s->gap_end - s->gap_start)];
}

static int ready(struct nc_rset *s)
{
	if (s->store.base)
		return 1;
	if (nc_store_init(&s->store, s->part) < 0)
		return 0;
	s->cap = s->gap_end = s->store.size / sizeof(struct nc_range);
	s->gap_start = 0;
	return 1;
}

/* One more free slot, at least: double the memory and move the entries above
 * the gap to the new end. */
static int make_room(struct nc_rset *s)
{
	if (s->gap_start < s->gap_end)
		return 0;
	size_t old_cap = s->cap;
	if (nc_store_grow(&s->store, (old_cap + 1) * sizeof(struct nc_range) * 2) < 0)
		return -ENOMEM;
	size_t cap = s->store.size / sizeof(struct nc_range), above = old_cap - s->gap_end;
	__builtin_memmove(&slots(s)[cap - above], &slots(s)[s->gap_end], above * sizeof(struct nc_range));
	s->cap = cap;
	s->gap_end = cap - above;
	return 0;
}

/* Put the gap before logical entry i. */
static void move_gap(struct nc_rset *s, size_t i)
{
	struct nc_range *r = slots(s);
	if (i < s->gap_start) {
		size_t n = s->gap_start - i;
		__builtin_memmove(&r[s->gap_end - n], &r[i], n * sizeof(*r));
		s->gap_start -= n;
		s->gap_end -= n;
	} else if (i > s->gap_start) {
		size_t n = i - s->gap_start;
		__builtin_memmove(&r[s->gap_start], &r[s->gap_end], n * sizeof(*r));
		s->gap_start += n;
		s->gap_end += n;
	}
}

/* Entries i..j-1 (logical) become the one range r; with i == j, r is inserted. */
NC_HOT static int replace(struct nc_rset *s, size_t i, size_t j, struct nc_range r)
{
	if (i == j && make_room(s) < 0)
		return -ENOMEM;
	move_gap(s, i);
	s->gap_end += j - i;
	slots(s)[s->gap_start++] = r;
	return 0;
}

static void erase(struct nc_rset *s, size_t i)
{
	move_gap(s, i);
	s->gap_end++;
}

/* Index of the first range whose end >= addr (it may touch addr from below).
 * Changes cluster where the last one was, which is where the gap is: the two
 * entries before it and the one after it are looked at before searching. */
static size_t first_reaching(struct nc_rset *s, uintptr_t addr)
{
	size_t n = nc_rset_count(s), g = s->gap_start;
	struct nc_range *r = slots(s);
	if ((g == 0 || r[g - 1].end < addr) && (g == n || r[s->gap_end].end >= addr))
		return g;
	if (g > 0 && r[g - 1].end >= addr && (g == 1 || r[g - 2].end < addr))
		return g - 1;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (at(s, mid)->end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

NC_HOT int nc_rset_add(struct nc_rset *s, uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return 0;
	if (!ready(s))
		return -ENOMEM;
	size_t n = nc_rset_count(s), i = first_reaching(s, start), j = i;
	if (s->merge) {
		while (j < n && at(s, j)->start <= end) /* i..j-1 overlap or touch: merge them */
			j++;
		if (j > i) {
			if (at(s, i)->start < start)
				start = at(s, i)->start;
			if (at(s, j - 1)->end > end)
				end = at(s, j - 1)->end;
		}
	} else {
		if (i < n && at(s, i)->end == start) /* touching from below: stays apart */
			i++;
		j = i;
		while (j < n && at(s, j)->start < end) /* overlapped entries are replaced */
			j++;
	}
	return replace(s, i, j, (struct nc_range){start, end});
}

NC_HOT static size_t first_overlapping(struct nc_rset *s, uintptr_t start)
{
	size_t i = first_reaching(s, start);
	if (i < nc_rset_count(s) && at(s, i)->end == start)
		i++;
	return i;
}

NC_HOT size_t nc_rset_count_in(struct nc_rset *s, uintptr_t start, uintptr_t end)
{
	if (start >= end || !s->store.base)
		return 0;
	size_t k = 0, n = nc_rset_count(s);
	for (size_t i = first_overlapping(s, start); i < n && at(s, i)->start < end; i++)
		k++;
	return k;
}

NC_HOT long nc_rset_remove(struct nc_rset *s, uintptr_t start, uintptr_t end, struct nc_range *saved, size_t max)
{
	if (start >= end || !s->store.base)
		return 0;
	size_t i = first_overlapping(s, start), taken = 0;
	while (i < nc_rset_count(s) && at(s, i)->start < end) {
		struct nc_range r = *at(s, i);
		struct nc_range gone = {r.start > start ? r.start : start, r.end < end ? r.end : end};
		if (r.start < start && r.end > end) { /* split in two */
			if (replace(s, i + 1, i + 1, (struct nc_range){end, r.end}) < 0)
				return -ENOMEM;
			at(s, i)->end = start;
		} else if (r.start < start) {
			at(s, i)->end = start;
			i++;
		} else if (r.end > end) {
			at(s, i)->start = end;
		} else {
			erase(s, i);
		}
		if (saved && taken < max)
			saved[taken] = gone;
		taken++;
		if (gone.end == end)
			break;
	}
	return (long)taken;
}

NC_HOT int nc_rset_covers(struct nc_rset *s, uintptr_t start, uintptr_t end)
{
	if (!s->store.base || start >= end)
		return 0;
	size_t i = first_reaching(s, start + 1);
	return i < nc_rset_count(s) && at(s, i)->start <= start && at(s, i)->end >= end;
}

int nc_rset_find(struct nc_rset *s, uintptr_t addr, struct nc_range *out)
{
	if (!s->store.base)
		return 0;
	size_t i = first_reaching(s, addr + 1);
	if (i < nc_rset_count(s) && at(s, i)->start <= addr) {
		*out = *at(s, i);
		return 1;
	}
	return 0;
}

uintptr_t nc_rset_end_of(struct nc_rset *s, uintptr_t start)
{
	if (!s->store.base)
		return 0;
	size_t i = first_overlapping(s, start);
	return i < nc_rset_count(s) && at(s, i)->start == start ? at(s, i)->end : 0;
}

void nc_rset_clear(struct nc_rset *s)
{
	s->gap_start = 0;
	s->gap_end = s->cap;
}
