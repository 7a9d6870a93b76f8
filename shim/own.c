/* own.c - the interval set of own.h. */
#include "own.h"

#include "arena.h"
#include "lock.h"
#include "sys.h"

struct range {
	uintptr_t start, end;
};

static struct range *set; /* sorted by start, disjoint, never adjacent */
static size_t count, cap;
static nc_lock_t lock;

void nc_own_lock(void) { nc_lock(&lock); }
void nc_own_unlock(void) { nc_unlock(&lock); }
void nc_own_reset_lock(void) { nc_lock_reset(&lock); }
size_t nc_own_count(void) { return __atomic_load_n(&count, __ATOMIC_RELAXED); }

/* Index of the first range whose end >= addr (it may touch addr from below). */
static size_t first_reaching(uintptr_t addr)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Room for one more range, in the arena's fixed slice. */
static int reserve_one(void)
{
	if (!set) {
		size_t bytes;
		set = nc_arena_part(NC_ARENA_OWN, &bytes);
		cap = set ? bytes / sizeof(*set) : 0;
	}
	return count < cap ? 0 : -1;
}

static void move(size_t to, size_t from, size_t n)
{
	if (to < from)
		for (size_t i = 0; i < n; i++)
			set[to + i] = set[from + i];
	else
		for (size_t i = n; i-- > 0;)
			set[to + i] = set[from + i];
}

void nc_own_add(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	nc_lock(&lock);
	size_t i = first_reaching(start);
	size_t j = i; /* ranges i..j-1 overlap or touch [start, end): merge them */
	while (j < count && set[j].start <= end)
		j++;
	if (i == j) {
		if (reserve_one() == 0) {
			move(i + 1, i, count - i);
			set[i] = (struct range){start, end};
			count++;
		}
	} else {
		if (set[i].start < start)
			start = set[i].start;
		if (set[j - 1].end > end)
			end = set[j - 1].end;
		set[i] = (struct range){start, end};
		move(i + 1, j, count - j);
		count -= j - i - 1;
	}
	nc_unlock(&lock);
}

void nc_own_remove(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	nc_lock(&lock);
	size_t i = first_reaching(start);
	if (i < count && set[i].end == start)
		i++;
	while (i < count && set[i].start < end) {
		struct range r = set[i];
		if (r.start < start && r.end > end) { /* split in two */
			if (reserve_one() < 0) { /* keep the larger claim rather than lose it */
				break;
			}
			move(i + 1, i, count - i);
			count++;
			set[i].end = start;
			set[i + 1].start = end;
			break;
		}
		if (r.start < start) {
			set[i].end = start;
			i++;
		} else if (r.end > end) {
			set[i].start = end;
			break;
		} else {
			move(i, i + 1, count - i - 1);
			count--;
		}
	}
	nc_unlock(&lock);
}

int nc_own_covers(uintptr_t start, uintptr_t end)
{
	nc_lock(&lock);
	size_t i = first_reaching(start + 1);
	int yes = i < count && set[i].start <= start && set[i].end >= end;
	nc_unlock(&lock);
	return yes;
}
