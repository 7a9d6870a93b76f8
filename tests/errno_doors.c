/* errno_doors.c - bad arguments to munmap, mremap, shmat and shmdt, one result
 * line each, for tests/cases/90-hardening.sh to compare between a run without
 * the shim (the kernel's answers) and runs with it. errno_compare does the same
 * for mmap; this program covers the other doors.
 *
 *   errno_doors [--syscall] [CASE...]
 *
 * --syscall makes every call through syscall(SYS_...) instead of the libc
 * function (syscall() is a door of the shim too). CASE...: only those cases;
 * ERRNO_DOORS_SKIP (environment): cases not to run.
 *
 * Every case gets fresh mappings (between guard pages, so nothing merges):
 * one case's damage never shows in another's line. Output, one line per call,
 * addresses never printed:
 *   NAME ok errno=kept [same=yes|no] [victim=...]   (same=: at the address asked for)
 *   NAME fail errno=NAME [victim=intact|changed|gone]
 *     victim: the mapping the call named (the source of a move, the range of
 *     an munmap, the mapping a move or attach was aimed at)
 *   NAME/then-fixed-over-own ...   after a failed call, a MAP_FIXED over the
 *     program's own mapping it named: the shim must still know it as its own
 *   NAME/then-target-free free=yes|no   the free range a failed move or attach
 *     was aimed at is free again (no placeholder of the shim's left there)
 * Every call either fails in the kernel (so without the shim it destroys
 * nothing) or replaces nothing; the shim must give the same answer.
 * Output uses raw writes only. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/uio.h>
#include <unistd.h>

#include "testlib.h"

/* A length more than user space holds: 2^n bytes where that is (x86_64's top
 * is 2^47), else past the top by that much. Anything less would be a real
 * range: 2^47 bytes are half of aarch64's user space, 2^31 half of i386's. */
static size_t huge_len(int n)
{
	if (sizeof(size_t) == 4)
		return (size_t)0xffff0000u;
	uint64_t l = (uint64_t)1 << n;
	return (size_t)(l > NC_USER_TOP ? l : NC_USER_TOP + l);
}
#define HUGE_LEN(n) huge_len(n)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif


static size_t pg;
static char **only;
static int via_syscall;

