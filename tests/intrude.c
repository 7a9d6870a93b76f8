/* intrude.c - correct programs that the shim must not change (issue 10).
 *
 * Each case is a small program that works without the shim: locks taken in
 * fork handlers, signal handlers and real-time threads; small stacks; address
 * space and descriptor limits; unusual mappings; descriptors and exit handling
 * that belong to the program. Under the default options it must behave exactly
 * as without the shim (same output, same status), except that a real clobber
 * is refused and logged.
 *   intrude CASE [ARG]   prints "CASE ok" (or a result line), "CASE FAIL: why"
 *                        or "CASE skip: why"
 * A clobber attempt is made only at targets that are harmless to replace: a
 * page mapped behind the shim's back (without the shim the replacement simply
 * happens), or libc's text only when the shim is loaded. tests/cases/68-intrude.sh
 * runs each case with and without the shim and compares. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static size_t pg;
static const char *name;
static int out_fd = 1; /* where result lines go (nofile-100 moves it) */

static void say(const char *a, const char *b, const char *c)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s%s%s%s\n", name, a, b ? b : "", c ? c : "");
	if (n > 0 && write(out_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		_exit(9);
}

static int fail(const char *why)
{
	char e[64];
	snprintf(e, sizeof(e), " (errno %s)", t_errname(errno));
	say(" FAIL: ", why, e);
	return 1;
}

static int skip(const char *why)
{
	say(" skip: ", why, 0);
	return 0;
}

static int ok(void)
{
	say(" ok", 0, 0);
	return 0;
}

static void *map_rw(void *at, size_t len, int fixed)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1, 0);
}

/* Behind the shim's back: neither the program's own (as far as the shim
 * knows) nor, when read-write, reserved. */
static void *raw_map(void *at, size_t len, int prot, int fixed)
{
	long r = nc_sys_mmap(at, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1,
			     0); /* mmap2 on i386, whose SYS_mmap takes a pointer */
	return nc_sys_failed(r) ? MAP_FAILED : (void *)r;
}

static int replaced(void *at, size_t len) { return map_rw(at, len, 1) == at; }

static int shim_loaded(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "libnoclobber");
}

/* A clobber of a read-write page mapped behind the shim's back: refused with
 * EEXIST (the page untouched) under the shim, done without it. 1 if so. */
static int clobber_as_expected(char *at)
{
	at[0] = 42;
	errno = 0;
	void *r = map_rw(at, pg, 1);
	if (shim_loaded())
		return r == MAP_FAILED && errno == EEXIST && at[0] == 42;
	return r == at && at[0] == 0;
}

/* 1: a library's fork handlers that map, replace and unmap, registered before
 * the shim's (LD_PRELOAD=shim:lib) or after (lib:shim). 100 forks; the child's
 * handler result is its exit status. */
static int atfork_mmap(void)
{
	int *counts = dlsym(RTLD_DEFAULT, "intrude_lib_counts");
	if (!counts)
		return fail("libncintrude.so is not loaded (LD_PRELOAD it)");
	for (int i = 0; i < 100; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid == 0)
			_exit(counts[2] == 1 && counts[3] == 0 ? 0 : 1);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return fail("a child's fork handler failed to map, replace or unmap");
	}
	if (counts[0] != 100 || counts[1] != 100)
		return fail("the prepare and parent handlers did not run once per fork");
	if (counts[3])
		return fail("a fork handler failed to map, replace or unmap");
	return ok();
}

/* 2: fork from a signal handler that may have interrupted mmap or munmap
 * (2,000 times; each child _exits at once). */
#define HANDLER_FORKS 2000
static volatile sig_atomic_t forks_done, fork_failures;

static void on_fork_timer(int sig)
{
	(void)sig;
	int saved = errno;
	if (forks_done < HANDLER_FORKS) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fork_failures++;
		forks_done++;
	}
	errno = saved;
}

static int start_timer(void (*handler)(int), long ns, int to_this_thread, timer_t *t)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_signo = SIGALRM;
	ev.sigev_notify = SIGEV_SIGNAL;
	if (to_this_thread) {
		ev.sigev_notify = SIGEV_THREAD_ID;
#ifdef sigev_notify_thread_id
		ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
#else
		ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
#endif
	}
	struct itimerspec its = {{0, ns}, {0, ns}};
	return timer_create(CLOCK_MONOTONIC, &ev, t) == 0 && timer_settime(*t, 0, &its, 0) == 0;
}

/* Map two pages, replace the second, unmap both: 1 if all went well. */
static int map_replace_unmap(void)
{
	char *p = map_rw(0, 2 * pg, 0);
	if (p == MAP_FAILED)
		return 0;
	int r = replaced(p + pg, pg);
	return munmap(p, 2 * pg) == 0 && r;
}

/* n own pages, each between two pages mapped behind the shim's back, so
 * that the shim's record holds n separate ranges (the kernel merges them all
 * into one mapping: same protection, so a fork stays cheap); and two free holes, one
 * below them all and one above. Mapping at one hole and then the other makes
 * the record move past all n entries: the shim's bookkeeping for one call
 * takes long enough that a signal lands inside it. */
