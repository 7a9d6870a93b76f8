/* fd_reuse.c - a program that closes the shim's log descriptor behind its back
 * and gets the same number for a file of its own.
 *
 *   fd_reuse NEWFILE          (run with log_path=FILE)
 *     one refused clobber (the shim opens FILE), then every descriptor above 2
 *     is closed and NEWFILE opened and moved to the log's old number, another
 *     refused clobber, then "program data" written to NEWFILE.
 *   fd_reuse stderr NEWFILE   (run with stderr closed, default log_path)
 *     NEWFILE is opened first (it gets descriptor 2), one refused clobber, then
 *     "program data" written to it.
 *
 * NEWFILE must end up holding "program data\n" and nothing else.
 * Output: "logfd=N" (first form: the descriptor open on the log file after the
 * first clobber; NOCLOBBER_OPTIONS's log_path names it), "newfd=N", one result
 * line per clobber:
 *   result=ok|EEXIST|errno=N intact=yes|no */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

static size_t pg;
static uintptr_t libc_page;

static void clobber(void)
{
	t_clobber_page(libc_page, pg);
}

static int open_new(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		t_write(2, "fd_reuse: cannot open NEWFILE\n");
		t_exit(2);
	}
	t_write(1, "newfd=");
	t_write(1, t_dec(fd));
	t_write(1, "\n");
	return fd;
}

static void finish(int fd)
{
	static const char data[] = "program data\n";
	if (write(fd, data, sizeof(data) - 1) != (ssize_t)sizeof(data) - 1)
		t_exit(2);
	close(fd);
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	libc_page = t_libc_text_page(pg);
	if (!libc_page || argc < 2) {
		t_write(2, "usage: fd_reuse NEWFILE | fd_reuse stderr NEWFILE\n");
		return 2;
	}
	if (!strcmp(argv[1], "stderr") && argc > 2) {
		int fd = open_new(argv[2]);
		clobber();
		finish(fd);
		return 0;
	}
	clobber();
	const char *opts = getenv("NOCLOBBER_OPTIONS"), *lp = opts ? strstr(opts, "log_path=") : 0;
	int logfd = -1;
	if (lp)
		t_fds_linked_to(lp + 9, &logfd);
	t_write(1, "logfd=");
	t_write(1, t_dec(logfd));
	t_write(1, "\n");
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || logfd < 0 || dup2(fd, logfd) != logfd) {
		t_write(2, "fd_reuse: cannot put NEWFILE at the log's number\n");
		t_exit(2);
	}
	close(fd);
	t_write(1, "newfd=");
	t_write(1, t_dec(logfd));
	t_write(1, "\n");
	clobber();
	finish(logfd);
	return 0;
}
