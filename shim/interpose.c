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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "arena.h"
#include "caller.h"
#include "decide.h"
#include "lock.h"
#include "log.h"
#include "options.h"
#include "own.h"
#include "platform.h"
#include "regions.h"
#include "report.h"
#include "stack.h"
#include "suppress.h"
#include "sys.h"
#include "tally.h"
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
typedef int (*libc_prctl_fn)(int, unsigned long, unsigned long, unsigned long, unsigned long);

/* The next definitions, from dlsym(RTLD_NEXT) in the constructor; NULL before. */
static struct {
	libc_mmap_fn mmap;
	libc_mmap64_fn mmap_64; /* libc's mmap64 (not spelled mmap64: see NC_EXPORT_AS) */
	libc_munmap_fn munmap;
	libc_mremap_fn mremap;
	libc_shmat_fn shmat;
	libc_shmdt_fn shmdt;
	libc_syscall_fn syscall;
	libc_prctl_fn prctl;
} next NC_HOT_DATA;


#define NEXT(name) __atomic_load_n(&next.name, __ATOMIC_ACQUIRE)

/* mremap, shmat and shmdt are rare, and none is async-signal-safe: they are
 * looked up at their first call rather than at every program's start (each
 * dlsym costs every exec about a microsecond). Until the constructor has run,
 * the kernel serves them directly, as for every door. */
