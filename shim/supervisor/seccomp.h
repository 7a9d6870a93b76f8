/* seccomp.h - the kernel's seccomp user-notification ABI, spelled out: musl's
 * toolchain has no kernel headers (linux/seccomp.h, linux/filter.h,
 * linux/audit.h). Values are the kernel's (Linux 5.5+ for all of it). */
#ifndef NC_SV_SECCOMP_H
#define NC_SV_SECCOMP_H

#include <stdint.h>

struct nc_bpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct nc_bpf_prog {
	unsigned short len;
	struct nc_bpf_insn *filter;
};

struct nc_seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

struct nc_seccomp_notif {
	uint64_t id;
	uint32_t pid; /* the calling thread's id, in the supervisor's pid namespace */
	uint32_t flags;
	struct nc_seccomp_data data;
};

struct nc_seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};

#define NC_SECCOMP_SET_MODE_FILTER 1
#define NC_SECCOMP_GET_ACTION_AVAIL 2
#define NC_SECCOMP_FILTER_FLAG_SPEC_ALLOW 4u
#define NC_SECCOMP_FILTER_FLAG_NEW_LISTENER 8u
#define NC_SECCOMP_RET_ALLOW 0x7fff0000u
#define NC_SECCOMP_RET_USER_NOTIF 0x7fc00000u
#define NC_SECCOMP_USER_NOTIF_FLAG_CONTINUE 1u
#define NC_SECCOMP_IOCTL_NOTIF_RECV 0xc0502100UL
#define NC_SECCOMP_IOCTL_NOTIF_SEND 0xc0182101UL
#define NC_SECCOMP_IOCTL_NOTIF_ID_VALID 0x40082102UL

#define NC_BPF_LD_W_ABS 0x20 /* BPF_LD | BPF_W | BPF_ABS */
#define NC_BPF_JEQ_K 0x15    /* BPF_JMP | BPF_JEQ | BPF_K */
#define NC_BPF_JSET_K 0x45   /* BPF_JMP | BPF_JSET | BPF_K */
#define NC_BPF_RET_K 0x06    /* BPF_RET | BPF_K */
#define NC_BPF_ALU_AND_K 0x54 /* BPF_ALU | BPF_AND | BPF_K */

#define NC_AUDIT_ARCH_X86_64 0xc000003eu
#define NC_AUDIT_ARCH_I386 0x40000003u
#define NC_AUDIT_ARCH_AARCH64 0xc00000b7u
#define NC_AUDIT_ARCH_ARM 0x40000028u
#define NC_X32_SYSCALL_BIT 0x40000000u

/* struct seccomp_data's offsets; an argument's low 32 bits (little-endian). */
#define NC_SD_NR 0
#define NC_SD_ARCH 4
#define NC_SD_ARG(i) (16 + 8 * (i))

#endif
