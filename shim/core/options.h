/* options.h - NOCLOBBER_OPTIONS: colon-separated key=value pairs, parsed once at
 * start (or at the first intercepted call that needs them, whichever is first). */
#ifndef NC_OPTIONS_H
#define NC_OPTIONS_H

#include <stddef.h>

/* ENUM: one word of the valid list; FLAGS: a comma list of them, as a bit set
 * (bit i = word i), where the last word ("none") means the empty set and must
 * stand alone; UINT: "0..MAX"; BOOL: 0 or 1; PATH: a file name. */
enum nc_kind { NC_KIND_ENUM, NC_KIND_FLAGS, NC_KIND_UINT, NC_KIND_BOOL, NC_KIND_PATH };

enum nc_option_id {
#define NC_OPTION(name, kind, def, valid, help) NC_OPT_##name,
#include "options.def"
#undef NC_OPTION
	NC_OPT_COUNT
};

/* Enum values are indexes into the option's valid list, in order. */
enum { NC_MODE_ENFORCE, NC_MODE_WARN, NC_MODE_ABORT, NC_MODE_OFF };
enum { NC_CHECK_KERNEL, NC_CHECK_TABLE };
enum { NC_ALLOW_OWN = 1, NC_ALLOW_RESERVED = 2 };
enum { NC_FORMAT_TEXT, NC_FORMAT_JSON };

#define NC_PATH_MAX 1024

struct nc_options {
	unsigned long long value[NC_OPT_COUNT];
	char log_path[NC_PATH_MAX]; /* "" means stderr */
	char suppressions[NC_PATH_MAX]; /* "" means none */
};

extern struct nc_options nc_opts;
#define NC_OPT(name) (nc_opts.value[NC_OPT_##name])

/* Parse text (NULL = no options) into out; on error, write one line naming the
 * bad key or value and the valid ones into err (NUL-terminated) and return -1. */
int nc_options_parse(const char *text, struct nc_options *out, char *err, size_t errcap);

/* The help=1 text, written with one write per option line to fd. */
void nc_options_print_help(int fd);

#endif