static char *spread_own(size_t n, char **lo, char **hi)
{
	size_t pages = 2 * n + 5;
	char *base = raw_map(0, pages * pg, PROT_READ, 0);
	if (base == MAP_FAILED)
		return 0;
	*lo = base + pg;
	*hi = base + (pages - 2) * pg;
	nc_syscall6(SYS_munmap, (long)*lo, (long)pg, 0, 0, 0, 0);
	nc_syscall6(SYS_munmap, (long)*hi, (long)pg, 0, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		char *at = base + (2 * i + 3) * pg;
		nc_syscall6(SYS_munmap, (long)at, (long)pg, 0, 0, 0, 0);
		if (mmap(at, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != at)
			return 0;
	}
	return base;
}

/* Map a page at a free hole, replace it, unmap it: 1 if all went well. */
static int hole_round(char *hole)
{
	if (mmap(hole, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != hole)
		return 0;
	int r = replaced(hole, pg);
	return munmap(hole, pg) == 0 && r;
}

static int fork_in_handler(void)
{
	char *lo, *hi;
	if (!spread_own(20000, &lo, &hi))
		return fail("20,000 own pages");
	timer_t t;
	if (!start_timer(on_fork_timer, 300000, 0, &t))
		return fail("timer");
	long failures = 0;
	while (forks_done < HANDLER_FORKS)
		failures += !hole_round(lo) + !hole_round(hi) + !map_replace_unmap();
	timer_delete(t);
	if (fork_failures)
		return fail("a fork from the handler failed or its child did not exit 0");
	if (failures)
		return fail("the main loop's map, replace or unmap failed");
	return ok();
}

/* 3: SCHED_FIFO threads of three priorities on one CPU, each mapping,
 * replacing and unmapping, and sleeping now and then so that a higher one
 * wakes while a lower one is in the middle of a call. */
struct fifo_worker {
	pthread_t t;
	int failures;
};

static void *fifo_work(void *arg)
{
	struct fifo_worker *w = arg;
	struct timespec nap = {0, 20000};
	for (int i = 0; i < 6000; i++) {
		w->failures += !map_replace_unmap();
		if (i % 4 == 0)
			nanosleep(&nap, 0);
	}
	return 0;
}

static int sched_fifo(void)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return fail("sched_getaffinity");
	int cpu = 0;
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
		cpu++;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	/* The main thread, on the same CPU and above them all, starts them, so
	 * none runs before all exist. */
	struct sched_param sp = {.sched_priority = 40};
	if (sched_setaffinity(0, sizeof(one), &one) != 0)
		return fail("sched_setaffinity");
	/* pthread_setschedparam, not sched_setscheduler: musl's is ENOSYS by
	 * design (POSIX gives it to processes, Linux to threads). */
	int se = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (se != 0) {
		errno = se;
		return se == EPERM ? skip("pthread_setschedparam(SCHED_FIFO) says EPERM (no CAP_SYS_NICE or no RT runtime here)")
				   : fail("pthread_setschedparam");
	}
	static struct fifo_worker w[3];
	for (int i = 0; i < 3; i++) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&a, SCHED_FIFO);
		struct sched_param p = {.sched_priority = 10 + 10 * i};
		pthread_attr_setschedparam(&a, &p);
		int e = pthread_create(&w[i].t, &a, fifo_work, &w[i]);
		if (!e)
			pthread_setaffinity_np(w[i].t, sizeof(one), &one);
		pthread_attr_destroy(&a);
		if (e) {
			errno = e;
			return e == EPERM ? skip("pthread_create with SCHED_FIFO says EPERM") : fail("pthread_create");
		}
	}
	int failures = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(w[i].t, 0);
		failures += w[i].failures;
	}
	sp.sched_priority = 0;
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	if (failures)
		return fail("a real-time thread's map, replace or unmap failed");
	return ok();
}

/* 4: a timer handler siglongjmp's out of whatever the main thread was doing
 * (mmap and munmap, mostly: with 20,000 own pages, the shim's bookkeeping of
 * each takes a while): the timeout pattern. Another thread maps and unmaps
 * all along; both must get to the end. */
static sigjmp_buf lj_env;
static volatile sig_atomic_t lj_armed;
static volatile long lj_jumps;
static volatile int lj_worker_done, lj_worker_failures;

static void on_lj_timer(int sig)
{
	(void)sig;
	if (lj_armed) {
		lj_armed = 0;
		lj_jumps++;
		siglongjmp(lj_env, 1);
	}
}

static void *lj_work(void *arg)
{
	(void)arg;
	int failures = 0;
	for (int i = 0; i < 20000; i++)
		failures += !map_replace_unmap();
	lj_worker_failures = failures;
	__atomic_store_n(&lj_worker_done, 1, __ATOMIC_RELEASE);
	return 0;
}

