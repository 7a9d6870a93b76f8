/* bench_supervise.c - what --supervise costs, timed from inside a static
 * program (no preload: the filter and the supervisor alone).
 *   bench_supervise fixed N   N MAP_FIXED over a page of its own (each one a
 *                             notification the supervisor lets continue)
 *   bench_supervise pair N    N mmap+munmap pairs (the filter runs, nothing
 *                             is sent)
 *   bench_supervise pair-allow N  the same pairs under a one-instruction
 *                             filter of its own that allows everything: what
 *                             any seccomp filter costs (the kernel's entry
 *                             path for a filtered task), the floor of ours
 * Prints the fastest of 5 blocks, in ns per call (per pair). The pairs are
 * timed in the thread's CPU time: the filter runs in the calling thread, in
 * its system time, and on a shared machine the wall clock also counts the
 * time the thread waited for a CPU (runs of the same binary differed by 2x).
 * A notified call waits for another process, the supervisor: wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../seccomp_bpf.h"

#define T_SECCOMP_FILTER_FLAG_SPEC_ALLOW 4u /* as noclobber --supervise installs its own */

static int allow_all(void)
{
	struct t_sock_filter f[] = {T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW)};
	struct t_sock_fprog p = {1, f};
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       syscall(SYS_seccomp, T_SECCOMP_SET_MODE_FILTER, T_SECCOMP_FILTER_FLAG_SPEC_ALLOW, &p) == 0;
}

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
	if (!strcmp(argv[1], "pair-allow") && !allow_all())
		return 2;
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
