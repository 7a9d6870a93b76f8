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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"
#include "supervisor/supervisor.h"
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

/* What the command's process says through the report pipe when it could not
 * run the command: exec's errno, or (--supervise) the filter's. */
struct report {
	int filter; /* 1: installing the filter failed, in stage */
	int err;
	char stage[96];
};

/* --supervise: the supervisor process, and the socket the listener reaches it by. */
static pid_t sv_pid;
static int sv_sock = -1, sv_status = -1;

/* CAP_SYS_ADMIN in our effective set: then no_new_privs is not needed. */
static int has_sys_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			eff = strtoull(line + 7, 0, 16);
	if (f)
		fclose(f);
	return (eff >> 21) & 1; /* CAP_SYS_ADMIN */
}

/* The listener goes from the command's process to the supervisor's as
 * SCM_RIGHTS on one byte: the message, for sending and for receiving. */
struct fd_message {
	char byte;
	union { /* aligned for the cmsghdr in it; CMSG_SPACE(sizeof(int)) of it used */
		char buf[64];
		size_t align; /* a cmsghdr starts with a size_t */
	} ctl;
	struct iovec iov;
	struct msghdr m;
};

static void fd_message_init(struct fd_message *f)
{
	memset(f, 0, sizeof(*f));
	f->iov.iov_base = &f->byte;
	f->iov.iov_len = 1;
	f->m.msg_iov = &f->iov;
	f->m.msg_iovlen = 1;
	f->m.msg_control = f->ctl.buf;
	f->m.msg_controllen = CMSG_SPACE(sizeof(int));
}

/* Install the filter and hand its listener to the supervisor; on failure,
 * the report says which call failed. */
static int supervise_child(struct report *r)
{
	const char *stage;
	int fd = nc_sv_install_filter(!has_sys_admin(), &stage);
	if (fd < 0) {
		r->filter = 1;
		r->err = -fd;
		snprintf(r->stage, sizeof(r->stage), "%s", stage);
		return -1;
	}
	struct fd_message msg;
	fd_message_init(&msg);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg.m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sv_sock, &msg.m, 0) < 0) {
		r->filter = 1;
		r->err = errno;
		snprintf(r->stage, sizeof(r->stage), "sendmsg (the listener to the supervisor)");
		return -1;
	}
	close(fd);
	close(sv_sock);
	return setenv("NOCLOBBER_SUPERVISED", "1", 1);
}

/* The supervisor's process: the listener arrives from the command's process
 * (nothing arrives if the filter could not be installed). It ends when no
 * process uses the filter any more; SIGTERM ends it at once (README: the
 * remaining notified calls then fail with ENOSYS). */
static void supervisor_process(struct nc_launch *l, int sock, int channel, pid_t launcher)
{
	static const int ignored[] = {SIGINT, SIGHUP, SIGQUIT, SIGPIPE};
	for (unsigned i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != launcher)
		_exit(EX_BAD);
	struct fd_message msg;
	fd_message_init(&msg);
	ssize_t n;
	while ((n = recvmsg(sock, &msg.m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg.m) : 0;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		_exit(0);
	close(sock);
	struct nc_sv_config cfg = {0};
	memcpy(&cfg.listener, CMSG_DATA(c), sizeof(int));
	cfg.channel = channel;
	cfg.options = l->options;
	struct stat st;
	if (stat(l->lib, &st) == 0) {
		cfg.have_lib = 1;
		cfg.lib_major = major(st.st_dev);
		cfg.lib_minor = minor(st.st_dev);
		cfg.lib_ino = st.st_ino;
	}
	nc_sv_run(&cfg);
}

/* Linux 5.5 brought SECCOMP_USER_NOTIF_FLAG_CONTINUE, without which every
 * notified call would have to be made by the supervisor itself. */
static void check_kernel(void)
{
	struct utsname u;
	int major_v = 0, minor_v = 0;
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major_v, &minor_v) == 2 &&
	    (major_v < 5 || (major_v == 5 && minor_v < 5))) {
		nc_say("--supervise needs Linux 5.5 or later (seccomp user notification with "
		       "SECCOMP_USER_NOTIF_FLAG_CONTINUE); this kernel is %s", u.release);
		exit(EX_BAD);
	}
}

static void start_supervisor(struct nc_launch *l, int channel, pid_t me)
{
	check_kernel();
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		nc_die("--supervise: cannot make a socket pair: %s", strerror(errno));
	sv_pid = fork();
	if (sv_pid < 0)
		nc_die("--supervise: cannot start the supervisor: %s", strerror(errno));
	if (sv_pid == 0) {
		close(sp[0]);
		supervisor_process(l, sp[1], channel, me);
	}
	close(sp[1]);
	sv_sock = sp[0];
}

int nc_wait_supervisor(void)
{
	if (!sv_pid)
		return -1;
	int st;
	while (sv_status < 0 && waitpid(sv_pid, &st, 0) < 0 && errno == EINTR)
		;
	if (sv_status < 0)
		sv_status = st;
	return sv_status;
}

static void exec_child(struct nc_launch *l, const char *tally, const sigset_t *mask, const int *handled,
		       int report_fd, pid_t launcher)
{
	struct report rep = {0, 0, ""};
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
	if (l->supervise && supervise_child(&rep) < 0) {
		(void)!write(report_fd, &rep, sizeof(rep));
		_exit(EX_BAD);
	}
	execvp(l->cmd[0], l->cmd);
	rep.err = errno;
	(void)!write(report_fd, &rep, sizeof(rep));
	_exit(rep.err == ENOENT ? 127 : 126);
}

int nc_run_command(struct nc_launch *l, const char *tally, int channel, int *exec_err)
{
	pid_t me = getpid();
	if (l->supervise)
		start_supervisor(l, channel, me); /* before our handlers: its signals are its own */
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
	pid_t pid = fork();
	if (pid < 0)
		nc_die("cannot run the command: %s", strerror(errno));
	if (pid == 0) {
		close(report[0]);
		exec_child(l, tally, &old, handled, report[1], me);
	}
	child_pid = pid;
	close(report[1]);
	if (sv_sock >= 0) { /* the supervisor hears EOF if the command's process dies first */
		close(sv_sock);
		sv_sock = -1;
	}
	sigprocmask(SIG_SETMASK, &old, 0); /* a signal held until now is passed on now */

	struct report rep;
	ssize_t n;
	while ((n = read(report[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	close(report[0]);
	*exec_err = n == (ssize_t)sizeof(rep) ? rep.err : 0;
	if (n == (ssize_t)sizeof(rep) && rep.filter) {
		/* Nothing ran: one line, status 2. */
		rep.stage[sizeof(rep.stage) - 1] = 0;
		nc_say("--supervise: cannot install the seccomp filter: %s failed: %s%s", rep.stage,
		       strerror(rep.err),
		       rep.err == EPERM || rep.err == EACCES || rep.err == ENOSYS
			       ? " (seccomp() forbidden here: a container or sandbox profile, or a kernel without it)"
			       : rep.err == EINVAL ? " (a kernel without SECCOMP_FILTER_FLAG_NEW_LISTENER, before 5.0)" : "");
		waitpid(pid, 0, 0);
		nc_wait_supervisor();
		nc_remove_run_dir(l);
		exit(EX_BAD);
	}

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
		pid_t got = waitpid(si.si_pid, &status, 0);
		if (got == pid)
			break;
		if (sv_pid && got == sv_pid)
			sv_status = status;
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
