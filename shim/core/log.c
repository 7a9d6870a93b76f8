/* log.c - the log sink of log.h.
 *
 * Robust by construction: a line is one write(2) (retried on EINTR, continued on
 * a partial write); a pipe whose reader went away yields EPIPE, never a SIGPIPE
 * the shim caused; a file the program closed behind our back (and whose number
 * it reused) is noticed before we write into someone else's file; a line that
 * cannot be written (ENOSPC, a closed stderr) is counted and the count reported
 * at exit. Privileged programs (AT_SECURE) never open a file the user named. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>

#include "fmt.h"
#include "lock.h"
#include "options.h"
#include "report.h"
#include "sys.h"
#include "tally.h"
#include "vmas.h"

/* -1: not opened yet; otherwise the descriptor lines go to. */
static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;
static int log_regular; /* a regular file: no reader to go away, no SIGPIPE */
/* Taken where signals may arrive (lines are written on the caller's stack):
 * a holder that jumps out of a handler is known by name (nc_log_abandoned). */
static nc_mutex_t open_lock;
unsigned long nc_log_dropped;

long nc_log_stderr(const char *line, size_t len);

/* "DIR/": one file per process in DIR, named after the program and its pid. */
static int is_dir_path(const char *p)
{
	size_t n = __builtin_strlen(p);
	return n && p[n - 1] == '/';
}

static int path_has_pid(const char *p)
{
	if (is_dir_path(p))
		return 1;
	for (; *p; p++)
		if (p[0] == '%' && p[1] == 'p')
			return 1;
	return 0;
}

/* Under open_lock (say is called from open_log alone): not on the caller's
 * stack, which may be small. */
static char say_line[NC_PATH_MAX + 160];
static char open_path[NC_PATH_MAX + 300];

static void say(const char *what, const char *path, long err)
{
	char *line = say_line;
	struct nc_buf e = {line, 0, sizeof(say_line), 0};
	e.cap -= 1;
	nc_buf_str(&e, "noclobber: ");
	nc_buf_str(&e, what);
	if (path) {
		nc_buf_str(&e, " '");
		nc_buf_str(&e, path);
		nc_buf_ch(&e, '\'');
	}
	if (err) {
		nc_buf_str(&e, " (errno ");
		nc_buf_u(&e, (unsigned long long)-err);
		nc_buf_ch(&e, ')');
	}
	nc_buf_str(&e, "; logging to stderr");
	e.p[e.len++] = '\n';
	nc_log_stderr(e.p, e.len);
}

/* The file named by log_path, or stderr (2) with a line saying why not. Files
 * are created 0600: a log holds the process's memory layout. A symlink is
 * refused (O_NOFOLLOW): nobody gets to point our writes elsewhere. */
static long open_named(long pid, const char *program);

static int open_log(void)
{
	if (getauxval(AT_SECURE)) {
		say("log_path ignored in a privileged (set-user-ID, set-group-ID or capability) program",
		    0, 0);
		return 2;
	}
	long fd = open_named(nc_sys_getpid(), nc_program_name());
	if (fd < 0)
		return 2;
	long high = nc_sys_fd_high((int)fd);
	if (high >= 0)
		fd = high;
	struct stat st;
	if (nc_sys(SYS_fstat, fd, &st, 0) == 0) {
		log_dev = st.st_dev;
		log_ino = st.st_ino;
		log_regular = S_ISREG(st.st_mode);
	}
	return (int)fd;
}

/* log_path for pid and program, opened; -1 when it cannot be (said why). */
static long open_named(long pid, const char *program)
{
	char *path = open_path;
	struct nc_buf b = {path, 0, sizeof(open_path), 0};
	for (const char *p = nc_opts.log_path; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			nc_buf_u(&b, (unsigned long long)pid);
			p++;
		} else {
			nc_buf_ch(&b, *p);
		}
	}
	if (is_dir_path(nc_opts.log_path)) {
		for (const char *p = program; *p; p++)
			nc_buf_ch(&b, *p == '/' ? '_' : *p);
		nc_buf_ch(&b, '.');
		nc_buf_u(&b, (unsigned long long)pid);
		nc_buf_str(&b, ".log");
	}
	if (b.truncated || b.len >= sizeof(open_path)) {
		say("log_path is too long", 0, 0);
		return -1;
	}
	path[b.len] = 0;
	long fd = nc_sys_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (fd == -ELOOP) {
		say("log_path is a symbolic link, refused:", path, 0);
		return -1;
	}
	if (fd < 0) {
		say("cannot open log_path", path, fd);
		return -1;
	}
	return fd;
}

