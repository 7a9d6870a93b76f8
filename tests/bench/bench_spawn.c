/* bench_spawn.c - wall time of spawning a program under several preloads, interleaved.
 *
 *   bench_spawn ROUNDS PER_ROUND NAME=PRELOAD [NAME=PRELOAD...] -- PROGRAM [ARGS...]
 *
 * PRELOAD is a path for LD_PRELOAD, or empty for none. Each round runs every
 * configuration PER_ROUND times back to back (posix_spawn + waitpid, output to
 * /dev/null), in an order that rotates from round to round, timing each run
 * (CLOCK_MONOTONIC) and keeping the round's median, which a neighbour's burst of
 * load disturbs less than a mean. Output, one line per configuration:
 *
 *   NAME FAILURES US_ROUND1 US_ROUND2 ...
 *   NAME.cpu FAILURES US_ROUND1 US_ROUND2 ...
 *
 * the second line being the child's CPU time (user + system, from wait4), which
 * the rest of a busy machine disturbs much less than wall time.
 *
 * FAILURES counts runs that did not exit with status 0. LD_PRELOAD and
 * NOCLOBBER_OPTIONS are taken out of the inherited environment first. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CONF 8
#define MAX_ROUNDS 64

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bench_spawn ROUNDS PER_ROUND NAME=PRELOAD... -- PROGRAM [ARGS...]\n");
		return 2;
	}
	int rounds = atoi(argv[1]), per = atoi(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS || per < 1 || per > 1000) {
		fprintf(stderr, "bench_spawn: bad ROUNDS or PER_ROUND\n");
		return 2;
	}
	const char *name[MAX_CONF];
	char *preload_env[MAX_CONF];
	int nconf = 0, i = 3;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || nconf == MAX_CONF) {
			fprintf(stderr, "bench_spawn: bad configuration '%s'\n", argv[i]);
			return 2;
		}
		*eq = 0;
		name[nconf] = argv[i];
		preload_env[nconf] = 0;
		if (eq[1] && asprintf(&preload_env[nconf], "LD_PRELOAD=%s", eq + 1) < 0)
			return 2;
		nconf++;
	}
	if (i >= argc - 1 || !nconf) {
		fprintf(stderr, "bench_spawn: no program after --\n");
		return 2;
	}
	char **prog = argv + i + 1;

	/* The environment, minus the variables each configuration sets itself. */
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (strncmp(environ[k], "LD_PRELOAD=", 11) && strncmp(environ[k], "NOCLOBBER_OPTIONS=", 18))
			env[m++] = environ[k];
	/* env[m] is the slot for LD_PRELOAD, env[m + 1] stays NULL */

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

	static double us[MAX_CONF][MAX_ROUNDS], cpu_us[MAX_CONF][MAX_ROUNDS];
	int failures[MAX_CONF] = {0};
	for (int r = 0; r < rounds; r++) {
		for (int j = 0; j < nconf; j++) {
			int c = (j + r) % nconf; /* rotate the order */
			env[m] = preload_env[c];
			double each[1000], cpu[1000];
			for (int k = 0; k < per; k++) {
				pid_t pid;
				int st;
				struct rusage ru;
				double t0 = now_us();
				each[k] = cpu[k] = 0;
				if (posix_spawn(&pid, prog[0], &fa, 0, prog, env)) {
					failures[c]++;
					continue;
				}
				if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
					failures[c]++;
				each[k] = now_us() - t0;
				cpu[k] = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
					 ru.ru_stime.tv_usec;
			}
			us[c][r] = median(each, per);
			cpu_us[c][r] = median(cpu, per);
		}
	}
	for (int c = 0; c < nconf; c++) {
		printf("%s %d", name[c], failures[c]);
		for (int r = 0; r < rounds; r++)
			printf(" %.1f", us[c][r]);
		printf("\n%s.cpu %d", name[c], failures[c]);
		for (int r = 0; r < rounds; r++)
			printf(" %.1f", cpu_us[c][r]);
		printf("\n");
	}
	return 0;
}
