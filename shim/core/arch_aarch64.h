/* arch_aarch64.h - the system call instruction and the top of user space on
 * aarch64 (included by sys.h only). */
#ifndef NC_ARCH_H
#define NC_ARCH_H

static inline long nc_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

/* A 48-bit address space (the common configuration). */
#define NC_USER_TOP 0x1000000000000UL

#define NC_SYS_MMAP SYS_mmap
#define NC_MMAP_OFFSET(off) ((long)(off))

/* An exported function that asks ROUTER(arg0, arg1) where to go and branches
 * there with the caller's registers and link register untouched (dlopen.c:
 * glibc's dlopen takes its return address for the caller). */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define NC_BTI_C "hint 34\n\t"
#else
#define NC_BTI_C ""
#endif
#define NC_ROUTE_STUB(sym, router)                                                  \
	__asm__(".text\n\t.globl " sym "\n\t.type " sym ",%function\n" sym ":\n\t"   \
		".cfi_startproc\n\t" NC_BTI_C "stp x29, x30, [sp, #-32]!\n\t"         \
		".cfi_def_cfa_offset 32\n\t.cfi_offset 29, -32\n\t.cfi_offset 30, -24\n\t" \
		"mov x29, sp\n\tstp x0, x1, [sp, #16]\n\tbl " router "\n\t"           \
		"mov x16, x0\n\tldp x0, x1, [sp, #16]\n\tldp x29, x30, [sp], #32\n\t" \
		".cfi_def_cfa_offset 0\n\t.cfi_restore 29\n\t.cfi_restore 30\n\tbr x16\n\t" \
		".cfi_endproc\n\t.size " sym ",.-" sym "\n\t.previous")

#endif
