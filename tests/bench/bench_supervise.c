/* bench_supervise.c - what --supervise costs, timed from inside a static
 * program (no preload: the filter and the supervisor alone).
 *   bench_supervise fixed N   N MAP_FIXED over a page of its own (each one a
 *                             notification the supervisor lets continue)
 *   bench_supervise pair N    N mmap+munmap pairs (the filter runs, nothing
 *                             is sent)
 * Prints the fastest of 5 blocks, in ns per call (per pair). The pairs are
 * timed in the thread's CPU time: the filter runs in the calling thread, in
 * its system time, and on a shared machine the wall clock also counts the
 * time the thread waited for a CPU (runs of the same binary differed by 2x).
 * A notified call waits for another process, the supervisor: wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	int fixed = !strcmp(argv[1], "fixed");
	char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || n < 1)
		return 2;
	clockid_t clock = fixed ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
	double best = 1e300;
	for (int b = 0; b < 5; b++) {
		double t0 = now_ns(clock);
		for (long i = 0; i < n; i++) {
			if (fixed) {
				if (mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != page)
					return 1;
			} else {
				void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				munmap(p, 4096);
			}
		}
		double d = (now_ns(clock) - t0) / (double)n;
		if (d < best)
			best = d;
	}
	printf("%.1f\n", best);
	return 0;
}
