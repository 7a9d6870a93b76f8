/* platform_probe.c - what this platform answers, found without the shim, for
 * the suite to hold the shim's own report (help=1) against:
 *   noreplace=yes|no   MAP_FIXED_NOREPLACE over a mapping fails with EEXIST
 *   procmap_query=yes|no   the PROCMAP_QUERY ioctl answers on /proc/self/maps
 * Written with raw system calls: run it with the shim preloaded or not. */
#include <fcntl.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long page = nc_sys_mmap(0, 4096, PROT_READ, anon, -1, 0);
	long again = nc_sys_mmap((void *)page, 4096, PROT_READ, anon | MAP_FIXED_NOREPLACE, -1, 0);
	t_write(1, again == -EEXIST ? "noreplace=yes" : "noreplace=no");

	/* struct procmap_query of Linux 6.11: size, flags, address, then what
	 * the kernel fills in (104 bytes in all). */
	uint64_t q[13];
	memset(q, 0, sizeof(q));
	q[0] = sizeof(q);
	q[2] = (uint64_t)(uintptr_t)page;
	long fd = nc_syscall6(SYS_openat, -100 /* AT_FDCWD */, (long)"/proc/self/maps", O_RDONLY, 0, 0, 0);
	long r = fd < 0 ? -1 : nc_syscall6(SYS_ioctl, fd, (long)0xc0686611UL /* PROCMAP_QUERY */, (long)q, 0, 0, 0);
	t_write(1, r == 0 && q[3] == (uint64_t)(uintptr_t)page ? " procmap_query=yes\n" : " procmap_query=no\n");
	return 0;
}
