/* bench_calls.c - one benchmark case per process, for tests/bench/run.sh.
 *
 *   bench_calls CASE ARGS...
 *
 * The same binary is run with LD_PRELOAD=libnoclobber.so, with an empty
 * preloaded .so and with nothing; the driver interleaves the three and takes
 * medians. Every timed case runs a
 * warm-up of a tenth of its iterations first, then times ITERS iterations with
 * clock_gettime(CLOCK_MONOTONIC), in up to 100 blocks, and prints one line:
 *
 *   WALL_NS MAPPINGS CALLS BEST_NS MEDIAN_NS
 *
 * WALL_NS    nanoseconds per iteration over the whole timed run;
 * MAPPINGS   lines in /proc/self/maps after the timing;
 * CALLS      how many calls of the measured kind were made (warm-up included),
 *            so the driver can check the log file of a refusal case;
 * BEST_NS    per iteration in the fastest block (least disturbed by the rest of
 *            a busy machine); MEDIAN_NS the same in the median block.
 *
 * Cases:
 *   mmap ITERS                  mmap + munmap of one anonymous page, no MAP_FIXED
 *   mmap_raw ITERS              the same as raw system calls (the shim's code is
 *                               bypassed: what is left is the kernel's cost in
 *                               the process's layout)
 *   mmap_raw_held N ITERS       mmap_raw while holding N ranges as in mmap_held
 *   mmap_held N ITERS           mmap case while holding N one-page own ranges
 *                               that cannot merge (the shim's own set has N
 *                               entries; without the shim the same mappings exist)
 *   stubbed ITERS [fixed]       the mmap (or fixed_free) loop alone, for a run whose
 *                               mmap and munmap are stub.so's (nothing reaches the
 *                               kernel: what is timed is the preload's own code)
 *   fixed_free ITERS            MAP_FIXED onto a free page (found once) + munmap
 *   fixed_free_held N ITERS     fixed_free just below N own ranges held as in
 *                               mmap_held: the page enters the shim's own set
 *                               at its front
 *   fixed_own ITERS             MAP_FIXED page 1 of a 2-page mapping over itself
 *   refuse N ITERS [libc|libc-new|mixed|dense]
 *                               refused MAP_FIXED while holding about N mappings;
 *                               victim: a page of libc's text (libc), each time
 *                               another of 64 pages of it (libc-new: the shim
 *                               cannot reuse the hint it found for the last
 *                               call, only what it learnt of the mapping), each
 *                               time another of four mappings (mixed: libc's
 *                               text, the program's, the stack, the vDSO: a hint
 *                               searched anew each time), or one of N mappings
 *                               made behind the
 *                               shim's back (dense)
 *   floor N ITERS LINE_LEN LOG  what any refusal costs at the least, holding about N
 *                               mappings: one failing MAP_FIXED_NOREPLACE onto libc's
 *                               text, one PROCMAP_QUERY there, one write of a
 *                               LINE_LEN-byte line to LOG (opened as the shim opens
 *                               its log: append-only, created 0600)
 *   mapsread N ITERS            read /proc/self/maps once, holding about N mappings
 *   threads T ITERS             T threads, each ITERS x (mmap + munmap one page);
 *                               in 50 lock-step blocks; figures are wall time
 *                               per call, all threads together
 *   memory N                    hold about N mappings, one refused clobber (only
 *                               with the shim), then print RSS figures instead:
 *                               VMRSS_KB SHIM_KB SO_KB BSS_KB ARENA_KB ARENA_FOUND
 *                               RSSANON_KB
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#define PAGE 4096UL
/* The shim's arena (shim/core/arena.c): one anonymous mapping of exactly this size. */
#define ARENA_BYTES (440UL << 10)

static void die(const char *what)
{
	fprintf(stderr, "bench_calls: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- raw system calls: mappings the shim does not see ---------------------- */

/* The shim's own header-only raw system call (shim/core/sys.h). */
static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	return nc_syscall6(n, a, b, c, d, e, f);
}

/* ---- /proc/self/maps ---------------------------------------------------------- */

static char maps_buf[1 << 20];

/* Read the whole of /proc/self/maps once; returns the number of lines. */
static long read_maps(int want_lines)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/self/maps");
	long lines = 0;
	ssize_t n;
	while ((n = read(fd, maps_buf, sizeof(maps_buf))) > 0)
		if (want_lines)
			for (ssize_t i = 0; i < n; i++)
				lines += maps_buf[i] == '\n';
	close(fd);
	return lines;
}

