/* sys.h - raw system calls for the shim's own work and its bootstrap path.
 *
 * The shim cannot use libc for its own I/O: a program may interpose read/open,
 * libc's wrappers set errno, and before dlsym(RTLD_NEXT) has answered there is no
 * "next mmap" to call at all. So every helper here traps straight into the kernel
 * and returns the kernel's answer: a value >= 0, or -errno. Only the exported
 * wrappers in interpose.c turn that into errno. */
#ifndef NC_SYS_H
#define NC_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>

#if defined(__x86_64__)
#include "arch_x86_64.h"
#elif defined(__i386__)
#include <sys/stat.h>
#include "arch_i386.h"
#elif defined(__aarch64__)
#include "arch_aarch64.h"
#else
#error "libnoclobber: no raw system calls for this architecture (shim/arch_*.h)"
#endif
#ifndef NC_IPC_64
#define NC_IPC_64 0
#endif

/* The code of a call that maps or unmaps, and passes (most calls), kept
 * together in a few pages: each page touched after a system call can cost a
 * TLB miss, and on a virtual machine that flushes at every system call those
 * misses were most of what the shim added to an mmap (README, Performance).
 * The linker's default script groups .text.hot.* sections. */
#define NC_HOT __attribute__((section(".text.hot.noclobber")))
/* The same for the data those calls read and write: in .data, which is small
 * enough to stay within one page (the rest of the shim's variables are in .bss). */
#define NC_HOT_DATA __attribute__((section(".data.hot.noclobber")))

#define nc_sys(n, a, b, c) nc_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* A kernel return value in [-4095, -1] is -errno. */
static inline int nc_sys_failed(long r) { return (unsigned long)r > -4096UL; }

/* mmap as the kernel takes it on this architecture (mmap2 on i386: the offset
 * must then be a multiple of 4096, which libc checks first). */
static inline long nc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)
{
	return nc_syscall6(NC_SYS_MMAP, (long)addr, (long)len, prot, flags, fd, NC_MMAP_OFFSET(off));
}
long nc_sys_munmap(void *addr, size_t len);
long nc_sys_open(const char *path, int flags, int mode);
long nc_sys_read(int fd, void *buf, size_t n);       /* retries EINTR */
long nc_sys_pread(int fd, void *buf, size_t n, long long off);
long nc_sys_write_all(int fd, const void *buf, size_t n); /* loops on partial writes, retries EINTR */
long nc_sys_close(int fd);
/* A descriptor the shim keeps, moved to NC_FD_HIGH or above, close-on-exec: out
 * of the way of the low numbers a program expects back from its own open (a
 * daemon that closed stdin reopens it as 0). Returns the new descriptor (fd is
 * closed), or -errno (fd is left as it was). */
#define NC_FD_HIGH 100
long nc_sys_fd_high(int fd);
long nc_sys_ioctl(int fd, unsigned long req, void *arg);
long nc_sys_getpid(void);
long nc_sys_gettid(void);
struct timespec;
/* CLOCK_REALTIME, through the vDSO where there is one, else the system call. */
void nc_clock_realtime(struct timespec *ts);

/* Our pid, kept by the start-up code and the fork child handler, so that the
 * shim's own reads of its memory do not ask the kernel each time. */
extern long nc_pid;
static inline long nc_self_pid(void)
{
	long p = __atomic_load_n(&nc_pid, __ATOMIC_RELAXED);
	return p ? p : nc_sys(SYS_getpid, 0, 0, 0);
}

/* Page size, read once from the auxiliary vector at start (getauxval never
 * allocates); 4096 until then. */
extern size_t nc_page_size;

/* The end of [addr, addr+len) with len rounded up to whole pages, as the
 * kernel sees the range; UINTPTR_MAX if that wraps. */
static inline uintptr_t nc_range_end(uintptr_t addr, size_t len)
{
	uintptr_t l = (len + nc_page_size - 1) & ~(uintptr_t)(nc_page_size - 1);
	return addr + l < addr || l < len ? UINTPTR_MAX : addr + l;
}

/* Block every signal but the synchronous ones (blocked, the kernel would kill
 * the process for those instead of running its handler: a seccomp filter's
 * SIGSYS), the old mask into *old (the kernel's sigset: 8 bytes, i386 too);
 * and put it back. */
void nc_signals_block(uint64_t *old);
void nc_signals_restore(const uint64_t *old);

#endif
