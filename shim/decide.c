/* decide.c - the doors of decide.h.
 *
 * Is the range free? The kernel says so atomically: mmap is reissued with
 * MAP_FIXED_NOREPLACE (Linux 4.17+), which fails with EEXIST exactly when
 * MAP_FIXED would have replaced something; for mremap and shmat, which have no
 * such flag, a NOREPLACE placeholder takes the range first and the call then
 * replaces only that. One system call when nothing is in the way (for mmap). A
 * kernel that predates the flag treats the address as a hint; that shows as a
 * result elsewhere, and from then on the region table decides (racy: another
 * thread can map between the read and the call). */
#include "decide.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "fmt.h"
#include "options.h"
#include "own.h"
#include "policy.h"
#include "regions.h"
#include "stack.h"
#include "sys.h"
#include "vmas.h"

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif

static int noreplace_ignored NC_HOT_DATA;

NC_HOT static int use_table(void)
{
	return NC_OPT(check) == NC_CHECK_TABLE || __atomic_load_n(&noreplace_ignored, __ATOMIC_RELAXED);
}

static int page_aligned(uintptr_t v) { return (v & (nc_page_size - 1)) == 0; }


/* Overlap by the table: 1 overlap, 0 none, -1 the table cannot be read (no
 * /proc, no free descriptor, an empty file): then the kernel must decide. */
struct range_q {
	uintptr_t addr, end;
	int table;
};

static long table_overlap_here(void *arg)
{
	const struct range_q *q = arg;
	struct nc_vmas s;
	struct nc_vma v;
	int overlap = -1;
	if (nc_vmas_begin(&s, 1) == 0 && nc_vmas_count(&s)) {
		int r = nc_vmas_find(&s, q->addr, 1, &v);
		overlap = r == 1 ? v.start < q->end : r == 0 ? 0 : -1;
	}
	nc_vmas_end(&s);
	return overlap;
}

/* Lookups run on the shim's stack (stack.h): a mapping's record is big. */
static int table_overlap(uintptr_t addr, uintptr_t end)
{
	struct range_q q = {addr, end, 1};
	return (int)nc_on_shim_stack(table_overlap_here, &q);
}

/* Below vm.mmap_min_addr the kernel refuses a mapping (EPERM) unless the caller
 * may map there (root may, down to the null page), and a placeholder would map
 * pages the program never asked for. Low targets (below 1 MiB, above any
 * mmap_min_addr in use) are decided by looking instead, and the call then goes
 * to the kernel as it was, which gives its own answer (not atomic: programs
 * that place memory there are DOS and 16-bit emulators). */
#define NC_LOW_CEILING (1UL << 20)
static int low_target(uintptr_t addr) { return addr < NC_LOW_CEILING; }

/* Is anything mapped in [addr, end)? 1 yes, 0 no, -errno unknown. */
static long occupied_here(void *arg)
{
	const struct range_q *q = arg;
	struct nc_vmas s;
	struct nc_vma v;
	nc_vmas_begin(&s, q->table);
	int r = nc_vmas_find(&s, q->addr, 1, &v);
	nc_vmas_end(&s);
	return r == 1 ? v.start < q->end : r;
}

static int occupied(uintptr_t addr, uintptr_t end)
{
	struct range_q q = {addr, end, use_table()};
	return (int)nc_on_shim_stack(occupied_here, &q);
}

/* Take [addr, end) with a NOREPLACE mapping of our own. Returns 1 if taken (the
 * range was free), 0 if something is there, -errno if the kernel refused for
 * another reason. A kernel without the flag is detected and remembered. */
