/* decode.h - the arguments of an intercepted call, as names a person reads:
 * flag bits by their header names, prot as rwx. Shared by both log formats. */
#ifndef NC_DECODE_H
#define NC_DECODE_H

#include "report.h"

#define NC_DECODE_MAX 24

/* The names of the set bits of a door's flags, in a fixed order; bits without a
 * name are left in *rest. Returns how many names were stored. */
int nc_decode_flags(enum nc_door door, int flags, const char **names, int *rest);

/* "rwx"-style; prot bits beyond PROT_EXEC are left in *rest. */
void nc_decode_prot(int prot, char out[4], int *rest);

/* The attempt's event as a word: refused, allowed, aborted. */
const char *nc_event_name(enum nc_event ev);

#endif