static int wanted(const char *name)
{
	/* ERRNO_DOORS_SKIP: a space-separated list of cases not to run (ones the
	 * emulator under the suite cannot survive even without the shim). */
	const char *skip = getenv("ERRNO_DOORS_SKIP");
	size_t n = strlen(name);
	for (const char *p = skip ? strstr(skip, name) : 0; p; p = strstr(p + 1, name))
		if ((p == skip || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 0;
	if (!only)
		return 1;
	for (char **o = only; *o; o++)
		if (!strcmp(*o, name))
			return 1;
	return 0;
}

/* The doors, through libc or syscall(). */
static void *d_mremap(uintptr_t old, size_t ol, size_t nl, int flags, uintptr_t na)
{
	if (via_syscall)
		return (void *)syscall(SYS_mremap, old, ol, nl, flags, na);
	return mremap((void *)old, ol, nl, flags, (void *)na);
}

static int d_munmap(uintptr_t a, size_t l)
{
	return via_syscall ? (int)syscall(SYS_munmap, a, l) : munmap((void *)a, l);
}

static void *d_shmat(int id, uintptr_t a, int flags)
{
	return via_syscall ? (void *)syscall(SYS_shmat, id, a, flags) : shmat(id, (void *)a, flags);
}

static int d_shmdt(uintptr_t a) { return via_syscall ? (int)syscall(SYS_shmdt, a) : shmdt((void *)a); }

static void *raw_map(uintptr_t at, size_t len, int flags)
{
	long r = nc_sys_mmap((void *)(long)at, (long)len, PROT_READ | PROT_WRITE,
			     flags | MAP_ANONYMOUS | (at ? MAP_FIXED_NOREPLACE : 0), -1, 0);
	if (nc_sys_failed(r)) {
		t_write(2, "errno_doors: raw mmap failed\n");
		t_exit(2);
	}
	return (void *)r;
}

/* A free range of n pages: reserve, give back (raw, so the shim's books do not see it). */
static uintptr_t free_range(size_t n)
{
	long r = nc_sys_mmap((void *)0, (long)(n * pg), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nc_sys_failed(r)) {
		t_write(2, "errno_doors: cannot reserve\n");
		t_exit(2);
	}
	nc_syscall6(SYS_munmap, r, (long)(n * pg), 0, 0, 0, 0);
	return (uintptr_t)r;
}

/* The victim of a case: 2 pages filled with a pattern. */
struct victim {
	uintptr_t at;
	size_t len;
	unsigned char fill;
};

static const char *victim_state(const struct victim *v)
{
	static unsigned char buf[2 * 4096];
	size_t n = v->len < sizeof(buf) ? v->len : sizeof(buf);
	struct iovec local = {buf, n}, remote = {(void *)v->at, n};
	long r = nc_syscall6(SYS_process_vm_readv, getpid(), (long)&local, 1, (long)&remote, 1, 0);
	if (r != (long)n)
		return "gone";
	for (size_t i = 0; i < n; i++)
		if (buf[i] != v->fill)
			return "changed";
	return "intact";
}

static void line(const char *name, int failed, int err, int has_addr, int same, const struct victim *v)
{
	t_write(1, name);
	t_write(1, failed ? " fail errno=" : " ok errno=");
	t_write(1, t_errname(err));
	if (!failed && has_addr)
		t_write(1, same ? " same=yes" : " same=no");
	if (v) {
		t_write(1, " victim=");
		t_write(1, victim_state(v));
	}
	t_write(1, "\n");
}

static void c_munmap(const char *name, uintptr_t a, size_t l, const struct victim *v)
{
	if (!wanted(name))
		return;
	errno = SENTINEL_ERRNO;
	int r = d_munmap(a, l);
	line(name, r != 0, errno, 0, 0, v);
}

/* want: the address a success must land on (0: any). */
static void c_mremap(const char *name, uintptr_t old, size_t ol, size_t nl, int flags, uintptr_t na,
		     uintptr_t want, const struct victim *v)
{
	if (!wanted(name))
		return;
	errno = SENTINEL_ERRNO;
	void *r = d_mremap(old, ol, nl, flags, na);
	int err = errno;
	line(name, r == MAP_FAILED, err, want != 0, (uintptr_t)r == want, v);
	if (r != MAP_FAILED) /* leave the space as it was */
		nc_syscall6(SYS_munmap, (long)r, (long)nl, 0, 0, 0, 0);
}

static void c_shmat(const char *name, int id, uintptr_t a, int flags, uintptr_t want, const struct victim *v)
{
	if (!wanted(name))
		return;
	errno = SENTINEL_ERRNO;
	void *r = d_shmat(id, a, flags);
	int err = errno;
	line(name, r == (void *)-1, err, want != 0, (uintptr_t)r == want, v);
	if (r != (void *)-1)
		shmdt(r);
}

static void c_shmdt(const char *name, uintptr_t a)
{
	if (!wanted(name))
		return;
	errno = SENTINEL_ERRNO;
	int r = d_shmdt(a);
	line(name, r != 0, errno, 0, 0, 0);
}

/* MAP_FIXED over [a, a+l): the result a program expects for its own memory.
 * This and c_free are follow-ups: printed whenever the case they follow is. */
static void c_fixed(const char *name, uintptr_t a, size_t l)
{
	errno = SENTINEL_ERRNO;
	void *r = mmap((void *)a, l, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	line(name, r == MAP_FAILED, errno, 1, (uintptr_t)r == a, 0);
}

/* Is [a, a+l) free? (a NOREPLACE map there works) */
static void c_free(const char *name, uintptr_t a, size_t l)
{
	long r = nc_sys_mmap((void *)(long)a, (long)l, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	t_write(1, name);
	t_write(1, r == (long)a ? " free=yes\n" : " free=no\n");
	if (!nc_sys_failed(r))
		nc_syscall6(SYS_munmap, r, (long)l, 0, 0, 0, 0);
}

/* A mapping of n pages between two raw PROT_NONE guard pages, so that it never
 * merges with a neighbour. own: made through mmap (the shim's books record it)
 * or behind the shim's back (a raw system call). Filled with fill. With
 * hole_after the upper guard is left out: the page above is unmapped. */
static struct victim guarded(size_t n, int own, unsigned char fill, int hole_after)
{
	uintptr_t at = free_range(n + 2);
	raw_map(at, pg, MAP_PRIVATE);
	nc_syscall6(SYS_mprotect, (long)at, (long)pg, PROT_NONE, 0, 0, 0);
	if (!hole_after) {
		raw_map(at + (n + 1) * pg, pg, MAP_PRIVATE);
		nc_syscall6(SYS_mprotect, (long)(at + (n + 1) * pg), (long)pg, PROT_NONE, 0, 0, 0);
	}
	at += pg;
	if (own) {
		void *p = mmap((void *)at, n * pg, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (void *)at) {
			t_write(2, "errno_doors: cannot map\n");
			t_exit(2);
		}
	} else {
		raw_map(at, n * pg, MAP_PRIVATE);
	}
	memset((void *)at, fill, n * pg);
	struct victim v = {at, n * pg, fill};
	return v;
}

/* A page nothing is mapped at, between two guards (so no later free_range
 * lands on it, and no target range found free overlaps it). */
static uintptr_t unmapped_page(void)
{
	struct victim v = guarded(1, 0, 0, 0);
	nc_syscall6(SYS_munmap, (long)v.at, (long)pg, 0, 0, 0, 0);
	return v.at;
}

static char label[128];
static const char *then(const char *name, const char *what)
{
	size_t n = 0;
	for (; *name && n < sizeof(label) - 40; name++)
		label[n++] = *name;
	for (; *what && n < sizeof(label) - 1; what++)
		label[n++] = *what;
	label[n] = 0;
	return label;
}

/* After a failed call that named M, M must still be the program's own:
 * MAP_FIXED over it works (it would be refused if the shim forgot it). */
static void still_own(const char *name, const struct victim *m)
{
	if (wanted(name))
		c_fixed(then(name, "/then-fixed-over-own"), m->at, m->len);
}

static void munmap_case(const char *name, long off, size_t len)
{
	struct victim M = guarded(2, 1, 0x5a, 0);
	c_munmap(name, M.at + off, len, &M);
	still_own(name, &M);
}

/* Where a move goes. */
enum target { T_NONE, T_FREE, T_FREE_PLUS_1, T_USER_TOP_PAGE, T_TOP_PAGE, T_MINUS_1, T_SOURCE_PAGE_2 };
/* new_len of WRAP: up to address 0 exactly; WRAP_PAST: two pages past it. */
#define LEN_WRAP ((size_t)-1)
#define LEN_WRAP_PAST ((size_t)-2)

/* A move of S (own, 2 pages, guarded) to a target range found just now. */
static void move_case(const char *name, long off, size_t ol, size_t nl, int flags, enum target t)
{
	if (!wanted(name))
		return;
	struct victim S = guarded(2, 1, 0x77, 0);
	uintptr_t na = 0;
	switch (t) {
	case T_NONE: break;
	case T_FREE: na = free_range(4); break;
	case T_FREE_PLUS_1: na = free_range(4) + 1; break;
	case T_USER_TOP_PAGE: na = NC_USER_TOP; break;
	case T_TOP_PAGE: na = (uintptr_t)0 - 4096; break;
	case T_MINUS_1: na = (uintptr_t)-1; break;
	case T_SOURCE_PAGE_2: na = S.at + pg; break; /* overlaps the source */
	}
	if (nl == LEN_WRAP)
		nl = (size_t)0 - na;
	else if (nl == LEN_WRAP_PAST)
		nl = (size_t)0 - na + 2 * pg;
	c_mremap(name, S.at + off, ol, nl, flags, na, na, &S);
	still_own(name, &S);
	if (t == T_FREE) /* the shim may have held it with a placeholder while probing */
		c_free(then(name, "/then-target-free"), na, 4 * pg);
}

/* A move onto a victim V (foreign, or own) that the kernel refuses. src:
 * 0 = S, own, 2 pages; 1 = an unmapped page. (A source range across a hole
 * is no error on Linux 6.17+, which moves several mappings at once.) */
static void move_onto_case(const char *name, int onto_own, long off, size_t ol, size_t nl, int flags,
			   long voff, int src)
{
	if (!wanted(name))
		return;
	struct victim V = guarded(2, onto_own, 0x66, 0);
	struct victim S = guarded(2, 1, 0x77, 0);
	uintptr_t old = src == 1 ? unmapped_page() : S.at + off;
	c_mremap(name, old, ol, nl, flags, V.at + voff, V.at + voff, &V);
	if (src != 1)
		still_own(name, &S);
	if (onto_own)
		still_own(then(name, "/target"), &V);
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	int a = 1;
	if (a < argc && !strcmp(argv[a], "--syscall")) {
		via_syscall = 1;
		a++;
	}
	if (a < argc)
		only = argv + a;
	const int MM = MREMAP_MAYMOVE, FX = MREMAP_FIXED;
	const uintptr_t TOP_PAGE = (uintptr_t)0 - 4096, MINUS1 = (uintptr_t)-1;
	const uintptr_t USER_TOP_PAGE = NC_USER_TOP;

	/* --- munmap: each on a fresh own mapping M of 2 pages ------------------- */
	munmap_case("munmap-unaligned", 1, pg);
	munmap_case("munmap-zero-len", 0, 0);
	munmap_case("munmap-len-max", 0, SIZE_MAX);
	munmap_case("munmap-len-2^62", 0, HUGE_LEN(62));
	munmap_case("munmap-len-2^47", 0, HUGE_LEN(47));
	if (wanted("munmap-wrap-past-zero")) {
		struct victim M = guarded(2, 1, 0x5a, 0);
		c_munmap("munmap-wrap-past-zero", M.at, (size_t)0 - M.at + 2 * pg, &M);
		still_own("munmap-wrap-past-zero", &M);
	}
	if (wanted("munmap-wrap-exactly-to-zero")) {
		struct victim M = guarded(2, 1, 0x5a, 0);
		c_munmap("munmap-wrap-exactly-to-zero", M.at, (size_t)0 - M.at, &M);
		still_own("munmap-wrap-exactly-to-zero", &M);
	}
	if (wanted("munmap-past-user-space")) {
		struct victim M = guarded(2, 1, 0x5a, 0);
		c_munmap("munmap-past-user-space", M.at, USER_TOP_PAGE + 2 * pg - M.at, &M);
		still_own("munmap-past-user-space", &M);
	}
	c_munmap("munmap-past-top", USER_TOP_PAGE, 2 * pg, 0);
	c_munmap("munmap-minus-1", MINUS1, pg, 0);
	c_munmap("munmap-top-page", TOP_PAGE, pg, 0);
	c_munmap("munmap-null", 0, pg, 0);
	c_munmap("munmap-unmapped", unmapped_page(), pg, 0);
	if (wanted("munmap-foreign-unaligned")) {
		struct victim F = guarded(2, 0, 0x66, 0);
		c_munmap("munmap-foreign-unaligned", F.at + 1, pg, &F);
	}

	/* --- mremap: malformed, aimed at free space or nowhere ------------------ */
	move_case("mremap-old-unaligned", 1, pg, pg, MM, T_NONE);
	move_case("mremap-old-unaligned-fixed", 1, pg, pg, MM | FX, T_FREE);
	move_case("mremap-new-unaligned-fixed", 0, pg, pg, MM | FX, T_FREE_PLUS_1);
	move_case("mremap-new-len-zero", 0, pg, 0, MM, T_NONE);
	move_case("mremap-new-len-zero-fixed", 0, pg, 0, MM | FX, T_FREE);
	move_case("mremap-old-len-zero-private", 0, 0, pg, MM, T_NONE);
	move_case("mremap-old-len-zero-private-fixed", 0, 0, pg, MM | FX, T_FREE);
	move_case("mremap-new-len-max", 0, pg, SIZE_MAX, MM, T_NONE);
	move_case("mremap-new-len-wrap-fixed", 0, pg, LEN_WRAP, MM | FX, T_FREE);
	move_case("mremap-new-len-wrap-past-fixed", 0, pg, LEN_WRAP_PAST, MM | FX, T_FREE);
	move_case("mremap-new-past-top-fixed", 0, pg, 2 * pg, MM | FX, T_USER_TOP_PAGE);
	move_case("mremap-new-top-page-fixed", 0, pg, pg, MM | FX, T_TOP_PAGE);
	move_case("mremap-new-minus-1-fixed", 0, pg, pg, MM | FX, T_MINUS_1);
	move_case("mremap-bad-flags", 0, pg, pg, 0x80, T_NONE);
	move_case("mremap-bad-flags-fixed", 0, pg, pg, MM | FX | 0x80, T_FREE);
	move_case("mremap-fixed-no-maymove", 0, pg, pg, FX, T_FREE);
	move_case("mremap-dontunmap-no-maymove", 0, pg, pg, MREMAP_DONTUNMAP, T_NONE);
	move_case("mremap-old-len-2^62-fixed", 0, HUGE_LEN(62), HUGE_LEN(62), MM | FX, T_FREE);
	move_case("mremap-old-len-2^47", 0, HUGE_LEN(47), pg, MM, T_NONE);
	move_case("mremap-old-len-wrap", 0, LEN_WRAP, pg, MM, T_NONE);
	move_case("mremap-overlap-fixed", 0, 2 * pg, pg, MM | FX, T_SOURCE_PAGE_2);
	c_mremap("mremap-old-null", 0, pg, pg, MM, 0, 0, 0);
	c_mremap("mremap-old-minus-1", MINUS1, pg, pg, MM, 0, 0, 0);
	c_mremap("mremap-old-top-page", TOP_PAGE, pg, pg, MM, 0, 0, 0);
	if (wanted("mremap-old-unmapped-fixed")) {
		uintptr_t old = unmapped_page(), na = free_range(4);
		c_mremap("mremap-old-unmapped-fixed", old, pg, pg, MM | FX, na, na, 0);
		c_free("mremap-old-unmapped-fixed/then-target-free", na, 4 * pg);
	}
	/* --- mremap aimed at memory that is there; the kernel refuses first ----- */
	move_onto_case("mremap-foreign-old-unaligned", 0, 1, pg, pg, MM | FX, 0, 0);
	move_onto_case("mremap-foreign-new-unaligned", 0, 0, pg, pg, MM | FX, 1, 0);
	move_onto_case("mremap-foreign-new-len-zero", 0, 0, pg, 0, MM | FX, 0, 0);
	move_onto_case("mremap-foreign-bad-flags", 0, 0, pg, pg, MM | FX | 0x80, 0, 0);
	move_onto_case("mremap-foreign-no-maymove", 0, 0, pg, pg, FX, 0, 0);
	move_onto_case("mremap-foreign-old-len-zero-private", 0, 0, 0, pg, MM | FX, 0, 0);
	move_onto_case("mremap-foreign-old-len-2^62", 0, 0, HUGE_LEN(62), pg, MM | FX, 0, 0);
	move_onto_case("mremap-own-old-unmapped", 1, 0, pg, pg, MM | FX, 0, 1);
	/* Not malformed: the source is missing. The kernel looks for it before it
	 * touches the new range, so without the shim nothing is destroyed. */
	move_onto_case("mremap-foreign-old-unmapped", 0, 0, pg, pg, MM | FX, 0, 1);
	if (wanted("mremap-foreign-overlap")) {
		struct victim F = guarded(2, 0, 0x66, 0);
		c_mremap("mremap-foreign-overlap", F.at, 2 * pg, pg, MM | FX, F.at + pg, F.at + pg, &F);
	}

	/* --- mremap to low memory, below vm.mmap_min_addr ---------------------- */
	if (wanted("mremap-fixed-low")) {
		struct victim S = guarded(2, 1, 0x77, 0);
		c_mremap("mremap-fixed-low", S.at, pg, pg, MM | FX, pg, pg, &S);
	}
	/* MREMAP_DONTUNMAP with old_len != new_len is malformed (EINVAL), aimed at
	 * free space or at someone else's mapping alike. */
	move_case("mremap-dontunmap-len-differs", 0, 2 * pg, pg, MM | MREMAP_DONTUNMAP, T_NONE);
	move_case("mremap-dontunmap-len-differs-fixed", 0, 2 * pg, pg, MM | FX | MREMAP_DONTUNMAP, T_FREE);
	move_onto_case("mremap-foreign-dontunmap-len-differs", 0, 0, 2 * pg, pg, MM | FX | MREMAP_DONTUNMAP, 0, 0);
	/* Without MREMAP_FIXED the new address is still read, as a hint (and
	 * checked: unaligned is EINVAL). */
	move_case("mremap-dontunmap-hint", 0, 2 * pg, 2 * pg, MM | MREMAP_DONTUNMAP, T_FREE);
	move_case("mremap-dontunmap-hint-unaligned", 0, 2 * pg, 2 * pg, MM | MREMAP_DONTUNMAP, T_FREE_PLUS_1);

	/* --- shmat / shmdt ------------------------------------------------------ */
	int id = shmget(IPC_PRIVATE, 2 * pg, IPC_CREAT | 0600);
	int gone = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600);
	if (id < 0 || gone < 0) {
		t_write(1, "# no SysV shared memory\n");
	} else {
		shmctl(gone, IPC_RMID, 0);
		struct victim F = guarded(2, 0, 0x66, 0);
		uintptr_t g = free_range(2);
		c_shmat("shmat-bad-id", -1, 0, 0, 0, 0);
		c_shmat("shmat-bad-id-fixed", -1, g, 0, g, 0);
		c_shmat("shmat-bad-id-remap-foreign", -1, F.at, SHM_REMAP, F.at, &F);
		c_shmat("shmat-big-id-remap-foreign", 0x7ffffff0, F.at, SHM_REMAP, F.at, &F);
		c_shmat("shmat-removed-id", gone, 0, 0, 0, 0);
		c_shmat("shmat-removed-id-remap-foreign", gone, F.at, SHM_REMAP, F.at, &F);
		c_shmat("shmat-unaligned", id, g + 1, 0, g + 1, 0);
		c_shmat("shmat-unaligned-remap-foreign", id, F.at + 1, SHM_REMAP, F.at + 1, &F);
		c_shmat("shmat-rnd-unaligned", id, g + 1, SHM_RND, g, 0);
		c_shmat("shmat-null-remap", id, 0, SHM_REMAP, 0, 0);
		c_shmat("shmat-minus-1", id, MINUS1, 0, MINUS1, 0);
		c_shmat("shmat-minus-1-rnd-remap", id, MINUS1, SHM_RND | SHM_REMAP, TOP_PAGE, 0);
		c_shmat("shmat-top-page-remap", id, TOP_PAGE, SHM_REMAP, TOP_PAGE, 0);
		c_shmat("shmat-past-top-remap", id, USER_TOP_PAGE, SHM_REMAP, USER_TOP_PAGE, 0);
		c_shmat("shmat-free-remap", id, g, SHM_REMAP, g, 0);
		/* Low addresses: rounded to 0 with SHM_REMAP is EINVAL (LTP shmat03,
		 * CVE-2017-5669); one page up is below vm.mmap_min_addr (EPERM, or
		 * allowed for root). Nothing but what the program asked is mapped. */
		c_shmat("shmat-rnd-remap-one", id, 1, SHM_RND | SHM_REMAP, 0, 0);
		c_shmat("shmat-remap-low", id, pg, SHM_REMAP, pg, 0);
		c_shmat("shmat-rnd-remap-low", id, pg + 1, SHM_RND | SHM_REMAP, pg, 0);
		if (wanted("shmat-free-remap"))
			c_free("shmat-free-remap/then-target-free", g, 2 * pg);
		c_shmdt("shmdt-unaligned", g + 1);
		c_shmdt("shmdt-not-attached", F.at);
		c_shmdt("shmdt-null", 0);
		c_shmdt("shmdt-minus-1", MINUS1);
		shmctl(id, IPC_RMID, 0);
	}
	t_write(1, "# end\n");
	return 0;
}
