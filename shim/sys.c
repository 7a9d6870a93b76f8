/* sys.c - the raw system calls declared in sys.h. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/resource.h>

size_t nc_page_size = 4096;
long nc_pid;

__attribute__((constructor(101))) static void nc_sys_init(void)
{
	nc_pid = nc_sys_getpid();
	unsigned long ps = getauxval(AT_PAGESZ);
	if (ps >= 4096 && (ps & (ps - 1)) == 0)
		nc_page_size = ps;
}

long nc_sys_munmap(void *addr, size_t len) { return nc_sys(SYS_munmap, addr, len, 0); }

long nc_sys_open(const char *path, int flags, int mode)
{
	long r;
	do
		r = nc_syscall6(SYS_openat, -100 /* AT_FDCWD */, (long)path, flags, mode, 0, 0);
	while (r == -EINTR);
	return r;
}

long nc_sys_read(int fd, void *buf, size_t n)
{
	long r;
	do
		r = nc_sys(SYS_read, fd, buf, n);
	while (r == -EINTR);
	return r;
}

long nc_sys_pread(int fd, void *buf, size_t n, long long off)
{
	return nc_syscall6(SYS_pread64, fd, (long)buf, (long)n, (long)off, 0, 0);
}

long nc_sys_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0;
	while (done < n) {
		long r = nc_sys(SYS_write, fd, p + done, n - done);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return (long)done;
}

long nc_sys_close(int fd) { return nc_sys(SYS_close, fd, 0, 0); }

long nc_sys_fd_high(int fd)
{
	long high = nc_sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, NC_FD_HIGH);
	if (high == -EINVAL) {
		/* RLIMIT_NOFILE is 100 or less: the highest free number under it,
		 * the last one the program's own open would get. */
		struct rlimit rl;
		if (nc_syscall6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0) != 0)
			return -EINVAL;
		high = -EMFILE;
		for (long n = (long)rl.rlim_cur - 1; n > fd && high < 0; n--)
			high = nc_sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, n); /* n taken: EMFILE, go lower */
	}
	if (high >= 0)
		nc_sys_close(fd);
	return high;
}
long nc_sys_ioctl(int fd, unsigned long req, void *arg) { return nc_sys(SYS_ioctl, fd, req, arg); }
long nc_sys_getpid(void) { return nc_sys(SYS_getpid, 0, 0, 0); }
long nc_sys_gettid(void) { return nc_sys(SYS_gettid, 0, 0, 0); }
