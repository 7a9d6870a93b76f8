/* own.h - the set of address ranges this process mapped through the shim.
 *
 * Every mapping made through an interposed door is added, and munmap, mremap and
 * shmdt take their ranges out, so "own" means: created by the program itself and
 * still there. Programs that use MAP_FIXED (JVMs, V8, Go, qemu, wine) use it on
 * memory they reserved themselves; this set is how the shim tells that apart
 * from libc's, ld.so's or another party's memory.
 *
 * Kept as sorted, coalesced intervals: the kernel hands out addresses top-down,
 * next to each other, so a run of mappings is usually a single interval and the
 * set stays small. Pure memory work under a short lock, no system call (but to
 * grow its own storage). */
#ifndef NC_OWN_H
#define NC_OWN_H

#include <stddef.h>
#include <stdint.h>

void nc_own_add(uintptr_t start, uintptr_t end);
void nc_own_remove(uintptr_t start, uintptr_t end);
/* Is all of [start, end) own? */
int nc_own_covers(uintptr_t start, uintptr_t end);
/* Fork: the child's copies of our mappings are its own; only the lock needs care. */
void nc_own_lock(void);
void nc_own_unlock(void);
void nc_own_reset_lock(void);
/* Number of intervals (tests and the benchmark look at it). */
size_t nc_own_count(void);

#endif
