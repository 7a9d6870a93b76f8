/* launcher.h - noclobber, the launcher: runs a command with libnoclobber
 * preloaded and answers with its exit status whether any process of the run
 * tried a clobber. The answer comes from the count channel (../tally.h), never
 * from the log files, which carry the detail only.
 *
 * One file a job: flags.c (the command line), library.c (which library, and
 * LD_PRELOAD), logdir.c (where the lines go, the private run directory),
 * channel.c (the count), child.c (running the command, signals), say.c (the
 * launcher's own words), main.c (the order of it all and the status). */
#ifndef NC_LAUNCHER_H
#define NC_LAUNCHER_H

#include <stddef.h>

#define EX_BAD 2         /* bad flags, no library, unusable log directory, nothing watched */
#define EX_CLOBBERED 66  /* some process of the run made a clobber attempt */

struct nc_launch {
	/* From the flags. */
	const char *log_dir; /* --log-dir as given, or NULL */
	int quiet;
	int supervise;       /* --supervise */
	char *flag_opts;     /* key=value:... from the flags, or "" */
	char **cmd;          /* the command and its arguments */
	/* Made by the launcher; every path absolute. */
	char *lib;           /* the library */
	char *preload;       /* LD_PRELOAD for the command */
	char *dir;           /* where log lines go (no trailing slash), or NULL: stderr */
	char *run_dir;       /* the private directory, removed at the end, or NULL */
	char *options;       /* NOCLOBBER_OPTIONS for the command */
};

/* What the channel says about the run. */
struct nc_counts {
	unsigned long procs;          /* distinct pids that ran with the shim, or were supervised */
	unsigned long shim_procs;     /* distinct pids whose last image ran with the shim */
	unsigned long attempts, refused, warned, aborting;
	unsigned long attempt_procs;  /* distinct pids that made an attempt */
	unsigned long lost, diverted; /* log lines not written / written to stderr instead */
	unsigned long lost_by_err[256];
};

/* flags.c */
void nc_parse_flags(int argc, char **argv, struct nc_launch *l);

/* library.c */
void nc_find_library(struct nc_launch *l, const char *argv0);
void nc_make_preload(struct nc_launch *l); /* after nc_prepare_logs: may need the run dir */

/* logdir.c */
void nc_prepare_logs(struct nc_launch *l);
char *nc_run_dir(struct nc_launch *l); /* the private directory, made on first use; NULL if none can be */
void nc_copy_logs(const struct nc_launch *l);
void nc_remove_run_dir(struct nc_launch *l);

/* channel.c */
int nc_channel_open(char *env_value, size_t cap); /* the descriptor; env_value = NOCLOBBER_TALLY's */
void nc_channel_count(int fd, struct nc_counts *c);
void nc_channel_forward(int fd, const char *outer); /* a nested run: our records to the outer launcher */

/* child.c: the wait status, or -1 with *exec_err set when the command could not be run */
int nc_run_command(struct nc_launch *l, const char *tally, int channel, int *exec_err);
/* --supervise: the supervisor's wait status once it has ended, or -1 (none) */
int nc_wait_supervisor(void);
int nc_forwarded_signal(int sig);       /* one of those passed on to the command */
void nc_die_by_signal(int sig);         /* returns only if the signal did not end us (pid 1) */

/* say.c */
__attribute__((format(printf, 1, 2))) void nc_say(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void nc_die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void nc_die_usage(const char *fmt, ...);
const char *nc_plural(unsigned long n, const char *one, const char *many);
char *nc_shell_quote(const char *s); /* for a command printed for a person to paste */
char *nc_strdup(const char *s);
__attribute__((format(printf, 1, 2))) char *nc_fmt(const char *fmt, ...);
extern int nc_cleanup_on_die; /* set once there is something to remove */
extern struct nc_launch *nc_current;

#endif
