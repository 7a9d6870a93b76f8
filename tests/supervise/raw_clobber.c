/* raw_clobber.c - a dynamic program that maps over libc's text with its own
 * system-call instruction (inline assembly): the preload cannot see the call.
 * It never returns into libc afterwards: the result is written and the
 * process ends with raw system calls too.
 * Prints "raw: result=ok|EEXIST|errno=N". */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c,
		      x3 __asm__("x3") = d, x4 __asm__("x4") = e, x5 __asm__("x5") = f;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
	r = x0;
#elif defined(__i386__)
	/* At most three arguments here (old mmap takes one: a pointer to six) */
	(void)d, (void)e, (void)f;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
#endif
	return r;
}

static void say(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	raw6(SYS_write, 1, (long)s, (long)n, 0, 0, 0);
}

int main(void)
{
	uintptr_t page = (uintptr_t)&getpid & ~(uintptr_t)4095; /* libc's text */
#if defined(__i386__)
	/* i386's old mmap: its arguments in memory, where no filter looks */
	long args[6] = {(long)page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0};
	long r = raw6(SYS_mmap, (long)args, 0, 0, 0, 0, 0);
#else
	long r = raw6(SYS_mmap, (long)page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
#endif
	if (r == (long)page)
		say("raw: result=ok\n");
	else if (r == -EEXIST)
		say("raw: result=EEXIST\n");
	else
		say("raw: result=errno\n");
	raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	return 0;
}
