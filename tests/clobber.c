/* clobber.c - map one page MAP_FIXED over a chosen target and say what happened.
 *
 *   clobber TARGET [LEN_PAGES]
 *
 * CLOBBER_DOOR picks the call that tries to take the target (default mmap):
 *   mmap, syscall-mmap     mmap(target, len, rwx, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
 *   mremap, syscall-mremap a fresh mapping moved there with MREMAP_MAYMOVE|MREMAP_FIXED
 *                          (prints source=intact|moved|damaged afterwards)
 *   shmat, syscall-shmat   a fresh SysV segment attached there with SHM_REMAP
 *                          (prints nattch=N afterwards)
 *   mremap-nomaymove, mremap-unaligned, mremap-overlap: malformed moves the
 *                          kernel must refuse with EINVAL, whatever the target
 *
 * Targets that are not ours: libc-text, libc-data, ldso, exe, stack, heap, vdso.
 * Our own mappings: own-anon, own-file, own-none (PROT_NONE reservation).
 * Mappings made behind the shim's back (a raw system call, as libc's internal
 * mmap or another party would): foreign-anon, foreign-none; own-and-foreign (one
 * call over both); reused (ours once, unmapped, then mapped by someone else).
 * Geometry, around an own mapping M of 2 pages (pictures in the cases below):
 *   straddle-end, straddle-start, multi, free, adjacent-below, adjacent-above.
 *
 * Output, one line, written with raw system calls (in mode=warn libc may be gone):
 *   result=ok|EEXIST|errno=N intact=yes|no|n/a
 * "intact" compares the target's first page with a copy taken before the call. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "testlib.h"

static size_t pg;

/* First mapping in /proc/self/maps whose line contains all of a, b (b may be NULL). */
static int find_map(const char *a, const char *b, uintptr_t *start, uintptr_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			found = sscanf(line, "%" SCNxPTR "-%" SCNxPTR, start, end) == 2;
	if (f)
		fclose(f);
	return found;
}

static const char *libc_path(void)
{
	static char path[4096];
	Dl_info di;
	if (!dladdr((void *)printf, &di) || !di.dli_fname)
		return "libc";
	snprintf(path, sizeof(path), "%s", di.dli_fname);
	/* dli_fname may be a symlink name; maps shows the real file. */
	char *real = realpath(path, NULL);
	if (real) {
		snprintf(path, sizeof(path), "%s", real);
		free(real);
	}
	return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

static void *own(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memset(p, 0x5a, pages * pg);
	mprotect(p, pages * pg, prot);
	return p;
}

/* A mapping the shim does not see being made. */
static void *foreign(uintptr_t at, size_t pages, int prot)
{
	long r = nc_sys_mmap((void *)(long)at, (long)(pages * pg), prot,
			     MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED_NOREPLACE : 0), -1, 0);
	if (nc_sys_failed(r)) {
		fprintf(stderr, "raw mmap failed: %ld\n", r);
		exit(2);
	}
	if (prot & PROT_WRITE)
		memset((void *)r, 0x66, pages * pg);
	return (void *)r;
}

/* A free range of n pages: reserve it, then give it back. */
static uintptr_t free_range(size_t pages)
{
	void *p = mmap(NULL, pages * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, pages * pg);
	return (uintptr_t)p;
}

