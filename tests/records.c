/* records.c - the own set follows what the kernel did, no more, no less.
 *
 * Each case is a correct program that replaces its own memory after something
 * that could mislead the shim's record of what it mapped: a munmap, mremap or
 * shmdt the kernel refused, more mappings than a fixed table holds, a mapping
 * made in a signal handler that interrupted the shim. Under the default policy
 * (allow=own,reserved) every replacement of its own read-write memory must
 * succeed, and memory that stopped being its own must be refused.
 *   records CASE      prints "CASE ok" or "CASE FAIL: why" or "CASE skip: why"
 * Run without the shim, every case must say ok too (the reference). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#ifndef SYS_mseal
#define SYS_mseal 462
#endif

static size_t pg;
static const char *name;

static int fail(const char *why)
{
	printf("%s FAIL: %s (errno %s)\n", name, why, t_errname(errno));
	return 1;
}

static int skip(const char *why)
{
	printf("%s skip: %s\n", name, why);
	return 0;
}

static int ok(void)
{
	printf("%s ok\n", name);
	return 0;
}

/* Read-write, private, anonymous: only allow=own lets this be replaced. */
static void *map_rw(void *at, size_t len, int fixed)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1, 0);
}

/* Behind the shim's back: a mapping the program did not make through it. */
static void *raw_map(void *at, size_t len, int fixed)
{
	long r = nc_sys_mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0),
			     -1, 0); /* mmap2 on i386, whose SYS_mmap takes a pointer */
	return nc_sys_failed(r) ? MAP_FAILED : (void *)r;
}

static int replaced(void *at, size_t len) { return map_rw(at, len, 1) == at; }

/* Only under the shim is memory that is not the program's own refused. */
static int shim_loaded(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "libnoclobber");
}

static int refused(void *at, size_t len)
{
	errno = 0;
	void *r = map_rw(at, len, 1);
	return shim_loaded() ? r == MAP_FAILED && errno == EEXIST : r == at;
}

/* Part of the range is sealed (Linux 6.10+): munmap fails with EPERM and
 * unmaps nothing; the pages that are not sealed are still ours. */
