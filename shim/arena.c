/* arena.c - the reservation of arena.h. */
#include "arena.h"

#include <sys/mman.h>

#include "sys.h"

/* Sizes: vm.max_map_count is 65530 by default, so room for 80k mappings. A
 * 32-bit process has 3 or 4 GiB in all: there the table and its paths get a
 * quarter (4.5 MiB in all instead of 13); a fuller table truncates paths. */
#define NC_ARENA_BIG (sizeof(void *) == 8)
static const size_t part_size[NC_ARENA_PARTS] = {
	[NC_ARENA_OWN] = sizeof(void *) << 17, /* 65536 ranges of two pointers */
	[NC_ARENA_REGIONS] = NC_ARENA_BIG ? 4u << 20 : 2u << 20, /* 87381 entries of 48 bytes (64-bit) */
	[NC_ARENA_NAMES] = (NC_ARENA_BIG ? 8u << 20 : 2u << 20) - (16u << 10), /* paths */
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
