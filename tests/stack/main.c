/* main.c - stack=N cases (tests/cases/93-stack.sh), built -O2 -fomit-frame-pointer -g.
 * Each clobbers libc's text through libncstk.so (stk_entry -> two static
 * functions -> mmap) from a different place, prints result=EEXIST when refused:
 *   lib      main -> stk_entry
 *   signal   a SIGALRM handler, interrupting stk_spin, calls stk_entry
 *   thread   a thread with the smallest stack libc allows
 *   dlopen   a library's constructor, inside dlopen
 *   nounwind through a library built without unwind tables
 *   jit      through code written at run time into an anonymous mapping
 *   corrupt-PATTERN  with the frames above the caller overwritten first
 *   supp     two foreign anonymous pages (mapped behind the shim's back),
 *            clobbered from main (stk_direct) and through stk_entry */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "sys.h" /* nc_syscall6: a mapping the shim does not see */

int stk_entry(void *at);
int stk_nounwind(void *at);

static void *libc_text(void) { return (void *)((uintptr_t)&printf & ~(uintptr_t)4095); }

static void say(int r)
{
	printf("result=%s\n", r == EEXIST ? "EEXIST" : r ? strerror(r) : "ok");
	fflush(stdout);
}

static volatile sig_atomic_t handled;
static int handler_result;

__attribute__((noinline)) static void stk_handler(int sig)
{
	(void)sig;
	handler_result = stk_entry(libc_text());
	handled = 1;
}

__attribute__((noinline)) static int stk_spin(void)
{
	unsigned long n = 0;
	while (!handled)
		n++;
	__asm__ volatile("" ::: "memory");
	return n > 0;
}

__attribute__((noinline)) static int signal_case(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stk_handler;
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, 0);
	int r = stk_spin();
	__asm__ volatile("" ::: "memory");
	return r ? handler_result : handler_result;
}

__attribute__((noinline)) static void *stk_thread(void *arg)
{
	int r = stk_entry(arg);
	__asm__ volatile("" ::: "memory");
	return (void *)(intptr_t)(r + 1);
}

__attribute__((noinline)) static int thread_case(void)
{
	pthread_attr_t a;
	pthread_t t;
	void *res;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN);
	if (pthread_create(&t, &a, stk_thread, libc_text()))
		return -1;
	pthread_join(t, &res);
	return (int)(intptr_t)res - 1;
}

/* Machine code that calls stk_jit_target and returns: a JIT's frame. */
__attribute__((noinline)) int stk_jit_target(void)
{
	int r = stk_entry(libc_text());
	__asm__ volatile("" ::: "memory");
	return r;
}

static int jit_case(void)
{
	unsigned char *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return -1;
	uintptr_t t = (uintptr_t)stk_jit_target;
	size_t n = 0;
#if defined(__x86_64__)
	static const unsigned char head[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0xb8}; /* push rbp; mov rbp,rsp; movabs rax, */
	static const unsigned char tail[] = {0xff, 0xd0, 0x5d, 0xc3};             /* call rax; pop rbp; ret */
	memcpy(code, head, sizeof(head));
	memcpy(code + sizeof(head), &t, 8);
	memcpy(code + sizeof(head) + 8, tail, sizeof(tail));
	n = sizeof(head) + 8 + sizeof(tail);
#elif defined(__i386__)
	static const unsigned char head[] = {0x55, 0x89, 0xe5, 0x83, 0xec, 0x08, 0xb8}; /* push ebp; mov ebp,esp; sub esp,8; mov eax, */
	static const unsigned char tail[] = {0xff, 0xd0, 0xc9, 0xc3};                   /* call eax; leave; ret */
	memcpy(code, head, sizeof(head));
	memcpy(code + sizeof(head), &t, 4);
	memcpy(code + sizeof(head) + 4, tail, sizeof(tail));
	n = sizeof(head) + 4 + sizeof(tail);
#elif defined(__aarch64__)
	/* stp x29,x30,[sp,#-16]!; mov x29,sp; ldr x16,#16; blr x16; ldp x29,x30,[sp],#16; ret; .quad t */
	static const uint32_t insn[] = {0xa9bf7bfd, 0x910003fd, 0x58000090, 0xd63f0200, 0xa8c17bfd, 0xd65f03c0};
	memcpy(code, insn, sizeof(insn));
	memcpy(code + sizeof(insn), &t, 8);
	n = sizeof(insn) + 8;
#endif
	__builtin___clear_cache((char *)code, (char *)code + n);
	return ((int (*)(void))(void *)code)();
}

