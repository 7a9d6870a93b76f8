/* no_procmap_query.c - run a command as on a kernel before Linux 6.11: every
 * PROCMAP_QUERY ioctl answers ENOTTY, for real, through a seccomp filter that
 * the command and all its children inherit (nothing in the shim is told).
 *
 *   no_procmap_query COMMAND [ARGS...]
 *
 * As root the filter goes in without no_new_privs, so that set-user-ID
 * programs in the tests still gain their privileges. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_bpf.h"

#define ARCH T_AUDIT_ARCH

#define PROCMAP_QUERY 0xc0686611u /* _IOWR('f', 17, struct procmap_query) */

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_procmap_query COMMAND [ARGS...]\n");
		return 2;
	}
	struct t_sock_filter f[] = {
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_ARCH),
		T_JUMP(T_BPF_JEQ_K, ARCH, 1, 0),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_NR),
		T_JUMP(T_BPF_JEQ_K, SYS_ioctl, 1, 0),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_ARG(1)),
		T_JUMP(T_BPF_JEQ_K, PROCMAP_QUERY, 0, 1),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ERRNO | ENOTTY),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
	};
	struct t_sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("no_procmap_query: no_new_privs");
		return 2;
	}
	if (syscall(SYS_seccomp, T_SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("no_procmap_query: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("no_procmap_query: exec");
	return 127;
}
