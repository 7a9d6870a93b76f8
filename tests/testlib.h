/* testlib.h - helpers for the test programs.
 * After a clobber is let through (mode=warn), libc itself may be gone, so a test
 * reports its result with raw system calls only: these never touch libc. */
#ifndef NC_TESTLIB_H
#define NC_TESTLIB_H


#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "sys.h" /* nc_syscall6: the shim's raw system call, header-only */

static inline void t_write(int fd, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	nc_syscall6(SYS_write, fd, (long)s, (long)n, 0, 0, 0);
}

static inline void t_exit(int code)
{
	for (;;)
		nc_syscall6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

/* Decimal into a static buffer, libc-free. */
static inline const char *t_dec(long v)
{
	static char buf[24];
	char *p = buf + sizeof(buf) - 1;
	int neg = v < 0;
	unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;
	*p = 0;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (neg)
		*--p = '-';
	return p;
}

#endif
