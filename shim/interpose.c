/* interpose.c - the exported calls, start-up, fork and exit.
 *
 * Every exported wrapper works at any time: before our constructor (another
 * preload's constructor may map first), while dlsym(RTLD_NEXT) is running (it
 * may calloc, and a program's malloc may be built on mmap), and re-entered from
 * a signal handler. Until the next definition is known, calls go to the kernel
 * directly, with glibc's own argument checks, through the same decision. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "arena.h"
#include "caller.h"
#include "decide.h"
#include "log.h"
#include "options.h"
#include "own.h"
#include "platform.h"
#include "regions.h"
#include "report.h"
#include "sys.h"
#include "vmas.h"

#define NC_EXPORT __attribute__((visibility("default")))
/* Exported under a name given here, not by its C name: libc's headers may turn
 * the C name into another one (musl: mmap64 is a macro for mmap; glibc with a
 * 64-bit off_t, as the shim is built on i386: mmap is declared as mmap64). */
#define NC_EXPORT_AS(sym) __asm__(sym) __attribute__((visibility("default")))

/* The offset types of libc's two entry points, whatever this file's off_t is:
 * glibc's mmap takes a long (32 bits on i386, read as unsigned), musl's 64 bits
 * everywhere; mmap64 always 64 bits. */
#ifdef __GLIBC__
typedef long libc_off_t;
#define FROM_LIBC_OFF(o) ((off_t)(unsigned long)(o))
#else
typedef int64_t libc_off_t;
#define FROM_LIBC_OFF(o) ((off_t)(o))
#endif
typedef void *(*libc_mmap_fn)(void *, size_t, int, int, int, libc_off_t);
typedef void *(*libc_mmap64_fn)(void *, size_t, int, int, int, int64_t);
typedef int (*libc_munmap_fn)(void *, size_t);
typedef void *(*libc_mremap_fn)(void *, size_t, size_t, int, ...);
typedef void *(*libc_shmat_fn)(int, const void *, int);
typedef int (*libc_shmdt_fn)(const void *);
typedef long (*libc_syscall_fn)(long, ...);

/* The next definitions, from dlsym(RTLD_NEXT) in the constructor; NULL before. */
static struct {
	libc_mmap_fn mmap;
	libc_mmap64_fn mmap_64; /* libc's mmap64 (not spelled mmap64: see NC_EXPORT_AS) */
	libc_munmap_fn munmap;
	libc_mremap_fn mremap;
	libc_shmat_fn shmat;
	libc_shmdt_fn shmdt;
	libc_syscall_fn syscall;
} next;


#define NEXT(name) __atomic_load_n(&next.name, __ATOMIC_ACQUIRE)

/* mremap, shmat and shmdt are rare, and none is async-signal-safe: they are
 * looked up at their first call rather than at every program's start (each
 * dlsym costs every exec about a microsecond). Until the constructor has run,
 * the kernel serves them directly, as for every door. */
