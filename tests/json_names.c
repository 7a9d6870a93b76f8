/* json_names.c - a clobber whose victim has an awkward file name.
 *
 *   json_names PATH
 *
 * Creates PATH (one page; any bytes but NUL: quotes, backslashes, a newline,
 * bytes that are not UTF-8), maps it behind the shim's back (a raw system
 * call, so it is not the program's own and the default policy protects it),
 * removes the file, then tries mmap(MAP_FIXED) over the mapping. The log line
 * names the victim by its path as /proc/self/maps shows it.
 *
 * Output: result=EEXIST|ok|errno=N, then status 0; 2 if the setup failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: json_names PATH\n");
		return 2;
	}
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 2;
	}
	char page[65536];
	memset(page, 0x42, sizeof(page));
	if (pg > (long)sizeof(page) || write(fd, page, (size_t)pg) != pg) {
		perror("write");
		return 2;
	}
	long at = nc_sys_mmap((void *)0, pg, PROT_READ, MAP_SHARED, fd, 0);
	if (nc_sys_failed(at)) {
		fprintf(stderr, "raw mmap failed: %ld\n", at);
		return 2;
	}
	close(fd);
	fflush(NULL);

	errno = 0;
	void *r = mmap((void *)at, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	unlink(argv[1]);
	t_result(r, (void *)at, err);
	t_write(1, "\n");
	return 0;
}
