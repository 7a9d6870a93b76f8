/* nounwind.c - libncstknouw.so, built without unwind tables: the walk must
 * stop at its frame, cleanly. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

__attribute__((noinline)) int stk_nounwind(void *at)
{
	void *p = mmap(at, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	__asm__ volatile("" ::: "memory");
	return p == MAP_FAILED ? errno : 0;
}
