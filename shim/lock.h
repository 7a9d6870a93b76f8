/* lock.h - a tiny lock for the shim's own tables.
 * Not pthread_mutex: it must work before libpthread is usable and be resettable
 * in a fork child (nc_lock_reset, see interpose.c). A ticket lock: waiters are
 * served in order, so a fork handler waiting for the region table is not starved
 * by threads that keep taking it back (check=table under a flood of clobbers).
 * It is only ever held for in-memory work or a read of /proc/self/maps, never
 * across a call back into the program. */
#ifndef NC_LOCK_H
#define NC_LOCK_H

#include "sys.h"

typedef struct {
	unsigned next, owner;
} nc_lock_t;

static inline void nc_lock(nc_lock_t *l)
{
	unsigned ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		nc_sys(SYS_sched_yield, 0, 0, 0);
}

static inline void nc_unlock(nc_lock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* In a fork child only the forking thread exists: nobody holds or waits. */
static inline void nc_lock_reset(nc_lock_t *l)
{
	l->next = 0;
	l->owner = 0;
}

#endif