NC_HOT static int take_placeholder(uintptr_t addr, uintptr_t end, nc_mmap_fn next, const struct nc_call *c)
{
	long r;
	/* The call at 0 goes to the kernel directly: musl's mmap turns EPERM at
	 * address 0 into ENOMEM for a call without MAP_FIXED, which this one is,
	 * and the program, whose call has MAP_FIXED, would get EPERM. */
	if (c && addr)
		r = next((void *)addr, c->len, c->prot, (c->flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE, c->fd,
			 c->offset);
	else if (c)
		r = nc_sys_mmap((void *)addr, c->len, c->prot, (c->flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE, c->fd,
				c->offset);
	else
		r = nc_sys_mmap((void *)addr, end - addr, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (r == (long)addr) {
		/* Ours until recorded (see nc_own_cut). Only now: set before
		 * the call, a jump at its return (where a pending signal lands)
		 * would leave the range of a refused call, another's memory, to be
		 * counted as ours. A jump there after a success leaves this mapping
		 * unrecorded instead (README, Limits). */
		nc_own_inflight(1, addr, end);
		return 1;
	}
	if (r == -EEXIST)
		return 0;
	if (nc_sys_failed(r))
		return (int)r;
	nc_sys_munmap((void *)r, end - addr); /* placed elsewhere: pre-4.17 kernel */
	__atomic_store_n(&noreplace_ignored, 1, __ATOMIC_RELAXED);
	return -EAGAIN;
}

/* Free (1), occupied (0) or -errno; on the kernel path a free range is now held
 * by a placeholder (or, for mmap, by the call itself: c != NULL). */
NC_HOT static int probe(uintptr_t addr, uintptr_t end, nc_mmap_fn next, const struct nc_call *c, int *tabled)
{
	*tabled = use_table();
	if (!*tabled) {
		int r = take_placeholder(addr, end, next, c);
		if (r != -EAGAIN)
			return r;
		*tabled = 1;
	}
	/* Past the top of user space the kernel refuses the call itself (ENOMEM)
	 * before it unmaps anything: let it say so. */
	if (end > NC_USER_TOP)
		return 1;
	int overlap = table_overlap(addr, end);
	if (overlap >= 0)
		return !overlap;
	/* No table: ask the kernel after all (it needs no /proc). */
	*tabled = 0;
	int r = take_placeholder(addr, end, next, c);
	return r == -EAGAIN ? 0 : r; /* a kernel that ignores NOREPLACE and no table: refuse */
}

/* For mremap and shmat, which no kernel flag makes refuse: take the target
 * [c->addr, end) with a placeholder the call will then replace, or, if it is
 * taken, decide by the policy. 0: go on (*placeholder says whether one is
 * there to drop if the call fails); -EEXIST: refused. A target the placeholder
 * cannot take for another reason (below vm.mmap_min_addr, past the top) is
 * looked at instead, and the call goes on so that the kernel gives its own
 * answer. */
static int guard_target(const struct nc_call *c, uintptr_t end, int *placeholder)
{
	*placeholder = 0;
	if (nc_own_shortcut(c, end))
		return 0;
	int tabled = 1, free;
	if (low_target(c->addr) || end > NC_USER_TOP) {
		int o = occupied(c->addr, end);
		free = o < 0 ? 1 : !o; /* unknown: the kernel's own checks decide */
	} else {
		free = probe(c->addr, end, 0, 0, &tabled);
		if (free < 0) {
			int o = occupied(c->addr, end);
			free = o <= 0;
			tabled = 1;
		}
	}
	*placeholder = free && !tabled;
	if (!free && !nc_overlap_verdict(c, tabled))
		return -EEXIST;
	return 0;
}

/* Under noclobber --supervise (NOCLOBBER_SUPERVISED): a replacement the shim
 * has decided on is made by the shim's own system-call instruction, which the
 * supervisor recognises (shim/supervisor/supervise.c): it lets it through
 * without judging and logging it again. Calls the shim does not decide (mode=off,
 * re-entered from a signal handler) go through libc, and the supervisor judges them. */
int nc_supervised;

/* The replacements the policy allowed. Until what they map is recorded (the
 * door then clears it), their range is the call's in flight: a jump that cuts
 * the call short has it looked at again (nc_own_cut). Set only here,
 * where the kernel is asked to map: a refused call's range is another's. */
static long vetted_mmap(const struct nc_call *c, nc_mmap_fn next)
{
	long r;
	nc_own_inflight(1, c->addr, nc_range_end(c->addr, c->len));
	if (__atomic_load_n(&nc_supervised, __ATOMIC_RELAXED) && !(c->offset & 4095))
		r = nc_sys_mmap((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
	else
		r = next((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
	if (nc_sys_failed(r))
		nc_own_inflight(1, 0, 0);
	return r;
}

static long vetted_mremap(const struct nc_call *c, nc_mremap_fn next)
{
	long r;
	if (c->flags & 2 /* MREMAP_FIXED */)
		nc_own_inflight(1, c->addr, nc_range_end(c->addr, c->len));
	if (__atomic_load_n(&nc_supervised, __ATOMIC_RELAXED))
		r = nc_syscall6(SYS_mremap, (long)c->old_addr, (long)c->old_len, (long)c->len, c->flags,
				(long)c->addr, 0);
	else
		r = next((void *)c->old_addr, c->old_len, c->len, c->flags, (void *)c->addr);
	if (nc_sys_failed(r))
		nc_own_inflight(1, 0, 0);
	return r;
}

static long vetted_shmat(const struct nc_call *c, nc_shmat_fn next)
{
#ifdef SYS_shmat
	if (__atomic_load_n(&nc_supervised, __ATOMIC_RELAXED))
		return nc_sys(SYS_shmat, c->shmid, c->addr, c->flags);
#endif
	return next(c->shmid, (void *)c->addr, c->flags);
}

NC_HOT long nc_do_mmap(struct nc_call *c, nc_mmap_fn next)
{
	long r;
	uintptr_t end = nc_range_end(c->addr, c->len);
	int fixed = (c->flags & MAP_FIXED) && !(c->flags & MAP_FIXED_NOREPLACE);
	if (!fixed || NC_OPT(mode) == NC_MODE_OFF) {
		r = next((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
	} else if (nc_own_shortcut(c, end)) {
		return vetted_mmap(c, next);
	} else {
		/* The kernel's own argument errors come first, as without the shim. */
		if (!page_aligned(c->addr) || c->len == 0)
			return next((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
		/* MAP_SHARED_VALIDATE refuses flags it does not know, NOREPLACE among
		 * them: probe with a placeholder, then map over it. */
		int validate = (c->flags & MAP_TYPE) == MAP_SHARED_VALIDATE;
		int tabled = 1, free;
		if (validate && low_target(c->addr)) {
			free = occupied(c->addr, end) <= 0;
		} else {
			free = probe(c->addr, end, next, validate ? 0 : c, &tabled);
			if (free < 0)
				return free;
		}
		if (free && !tabled && !validate)
			r = (long)c->addr; /* the NOREPLACE call was the call */
		else if (free || nc_overlap_verdict(c, tabled)) {
			r = vetted_mmap(c, next);
			if (nc_sys_failed(r) && free && !tabled) /* drop the placeholder */
				nc_sys_munmap((void *)c->addr, end - c->addr);
		} else {
			return -EEXIST;
		}
	}
	if (!nc_sys_failed(r))
		nc_note_mapping((uintptr_t)r, c->len, c->flags);
	return r;
}

/* On the shim's stack, signals blocked: see nc_own_rebuild_begin. */
static long rebuild_here(void *unused)
{
	(void)unused;
	unsigned from;
	int why = nc_own_rebuild_begin(&from);
	if (!why)
		return 0; /* another thread took it */
	struct nc_vmas s;
	struct nc_vma v;
	nc_vmas_begin(&s, use_table());
	for (uintptr_t at = 0; nc_vmas_find(&s, at, 1, &v) == 1 && v.end > at; at = v.end)
		if (nc_own_by_kind(&v))
			nc_own_add(v.start, v.end);
	nc_vmas_end(&s);
	nc_own_rebuilt(from);
	static const char *const cause[] = {
		[NC_OWN_REBUILD_LONGJMP] = "a siglongjmp out of a signal handler cut short a change to",
		[NC_OWN_REBUILD_QUEUE] = "signal handlers made more changes than could wait for",
		[NC_OWN_REBUILD_PIECES] = "an unmap the kernel refused had too many pieces to put back into",
		[NC_OWN_REBUILD_FORK] = "this child was forked from a signal handler that interrupted a change to",
		[NC_OWN_REBUILD_FORK_DURING] = "this child was forked while another thread was rebuilding",
	};
	static int said[sizeof(cause) / sizeof(cause[0])];
	if (why > 0 && why < (int)(sizeof(cause) / sizeof(cause[0])) && !__atomic_exchange_n(&said[why], 1, __ATOMIC_RELAXED)) {
		char msg[256];
		struct nc_buf b = NC_BUF_INIT(msg);
		nc_buf_str(&b, cause[why]);
		nc_buf_str(&b, " the shim's record of this process's own mappings: every private anonymous "
			       "mapping now counts as its own");
		msg[b.len < sizeof(msg) ? b.len : sizeof(msg) - 1] = 0;
		nc_report_notice(msg);
	}
	return 0;
}

void nc_own_rebuild(void) { nc_on_shim_stack(rebuild_here, 0); }

struct cut {
	const struct nc_range *r;
	int n;
};

/* The ranges of a call a jump cut short, looked at again: what is private
 * anonymous there now counts as own (what the call mapped, or took out and
 * never unmapped); the rest of the record stands. */
static long rebuild_ranges_here(void *arg)
{
	const struct cut *c = arg;
	struct nc_vmas s;
	struct nc_vma v;
	nc_vmas_begin(&s, use_table());
	for (int i = 0; i < c->n; i++)
		for (uintptr_t at = c->r[i].start;
		     at < c->r[i].end && nc_vmas_find(&s, at, 1, &v) == 1 && v.start < c->r[i].end && v.end > at; at = v.end)
			if (nc_own_by_kind(&v))
				nc_own_add(v.start > c->r[i].start ? v.start : c->r[i].start,
					   v.end < c->r[i].end ? v.end : c->r[i].end);
	nc_vmas_end(&s);
	static int said;
	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		nc_report_notice("a siglongjmp out of a signal handler cut short a call that maps or unmaps: "
				 "what is private and anonymous in its range now counts as this process's own");
	return 0;
}

void nc_own_recover_cut(void)
{
	struct nc_range r[2];
	struct cut c = {r, nc_own_cut(r)};
	if (c.n > 0)
		nc_on_shim_stack(rebuild_ranges_here, &c);
	nc_own_cut_done();
}

NC_HOT void nc_note_mapping(uintptr_t r, size_t len, int flags)
{
	uintptr_t end = nc_own_extent(r, len, flags);
	nc_own_add(r, end);
	if (flags & MAP_GROWSDOWN)
		nc_own_add_growsdown(r, end);
}

NC_HOT void nc_unmap_begin(void *addr, size_t len, struct nc_own_taken *t)
{
	uintptr_t a = (uintptr_t)addr, end = nc_range_end(a, len);
	if (page_aligned(a) && len && end <= NC_USER_TOP)
		nc_own_take(a, end, t);
	else
		nc_own_take(0, 0, t); /* the kernel refuses it (EINVAL): nothing to change */
}

NC_HOT long nc_do_munmap(void *addr, size_t len, nc_munmap_fn next)
{
	struct nc_own_taken t;
	nc_unmap_begin(addr, len, &t);
	long r = next(addr, len);
	nc_own_settle(&t, !nc_sys_failed(r));
	return r;
}

static long shared_here(void *arg)
{
	const struct range_q *q = arg;
	struct nc_vmas s;
	struct nc_vma v;
	nc_vmas_begin(&s, q->table);
	int shared = nc_vmas_find(&s, q->addr, 0, &v) == 1 && (v.perms & NC_PERM_S);
	nc_vmas_end(&s);
	return shared;
}

/* The kernel's EINVAL cases for mremap, checked before the move; such a call is
 * passed through untouched so that its errno is the kernel's. */
static int mremap_valid(const struct nc_call *c)
{
	int f = c->flags;
	if (f & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return 0;
	if ((f & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(f & MREMAP_MAYMOVE))
		return 0;
	if ((f & MREMAP_DONTUNMAP) && c->old_len != c->len)
		return 0;
	if (!page_aligned(c->old_addr) || !page_aligned(c->addr) || c->len == 0)
		return 0;
	uintptr_t old_end = nc_range_end(c->old_addr, c->old_len), end = nc_range_end(c->addr, c->len);
	if (end > NC_USER_TOP || old_end > NC_USER_TOP)
		return 0;
	if (c->old_addr < end && c->addr < old_end) /* old and new may not overlap */
		return 0;
	if (c->old_len == 0) { /* a duplicate: only of a shared mapping */
		struct range_q q = {c->old_addr, 0, use_table()};
		return (int)nc_on_shim_stack(shared_here, &q);
	}
	return 1;
}

long nc_do_mremap(struct nc_call *c, nc_mremap_fn next)
{
	int fixed = (c->flags & MREMAP_FIXED) && NC_OPT(mode) != NC_MODE_OFF && mremap_valid(c);
	uintptr_t end = nc_range_end(c->addr, c->len);
	int placeholder = 0;
	if (fixed) {
		int g = guard_target(c, end, &placeholder);
		if (g < 0)
			return g; /* refused: the source mapping stays where and as it was */
	}
	/* The old range leaves the set before the call and comes back, as it was,
	 * if the call fails (see nc_own_take). A zero old_len duplicates a shared
	 * mapping; MREMAP_DONTUNMAP leaves the old range mapped. */
	uintptr_t old_end = nc_range_end(c->old_addr, c->old_len);
	int moves_old = c->old_len && !(c->flags & MREMAP_DONTUNMAP) && old_end <= NC_USER_TOP &&
			page_aligned(c->old_addr);
	struct nc_own_taken t;
	nc_own_take(moves_old ? c->old_addr : 0, moves_old ? old_end : 0, &t);
	long r = fixed ? vetted_mremap(c, next) : next((void *)c->old_addr, c->old_len, c->len, c->flags, (void *)c->addr);
	nc_own_settle(&t, !nc_sys_failed(r));
	if (nc_sys_failed(r)) {
		if (placeholder)
			nc_sys_munmap((void *)c->addr, end - c->addr);
		return r;
	}
	nc_own_add((uintptr_t)r, nc_range_end((uintptr_t)r, c->len));
	return r;
}

long nc_do_shmat(struct nc_call *c, nc_shmat_fn next)
{
	/* shmat does not say how much it maps: ask for the segment's size (shmat is
	 * rare; this is the one door that pays a system call for bookkeeping). */
	struct shmid_ds ds;
	if (nc_sys(SYS_shmctl, c->shmid, IPC_STAT | NC_IPC_64, &ds) < 0)
		return next(c->shmid, (void *)c->addr, c->flags); /* let the kernel say why */
	c->len = ds.shm_segsz;
	if (c->flags & SHM_RND)
		c->addr &= ~(uintptr_t)(SHMLBA - 1);
	/* An address that rounds to 0 with SHM_REMAP is the kernel's EINVAL
	 * (CVE-2017-5669): it never reaches a placeholder. */
	int fixed = (c->flags & SHM_REMAP) && c->addr && NC_OPT(mode) != NC_MODE_OFF;
	uintptr_t end = nc_range_end(c->addr, c->len);
	int placeholder = 0;
	if (fixed && page_aligned(c->addr) && c->len && end != UINTPTR_MAX) {
		int g = guard_target(c, end, &placeholder);
		if (g < 0)
			return g; /* refused: nothing attached */
	}
	long r = fixed ? vetted_shmat(c, next) : next(c->shmid, (void *)c->addr, c->flags);
	if (nc_sys_failed(r)) {
		if (placeholder)
			nc_sys_munmap((void *)c->addr, end - c->addr);
		return r;
	}
	uintptr_t rend = nc_range_end((uintptr_t)r, c->len);
	nc_own_add((uintptr_t)r, rend);
	nc_attach_add((uintptr_t)r, rend);
	return r;
}

long nc_do_shmdt(const void *addr, nc_shmdt_fn next)
{
	uintptr_t a = (uintptr_t)addr, end = nc_attach_take(a);
	struct nc_own_taken t;
	nc_own_take(a, end, &t);
	long r = next(addr);
	nc_own_settle(&t, !nc_sys_failed(r));
	if (nc_sys_failed(r) && end)
		nc_attach_put_back(a, end);
	return r;
}