static int started;
#define NEXT_LAZY(name)                                                                        \
	({                                                                                     \
		__typeof__(next.name) fn_ = NEXT(name);                                        \
		if (!fn_ && __atomic_load_n(&started, __ATOMIC_ACQUIRE) && !in_shim) {         \
			fn_ = (__typeof__(fn_))dlsym(RTLD_NEXT, #name);                        \
			__atomic_store_n(&next.name, fn_, __ATOMIC_RELEASE);                   \
		}                                                                              \
		fn_;                                                                           \
	})

/* Depth of shim code on this thread; initial-exec so that reading it never
 * calls into the loader (a general-dynamic TLS access may allocate). */
static __thread int in_shim __attribute__((tls_model("initial-exec")));

/* The process whose attempts the counters hold (see finish_process). */
static long owner_pid;
static int finished;

/* 0 = options not read, 1 = being read, 2 = ready. */
static int init_state;

extern char **environ;

/* Options are read once, by the constructor or by the first call that needs
 * them, whichever comes first. A call can come before libc has set up environ
 * (a program's malloc built on mmap, called while libraries are loaded): then
 * the defaults serve that call and the options are read at a later one. */
static void nc_init_options(void)
{
	int s = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
	if (s == 2)
		return;
	s = 0;
	if (!__atomic_compare_exchange_n(&init_state, &s, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 1)
			nc_sys(SYS_sched_yield, 0, 0, 0);
		return;
	}
	char err[512];
	if (!__atomic_load_n(&environ, __ATOMIC_ACQUIRE)) {
		nc_options_parse(0, &nc_opts, err, sizeof(err)); /* defaults, for now */
		__atomic_store_n(&init_state, 0, __ATOMIC_RELEASE);
		return;
	}
	if (nc_options_parse(getenv("NOCLOBBER_OPTIONS"), &nc_opts, err, sizeof(err)) < 0) {
		size_t n = __builtin_strlen(err);
		err[n] = '\n';
		nc_sys_write_all(2, err, n + 1);
		_exit(1);
	}
	nc_log_note_stderr();
	if (NC_OPT(help)) {
		nc_options_print_help(2);
		nc_platform_describe(2);
	}
	owner_pid = nc_self_pid();
	__atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

/* glibc refuses an offset that is not a multiple of 4096 itself, before the
 * kernel sees it; the bootstrap path does the same so errno matches. */
static long raw_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (off & 4095)
		return -EINVAL;
	/* mmap2's page offset is 32 bits: glibc refuses a larger one itself. */
	if (NC_SYS_MMAP != SYS_mmap && (uint64_t)off >> 44)
		return -EINVAL;
	return nc_sys_mmap(addr, len, prot, flags, fd, off);
}

/* libc's answer, kernel style; the caller's errno is left as it was. */
#define KERNEL_STYLE(failed, expr)                 \
	do {                                       \
		int saved_ = errno;                \
		long r_ = (long)(expr);            \
		if (failed) {                      \
			r_ = -errno;               \
			errno = saved_;            \
		}                                  \
		return r_;                         \
	} while (0)

static long k_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	libc_mmap_fn fn = NEXT(mmap);
	if (!fn)
		return raw_mmap(a, l, p, f, fd, o);
	void *r;
	KERNEL_STYLE(r == MAP_FAILED, r = fn(a, l, p, f, fd, (libc_off_t)o));
}

static long k_mmap64(void *a, size_t l, int p, int f, int fd, off_t o)
{
	libc_mmap64_fn fn = NEXT(mmap_64);
	if (!fn)
		return raw_mmap(a, l, p, f, fd, o);
	void *r;
	KERNEL_STYLE(r == MAP_FAILED, r = fn(a, l, p, f, fd, (int64_t)o));
}

static long k_munmap(void *a, size_t l)
{
	libc_munmap_fn fn = NEXT(munmap);
	if (!fn)
		return nc_sys_munmap(a, l);
	int r;
	KERNEL_STYLE(r < 0, r = fn(a, l));
}

static long k_mremap(void *o, size_t ol, size_t nl, int f, void *n)
{
	libc_mremap_fn fn = NEXT(mremap);
	if (!fn)
		return nc_syscall6(SYS_mremap, (long)o, (long)ol, (long)nl, f, (long)n, 0);
	void *r;
	KERNEL_STYLE(r == MAP_FAILED, r = fn(o, ol, nl, f, n));
}

static long k_shmat(int id, const void *a, int f)
{
	libc_shmat_fn fn = NEXT(shmat);
	if (!fn)
		return nc_sys(SYS_shmat, id, a, f);
	void *r;
	KERNEL_STYLE(r == (void *)-1, r = fn(id, a, f));
}

static long k_shmdt(const void *a)
{
	libc_shmdt_fn fn = NEXT(shmdt);
	if (!fn)
		return nc_sys(SYS_shmdt, a, 0, 0);
	int r;
	KERNEL_STYLE(r < 0, r = fn(a));
}

