/* lock.h - the lock for the shim's own tables, and who is inside the shim.
 *
 * Not pthread_mutex: it must work before libpthread is usable, in a fork child,
 * and inside the fork handlers of other libraries. A ticket lock, so waiters
 * are served in order (a fork handler waiting for the region table is not
 * starved by threads that keep taking it back); a waiter that does not get it
 * at once sleeps in the kernel (futex) instead of spinning, so a real-time
 * thread waiting for a holder of lower priority on the same CPU lets it run.
 * Uncontended, taking and releasing it are two atomic operations, no system
 * call. It is only held for in-memory work or a read of /proc/self/maps, never
 * across a call back into the program.
 *
 * Two situations must never wait:
 * - a signal handler that interrupted this very thread inside the shim (the
 *   holder, or an earlier ticket, is the interrupted frame): such code sees
 *   nc_depth > 1 and does not take locks at all (see own.c for how its
 *   bookkeeping is kept);
 * - the fork handlers of any library: between the shim's prepare handler and
 *   its parent/child handlers this thread holds every lock (nc_fork_holder),
 *   and a library's handler that maps memory runs in between: on that thread
 *   the locks are then already ours, and taking one is a no-op. */
#ifndef NC_LOCK_H
#define NC_LOCK_H

#include <limits.h>

#include "sys.h"

typedef struct {
	unsigned next, serving;
} nc_lock_t;

/* How deep this thread is inside the shim's code: 0 outside, 1 in a call, 2+
 * re-entered (a signal handler that interrupted the shim). Initial-exec TLS: a
 * general-dynamic access may call into the loader, which may allocate. */
extern __thread int nc_depth __attribute__((tls_model("initial-exec")));
/* Its address tells threads apart without a system call. */
static inline const void *nc_self(void) { return &nc_depth; }

/* The thread that runs fork with every shim lock held, or NULL. */
extern const void *nc_fork_holder;
static inline int nc_forking_here(void) { return __atomic_load_n(&nc_fork_holder, __ATOMIC_ACQUIRE) == nc_self(); }

static inline void nc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

#define NC_FUTEX_WAIT_PRIVATE 128
#define NC_FUTEX_WAKE_PRIVATE 129

static inline void nc_lock_slow(nc_lock_t *l, unsigned ticket)
{
	for (int spins = 0;; spins++) {
		unsigned s = __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE);
		if (s == ticket)
			return;
		if (spins < 100) {
			nc_cpu_relax();
			continue;
		}
		nc_syscall6(SYS_futex, (long)&l->serving, NC_FUTEX_WAIT_PRIVATE, s, 0, 0, 0);
	}
}

static inline void nc_lock(nc_lock_t *l)
{
	if (nc_forking_here())
		return;
	unsigned ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		nc_lock_slow(l, ticket);
}

/* Take it only if nobody holds or waits for it; 1 if taken. */
static inline int nc_trylock(nc_lock_t *l)
{
	if (nc_forking_here())
		return 1;
	unsigned s = __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE);
	return __atomic_compare_exchange_n(&l->next, &s, s + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void nc_unlock(nc_lock_t *l)
{
	if (nc_forking_here())
		return;
	unsigned s = __atomic_load_n(&l->serving, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&l->serving, s, __ATOMIC_RELEASE);
	if (__atomic_load_n(&l->next, __ATOMIC_RELAXED) != s) /* someone waits */
		nc_syscall6(SYS_futex, (long)&l->serving, NC_FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
}

/* In a fork child only the forking thread exists: nobody holds or waits. */
static inline void nc_lock_reset(nc_lock_t *l)
{
	l->next = 0;
	l->serving = 0;
}

/* A lock whose word names its holder (the thread id), for the one lock taken
 * on the common path, where signals are not blocked: a thread that jumps out
 * of a signal handler (siglongjmp) that interrupted it while it held the lock,
 * or waited for it, leaves no ticket behind, and can tell on its return that
 * the lock is still its own (nc_mutex_mine). Not fair; it is held for a few
 * hundred instructions at a time. */
typedef struct {
	int word; /* 0 free; else the holder's tid, with NC_MUTEX_WAITERS when some sleep */
} nc_mutex_t;
#define NC_MUTEX_WAITERS 0x40000000

extern __thread int nc_tid_cache __attribute__((tls_model("initial-exec")));
static inline int nc_tid(void)
{
	int t = nc_tid_cache;
	if (!t)
		t = nc_tid_cache = (int)nc_syscall6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	return t;
}

static inline int nc_mutex_mine(nc_mutex_t *m)
{
	return (__atomic_load_n(&m->word, __ATOMIC_RELAXED) & ~NC_MUTEX_WAITERS) == nc_tid();
}

static inline void nc_mutex_lock(nc_mutex_t *m)
{
	if (nc_forking_here())
		return;
	int me = nc_tid(), w = 0;
	if (__atomic_compare_exchange_n(&m->word, &w, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	for (int spins = 0;; spins++) {
		w = __atomic_load_n(&m->word, __ATOMIC_RELAXED);
		if (!w) {
			/* Waiters may remain: take it marked, so the unlock wakes one. */
			if (__atomic_compare_exchange_n(&m->word, &w, spins < 100 ? me : me | NC_MUTEX_WAITERS, 0,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return;
			continue;
		}
		if (spins < 100) {
			nc_cpu_relax();
			continue;
		}
		if (!(w & NC_MUTEX_WAITERS) &&
		    !__atomic_compare_exchange_n(&m->word, &w, w | NC_MUTEX_WAITERS, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;
		nc_syscall6(SYS_futex, (long)&m->word, NC_FUTEX_WAIT_PRIVATE, w | NC_MUTEX_WAITERS, 0, 0, 0);
	}
}

static inline int nc_mutex_trylock(nc_mutex_t *m)
{
	if (nc_forking_here())
		return 1;
	int w = 0;
	return __atomic_compare_exchange_n(&m->word, &w, nc_tid(), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void nc_mutex_unlock(nc_mutex_t *m)
{
	if (nc_forking_here())
		return;
	if (__atomic_exchange_n(&m->word, 0, __ATOMIC_RELEASE) & NC_MUTEX_WAITERS)
		nc_syscall6(SYS_futex, (long)&m->word, NC_FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

/* This thread left shim code by a siglongjmp out of a signal handler: if it
 * held the lock, release it. Either way wake every sleeper: the jump may have
 * cut nc_mutex_unlock short between freeing the word and waking a waiter, who
 * would otherwise sleep on with nobody left to wake it. A waiter woken for
 * nothing looks at the word again and goes back to sleep. */
static inline void nc_mutex_abandoned(nc_mutex_t *m)
{
	if (nc_mutex_mine(m))
		nc_mutex_unlock(m);
	nc_syscall6(SYS_futex, (long)&m->word, NC_FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
}

#endif