static int munmap_sealed(void)
{
	char *p = map_rw(0, 3 * pg, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	if (syscall(SYS_mseal, p + 2 * pg, pg, 0) != 0)
		return errno == ENOSYS || errno == EINVAL ? skip("no mseal (Linux 6.10+)") : fail("mseal");
	errno = 0;
	if (munmap(p, 3 * pg) == 0 || errno != EPERM)
		return fail("munmap of a sealed range did not fail with EPERM");
	if (!replaced(p, 2 * pg))
		return fail("MAP_FIXED over own pages after the refused munmap");
	return ok();
}

/* At vm.max_map_count, a munmap that splits a mapping fails with ENOMEM (LTP
 * munmap04): the mapping is still whole and ours. */
static int munmap_max_map_count(void)
{
	char *p = map_rw(0, 3 * pg, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	/* Fill the map count with single pages of alternating protection (each a
	 * mapping of its own), made with raw calls so the own set is not what
	 * is being tested here. */
	size_t n = 0, cap = 1 << 20;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	unsigned long max_count = 0;
	if (f && fscanf(f, "%lu", &max_count) == 1 && max_count < cap / 2)
		cap = 2 * (max_count + 64);
	if (f)
		fclose(f);
	char *fill = raw_map(0, cap * pg, 0); /* one reservation carved into pages */
	if (fill == MAP_FAILED)
		return errno == ENOMEM ? skip("no room in the address space for twice vm.max_map_count pages")
				       : fail("reserve");
	for (; n < cap; n += 2)
		if (mprotect(fill + n * pg, pg, PROT_READ) != 0)
			break;
	if (errno != ENOMEM)
		return fail("could not reach vm.max_map_count");
	errno = 0;
	int r = munmap(p + pg, pg);
	int err = errno;
	munmap(fill, cap * pg);
	if (r == 0 || err != ENOMEM) {
		errno = err;
		return fail("a splitting munmap at vm.max_map_count did not fail with ENOMEM");
	}
	if (!replaced(p, 3 * pg))
		return fail("MAP_FIXED over the whole own mapping after the refused munmap");
	return ok();
}

/* mremap of a range that spans two mappings fails (EFAULT); the part that was
 * ours stays ours. */
static int mremap_partly_own(void)
{
	char *p = raw_map(0, 2 * pg, 0); /* the second page: not through the shim */
	if (p == MAP_FAILED)
		return fail("raw map");
	nc_syscall6(SYS_munmap, (long)p, (long)pg, 0, 0, 0, 0);
	if (mmap(p, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != p)
		return fail("mmap");
	mprotect(p + pg, pg, PROT_READ); /* two mappings */
	errno = 0;
	if (mremap(p, 2 * pg, 4 * pg, MREMAP_MAYMOVE) != MAP_FAILED)
		return fail("mremap across two mappings succeeded");
	if (!replaced(p, pg))
		return fail("MAP_FIXED over the own page after the refused mremap");
	return ok();
}

/* shmdt of an address whose attachment the program had already unmapped (and
 * mapped its own memory there since) fails with EINVAL: that memory is still
 * its own. */
static int shmdt_stale(void)
{
	int id = shmget(IPC_PRIVATE, 2 * pg, IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget");
	char *a = shmat(id, 0, 0);
	shmctl(id, IPC_RMID, 0);
	if (a == (void *)-1)
		return fail("shmat");
	if (munmap(a, 2 * pg) != 0 || map_rw(a, 2 * pg, 1) != a)
		return fail("munmap the attachment and map own memory there");
	errno = 0;
	if (shmdt(a) == 0 || errno != EINVAL)
		return fail("shmdt where nothing is attached did not fail with EINVAL");
	if (!replaced(a, 2 * pg))
		return fail("MAP_FIXED over own memory after the refused shmdt");
	return ok();
}

/* More attachments than a fixed table holds: each detached one stops being
 * ours, so a mapping made there later behind the shim's back is protected. */
static int attachments_many(void)
{
	enum { N = 300 };
	static char *at[N];
	int id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget");
	for (int i = 0; i < N; i++)
		if ((at[i] = shmat(id, 0, 0)) == (void *)-1) {
			shmctl(id, IPC_RMID, 0);
			return fail("shmat");
		}
	shmctl(id, IPC_RMID, 0);
	for (int i = 0; i < N; i++)
		if (shmdt(at[i]) != 0)
			return fail("shmdt");
	char *last = at[N - 1];
	if (raw_map(last, pg, 1) != last)
		return fail("raw map");
	if (!refused(last, pg))
		return fail("MAP_FIXED over memory that is no longer own was not refused");
	return ok();
}

/* More own mappings than 65,536 (systems that raise vm.max_map_count): each
 * own page sits between two pages mapped behind the shim's back, with another
 * protection, so every one is a mapping and a range of its own. The last one
 * is still ours; the pages between are not. */
static int own_many(void)
{
	size_t want = 70000;
	char *base = raw_map(0, 2 * want * pg, 0);
	if (base == MAP_FAILED)
		return fail("reserve");
	for (size_t i = 0; i < want; i++) {
		char *at = base + 2 * i * pg;
		nc_syscall6(SYS_munmap, (long)at, (long)pg, 0, 0, 0, 0);
		if (mmap(at, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != at) {
			if (errno == ENOMEM)
				return skip("vm.max_map_count below 140,000 mappings");
			return fail("mmap into the hole");
		}
	}
	for (size_t i = 0; i < want; i += want / 7)
		if (!replaced(base + 2 * i * pg, pg))
			return fail("MAP_FIXED over an own page among 70,000 own mappings");
	if (!replaced(base + 2 * (want - 1) * pg, pg))
		return fail("MAP_FIXED over the last of 70,000 own mappings");
	if (!refused(base + pg, pg))
		return fail("MAP_FIXED over a page between them (not own) was not refused");
	return ok();
}

/* No memory for more records: the address space is limited (RLIMIT_AS) so
 * that the program's own mappings fit, but not the shim's table growing past
 * its first 4,096 ranges. Replacing a mapping the shim could not record is then
 * refused: the log must have said why first (tests/cases/66-records.sh checks
 * the notice). Prints the result of that replacement. */
static int own_nomem(void)
{
	size_t want = 6000;
	char *base = raw_map(0, 2 * want * pg, 0);
	if (base == MAP_FAILED)
		return fail("reserve");
	struct rlimit rl;
	long vm_kb = 0;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &vm_kb) == 1)
			break;
	if (f)
		fclose(f);
	if (vm_kb <= 0)
		return skip("no VmSize in /proc/self/status");
	rl.rlim_cur = rl.rlim_max = (rlim_t)vm_kb * 1024 + 64 * 1024; /* room for 16 pages more */
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return fail("setrlimit");
	for (size_t i = 0; i < want; i++) {
		char *at = base + 2 * i * pg;
		nc_syscall6(SYS_munmap, (long)at, (long)pg, 0, 0, 0, 0);
		if (mmap(at, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != at)
			return fail("mmap into the hole");
	}
	errno = 0;
	void *r = map_rw(base + 2 * (want - 1) * pg, pg, 1);
	printf("%s last=%s\n", name, r == MAP_FAILED ? t_errname(errno) : "ok");
	return 0;
}

/* A signal handler runs while this thread is inside the shim (blocked in
 * opening the log, a FIFO nobody reads yet): it maps a page and replaces it;
 * once the shim is left, the page is still known as the program's own. */
static const char *fifo;
static void *volatile handler_page;
static volatile int handler_result = -1;

/* handler-burst: the handler maps more pages than the shim can queue changes
 * for (it cannot record them while the interrupted frame holds its lock). */
#define BURST_PAGES 300
static int burst;
static void *burst_page[BURST_PAGES];
static volatile int fifo_rd = -1;

static void on_alarm(int sig)
{
	(void)sig;
	void *p = map_rw(0, pg, 0);
	handler_result = p != MAP_FAILED && replaced(p, pg);
	handler_page = p;
	for (int i = 0; burst && i < BURST_PAGES; i++)
		burst_page[i] = map_rw(0, pg, 0);
	fifo_rd = open(fifo, O_RDONLY | O_NONBLOCK); /* let the interrupted open go on */
}

static int handler_maps(void)
{
	fifo = getenv("RECORDS_FIFO");
	if (!fifo)
		return fail("RECORDS_FIFO not set");
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	alarm(1);
	/* A refused clobber: the log line opens log_path, the FIFO, and waits
	 * there (inside the shim) until the handler opens it for reading. */
	uintptr_t page = t_libc_text_page(pg);
	void *r = mmap((void *)page, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != MAP_FAILED)
		return fail("clobber of libc not refused");
	if (handler_result < 0)
		return fail("the handler did not run");
	if (!handler_result)
		return fail("the handler's replacement of its own page failed");
	if (!replaced(handler_page, pg))
		return fail("MAP_FIXED over the page the handler mapped, after the shim was left");
	for (int i = 0; burst && i < BURST_PAGES; i++)
		if (burst_page[i] == MAP_FAILED || !replaced(burst_page[i], pg))
			return fail("MAP_FIXED over a page of the handler's burst, after the shim was left");
	if (burst) { /* what the shim said, from the FIFO's other end */
		static char log[65536];
		ssize_t n = read(fifo_rd, log, sizeof(log) - 1);
		log[n > 0 ? n : 0] = 0;
		for (char *line = strtok(log, "\n"); line; line = strtok(0, "\n"))
			if (strncmp(line, "noclobber: refused", 18))
				printf("log: %s\n", line);
	}
	return ok();
}

static int handler_burst(void)
{
	burst = 1;
	return handler_maps();
}

/* The same at random points: a timer fires every 50 us while the thread maps
 * and unmaps; each handler maps a page and replaces it, and the main loop
 * replaces it once more afterwards. */
#define STORM_PAGES 64
static void *volatile storm_page[STORM_PAGES];
static volatile unsigned storm_in, storm_out;
static volatile long handler_runs, handler_failures;

static void on_timer(int sig)
{
	(void)sig;
	int saved = errno;
	void *p = map_rw(0, pg, 0);
	if (p == MAP_FAILED || !replaced(p, pg))
		handler_failures++;
	else if (storm_in - storm_out < STORM_PAGES)
		storm_page[storm_in++ % STORM_PAGES] = p;
	else
		munmap(p, pg);
	handler_runs++;
	errno = saved;
}

static int handler_storm(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	timer_t t;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	/* Every 50 us, 4000 runs; under qemu-user, where a handler's calls cost
	 * far more, the suite asks for fewer and further apart. */
	long us = getenv("RECORDS_STORM_US") ? atol(getenv("RECORDS_STORM_US")) : 50;
	long runs = getenv("RECORDS_STORM_RUNS") ? atol(getenv("RECORDS_STORM_RUNS")) : 4000;
	struct itimerspec its = {{0, us * 1000}, {0, us * 1000}};
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0 || timer_settime(t, 0, &its, 0) != 0)
		return fail("timer");
	long later_failures = 0;
	/* 4000 handler runs, or 30 s: qemu-user delivers signals far more
	 * rarely than the kernel does. */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; handler_runs < runs && i < 50000000; i++) {
		if (i % 1024 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec >= 30)
				break;
		}
		void *p = map_rw(0, pg, 0);
		if (p == MAP_FAILED || !replaced(p, pg))
			return fail("the main loop's replacement of its own page failed");
		munmap(p, pg);
		while (storm_out != storm_in) {
			void *q = storm_page[storm_out % STORM_PAGES];
			later_failures += !replaced(q, pg);
			munmap(q, pg);
			storm_out++;
		}
	}
	timer_delete(t);
	if (handler_runs < 100)
		return fail("fewer than 100 handler runs: the storm did not happen");
	if (handler_failures)
		return fail("a handler's replacement of its own page failed");
	if (later_failures)
		return fail("MAP_FIXED over a page a handler mapped, after the shim was left");
	return ok();
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, 0, _IONBF, 0);
	static const struct {
		const char *name;
		int (*run)(void);
	} cases[] = {
		{"munmap-sealed", munmap_sealed},
		{"munmap-max-map-count", munmap_max_map_count},
		{"mremap-partly-own", mremap_partly_own},
		{"shmdt-stale", shmdt_stale},
		{"attachments-many", attachments_many},
		{"own-many", own_many},
		{"own-nomem", own_nomem},
		{"handler-maps", handler_maps},
		{"handler-burst", handler_burst},
		{"handler-storm", handler_storm},
	};
	if (argc != 2) {
		fprintf(stderr, "usage: records CASE\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[1], cases[i].name)) {
			name = cases[i].name;
			return cases[i].run();
		}
	fprintf(stderr, "records: no case %s\n", argv[1]);
	return 2;
}
