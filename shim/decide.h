/* decide.h - the doors that can replace a mapping, each decided the same way:
 * is the range free (asked of the kernel, atomically, where it can answer), and
 * if not, may it be replaced (policy.h). All results are kernel style: a value,
 * or -errno. The next definitions (libc's, or raw system calls) are passed in. */
#ifndef NC_DECIDE_H
#define NC_DECIDE_H

#include "lock.h"
#include "report.h"

typedef long (*nc_mmap_fn)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
typedef long (*nc_munmap_fn)(void *addr, size_t len);
typedef long (*nc_mremap_fn)(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
typedef long (*nc_shmat_fn)(int shmid, const void *addr, int flags);
typedef long (*nc_shmdt_fn)(const void *addr);

/* Any mmap: MAP_FIXED ones are decided, every success is recorded as own. */
long nc_do_mmap(struct nc_call *c, nc_mmap_fn next);
long nc_do_munmap(void *addr, size_t len, nc_munmap_fn next);
/* munmap's bookkeeping alone: take the range out of the own set. */
void nc_forget(void *addr, size_t len);
/* Any mremap: MREMAP_FIXED ones are decided; the own set follows the move. */
long nc_do_mremap(struct nc_call *c, nc_mremap_fn next);
/* Any shmat: SHM_REMAP ones are decided; attachments are recorded as own. */
long nc_do_shmat(struct nc_call *c, nc_shmat_fn next);
long nc_do_shmdt(const void *addr, nc_shmdt_fn next);

/* Guards the list of SysV attachments (fork handlers take it too). */
extern nc_lock_t nc_attached_lock;

#endif
