/* hardening.c - clobbers in hostile surroundings, for tests/cases/90-hardening.sh.
 *
 *   hardening CMD [ARG]
 *
 * libc's text is found with dl_iterate_phdr, not /proc, so the program works
 * where /proc is missing or lies (only maps-fd and vfork-first read
 * /proc/self/fd, to find the shim's descriptors). Commands:
 *
 *   libc-text        MAP_FIXED one page over the middle of libc's text
 *   own-anon         MAP_FIXED over a page of a mapping this program just made
 *   free             MAP_FIXED over a range nobody holds
 *   emfile           libc-text after every descriptor number is taken (EMFILE):
 *                    nobody can open /proc/self/maps
 *   flood N          N attempts over libc's text, timed
 *   interrupt N KIND N attempts over 24 foreign mappings with long names (log
 *                    lines of about 3.5 KiB) in a child whose stderr is a pipe or a
 *                    stream socket (KIND) with a small buffer, read slowly by this
 *                    process and copied to its stderr, while a timer interrupts
 *                    the child every 100 us (no SA_RESTART): the shim's writes see
 *                    EINTR (pipe, socket) and partial writes (socket)
 *   hint-none        65 refusals of one call in a crowd of 41 mappings made
 *                    behind the shim's back, none of them free nearby; after the
 *                    first, a page 5 pages away is unmapped: the shim's "none"
 *                    is reused, then searched anew (README: the hint)
 *   maps-fd FILE     libc-text; then find the descriptor the shim keeps on
 *                    /proc/self/maps, close it and put FILE (ours) at its
 *                    number; a fork child checks FILE is still open there;
 *                    libc-text again; then a fork child clobbers a page only it
 *                    has (its victims must be its own, not the parent's)
 *   vfork-first      a vfork child makes the process's first refusal, then the
 *                    parent three: the parent keeps a maps descriptor of its own
 *   hint-below       a 16-page call whose last page hits a foreign page, with
 *                    free room all around: the hint is the range just below
 *                    that page (it overlaps the call's free head)
 *   hint-nearest     one-page calls into an 8-page foreign mapping V with one
 *                    free page on each side (A below, B above), in the order
 *                    V+0, V+1, V+7, V+0: the hint the shim remembers for the
 *                    mappings a call overlaps serves another call only while it
 *                    is still the nearest (README: the hint)
 *
 *                          A   V+0 V+1 ...      V+7  B
 *                     | g | . | v | v | v v v v | v | . | g |
 *
 *   sigpipe HOW MS   HOW = default, block, ignore or handler: set SIGPIPE so,
 *                    sleep MS milliseconds (the reader of stderr goes away), then
 *                    libc-text, then report what became of SIGPIPE
 *
 * Output (raw writes: in a failed run libc's text may be gone):
 *   result=ok|EEXIST|errno=N intact=yes|no|n/a
 *   flood:   attempts=N eexist=N other=N intact=yes|no ns_per_attempt=N
 *   interrupt: attempts=N eexist=N other=N ticks=N
 *   hint-none: "target=0x... freed=0x... eexist=N"
 *   maps-fd: "maps_fd=N cloexec=yes|no", "file=intact|damaged", "child_file=open|closed",
 *            "child_page=0x..."
 *   vfork-first: "maps_fds=N lowest=N" (descriptors on /proc/PID/maps in the parent)
 *   hint-below: "result=EEXIST|other call=0x... hint=0x...-0x..." (the range the
 *            hint must name)
 *   hint-nearest: "a=0x... b=0x... eexist=N" (the log holds the four hints)
 *   sigpipe: ... then "sigpipe blocked=yes|no pending=yes|no ignored=yes|no handled=N"
 *            and "after" on stdout, the program's own output after the write. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/time.h>
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
	t_result(r, (void *)target, errno);
	t_write(1, " intact=");
	t_write(1, !snap || r == (void *)target ? "n/a" : same_as_before(target) ? "yes" : "no");
	t_write(1, "\n");
	if (r == (void *)target && target == libc_page)
		t_exit(3); /* libc's text is gone: leave without it */
}

static long long now_ns(void) /* 64 bits: a long holds only 2 s of them on i386 */
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* n MAP_FIXED attempts over [at, at + len), counted into *eexist and *other;
 * one that replaces the memory ends the program with status 3. */
