/* decide.h - the doors that can replace a mapping, each decided the same way:
 * is the range free (asked of the kernel, atomically, where it can answer), and
 * if not, may it be replaced (policy.h). All results are kernel style: a value,
 * or -errno. The next definitions (libc's, or raw system calls) are passed in. */
#ifndef NC_DECIDE_H
#define NC_DECIDE_H

#include <sys/mman.h>

#include "own.h"
#include "report.h"
#include "sys.h"

typedef long (*nc_mmap_fn)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
typedef long (*nc_munmap_fn)(void *addr, size_t len);
typedef long (*nc_mremap_fn)(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
typedef long (*nc_shmat_fn)(int shmid, const void *addr, int flags);
typedef long (*nc_shmdt_fn)(const void *addr);

/* Set at start when NOCLOBBER_SUPERVISED is: see decide.c. */
extern int nc_supervised;

/* Any mmap: MAP_FIXED ones are decided, every success is recorded as own. */
long nc_do_mmap(struct nc_call *c, nc_mmap_fn next);
long nc_do_munmap(void *addr, size_t len, nc_munmap_fn next);
/* munmap's bookkeeping alone, around the call: nc_unmap_begin before it, then
 * nc_own_settle with whether the kernel did unmap. */
void nc_unmap_begin(void *addr, size_t len, struct nc_own_taken *t);
/* What a successful mmap mapped at r is the program's own (and, made with
 * MAP_GROWSDOWN, what it grows into). */
void nc_note_mapping(uintptr_t r, size_t len, int flags);
/* The own set, when it could not follow a change (nc_own_rebuild_wanted),
 * made anew from what is mapped: every private anonymous mapping but the stack
 * and the heap counts as the program's own (what a process's memory looks like
 * without records). Said once in the log for each reason. */
void nc_own_rebuild(void);
/* The ranges of a call a siglongjmp cut short (nc_own_cut), looked at again:
 * what is private and anonymous there counts as own. Said once. */
void nc_own_recover_cut(void);
/* Any mremap: MREMAP_FIXED ones are decided; the own set follows the move. */
long nc_do_mremap(struct nc_call *c, nc_mremap_fn next);
/* Any shmat: SHM_REMAP ones are decided; attachments are recorded as own. */
long nc_do_shmat(struct nc_call *c, nc_shmat_fn next);
long nc_do_shmdt(const void *addr, nc_shmdt_fn next);

/* The end of what a successful mmap(addr, len, ..., flags) mapped: the kernel
 * rounds a MAP_HUGETLB length up to whole huge pages (the size in the flags, or
 * the system's default, 2 MiB on x86_64 and on 4 KiB-page aarch64). */
static inline uintptr_t nc_own_extent(uintptr_t addr, size_t len, int flags)
{
	if (flags & MAP_HUGETLB) {
		unsigned shift = ((unsigned)flags >> 26) & 0x3f; /* MAP_HUGE_SHIFT, MAP_HUGE_MASK */
		size_t huge = shift >= 16 && shift < 8 * sizeof(size_t) ? (size_t)1 << shift : (size_t)2 << 20;
		if (len <= (size_t)-1 - huge)
			len = (len + huge - 1) & ~(huge - 1);
	}
	return nc_range_end(addr, len);
}

#endif
