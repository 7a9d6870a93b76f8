/* supervisor.h - noclobber --supervise: a seccomp filter in the command's
 * process tree sends the calls that can replace a mapping to a supervisor
 * process, which decides them with the shim's own core (../policy.h,
 * ../report.h, ../vmas.h: the same kinds, policy and log lines), for the
 * processes the preload cannot see: static programs, raw system calls, a
 * child started without LD_PRELOAD.
 *
 * filter.c    the filter: which calls are sent, per architecture
 * supervise.c the supervisor: per-process maps descriptors, the decision, the answer
 * The launcher (../launcher/child.c) installs the filter in the command's
 * process before exec and passes the listener over a socket. */
#ifndef NC_SUPERVISOR_H
#define NC_SUPERVISOR_H

#include <stdint.h>

/* What a notified call is, by its architecture's table. */
enum nc_sv_door {
	NC_SV_NONE,
	NC_SV_MMAP,     /* offset in bytes */
	NC_SV_MMAP2,    /* offset in 4096-byte units */
	NC_SV_OLD_MMAP, /* i386's mmap: one argument, a pointer to six */
	NC_SV_MREMAP,
	NC_SV_SHMAT,
	NC_SV_IPC_SHMAT, /* i386's ipc(SHMAT, shmid, flags, &raddr, addr) */
	NC_SV_EXEC,
};

/* filter.c. compat32: the call came through a 32-bit table (arguments are
 * 32 bits wide). */
enum nc_sv_door nc_sv_door(uint32_t arch, uint32_t nr, int *compat32);
/* In the command's process, before exec: no_new_privs (unless asked not to),
 * then the filter. The listener's descriptor, or -errno with *stage naming
 * the call that failed. */
int nc_sv_install_filter(int no_new_privs, const char **stage);

struct nc_sv_config {
	int listener;
	int channel;           /* the count channel (../tally.h): the supervisor's records */
	const char *options;   /* NOCLOBBER_OPTIONS, as the command's processes get it */
	/* The library the launcher preloads: a notified call made from its
	 * executable mapping was decided by the shim already. */
	int have_lib;
	uint32_t lib_major, lib_minor;
	uint64_t lib_ino;
};

/* The supervisor process: answers until no process uses the filter. */
__attribute__((noreturn)) void nc_sv_run(const struct nc_sv_config *c);

#endif
