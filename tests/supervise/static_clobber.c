/* static_clobber.c - built statically (no preload can see it): MAP_FIXED over
 * its own text, [stack] or [heap], and say what happened.
 *
 *   static_clobber text|stack|heap|file|own|none
 *     (stack: the page of the argument strings, at the top of [stack])
 *     one attempt; prints "TARGET: result=ok|EEXIST|errno=N intact=yes|no|n/a"
 *     (none clobbers nothing: prints "none: nothing mapped over")
 *   static_clobber wait READY GO [GO2]
 *     creates READY, waits for GO, tries its text; with GO2, waits for that
 *     and tries again (the supervisor's death, README: ENOSYS) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "intact" compares the n bytes at keep (in the target page) before and after:
 * the whole page, or for a page the program itself writes to (its stack, its
 * heap) the data placed there. */
static int attempt_kept(const char *what, void *page, const void *keep, size_t n)
{
	static unsigned char before[4096];
	memcpy(before, keep, n);
	void *r = mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int e = errno;
	if (r != MAP_FAILED)
		printf("%s: result=ok intact=n/a\n", what);
	else if (e == EEXIST)
		printf("%s: result=EEXIST intact=%s\n", what, memcmp(before, keep, n) ? "no" : "yes");
	else
		printf("%s: result=errno=%d intact=%s\n", what, e, memcmp(before, keep, n) ? "no" : "yes");
	fflush(stdout);
	return r != MAP_FAILED;
}

static int attempt(const char *what, void *page) { return attempt_kept(what, page, page, 4096); }

static void wait_for(const char *path)
{
	struct stat st;
	struct timespec t = {0, 20 * 1000 * 1000};
	for (int i = 0; i < 3000 && stat(path, &st) < 0; i++)
		nanosleep(&t, 0);
}

static void *page_of(const void *p) { return (void *)((uintptr_t)p & ~(uintptr_t)4095); }

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *t = argv[1];
	if (!strcmp(t, "wait") && argc >= 4) {
		close(open(argv[2], O_WRONLY | O_CREAT, 0600));
		wait_for(argv[3]);
		attempt("text", page_of((void *)attempt));
		if (argc >= 5) {
			wait_for(argv[4]);
			attempt("text", page_of((void *)attempt));
		}
		return 0;
	}
	if (!strcmp(t, "text"))
		return attempt(t, page_of((void *)attempt));
	if (!strcmp(t, "stack")) /* the page of our arguments' strings, in [stack] */
		return attempt_kept(t, page_of(argv[0]), argv[0], strlen(argv[0]) + 1);
	if (!strcmp(t, "heap")) {
		char *h = malloc(100); /* from brk: [heap] */
		strcpy(h, "heap data");
		return attempt_kept(t, page_of(h), h, 10);
	}
	if (!strcmp(t, "file")) { /* a private mapping of a file of ours: protected */
		char path[] = "/tmp/static_clobber.XXXXXX";
		int fd = mkstemp(path);
		static char page[4096] = "file data";
		if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			return 2;
		void *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		unlink(path);
		close(fd);
		return m == MAP_FAILED ? 2 : attempt(t, m);
	}
	if (!strcmp(t, "own")) { /* private anonymous, not the heap: replaceable */
		void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return attempt(t, m) ? 0 : 1;
	}
	if (!strcmp(t, "none")) {
		void *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap((char *)m + 4096, 4096);
		void *r = mmap((char *)m + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		printf("none: nothing mapped over (%s)\n", r == MAP_FAILED ? "failed" : "ok");
		return 0;
	}
	return 2;
}
