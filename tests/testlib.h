/* testlib.h - helpers for the test programs.
 * After a clobber is let through (mode=warn), libc itself may be gone, so a test
 * reports its result with raw system calls only: these never touch libc. */
#ifndef NC_TESTLIB_H
#define NC_TESTLIB_H

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* syscall(SYS_mmap, ...) as a program writes it on this architecture: on
 * i386 that system call takes one pointer to the six arguments. */
static inline void *t_syscall_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
#if defined(__i386__)
	unsigned long block[6] = {(unsigned long)addr, len, (unsigned long)prot, (unsigned long)flags,
				  (unsigned long)fd, (unsigned long)off};
	return (void *)syscall(SYS_mmap, block);
#else
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#endif
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

/* An errno by name for result lines; SENTINEL_ERRNO (set before a call) is
 * "kept": the call did not touch errno. */
#define SENTINEL_ERRNO 12345 /* not an errno any call can set */

static inline const char *t_errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ETXTBSY: return "ETXTBSY";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EIDRM: return "EIDRM";
	case SENTINEL_ERRNO: return "kept";
	default: return t_dec(e);
	}
}

/* The address of a page in the middle of the executable segment of the loaded
 * object that holds address `inside`, found with dl_iterate_phdr (not /proc,
 * which some tests take away, and whose permissions qemu-user may merge); 0 if
 * not found. */
struct t_text_search {
	size_t pg;
	uintptr_t inside, page;
};

static inline int t_text_segment(struct dl_phdr_info *info, size_t size, void *data)
{
	struct t_text_search *q = data;
	(void)size;
	int holds = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		holds |= ph->p_type == PT_LOAD && q->inside >= s && q->inside < s + ph->p_memsz;
	}
	if (!holds)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t s = (info->dlpi_addr + ph->p_vaddr + q->pg - 1) & ~(q->pg - 1);
		uintptr_t e = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(q->pg - 1);
		if (e > s) {
			q->page = s + ((e - s) / 2 & ~(q->pg - 1));
			return 1;
		}
	}
	return 0;
}

static inline uintptr_t t_text_page(uintptr_t inside, size_t pg)
{
	struct t_text_search q = { pg, inside, 0 };
	dl_iterate_phdr(t_text_segment, &q);
	return q.page;
}

/* libc's: the object that defines getpid (glibc's libc.so.6, musl's libc.so). */
static inline uintptr_t t_libc_text_page(size_t pg)
{
	return t_text_page((uintptr_t)dlsym(RTLD_DEFAULT, "getpid"), pg);
}

/* "result=ok|EEXIST|errno=N" (no newline) for a call at target that returned r
 * with errno err. */
static inline void t_result(const void *r, const void *target, int err)
{
	t_write(1, "result=");
	if (r == target) {
		t_write(1, "ok");
	} else if (r == MAP_FAILED && err == EEXIST) {
		t_write(1, "EEXIST");
	} else {
		t_write(1, "errno=");
		t_write(1, t_dec(err));
	}
}

/* One rwx page MAP_FIXED over page (libc's, say), and one line on stdout:
 * "result=EEXIST|errno=N intact=yes|no". If the call succeeds, libc may be
 * gone: "result=ok intact=no" and exit status 3. */
static inline void t_clobber_page(uintptr_t page, size_t pg)
{
	static unsigned char before[4096];
	memcpy(before, (void *)page, sizeof(before));
	errno = 0;
	void *r = mmap((void *)page, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	t_result(r, (void *)page, err);
	if (r == (void *)page) {
		t_write(1, " intact=no\n");
		t_exit(3);
	}
	int same = 1;
	for (size_t i = 0; i < sizeof(before); i++)
		same &= ((const volatile unsigned char *)page)[i] == before[i];
	t_write(1, same ? " intact=yes\n" : " intact=no\n");
}

/* Descriptors (above 2) whose /proc/self/fd link reads want, and the lowest of
 * them (-1 if none): how a test finds the descriptors the shim keeps. Uses
 * libc: call it only while libc is intact. */
static inline int t_fds_linked_to(const char *want, int *lowest)
{
	char link[4096], path[64];
	int n = 0;
	*lowest = -1;
	for (int fd = 3; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t k = readlink(path, link, sizeof(link) - 1);
		if (k < 0)
			continue;
		link[k] = 0;
		if (!strcmp(link, want)) {
			if (*lowest < 0)
				*lowest = fd;
			n++;
		}
	}
	return n;
}

#endif
