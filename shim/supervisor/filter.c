/* filter.c - the seccomp filter of --supervise: only the calls that can
 * replace a mapping, and exec (for the coverage count), go to the supervisor;
 * every other call is allowed inside the kernel.
 *
 * Sent to the supervisor (SECCOMP_RET_USER_NOTIF):
 *   mmap, mmap2         with MAP_FIXED and without MAP_FIXED_NOREPLACE
 *   mremap              with MREMAP_FIXED
 *   shmat               with SHM_REMAP (i386: ipc(SHMAT) too)
 *   i386's old mmap     always: its arguments are in memory, where no filter looks
 *   execve, execveat    always, answered "continue" at once (sv_count)
 * for the host's own system-call table and its compat one (x86_64: x32 and
 * i386 programs; aarch64: arm32 programs). A call of any other architecture
 * is allowed: there is none on these hosts. */
#include <errno.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"
#include "supervisor.h"

#define MAP_FIXED_ 0x10u
#define MAP_FIXED_NOREPLACE_ 0x100000u
#define MREMAP_FIXED_ 2u
#define SHM_REMAP_ 040000u
#define IPC_SHMAT_ 21u

enum rule_kind { FLAGS, ALWAYS, IPC_SHMAT };

struct rule {
	enum rule_kind kind;
	uint32_t nr;
	enum nc_sv_door door;
	int arg;           /* FLAGS: which argument holds the flags */
	uint32_t set, unset; /* FLAGS: notify when (arg & set) && !(arg & unset) */
};

struct table {
	uint32_t arch;
	const struct rule *rules;
	int n;
};

#define MMAP_RULE(nr) {FLAGS, (nr), NC_SV_MMAP, 3, MAP_FIXED_, MAP_FIXED_NOREPLACE_}
#define MMAP2_RULE(nr) {FLAGS, (nr), NC_SV_MMAP2, 3, MAP_FIXED_, MAP_FIXED_NOREPLACE_}
#define MREMAP_RULE(nr) {FLAGS, (nr), NC_SV_MREMAP, 3, MREMAP_FIXED_, 0}
#define SHMAT_RULE(nr) {FLAGS, (nr), NC_SV_SHMAT, 2, SHM_REMAP_, 0}
#define EXEC_RULE(nr) {ALWAYS, (nr), NC_SV_EXEC, 0, 0, 0}

static const struct rule i386_rules[] = {
	MMAP2_RULE(192), {ALWAYS, 90, NC_SV_OLD_MMAP, 0, 0, 0}, MREMAP_RULE(163), SHMAT_RULE(397),
	{IPC_SHMAT, 117, NC_SV_IPC_SHMAT, 0, 0, 0},
	EXEC_RULE(11), EXEC_RULE(358),
};
#if defined(__x86_64__)
static const struct rule host_rules[] = {
	MMAP_RULE(9), MREMAP_RULE(25), SHMAT_RULE(30), EXEC_RULE(59), EXEC_RULE(322),
	/* x32: the same table with the x32 bit, but its own execve numbers */
	MMAP_RULE(9 | NC_X32_SYSCALL_BIT), MREMAP_RULE(25 | NC_X32_SYSCALL_BIT), SHMAT_RULE(30 | NC_X32_SYSCALL_BIT),
	EXEC_RULE(520 | NC_X32_SYSCALL_BIT), EXEC_RULE(545 | NC_X32_SYSCALL_BIT),
};
static const struct table tables[] = {
	{NC_AUDIT_ARCH_X86_64, host_rules, sizeof(host_rules) / sizeof(host_rules[0])},
	{NC_AUDIT_ARCH_I386, i386_rules, sizeof(i386_rules) / sizeof(i386_rules[0])},
};
#elif defined(__aarch64__)
static const struct rule host_rules[] = {
	MMAP_RULE(222), MREMAP_RULE(216), SHMAT_RULE(196), EXEC_RULE(221), EXEC_RULE(281),
};
static const struct rule arm_rules[] = {
	MMAP2_RULE(192), MREMAP_RULE(163), SHMAT_RULE(305), EXEC_RULE(11), EXEC_RULE(387),
};
static const struct table tables[] = {
	{NC_AUDIT_ARCH_AARCH64, host_rules, sizeof(host_rules) / sizeof(host_rules[0])},
	{NC_AUDIT_ARCH_ARM, arm_rules, sizeof(arm_rules) / sizeof(arm_rules[0])},
};
#elif defined(__i386__)
static const struct table tables[] = {
	{NC_AUDIT_ARCH_I386, i386_rules, sizeof(i386_rules) / sizeof(i386_rules[0])},
};
#else
#error "noclobber --supervise: no system-call table for this architecture (shim/supervisor/filter.c)"
#endif
#define N_TABLES (int)(sizeof(tables) / sizeof(tables[0]))