static int started NC_HOT_DATA;
#define NEXT_LAZY(name)                                                                        \
	({                                                                                     \
		__typeof__(next.name) fn_ = NEXT(name);                                        \
		if (!fn_ && __atomic_load_n(&started, __ATOMIC_ACQUIRE) && !in_shim) {         \
			fn_ = (__typeof__(fn_))dlsym(RTLD_NEXT, #name);                        \
			__atomic_store_n(&next.name, fn_, __ATOMIC_RELEASE);                   \
		}                                                                              \
		fn_;                                                                           \
	})

/* Depth of shim code on this thread: nc_depth (lock.h). */
#define in_shim nc_depth

/* The process whose attempts nc_attempts holds: nc_owner_pid (report.c). */
#define owner_pid nc_owner_pid
static int finished;

/* 0 = options not read, 1 = being read, 2 = ready. */
static int init_state NC_HOT_DATA;

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
	nc_supervised = getenv("NOCLOBBER_SUPERVISED") != 0; /* decide.c */
	if (nc_options_parse(getenv("NOCLOBBER_OPTIONS"), &nc_opts, err, sizeof(err)) < 0) {
		size_t n = __builtin_strlen(err);
		err[n] = '\n';
		nc_sys_write_all(2, err, n + 1);
		_exit(1);
	}
	/* A privileged program never reads a file the user names (its lines
	 * would be echoed in an error), nor lets it weaken the checks. */
	if (nc_opts.suppressions[0] && getauxval(AT_SECURE)) {
		static const char no[] = "noclobber: suppressions ignored in a privileged (set-user-ID, "
					 "set-group-ID or capability) program\n";
		nc_sys_write_all(2, no, sizeof(no) - 1);
		nc_opts.suppressions[0] = 0;
	}
	if (nc_opts.suppressions[0] && nc_supp_load(nc_opts.suppressions, err, sizeof(err)) < 0) {
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
	nc_tally_start(); /* the launcher counts this process */
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

NC_HOT static long k_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	libc_mmap_fn fn = NEXT(mmap);
	if (!fn)
		return raw_mmap(a, l, p, f, fd, o);
	void *r;
	KERNEL_STYLE(r == MAP_FAILED, r = fn(a, l, p, f, fd, (libc_off_t)o));
}

NC_HOT static long k_mmap64(void *a, size_t l, int p, int f, int fd, off_t o)
{
	libc_mmap64_fn fn = NEXT(mmap_64);
	if (!fn)
		return raw_mmap(a, l, p, f, fd, o);
	void *r;
	KERNEL_STYLE(r == MAP_FAILED, r = fn(a, l, p, f, fd, (int64_t)o));
}

NC_HOT static long k_munmap(void *a, size_t l)
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
NC_HOT static long set_errno(long r)
{
	if (nc_sys_failed(r)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

NC_HOT static void *ptr_result(long r) { return (void *)set_errno(r); }

/* Where this thread's outermost shim call began: a call that finds itself
 * "inside the shim" but starts above that frame, not on a signal stack, is not
 * nested: the earlier call was left by a siglongjmp out of a signal handler (a
 * timeout pattern), and never returned. */
static __thread uintptr_t entry_frame __attribute__((tls_model("initial-exec")));

NC_HOT static int left_by_longjmp(uintptr_t here)
{
	/* A handler's call is deeper by a signal frame at least (over a KiB); the
	 * margin covers the shim's own frames between the two places measured. */
	if (here + 512 < entry_frame)
		return 0; /* deeper on the same stack: a handler's call */
	stack_t ss;
	return nc_syscall6(SYS_sigaltstack, 0, (long)&ss, 0, 0, 0, 0) == 0 && !(ss.ss_flags & SS_ONSTACK);
}

/* The depth goes from 0 to 1 with entry_frame set first, and back with it
 * restored after: a signal handler whose shim call comes in between sees depth
 * 0, and puts entry_frame back as it found it when it leaves. (Set the other
 * way round, a handler could leave its own frame there, and the next handler
 * that interrupted the shim would take itself for a return by siglongjmp.)
 * The fences keep the compiler from reordering the two. Returns what to
 * restore. */
static inline uintptr_t depth_up(uintptr_t here)
{
	uintptr_t prev = entry_frame;
	if (!in_shim)
		entry_frame = here;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	in_shim++;
	return prev;
}

static inline void depth_down(uintptr_t prev)
{
	in_shim--;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!in_shim)
		entry_frame = prev;
}

/* Enter shim code: options ready, and not already inside the shim on this thread
 * (a signal handler that maps while we hold a lock must not wait for it).
 * *prev is for leave(). */
static __attribute__((always_inline)) inline int enter(uintptr_t *prev)
{
	nc_init_options();
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (in_shim > 0 && left_by_longjmp(here)) {
		/* The locks with signals blocked: a handler that came while the
		 * lock we left is still ours would take itself for outside the
		 * shim and wait for it, or abandon it a second time. The rest with
		 * signals back, still inside the shim (a handler's calls are
		 * nested), as any call of ours: the lines the jump left held (it
		 * came as signals were given back on the way out of the shim's
		 * stack) are written before their slot is freed, and a log sink
		 * that blocks must leave the program interruptible. A jump out of
		 * this leaves the rest to the next call. */
		uint64_t old;
		nc_signals_block(&old);
		nc_own_abandoned();
		nc_log_abandoned();
		in_shim = 1;
		nc_signals_restore(&old);
		nc_log_write_held();
		nc_stack_abandoned();
		nc_own_recover_cut();
		in_shim = 0;
	}
	*prev = depth_up(here);
	/* Between the fork handlers, this thread holds every lock and other
	 * threads may wait for them inside the slow path: a call here (a signal
	 * handler, another library's fork handler) goes to the kernel as it is. */
	if (in_shim > 1 || nc_forking_here())
		return 0;
	if (nc_own_rebuild_wanted())
		nc_own_rebuild();
	return 1;
}

NC_HOT static void leave(uintptr_t prev) { depth_down(prev); }

/* stack=N: the door's registers, from which the log line's stack is walked
 * (unwind.h). Always inlined: the door's frame must still be there. */
static __attribute__((always_inline)) inline void capture_stack(struct nc_call *c)
{
	if (NC_OPT(stack)) {
		nc_unwind_capture(&c->ctx);
		c->ctx.valid = 1;
	}
}

/* Re-entered (a signal handler that interrupted the shim on this thread): the
 * call goes to the kernel as it is, unchecked (the decision's tables may be
 * half-way through a change), but what it maps or unmaps is still recorded
 * (own.c queues it), so that the program's later calls are judged right. */
NC_HOT static long mmap_door(const char *name, nc_mmap_fn next_fn, void *addr, size_t len, int prot,
		      int flags, int fd, off_t off, void *caller)
{
	uintptr_t f;
	if (!enter(&f)) {
		long r = next_fn(addr, len, prot, flags, fd, off);
		if (!nc_sys_failed(r))
			nc_note_mapping((uintptr_t)r, len, flags);
		leave(f);
		return r;
	}
	struct nc_call c = {.door = NC_DOOR_MMAP, .name = name, .addr = (uintptr_t)addr, .len = len,
			    .prot = prot, .flags = flags, .fd = fd, .offset = off,
			    .caller_pc = (uintptr_t)caller,
			    .caller_sp = (uintptr_t)__builtin_frame_address(0)};
	capture_stack(&c);
	long r = nc_do_mmap(&c, next_fn);
	nc_own_inflight(1, 0, 0); /* recorded now, if it mapped */
	leave(f);
	return r;
}

NC_HOT static long munmap_door(void *addr, size_t len, nc_munmap_fn next_fn)
{
	uintptr_t f;
	(void)enter(&f); /* re-entered or not, the same: own.c queues a handler's change */
	long r = nc_do_munmap(addr, len, next_fn);
	leave(f);
	return r;
}

static long mremap_door(const char *name, void *old, size_t old_len, size_t new_len, int flags,
			void *new_addr, nc_mremap_fn next_fn, void *caller)
{
	uintptr_t f;
	if (!enter(&f)) {
		struct nc_own_taken t;
		nc_unmap_begin(old, (flags & 4 /* MREMAP_DONTUNMAP */) ? 0 : old_len, &t);
		long r = next_fn(old, old_len, new_len, flags, new_addr);
		nc_own_settle(&t, !nc_sys_failed(r));
		if (!nc_sys_failed(r))
			nc_own_add((uintptr_t)r, nc_range_end((uintptr_t)r, new_len));
		leave(f);
		return r;
	}
	struct nc_call c = {.door = NC_DOOR_MREMAP, .name = name, .addr = (uintptr_t)new_addr,
			    .len = new_len, .flags = flags, .old_addr = (uintptr_t)old,
			    .old_len = old_len, .caller_pc = (uintptr_t)caller,
			    .caller_sp = (uintptr_t)__builtin_frame_address(0)};
	capture_stack(&c);
	long r = nc_do_mremap(&c, next_fn);
	nc_own_inflight(1, 0, 0);
	leave(f);
	return r;
}

static long shmat_door(const char *name, int shmid, const void *addr, int flags, nc_shmat_fn next_fn,
		       void *caller)
{
	uintptr_t f;
	if (!enter(&f)) {
		leave(f);
		return next_fn(shmid, addr, flags);
	}
	struct nc_call c = {.door = NC_DOOR_SHMAT, .name = name, .addr = (uintptr_t)addr,
			    .flags = flags, .shmid = shmid, .caller_pc = (uintptr_t)caller,
			    .caller_sp = (uintptr_t)__builtin_frame_address(0)};
	capture_stack(&c);
	long r = nc_do_shmat(&c, next_fn);
	nc_own_inflight(1, 0, 0);
	leave(f);
	return r;
}

static long shmdt_door(const void *addr, nc_shmdt_fn next_fn)
{
	uintptr_t f;
	if (!enter(&f)) {
		leave(f);
		return next_fn(addr);
	}
	long r = nc_do_shmdt(addr, next_fn);
	leave(f);
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

static inline void *plain_note(void *p, size_t len, int flags)
{
	if (p != MAP_FAILED) {
		uintptr_t f = depth_up((uintptr_t)__builtin_frame_address(0));
		nc_note_mapping((uintptr_t)p, len, flags);
		depth_down(f);
	}
	return p;
}

void *nc_export_mmap(void *addr, size_t len, int prot, int flags, int fd, libc_off_t off) NC_EXPORT_AS("mmap");
NC_HOT void *nc_export_mmap(void *addr, size_t len, int prot, int flags, int fd, libc_off_t off)
{
	libc_mmap_fn fn = NEXT(mmap);
	if (__builtin_expect(fn && plain(flags) && !in_shim, 1)) {
		void *p = fn(addr, len, prot, flags, fd, off);
		return plain_note(p, len, flags);
	}
	return ptr_result(mmap_door("mmap", k_mmap, addr, len, prot, flags, fd, FROM_LIBC_OFF(off),
				    __builtin_return_address(0)));
}

/* A door of its own where libc's off_t is 32 bits (glibc on i386): the only
 * way to a file offset past 4 GiB. Elsewhere libc's mmap64 is mmap. */
void *nc_export_mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off) NC_EXPORT_AS("mmap64");
NC_HOT void *nc_export_mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	libc_mmap64_fn fn = NEXT(mmap_64);
	if (__builtin_expect(fn && plain(flags) && !in_shim, 1)) {
		void *p = fn(addr, len, prot, flags, fd, off);
		return plain_note(p, len, flags);
	}
	return ptr_result(mmap_door("mmap64", k_mmap64, addr, len, prot, flags, fd, (off_t)off,
				    __builtin_return_address(0)));
}

NC_HOT NC_EXPORT int munmap(void *addr, size_t len)
{
	libc_munmap_fn fn = NEXT(munmap);
	if (__builtin_expect(fn && !in_shim, 1)) {
		struct nc_own_taken t;
		uintptr_t f = depth_up((uintptr_t)__builtin_frame_address(0));
		nc_unmap_begin(addr, len, &t);
		int r = fn(addr, len);
		nc_own_settle(&t, r == 0);
		depth_down(f);
		return r;
	}
	return (int)set_errno(munmap_door(addr, len, k_munmap));
}

NC_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = 0;
	if (flags & (2 | 4) /* MREMAP_FIXED, MREMAP_DONTUNMAP: the kernel reads it (as a hint for the latter) */) {
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

/* A program that sandboxes itself with seccomp (browsers' content processes,
 * container runtimes) may forbid what the shim's own work needs: opening files,
 * the PROCMAP_QUERY ioctl, process_vm_readv. While it still may, the shim opens
 * what it will need (its /proc/self/maps descriptor, the log file, the program's
 * name) and from then on makes no call the program did not make itself but
 * reads on that descriptor and writes of log lines. Filters are installed
 * through prctl(PR_SET_SECCOMP) or syscall(SYS_seccomp) (glibc has no seccomp
 * function; libseccomp and Chromium's sandbox use these two). */
#define NC_PR_SET_SECCOMP 22
#define NC_SECCOMP_SET_MODE_FILTER 1

static void after_fork_child(void);

static void before_sandbox(void)
{
	uintptr_t f;
	int outer = enter(&f);
	if (outer) {
		/* A child made with a raw clone (Firefox forks its sandboxed
		 * processes so) ran no fork handler: it is a new process all the
		 * same, and what it opens now must be its own. */
		if (nc_sys_getpid() != nc_self_pid())
			after_fork_child();
		nc_vmas_sandbox_prepare();
		nc_log_prepare();
		(void)nc_program_name();
	}
	leave(f);
}

/* The filter is in (a call that failed installed none: Firefox asks with a
 * NULL filter whether it may). */
static long after_sandbox(long r)
{
	if (r == 0)
		nc_vmas_sandbox_begin();
	return r;
}

NC_EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long);
	unsigned long c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
	va_end(ap);
	int seccomp = option == NC_PR_SET_SECCOMP;
	if (seccomp)
		before_sandbox();
	libc_prctl_fn fn = NEXT_LAZY(prctl);
	long r = fn ? fn(option, a, b, c, d) : set_errno(nc_syscall6(SYS_prctl, option, (long)a, (long)b, (long)c, (long)d, 0));
	return (int)(seccomp ? after_sandbox(r) : r);
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
	int seccomp = (number == SYS_seccomp && a == NC_SECCOMP_SET_MODE_FILTER) ||
		      (number == SYS_prctl && a == NC_PR_SET_SECCOMP);
	if (seccomp)
		before_sandbox();
	libc_syscall_fn fn = NEXT(syscall);
	long r = fn ? fn(number, a, b, c, d, e, f) : set_errno(nc_syscall6(number, a, b, c, d, e, f));
	return seccomp ? after_sandbox(r) : r;
}

