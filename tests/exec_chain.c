/* exec_chain.c - processes made by fork and exec, each with its own log and count.
 *
 *   exec_chain spawn N PROG [ARGS...]
 *   exec_chain stdio
 *
 * spawn: this process first attempts one clobber itself, so its log file is
 * open (and its attempt counted) before it forks. Then it starts N children,
 * in turn of three kinds, all running at once:
 *   exec  - execs PROG ARGS (the shim comes back through LD_PRELOAD);
 *   fork  - attempts one clobber in the forked copy, then exits normally;
 *   idle  - exits normally without an attempt.
 * With log_path=...%p each process that logs must have its own file, a forked
 * copy must not write into its parent's, and each summary and exitcode must
 * count that process's own attempts only (an idle child inherits a count of 1).
 * Each child's stdout is its own pipe (they run at once; one shared pipe would
 * interleave their writes), read back once it has exited. Output:
 *   parent pid=P result=R
 *   child pid=P kind=K status=N|signal=N out=WHAT IT PRINTED (newlines as ';')
 * where a fork child prints "result=R" and an exec'd one what PROG prints.
 *
 * stdio: a line through stdio, one clobber attempt, another line through stdio,
 * a normal exit: with exitcode=N both lines must still come out (stdout to a
 * pipe is fully buffered, so they are only in libc's buffer at exit). */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/* One MAP_FIXED over a page of libc's text. If that is ever let through, libc
 * is gone: report with raw writes and leave without it. */
static const char *clobber_libc(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t target = (uintptr_t)dlsym(RTLD_DEFAULT, "getpid") & ~(uintptr_t)(pg - 1);
	void *r = mmap((void *)target, (size_t)pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != MAP_FAILED) {
		t_write(1, "clobber let through: libc text replaced\n");
		t_exit(3);
	}
	return errno == EEXIST ? "EEXIST" : "other";
}

static int spawn(int n, char **argv)
{
	printf("parent pid=%d result=%s\n", (int)getpid(), clobber_libc());
	fflush(NULL); /* nothing buffered may be inherited by the children */
	static const char *const kinds[] = {"exec", "fork", "idle"};
	pid_t pids[64];
	int outs[64];
	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++) {
		int p[2];
		if (pipe(p))
			return 2;
		pids[i] = fork();
		if (pids[i] < 0)
			return 2;
		if (pids[i]) {
			close(p[1]);
			outs[i] = p[0];
			continue;
		}
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		switch (i % 3) {
		case 0:
			execv(argv[0], argv);
			_exit(127);
		case 1:
			printf("result=%s\n", clobber_libc());
			exit(0);
		default:
			exit(0);
		}
	}
	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) != pids[i])
			return 2;
		char buf[512];
		ssize_t len = read(outs[i], buf, sizeof(buf) - 1); /* one short line: all there */
		close(outs[i]);
		buf[len > 0 ? len : 0] = 0;
		for (char *c = buf; *c; c++)
			if (*c == '\n')
				*c = ';';
		printf("child pid=%d kind=%s ", (int)pids[i], kinds[i % 3]);
		if (WIFEXITED(st))
			printf("status=%d out=%s\n", WEXITSTATUS(st), buf);
		else
			printf("signal=%d out=%s\n", WTERMSIG(st), buf);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "spawn"))
		return spawn(atoi(argv[2]), argv + 3);
	if (argc == 2 && !strcmp(argv[1], "stdio")) {
		printf("before\n");
		const char *r = clobber_libc();
		printf("after result=%s\n", r);
		return 0;
	}
	fprintf(stderr, "usage: exec_chain spawn N PROG [ARGS...] | exec_chain stdio\n");
	return 2;
}
