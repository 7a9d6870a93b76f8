/* seccomp_bpf.h - what the test programs need to install a seccomp filter,
 * spelled out: musl's toolchain has no kernel headers (linux/filter.h,
 * linux/seccomp.h, linux/audit.h). Values are the kernel's ABI. */
#ifndef NC_TEST_SECCOMP_BPF_H
#define NC_TEST_SECCOMP_BPF_H

#include <stdint.h>

struct t_sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct t_sock_fprog {
	unsigned short len;
	struct t_sock_filter *filter;
};

/* struct seccomp_data: nr, arch, instruction_pointer, args[6] */
#define T_SECCOMP_DATA_NR 0
#define T_SECCOMP_DATA_ARCH 4
#define T_SECCOMP_DATA_ARG(i) (16 + 8 * (i)) /* the low 32 bits, on little-endian */

#define T_BPF_LD_W_ABS 0x20 /* BPF_LD | BPF_W | BPF_ABS */
#define T_BPF_JEQ_K 0x15    /* BPF_JMP | BPF_JEQ | BPF_K */
#define T_BPF_RET_K 0x06    /* BPF_RET | BPF_K */
#define T_STMT(code, k) ((struct t_sock_filter){(code), 0, 0, (k)})
#define T_JUMP(code, k, jt, jf) ((struct t_sock_filter){(code), (jt), (jf), (k)})

#define T_SECCOMP_SET_MODE_FILTER 1
#define T_SECCOMP_MODE_FILTER 2
#define T_SECCOMP_RET_KILL_PROCESS 0x80000000u
#define T_SECCOMP_RET_TRAP 0x00030000u
#define T_SECCOMP_RET_ERRNO 0x00050000u
#define T_SECCOMP_RET_ALLOW 0x7fff0000u

#if defined(__x86_64__)
#define T_AUDIT_ARCH 0xc000003eu
#elif defined(__aarch64__)
#define T_AUDIT_ARCH 0xc00000b7u
#elif defined(__i386__)
#define T_AUDIT_ARCH 0x40000003u
#endif

#endif