/* Every shim lock is taken before fork, so that the child's copy of each table
 * is whole, and released on both sides after; the child starts its own count.
 * Until then this thread holds them all (nc_fork_holder), and the fork handlers
 * of other libraries that run in between may map and unmap through us.
 * A fork from a signal handler that interrupted the shim (nc_depth > 0) waits
 * for nothing: it takes what is free, and the child starts over whatever it
 * could not take (the interrupted frame may have been half-way through it). */
static __thread struct {
	int vmas, table, attach, own;
} fork_took __attribute__((tls_model("initial-exec")));

static int take_or_try(nc_lock_t *l, int nested)
{
	if (nested)
		return nc_trylock(l);
	nc_lock(l);
	return 1;
}

/* The handlers' own work counts as inside the shim: a signal handler that maps
 * while it runs is nested, and neither waits for a lock held here nor takes
 * the slow path. */
static void before_fork(void)
{
	int nested = in_shim > 0;
	uintptr_t f = depth_up((uintptr_t)__builtin_frame_address(0));
	fork_took.vmas = nc_vmas_before_fork(nested);
	fork_took.table = take_or_try(&nc_table_lock, nested);
	fork_took.attach = nc_attach_before_fork(nested);
	fork_took.own = nc_own_before_fork(nested);
	if (!nested)
		__atomic_store_n(&nc_fork_holder, nc_self(), __ATOMIC_RELEASE);
	depth_down(f);
}

