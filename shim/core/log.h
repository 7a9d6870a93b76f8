/* log.h - where log lines go: stderr, or the log_path file, opened on the first
 * line (append-only, close-on-exec). Each line is handed to the kernel in one
 * write(2), so lines from threads and processes sharing the file never mix. */
#ifndef NC_LOG_H
#define NC_LOG_H

#include <stddef.h>

/* Write one complete line (the caller ends it with '\n'). */
void nc_log_line(const char *line, size_t len);

/* A line about another process (the supervisor's): log_path with %p, or
 * DIR/, names the file of that pid and program, opened for this line alone. */
void nc_log_line_for(long pid, const char *program, const char *line, size_t len);

/* Holding lines back (see log.c): between hold and release, nc_log_line on
 * this thread only appends to h; release writes them. */
struct nc_log_held {
	size_t len, done; /* done: written out by release so far */
	char text[16384 - 2 * sizeof(size_t)];
};
void nc_log_hold(struct nc_log_held *h);
void nc_log_release(struct nc_log_held *h);
/* Write what is held now (the process is about to abort, or a siglongjmp
 * left a release unfinished). */
void nc_log_write_held(void);

/* Lines that could not be written (ENOSPC, EPIPE, a closed stderr...). */
extern unsigned long nc_log_dropped;

/* A line for stderr alone (fd 2 as the program started with it; no SIGPIPE). */
long nc_log_stderr(const char *line, size_t len);
/* At start: what fd 2 is, so that a later file with that number is not taken
 * for stderr. */
void nc_log_note_stderr(void);

/* Open the log now (a sandbox is about to forbid open). */
void nc_log_prepare(void);

/* This thread jumped out of a signal handler while opening the log. */
void nc_log_abandoned(void);

/* After fork: a log_path with %p names a new file for the child. */
void nc_log_after_fork_child(void);

#endif