/* The hint of the last line of the shim's log. */
static void last_hint(const char *path, unsigned long *lo, unsigned long *hi)
{
	FILE *f = fopen(path, "r");
	char l[8192];
	*lo = *hi = 0;
	while (f && fgets(l, sizeof(l), f)) {
		char *h = strstr(l, " hint=0x");
		if (h)
			sscanf(h, " hint=%lx-%lx", lo, hi);
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		fprintf(stderr, "usage: clobber TARGET [LEN_PAGES]\n");
		return 2;
	}
	const char *t = argv[1];
	size_t len = (argc > 2 ? (size_t)atol(argv[2]) : 1) * pg;
	uintptr_t s = 0, e = 0, target = 0;
	int snap = 1; /* compare the target page afterwards */

	if (!strcmp(t, "libc-text")) {
		target = t_libc_text_page(pg);
	} else if (!strcmp(t, "libc-data") && find_map(libc_path(), "rw-p", &s, &e)) {
		target = s;
	} else if (!strcmp(t, "ldso")) { /* the program's interpreter (musl's is its libc) */
		target = t_text_page(getauxval(AT_BASE), pg);
	} else if (!strcmp(t, "exe")) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = 0;
		/* The first page (ELF header): the text may be the page running main. */
		if (find_map(self, "r--p", &s, &e))
			target = s;
	} else if (!strcmp(t, "stack") && find_map("[stack]", NULL, &s, &e)) {
		target = e - pg; /* the top page: environment strings, not our live frames */
	} else if (!strcmp(t, "heap")) {
		volatile char *m = malloc(64); /* make sure there is a [heap] */
		m[0] = 1;
		if (find_map("[heap]", "rw-p", &s, &e)) /* musl's starts with a guard page */
			target = s;
	} else if (!strcmp(t, "vdso") && find_map("[vdso]", NULL, &s, &e)) {
		target = s;
	} else if (!strcmp(t, "own-anon")) {
		target = (uintptr_t)own(4, PROT_READ | PROT_WRITE) + pg;
	} else if (!strcmp(t, "own-none")) {
		target = (uintptr_t)own(4, PROT_NONE) + pg;
		snap = 0;
	} else if (!strcmp(t, "own-file")) {
		char path[] = "/tmp/noclobber-test-XXXXXX";
		int fd = mkstemp(path);
		unlink(path);
		char page[4096];
		memset(page, 0x33, sizeof(page));
		for (int i = 0; i < 4; i++)
			if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
				return 2;
		void *p = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		target = (uintptr_t)p + pg;
	} else if (!strcmp(t, "straddle-end")) {
		/*   M M . .      the call covers M's last page and the free page above
		 *     X X                                                            */
		uintptr_t f = free_range(4);
		mmap((void *)f, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		memset((void *)f, 0x5a, 2 * pg);
		target = f + pg;
		len = 2 * pg;
	} else if (!strcmp(t, "straddle-start")) {
		/*   . M M        the call covers the free page below M and M's first page
		 *   X X                                                                  */
		uintptr_t f = free_range(4);
		mmap((void *)(f + pg), 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		memset((void *)(f + pg), 0x5a, 2 * pg);
		target = f;
		len = 2 * pg;
		snap = 0;
	} else if (!strcmp(t, "multi")) {
		/*   A B C        three mappings (different protections), one call over all
		 *   X X X                                                                   */
		uintptr_t f = free_range(3);
		for (int i = 0; i < 3; i++) {
			mmap((void *)(f + i * pg), pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			memset((void *)(f + i * pg), 0x5a, pg);
		}
		mprotect((void *)(f + pg), pg, PROT_READ);
		target = f;
		len = 3 * pg;
	} else if (!strcmp(t, "foreign-anon")) {
		target = (uintptr_t)foreign(0, 2, PROT_READ | PROT_WRITE);
	} else if (!strcmp(t, "foreign-none")) {
		target = (uintptr_t)foreign(0, 2, PROT_NONE);
		snap = 0;
	} else if (!strcmp(t, "own-and-foreign")) {
		/*   O F          our page and a foreign one; one call over both
		 *   X X                                                         */
		uintptr_t f = free_range(2);
		mmap((void *)f, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		memset((void *)f, 0x5a, pg);
		foreign(f + pg, 1, PROT_READ | PROT_WRITE);
		target = f;
		len = 2 * pg;
	} else if (!strcmp(t, "reused")) {
		void *p = own(2, PROT_READ | PROT_WRITE);
		munmap(p, 2 * pg);
		target = (uintptr_t)foreign((uintptr_t)p, 2, PROT_READ | PROT_WRITE);
	} else if (!strcmp(t, "free")) {
		target = free_range(4);
		snap = 0;
	} else if (!strcmp(t, "adjacent-below") || !strcmp(t, "adjacent-above")) {
		/*   . M M .      X touches M from below (or above): no overlap, must work
		 *   X     X                                                              */
		uintptr_t f = free_range(4);
		mmap((void *)(f + pg), 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		target = t[9] == 'b' ? f : f + 3 * pg;
		snap = 0;
	} else {
		fprintf(stderr, "clobber: unknown or unfound target '%s'\n", t);
		return 2;
	}

	static unsigned char before[4096];
	if (snap)
		memcpy(before, (void *)target, sizeof(before));

	const char *door = getenv("CLOBBER_DOOR") ? getenv("CLOBBER_DOOR") : "mmap";
	unsigned char *src = 0;
	int shmid = -1;
	if (!strncmp(door, "mremap", 6) || !strcmp(door, "syscall-mremap")) {
		src = mmap(NULL, len + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(src, 0x77, len + pg);
	} else if (strstr(door, "shmat")) {
		shmid = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
		if (shmid < 0) {
			perror("shmget");
			return 2;
		}
	}
	fflush(NULL);

	errno = 0;
	void *r = MAP_FAILED;
	const int rwx = PROT_READ | PROT_WRITE | PROT_EXEC, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	if (!strcmp(door, "mmap"))
		r = mmap((void *)target, len, rwx, anon | MAP_FIXED, -1, 0);
	else if (!strcmp(door, "syscall-mmap"))
		r = t_syscall_mmap((void *)target, len, rwx, anon | MAP_FIXED, -1, 0);
	else if (!strcmp(door, "mremap"))
		r = mremap(src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)target);
	else if (!strcmp(door, "syscall-mremap"))
		r = (void *)syscall(SYS_mremap, src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	else if (!strcmp(door, "mremap-nomaymove"))
		r = mremap(src, len, len, MREMAP_FIXED, (void *)target);
	else if (!strcmp(door, "mremap-unaligned"))
		r = mremap(src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(target + 1));
	else if (!strcmp(door, "mremap-overlap")) /* new range overlaps the old one */
		r = mremap(src, len + pg, len, MREMAP_MAYMOVE | MREMAP_FIXED, src + pg);
	else if (!strcmp(door, "shmat"))
		r = shmat(shmid, (void *)target, SHM_REMAP);
	else if (!strcmp(door, "syscall-shmat"))
		r = (void *)syscall(SYS_shmat, shmid, target, SHM_REMAP);
	if (r == (void *)-1)
		r = MAP_FAILED;
	int err = errno;

	/* From here on: no libc (its text may be gone in mode=warn). */
	t_result(r, (void *)target, err);
	t_write(1, " intact=");
	if (!snap || r == (void *)target) {
		t_write(1, "n/a");
	} else {
		const unsigned char *now = (const unsigned char *)target;
		int same = 1;
		for (size_t i = 0; i < sizeof(before); i++)
			same &= now[i] == before[i];
		t_write(1, same ? "yes" : "no");
	}
	if (src) {
		/* A refused move leaves the source where and as it was. */
		int same = 1;
		if (r == MAP_FAILED)
			for (size_t i = 0; i < len; i++)
				same &= src[i] == 0x77;
		t_write(1, r != MAP_FAILED ? " source=moved" : same ? " source=intact" : " source=damaged");
	}
	if (shmid >= 0) {
		struct shmid_ds ds;
		long n = nc_syscall6(SYS_shmctl, shmid, IPC_STAT, (long)&ds, 0, 0, 0);
		t_write(1, " nattch=");
		t_write(1, n < 0 ? "?" : t_dec((long)ds.shm_nattch));
		nc_syscall6(SYS_shmctl, shmid, IPC_RMID, 0, 0, 0, 0);
	}
	t_write(1, "\n");
	if (r == (void *)target)
		t_exit(0); /* libc may be gone: skip its exit path */

	/* With CLOBBER_HINT_LOG=FILE (the shim's log_path), check that the hint the
	 * shim gave is really free: the kernel must let us map it NOREPLACE. With
	 * CLOBBER_HINT_AGAIN=1 as well (the mmap door): the same call refused again
	 * gets the same hint; once we have taken that range, the next refusal's hint
	 * is another range, and free. */
	const char *hl = getenv("CLOBBER_HINT_LOG");
	if (hl) {
		int again = getenv("CLOBBER_HINT_AGAIN") && !strcmp(door, "mmap");
		unsigned long lo = 0, hi = 0, lo2 = 0, hi2 = 0;
		last_hint(hl, &lo, &hi);
		if (again) {
			mmap((void *)target, len, rwx, anon | MAP_FIXED, -1, 0);
			last_hint(hl, &lo2, &hi2);
			printf("repeat: hint=%s\n", lo2 == lo && hi2 == hi && hi > lo ? "same" : "other");
		}
		void *m = hi > lo ? mmap((void *)lo, hi - lo, PROT_NONE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
				  : MAP_FAILED;
		printf("hint=%s len=%lu\n", m == (void *)lo ? "free" : "taken", hi - lo);
		if (again) {
			mmap((void *)target, len, rwx, anon | MAP_FIXED, -1, 0);
			last_hint(hl, &lo2, &hi2);
			void *m2 = hi2 > lo2 ? mmap((void *)lo2, hi2 - lo2, PROT_NONE,
						    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
					     : MAP_FAILED;
			printf("after taking it: hint=%s free=%s\n", lo2 != lo ? "moved" : "same",
			       m2 == (void *)lo2 ? "yes" : "no");
		}
	}
	return 0;
}
