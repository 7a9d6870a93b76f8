/* arch_i386.h - system calls on 32-bit x86 (included by sys.h only).
 *
 * int $0x80 takes its sixth argument in ebp, which the compiler may be using
 * as the frame pointer, and ebx may hold the PIC base: neither can be an asm
 * operand. So the first and sixth argument travel in a small block whose
 * address is in ecx; ebx and ebp are saved on the stack around the trap. */
#ifndef NC_ARCH_H
#define NC_ARCH_H

static inline long nc_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	long block[3] = {a, b, f};
	long *p = block;
	long ret;
	__asm__ volatile("pushl %%ebp\n\t"
			 "pushl %%ebx\n\t"
			 "movl 0(%%ecx), %%ebx\n\t"
			 "movl 8(%%ecx), %%ebp\n\t"
			 "movl 4(%%ecx), %%ecx\n\t"
			 "int $0x80\n\t"
			 "popl %%ebx\n\t"
			 "popl %%ebp"
			 : "=a"(ret), "+c"(p)
			 : "a"(n), "d"(c), "S"(d), "D"(e), "m"(block)
			 : "memory");
	return ret;
}

/* A 32-bit process on a 64-bit kernel may map up to here (a 32-bit kernel
 * stops at 3 GiB, and refuses anything above with ENOMEM itself). */
#define NC_USER_TOP 0xffffe000UL

/* SYS_mmap here is the old call that takes a pointer to six arguments;
 * mmap2 takes them in registers, the offset in 4096-byte units. */
#define NC_SYS_MMAP SYS_mmap2
#define NC_MMAP_OFFSET(off) ((long)((unsigned long long)(off) >> 12))

/* System V IPC: the kernel fills the old structures unless asked for the ones
 * libc declares. */
#define NC_IPC_64 0x100

#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
/* The shim is built with a 64-bit off_t (Makefile), so its struct stat is the
 * kernel's stat64, which only fstat64 fills. */
#undef SYS_fstat
#define SYS_fstat SYS_fstat64
_Static_assert(sizeof(struct stat) == 96, "struct stat is not the kernel's stat64");
#endif

/* An exported function that asks ROUTER(arg0, arg1) where to go and jumps
 * there with the caller's stack and return address untouched (dlopen.c:
 * glibc's dlopen takes its return address for the caller). The call keeps
 * the stack 16-byte aligned, as gcc assumes. */
#ifdef __CET__
#define NC_ENDBR "endbr32\n\t"
#else
#define NC_ENDBR ""
#endif
#define NC_ROUTE_STUB(sym, router)                                                  \
	__asm__(".text\n\t.globl " sym "\n\t.type " sym ",@function\n" sym ":\n\t"   \
		".cfi_startproc\n\t" NC_ENDBR "sub $4,%esp\n\t.cfi_adjust_cfa_offset 4\n\t" \
		"pushl 12(%esp)\n\t.cfi_adjust_cfa_offset 4\n\t"                      \
		"pushl 12(%esp)\n\t.cfi_adjust_cfa_offset 4\n\tcall " router "\n\t" \
		"add $12,%esp\n\t.cfi_adjust_cfa_offset -12\n\tjmp *%eax\n\t"         \
		".cfi_endproc\n\t.size " sym ",.-" sym "\n\t.previous")

#endif
