/* ctor.c - libncstkctor.so: its constructor clobbers, while dlopen holds the
 * loader's lock; the walk must not wait for that lock. */
#include <stdio.h>


int stk_entry(void *at);


__attribute__((constructor)) static void stk_ctor(void)
{
	int r = stk_entry((void *)((unsigned long)&printf & ~4095UL));
	printf("ctor: result=%s\n", r == 17 /* EEXIST */ ? "EEXIST" : "other");
}
