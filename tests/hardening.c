/* hardening.c - clobbers in hostile surroundings, for tests/cases/90-hardening.sh.
 *
 *   hardening CMD [ARG]
 *
 * Nothing here reads /proc: libc's text is found with dl_iterate_phdr, so the
 * program works where /proc is missing or lies. Commands:
 *
 *   libc-text        MAP_FIXED one page over the middle of libc's text
 *   own-anon         MAP_FIXED over a page of a mapping this program just made
 *   free             MAP_FIXED over a range nobody holds
 *   emfile           libc-text after every descriptor number is taken (EMFILE):
 *                    nobody can open /proc/self/maps
 *   flood N          N attempts over libc's text, timed
 *   sigpipe HOW MS   HOW = default, block, ignore or handler: set SIGPIPE so,
 *                    sleep MS milliseconds (the reader of stderr goes away), then
 *                    libc-text, then report what became of SIGPIPE
 *
 * Output (raw writes: in a failed run libc's text may be gone):
 *   result=ok|EEXIST|errno=N intact=yes|no|n/a
 *   flood:   attempts=N eexist=N other=N intact=yes|no ns_per_attempt=N
 *   sigpipe: ... then "sigpipe blocked=yes|no pending=yes|no ignored=yes|no handled=N"
 *            and "after" on stdout, the program's own output after the write. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static size_t pg;
static uintptr_t libc_page;

static void need_libc(void)
{
	libc_page = t_libc_text_page(pg);
	if (!libc_page) {
		t_write(2, "hardening: libc's text not found\n");
		t_exit(2);
	}
}

static unsigned char before[4096];

static int same_as_before(uintptr_t at)
{
	const volatile unsigned char *now = (const unsigned char *)at;
	int same = 1;
	for (size_t i = 0; i < sizeof(before); i++)
		same &= now[i] == before[i];
	return same;
}

/* One MAP_FIXED at target, one result line. snap: compare the page afterwards. */
static void one(uintptr_t target, int snap)
{
	if (snap)
		memcpy(before, (void *)target, sizeof(before));
	errno = 0;
	void *r = mmap((void *)target, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	t_write(1, "result=");
	if (r == (void *)target)
		t_write(1, "ok");
	else if (r == MAP_FAILED && err == EEXIST)
		t_write(1, "EEXIST");
	else {
		t_write(1, "errno=");
		t_write(1, t_dec(err));
	}
	t_write(1, " intact=");
	t_write(1, !snap || r == (void *)target ? "n/a" : same_as_before(target) ? "yes" : "no");
	t_write(1, "\n");
	if (r == (void *)target && target == libc_page)
		t_exit(3); /* libc's text is gone: leave without it */
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void flood(long n)
{
	memcpy(before, (void *)libc_page, sizeof(before));
	long eexist = 0, other = 0;
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		void *r = mmap((void *)libc_page, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (r == MAP_FAILED && errno == EEXIST)
			eexist++;
		else if (r == (void *)libc_page)
			t_exit(3);
		else
			other++;
	}
	long t1 = now_ns();
	t_write(1, "attempts=");
	t_write(1, t_dec(n));
	t_write(1, " eexist=");
	t_write(1, t_dec(eexist));
	t_write(1, " other=");
	t_write(1, t_dec(other));
	t_write(1, " intact=");
	t_write(1, same_as_before(libc_page) ? "yes" : "no");
	t_write(1, " ns_per_attempt=");
	t_write(1, t_dec(n ? (t1 - t0) / n : 0));
	t_write(1, "\n");
}

static volatile sig_atomic_t handled;
static void on_pipe(int sig)
{
	(void)sig;
	handled++;
}

static void sigpipe_case(const char *how, long ms)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!strcmp(how, "block"))
		sigprocmask(SIG_BLOCK, &set, 0);
	else if (!strcmp(how, "ignore"))
		signal(SIGPIPE, SIG_IGN);
	else if (!strcmp(how, "handler"))
		signal(SIGPIPE, on_pipe);
	else if (strcmp(how, "default")) {
		t_write(2, "hardening: sigpipe default|block|ignore|handler MS\n");
		t_exit(2);
	}
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	one(libc_page, 1);
	sigset_t mask, pend;
	sigprocmask(SIG_SETMASK, 0, &mask);
	sigpending(&pend);
	struct sigaction sa;
	sigaction(SIGPIPE, 0, &sa);
	t_write(1, "sigpipe blocked=");
	t_write(1, sigismember(&mask, SIGPIPE) ? "yes" : "no");
	t_write(1, " pending=");
	t_write(1, sigismember(&pend, SIGPIPE) ? "yes" : "no");
	t_write(1, " ignored=");
	t_write(1, sa.sa_handler == SIG_IGN ? "yes" : "no");
	t_write(1, " handled=");
	t_write(1, t_dec(handled));
	t_write(1, "\n");
	t_write(1, "after\n");
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		t_write(2, "usage: hardening libc-text|own-anon|free|emfile|flood N|sigpipe HOW MS\n");
		return 2;
	}
	const char *cmd = argv[1];
	need_libc();
	if (!strcmp(cmd, "libc-text")) {
		one(libc_page, 1);
	} else if (!strcmp(cmd, "own-anon")) {
		char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		memset(p, 0x5a, 4 * pg);
		one((uintptr_t)p + pg, 0);
	} else if (!strcmp(cmd, "free")) {
		void *p = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		munmap(p, 4 * pg);
		one((uintptr_t)p, 0);
	} else if (!strcmp(cmd, "emfile")) {
		/* A small limit first: a default limit of a million would take long. */
		struct rlimit rl = {32, 32};
		setrlimit(RLIMIT_NOFILE, &rl);
		int taken = 0;
		while (dup(0) >= 0)
			taken++;
		if (errno != EMFILE) {
			t_write(2, "hardening: dup did not end with EMFILE\n");
			return 2;
		}
		t_write(1, "taken=");
		t_write(1, t_dec(taken));
		t_write(1, "\n");
		one(libc_page, 1);
	} else if (!strcmp(cmd, "flood") && argc > 2) {
		flood(atol(argv[2]));
	} else if (!strcmp(cmd, "sigpipe") && argc > 3) {
		sigpipe_case(argv[2], atol(argv[3]));
	} else {
		t_write(2, "hardening: unknown command\n");
		return 2;
	}
	return 0;
}