#define MAX_INSNS 256
struct prog {
	struct nc_bpf_insn i[MAX_INSNS];
	int n;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	p->i[p->n++] = (struct nc_bpf_insn){code, jt, jf, k};
}

static int body_len(const struct rule *r) { return r->kind == ALWAYS ? 1 : r->kind == FLAGS ? 5 : 6; }

/* A rule: "nr matches: decide and return", else on to the next (A still holds nr). */
static void emit_rule(struct prog *p, const struct rule *r)
{
	emit(p, NC_BPF_JEQ_K, r->nr, 0, (uint8_t)body_len(r));
	switch (r->kind) {
	case ALWAYS:
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_USER_NOTIF, 0, 0);
		break;
	case IPC_SHMAT:
		emit(p, NC_BPF_LD_W_ABS, NC_SD_ARG(0), 0, 0);
		emit(p, NC_BPF_JEQ_K, IPC_SHMAT_, 0, 3);
		/* fall into the flags test on the shmflg argument */
		emit(p, NC_BPF_LD_W_ABS, NC_SD_ARG(2), 0, 0);
		emit(p, NC_BPF_JSET_K, SHM_REMAP_, 0, 1);
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_USER_NOTIF, 0, 0);
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_ALLOW, 0, 0);
		break;
	case FLAGS:
		emit(p, NC_BPF_LD_W_ABS, NC_SD_ARG(r->arg), 0, 0);
		emit(p, NC_BPF_JSET_K, r->unset, 2, 0);
		emit(p, NC_BPF_JSET_K, r->set, 0, 1);
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_USER_NOTIF, 0, 0);
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_ALLOW, 0, 0);
		break;
	}
}

static int table_len(const struct table *t)
{
	int n = 2; /* ld nr, and the final allow */
	for (int i = 0; i < t->n; i++)
		n += 1 + body_len(&t->rules[i]);
	return n;
}

static void build(struct prog *p)
{
	p->n = 0;
	emit(p, NC_BPF_LD_W_ABS, NC_SD_ARCH, 0, 0);
	/* One jump per known architecture to its table; the tables follow the
	 * final allow, in order. */
	for (int t = 0; t < N_TABLES; t++) {
		int skip = (N_TABLES - 1 - t) + 1; /* the remaining jumps and the allow */
		for (int u = 0; u < t; u++)
			skip += table_len(&tables[u]);
		emit(p, NC_BPF_JEQ_K, tables[t].arch, (uint8_t)skip, 0);
	}
	emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_ALLOW, 0, 0); /* an architecture this host does not run */
	for (int t = 0; t < N_TABLES; t++) {
		emit(p, NC_BPF_LD_W_ABS, NC_SD_NR, 0, 0);
		for (int i = 0; i < tables[t].n; i++)
			emit_rule(p, &tables[t].rules[i]);
		emit(p, NC_BPF_RET_K, NC_SECCOMP_RET_ALLOW, 0, 0);
	}
}

enum nc_sv_door nc_sv_door(uint32_t arch, uint32_t nr, int *compat32)
{
	for (int t = 0; t < N_TABLES; t++)
		if (tables[t].arch == arch) {
			*compat32 = arch == NC_AUDIT_ARCH_I386 || arch == NC_AUDIT_ARCH_ARM;
			for (int i = 0; i < tables[t].n; i++)
				if (tables[t].rules[i].nr == nr)
					return tables[t].rules[i].door;
		}
	return NC_SV_NONE;
}

int nc_sv_install_filter(int no_new_privs, const char **stage)
{
	static struct prog p;
	build(&p);
	struct nc_bpf_prog fp = {(unsigned short)p.n, p.i};
	*stage = "prctl(PR_SET_NO_NEW_PRIVS)";
	if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	*stage = "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)";
	/* SPEC_ALLOW: a kernel whose speculative store bypass mitigation is
	 * "seccomp" (the default before 5.16) would otherwise turn it on for the
	 * whole tree, a slowdown of every load and store in it. This filter is for
	 * finding clobbers, not a sandbox: the program runs as it would without
	 * it. A kernel or a seccomp emulation that does not know the flag says
	 * EINVAL: then without it. */
	long fd = syscall(SYS_seccomp, NC_SECCOMP_SET_MODE_FILTER,
			  NC_SECCOMP_FILTER_FLAG_NEW_LISTENER | NC_SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fp);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_seccomp, NC_SECCOMP_SET_MODE_FILTER, NC_SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	return fd < 0 ? -errno : (int)fd;
}