static int longjmp_out(void)
{
	static char *lo, *hi;
	if (!spread_own(20000, &lo, &hi))
		return fail("20,000 own pages");
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old); /* the worker never takes it */
	pthread_t w;
	if (pthread_create(&w, 0, lj_work, 0) != 0)
		return fail("pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, 0);
	timer_t t;
	if (!start_timer(on_lj_timer, 100000, 1, &t))
		return fail("timer");
	static volatile long main_failures;
	if (sigsetjmp(lj_env, 1)) {
		/* A jump out of a round may leave its hole mapped. */
		munmap(lo, pg);
		munmap(hi, pg);
	}
	lj_armed = 1;
	while (lj_jumps < 300 || !__atomic_load_n(&lj_worker_done, __ATOMIC_ACQUIRE))
		main_failures += !hole_round(lo) + !hole_round(hi) + !map_replace_unmap();
	lj_armed = 0;
	timer_delete(t);
	pthread_join(w, 0);
	/* Both threads go on after all the jumps. */
	for (int i = 0; i < 100; i++)
		main_failures += !map_replace_unmap();
	if (main_failures)
		return fail("the main thread's map, replace or unmap failed");
	if (lj_worker_failures)
		return fail("the other thread's map, replace or unmap failed");
	return ok();
}

/* 4b: the same jump at a known point, every time: tests/intrude_lib/jump_lib.c,
 * preloaded after the shim, raises SIGUSR2 in the shim's call to libc's mmap
 * or munmap, after the shim's bookkeeping before the system call (for munmap:
 * the range already taken out of its record). The page is still the program's
 * own: replacing it afterwards must work as it does without the shim. */
static sigjmp_buf cut_env;

static void on_cut(int sig)
{
	(void)sig;
	siglongjmp(cut_env, 1);
}

/* Round 0 cuts an mmap of lo's first page short, round 1 a munmap of its
 * second; after each the page is replaced. NULL, or what failed. */
