/* own.h - the set of address ranges this process mapped through the shim.
 *
 * Every mapping made through an interposed door is added, and munmap, mremap and
 * shmdt take their ranges out when the kernel did unmap them, so "own" means:
 * created by the program itself and still there. Programs that use MAP_FIXED
 * (JVMs, V8, Go, qemu, wine) use it on memory they reserved themselves; this set
 * is how the shim tells that apart from libc's, ld.so's or another party's memory.
 *
 * Pure memory work under a short lock, no system call (but to grow its memory).
 * Callable from a signal handler that interrupted the shim on the same thread
 * (nc_depth > 1): the change is queued and applied by the next holder of the
 * lock (such a handler's own calls go to the kernel unchecked: it asks no
 * questions). */
#ifndef NC_OWN_H
#define NC_OWN_H

#include <stddef.h>
#include <stdint.h>

#include "rangeset.h"

void nc_own_add(uintptr_t start, uintptr_t end);
void nc_own_remove(uintptr_t start, uintptr_t end);
/* Is all of [start, end) own? 1 yes, 0 no, -1 not known: the set was damaged
 * and is not yet rebuilt (nc_own_rebuild_wanted), so a mapping made meanwhile
 * may be missing: judge by kind instead (nc_own_by_kind, policy.h). */
int nc_own_covers(uintptr_t start, uintptr_t end);

/* A MAP_GROWSDOWN mapping grows down as the program touches the page below
 * it: the pages it grew into are as much the program's own. Recorded apart,
 * with the bounds it was made with. */
void nc_own_add_growsdown(uintptr_t start, uintptr_t end);
/* Is the mapping [vstart, vend) one of those, grown (its top still own)? */
int nc_own_grown(uintptr_t vstart, uintptr_t vend);

/* Unmapping is two steps, so that the set changes only on what the kernel did:
 * taken out before the call (once the kernel frees the range another thread may
 * map there and record it, and that record must not be the one we delete), and
 * put back exactly as it was if the call fails. */
#define NC_OWN_TAKEN_MAX 16
struct nc_own_taken {
	uintptr_t start, end;
	int after;  /* 1: not every piece kept (too many, or taken from a handler); 2: not taken (no memory) */
	size_t n;
	struct nc_range piece[NC_OWN_TAKEN_MAX];
};
void nc_own_take(uintptr_t start, uintptr_t end, struct nc_own_taken *t);
void nc_own_settle(struct nc_own_taken *t, int unmapped);

/* Records could not be kept (no memory): a refused replacement may then be of
 * the program's own memory, and the log says so. */
int nc_own_incomplete(void);

/* Changes the set could not follow although there was memory for them: the
 * set is then rebuilt from what is mapped (nc_own_rebuild), all of it with
 * signals blocked (a jump out of it would leave the request taken and the
 * set never trusted again): nc_own_rebuild_begin says why (0: another thread
 * took the request) and from which damage on, nc_own_rebuilt(from) that the
 * set's answers are trusted again. */
enum {
	NC_OWN_REBUILD_LONGJMP = 1, /* a siglongjmp cut short a change (nc_own_abandoned) */
	NC_OWN_REBUILD_QUEUE,       /* signal handlers queued more changes than fit */
	NC_OWN_REBUILD_PIECES,      /* a failed unmap's range had too many pieces to put back */
	NC_OWN_REBUILD_FORK,        /* forked from a handler that interrupted a change */
	NC_OWN_REBUILD_FORK_DURING, /* forked while another thread rebuilt the set */
};
int nc_own_rebuild_wanted(void);
int nc_own_rebuild_begin(unsigned *from);
void nc_own_rebuilt(unsigned from);

/* A call that maps at a fixed place says where (k = 1) before its kernel call,
 * and (0, 0) once it has recorded what it did; nc_own_take and nc_own_settle
 * do the same for what they take out (k = 0). Not from a nested call. */
void nc_own_inflight(int k, uintptr_t start, uintptr_t end);

/* This thread left shim code without returning (siglongjmp out of a signal
 * handler that interrupted it): release what it held. If it was changing the
 * set, the set is emptied and rebuilt whole (nc_own_rebuild_wanted). */
void nc_own_abandoned(void);
/* The ranges of the call it left in progress, into cut (the kernel may have
 * mapped there what was never recorded, or kept what was taken out), kept
 * until nc_own_cut_done: a jump while they are looked at again
 * (nc_own_recover_cut) leaves them to the next recovery. */
int nc_own_cut(struct nc_range cut[2]);
void nc_own_cut_done(void);

/* Fork: before_fork returns whether the set was taken (it is not waited for from
 * a handler that interrupted the shim); the child of a fork that could not take
 * it cannot trust its copy, and starts empty (and says so). */
int nc_own_before_fork(int nested);
void nc_own_after_fork(int taken, int child);

/* Number of intervals (tests and the benchmark look at it). */
size_t nc_own_count(void);

/* SysV attachments, to know how much shmdt unmaps: the same two steps. */
void nc_attach_add(uintptr_t start, uintptr_t end);
/* The attachment at addr, taken out: its end, or 0 if none is known. */
uintptr_t nc_attach_take(uintptr_t addr);
void nc_attach_put_back(uintptr_t addr, uintptr_t end);
int nc_attach_before_fork(int nested);
void nc_attach_after_fork(int taken, int child);

#endif
