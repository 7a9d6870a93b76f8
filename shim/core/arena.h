/* arena.h - the shim's own memory: one small reservation, made at start.
 *
 * The shim's tables must not come from malloc, and mapping memory for them
 * later would drop mappings into whatever hole the kernel picks next: the very
 * holes the program believes free and may MAP_FIXED into. So each table starts
 * in a slice of one region mapped before the program runs, MAP_NORESERVE (pages
 * cost memory only once touched); only a table that outgrows its slice gets a
 * mapping of its own (store.h). */
#ifndef NC_ARENA_H
#define NC_ARENA_H

#include <stddef.h>

enum nc_arena_part {
	NC_ARENA_STACKS,  /* stack.c: the stacks the slow path runs on (first: an
			   * overflow runs off the arena, not into a table) */
	NC_ARENA_OWN,     /* own.c: the own set */
	NC_ARENA_ATTACH,  /* own.c: SysV attachments */
	NC_ARENA_GROWS,   /* own.c: MAP_GROWSDOWN mappings */
	NC_ARENA_REGIONS, /* regions.c: the table's entries */
	NC_ARENA_NAMES,   /* regions.c: the table's path strings */
	NC_ARENA_READBUF, /* regions.c: the buffer /proc/self/maps is read into */
	NC_ARENA_PARTS
};

#define NC_STACK_SLOTS 4 /* stack.c: 48 KiB each */

/* Base of a part, or NULL if the arena could not be mapped; *size gets its size. */
void *nc_arena_part(enum nc_arena_part part, size_t *size);

#endif