static const char *cut_rounds(int *armed, char *lo)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cut;
	sigaction(SIGUSR2, &sa, 0);
	static volatile int round;
	for (round = 0; round < 2; round++) {
		char *page = lo + round * pg;
		if (!sigsetjmp(cut_env, 1)) {
			*armed = round ? 2 : 1;
			if (round)
				munmap(page, pg);
			else
				mmap(page, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			return "the armed call returned";
		}
		/* Cut short before the kernel call: the page is there, and ours. */
		if (mmap(page, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != page)
			return round ? "replacing the page whose munmap was cut short" :
				       "replacing the page whose mmap was cut short";
		page[0] = 1;
	}
	return 0;
}

static int longjmp_cut(void)
{
	int *armed = dlsym(RTLD_DEFAULT, "intrude_jump_armed");
	if (!armed)
		return skip("tests/intrude_lib/jump_lib.c is not preloaded");
	char *lo = mmap(0, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lo == MAP_FAILED)
		return fail("mmap");
	const char *failed = cut_rounds(armed, lo);
	if (failed)
		return fail(failed);
	munmap(lo, 2 * pg);
	return ok();
}

/* The same cuts, and memory that is not the program's (mapped behind the
 * shim's back, as another library's buffer is) stays protected: only the cut
 * calls' own ranges are looked at again. Prints what MAP_FIXED over it did. */
static int longjmp_cut_foreign(void)
{
	int *armed = dlsym(RTLD_DEFAULT, "intrude_jump_armed");
	if (!armed)
		return skip("tests/intrude_lib/jump_lib.c is not preloaded");
	char *foreign = raw_map(0, pg, PROT_READ | PROT_WRITE, 0);
	char *lo = mmap(0, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (foreign == MAP_FAILED || lo == MAP_FAILED)
		return fail("mmap");
	foreign[0] = 42;
	const char *failed = cut_rounds(armed, lo);
	if (failed)
		return fail(failed);
	void *r = mmap(foreign, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("%s foreign=%s\n", name, r == foreign ? "replaced" : errno == EEXIST && foreign[0] == 42 ? "EEXIST" : "?");
	return 0;
}

/* 4c: a fast timer's handler siglongjmps out of refused clobbers (of a page
 * mapped behind the shim's back): where it lands while the shim gives back
 * the signal mask on the way out of its own stack, the refusal's line is
 * still held there, to be written after. Every other attempt is not jumped
 * out of (the handler just returns). Every refusal the shim counted must have
 * its line, and the summary at exit must be written. */
static sigjmp_buf lines_env;
static volatile sig_atomic_t lines_armed;

static void on_lines_timer(int sig)
{
	(void)sig;
	if (lines_armed) {
		lines_armed = 0;
		siglongjmp(lines_env, 1);
	}
}

static int longjmp_lines(void)
{
	char *foreign = raw_map(0, pg, PROT_READ | PROT_WRITE, 0);
	if (foreign == MAP_FAILED)
		return fail("mmap");
	timer_t t;
	if (!start_timer(on_lines_timer, 100000, 1, &t))
		return fail("timer");
	static volatile int attempts;
	sigsetjmp(lines_env, 1);
	while (attempts < 300) {
		attempts++;
		lines_armed = attempts % 2; /* every other one runs through (under emulation too) */
		mmap(foreign, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		lines_armed = 0;
	}
	timer_delete(t);
	munmap(raw_map(0, pg, PROT_READ, 0), pg); /* a call into the shim after the last jump */
	return ok();
}

/* 5: small stacks. The paths run on a 16 KiB thread stack and on a SIGSTKSZ
 * alternate signal stack: a refused clobber of libc's text (only under the
 * shim: without it libc would be gone), a replacement of the program's own
 * page, a commit of a PROT_NONE reservation made behind the shim's back. */
static uintptr_t libc_page;
struct paths {
	int refused, own, reserved;
};

static void run_paths(struct paths *r)
{
	if (shim_loaded()) {
		errno = 0;
		void *p = mmap((void *)libc_page, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		r->refused = p == MAP_FAILED && errno == EEXIST;
		if (p == (void *)libc_page)
			t_exit(3); /* libc is gone: no way to report */
	} else {
		r->refused = 1;
	}
	r->own = map_replace_unmap();
	char *res = raw_map(0, 2 * pg, PROT_NONE, 0);
	r->reserved = res != MAP_FAILED && replaced(res + pg, pg) && munmap(res, 2 * pg) == 0;
}

static struct paths thread_paths, handler_paths;
static volatile int handler_ran;

static void *small_thread(void *arg)
{
	(void)arg;
	run_paths(&thread_paths);
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	int saved = errno;
	run_paths(&handler_paths);
	handler_ran = 1;
	errno = saved;
}

static int small_stack(void)
{
	libc_page = t_libc_text_page(pg);
	if (!libc_page)
		return fail("libc's text not found");
	pthread_attr_t a;
	pthread_attr_init(&a);
	/* 16 KiB, or the least the platform allows (aarch64's glibc: 128 KiB,
	 * for 64 KiB pages). */
	size_t small = 16384;
	if ((long)small < sysconf(_SC_THREAD_STACK_MIN))
		small = (size_t)sysconf(_SC_THREAD_STACK_MIN);
	int e = pthread_attr_setstacksize(&a, small);
	if (e) {
		errno = e;
		return fail("pthread_attr_setstacksize(16 KiB or PTHREAD_STACK_MIN)");
	}
	pthread_t t;
	if ((e = pthread_create(&t, &a, small_thread, 0)) != 0) {
		errno = e;
		return fail("pthread_create");
	}
	pthread_join(t, 0);
	pthread_attr_destroy(&a);
	if (!thread_paths.refused)
		return fail("16 KiB stack: the clobber of libc's text was not refused with EEXIST");
	if (!thread_paths.own)
		return fail("16 KiB stack: replacing an own page failed");
	if (!thread_paths.reserved)
		return fail("16 KiB stack: committing a reservation failed");

	/* SIGSTKSZ bytes, with an inaccessible page below: an overflow is a
	 * SIGSEGV at once, not a quiet write into a neighbour. */
#ifdef _SC_SIGSTKSZ
	long sz = sysconf(_SC_SIGSTKSZ);
#else
	long sz = SIGSTKSZ;
#endif
	if (sz < (long)SIGSTKSZ)
		sz = SIGSTKSZ;
	size_t len = ((size_t)sz + pg - 1) / pg * pg;
	char *mem = map_rw(0, len + pg, 0);
	if (mem == MAP_FAILED || mprotect(mem, pg, PROT_NONE) != 0)
		return fail("alternate stack");
	stack_t ss = {.ss_sp = mem + len + pg - (size_t)sz, .ss_size = (size_t)sz, .ss_flags = 0};
	if (sigaltstack(&ss, 0) != 0)
		return fail("sigaltstack");
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, 0);
	raise(SIGUSR1);
	if (!handler_ran)
		return fail("the handler did not run");
	if (!handler_paths.refused)
		return fail("SIGSTKSZ stack: the clobber of libc's text was not refused with EEXIST");
	if (!handler_paths.own)
		return fail("SIGSTKSZ stack: replacing an own page failed");
	if (!handler_paths.reserved)
		return fail("SIGSTKSZ stack: committing a reservation failed");
	return ok();
}

/* The stack high-water mark of one mmap call, in bytes below this function's
 * stack pointer: the region below is filled with a pattern first; after the
 * call, the lowest word that changed is how deep the call went. The first 128
 * bytes below are not filled (the return address and red zone live there). */
#define DEPTH_SPAN (96 * 1024)
#define DEPTH_FILL 0x5aa5c33cf00fe11eULL

static __attribute__((noinline)) long stack_depth(void *addr, size_t len, int prot, int flags, void **res)
{
	uintptr_t sp;
#if defined(__x86_64__)
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
	__asm__ volatile("mov %0, sp" : "=r"(sp));
#elif defined(__i386__)
	__asm__ volatile("mov %%esp, %0" : "=r"(sp));
#else
	sp = (uintptr_t)__builtin_frame_address(0);
#endif
	volatile uint64_t *lo = (volatile uint64_t *)((sp - DEPTH_SPAN) & ~(uintptr_t)7);
	volatile uint64_t *hi = (volatile uint64_t *)((sp - 128) & ~(uintptr_t)7);
	for (volatile uint64_t *w = lo; w < hi; w++)
		*w = DEPTH_FILL;
	*res = mmap(addr, len, prot, flags, -1, 0);
	volatile uint64_t *w = lo;
	while (w < hi && *w == DEPTH_FILL)
		w++;
	return w == lo ? -1 : (long)(sp - (uintptr_t)w); /* -1: deeper than we can see */
}

static long depth_max[6];
static const char *const depth_names[6] = {"nonfixed", "fixed-free", "own", "reserved", "refused", "refused-libc"};

static void depth_note(int i, long d)
{
	if (d < 0)
		depth_max[i] = DEPTH_SPAN;
	else if (d > depth_max[i])
		depth_max[i] = d;
}

static void *depth_thread(void *arg)
{
	(void)arg;
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS, rw = PROT_READ | PROT_WRITE;
	void *r;
	/* Bind the PLT entry and let the shim start everything it starts once. */
	munmap(map_rw(0, pg, 0), pg);
	for (int round = 0; round < 2; round++) {
		depth_note(0, stack_depth(0, pg, rw, anon, &r));
		munmap(r, pg);

		char *hole = map_rw(0, pg, 0);
		munmap(hole, pg);
		depth_note(1, stack_depth(hole, pg, rw, anon | MAP_FIXED, &r));
		munmap(hole, pg);

		char *own = map_rw(0, pg, 0);
		depth_note(2, stack_depth(own, pg, rw, anon | MAP_FIXED, &r));
		munmap(own, pg);

		char *res = raw_map(0, pg, PROT_NONE, 0);
		depth_note(3, stack_depth(res, pg, rw, anon | MAP_FIXED, &r));
		munmap(res, pg);

		char *other = raw_map(0, pg, rw, 0);
		depth_note(4, stack_depth(other, pg, rw, anon | MAP_FIXED, &r));
		munmap(other, pg);

		if (shim_loaded()) {
			depth_note(5, stack_depth((void *)libc_page, pg, PROT_READ | PROT_EXEC, anon | MAP_FIXED, &r));
			if (r == (void *)libc_page)
				t_exit(3);
		}
	}
	return 0;
}

static int stack_depth_case(void)
{
	libc_page = t_libc_text_page(pg);
	if (!libc_page)
		return fail("libc's text not found");
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 20);
	pthread_t t;
	if (pthread_create(&t, &a, depth_thread, 0) != 0)
		return fail("pthread_create");
	pthread_join(t, 0);
	pthread_attr_destroy(&a);
	char line[256];
	size_t n = 0;
	for (int i = 0; i < 6; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%ld", depth_names[i], depth_max[i]);
	say(line, 0, 0);
	return 0;
}

/* Current VmSize in bytes, or 0. */
static long vm_size(void)
{
	long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* 6: mremap MAYMOVE|FIXED of 32 MiB to a free address, under an RLIMIT_AS
 * with 4 MiB to spare: a move needs no more address space than it had. */
static int mremap_rlimit_as(void)
{
	size_t len = 32 << 20;
	char *src = map_rw(0, len, 0);
	char *dst = map_rw(0, len, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return fail("mmap");
	munmap(dst, len); /* a free range to move to */
	memset(src, 7, 2 * pg);
	src[len - 1] = 9;
	long vm = vm_size();
	if (!vm)
		return skip("no VmSize in /proc/self/status");
	struct rlimit rl = {.rlim_cur = (rlim_t)vm + (4 << 20), .rlim_max = (rlim_t)vm + (4 << 20)};
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return fail("setrlimit(RLIMIT_AS)");
	errno = 0;
	char *r = mremap(src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (r != dst)
		return fail("mremap(MREMAP_MAYMOVE|MREMAP_FIXED) to a free range");
	if (r[pg] != 7 || r[len - 1] != 9)
		return fail("the moved data is not there");
	/* And back over part of itself: the moved mapping is the program's own. */
	if (!replaced(r, 2 * pg))
		return fail("MAP_FIXED over the moved mapping");
	return ok();
}

/* 7: run under a small RLIMIT_AS (ulimit -v 10000 in the script): replace
 * own memory, commit an own PROT_NONE reservation and one made behind the
 * shim's back. */
static int rlimit_as_small(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 16u << 20)
		return skip("RLIMIT_AS is not small: run under ulimit -v 10000");
	char *p = map_rw(0, 4 * pg, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	memset(p, 1, 4 * pg);
	if (!replaced(p + pg, 2 * pg))
		return fail("MAP_FIXED over own read-write memory");
	char *res = mmap(0, 16 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return fail("reserve");
	if (!replaced(res + 4 * pg, 8 * pg))
		return fail("commit of an own PROT_NONE reservation");
	char *raw = raw_map(0, 16 * pg, PROT_NONE, 0);
	if (raw == MAP_FAILED)
		return fail("raw reserve");
	if (!replaced(raw + 4 * pg, 8 * pg))
		return fail("commit of a PROT_NONE reservation made behind the shim's back");
	/* Many more own mappings than one page of records holds. */
	for (int i = 0; i < 300; i++) {
		char *q = mmap(0, pg, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED)
			return fail("mmap of a page");
		if (!replaced(q, pg))
			return fail("MAP_FIXED over an own page among many");
	}
	return ok();
}

/* 8: no descriptor free when the shim first needs /proc/self/maps: a commit
 * of a PROT_NONE reservation made before (behind the shim's back), and a
 * thread committing its own stack guard. */
static volatile int guard_go, guard_result = -1;

static void *guard_thread(void *arg)
{
	(void)arg;
	pthread_attr_t a;
	void *stack;
	size_t size, guard;
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return 0;
	pthread_attr_getstack(&a, &stack, &size);
	pthread_attr_getguardsize(&a, &guard);
	pthread_attr_destroy(&a);
	while (!__atomic_load_n(&guard_go, __ATOMIC_ACQUIRE))
		nanosleep(&(struct timespec){0, 1000000}, 0);
	if (guard < pg) {
		guard_result = 2;
		return 0;
	}
	/* glibc puts the guard at the low end of the block, below the usable stack. */
	char *g = (char *)stack - guard;
	errno = 0;
	void *r = mmap(g, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	guard_result = r == g;
	return 0;
}

static int emfile(void)
{
	char *res = raw_map(0, 8 * pg, PROT_NONE, 0);
	if (res == MAP_FAILED)
		return fail("raw reserve");
	pthread_t t;
	if (pthread_create(&t, 0, guard_thread, 0) != 0)
		return fail("pthread_create");
	int first = -1, last = -1;
	for (;;) {
		int fd = dup(0);
		if (fd < 0)
			break;
		if (first < 0)
			first = fd;
		last = fd;
	}
	if (errno != EMFILE)
		return fail("could not use up the descriptors");
	int committed = replaced(res + 2 * pg, 4 * pg);
	int e = errno;
	__atomic_store_n(&guard_go, 1, __ATOMIC_RELEASE);
	pthread_join(t, 0);
	for (int fd = first; first >= 0 && fd <= last; fd++)
		close(fd);
	errno = e;
	if (!committed)
		return fail("commit of a PROT_NONE reservation made before, at EMFILE");
	if (guard_result == 2)
		return skip("the thread has no stack guard");
	if (guard_result != 1)
		return fail("a thread's commit of its own stack guard, at EMFILE");
	return ok();
}

/* 9: a MAP_GROWSDOWN mapping grown by touching below it, then replaced
 * whole.
 *
 *   |<- 4 MiB free ->|<- grown: 4 pages ->|<- mapped: 4 pages ->|
 *                    ^ touched one page at a time, downwards
 *                    |<------ MAP_FIXED over all 8 pages ------>|        */
static sigjmp_buf segv_env;
static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_env, 1);
}

static int growsdown(void)
{
	size_t room = 4 << 20;
	char *area = map_rw(0, room + 4 * pg, 0);
	if (area == MAP_FAILED)
		return fail("mmap");
	munmap(area, room + 4 * pg);
	char *top = area + room;
	char *g = mmap(top, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (g != top)
		return fail("mmap(MAP_GROWSDOWN)");
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_env, 1)) {
		sigaction(SIGSEGV, &old, 0);
		return skip("the kernel did not grow the MAP_GROWSDOWN mapping on a touch below it");
	}
	for (int i = 1; i <= 4; i++)
		((volatile char *)top)[-(long)i * (long)pg] = (char)i;
	sigaction(SIGSEGV, &old, 0);
	char *low = top - 4 * pg;
	if (!replaced(low, 8 * pg))
		return fail("MAP_FIXED over the whole grown mapping");
	if (low[0] != 0)
		return fail("the replacement did not take place");
	return ok();
}

/* 10: MAP_HUGETLB of half a huge page: the kernel maps a whole one; then
 * MAP_FIXED over the whole huge page. */
static size_t huge_page_size(void)
{
	long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (size_t)kb * 1024;
}

static int hugetlb(void)
{
	size_t hps = huge_page_size();
	if (!hps)
		return skip("no Hugepagesize in /proc/meminfo");
	char *h = mmap(0, hps / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (h == MAP_FAILED)
		return skip("no huge page to be had (vm.nr_hugepages is 0 or all in use)");
	h[0] = 1;
	h[hps - 1] = 2; /* the rounded-up part is the program's to use */
	if (!replaced(h, hps))
		return fail("MAP_FIXED over the whole huge page");
	if (h[0] != 0 || h[hps - 1] != 0)
		return fail("the replacement did not take place");
	return ok();
}

/* 11: MREMAP_DONTUNMAP with old_len != new_len is malformed: EINVAL, whatever
 * is at the target (a page mapped behind the shim's back, an own page, free),
 * and with or without MREMAP_FIXED. Nothing moves. */
static int dontunmap(void)
{
	char *src = map_rw(0, 2 * pg, 0);
	char *own = map_rw(0, 4 * pg, 0);
	char *other = raw_map(0, 4 * pg, PROT_READ | PROT_WRITE, 0);
	char *hole = map_rw(0, 4 * pg, 0);
	if (src == MAP_FAILED || own == MAP_FAILED || other == MAP_FAILED || hole == MAP_FAILED)
		return fail("mmap");
	munmap(hole, 4 * pg);
	src[0] = 5;
	other[0] = 6;
	own[0] = 7;
	char *targets[3] = {other, own, hole};
	const char *what[3] = {"not own", "own", "free"};
	char res[128];
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		errno = SENTINEL_ERRNO;
		void *r = mremap(src, 2 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, targets[i]);
		n += (size_t)snprintf(res + n, sizeof(res) - n, " %s=%s", what[i],
				      r == MAP_FAILED ? t_errname(errno) : "moved");
	}
	errno = SENTINEL_ERRNO;
	void *r = mremap(src, 2 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	n += (size_t)snprintf(res + n, sizeof(res) - n, " anywhere=%s", r == MAP_FAILED ? t_errname(errno) : "moved");
	say(res, 0, 0);
	if (src[0] != 5 || other[0] != 6 || own[0] != 7)
		return fail("the source or a target changed");
	return 0;
}

/* 12: stderr closed and a data file opened in its place (descriptor 2):
 * replacements that are allowed (and logged at verbosity=1) must not write
 * into it. The file (ARG) holds what the program wrote, nothing else. */
static int stderr_reused(const char *path)
{
	if (!path)
		return fail("usage: intrude stderr-reused FILE");
	close(2);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd != 2)
		return fail("the data file did not get descriptor 2");
	static const char data[] = "the program's own data\n";
	if (write(2, data, sizeof(data) - 1) != (ssize_t)sizeof(data) - 1)
		return fail("write");
	for (int i = 0; i < 3; i++)
		if (!map_replace_unmap())
			return fail("map, replace, unmap");
	char *res = raw_map(0, 2 * pg, PROT_NONE, 0);
	if (res == MAP_FAILED || !replaced(res, pg))
		return fail("commit of a reservation");
	if (write(2, data, sizeof(data) - 1) != (ssize_t)sizeof(data) - 1)
		return fail("write");
	char back[4096];
	ssize_t k = pread(2, back, sizeof(back), 0);
	if (k != 2 * (ssize_t)(sizeof(data) - 1) || memcmp(back, data, sizeof(data) - 1) ||
	    memcmp(back + sizeof(data) - 1, data, sizeof(data) - 1))
		return fail("the data file holds more than the program's own data");
	return ok();
}

/* 13: RLIMIT_NOFILE at 64 (ulimit -n 64 in the script), a clobber refused and
 * logged (log_path), then a daemon's reopening of 0, 1 and 2: the same
 * numbers as without the shim. */
static int nofile_100(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > 100)
		return skip("RLIMIT_NOFILE is above 100: run under ulimit -n 64");
	char *other = raw_map(0, pg, PROT_READ | PROT_WRITE, 0);
	if (other == MAP_FAILED)
		return fail("raw map");
	out_fd = dup(1);
	if (out_fd < 0)
		return fail("dup");
	close(0);
	close(1);
	close(2);
	if (!clobber_as_expected(other))
		return fail("the clobber was not refused with EEXIST");
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_WRONLY), c = open("/dev/null", O_WRONLY);
	char line[64];
	snprintf(line, sizeof(line), " fds=%d,%d,%d", a, b, c);
	say(line, 0, 0);
	return 0;
}

/* 14: exitcode=N and what runs after the shim's end handling: with
 * tests/intrude_lib preloaded, its destructor writes INTRUDE_FINI_FILE and
 * registers an exit handler that writes INTRUDE_LATE_FILE after all
 * destructors. One clobber attempt. */
static int exitcode_order(void)
{
	char *other = raw_map(0, pg, PROT_READ | PROT_WRITE, 0);
	if (other == MAP_FAILED)
		return fail("raw map");
	if (!clobber_as_expected(other))
		return fail("the clobber was not refused with EEXIST");
	printf("%s main done\n", name); /* buffered: flushed by exit */
	return 0;
}

/* 15: the parent vforks; the child makes one clobber attempt and _exits 0;
 * the parent makes none. Prints the child's status and both pids. */
static int vfork_count(void)
{
	char *other = raw_map(0, pg, PROT_READ | PROT_WRITE, 0);
	if (other == MAP_FAILED)
		return fail("raw map");
	pid_t pid = vfork();
	if (pid == 0) {
		map_rw(other, pg, 1);
		_exit(0);
	}
	if (pid < 0)
		return fail("vfork");
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return fail("waitpid");
	char line[128];
	snprintf(line, sizeof(line), " parent=%d child=%d child-status=%d", (int)getpid(), (int)pid,
		 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	say(line, 0, 0);
	return 0;
}

/* Hostile review: threads and their signal handlers map, replace, move and
 * unmap their own memory all at once while the main thread forks in a loop.
 * A handler's munmap or mremap once took its range out of the record only
 * after the kernel had freed it, deleting another thread's fresh record of
 * memory mapped there meanwhile: its replacement was then refused. */
static volatile int churn_stop;
static volatile long churn_failures;

static void churn(void)
{
	char *p = map_rw(0, 8 * pg, 0);
	if (p == MAP_FAILED) {
		__atomic_add_fetch(&churn_failures, 1, __ATOMIC_RELAXED);
		return;
	}
	if (!replaced(p + pg, 2 * pg))
		__atomic_add_fetch(&churn_failures, 1, __ATOMIC_RELAXED);
	char *q = mremap(p, 8 * pg, 16 * pg, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		__atomic_add_fetch(&churn_failures, 1, __ATOMIC_RELAXED);
		munmap(p, 8 * pg);
		return;
	}
	munmap(q + 4 * pg, 4 * pg);
	if (mmap(q + 2 * pg, 4 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != q + 2 * pg)
		__atomic_add_fetch(&churn_failures, 1, __ATOMIC_RELAXED);
	munmap(q, 16 * pg);
}

static void on_churn_signal(int sig)
{
	(void)sig;
	int e = errno;
	churn();
	errno = e;
}

static void *churn_thread(void *arg)
{
	(void)arg;
	while (!churn_stop)
		churn();
	return 0;
}

/* nodefer: a handler may interrupt itself (SA_NODEFER), on the forking
 * thread too, between the fork handlers: the inner one once changed the record
 * directly while the outer one was half-way through a change of its own
 * (lost records, false refusals, a crash; found by review). */
static int churn_fork_with(int nodefer)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_churn_signal;
	sa.sa_flags = SA_RESTART | (nodefer ? SA_NODEFER : 0);
	sigaction(SIGALRM, &sa, 0);
	sigaction(SIGUSR1, &sa, 0);
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, 0);
	enum { N = 4 };
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], 0, churn_thread, 0);
	long bad_children = 0;
	for (int round = 0; round < 60; round++) {
		for (int i = 0; i < N; i++)
			pthread_kill(t[i], SIGUSR1);
		pid_t c = fork();
		if (c == 0) {
			long before = churn_failures;
			churn();
			_exit(churn_failures == before ? 0 : 2);
		}
		int st;
		while (waitpid(c, &st, 0) < 0 && errno == EINTR)
			;
		bad_children += !WIFEXITED(st) || WEXITSTATUS(st);
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, 0);
	churn_stop = 1;
	for (int i = 0; i < N; i++)
		pthread_join(t[i], 0);
	if (churn_failures)
		return fail("a replacement or move of the program's own memory failed");
	if (bad_children)
		return fail("a child's replacement of its own memory failed");
	return ok();
}

static int churn_fork(void) { return churn_fork_with(0); }
static int churn_fork_nodefer(void) { return churn_fork_with(1); }

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		fprintf(stderr, "usage: intrude CASE [ARG]\n");
		return 2;
	}
	name = argv[1];
	const char *arg = argc > 2 ? argv[2] : 0;
	static const struct {
		const char *name;
		int (*run)(void);
	} cases[] = {
		{"atfork-mmap", atfork_mmap},
		{"fork-in-handler", fork_in_handler},
		{"sched-fifo", sched_fifo},
		{"longjmp-out", longjmp_out},
		{"longjmp-cut", longjmp_cut},
		{"longjmp-cut-foreign", longjmp_cut_foreign},
		{"longjmp-lines", longjmp_lines},
		{"small-stack", small_stack},
		{"stack-depth", stack_depth_case},
		{"mremap-rlimit-as", mremap_rlimit_as},
		{"rlimit-as-small", rlimit_as_small},
		{"emfile", emfile},
		{"growsdown", growsdown},
		{"hugetlb", hugetlb},
		{"dontunmap", dontunmap},
		{"nofile-100", nofile_100},
		{"vfork-count", vfork_count},
		{"churn-fork", churn_fork},
		{"churn-fork-nodefer", churn_fork_nodefer},
		{"exitcode-order", exitcode_order},
	};
	if (!strcmp(name, "stderr-reused"))
		return stderr_reused(arg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(name, cases[i].name))
			return cases[i].run();
	fprintf(stderr, "intrude: no case %s\n", name);
	return 2;
}
