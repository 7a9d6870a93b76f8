/* tally.c - this process's records on the launcher's channel, see tally.h.
 *
 * Nothing is added to the common path: the records are written at start-up
 * (an fstat and a write, only when NOCLOBBER_TALLY is set), in a fork child,
 * and on the rare attempt and lost-line paths. Every write is preceded by an
 * fstat of the descriptor, because programs close descriptors they did not
 * open (daemons, python's subprocess) and reuse the numbers. */
#include "tally.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "fmt.h"
#include "options.h"
#include "sys.h"
#include "vmas.h"

static struct nc_tally_ref ref;
static int on;            /* NOCLOBBER_TALLY named a channel */
static int reopened = -1; /* ours, when the inherited descriptor is gone */

static int is_channel(int fd)
{
	if (fd >= 0 && __atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return 1; /* fstat may be forbidden in a sandbox: the number is trusted */
	struct stat st;
	return fd >= 0 && nc_sys(SYS_fstat, fd, &st, 0) == 0 && st.st_dev == ref.dev && st.st_ino == ref.ino;
}

/* The launcher's own descriptor, by its /proc name: for a process whose parent
 * closed the inherited one. Not in a privileged program: it opens nothing on
 * the word of its environment. */
static int reopen(int seen)
{
	if (getauxval(AT_SECURE))
		return -1;
	char path[64];
	struct nc_buf b = NC_BUF_INIT(path);
	b.cap -= 1;
	nc_buf_str(&b, "/proc/");
	nc_buf_u(&b, (unsigned long long)ref.launcher_pid);
	nc_buf_str(&b, "/fd/");
	nc_buf_u(&b, (unsigned long long)ref.fd);
	path[b.len] = 0;
	long fd = nc_sys_open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0)
		return -1;
	long high = nc_sys_fd_high((int)fd);
	if (high >= 0)
		fd = high;
	if (!is_channel((int)fd)) { /* another process's descriptor by that number */
		nc_sys_close((int)fd);
		return -1;
	}
	/* Two threads may get here at once: one descriptor is kept. */
	if (!__atomic_compare_exchange_n(&reopened, &seen, (int)fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		nc_sys_close((int)fd);
		return is_channel(seen) ? seen : -1;
	}
	return (int)fd;
}

static void put(int kind, int err, long pid)
{
	if (!__atomic_load_n(&on, __ATOMIC_ACQUIRE))
		return;
	int fd = __atomic_load_n(&reopened, __ATOMIC_ACQUIRE);
	if (!(fd >= 0 && is_channel(fd))) {
		int seen = fd;
		fd = is_channel(ref.fd) ? ref.fd : reopen(seen);
	}
	if (fd < 0)
		return;
	struct nc_tally_rec r = {.kind = (uint8_t)kind, .err = (uint8_t)(err > 255 ? 255 : err),
				 .pid = (uint32_t)pid};
	long w;
	do
		w = nc_sys(SYS_write, fd, &r, sizeof(r));
	while (w == -EINTR);
}

void nc_tally_start(void)
{
	const char *v = getenv(NC_TALLY_ENV);
	if (!v || nc_tally_parse(v, &ref) < 0)
		return;
	__atomic_store_n(&on, 1, __ATOMIC_RELEASE);
	put(NC_TALLY_PROCESS, 0, nc_self_pid());
}

void nc_tally_fork_child(void) { put(NC_TALLY_PROCESS, 0, nc_self_pid()); }

/* The pid is asked of the kernel: a vfork child shares our memory, and its
 * attempt is its own. */
void nc_tally_attempt(void)
{
	if (!__atomic_load_n(&on, __ATOMIC_ACQUIRE))
		return; /* no launcher: not even the getpid (a refusal's cost, README Performance) */
	int kind = NC_OPT(mode) == NC_MODE_WARN    ? NC_TALLY_WARNED
		   : NC_OPT(mode) == NC_MODE_ABORT ? NC_TALLY_ABORTING
						   : NC_TALLY_REFUSED;
	put(kind, 0, nc_sys_getpid());
}

void nc_tally_line(long written, int diverted)
{
	if (!__atomic_load_n(&on, __ATOMIC_ACQUIRE))
		return;
	if (written < 0)
		put(NC_TALLY_LOST, (int)-written, nc_sys_getpid());
	else if (diverted)
		put(NC_TALLY_DIVERTED, 0, nc_sys_getpid());
}
