/* arena.c - the reservation of arena.h. */
#include "arena.h"

#include <sys/mman.h>

#include "sys.h"

/* Sizes: vm.max_map_count is 65530 by default, so room for 80k mappings. */
static const size_t part_size[NC_ARENA_PARTS] = {
	[NC_ARENA_OWN] = 1u << 20,     /* 65536 ranges of 16 bytes */
	[NC_ARENA_REGIONS] = 4u << 20, /* 87381 entries of 48 bytes */
	[NC_ARENA_NAMES] = (8u << 20) - (16u << 10), /* paths; a full table truncates them */
	[NC_ARENA_READBUF] = 16u << 10, /* here, not in .bss: untouched unless maps is read */
};

static char *base;

void *nc_arena_part(enum nc_arena_part part, size_t *size)
{
	char *b = __atomic_load_n(&base, __ATOMIC_ACQUIRE);
	if (!b) {
		size_t total = 0;
		for (int i = 0; i < NC_ARENA_PARTS; i++)
			total += part_size[i];
		long m = nc_sys_mmap(0, total, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (nc_sys_failed(m))
			return 0;
		char *expected = 0;
		if (__atomic_compare_exchange_n(&base, &expected, (char *)m, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			b = (char *)m;
		} else { /* another thread won */
			nc_sys_munmap((void *)m, total);
			b = expected;
		}
	}
	size_t off = 0;
	for (int i = 0; i < (int)part; i++)
		off += part_size[i];
	*size = part_size[part];
	return b + off;
}
