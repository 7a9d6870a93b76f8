/* arena.c - the reservation of arena.h. */
#include "arena.h"

#include <sys/mman.h>

#include "sys.h"

/* Each table's first home, sized for an ordinary process; a table that needs
 * more moves to a mapping of its own (store.h). Small on purpose: a program
 * running under `ulimit -v` or locking all its memory (mlockall) pays for
 * every byte reserved here. */
static const size_t part_size[NC_ARENA_PARTS] = {
	[NC_ARENA_STACKS] = NC_STACK_SLOTS * (48u << 10), /* 16 KiB of held log lines, 32 KiB of stack */
	[NC_ARENA_OWN] = 64u << 10,     /* 4096 ranges (8192 on 32 bits) */
	[NC_ARENA_ATTACH] = 4u << 10,   /* 256 SysV attachments */
	[NC_ARENA_GROWS] = 4u << 10,    /* 256 MAP_GROWSDOWN mappings */
	[NC_ARENA_REGIONS] = 96u << 10, /* 2048 table entries of 48 bytes */
	[NC_ARENA_NAMES] = 64u << 10,   /* their paths */
	[NC_ARENA_READBUF] = 16u << 10, /* the buffer /proc/self/maps is read into */
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
