/* decode.c - names for the arguments, see decode.h. */
#include "decode.h"

#include <sys/mman.h>

struct bit_name {
	int bit;
	const char *name;
};

static const struct bit_name mmap_flags[] = {
	{MAP_SHARED, "MAP_SHARED"},
	{MAP_PRIVATE, "MAP_PRIVATE"},
	{MAP_FIXED, "MAP_FIXED"},
	{MAP_ANONYMOUS, "MAP_ANONYMOUS"},
#ifdef MAP_32BIT
	{MAP_32BIT, "MAP_32BIT"},
#endif
	{MAP_GROWSDOWN, "MAP_GROWSDOWN"},
	{MAP_DENYWRITE, "MAP_DENYWRITE"},
	{MAP_EXECUTABLE, "MAP_EXECUTABLE"},
	{MAP_LOCKED, "MAP_LOCKED"},
	{MAP_NORESERVE, "MAP_NORESERVE"},
	{MAP_POPULATE, "MAP_POPULATE"},
	{MAP_NONBLOCK, "MAP_NONBLOCK"},
	{MAP_STACK, "MAP_STACK"},
	{MAP_HUGETLB, "MAP_HUGETLB"},
#ifdef MAP_SYNC
	{MAP_SYNC, "MAP_SYNC"},
#endif
	{MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
	{0, 0},
};

static const struct bit_name mremap_flags[] = {
	{1, "MREMAP_MAYMOVE"},
	{2, "MREMAP_FIXED"},
	{4, "MREMAP_DONTUNMAP"},
	{0, 0},
};

static const struct bit_name shmat_flags[] = {
	{010000, "SHM_RDONLY"},
	{020000, "SHM_RND"},
	{040000, "SHM_REMAP"},
	{0100000, "SHM_EXEC"},
	{0, 0},
};

int nc_decode_flags(enum nc_door door, int flags, const char **names, int *rest)
{
	const struct bit_name *t = door == NC_DOOR_MREMAP ? mremap_flags
				   : door == NC_DOOR_SHMAT ? shmat_flags
							   : mmap_flags;
	int n = 0;
	/* MAP_SHARED_VALIDATE is a type (3), not MAP_SHARED|MAP_PRIVATE. */
	if (door == NC_DOOR_MMAP && (flags & MAP_TYPE) == MAP_SHARED_VALIDATE) {
		names[n++] = "MAP_SHARED_VALIDATE";
		flags &= ~MAP_TYPE;
	}
	for (; t->bit && n < NC_DECODE_MAX; t++)
		if ((flags & t->bit) == t->bit) {
			names[n++] = t->name;
			flags &= ~t->bit;
		}
	*rest = flags;
	return n;
}

void nc_decode_prot(int prot, char out[4], int *rest)
{
	out[0] = prot & PROT_READ ? 'r' : '-';
	out[1] = prot & PROT_WRITE ? 'w' : '-';
	out[2] = prot & PROT_EXEC ? 'x' : '-';
	out[3] = 0;
	*rest = prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC);
}

const char *nc_event_name(enum nc_event ev)
{
	switch (ev) {
	case NC_EV_REFUSED:
		return "refused";
	case NC_EV_ABORTING:
		return "aborted";
	default:
		return "allowed";
	}
}
