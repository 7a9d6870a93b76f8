/* store.c - the growable memory of store.h. */
#include "store.h"

#include <errno.h>
#include <sys/mman.h>

#include "sys.h"

#define NC_MREMAP_MAYMOVE 1

int nc_store_init(struct nc_store *s, enum nc_arena_part part)
{
	if (s->base)
		return 0;
	size_t size;
	char *b = nc_arena_part(part, &size);
	if (!b)
		return -ENOMEM;
	s->base = b;
	s->size = size;
	s->own_map = 0;
	return 0;
}

int nc_store_grow(struct nc_store *s, size_t need)
{
	if (need <= s->size)
		return 0;
	size_t size = s->size ? s->size : nc_page_size;
	while (size < need) {
		if (size > (size_t)-1 / 4)
			return -ENOMEM;
		size *= 2;
	}
	size = (size + nc_page_size - 1) & ~(nc_page_size - 1);
	long m;
	if (s->own_map) {
		m = nc_syscall6(SYS_mremap, (long)s->base, (long)s->size, (long)size, NC_MREMAP_MAYMOVE, 0, 0);
	} else {
		m = nc_sys_mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (!nc_sys_failed(m) && s->base)
			__builtin_memcpy((char *)m, s->base, s->size);
	}
	if (nc_sys_failed(m))
		return -ENOMEM;
	s->base = (char *)m;
	s->size = size;
	s->own_map = 1;
	return 0;
}
