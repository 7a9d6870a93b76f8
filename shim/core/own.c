/* own.c - the own set and the attachments of own.h. */
#include "own.h"

#include "lock.h"
#include "sys.h"

static struct nc_rset set = {.part = NC_ARENA_OWN, .merge = 1};
static nc_mutex_t lock NC_HOT_DATA;
/* Whether the set is half-way through a change: what a thread that jumped out
 * of a signal handler (siglongjmp) while holding the lock leaves behind, to be
 * put right when it comes back (nc_own_abandoned). */
static int changing NC_HOT_DATA;
static int incomplete NC_HOT_DATA;

static void lost(void) { __atomic_store_n(&incomplete, 1, __ATOMIC_RELAXED); }

int nc_own_incomplete(void) { return __atomic_load_n(&incomplete, __ATOMIC_RELAXED); }

/* Changes that could not be followed although memory was there (a signal
 * handler's queue full, pieces not kept): the set is to be rebuilt from what is
 * mapped, erring towards allowing, never towards a false refusal. The reason
 * is the first one seen.
 *
 * Until that rebuild is complete the set may lack what another thread mapped
 * (emptied by nc_own_abandoned, or a handler's change dropped), and its answer
 * cannot be trusted: damaged counts the damage, and rebuilt is the count a
 * complete rebuild started from. An answer is trusted only if the two were
 * equal before the question and damaged unchanged after it. */
static int rebuild_reason;
static unsigned damaged NC_HOT_DATA, rebuilt NC_HOT_DATA;