static void attempts(uintptr_t at, size_t len, int prot, long n, long *eexist, long *other)
{
	for (long i = 0; i < n; i++) {
		void *r = mmap((void *)at, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (r == MAP_FAILED && errno == EEXIST)
			++*eexist;
		else if (r == (void *)at)
			t_exit(3);
		else
			++*other;
	}
}

/* "attempts=N eexist=N other=N", the start of a counting command's line. */
static void write_counts(long n, long eexist, long other)
{
	t_write(1, "attempts=");
	t_write(1, t_dec(n));
	t_write(1, " eexist=");
	t_write(1, t_dec(eexist));
	t_write(1, " other=");
	t_write(1, t_dec(other));
}

static void flood(long n)
{
	memcpy(before, (void *)libc_page, sizeof(before));
	long eexist = 0, other = 0;
	long long t0 = now_ns();
	attempts(libc_page, pg, PROT_READ | PROT_WRITE | PROT_EXEC, n, &eexist, &other);
	long long t1 = now_ns();
	write_counts(n, eexist, other);
	t_write(1, " intact=");
	t_write(1, same_as_before(libc_page) ? "yes" : "no");
	t_write(1, " ns_per_attempt=");
	t_write(1, t_dec(n ? (long)((t1 - t0) / n) : 0));
	t_write(1, "\n");
}

static volatile sig_atomic_t ticks;
static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/* Victims the shim did not see being made (raw system calls), each a page of a
 * memfd with a long name, alternately read-only and read-write so that none
 * merge: a refused line names them all. */
static void interrupted_clobbers(long n)
{
	enum { VICTIMS = 24 };
	char name[200];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	int fd = memfd_create(name, 0);
	if (fd < 0 || ftruncate(fd, (off_t)(VICTIMS * pg)) < 0) {
		t_write(1, "hardening: memfd\n");
		t_exit(2);
	}
	long base = nc_sys_mmap((void *)0, (long)(VICTIMS * pg), PROT_READ, MAP_SHARED, fd, 0);
	if (base < 0 && base > -4096) {
		t_write(1, "hardening: mmap\n");
		t_exit(2);
	}
	for (int i = 1; i < VICTIMS; i += 2)
		nc_syscall6(SYS_mprotect, base + (long)(i * pg), (long)pg, PROT_READ | PROT_WRITE, 0, 0, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick; /* no SA_RESTART: blocked writes return EINTR or short */
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 100}, {0, 100}};
	setitimer(ITIMER_REAL, &it, 0);
	long eexist = 0, other = 0;
	attempts((uintptr_t)base, VICTIMS * pg, PROT_READ, n, &eexist, &other);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, 0);
	write_counts(n, eexist, other);
	t_write(1, " ticks=");
	t_write(1, t_dec(ticks));
	t_write(1, "\n");
}

