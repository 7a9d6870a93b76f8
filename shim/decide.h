/* decide.h - what happens to a MAP_FIXED mmap: the overlap decision and the mode. */
#ifndef NC_DECIDE_H
#define NC_DECIDE_H

#include "report.h"

/* The next mmap in the chain, kernel style: an address, or -errno. */
typedef long (*nc_mmap_fn)(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* Carry out c (which has MAP_FIXED and not MAP_FIXED_NOREPLACE) through next,
 * unless it would replace an existing mapping. Kernel-style result. */
long nc_decide_mmap(const struct nc_call *c, nc_mmap_fn next);

#endif
