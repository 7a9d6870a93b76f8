/* suppress.h - suppressions=FILE: attempts a rule lets through.
 *
 * One rule a line, every field of it must match (# starts a comment):
 *   frame=PATTERN    the caller or any frame of the stack: its module (path or
 *                    base name) or its symbol
 *   caller=PATTERN   the caller alone, the same way
 *   victim=PATTERN   every victim: its path (or base name) or its kind
 *   program=PATTERN  the program's name
 * Patterns match whole, with * for any run of bytes. The file is read once, at
 * start, into static storage (no malloc, no stdio). A matched attempt goes
 * through as if the policy allowed it, logged with verbosity=1 as
 * reason=suppressed:RULE, and counted apart in the summary. */
#ifndef NC_SUPPRESS_H
#define NC_SUPPRESS_H

#include <stddef.h>

#include "report.h"

/* Read and check the file; on error one line naming the line into err, -1. */
int nc_supp_load(const char *path, char *err, size_t errcap);
/* The reason for f ("suppressed:RULE") if a rule matches it, else NULL. */
const char *nc_supp_match(const struct nc_facts *f);
/* Rules loaded: 0 means the facts need not be gathered for them. */
int nc_supp_rules(void);

/* Attempts let through by a rule, in the process that owns the count. */
extern unsigned long nc_suppressed;

#endif
