/* doors64.c - the doors that carry a 64-bit file offset on a 32-bit ABI, and
 * i386's own system call doors.
 *
 *   doors64 probe               mmap64=shim|libc|absent: who answers the name
 *   doors64 big-offset FILE     mmap64 at an offset past 4 GiB of a sparse FILE:
 *                               plain, MAP_FIXED over libc (must be refused),
 *                               MAP_FIXED over our own reservation (allowed)
 *   doors64 mmap2 FILE          i386: syscall(SYS_mmap2), offset in pages
 *   doors64 old-mmap-efault     i386: syscall(SYS_mmap) with a bad block pointer
 *   doors64 high                32-bit: MAP_FIXED over a foreign page at
 *                               0xb0000000, above 2 GiB (refused by default)
 *   doors64 reserve             32-bit: how many MiB of address space are
 *                               left for the program, in 16 MiB reservations
 *
 * mmap64 is called through the name (dlsym), not through libc's header, which
 * may make it a macro for mmap (musl). Where libc's off_t is 64 bits this is
 * the same call as mmap; on i386 it is the only way past 4 GiB. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define BIG_OFFSET ((int64_t)1 << 32 | 4096) /* 4 GiB + one page */
static const char marker[] = "beyond 4 GiB";

typedef void *(*mmap64_fn)(void *, size_t, int, int, int, int64_t);

static int big_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	/* The marker at 4 GiB + 4096, written through the system call itself:
	 * the program's own off_t may be 32 bits. */
#if defined(SYS_pwrite64)
	long lo = (long)(BIG_OFFSET & 0xffffffff), hi = (long)(BIG_OFFSET >> 32);
	long w = sizeof(long) == 4 ? nc_syscall6(SYS_pwrite64, fd, (long)marker, sizeof(marker), lo, hi, 0)
				   : nc_syscall6(SYS_pwrite64, fd, (long)marker, sizeof(marker), (long)BIG_OFFSET, 0, 0);
#else
	long w = -1;
#endif
	if (w != (long)sizeof(marker)) {
		fprintf(stderr, "pwrite64 at 4 GiB: %ld\n", w);
		exit(2);
	}
	return fd;
}

static const char *marker_at(const void *p)
{
	return p != MAP_FAILED && !memcmp(p, marker, sizeof(marker)) ? "ok" : "wrong";
}

static uintptr_t reservation(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? 0 : (uintptr_t)p;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	mmap64_fn m64 = (mmap64_fn)dlsym(RTLD_DEFAULT, "mmap64");
	if (!strcmp(what, "probe")) {
		Dl_info di;
		const char *who = !m64 ? "absent"
			: dladdr((void *)m64, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber") ? "shim" : "libc";
		printf("mmap64=%s\n", who);
		return 0;
	}
	if (!strcmp(what, "big-offset") && argc > 2) {
		if (!m64) {
			printf("mmap64=absent\n");
			return 0;
		}
		int fd = big_file(argv[2]);
		void *p = m64(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, BIG_OFFSET);
		printf("plain: marker=%s\n", marker_at(p));
		fflush(stdout);
		uintptr_t libc = t_libc_text_page(4096);
		errno = 0;
		p = m64((void *)libc, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, BIG_OFFSET);
		t_write(1, "fixed-over-libc: ");
		t_result(p, (void *)libc, errno);
		t_write(1, "\n");
		if (p == (void *)libc)
			t_exit(3); /* libc's text is gone */
		uintptr_t own = reservation();
		p = m64((void *)own, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, BIG_OFFSET);
		printf("fixed-over-own: ");
		fflush(stdout);
		t_result(p, (void *)own, errno);
		printf(" marker=%s\n", p == (void *)own ? marker_at(p) : "none");
		return 0;
	}
#if defined(SYS_mmap2)
	if (!strcmp(what, "mmap2") && argc > 2) {
		int fd = big_file(argv[2]);
		uintptr_t libc = t_libc_text_page(4096);
		errno = 0;
		unsigned long pgoff = (unsigned long)(BIG_OFFSET >> 12);
		void *p = (void *)syscall(SYS_mmap2, libc, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, pgoff);
		t_write(1, "mmap2-over-libc: ");
		t_result(p, (void *)libc, errno);
		t_write(1, "\n");
		if (p == (void *)libc)
			t_exit(3);
		uintptr_t own = reservation();
		p = (void *)syscall(SYS_mmap2, own, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, pgoff);
		printf("mmap2-over-own: ");
		fflush(stdout);
		t_result(p, (void *)own, errno);
		printf(" marker=%s\n", p == (void *)own ? marker_at(p) : "none");
		return 0;
	}
#endif
#if defined(__i386__)
	if (!strcmp(what, "old-mmap-efault")) {
		errno = 0;
		long r = syscall(SYS_mmap, (void *)16);
		printf("old-mmap-efault: r=%ld errno=%s\n", r, t_errname(errno));
		return 0;
	}
#endif
	if (!strcmp(what, "high") && sizeof(void *) == 4) {
		uintptr_t at = 0xb0000000u; /* below 3 GiB: a 32-bit kernel's top too */
		long r = nc_sys_mmap((void *)at, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r != (long)at) {
			printf("high: 0x%lx not free here\n", (unsigned long)at);
			return 1;
		}
		errno = 0;
		void *p = mmap((void *)at, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		t_write(1, "high: ");
		t_result(p, (void *)at, errno);
		t_write(1, "\n");
		return 0;
	}
	if (!strcmp(what, "reserve") && sizeof(void *) == 4) {
		unsigned long mib = 0;
		while (mmap(NULL, 16 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED)
			mib += 16;
		printf("reserved_mib=%lu\n", mib);
		return 0;
	}
	printf("%s: not on this platform\n", what);
	return 0;
}
