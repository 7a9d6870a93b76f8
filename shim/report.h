/* report.h - the one log line that explains a clobber attempt: the call with its
 * arguments decoded, who made it, what it would destroy, and where it would fit. */
#ifndef NC_REPORT_H
#define NC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A call that asks to place memory at a fixed address. */
struct nc_call {
	const char *name; /* "mmap", "mmap64", ... */
	uintptr_t addr;
	size_t len;
	int prot, flags, fd;
	off_t offset;
	uintptr_t caller_pc;
};

enum nc_event {
	NC_EV_REFUSED,  /* mode=enforce: EEXIST returned */
	NC_EV_ALLOWED,  /* mode=warn: let through */
	NC_EV_ABORTING, /* mode=abort: abort() follows */
};

void nc_report_attempt(const struct nc_call *c, enum nc_event ev, int force_table);

/* Attempts seen by this process, and the at-exit summary line. */
extern unsigned long nc_attempts;
void nc_report_summary(void);

#endif
