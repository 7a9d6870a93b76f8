/* log.c - the log sink of log.h. */
#include "log.h"

#include <fcntl.h>

#include "fmt.h"
#include "lock.h"
#include "options.h"
#include "report.h"
#include "sys.h"

/* -1: not opened yet; otherwise the descriptor lines go to. */
static int log_fd = -1;
static nc_lock_t open_lock;

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

static int open_log(void)
{
	char path[NC_PATH_MAX + 32];
	struct nc_buf b = NC_BUF_INIT(path);
	for (const char *p = nc_opts.log_path; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			nc_buf_u(&b, (unsigned long long)nc_sys_getpid());
			p++;
		} else {
			nc_buf_ch(&b, *p);
		}
	}
	if (is_dir_path(nc_opts.log_path)) {
		for (const char *p = nc_program_name(); *p; p++)
			nc_buf_ch(&b, *p == '/' ? '_' : *p);
		nc_buf_ch(&b, '.');
		nc_buf_u(&b, (unsigned long long)nc_sys_getpid());
		nc_buf_str(&b, ".log");
	}
	if (b.truncated || b.len == sizeof(path))
		return -36; /* ENAMETOOLONG */
	path[b.len] = 0;
	long fd = nc_sys_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0)
		return (int)fd;
	char line[NC_PATH_MAX + 128];
	struct nc_buf e = NC_BUF_INIT(line);
	nc_buf_str(&e, "noclobber: cannot open log_path '");
	nc_buf_str(&e, path);
	nc_buf_str(&e, "' (errno ");
	nc_buf_u(&e, (unsigned long long)-fd);
	nc_buf_str(&e, "); logging to stderr\n");
	nc_sys_write_all(2, e.p, e.len);
	return 2;
}

void nc_log_line(const char *line, size_t len)
{
	int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
	if (fd < 0) {
		nc_lock(&open_lock);
		fd = log_fd;
		if (fd < 0) {
			fd = nc_opts.log_path[0] ? open_log() : 2;
			__atomic_store_n(&log_fd, fd, __ATOMIC_RELEASE);
		}
		nc_unlock(&open_lock);
	}
	nc_sys_write_all(fd, line, len);
}

void nc_log_after_fork_child(void)
{
	open_lock.held = 0;
	if (log_fd > 2 && path_has_pid(nc_opts.log_path)) {
		nc_sys_close(log_fd);
		log_fd = -1;
	}
}