/* Everything between the caller of stk_corrupt and the top of the stack
 * (16 KiB at most) is overwritten with pattern; the clobber is then made, and
 * the process ends without returning through the ruined frames. */
__attribute__((noinline)) static void stk_corrupt(const char *pattern, volatile char *mark)
{
	pthread_attr_t a;
	void *lo;
	size_t size;
	pthread_getattr_np(pthread_self(), &a);
	pthread_attr_getstack(&a, &lo, &size);
	uintptr_t from = ((uintptr_t)mark + 8) & ~(uintptr_t)7, top = (uintptr_t)lo + size - 64;
	if (top > from + 16384)
		top = from + 16384;
	uintptr_t text = (uintptr_t)libc_text();
	uint64_t seed = 12345;
	for (uintptr_t p = from; p < top; p += sizeof(uintptr_t)) {
		uintptr_t v = 0;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if (!strcmp(pattern, "random"))
			v = (uintptr_t)(seed ^ (seed >> 29));
		else if (!strcmp(pattern, "self"))
			v = p; /* every slot points at itself: a loop */
		else if (!strcmp(pattern, "down"))
			v = p - 4096; /* frames that go down the stack */
		else if (!strcmp(pattern, "text"))
			v = text + (uintptr_t)((seed >> 40) % 65536); /* return addresses anywhere in libc's code */
		*(volatile uintptr_t *)p = v;
	}
	int r = stk_entry(libc_text());
	say(r);
	_exit(0);
}

__attribute__((noinline)) static int corrupt_case(const char *pattern)
{
	volatile char mark = 0;
	stk_corrupt(pattern, &mark);
	return mark;
}

__attribute__((noinline)) static int stk_direct(void *at)
{
	void *p = mmap(at, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	__asm__ volatile("" ::: "memory");
	return p == MAP_FAILED ? errno : 0;
}

__attribute__((noinline)) static int supp_case(void)
{
	long a = nc_syscall6(NC_SYS_MMAP, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long b = nc_syscall6(NC_SYS_MMAP, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nc_sys_failed(a) || nc_sys_failed(b))
		return -1;
	int r = stk_direct((void *)a);
	printf("direct: ");
	say(r);
	r = stk_entry((void *)b);
	printf("via stk_entry: ");
	say(r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "lib";
	int r;
	if (!strcmp(c, "lib")) {
		r = stk_entry(libc_text());
	} else if (!strcmp(c, "signal")) {
		r = signal_case();
	} else if (!strcmp(c, "thread")) {
		r = thread_case();
	} else if (!strcmp(c, "dlopen")) {
		void *h = dlopen(argc > 2 ? argv[2] : "libncstkctor.so", RTLD_NOW);
		if (!h)
			fprintf(stderr, "dlopen: %s\n", dlerror());
		r = h ? 0 : -1;
		printf("dlopen: %s\n", h ? "ok" : "failed");
	} else if (!strcmp(c, "nounwind")) {
		r = stk_nounwind(libc_text());
	} else if (!strcmp(c, "jit")) {
		r = jit_case();
	} else if (!strcmp(c, "supp")) {
		return supp_case();
	} else if (!strncmp(c, "corrupt-", 8)) {
		r = corrupt_case(c + 8);
	} else {
		fprintf(stderr, "unknown case %s\n", c);
		return 2;
	}
	say(r);
	return 0;
}
