/* lock.h - a tiny lock for the shim's own tables.
 * Not pthread_mutex: it must work before libpthread is usable and be resettable
 * in a fork child (the child handler simply zeroes it, see interpose.c). It is
 * only ever held for in-memory work or a read of /proc/self/maps, never across a
 * call back into the program. */
#ifndef NC_LOCK_H
#define NC_LOCK_H

#include "sys.h"

typedef struct {
	int held;
} nc_lock_t;

static inline void nc_lock(nc_lock_t *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		nc_sys(SYS_sched_yield, 0, 0, 0);
}

static inline void nc_unlock(nc_lock_t *l) { __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE); }

#endif
