/* own_stress.c - the own-mappings bookkeeping under load.
 *
 *   own_stress SECONDS
 *
 * 8 threads map, replace (MAP_FIXED over their own mapping), grow and move
 * (mremap), move onto another own mapping (MREMAP_FIXED) and unmap their own
 * regions as fast as they can, and every so often try to clobber libc's text.
 * Every replacement of an own region must succeed and every libc clobber must
 * fail with EEXIST; a wrong answer either way means the own set lost track.
 * Prints: replaced=N moved=N clobbers=N wrong=N */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static size_t pg;
static uintptr_t libc_page;
static volatile int stop;
static int no_clobber; /* OWN_STRESS_NO_CLOBBER=1: for a run without the shim */
static unsigned long replaced, moved, clobbers, wrong;

static void count(unsigned long *c) { __atomic_add_fetch(c, 1, __ATOMIC_RELAXED); }

static void fail(const char *what, int err)
{
	if (__atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED) <= 5) /* the first few say why */
		fprintf(stderr, "own_stress: %s: %s\n", what, strerror(err));
}

static void *worker(void *arg)
{
	unsigned long i = (unsigned long)arg;
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	while (!stop) {
		char *p = mmap(NULL, 4 * pg, rw, anon, -1, 0);
		if (p == MAP_FAILED) {
			fail("mmap", errno);
			continue;
		}
		p[0] = 1;
		if (mmap(p + pg, pg, PROT_READ, anon | MAP_FIXED, -1, 0) != p + pg)
			fail("MAP_FIXED over own", errno);
		else
			count(&replaced);
		munmap(p, 4 * pg);
		/* mremap wants a single mapping: grow a fresh one. */
		p = mmap(NULL, 4 * pg, rw, anon, -1, 0);
		char *q = p == MAP_FAILED ? p : mremap(p, 4 * pg, 8 * pg, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			fail("mremap grow", errno);
			if (p != MAP_FAILED)
				munmap(p, 4 * pg);
			continue;
		}
		if (mmap(q + 6 * pg, pg, PROT_NONE, anon | MAP_FIXED, -1, 0) != q + 6 * pg)
			fail("MAP_FIXED over own, after mremap", errno);
		else
			count(&replaced);
		char *r = mmap(NULL, 2 * pg, rw, anon, -1, 0);
		size_t gone = 0; /* pages of q moved away: another thread may map there now */
		if (r != MAP_FAILED) {
			/* Move our own first two pages onto our own other mapping. */
			if (mremap(q, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, r) != r) {
				fail("MREMAP_FIXED onto own", errno);
			} else {
				count(&moved);
				gone = 2 * pg;
			}
			munmap(r, 2 * pg);
		}
		munmap(q + gone, 8 * pg - gone);
		if (++i % 64 == 0 && !no_clobber) {
			void *c = mmap((void *)libc_page, pg, rw, anon | MAP_FIXED, -1, 0);
			if (c != MAP_FAILED || errno != EEXIST)
				fail("libc clobber was not refused", c == MAP_FAILED ? errno : 0);
			count(&clobbers);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	int seconds = argc > 1 ? atoi(argv[1]) : 2;
	no_clobber = getenv("OWN_STRESS_NO_CLOBBER") != NULL;
	Dl_info di;
	if (!dladdr((void *)printf, &di))
		return 2;
	libc_page = ((uintptr_t)(void *)printf & ~(pg - 1));
	static unsigned char before[4096];
	memcpy(before, (void *)libc_page, sizeof(before));

	pthread_t t[8];
	for (unsigned long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i * 1000));
	struct timespec ts = {seconds, 0};
	nanosleep(&ts, NULL);
	stop = 1;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	if (memcmp(before, (void *)libc_page, sizeof(before)))
		count(&wrong);
	printf("replaced=%lu moved=%lu clobbers=%lu wrong=%lu\n", replaced, moved, clobbers, wrong);
	return wrong != 0;
}