/* What syscall() itself would do: straight to the kernel. */
static long s_mmap(void *a, size_t l, int p, int f, int fd, off_t o) { return nc_sys_mmap(a, l, p, f, fd, o); }
#if defined(__i386__)
/* i386's SYS_mmap: one pointer to the six arguments, the offset in bytes. */
static long s_old_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	unsigned long block[6] = {(unsigned long)a, l, (unsigned long)p, (unsigned long)f, (unsigned long)fd,
				  (unsigned long)o};
	return nc_sys(SYS_mmap, block, 0, 0);
}
#endif
static long s_munmap(void *a, size_t l) { return nc_sys_munmap(a, l); }
static long s_mremap(void *o, size_t ol, size_t nl, int f, void *n)
{
	return nc_syscall6(SYS_mremap, (long)o, (long)ol, (long)nl, f, (long)n, 0);
}
static long s_shmat(int id, const void *a, int f) { return nc_sys(SYS_shmat, id, a, f); }
static long s_shmdt(const void *a) { return nc_sys(SYS_shmdt, a, 0, 0); }

/* errno, once, in the exported wrapper; never on success. */
static long set_errno(long r)
{
	if (nc_sys_failed(r)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static void *ptr_result(long r) { return (void *)set_errno(r); }

/* Enter shim code: options ready, and not already inside the shim on this thread
 * (a signal handler that maps while we hold a lock must not wait for it). */
static int enter(void)
{
	nc_init_options();
	return in_shim++ == 0;
}

static void leave(void) { in_shim--; }

static long mmap_door(const char *name, nc_mmap_fn next_fn, void *addr, size_t len, int prot,
		      int flags, int fd, off_t off, void *caller)
{
	if (!enter()) {
		leave();
		return next_fn(addr, len, prot, flags, fd, off);
	}
	struct nc_call c = {.door = NC_DOOR_MMAP, .name = name, .addr = (uintptr_t)addr, .len = len,
			    .prot = prot, .flags = flags, .fd = fd, .offset = off,
			    .caller_pc = (uintptr_t)caller};
	long r = nc_do_mmap(&c, next_fn);
	leave();
	return r;
}

static long munmap_door(void *addr, size_t len, nc_munmap_fn next_fn)
{
	if (!enter()) {
		leave();
		return next_fn(addr, len);
	}
	long r = nc_do_munmap(addr, len, next_fn);
	leave();
	return r;
}

static long mremap_door(const char *name, void *old, size_t old_len, size_t new_len, int flags,
			void *new_addr, nc_mremap_fn next_fn, void *caller)
{
	if (!enter()) {
		leave();
		return next_fn(old, old_len, new_len, flags, new_addr);
	}
	struct nc_call c = {.door = NC_DOOR_MREMAP, .name = name, .addr = (uintptr_t)new_addr,
			    .len = new_len, .flags = flags, .old_addr = (uintptr_t)old,
			    .old_len = old_len, .caller_pc = (uintptr_t)caller};
	long r = nc_do_mremap(&c, next_fn);
	leave();
	return r;
}

static long shmat_door(const char *name, int shmid, const void *addr, int flags, nc_shmat_fn next_fn,
		       void *caller)
{
	if (!enter()) {
		leave();
		return next_fn(shmid, addr, flags);
	}
	struct nc_call c = {.door = NC_DOOR_SHMAT, .name = name, .addr = (uintptr_t)addr,
			    .flags = flags, .shmid = shmid, .caller_pc = (uintptr_t)caller};
	long r = nc_do_shmat(&c, next_fn);
	leave();
	return r;
}

static long shmdt_door(const void *addr, nc_shmdt_fn next_fn)
{
	if (!enter()) {
		leave();
		return next_fn(addr);
	}
	long r = nc_do_shmdt(addr, next_fn);
	leave();
	return r;
}

/* The common path: a call that cannot replace anything (no MAP_FIXED, or
 * MAP_FIXED_NOREPLACE, which the kernel already makes safe) goes straight to
 * libc's mmap, and what it mapped is noted as the program's own: no system
 * call, no errno juggling. The note is skipped when re-entered (a signal
 * handler mapping while this thread holds the own set's lock). */
static inline int plain(int flags)
{
	return !(flags & MAP_FIXED) || (flags & MAP_FIXED_NOREPLACE);
}

static inline void *plain_note(void *p, size_t len)
{
	if (p != MAP_FAILED) {
		in_shim++;
		nc_own_add((uintptr_t)p, nc_range_end((uintptr_t)p, len));
		in_shim--;
	}
	return p;
}

void *nc_export_mmap(void *addr, size_t len, int prot, int flags, int fd, libc_off_t off) NC_EXPORT_AS("mmap");
void *nc_export_mmap(void *addr, size_t len, int prot, int flags, int fd, libc_off_t off)
{
	libc_mmap_fn fn = NEXT(mmap);
	if (__builtin_expect(fn && plain(flags) && !in_shim, 1)) {
		void *p = fn(addr, len, prot, flags, fd, off);
		return plain_note(p, len);
	}
	return ptr_result(mmap_door("mmap", k_mmap, addr, len, prot, flags, fd, FROM_LIBC_OFF(off),
				    __builtin_return_address(0)));
}

/* A door of its own where libc's off_t is 32 bits (glibc on i386): the only
 * way to a file offset past 4 GiB. Elsewhere libc's mmap64 is mmap. */
void *nc_export_mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off) NC_EXPORT_AS("mmap64");
void *nc_export_mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	libc_mmap64_fn fn = NEXT(mmap_64);
	if (__builtin_expect(fn && plain(flags) && !in_shim, 1)) {
		void *p = fn(addr, len, prot, flags, fd, off);
		return plain_note(p, len);
	}
	return ptr_result(mmap_door("mmap64", k_mmap64, addr, len, prot, flags, fd, (off_t)off,
				    __builtin_return_address(0)));
}

