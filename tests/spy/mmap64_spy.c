/* mmap64_spy.c - a preloaded library placed after the shim
 * (LD_PRELOAD=shim:spy), so that the shim's "next mmap64" is this one: it
 * says on stderr which offset it was given when that is past 4 GiB, then
 * passes the call on to libc. How the suite sees that a 64-bit offset leaves
 * the shim whole, whatever the emulator under it does with it after. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

typedef void *(*mmap64_fn)(void *, size_t, int, int, int, int64_t);

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	static mmap64_fn next;
	if (!next)
		next = (mmap64_fn)dlsym(RTLD_NEXT, "mmap64");
	if (off >> 32) {
		char line[80];
		int n = snprintf(line, sizeof(line), "spy: mmap64 offset=%lld\n", (long long)off);
		if (write(2, line, (size_t)n) < 0)
			return (void *)-1;
	}
	return next(addr, len, prot, flags, fd, off);
}
