/* jump_lib.c - a library preloaded after the shim (LD_PRELOAD=shim:this), so
 * that the shim's mmap and munmap reach libc through it: when the program arms
 * it (intrude_jump_armed, found with dlsym), the call raises SIGUSR2 instead,
 * whose handler in tests/intrude.c siglongjmps out. So a shim call is cut
 * short at a known point, every time: after the shim's bookkeeping before the
 * system call, where a timer's jump lands only now and then. Built at test
 * time by tests/cases/68-intrude.sh. Unarmed, the calls go to the kernel. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int intrude_jump_armed; /* 1: the next mmap jumps; 2: the next munmap */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (intrude_jump_armed == 1) {
		intrude_jump_armed = 0;
		raise(SIGUSR2);
	}
#ifdef SYS_mmap2 /* 32-bit: the offset in pages */
	return (void *)syscall(SYS_mmap2, addr, len, prot, flags, fd, (long)(off / 4096));
#else
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#endif
}

int munmap(void *addr, size_t len)
{
	if (intrude_jump_armed == 2) {
		intrude_jump_armed = 0;
		raise(SIGUSR2);
	}
	return (int)syscall(SYS_munmap, addr, len);
}