static void interrupt_case(long n, const char *kind)
{
	int sv[2]; /* sv[0] this process reads, sv[1] the child's stderr */
	int small = (int)pg;
	if (!strcmp(kind, "pipe") ? pipe(sv) : !strcmp(kind, "socket") ? socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
									 : (errno = EINVAL, -1)) {
		t_write(2, "hardening: interrupt N pipe|socket\n");
		t_exit(2);
	}
	if (!strcmp(kind, "pipe")) {
		fcntl(sv[1], F_SETPIPE_SZ, small);
	} else {
		/* The kernel raises 1 to its minimum, about 4.5 KiB; a Unix stream
		 * socket sends in pieces of half that, so a line goes in two, and a
		 * signal between them makes the write short. */
		int least = 1;
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &least, sizeof(least));
		setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &least, sizeof(least));
	}
	pid_t child = fork();
	if (child < 0)
		t_exit(2);
	if (child == 0) {
		close(sv[0]);
		dup2(sv[1], 2);
		close(sv[1]);
		interrupted_clobbers(n);
		exit(0); /* a normal exit: the shim's summary goes down the same way */
	}
	close(sv[1]);
	char buf[256];
	struct timespec pause = {0, 200000};
	for (;;) {
		ssize_t got = read(sv[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (write(2, buf, (size_t)got) != got)
			t_exit(2);
		nanosleep(&pause, 0);
	}
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	t_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* A crowd: 41 one-page mappings made with raw system calls (not the program's
 * own to the shim), alternately read-only and read-write so that none merge. */
static void hint_none_case(void)
{
	enum { PAGES = 41 };
	long base = nc_sys_mmap((void *)0, (long)(PAGES * pg), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base < 0 && base > -4096)
		t_exit(2);
	for (int i = 1; i < PAGES; i += 2)
		nc_syscall6(SYS_mprotect, base + (long)(i * pg), (long)pg, PROT_READ | PROT_WRITE, 0, 0, 0);
	uintptr_t target = (uintptr_t)base + 20 * pg, freed = (uintptr_t)base + 25 * pg;
	long eexist = 0, other = 0;
	attempts(target, pg, PROT_READ, 1, &eexist, &other);
	nc_syscall6(SYS_munmap, (long)freed, (long)pg, 0, 0, 0, 0);
	attempts(target, pg, PROT_READ, 64, &eexist, &other);
	char line[128];
	snprintf(line, sizeof(line), "target=0x%lx freed=0x%lx eexist=%ld\n", (unsigned long)target,
		 (unsigned long)freed, eexist);
	t_write(1, line);
}

/* Descriptors on our own /proc/PID/maps, and the lowest of them. */
static int count_maps_fds(int *lowest)
{
	char want[64];
	snprintf(want, sizeof(want), "/proc/%d/maps", (int)getpid());
	return t_fds_linked_to(want, lowest);
}

static void maps_fd_case(const char *file)
{
	one(libc_page, 1);
	int fd;
	count_maps_fds(&fd);
	char line[160];
	snprintf(line, sizeof(line), "maps_fd=%d cloexec=%s\n", fd,
		 fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
	t_write(1, line);
	if (fd < 0)
		t_exit(2);
	/* A daemon closing what it did not open, and its own file at that number. */
	close(fd);
	int mine = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (mine < 0 || dup2(mine, fd) != fd)
		t_exit(2);
	close(mine);
	static const char data[] = "program data\n";
	if (write(fd, data, sizeof(data) - 1) != (ssize_t)sizeof(data) - 1)
		t_exit(2);
	char back[64] = {0};
	pid_t early = fork(); /* before any refusal has noticed the number is the program's now */
	if (early == 0) {
		ssize_t got = pread(fd, back, sizeof(back) - 1, 0);
		t_write(1, got == (ssize_t)sizeof(data) - 1 ? "child_file=open\n" : "child_file=closed\n");
		_exit(0);
	}
	int st;
	waitpid(early, &st, 0);
	one(libc_page, 1);
	off_t at = lseek(fd, 0, SEEK_CUR);
	ssize_t got = pread(fd, back, sizeof(back) - 1, 0);
	t_write(1, at == (off_t)sizeof(data) - 1 && got == (ssize_t)sizeof(data) - 1 && !strcmp(back, data)
			   ? "file=intact\n"
			   : "file=damaged\n");
	pid_t child = fork();
	if (child == 0) {
		long page = nc_sys_mmap((void *)0, (long)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		snprintf(line, sizeof(line), "child_page=0x%lx\n", (unsigned long)page);
		t_write(1, line);
		one((uintptr_t)page, 1);
		_exit(0);
	}
	waitpid(child, &st, 0);
}

static void vfork_first_case(void)
{
	pid_t child = vfork();
	if (child == 0) {
		mmap((void *)libc_page, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		_exit(0);
	}
	int st;
	waitpid(child, &st, 0);
	for (int i = 0; i < 3; i++)
		one(libc_page, 1);
	int lowest, n = count_maps_fds(&lowest);
	char line[64];
	snprintf(line, sizeof(line), "maps_fds=%d lowest=%d\n", n, lowest);
	t_write(1, line);
}

static void hint_below_case(void)
{
	long base = nc_sys_mmap((void *)0, (long)(200 * pg), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base < 0 && base > -4096)
		t_exit(2);
	nc_syscall6(SYS_munmap, base, (long)(100 * pg), 0, 0, 0, 0);
	nc_syscall6(SYS_munmap, base + (long)(101 * pg), (long)(99 * pg), 0, 0, 0, 0);
	uintptr_t x = (uintptr_t)base + 100 * pg, call = x - 15 * pg;
	void *r = mmap((void *)call, 16 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno; /* refused: [call, call + 16 pages) ends on x */
	char line[160];
	snprintf(line, sizeof(line), "result=%s call=0x%lx hint=0x%lx-0x%lx\n",
		 r == MAP_FAILED && err == EEXIST ? "EEXIST" : "other", (unsigned long)call,
		 (unsigned long)(x - 16 * pg), (unsigned long)x);
	t_write(1, line);
}

static void hint_nearest_case(void)
{
	long g = nc_sys_mmap((void *)0, (long)(12 * pg), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g < 0 && g > -4096)
		t_exit(2);
	uintptr_t a = (uintptr_t)g + pg, v = a + pg, b = v + 8 * pg;
	nc_syscall6(SYS_mprotect, (long)v, (long)(8 * pg), PROT_READ | PROT_WRITE, 0, 0, 0);
	nc_syscall6(SYS_munmap, (long)a, (long)pg, 0, 0, 0, 0);
	nc_syscall6(SYS_munmap, (long)b, (long)pg, 0, 0, 0, 0);
	static const int page[] = {0, 1, 7, 0};
	int eexist = 0;
	for (int i = 0; i < 4; i++) {
		void *r = mmap((void *)(v + page[i] * pg), pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		eexist += r == MAP_FAILED && errno == EEXIST;
	}
	char line[160];
	snprintf(line, sizeof(line), "a=0x%lx b=0x%lx eexist=%d\n", (unsigned long)a, (unsigned long)b, eexist);
	t_write(1, line);
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
		t_write(2, "usage: hardening libc-text|own-anon|free|emfile|flood N|interrupt N pipe|socket|hint-none|hint-nearest|hint-below|vfork-first|maps-fd FILE|sigpipe HOW MS\n");
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
	} else if (!strcmp(cmd, "maps-fd") && argc > 2) {
		maps_fd_case(argv[2]);
	} else if (!strcmp(cmd, "vfork-first")) {
		vfork_first_case();
	} else if (!strcmp(cmd, "hint-nearest")) {
		hint_nearest_case();
	} else if (!strcmp(cmd, "hint-below")) {
		hint_below_case();
	} else if (!strcmp(cmd, "hint-none")) {
		hint_none_case();
	} else if (!strcmp(cmd, "interrupt") && argc > 3) {
		interrupt_case(atol(argv[2]), argv[3]);
	} else if (!strcmp(cmd, "sigpipe") && argc > 3) {
		sigpipe_case(argv[2], atol(argv[3]));
	} else {
		t_write(2, "hardening: unknown command\n");
		return 2;
	}
	return 0;
}
