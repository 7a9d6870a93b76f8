/* sandboxed.c - a program that sandboxes itself with seccomp, as browsers'
 * content processes do, then clobbers libc and replaces its own memory.
 *
 *   sandboxed ACTION HOW
 *     ACTION: trap  forbidden calls raise SIGSYS; the handler counts them and
 *                   answers ENOSYS (what Firefox's sandbox does)
 *             trap-ioctl  the same for ioctl alone (Firefox forbids it)
 *             kill  forbidden calls kill the process
 *             kill-stat  the same, fstat, newfstatat and statx forbidden too
 *             enotty ioctl alone answers ENOTTY, as a kernel without
 *                   PROCMAP_QUERY does; nothing else is forbidden
 *     HOW:    prctl    prctl(PR_SET_SECCOMP, T_SECCOMP_MODE_FILTER, ...)
 *             syscall  syscall(SYS_seccomp, T_SECCOMP_SET_MODE_FILTER, ...)
 *             raw      the seccomp system call made directly (the shim cannot
 *                      see it: it learns of the sandbox from the answers)
 *
 * Forbidden (trap, kill): ioctl, open, openat, readlink, readlinkat,
 * process_vm_readv: calls the program itself never makes after the filter.
 * Prints "clobber=EEXIST|... own=ok|... reserved=ok|... violations=N". */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "seccomp_bpf.h"
#include "testlib.h"

#define ARCH T_AUDIT_ARCH

static volatile long violations;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	violations++;
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long)-ENOSYS;
#elif defined(__i386__)
	uc->uc_mcontext.gregs[REG_EAX] = -ENOSYS;
#endif
}

#define DENY(nr) T_JUMP(T_BPF_JEQ_K, (nr), 0, 1), T_STMT(T_BPF_RET_K, action)

static int install(const char *how, const char *what)
{
	unsigned action = !strncmp(what, "kill", 4) ? T_SECCOMP_RET_KILL_PROCESS
			  : !strncmp(what, "trap", 4) ? T_SECCOMP_RET_TRAP
						  : T_SECCOMP_RET_ERRNO | ENOTTY;
	int only_ioctl = !strcmp(what, "enotty") || !strcmp(what, "trap-ioctl");
	struct t_sock_filter all[] = {
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_ARCH),
		T_JUMP(T_BPF_JEQ_K, ARCH, 1, 0),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_NR),
		DENY(SYS_ioctl),
#ifdef SYS_open
		DENY(SYS_open),
#endif
#ifdef SYS_readlink
		DENY(SYS_readlink),
#endif
		DENY(SYS_openat),
#ifdef SYS_fstat
		DENY(!strcmp(what, "kill-stat") ? SYS_fstat : SYS_openat),
#endif
#ifdef SYS_newfstatat
		DENY(!strcmp(what, "kill-stat") ? SYS_newfstatat : SYS_openat),
#endif
		DENY(!strcmp(what, "kill-stat") ? SYS_statx : SYS_openat),
		DENY(SYS_readlinkat),
		DENY(SYS_process_vm_readv),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
	};
	struct t_sock_filter ioctl_only[] = {
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_ARCH),
		T_JUMP(T_BPF_JEQ_K, ARCH, 1, 0),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_NR),
		DENY(SYS_ioctl),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
	};
	struct t_sock_fprog prog = {only_ioctl ? sizeof(ioctl_only) / sizeof(ioctl_only[0]) : sizeof(all) / sizeof(all[0]),
				  only_ioctl ? ioctl_only : all};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	if (!strcmp(how, "prctl"))
		return prctl(PR_SET_SECCOMP, T_SECCOMP_MODE_FILTER, &prog);
	if (!strcmp(how, "syscall"))
		return (int)syscall(SYS_seccomp, T_SECCOMP_SET_MODE_FILTER, 0, &prog);
	long r = nc_syscall6(SYS_seccomp, T_SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0);
	return r < 0 ? -1 : 0;
}

static const char *how_went(void *r, void *want)
{
	return r == want ? "ok" : r == MAP_FAILED && errno == EEXIST ? "EEXIST" : "failed";
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sandboxed trap|trap-ioctl|kill|kill-stat|enotty prctl|syscall|raw\n");
		return 2;
	}
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, 0, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, 0);
	uintptr_t libc = t_libc_text_page(pg);
	char *own = mmap(0, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *resv = mmap(0, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!libc || own == MAP_FAILED || resv == MAP_FAILED)
		return 2;
	if (install(argv[2], argv[1]) != 0) {
		perror("seccomp");
		return 2;
	}
	void *r = mmap((void *)libc, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("clobber=%s", how_went(r, (void *)libc));
	r = mmap(own, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf(" own=%s", how_went(r, own));
	r = mmap(resv, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf(" reserved=%s", how_went(r, resv));
	r = mmap((void *)libc, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf(" again=%s violations=%ld\n", how_went(r, (void *)libc), violations);
	return 0;
}
