/* report.h - the one log line that explains a clobber attempt: the call with its
 * arguments decoded, who made it, what it would destroy, and where it would fit. */
#ifndef NC_REPORT_H
#define NC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum nc_door { NC_DOOR_MMAP, NC_DOOR_MREMAP, NC_DOOR_SHMAT };

/* A call that asks to place memory at a fixed address: [addr, addr+len) is the
 * range it would replace. */
struct nc_call {
	enum nc_door door;
	const char *name; /* "mmap", "mmap64", "mremap", "shmat", "syscall(SYS_mmap)", ... */
	uintptr_t addr;
	size_t len;
	int prot, flags, fd; /* mmap; flags are mremap's or shmat's for those doors */
	off_t offset;
	uintptr_t old_addr; /* mremap */
	size_t old_len;
	int shmid; /* shmat */
	uintptr_t caller_pc;
};

enum nc_event {
	NC_EV_REFUSED,   /* mode=enforce: EEXIST returned */
	NC_EV_ALLOWED,   /* mode=warn: let through */
	NC_EV_ABORTING,  /* mode=abort: abort() follows */
	NC_EV_PERMITTED, /* the allow= policy let it through (logged with verbosity=1) */
};

/* reason: for NC_EV_PERMITTED, why the policy allowed it ("own", "reserved"...). */
void nc_report_attempt(const struct nc_call *c, enum nc_event ev, const char *reason, int force_table);

/* Attempts seen by this process, and the at-exit summary line. */
extern unsigned long nc_attempts;
void nc_report_summary(void);

#endif