NC_EXPORT int munmap(void *addr, size_t len)
{
	libc_munmap_fn fn = NEXT(munmap);
	if (__builtin_expect(fn && !in_shim, 1)) {
		in_shim++;
		nc_forget(addr, len);
		in_shim--;
		return fn(addr, len);
	}
	return (int)set_errno(munmap_door(addr, len, k_munmap));
}

NC_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = 0;
	if (flags & 2 /* MREMAP_FIXED */) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	(void)NEXT_LAZY(mremap);
	return ptr_result(mremap_door("mremap", old, old_len, new_len, flags, new_addr, k_mremap,
				      __builtin_return_address(0)));
}

NC_EXPORT void *shmat(int shmid, const void *addr, int flags)
{
	(void)NEXT_LAZY(shmat);
	return ptr_result(shmat_door("shmat", shmid, addr, flags, k_shmat, __builtin_return_address(0)));
}

NC_EXPORT int shmdt(const void *addr)
{
	(void)NEXT_LAZY(shmdt);
	return (int)set_errno(shmdt_door(addr, k_shmdt));
}

/* syscall(2) is a door too: SYS_mmap and friends reach the kernel through it
 * without passing mmap. Everything else goes on untouched. */
NC_EXPORT long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	void *caller = __builtin_return_address(0);
	switch (number) {
#if defined(__i386__)
	case SYS_mmap: { /* the old call: a points to the six arguments */
		unsigned long m[6];
		if (nc_mem_read((uintptr_t)a, m, sizeof(m)))
			return set_errno(nc_sys(SYS_mmap, a, 0, 0)); /* the kernel's EFAULT */
		return set_errno(mmap_door("syscall(SYS_mmap)", s_old_mmap, (void *)m[0], m[1], (int)m[2],
					   (int)m[3], (int)m[4], (off_t)m[5], caller));
	}
#else
	case SYS_mmap:
		return set_errno(mmap_door("syscall(SYS_mmap)", s_mmap, (void *)a, (size_t)b, (int)c, (int)d,
					   (int)e, (off_t)f, caller));
#endif
#ifdef SYS_mmap2
	case SYS_mmap2: /* the offset in 4096-byte units */
		return set_errno(mmap_door("syscall(SYS_mmap2)", s_mmap, (void *)a, (size_t)b, (int)c, (int)d,
					   (int)e, (off_t)(unsigned long)f << 12, caller));
#endif
	case SYS_munmap:
		return set_errno(munmap_door((void *)a, (size_t)b, s_munmap));
	case SYS_mremap:
		return set_errno(mremap_door("syscall(SYS_mremap)", (void *)a, (size_t)b, (size_t)c, (int)d,
					     (void *)e, s_mremap, caller));
	case SYS_shmat:
		return set_errno(shmat_door("syscall(SYS_shmat)", (int)a, (void *)b, (int)c, s_shmat, caller));
	case SYS_shmdt:
		return set_errno(shmdt_door((void *)a, s_shmdt));
	}
	libc_syscall_fn fn = NEXT(syscall);
	if (fn)
		return fn(number, a, b, c, d, e, f);
	return set_errno(nc_syscall6(number, a, b, c, d, e, f));
}

