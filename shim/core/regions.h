/* regions.h - the region table: a sorted snapshot of /proc/self/maps held in
 * memory the shim maps for itself (never malloc). It is the portable way to
 * decide overlap (check=table) and to name victims where the kernel cannot be
 * asked per address (no PROCMAP_QUERY before Linux 6.11). */
#ifndef NC_REGIONS_H
#define NC_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "lock.h"
#include "maps.h"
#include "store.h"

/* What a mapping is, for the log and for the policy. */
enum nc_region_kind {
	NC_RK_ANON,  /* private anonymous, [anon:name] */
	NC_RK_FILE,  /* a file that is not a loaded image */
	NC_RK_IMAGE, /* a file with an executable mapping: program, libraries, ld.so */
	NC_RK_STACK, /* [stack], [stack:tid] */
	NC_RK_HEAP,  /* [heap] */
	NC_RK_VDSO,  /* [vdso], [vvar], [vvar_vclock], [vsyscall] */
	NC_RK_SHM,   /* shared memory: SysV, /dev/shm, memfd, shared anonymous */
};

const char *nc_region_kind_name(unsigned kind);

struct nc_region {
	uintptr_t start, end;
	uint64_t offset, inode;
	uint32_t dev_major, dev_minor;
	unsigned perms; /* NC_PERM_* */
	unsigned kind;  /* enum nc_region_kind */
	uint32_t name_off, name_len; /* into the table's name arena */
	int deleted;                 /* the path ends in " (deleted)" */
};

struct nc_table {
	struct nc_region *r;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	struct nc_store r_store, names_store;
	int grew; /* storage moved during a read: read again */
	struct nc_maps_stats stats;
	int failed; /* -errno of the last refresh, 0 if it worked */
};

/* Classify by name and permissions alone (no image detection). */
unsigned nc_kind_from_name(const char *name, size_t len, unsigned perms, uint64_t inode);

/* Re-read /proc/self/maps into t: from fd (read from its start with pread) if
 * fd >= 0, else from a descriptor opened for it. Returns 0 or -errno (t is
 * then empty; -ENOMEM: what fitted is kept). */
int nc_table_refresh(struct nc_table *t, int fd);

/* Load from any maps text source (the tests use this). */
int nc_table_load(struct nc_table *t, nc_maps_read_fn rd, void *ctx);

/* The region holding addr; with or_next, else the first one above it. NULL if none. */
const struct nc_region *nc_table_find(const struct nc_table *t, uintptr_t addr, int or_next);

static inline const char *nc_region_name(const struct nc_table *t, const struct nc_region *r)
{
	return t->names + r->name_off;
}

/* The process-wide table and its lock. */
extern struct nc_table nc_the_table;
extern nc_lock_t nc_table_lock;

#endif
