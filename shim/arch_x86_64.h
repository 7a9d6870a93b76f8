/* arch_x86_64.h - the system call instruction and the top of user space on
 * x86_64 (included by sys.h only). */
#ifndef NC_ARCH_H
#define NC_ARCH_H

static inline long nc_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* TASK_SIZE with 4-level page tables: the top when nothing was mapped above it. */
#define NC_USER_TOP 0x7ffffffff000UL

/* mmap takes its offset in bytes. */
#define NC_SYS_MMAP SYS_mmap
#define NC_MMAP_OFFSET(off) ((long)(off))

#endif