static void unfollowed(int why)
{
	__atomic_fetch_add(&damaged, 1, __ATOMIC_RELEASE);
	int none = 0;
	__atomic_compare_exchange_n(&rebuild_reason, &none, why, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

int nc_own_rebuild_wanted(void) { return __atomic_load_n(&rebuild_reason, __ATOMIC_RELAXED) != 0; }

int nc_own_rebuild_begin(unsigned *from)
{
	int why = __atomic_exchange_n(&rebuild_reason, 0, __ATOMIC_ACQ_REL);
	*from = __atomic_load_n(&damaged, __ATOMIC_ACQUIRE);
	return why;
}

void nc_own_rebuilt(unsigned from)
{
	/* Rebuilds may overlap: the later start wins (the count only grows;
	 * compared as a difference, so that it may wrap). */
	unsigned r = __atomic_load_n(&rebuilt, __ATOMIC_RELAXED);
	while ((int)(from - r) > 0 &&
	       !__atomic_compare_exchange_n(&rebuilt, &r, from, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

static struct nc_rset grows = {.part = NC_ARENA_GROWS, .merge = 0};
static int have_grows NC_HOT_DATA; /* a program that never asks for MAP_GROWSDOWN pays nothing for it */

/* Changes made where the lock cannot be waited for (a signal handler that
 * interrupted this thread inside the shim). A slot is claimed by moving tail,
 * filled, then marked with its sequence number; the holder of the lock applies
 * them before its own change. Every filled slot is applied, even past one that
 * is claimed but not yet filled (another thread's handler, filling it now): a
 * removal is queued before the kernel frees the range, and must reach the set
 * before another thread's record of memory mapped there afterwards, or it
 * would delete that record. Changes of different slots in flight at once
 * concern different ranges (one handler cannot know what another, still
 * unfinished, mapped), so their order does not matter; head then passes over
 * the slots applied in a row. */
enum { OP_ADD = 1, OP_REMOVE };
#define QUEUE 128
static struct {
	unsigned seq; /* index + 1 once filled */
	int op, done;
	uintptr_t start, end;
} queue[QUEUE];
static unsigned q_head NC_HOT_DATA, q_tail NC_HOT_DATA;

/* Signals blocked from the claim to the fill: a handler jumping out in
 * between (siglongjmp) would leave a slot claimed and never filled, and the
 * head could never pass it. Two system calls, in a handler that interrupted
 * the shim only. */
static void enqueue(int op, uintptr_t start, uintptr_t end)
{
	uint64_t old;
	nc_signals_block(&old);
	unsigned t;
	do {
		t = __atomic_load_n(&q_tail, __ATOMIC_RELAXED);
		if (t - __atomic_load_n(&q_head, __ATOMIC_ACQUIRE) >= QUEUE) {
			unfollowed(NC_OWN_REBUILD_QUEUE);
			nc_signals_restore(&old);
			return;
		}
	} while (!__atomic_compare_exchange_n(&q_tail, &t, t + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	queue[t % QUEUE].op = op;
	queue[t % QUEUE].done = 0;
	queue[t % QUEUE].start = start;
	queue[t % QUEUE].end = end;
	__atomic_store_n(&queue[t % QUEUE].seq, t + 1, __ATOMIC_RELEASE);
	nc_signals_restore(&old);
}

static void apply(int op, uintptr_t start, uintptr_t end)
{
	changing = 1;
	if (op == OP_ADD ? nc_rset_add(&set, start, end) < 0 : nc_rset_remove(&set, start, end, 0, 0) < 0)
		lost();
	changing = 0;
}

static int filled(unsigned h) { return __atomic_load_n(&queue[h % QUEUE].seq, __ATOMIC_ACQUIRE) == h + 1; }

/* Under the lock: what handlers queued first. */
static void drain(void)
{
	unsigned h = __atomic_load_n(&q_head, __ATOMIC_RELAXED), t = __atomic_load_n(&q_tail, __ATOMIC_ACQUIRE);
	for (unsigned i = h; i != t; i++) {
		if (!filled(i) || queue[i % QUEUE].done)
			continue;
		apply(queue[i % QUEUE].op, queue[i % QUEUE].start, queue[i % QUEUE].end);
		queue[i % QUEUE].done = 1;
	}
	while (h != t && filled(h) && queue[h % QUEUE].done)
		__atomic_store_n(&q_head, ++h, __ATOMIC_RELEASE);
}

/* Re-entered from a signal handler on this thread: the interrupted frame may
 * hold the lock, or wait for it in line; waiting here would never end. On the
 * forking thread between the fork handlers too: there the lock is not taken at
 * all (every lock is held for the fork), and the interrupted frame may be
 * half-way through a change of its own. */
static int nested(void) { return nc_depth > 1; }

NC_HOT static void take_lock(void)
{
	nc_mutex_lock(&lock);
	drain();
}

NC_HOT static void release(void) { nc_mutex_unlock(&lock); }

/* What this thread's call in progress (not a handler's nested one) changes
 * where the record may not follow if a jump cuts it short: [0] what it took
 * out of the set before the kernel call, [1] where it maps at a fixed place
 * before recording it. */
static __thread struct nc_range inflight[2] __attribute__((tls_model("initial-exec")));

void nc_own_inflight(int k, uintptr_t start, uintptr_t end)
{
	if (nested())
		return;
	inflight[k].start = start;
	inflight[k].end = end;
}

void nc_own_abandoned(void)
{
	if (nc_mutex_mine(&lock) && changing) { /* cut off half-way: the set cannot be trusted */
		nc_rset_clear(&set);
		changing = 0;
		unfollowed(NC_OWN_REBUILD_LONGJMP);
		inflight[0].start = inflight[0].end = inflight[1].start = inflight[1].end = 0; /* all rebuilt */
	}
	nc_mutex_abandoned(&lock);
}

int nc_own_cut(struct nc_range cut[2])
{
	int n = 0;
	for (int k = 0; k < 2; k++)
		if (inflight[k].start < inflight[k].end)
			cut[n++] = inflight[k];
	return n;
}

void nc_own_cut_done(void) { inflight[0].start = inflight[0].end = inflight[1].start = inflight[1].end = 0; }

NC_HOT void nc_own_add(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	if (nested()) {
		enqueue(OP_ADD, start, end);
		return;
	}
	take_lock();
	apply(OP_ADD, start, end);
	release();
}

NC_HOT void nc_own_remove(uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return;
	if (nested()) {
		enqueue(OP_REMOVE, start, end);
		return;
	}
	take_lock();
	apply(OP_REMOVE, start, end);
	release();
}

void nc_own_add_growsdown(uintptr_t start, uintptr_t end)
{
	if (nested())
		return; /* as its own range it is queued; the growth is not followed */
	take_lock();
	if (nc_rset_add(&grows, start, end) < 0)
		lost();
	__atomic_store_n(&have_grows, 1, __ATOMIC_RELAXED);
	release();
}

int nc_own_grown(uintptr_t vstart, uintptr_t vend)
{
	if (nested() || vstart >= vend || !__atomic_load_n(&have_grows, __ATOMIC_RELAXED))
		return 0;
	take_lock();
	/* Made with MAP_GROWSDOWN, ending where the mapping ends, inside it, and
	 * still own where it was made. */
	struct nc_range g;
	int yes = nc_rset_find(&grows, vend - 1, &g) && g.end == vend && g.start >= vstart &&
		  nc_rset_covers(&set, g.start, g.end);
	release();
	return yes;
}

NC_HOT int nc_own_covers(uintptr_t start, uintptr_t end)
{
	/* Only the checked path asks, which a re-entered call never takes (its
	 * call goes to the kernel as it is): no answer without the lock. */
	if (nested())
		return 0;
	unsigned before = __atomic_load_n(&damaged, __ATOMIC_ACQUIRE);
	int trusted = before == __atomic_load_n(&rebuilt, __ATOMIC_ACQUIRE);
	take_lock();
	int yes = nc_rset_covers(&set, start, end);
	release();
	if (yes || (trusted && __atomic_load_n(&damaged, __ATOMIC_ACQUIRE) == before))
		return yes;
	return -1;
}

NC_HOT void nc_own_take(uintptr_t start, uintptr_t end, struct nc_own_taken *t)
{
	t->start = start;
	t->end = end;
	t->n = 0;
	t->after = 0; /* here: whether the pieces could not all be kept */
	if (start >= end)
		return;
	if (nested()) { /* before the call all the same: see nc_own_settle */
		enqueue(OP_REMOVE, start, end);
		t->after = 1;
		return;
	}
	nc_own_inflight(0, start, end);
	take_lock();
	t->after = nc_rset_count_in(&set, start, end) > NC_OWN_TAKEN_MAX;
	changing = 1;
	long k = nc_rset_remove(&set, start, end, t->piece, NC_OWN_TAKEN_MAX);
	changing = 0;
	if (k < 0) /* no memory to split a range: removed after the call instead */
		t->after = 2;
	else
		t->n = (size_t)k < NC_OWN_TAKEN_MAX ? (size_t)k : NC_OWN_TAKEN_MAX;
	release();
}

/* The range is always out of the set before the call: once the kernel frees it,
 * another thread may map there and record it, and a removal after the call
 * would delete that record. If the call fails, what was taken goes back; where
 * it could not all be kept (more than NC_OWN_TAKEN_MAX pieces, or taken from a
 * signal handler that could not look), the set is incomplete, and says so. */
NC_HOT void nc_own_settle(struct nc_own_taken *t, int unmapped)
{
	nc_own_inflight(0, 0, 0);
	if (unmapped && t->start < t->end && __atomic_load_n(&have_grows, __ATOMIC_RELAXED) && !nested()) {
		take_lock();
		nc_rset_remove(&grows, t->start, t->end, 0, 0);
		release();
	}
	if (t->after == 2) { /* not taken (no memory): now, if it went */
		if (unmapped)
			nc_own_remove(t->start, t->end);
		return;
	}
	if (unmapped)
		return;
	if (t->after)
		unfollowed(NC_OWN_REBUILD_PIECES);
	/* The kernel refused (sealed, or the split would pass vm.max_map_count):
	 * nothing was unmapped, so nobody can have mapped there meanwhile. */
	if (nested()) {
		for (size_t i = 0; i < t->n; i++)
			enqueue(OP_ADD, t->piece[i].start, t->piece[i].end);
		return;
	}
	take_lock();
	for (size_t i = 0; i < t->n; i++)
		apply(OP_ADD, t->piece[i].start, t->piece[i].end);
	release();
}

int nc_own_before_fork(int nested_fork)
{
	if (nested_fork)
		return nc_mutex_trylock(&lock);
	nc_mutex_lock(&lock);
	return 1;
}

void nc_own_after_fork(int taken, int child)
{
	if (!child) {
		if (taken) {
			drain();
			release();
		}
		return;
	}
	lock.word = 0;
	/* Forked while another thread rebuilt the set: that thread is not here
	 * to finish, and the request it took is to be made again. */
	if (__atomic_load_n(&damaged, __ATOMIC_RELAXED) != __atomic_load_n(&rebuilt, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&rebuild_reason, __ATOMIC_RELAXED))
		rebuild_reason = NC_OWN_REBUILD_FORK_DURING;
	if (taken) {
		drain();
	} else { /* the interrupted frame may have been half-way through a change */
		nc_rset_clear(&set);
		unfollowed(NC_OWN_REBUILD_FORK);
	}
	/* Slots claimed by threads that the child does not have are never filled:
	 * their changes were not made here (a removal is queued before the kernel
	 * call; an addition only after it, by a thread that is gone). */
	__atomic_store_n(&q_head, __atomic_load_n(&q_tail, __ATOMIC_RELAXED), __ATOMIC_RELEASE);
}

size_t nc_own_count(void)
{
	take_lock();
	size_t n = nc_rset_count(&set);
	release();
	return n;
}

/* Attachments. shmat and shmdt are not async-signal-safe: no queue. */
static struct nc_rset attached = {.part = NC_ARENA_ATTACH, .merge = 0};
static nc_lock_t attach_lock;

void nc_attach_add(uintptr_t start, uintptr_t end)
{
	nc_lock(&attach_lock);
	if (nc_rset_add(&attached, start, end) < 0)
		lost(); /* shmdt will not know the size: the range stays own */
	nc_unlock(&attach_lock);
}

uintptr_t nc_attach_take(uintptr_t addr)
{
	nc_lock(&attach_lock);
	uintptr_t end = nc_rset_end_of(&attached, addr);
	if (end)
		nc_rset_remove(&attached, addr, end, 0, 0);
	nc_unlock(&attach_lock);
	return end;
}

void nc_attach_put_back(uintptr_t addr, uintptr_t end) { nc_attach_add(addr, end); }

int nc_attach_before_fork(int nested_fork)
{
	if (nested_fork)
		return nc_trylock(&attach_lock);
	nc_lock(&attach_lock);
	return 1;
}

void nc_attach_after_fork(int taken, int child)
{
	if (!child) {
		if (taken)
			nc_unlock(&attach_lock);
		return;
	}
	nc_lock_reset(&attach_lock);
	if (!taken)
		nc_rset_clear(&attached);
}
