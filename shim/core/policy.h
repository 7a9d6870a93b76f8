/* policy.h - what happens once a call is known to overlap existing memory:
 * the allow= policy (own mappings, PROT_NONE reservations), then the mode. */
#ifndef NC_POLICY_H
#define NC_POLICY_H

#include "regions.h"
#include "report.h"
#include "vmas.h"

/* [c->addr, c->addr + c->len) is occupied. Returns 1 when the caller should go on
 * with the original, replacing call; 0 when it must fail with EEXIST. Logs as the
 * options say; in mode=abort it does not return. */
int nc_overlap_verdict(const struct nc_call *c, int use_table);

/* The own-mappings shortcut: all of [addr, end) is the program's own and allow=own
 * is set, so no kernel or table check is needed. Logs it with verbosity=1. */
int nc_own_shortcut(const struct nc_call *c, uintptr_t end);

/* The decision itself, in a lookup session of this process or of a target
 * (the supervisor's): allow=, suppressions, then the mode, with its log line.
 * count(pid) is called for an attempt before its line is written. */
enum { NC_JUDGE_REFUSE, NC_JUDGE_GO_ON, NC_JUDGE_ABORT };
int nc_judge(struct nc_vmas *s, const struct nc_call *c, void (*count)(long pid));

/* What is replaceable where no record says what the program mapped (a process
 * without the shim, or a record the shim lost): private anonymous memory other
 * than [stack] and [heap]. Images, stacks, the heap, [vdso]/[vvar], files and
 * shared memory are protected. */
static inline int nc_own_by_kind(const struct nc_vma *v)
{
	return v->kind == NC_RK_ANON && !(v->perms & NC_PERM_S) && !v->inode;
}

#endif
