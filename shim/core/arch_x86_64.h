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

/* An exported function that asks ROUTER(arg0, arg1) where to go and jumps
 * there with the caller's registers and return address untouched (dlopen.c:
 * glibc's dlopen takes its return address for the caller). */
#ifdef __CET__
#define NC_ENDBR "endbr64\n\t"
#else
#define NC_ENDBR ""
#endif
#define NC_ROUTE_STUB(sym, router)                                                  \
	__asm__(".text\n\t.globl " sym "\n\t.type " sym ",@function\n" sym ":\n\t"   \
		".cfi_startproc\n\t" NC_ENDBR "push %rdi\n\t.cfi_adjust_cfa_offset 8\n\t" \
		"push %rsi\n\t.cfi_adjust_cfa_offset 8\n\tsub $8,%rsp\n\t"           \
		".cfi_adjust_cfa_offset 8\n\tcall " router "\n\tadd $8,%rsp\n\t"     \
		".cfi_adjust_cfa_offset -8\n\tpop %rsi\n\t.cfi_adjust_cfa_offset -8\n\t" \
		"pop %rdi\n\t.cfi_adjust_cfa_offset -8\n\tjmp *%rax\n\t"              \
		".cfi_endproc\n\t.size " sym ",.-" sym "\n\t.previous")

#endif