static long write_no_sigpipe(int fd, const char *line, size_t len);

void nc_log_line_for(long pid, const char *program, const char *line, size_t len)
{
	if (!path_has_pid(nc_opts.log_path)) {
		nc_log_line(line, len);
		return;
	}
	nc_mutex_lock(&open_lock);
	long fd = open_named(pid, program);
	nc_mutex_unlock(&open_lock);
	long r = fd < 0 ? nc_log_stderr(line, len) : write_no_sigpipe((int)fd, line, len);
	if (fd >= 0)
		nc_sys_close((int)fd);
	if (r < 0)
		__atomic_add_fetch(&nc_log_dropped, 1, __ATOMIC_RELAXED);
}

/* Still the file we opened? Programs that close every descriptor (daemons)
 * close ours too, and the number may now be one of theirs. */
static int still_ours(int fd)
{
	if (__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return 1; /* fstat may be forbidden there: the number is trusted */
	struct stat st;
	return nc_sys(SYS_fstat, fd, &st, 0) == 0 && st.st_dev == log_dev && st.st_ino == log_ino;
}

static int current_fd(void)
{
	int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
	if (fd > 2 && still_ours(fd))
		return fd;
	if (fd == 2)
		return fd;
	nc_mutex_lock(&open_lock);
	fd = log_fd;
	if (fd < 0 || (fd > 2 && !still_ours(fd))) {
		fd = nc_opts.log_path[0] ? open_log() : 2;
		__atomic_store_n(&log_fd, fd, __ATOMIC_RELEASE);
	}
	nc_mutex_unlock(&open_lock);
	return fd;
}

/* The kernel's struct sigaction (x86_64, i386's rt_ form, aarch64 alike). */
struct nc_sigaction {
	unsigned long handler, flags, restorer;
	uint64_t mask; /* 8 bytes on every target: the size the calls below pass */
};
#define NC_SIG_IGN 1UL

/* In a sandbox, rt_sigpending and rt_sigtimedwait may be forbidden (Firefox's
 * content processes forbid both); sigaction and sigprocmask no sandbox can
 * forbid, libc itself needs them. A SIGPIPE that is ignored needs nothing; one
 * our write raised is discarded by ignoring it for a moment (setting SIG_IGN
 * discards a pending signal). */
static long write_no_sigpipe_sandboxed(int fd, const char *line, size_t len)
{
	struct nc_sigaction cur, ign = {NC_SIG_IGN, 0, 0, 0};
	if (nc_syscall6(SYS_rt_sigaction, SIGPIPE, 0, (long)&cur, 8, 0, 0) == 0 && cur.handler == NC_SIG_IGN)
		return nc_sys_write_all(fd, line, len);
	uint64_t pipe_bit = 1ULL << (SIGPIPE - 1), old = 0; /* the kernel's sigset: 8 bytes, i386 too */
	nc_syscall6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&pipe_bit, (long)&old, 8, 0, 0);
	long r = nc_sys_write_all(fd, line, len);
	if (r == -EPIPE && !(old & pipe_bit)) {
		nc_syscall6(SYS_rt_sigaction, SIGPIPE, (long)&ign, 0, 8, 0, 0);
		nc_syscall6(SYS_rt_sigaction, SIGPIPE, (long)&cur, 0, 8, 0, 0);
	}
	nc_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
	return r;
}

/* write(2) with SIGPIPE held off: the program's own disposition for SIGPIPE is
 * its business, a reader that went away must not kill it through us. */
static long write_no_sigpipe(int fd, const char *line, size_t len)
{
	if (__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return write_no_sigpipe_sandboxed(fd, line, len);
	uint64_t pipe_bit = 1ULL << (SIGPIPE - 1), old = 0, before = 0, after = 0;
	nc_syscall6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&pipe_bit, (long)&old, 8, 0, 0);
	nc_syscall6(SYS_rt_sigpending, (long)&before, 8, 0, 0, 0, 0);
	long r = nc_sys_write_all(fd, line, len);
	if (r == -EPIPE && !(before & pipe_bit)) {
		nc_syscall6(SYS_rt_sigpending, (long)&after, 8, 0, 0, 0, 0);
		if (after & pipe_bit) { /* raised by our write: take it back */
			struct timespec zero = {0, 0};
			nc_syscall6(SYS_rt_sigtimedwait, (long)&pipe_bit, 0, (long)&zero, 8, 0, 0);
		}
	}
	nc_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
	return r;
}

