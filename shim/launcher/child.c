/* child.c - running the command: exec'd as given (execvp: a program, never a
 * builtin, never an assignment), signals passed on, waited for.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the launcher alone (a test
 * harness's timeout, `docker stop` with the launcher as pid 1) are passed on
 * to the command, and the launcher goes on to count and clean up. One the
 * kernel sent (the terminal's Ctrl-C reaches the whole foreground group) is
 * not sent again: the command has it already. A signal the launcher's parent
 * ignored (nohup, a background job) stays ignored for the command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"
#include "tally.h"

static const int passed_on[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_PASSED (int)(sizeof(passed_on) / sizeof(passed_on[0]))

static volatile pid_t child_pid;

int nc_forwarded_signal(int sig)
{
	for (int i = 0; i < N_PASSED; i++)
		if (passed_on[i] == sig)
			return 1;
	return 0;
}

static void pass_on(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	pid_t c = child_pid;
	if (c > 0 && si->si_code != SI_KERNEL && !(si->si_code == SI_USER && si->si_pid == c))
		kill(c, sig);
	errno = saved;
}

static void exec_child(struct nc_launch *l, const char *tally, const sigset_t *mask, const int *handled,
		       int report_fd, pid_t launcher)
{
	for (int i = 0; i < N_PASSED; i++)
		if (handled[i])
			signal(passed_on[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, 0);
	/* The command must not outlive a launcher killed by SIGKILL. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != launcher)
		_exit(EX_BAD);
	if (setenv("LD_PRELOAD", l->preload, 1) < 0 || setenv("NOCLOBBER_OPTIONS", l->options, 1) < 0 ||
	    setenv(NC_TALLY_ENV, tally, 1) < 0)
		_exit(EX_BAD);
	execvp(l->cmd[0], l->cmd);
	int e = errno;
	(void)!write(report_fd, &e, sizeof(e));
	_exit(e == ENOENT ? 127 : 126);
}

int nc_run_command(struct nc_launch *l, const char *tally, int *exec_err)
{
	sigset_t block, old;
	sigemptyset(&block);
	int handled[N_PASSED];
	for (int i = 0; i < N_PASSED; i++)
		sigaddset(&block, passed_on[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < N_PASSED; i++) {
		struct sigaction prev, sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = pass_on;
		sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the wait below sees EINTR and goes on */
		sigfillset(&sa.sa_mask);
		handled[i] = sigaction(passed_on[i], 0, &prev) == 0 && prev.sa_handler != SIG_IGN &&
			     sigaction(passed_on[i], &sa, 0) == 0;
	}
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		nc_die("cannot run the command: %s", strerror(errno));
	pid_t me = getpid(), pid = fork();
	if (pid < 0)
		nc_die("cannot run the command: %s", strerror(errno));
	if (pid == 0) {
		close(report[0]);
		exec_child(l, tally, &old, handled, report[1], me);
	}
	child_pid = pid;
	close(report[1]);
	sigprocmask(SIG_SETMASK, &old, 0); /* a signal held until now is passed on now */

	int e;
	ssize_t n;
	while ((n = read(report[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(report[0]);
	*exec_err = n == (ssize_t)sizeof(e) ? e : 0;

	/* Wait without reaping first: once reaped, the pid may be another
	 * process's, and no signal may be passed on to it. Orphans given to us
	 * (as pid 1 in a container) are reaped on the way. */
	int status = 0;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_pid == pid)
			child_pid = 0;
		if (waitpid(si.si_pid, &status, 0) == pid)
			break;
	}
	return *exec_err ? -1 : status;
}

void nc_die_by_signal(int sig)
{
	if (sig == SIGQUIT) { /* its core would be the launcher's, of no use */
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none);
	}
	signal(sig, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, 0);
	kill(getpid(), sig);
}
