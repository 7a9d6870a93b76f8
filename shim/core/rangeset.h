/* rangeset.h - a sorted set of disjoint address ranges in growable memory.
 *
 * Kept as a gap buffer: the free slots sit where the last change was, so a
 * change near the previous one (the kernel hands out addresses next to each
 * other, a program maps and unmaps the same places) moves only the entries in
 * between, not the whole array. Lookups are binary searches across the gap.
 * With merge set, ranges that overlap or touch become one (the own set); without,
 * each range stays as added (SysV attachments, whose bounds shmdt needs).
 * No locking here: the owner of a set serialises its use. */
#ifndef NC_RANGESET_H
#define NC_RANGESET_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct nc_range {
	uintptr_t start, end;
};

struct nc_rset {
	struct nc_store store;
	enum nc_arena_part part; /* where it starts */
	int merge;
	size_t cap, gap_start, gap_end; /* slots [0, gap_start) and [gap_end, cap) hold entries */
};

/* 0, or -ENOMEM when no memory could be had for the new entry (nothing changed). */
int nc_rset_add(struct nc_rset *s, uintptr_t start, uintptr_t end);
/* Take [start, end) out. If saved is not NULL, the pieces removed are copied
 * there, up to max of them; returns how many pieces were removed (which may be
 * more than max), or -ENOMEM (a range split in two needed an entry that could
 * not be had: nothing changed). */
long nc_rset_remove(struct nc_rset *s, uintptr_t start, uintptr_t end, struct nc_range *saved, size_t max);
/* How many pieces nc_rset_remove would take out. */
size_t nc_rset_count_in(struct nc_rset *s, uintptr_t start, uintptr_t end);
/* Is all of [start, end) in the set? */
int nc_rset_covers(struct nc_rset *s, uintptr_t start, uintptr_t end);
/* The entry holding addr, into *out: 1, or 0 if none does. */
int nc_rset_find(struct nc_rset *s, uintptr_t addr, struct nc_range *out);
/* The entry that starts exactly at start: its end, or 0. */
uintptr_t nc_rset_end_of(struct nc_rset *s, uintptr_t start);
size_t nc_rset_count(const struct nc_rset *s);
/* Forget every entry (the memory stays). */
void nc_rset_clear(struct nc_rset *s);

#endif
