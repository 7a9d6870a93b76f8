/* policy.h - what happens once a call is known to overlap existing memory:
 * the allow= policy (own mappings, PROT_NONE reservations), then the mode. */
#ifndef NC_POLICY_H
#define NC_POLICY_H

#include "report.h"

/* [c->addr, c->addr + c->len) is occupied. Returns 1 when the caller should go on
 * with the original, replacing call; 0 when it must fail with EEXIST. Logs as the
 * options say; in mode=abort it does not return. */
int nc_overlap_verdict(const struct nc_call *c, int use_table);

/* The own-mappings shortcut: all of [addr, end) is the program's own and allow=own
 * is set, so no kernel or table check is needed. Logs it with verbosity=1. */
int nc_own_shortcut(const struct nc_call *c, uintptr_t end);

#endif