/* fd 2 as the process had it at start: closed then means closed for good, and
 * a file the program opens later and gets number 2 is not our stderr. */
static int stderr_state; /* 0 unknown, 1 open at start, -1 closed at start */
static dev_t stderr_dev;
static ino_t stderr_ino;

void nc_log_note_stderr(void)
{
	struct stat st;
	if (nc_sys(SYS_fstat, 2, &st, 0) == 0) {
		stderr_dev = st.st_dev;
		stderr_ino = st.st_ino;
		stderr_state = 1;
	} else {
		stderr_state = -1;
	}
}

/* Writing to fd 2 goes through here: into the file that was stderr when the
 * program started, or into what the program itself made its stderr since (a
 * pipe, a socket, a terminal: where a harness collects output). A regular file
 * that got number 2 later may be the program's data (it closed stderr, then
 * opened a file): never written; such lines are counted as lost. */
long nc_log_stderr(const char *line, size_t len)
{
	struct stat st;
	if (__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return write_no_sigpipe(2, line, len); /* fstat may be forbidden there */
	if (nc_sys(SYS_fstat, 2, &st, 0) != 0)
		return -EBADF;
	int same = stderr_state > 0 && st.st_dev == stderr_dev && st.st_ino == stderr_ino;
	if (!same && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !S_ISCHR(st.st_mode))
		return -EBADF; /* not a stream someone reads: perhaps the program's data */
	return write_no_sigpipe(2, line, len);
}

void nc_log_prepare(void) { (void)current_fd(); }

void nc_log_abandoned(void) { nc_mutex_abandoned(&open_lock); }

/* Lines made on the shim's stack, where signals are blocked, wait there: a
 * log sink may block (a FIFO nobody opened yet, a full pipe), and the program
 * must stay interruptible meanwhile. They are written once the call is back
 * on the caller's stack (stack.c). */
static __thread struct nc_log_held *held __attribute__((tls_model("initial-exec")));

void nc_log_hold(struct nc_log_held *h)
{
	h->len = h->done = 0;
	held = h;
}

static void write_line(const char *line, size_t len);

/* Held until every line is out, each marked done once written: a siglongjmp
 * out of a signal handler that came meanwhile leaves the rest to
 * nc_log_write_held, at the thread's next call into the shim. A line the jump
 * came right after (a signal that came during its write is handled as the
 * write returns) is then written twice; none is lost. Blocking signals would
 * make it exact, but a log sink may block, and the program must stay
 * interruptible. */
void nc_log_release(struct nc_log_held *h)
{
	while (h->done < h->len) {
		size_t at = h->done, n = 0;
		while (at + n < h->len && h->text[at + n++] != '\n')
			;
		write_line(h->text + at, n);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		h->done = at + n;
	}
	held = 0;
	h->len = h->done = 0;
}

void nc_log_write_held(void)
{
	if (held)
		nc_log_release(held);
}

void nc_log_line(const char *line, size_t len)
{
	struct nc_log_held *h = held;
	if (h) {
		if (h->len + len <= sizeof(h->text)) {
			__builtin_memcpy(h->text + h->len, line, len);
			h->len += len;
		} else {
			__atomic_add_fetch(&nc_log_dropped, 1, __ATOMIC_RELAXED);
			nc_tally_line(-ENOBUFS, 0);
		}
		return;
	}
	write_line(line, len);
}

static void write_line(const char *line, size_t len)
{
	int fd = current_fd();
	long r = fd == 2 ? nc_log_stderr(line, len)
		 : log_regular ? nc_sys_write_all(fd, line, len)
			       : write_no_sigpipe(fd, line, len);
	if (r < 0)
		__atomic_add_fetch(&nc_log_dropped, 1, __ATOMIC_RELAXED);
	nc_tally_line(r, fd == 2 && nc_opts.log_path[0]); /* the launcher says what was lost */
}

void nc_log_after_fork_child(void)
{
	open_lock.word = 0;
	nc_log_dropped = 0;
	if (log_fd > 2 && path_has_pid(nc_opts.log_path)) {
		if (still_ours(log_fd)) /* else the program's file took the number: not ours to close */
			nc_sys_close(log_fd);
		log_fd = -1;
	}
}
