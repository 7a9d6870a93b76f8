/* lib.c - libncstk.so, built -O2 -fomit-frame-pointer -g (tests/cases/93-stack.sh):
 * the clobber goes stk_entry -> stk_outer -> stk_inner -> mmap, the last two
 * static (no dynamic symbol: the report names them through addr2line). Each
 * call's result is used after it, so that none is a tail call. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

__attribute__((noinline)) static int stk_inner(void *at)
{
	void *p = mmap(at, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? errno : 0;
}

__attribute__((noinline)) static int stk_outer(void *at)
{
	int r = stk_inner(at);
	__asm__ volatile("" ::: "memory");
	return r * 3;
}

__attribute__((noinline)) int stk_entry(void *at)
{
	int r = stk_outer(at);
	__asm__ volatile("" ::: "memory");
	return r / 3;
}
