/* threads.c - clobber attempts from several threads while others churn the map.
 *
 *   threads [SECONDS]          (default 1.5)
 *
 * Six threads map, touch, mprotect and unmap anonymous memory without pause,
 * so /proc/self/maps changes under every read the shim makes. Two threads
 * attempt MAP_FIXED over a page of libc's text again and again; each attempt
 * must fail with EEXIST. They never map at a fixed free address: with other
 * threads mapping, "free" cannot be known, and a lost race would be the test's
 * fault, not the shim's.
 *
 * Output (raw writes; libc is only trusted again once the page compares equal):
 *   attempts=N eexist=N other=N mapper_ops=N intact=yes|no
 * The case file counts the log lines against attempts. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define MAPPERS 6
#define CLOBBERERS 2
#define MAX_ATTEMPTS 4000 /* per clobberer: bounds the log */

static size_t pg;
static uintptr_t target;
static int stop;
static unsigned long attempts[CLOBBERERS], eexist[CLOBBERERS], other[CLOBBERERS];
static unsigned long mapper_ops[MAPPERS];

static void *mapper(void *arg)
{
	long id = (long)arg;
	unsigned seed = (unsigned)id * 2654435761u;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 16) % 8;
		void *p = (seed & 1) ? mmap64(NULL, n * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
				     : mmap(NULL, n * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		memset(p, (int)id, n * pg);
		/* Split it into differently protected pieces: more lines in maps. */
		mprotect(p, pg, PROT_READ);
		if (n > 2)
			mprotect((char *)p + 2 * pg, pg, PROT_NONE);
		munmap(p, n * pg);
		mapper_ops[id]++;
	}
	return NULL;
}

static void *clobberer(void *arg)
{
	long id = (long)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED) && attempts[id] < MAX_ATTEMPTS) {
		void *r = mmap((void *)target, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		int err = errno;
		attempts[id]++;
		if (r == MAP_FAILED && err == EEXIST) {
			eexist[id]++;
		} else {
			other[id]++;
			if (r != MAP_FAILED) { /* libc's text is gone: say so without it */
				t_write(1, "clobber let through: libc text replaced\n");
				t_exit(3);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	double secs = argc > 1 ? atof(argv[1]) : 1.5;
	/* A page of libc's text (found from its ELF headers: any libc). */
	target = t_libc_text_page(pg);
	if (!target)
		return 2;
	static unsigned char before[4096];
	memcpy(before, (void *)target, sizeof(before));

	pthread_t th[MAPPERS + CLOBBERERS];
	for (long i = 0; i < MAPPERS; i++)
		if (pthread_create(&th[i], NULL, mapper, (void *)i))
			return 2;
	for (long i = 0; i < CLOBBERERS; i++)
		if (pthread_create(&th[MAPPERS + i], NULL, clobberer, (void *)i))
			return 2;
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < MAPPERS + CLOBBERERS; i++)
		pthread_join(th[i], NULL);

	unsigned long a = 0, e = 0, o = 0, m = 0;
	for (int i = 0; i < CLOBBERERS; i++)
		a += attempts[i], e += eexist[i], o += other[i];
	for (int i = 0; i < MAPPERS; i++)
		m += mapper_ops[i];
	const unsigned char *now = (const unsigned char *)target;
	int same = 1;
	for (size_t i = 0; i < sizeof(before); i++)
		same &= now[i] == before[i];
	t_write(1, "attempts=");
	t_write(1, t_dec((long)a));
	t_write(1, " eexist=");
	t_write(1, t_dec((long)e));
	t_write(1, " other=");
	t_write(1, t_dec((long)o));
	t_write(1, " mapper_ops=");
	t_write(1, t_dec((long)m));
	t_write(1, same ? " intact=yes\n" : " intact=no\n");
	return same ? 0 : 3;
}
