/* no_seccomp.c - run a command where seccomp() is forbidden, as a container
 * profile forbids it: a filter answers seccomp() and prctl(PR_SET_SECCOMP)
 * with EPERM, then the command is executed.
 *   no_seccomp COMMAND [ARGS...] */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../seccomp_bpf.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct t_sock_filter f[] = {
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_NR),
		T_JUMP(T_BPF_JEQ_K, SYS_seccomp, 0, 1),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ERRNO | EPERM),
		T_JUMP(T_BPF_JEQ_K, SYS_prctl, 0, 3),
		T_STMT(T_BPF_LD_W_ABS, T_SECCOMP_DATA_ARG(0)),
		T_JUMP(T_BPF_JEQ_K, PR_SET_SECCOMP, 0, 1),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ERRNO | EPERM),
		T_STMT(T_BPF_RET_K, T_SECCOMP_RET_ALLOW),
	};
	struct t_sock_fprog p = {sizeof(f) / sizeof(f[0]), f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, T_SECCOMP_MODE_FILTER, &p) < 0) {
		perror("no_seccomp: installing the filter");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("no_seccomp: exec");
	return 127;
}