static void after_fork_parent(void)
{
	uintptr_t f = depth_up((uintptr_t)__builtin_frame_address(0));
	__atomic_store_n(&nc_fork_holder, 0, __ATOMIC_RELEASE);
	nc_own_after_fork(fork_took.own, 0);
	nc_attach_after_fork(fork_took.attach, 0);
	if (fork_took.table)
		nc_unlock(&nc_table_lock);
	nc_vmas_after_fork_parent(fork_took.vmas);
	depth_down(f);
}

static void after_fork_child(void)
{
	nc_pid = nc_sys_getpid(); /* first: the kept maps descriptor is reopened for it */
	int old_tid = nc_tid_cache;
	nc_tid_cache = 0; /* a new thread id */
	nc_stack_after_fork_child(old_tid, nc_tid());
	__atomic_store_n(&nc_fork_holder, 0, __ATOMIC_RELEASE);
	nc_lock_reset(&nc_table_lock);
	nc_own_after_fork(fork_took.own, 1);
	nc_attach_after_fork(fork_took.attach, 1);
	nc_caller_after_fork_child();
	nc_vmas_after_fork_child();
	nc_report_after_fork_child();
	nc_attempts = 0; /* each process reports its own attempts */
	nc_suppressed = 0;
	owner_pid = nc_pid;
	finished = 0;
	nc_log_after_fork_child();
	nc_tally_fork_child(); /* a new process */
}

