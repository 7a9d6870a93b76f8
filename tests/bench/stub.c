/* stub.c - preloaded after the shim in `make bench`: mmap and munmap that never
 * enter the kernel, so that a loop under the shim times the shim's own code
 * alone (the kernel's share, and its layout effects, are what the other rows
 * add). A mapping is always "made" at the address asked for, or in one page
 * kept here; nothing is really mapped or unmapped. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

static char page[8192];

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	(void)len, (void)prot, (void)fd, (void)off;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		return addr;
	return (void *)(((uintptr_t)page + 4095) & ~(uintptr_t)4095);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	(void)addr, (void)len;
	return 0;
}
