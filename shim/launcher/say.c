/* say.c - the launcher's own words on stderr, each line "noclobber: ...", and
 * the small string helpers the rest needs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

struct nc_launch *nc_current;
int nc_cleanup_on_die;

static void vsay(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		return;
	fprintf(stderr, "noclobber: %s\n", s);
	fflush(stderr);
	free(s);
}

void nc_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void cleanup(void)
{
	if (nc_cleanup_on_die && nc_current)
		nc_remove_run_dir(nc_current);
}

void nc_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	cleanup();
	exit(EX_BAD);
}

void nc_die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputs("noclobber: try 'noclobber --help'\n", stderr);
	cleanup();
	exit(EX_BAD);
}

const char *nc_plural(unsigned long n, const char *one, const char *many) { return n == 1 ? one : many; }

char *nc_strdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		nc_die("out of memory");
	return d;
}

char *nc_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		nc_die("out of memory");
	return s;
}

/* As is when every byte is harmless to a shell; in single quotes otherwise;
 * as $'...' with \xNN when a control byte would not survive a paste. */
char *nc_shell_quote(const char *s)
{
	int plain = *s != 0, control = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			control = 1;
		if (!(strchr("@%+=:,./-_", *p) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			plain = 0;
	}
	if (plain)
		return nc_strdup(s);
	char *out = malloc(strlen(s) * 4 + 4), *o = out;
	if (!out)
		nc_die("out of memory");
	*o++ = control ? '$' : '\'';
	if (control)
		*o++ = '\'';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (!control && *p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else if (control && (*p < 0x20 || *p == 0x7f)) {
			o += sprintf(o, "\\x%02x", *p);
		} else if (control && (*p == '\'' || *p == '\\')) {
			*o++ = '\\';
			*o++ = (char)*p;
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '\'';
	*o = 0;
	return out;
}