__attribute__((constructor(102))) static void nc_start(void)
{
	nc_init_options();
	/* Map the shim's own memory now, before the program looks for free ranges:
	 * mapped later, it could land in a range the program just found free. */
	size_t size;
	nc_arena_part(NC_ARENA_OWN, &size);
	nc_vmas_open_early();
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

/* The end of a process: its summary line, once, and exitcode=N. A vfork child
 * shares our memory but not our pid: it speaks for its own attempts alone,
 * and the parent's count and status are left as they are. Returns the status
 * to exit with. */
static int finish_process(int status)
{
	if (!nc_any_attempts())
		return status; /* nothing to say: not even a getpid at every exit */
	long pid = nc_sys_getpid();
	if (pid == __atomic_load_n(&owner_pid, __ATOMIC_RELAXED) && __atomic_exchange_n(&finished, 1, __ATOMIC_ACQ_REL))
		return status;
	unsigned long attempts = nc_take_attempts(pid);
	nc_report_summary(pid, attempts);
	if (NC_OPT(exitcode) && attempts)
		return (int)NC_OPT(exitcode);
	return status;
}

static __attribute__((noreturn)) void exit_now(int status)
{
	for (;;)
		nc_sys(SYS_exit_group, status, 0, 0);
}

/* A normal exit (return from main, exit()) runs destructors before stdio is
 * flushed. The summary and a changed status come last, after every other
 * destructor and exit handler (they may still clobber, and their work must not
 * be cut short): glibc runs a handler registered while exiting after the one
 * that registers it, _dl_fini (the destructors) included. musl runs exit
 * handlers before destructors: there the end comes in our destructor. */
static void finish_last(void *unused)
{
	(void)unused;
	int code = finish_process(-1);
	if (code != -1) {
		fflush(NULL);
		exit_now(code);
	}
}

#ifdef __GLIBC__
/* Registered for no object (atexit would tie it to ours, and our own finalizer
 * would run it at once, before the destructors of the libraries after us). */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
#endif

__attribute__((destructor)) static void nc_finish(void)
{
#ifdef __GLIBC__
	if (__cxa_atexit(finish_last, 0, 0) == 0)
		return;
#endif
	finish_last(0);
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

/* The exported calls under hidden names of their own, for dlopen.c, which
 * points the slots of RTLD_DEEPBIND libraries at them (a reference to "mmap"
 * from here could bind to a program's own mmap). */
#define NC_SELF(sym) ".globl nc_self_" sym "\n\t.hidden nc_self_" sym "\n\t.set nc_self_" sym ", " sym "\n\t"
__asm__(NC_SELF("mmap") NC_SELF("mmap64") NC_SELF("munmap") NC_SELF("mremap") NC_SELF("shmat")
	NC_SELF("shmdt") NC_SELF("syscall") NC_SELF("prctl") NC_SELF("_exit") NC_SELF("_Exit"));