static long count_maps(void) { return read_maps(1); }

static int shim_loaded(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int yes = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "libnoclobber"))
			yes = 1;
	if (f)
		fclose(f);
	return yes;
}

/* Hold about `total` mappings: one-page anonymous mappings made one by one through
 * mmap (the shim sees them), alternating PROT_READ and PROT_READ|PROT_WRITE so the
 * kernel cannot merge neighbours. */
static void fill_with_mmap(long total)
{
	long need = total - count_maps();
	for (long i = 0; i < need; i++) {
		int prot = (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
		if (mmap(0, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			die("mmap (filling)");
	}
}

/* The same, as one raw mmap split by mprotect: the shim never hears of these
 * pages, so they are not "own". Returns the middle page (read-write). */
static uintptr_t fill_behind_shim(long total)
{
	long need = total - count_maps();
	if (need < 3)
		need = 3;
	long r = raw6(SYS_mmap, 0, need * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		die("raw mmap (filling)");
	}
	for (long i = 1; i < need; i += 2)
		if (mprotect((char *)r + i * PAGE, PAGE, PROT_READ | PROT_WRITE) < 0)
			die("mprotect (filling)");
	return (uintptr_t)r + (need / 2 | 1) * PAGE;
}

/* ---- the timed loops ------------------------------------------------------------ */

/* The page (or victim) the loop under test works on. */
static char *target;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Warm up with a tenth of the iterations, then time ITERS of them in up to 100
 * blocks (about 1 ms each in a 100 ms trial) and print, per iteration:
 *   WALL_NS MAPPINGS CALLS BEST_BLOCK_NS MEDIAN_BLOCK_NS
 * WALL_NS is the whole timed run; BEST_BLOCK_NS the fastest block, the figure
 * least disturbed by other processes on a busy machine. */
static void timed(void (*loop)(long), long iters)
{
	if (iters < 1)
		iters = 1;
	long warm = iters / 10 + 1;
	loop(warm);
	long nb = iters < 100 ? iters : 100;
	double blk[100], best = 1e300;
	double t0 = now_ns();
	for (long b = 0; b < nb; b++) {
		long n = iters / nb + (b < iters % nb);
		double s = now_ns();
		loop(n);
		blk[b] = (now_ns() - s) / (double)n;
		if (blk[b] < best)
			best = blk[b];
	}
	double wall = (now_ns() - t0) / (double)iters;
	qsort(blk, (size_t)nb, sizeof(blk[0]), cmp_double);
	double med = nb % 2 ? blk[nb / 2] : (blk[nb / 2 - 1] + blk[nb / 2]) / 2;
	printf("%.3f %ld %ld %.3f %.3f\n", wall, count_maps(), iters + warm, best, med);
}

static void loop_mmap(long iters)
{
	for (long i = 0; i < iters; i++) {
		void *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		if (munmap(p, PAGE))
			die("munmap");
	}
}

/* A free page with PROT_NONE pages on both sides. */
static char *hole_page(void)
{
	char *r = mmap(0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		die("mmap (3 pages)");
	if (munmap(r + PAGE, PAGE))
		die("munmap (hole)");
	return r + PAGE;
}

/* Hold n own ranges: one-page mappings made through mmap (MAP_FIXED_NOREPLACE
 * into holes of a raw mapping), each between two pages the shim never saw, so
 * that its set of own ranges cannot merge them. The raw mapping starts LEAD
 * pages lower (the caller's, also never seen by the shim: a table the shim
 * moves out of its arena could take the room below otherwise). */
#define HOLD_LEAD 3
static uintptr_t hold_own_ranges(long n)
{
	long r = raw6(SYS_mmap, 0, (2 * n + 1 + HOLD_LEAD) * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		die("raw mmap (own ranges)");
	}
	r += HOLD_LEAD * PAGE;
	for (long i = 0; i < n; i++) {
		char *at = (char *)r + (2 * i + 1) * PAGE;
		raw6(SYS_munmap, (long)at, PAGE, 0, 0, 0, 0);
		if (mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != at)
			die("mmap MAP_FIXED_NOREPLACE (own ranges)");
	}
	return (uintptr_t)r;
}

static void loop_mmap_raw(long iters)
{
	for (long i = 0; i < iters; i++) {
		long p = raw6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p < 0 && p > -4096)
			die("raw mmap");
		raw6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
	}
}

static void case_mmap(long iters, int raw, long held)
{
	if (held)
		hold_own_ranges(held);
	/* A one-page hole between two PROT_NONE pages: the page lands there (the
	 * highest free gap), with nothing to merge with, whatever else the process
	 * has mapped (the shim's arena, libc's data). */
	char *hole = hole_page();
	void *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != hole)
		fprintf(stderr, "bench_calls: mmap: the page landed at %p, not in the hole at %p\n", p, (void *)hole);
	munmap(p, PAGE);
	timed(raw ? loop_mmap_raw : loop_mmap, iters);
}

static void loop_fixed_free(long iters)
{
	char *at = target;
	for (long i = 0; i < iters; i++) {
		void *p = mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != at)
			die("mmap MAP_FIXED (free)");
		if (munmap(p, PAGE))
			die("munmap");
	}
}

static void case_fixed_free(long iters, long held)
{
	char *at;
	if (held) {
		/* The page just below held own ranges (so that the shim's sorted set of
		 * own ranges takes it in, and lets it go, at its very front), above a
		 * PROT_NONE guard page. */
		char *r = (char *)hold_own_ranges(held);
		at = r - 2 * PAGE;
		raw6(SYS_mprotect, (long)(r - 3 * PAGE), PAGE, PROT_NONE, 0, 0, 0);
		raw6(SYS_munmap, (long)at, 2 * PAGE, 0, 0, 0, 0);
	} else {
		/* A free page with free pages on both sides: nothing to merge with. */
		char *r = mmap(0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r == MAP_FAILED)
			die("mmap (finding a free range)");
		munmap(r, 3 * PAGE);
		at = r + PAGE;
	}
	target = at;
	timed(loop_fixed_free, iters);
}

static void loop_fixed_own(long iters)
{
	char *at = target;
	for (long i = 0; i < iters; i++)
		if (mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != at)
			die("mmap MAP_FIXED (own)");
}

static void case_fixed_own(long iters)
{
	/* Two pages between PROT_NONE guards, so that the kernel cannot merge them
	 * with whatever happens to be mapped next to them (it differs with the shim). */
	char *g = mmap(0, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		die("mmap (guards)");
	char *r = mmap(g + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != g + PAGE)
		die("mmap (2 pages)");
	target = r + PAGE;
	timed(loop_fixed_own, iters);
}

static int refuse_spread; /* each refusal at another of 64 pages: a new call each time */
static char *mixed[4];     /* or at each of these in turn: another mapping each time */

static void loop_refuse(long iters)
{
	static long next; /* across blocks: each call another page than the last */
	for (long i = 0; i < iters; i++) {
		void *victim = mixed[0]        ? mixed[next++ % 4]
			       : refuse_spread ? (char *)target + (next++ % 64) * PAGE
					       : target;
		void *p = mmap(victim, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != MAP_FAILED || errno != EEXIST) {
			fprintf(stderr, "bench_calls: refuse: expected EEXIST, got %p errno %d\n", p, errno);
			exit(3);
		}
	}
}

static void *libc_text_page(void)
{
	void *f = dlsym(RTLD_DEFAULT, "getpid");
	if (!f)
		die("dlsym getpid");
	return (void *)((uintptr_t)f & ~(PAGE - 1));
}

int main(int argc, char **argv);

static void case_refuse(long n, long iters, const char *where)
{
	/* Without the shim this call would really replace the victim. */
	if (!shim_loaded()) {
		fprintf(stderr, "bench_calls: refuse needs LD_PRELOAD=libnoclobber.so\n");
		exit(2);
	}
	if (where && !strcmp(where, "dense")) {
		target = (char *)fill_behind_shim(n);
	} else if (where && !strcmp(where, "mixed")) {
		fill_with_mmap(n);
		char on_stack; /* its page stays mapped: the stack */
		mixed[0] = libc_text_page();
		mixed[1] = (char *)((uintptr_t)&main & ~(PAGE - 1));
		mixed[2] = (char *)((uintptr_t)&on_stack & ~(PAGE - 1));
		mixed[3] = (char *)getauxval(AT_SYSINFO_EHDR);
	} else if (where && !strcmp(where, "libc-new")) {
		fill_with_mmap(n);
		target = libc_text_page();
		refuse_spread = 1;
	} else {
		fill_with_mmap(n);
		target = libc_text_page();
	}
	timed(loop_refuse, iters);
}

/* PROCMAP_QUERY as Linux 6.11 defines it (installed headers may predate it). */
struct procmap_query_arg {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY_REQ 0xc0686611UL

static int floor_maps_fd, floor_log_fd;
static char floor_line[4096];
static size_t floor_len;

static void loop_floor(long iters)
{
	char name[256];
	for (long i = 0; i < iters; i++) {
		long r = raw6(SYS_mmap, (long)target, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (r != -EEXIST) {
			fprintf(stderr, "bench_calls: floor: MAP_FIXED_NOREPLACE gave %ld, not -EEXIST\n", r);
			exit(3);
		}
		struct procmap_query_arg q = {0};
		q.size = sizeof(q);
		q.query_addr = (uintptr_t)target;
		q.vma_name_addr = (uintptr_t)name;
		q.vma_name_size = sizeof(name);
		if (raw6(SYS_ioctl, floor_maps_fd, (long)PROCMAP_QUERY_REQ, (long)&q, 0, 0, 0) != 0) {
			fprintf(stderr, "bench_calls: floor: PROCMAP_QUERY failed (Linux 6.11+)\n");
			exit(3);
		}
		if (raw6(SYS_write, floor_log_fd, (long)floor_line, (long)floor_len, 0, 0, 0) != (long)floor_len)
			die("write (floor)");
	}
}

static void case_floor(long n, long iters, long len, const char *log)
{
	fill_with_mmap(n);
	target = libc_text_page();
	floor_maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	floor_log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (floor_maps_fd < 0 || floor_log_fd < 0)
		die("open (floor)");
	floor_len = len < 2 ? 2 : (size_t)len > sizeof(floor_line) ? sizeof(floor_line) : (size_t)len;
	memset(floor_line, 'x', floor_len - 1);
	floor_line[floor_len - 1] = '\n';
	timed(loop_floor, iters);
}

static void loop_mapsread(long iters)
{
	for (long i = 0; i < iters; i++)
		read_maps(0);
}

static void case_mapsread(long n, long iters)
{
	fill_with_mmap(n);
	timed(loop_mapsread, iters);
}

/* Threads: T threads run the mmap loop in lock-step blocks (a barrier before
 * each); every thread stamps when it starts and ends its share of a block, and
 * a block lasts from the first start to the last end. Cost per call = that span
 * / (T * calls per thread). */
#define THREAD_BLOCKS 50
#define MAX_THREADS 64
static pthread_barrier_t block_start;
static long thread_iters;
static double stamp[MAX_THREADS][THREAD_BLOCKS][2];

static void *thread_main(void *arg)
{
	long me = (long)arg;
	loop_mmap(thread_iters / 10 + 1); /* warm-up */
	for (long b = 0; b < THREAD_BLOCKS; b++) {
		pthread_barrier_wait(&block_start);
		stamp[me][b][0] = now_ns();
		loop_mmap(thread_iters / THREAD_BLOCKS + (b < thread_iters % THREAD_BLOCKS));
		stamp[me][b][1] = now_ns();
	}
	return 0;
}

static void case_threads(long t, long iters)
{
	pthread_t th[MAX_THREADS];
	if (t < 1 || t > MAX_THREADS)
		t = 2;
	if (iters < THREAD_BLOCKS)
		iters = THREAD_BLOCKS;
	thread_iters = iters;
	/* One hole per thread between PROT_NONE pages, as in case_mmap: the pages the
	 * threads map land there, never merged with a neighbour (thread stacks, libc's
	 * data, the shim's arena), the same with and without the shim. */
	char *r = mmap(0, (2 * t + 1) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		die("mmap (holes)");
	for (long i = 0; i < t; i++)
		if (munmap(r + (2 * i + 1) * PAGE, PAGE))
			die("munmap (hole)");
	pthread_barrier_init(&block_start, 0, (unsigned)t);
	for (long i = 0; i < t; i++)
		if (pthread_create(&th[i], 0, thread_main, (void *)i))
			die("pthread_create");
	for (long i = 0; i < t; i++)
		pthread_join(th[i], 0);
	double blk[THREAD_BLOCKS], best = 1e300, sum = 0;
	for (long b = 0; b < THREAD_BLOCKS; b++) {
		double first = 1e300, last = 0;
		for (long i = 0; i < t; i++) {
			if (stamp[i][b][0] < first)
				first = stamp[i][b][0];
			if (stamp[i][b][1] > last)
				last = stamp[i][b][1];
		}
		long n = t * (iters / THREAD_BLOCKS + (b < iters % THREAD_BLOCKS));
		blk[b] = (last - first) / (double)n;
		sum += last - first;
		if (blk[b] < best)
			best = blk[b];
	}
	qsort(blk, THREAD_BLOCKS, sizeof(blk[0]), cmp_double);
	double med = (blk[THREAD_BLOCKS / 2 - 1] + blk[THREAD_BLOCKS / 2]) / 2;
	printf("%.3f %ld %ld %.3f %.3f\n", sum / (double)(t * iters), count_maps(), t * (iters + iters / 10 + 1),
	       best, med);
}

/* ---- memory ---------------------------------------------------------------------- */

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t k = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ':')
			v = strtol(line + k + 1, 0, 10);
	if (f)
		fclose(f);
	return v;
}

static void case_memory(long n)
{
	int shim = shim_loaded();
	fill_with_mmap(n);
	if (shim) { /* one refused clobber: the log line, caller, victims and hint paths */
		target = libc_text_page();
		loop_refuse(1);
	}
	long vmrss = status_kb("VmRSS"), anon = status_kb("RssAnon");
	/* /proc/self/smaps: the shim's file mappings, the anonymous .bss that directly
	 * follows its last file mapping, and the arena (anonymous, exactly 13 MiB). */
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		die("open /proc/self/smaps");
	char line[4096];
	unsigned long start = 0, end = 0, so_end = 0;
	int kind = 0; /* 0 other, 1 shim file, 2 shim bss, 3 arena */
	long so_kb = 0, bss_kb = 0, arena_kb = 0;
	int arena_found = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, ino;
		char perms[8];
		int pathpos = 0;
		if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %lu %n", &a, &b, perms, &ino, &pathpos) >= 4) {
			start = a;
			end = b;
			const char *path = line + pathpos;
			int anon = ino == 0 && (*path == '\n' || *path == 0);
			if (strstr(path, "libnoclobber")) {
				kind = 1;
				so_end = end;
			} else if (anon && so_end && start == so_end && perms[0] == 'r' && perms[1] == 'w') {
				kind = 2;
			} else if (anon && end - start == ARENA_BYTES && perms[1] == 'w' && !arena_found) {
				kind = 3;
				arena_found = 1;
			} else {
				kind = 0;
			}
			if (kind != 1)
				so_end = 0;
			continue;
		}
		long kb;
		if (kind && sscanf(line, "Rss: %ld kB", &kb) == 1) {
			if (kind == 1)
				so_kb += kb;
			else if (kind == 2)
				bss_kb += kb;
			else
				arena_kb += kb;
		}
	}
	fclose(f);
	(void)start;
	if (!shim)
		so_kb = bss_kb = arena_kb = 0, arena_found = 0;
	printf("%ld %ld %ld %ld %ld %d %ld\n", vmrss, so_kb + bss_kb + arena_kb, so_kb, bss_kb, arena_kb,
	       arena_found, anon);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_calls CASE ARGS... (see tests/bench/bench_calls.c)\n");
		return 2;
	}
	const char *c = argv[1];
	long a = atol(argv[2]), b = argc > 3 ? atol(argv[3]) : 0;
	if (!strcmp(c, "mmap"))
		case_mmap(a, 0, 0);
	else if (!strcmp(c, "mmap_raw"))
		case_mmap(a, 1, 0);
	else if (!strcmp(c, "mmap_raw_held") && argc > 3)
		case_mmap(b, 1, a);
	else if (!strcmp(c, "mmap_held") && argc > 3)
		case_mmap(b, 0, a);
	else if (!strcmp(c, "stubbed")) {
		target = (char *)(uintptr_t)0x100000000UL; /* any address: stub.so maps nothing */
		timed(argc > 3 && !strcmp(argv[3], "fixed") ? loop_fixed_free : loop_mmap, a);
	} else if (!strcmp(c, "fixed_free"))
		case_fixed_free(a, 0);
	else if (!strcmp(c, "fixed_free_held") && argc > 3)
		case_fixed_free(b, a);
	else if (!strcmp(c, "fixed_own"))
		case_fixed_own(a);
	else if (!strcmp(c, "refuse") && argc > 3)
		case_refuse(a, b, argc > 4 ? argv[4] : "libc");
	else if (!strcmp(c, "floor") && argc > 5)
		case_floor(a, b, atol(argv[4]), argv[5]);
	else if (!strcmp(c, "mapsread") && argc > 3)
		case_mapsread(a, b);
	else if (!strcmp(c, "threads") && argc > 3)
		case_threads(a, b);
	else if (!strcmp(c, "memory"))
		case_memory(a);
	else {
		fprintf(stderr, "bench_calls: unknown case or missing arguments: %s\n", c);
		return 2;
	}
	return 0;
}
