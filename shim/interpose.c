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
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decide.h"
#include "log.h"
#include "options.h"
#include "regions.h"
#include "report.h"
#include "sys.h"

#define NC_EXPORT __attribute__((visibility("default")))

typedef void *(*libc_mmap_fn)(void *, size_t, int, int, int, off_t);

static libc_mmap_fn next_mmap, next_mmap64;

/* Depth of shim code on this thread; initial-exec so that reading it never
 * calls into the loader (a general-dynamic TLS access may allocate). */
static __thread int in_shim __attribute__((tls_model("initial-exec")));

/* 0 = options not read, 1 = being read, 2 = ready. */
static int init_state;

static void nc_init_options(void)
{
	int s = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
	if (s == 2)
		return;
	s = 0;
	if (!__atomic_compare_exchange_n(&init_state, &s, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)
			nc_sys(SYS_sched_yield, 0, 0, 0);
		return;
	}
	char err[512];
	if (nc_options_parse(getenv("NOCLOBBER_OPTIONS"), &nc_opts, err, sizeof(err)) < 0) {
		size_t n = __builtin_strlen(err);
		err[n] = '\n';
		nc_sys_write_all(2, err, n + 1);
		_exit(1);
	}
	if (NC_OPT(help))
		nc_options_print_help(2);
	__atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

/* glibc refuses an offset that is not a multiple of 4096 itself, before the
 * kernel sees it; the bootstrap path does the same so errno matches. */
static long raw_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (off & 4095)
		return -EINVAL;
	return nc_sys_mmap(addr, len, prot, flags, fd, off);
}

static long via(libc_mmap_fn fn, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (!fn)
		return raw_mmap(addr, len, prot, flags, fd, off);
	int saved = errno;
	void *p = fn(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED)
		return (long)p;
	long r = -errno;
	errno = saved;
	return r;
}

static long next_mmap_k(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return via(next_mmap, addr, len, prot, flags, fd, off);
}

static long next_mmap64_k(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return via(next_mmap64, addr, len, prot, flags, fd, off);
}

static void *ret_errno(long r)
{
	if (nc_sys_failed(r)) {
		errno = (int)-r;
		return MAP_FAILED;
	}
	return (void *)r;
}

/* The whole path for a MAP_FIXED call. noinline keeps the common path of the
 * exported wrappers free of its stack frame. */
__attribute__((noinline)) static void *fixed_mmap(const char *name, nc_mmap_fn next, void *addr,
						  size_t len, int prot, int flags, int fd, off_t off,
						  void *caller)
{
	nc_init_options();
	if (NC_OPT(mode) == NC_MODE_OFF || in_shim)
		return ret_errno(next(addr, len, prot, flags, fd, off));
	in_shim++;
	struct nc_call c = {name, (uintptr_t)addr, len, prot, flags, fd, off, (uintptr_t)caller};
	long r = nc_decide_mmap(&c, next);
	in_shim--;
	return ret_errno(r);
}

static inline int is_clobber_candidate(int flags)
{
	return (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
}

NC_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (__builtin_expect(!is_clobber_candidate(flags), 1)) {
		libc_mmap_fn n = next_mmap;
		if (__builtin_expect(n != 0, 1))
			return n(addr, len, prot, flags, fd, off);
		return ret_errno(raw_mmap(addr, len, prot, flags, fd, off));
	}
	return fixed_mmap("mmap", next_mmap_k, addr, len, prot, flags, fd, off,
			  __builtin_return_address(0));
}

NC_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (__builtin_expect(!is_clobber_candidate(flags), 1)) {
		libc_mmap_fn n = next_mmap64;
		if (__builtin_expect(n != 0, 1))
			return n(addr, len, prot, flags, fd, off);
		return ret_errno(raw_mmap(addr, len, prot, flags, fd, off));
	}
	return fixed_mmap("mmap64", next_mmap64_k, addr, len, prot, flags, fd, off,
			  __builtin_return_address(0));
}

static void before_fork(void) { nc_lock(&nc_table_lock); }
static void after_fork_parent(void) { nc_unlock(&nc_table_lock); }
static void after_fork_child(void)
{
	nc_table_lock.held = 0;
	nc_attempts = 0; /* each process reports its own attempts */
	nc_log_after_fork_child();
}

__attribute__((constructor(102))) static void nc_start(void)
{
	nc_init_options();
	/* Calls made while dlsym runs (its calloc may reach a malloc built on mmap)
	 * find the pointers still NULL and go to the kernel directly. */
	libc_mmap_fn m = (libc_mmap_fn)dlsym(RTLD_NEXT, "mmap");
	libc_mmap_fn m64 = (libc_mmap_fn)dlsym(RTLD_NEXT, "mmap64");
	__atomic_store_n(&next_mmap, m, __ATOMIC_RELEASE);
	__atomic_store_n(&next_mmap64, m64 ? m64 : m, __ATOMIC_RELEASE);
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

__attribute__((destructor)) static void nc_finish(void)
{
	nc_report_summary();
	unsigned code = (unsigned)NC_OPT(exitcode);
	if (code && __atomic_load_n(&nc_attempts, __ATOMIC_RELAXED)) {
		fflush(NULL); /* the program's own output first, as a normal exit would */
		_exit((int)code);
	}
}
