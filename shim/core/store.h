/* store.h - memory of the shim's own that grows with the program.
 *
 * A table starts in its fixed slice of the arena (arena.h), mapped at start, so
 * that a process that never needs more never gets another mapping. When it
 * outgrows that, it moves to a mapping of its own, twice the size each time
 * (mremap moves it without copying page by page). Private, anonymous,
 * MAP_NORESERVE: only pages that hold entries cost memory. Nothing here is
 * freed: tables only grow, and a process that once needed the room will
 * likely need it again. */
#ifndef NC_STORE_H
#define NC_STORE_H

#include <stddef.h>

#include "arena.h"

struct nc_store {
	char *base;   /* NULL until first used */
	size_t size;  /* bytes usable at base */
	int own_map;  /* base is a mapping of the store's own (not the arena slice) */
};

/* First use: the arena's slice. 0, or -ENOMEM if the arena cannot be had. */
int nc_store_init(struct nc_store *s, enum nc_arena_part part);
/* Room for at least need bytes, contents kept (base may move). 0, or -ENOMEM
 * with the store as it was. */
int nc_store_grow(struct nc_store *s, size_t need);

#endif
