/* tally.h - the count a launcher can trust: each process with the shim reports
 * to a channel the launcher owns, named in the environment, whatever happens to
 * the log files (a full disk, a name too long for a file, a directory nobody
 * reads). The launcher decides its exit status from these records alone.
 *
 * The channel is a memfd the launcher created (it cannot fill up like a log
 * file system) and that every process inherits:
 *
 *   NOCLOBBER_TALLY=LAUNCHER_PID:FD:DEV:INO
 *
 * FD is the inherited descriptor; DEV and INO say which file it must be, so a
 * program that closed the number and reused it is never written into. A
 * process that lost the descriptor (python's subprocess closes all but 0-2)
 * opens /proc/LAUNCHER_PID/fd/FD instead, checked the same way.
 *
 * One record per event, appended with one O_APPEND write (whole records never
 * interleave): the process starting (and a fork child, a new process), each
 * clobber attempt, each log line that could not be written or went to stderr
 * instead of log_path. Records carry the pid, so a fork child that then execs
 * is one process, not two. Shared by the shim (tally.c) and the launcher
 * (launcher/channel.c): nothing here needs libc. */
#ifndef NC_TALLY_H
#define NC_TALLY_H

#include <stdint.h>

#define NC_TALLY_ENV "NOCLOBBER_TALLY"

enum nc_tally_kind {
	NC_TALLY_PROCESS = 'P',  /* a process ran with the shim */
	NC_TALLY_REFUSED = 'R',  /* an attempt, mode=enforce */
	NC_TALLY_WARNED = 'W',   /* an attempt let through by mode=warn */
	NC_TALLY_ABORTING = 'A', /* an attempt, mode=abort: abort() follows */
	NC_TALLY_LOST = 'L',     /* a log line not written; err = the errno */
	NC_TALLY_DIVERTED = 'S', /* a log line written to stderr, not to log_path */
	NC_TALLY_SUPERVISED = 'X', /* the supervisor saw the process exec (--supervise) */
};

struct nc_tally_rec {
	uint8_t kind;
	uint8_t err;  /* NC_TALLY_LOST: the write's errno (255 if larger) */
	uint16_t zero;
	uint32_t pid;
};

struct nc_tally_ref {
	long launcher_pid;
	int fd;
	unsigned long long dev, ino;
};

/* "PID:FD:DEV:INO", decimal. 0, or -1 when it is not that. */
static inline int nc_tally_parse(const char *s, struct nc_tally_ref *r)
{
	unsigned long long v[4];
	for (int i = 0; i < 4; i++) {
		const char *start = s;
		unsigned long long n = 0;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (n > (~0ULL - 9) / 10)
				return -1;
			n = n * 10 + (unsigned)(*s - '0');
		}
		if (s == start || *s != (i < 3 ? ':' : 0))
			return -1;
		s++;
		v[i] = n;
	}
	if (v[0] == 0 || v[0] > 0x7fffffff || v[1] > 0x7fffffff)
		return -1;
	r->launcher_pid = (long)v[0];
	r->fd = (int)v[1];
	r->dev = v[2];
	r->ino = v[3];
	return 0;
}

/* The shim's side (tally.c). Each is one write when NOCLOBBER_TALLY is set,
 * nothing when it is not. */
void nc_tally_start(void);          /* at start-up: this process runs with the shim */
void nc_tally_fork_child(void);     /* in a fork child: a new process */
void nc_tally_attempt(void);        /* a clobber attempt, of the current mode */
void nc_tally_line(long written, int diverted); /* a log line's fate: <0 = -errno */

#endif
