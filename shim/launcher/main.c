/* main.c - noclobber [options] [--] COMMAND [ARGS...]: the order of it all, and
 * the exit status, which is the product: 66 when the channel counted any
 * attempt, 2 when no process of the run loaded the library (nothing was
 * watched), else the command's own. See launcher.h and noclobber(7). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"
#include "tally.h"

/* printf onto the end of buf[cap], never past it. */
__attribute__((format(printf, 3, 4))) static void add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + o, cap - o, fmt, ap);
	va_end(ap);
}

/* SIGNAME of the signals a command usually dies of (glibc's sigabbrev_np is not
 * everywhere: musl has none). */
static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGHUP: return "SIGHUP";
	case SIGINT: return "SIGINT";
	case SIGQUIT: return "SIGQUIT";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGSEGV: return "SIGSEGV";
	case SIGPIPE: return "SIGPIPE";
	case SIGALRM: return "SIGALRM";
	case SIGTERM: return "SIGTERM";
	case SIGSYS: return "SIGSYS";
	default: return "a signal";
	}
}

static void say_attempts(const struct nc_launch *l, const struct nc_counts *c, int cmd_status, int sig)
{
	char parts[160] = "";
	if (c->refused)
		add(parts, sizeof(parts), "%lu refused", c->refused);
	if (c->aborting)
		add(parts, sizeof(parts), "%s%lu aborting", *parts ? ", " : "", c->aborting);
	if (c->warned)
		add(parts, sizeof(parts), "%s%lu allowed by --mode warn", *parts ? ", " : "", c->warned);
	char *end = sig ? nc_fmt("the command was killed by signal %d (%s), and so ends noclobber, instead of "
				 "exit status %d", sig, sig_name(sig), EX_CLOBBERED)
			: nc_fmt("exit status %d (the command's was %d)", EX_CLOBBERED, cmd_status);
	char *where = 0;
	if (l->log_dir) {
		char *q = nc_shell_quote(l->dir);
		where = nc_fmt("; log: %s/ (summarize it with: noclobber-report %s)", l->dir, q);
		free(q);
	}
	nc_say("%lu %s (%s) in %lu %s; %s%s", c->attempts, nc_plural(c->attempts, "clobber attempt", "clobber attempts"),
	       parts, c->attempt_procs, nc_plural(c->attempt_procs, "process", "processes"), end, where ? where : "");
	free(end);
	free(where);
}

/* Lines the shim could not write: how many, and why (by errno). */
static void say_lost(const struct nc_launch *l, const struct nc_counts *c)
{
	if (c->lost) {
		char why[512] = "";
		for (int e = 0; e < 256; e++)
			if (c->lost_by_err[e])
				add(why, sizeof(why), "%s%lu: %s", *why ? ", " : "", c->lost_by_err[e],
				    e == 255 ? "other errors" : strerror(e));
		nc_say("%lu log %s could not be written (%s); every attempt is counted all the same", c->lost,
		       nc_plural(c->lost, "line", "lines"), why);
	}
	if (c->diverted)
		nc_say("%lu log %s went to standard error instead of %s/: the shim could not open a log file there "
		       "(its own line says why)", c->diverted, nc_plural(c->diverted, "line", "lines"), l->dir);
}

int main(int argc, char **argv)
{
	static struct nc_launch l;
	nc_current = &l;
	nc_parse_flags(argc, argv, &l);
	nc_find_library(&l, argv[0]);
	nc_prepare_logs(&l);
	nc_make_preload(&l);

	const char *user = getenv("NOCLOBBER_OPTIONS");
	int has_user = user && *user;
	l.options = nc_fmt("%s%s%s%slog_path=%s%s", has_user ? user : "", has_user ? ":" : "", l.flag_opts,
			   *l.flag_opts ? ":" : "", l.dir ? l.dir : "stderr", l.dir ? "/" : "");
	const char *outer_env = getenv(NC_TALLY_ENV);
	char *outer = outer_env ? nc_strdup(outer_env) : 0;
	char tally[128];
	int channel = nc_channel_open(tally, sizeof(tally));

	int exec_err = 0;
	int status = nc_run_command(&l, tally, channel, &exec_err);
	int sv = nc_wait_supervisor(); /* its records are in before they are counted */
	signal(SIGPIPE, SIG_IGN); /* a closed stderr must not cost the status */

	struct nc_counts c;
	nc_channel_count(channel, &c);
	nc_channel_forward(channel, outer);
	if (exec_err) {
		nc_say("cannot run '%s': %s", l.cmd[0], strerror(exec_err));
		nc_remove_run_dir(&l);
		return exec_err == ENOENT ? 127 : 126;
	}
	nc_copy_logs(&l);
	if (sv > 0 && WIFSIGNALED(sv))
		nc_say("the supervisor was killed by signal %d (%s): from then on the calls it would have judged "
		       "failed with ENOSYS", WTERMSIG(sv), sig_name(WTERMSIG(sv)));

	int cmd_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	int sig = WIFSIGNALED(status) && nc_forwarded_signal(WTERMSIG(status)) ? WTERMSIG(status) : 0;
	int code = c.attempts ? EX_CLOBBERED : c.procs ? cmd_status : EX_BAD;
	if (code == EX_BAD && !c.attempts && !sig)
		nc_say("no process of the run loaded %s, so nothing was watched (a statically linked or "
		       "set-user-ID command, or a library the loader refused); exit status %d (the command's was %d)",
		       l.lib, EX_BAD, cmd_status);
	if (!l.quiet) {
		if (c.attempts)
			say_attempts(&l, &c, cmd_status, sig);
		say_lost(&l, &c);
		if (l.supervise)
			nc_say("coverage: %lu %s ran: %lu with the shim, %lu supervised only", c.procs,
			       nc_plural(c.procs, "process", "processes"), c.shim_procs, c.procs - c.shim_procs);
		else
			nc_say("coverage: %lu %s ran with the shim", c.procs, nc_plural(c.procs, "process", "processes"));
	}
	nc_remove_run_dir(&l);
	if (sig) {
		nc_die_by_signal(sig);
		code = 128 + sig; /* still here: pid 1, which the kernel spares */
	}
	return code;
}
