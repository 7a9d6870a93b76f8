/* own.c - the interval set of own.h.
 *
 * A sorted array of disjoint, non-touching ranges, kept as a gap buffer: the
 * free slots sit where the last change was, so a change near the previous one
 * (the kernel hands out addresses next to each other, a program maps and
 * unmaps the same places) moves only the entries in between, not the whole
 * array. Lookups are binary searches across the gap. */
#include "own.h"

#include "arena.h"
#include "lock.h"
#include "sys.h"

struct range {
	uintptr_t start, end;
};

static struct range *slot; /* cap slots: [0, gap_start) and [gap_end, cap) hold entries */
static size_t cap, gap_start, gap_end;
static nc_lock_t lock;

void nc_own_lock(void) { nc_lock(&lock); }
void nc_own_unlock(void) { nc_unlock(&lock); }
void nc_own_reset_lock(void) { nc_lock_reset(&lock); }

static size_t count(void) { return cap - (gap_end - gap_start); }

size_t nc_own_count(void)
{
	nc_lock(&lock);
	size_t n = count();
	nc_unlock(&lock);
	return n;
}

static struct range *at(size_t i) { return &slot[i < gap_start ? i : i + (gap_end - gap_start)]; }

/* The arena's fixed slice, on first use. */
static int ready(void)
{
	if (slot)
		return 1;
	size_t bytes;
	slot = nc_arena_part(NC_ARENA_OWN, &bytes);
	if (!slot)
		return 0;
	cap = gap_end = bytes / sizeof(*slot);
	gap_start = 0;
	return 1;
}

/* Put the gap before logical entry i. */
static void move_gap(size_t i)
{
	if (i < gap_start) {
		size_t n = gap_start - i;
		__builtin_memmove(&slot[gap_end - n], &slot[i], n * sizeof(*slot));
		gap_start -= n;
		gap_end -= n;
	} else if (i > gap_start) {
		size_t n = i - gap_start;
		__builtin_memmove(&slot[gap_start], &slot[gap_end], n * sizeof(*slot));
		gap_start += n;
		gap_end += n;
	}
}

/* Entries i..j-1 (logical) become the one range r; with i == j, r is inserted.
 * Returns 0, or -1 when the set is full (then nothing changes). */
static int replace(size_t i, size_t j, struct range r)
{
	if (i == j && gap_start == gap_end)
		return -1;
	move_gap(i);
	gap_end += j - i;
	slot[gap_start++] = r;
	return 0;
}

static void erase(size_t i, size_t k)
{
	move_gap(i);
	gap_end += k;
}

/* Index of the first range whose end >= addr (it may touch addr from below).
 * Changes cluster where the last one was (a program maps and unmaps the same
 * places, the kernel hands out neighbours), which is where the gap is: the two
 * entries before it and the one after it are looked at before searching. */
static size_t first_reaching(uintptr_t addr)
{
	size_t n = count(), g = gap_start;
	if ((g == 0 || slot[g - 1].end < addr) && (g == n || slot[gap_end].end >= addr))
		return g;
	if (g > 0 && slot[g - 1].end >= addr && (g == 1 || slot[g - 2].end < addr))
		return g - 1;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (at(mid)->end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void nc_own_add(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	nc_lock(&lock);
	if (ready()) {
		size_t n = count(), i = first_reaching(start), j = i;
		while (j < n && at(j)->start <= end) /* i..j-1 overlap or touch: merge them */
			j++;
		if (j > i) {
			if (at(i)->start < start)
				start = at(i)->start;
			if (at(j - 1)->end > end)
				end = at(j - 1)->end;
		}
		replace(i, j, (struct range){start, end});
	}
	nc_unlock(&lock);
}

void nc_own_remove(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	nc_lock(&lock);
	if (!ready()) {
		nc_unlock(&lock);
		return;
	}
	size_t i = first_reaching(start);
	if (i < count() && at(i)->end == start)
		i++;
	while (i < count() && at(i)->start < end) {
		struct range r = *at(i);
		if (r.start < start && r.end > end) { /* split in two; if full, keep the larger claim */
			if (gap_start < gap_end) {
				at(i)->end = start;
				replace(i + 1, i + 1, (struct range){end, r.end});
			}
			break;
		}
		if (r.start < start) {
			at(i)->end = start;
			i++;
		} else if (r.end > end) {
			at(i)->start = end;
			break;
		} else {
			erase(i, 1);
		}
	}
	nc_unlock(&lock);
}

int nc_own_covers(uintptr_t start, uintptr_t end)
{
	nc_lock(&lock);
	int yes = 0;
	if (slot) {
		size_t i = first_reaching(start + 1);
		yes = i < count() && at(i)->start <= start && at(i)->end >= end;
	}
	nc_unlock(&lock);
	return yes;
}