/* Every shim lock is taken before fork, so that the child's copy of each table
 * is whole, and released on both sides after; the child starts its own count. */
static void before_fork(void)
{
	nc_vmas_before_fork();
	nc_lock(&nc_table_lock);
	nc_lock(&nc_attached_lock);
	nc_own_lock();
}

static void after_fork_parent(void)
{
	nc_own_unlock();
	nc_unlock(&nc_attached_lock);
	nc_unlock(&nc_table_lock);
	nc_vmas_after_fork_parent();
}

static void after_fork_child(void)
{
	nc_lock_reset(&nc_table_lock);
	nc_lock_reset(&nc_attached_lock);
	nc_own_reset_lock();
	nc_caller_after_fork_child();
	nc_vmas_after_fork_child();
	nc_report_after_fork_child();
	nc_attempts = 0; /* each process reports its own attempts */
	nc_pid = nc_sys_getpid();
	owner_pid = nc_pid;
	finished = 0;
	nc_log_after_fork_child();
}

__attribute__((constructor(102))) static void nc_start(void)
{
	nc_init_options();
	/* Map the shim's own memory now, before the program looks for free ranges:
	 * mapped later, it could land in a range the program just found free. */
	size_t size;
	nc_arena_part(NC_ARENA_OWN, &size);
	/* Calls made while dlsym runs (its calloc may reach a malloc built on mmap)
	 * find the pointers still NULL and go to the kernel directly. */
	libc_mmap_fn m = (libc_mmap_fn)dlsym(RTLD_NEXT, "mmap");
	/* Where libc's off_t is 64 bits, mmap64 is mmap (one dlsym less at every
	 * start, and nothing to find in a libc that exports no mmap64: musl 1.2.4+). */
	void *m64 = sizeof(libc_off_t) == 8 ? (void *)m : dlsym(RTLD_NEXT, "mmap64");
	__atomic_store_n(&next.mmap_64, (libc_mmap64_fn)m64, __ATOMIC_RELEASE);
	__atomic_store_n(&next.mmap, m, __ATOMIC_RELEASE);
	__atomic_store_n(&next.munmap, (libc_munmap_fn)dlsym(RTLD_NEXT, "munmap"), __ATOMIC_RELEASE);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&next.syscall, (libc_syscall_fn)dlsym(RTLD_NEXT, "syscall"), __ATOMIC_RELEASE);
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* The end of a process: its summary line, once, and exitcode=N. Only the
 * process that owns the counters speaks: a vfork child shares our memory but
 * not our pid, and must neither report the parent's attempts nor change the
 * status its parent waits for. Returns the status to exit with. */
static int finish_process(int status)
{
	if (nc_sys_getpid() != __atomic_load_n(&owner_pid, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&finished, 1, __ATOMIC_ACQ_REL))
		return status;
	nc_report_summary();
	if (NC_OPT(exitcode) && __atomic_load_n(&nc_attempts, __ATOMIC_RELAXED))
		return (int)NC_OPT(exitcode);
	return status;
}

static __attribute__((noreturn)) void exit_now(int status)
{
	for (;;)
		nc_sys(SYS_exit_group, status, 0, 0);
}

/* A normal exit (return from main, exit()) runs destructors before stdio is
 * flushed; to change the status, flush the program's output first, then go. */
__attribute__((destructor)) static void nc_finish(void)
{
	int code = finish_process(-1);
	if (code != -1) {
		fflush(NULL);
		exit_now(code);
	}
}

/* _exit and _Exit skip destructors: the summary and exitcode happen here. */
NC_EXPORT void _exit(int status)
{
	status = finish_process(status);
	exit_now(status); /* what libc's _exit does: exit_group */
}

NC_EXPORT void _Exit(int status)
{
	status = finish_process(status);
	exit_now(status);
}
