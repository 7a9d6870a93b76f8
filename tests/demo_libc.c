/* demo_libc.c - the classic report: one rwx page mapped MAP_FIXED into the middle
 * of libc's text. Prints libc's lines of /proc/self/maps before and after. After
 * the call only raw system calls are used: without the shim, libc's text now has
 * a hole in it, and calling into libc could land in the blank page. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

static char maps[1 << 16];

/* The lines from the first mention of libc to the last one. */
static void show_libc_lines(void)
{
	long fd = nc_syscall6(SYS_openat, -100 /* AT_FDCWD */, (long)"/proc/self/maps", 0, 0, 0, 0);
	long n = 0, r;
	while (fd >= 0 && n < (long)sizeof(maps) - 1 &&
	       (r = nc_syscall6(SYS_read, fd, (long)(maps + n), (long)sizeof(maps) - 1 - n, 0, 0, 0)) > 0)
		n += r;
	maps[n > 0 ? n : 0] = 0;
	char *first = 0, *last_end = 0;
	for (char *l = maps; *l;) {
		char *e = l;
		while (*e && *e != '\n')
			e++;
		int is_libc = 0;
		for (char *p = l; p + 5 < e; p++)
			if (p[0] == 'l' && p[1] == 'i' && p[2] == 'b' && p[3] == 'c' && (p[4] == '.' || p[4] == '-'))
				is_libc = 1;
		if (is_libc) {
			if (!first)
				first = l;
			last_end = e;
		}
		l = *e ? e + 1 : e;
	}
	if (first) {
		*last_end = 0;
		t_write(1, first);
		t_write(1, "\n");
	}
}

int main(void)
{
	/* The middle of libc's executable segment, from its ELF headers. */
	uintptr_t target = t_libc_text_page(4096);
	if (!target)
		return 2;
	printf("libc's text before:\n");
	fflush(stdout);
	show_libc_lines();
	printf("mmap(%#lx, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)\n",
	       (unsigned long)target);
	fflush(stdout);

	void *r = mmap((void *)target, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;

	t_write(1, r == MAP_FAILED ? (err == EEXIST ? "  -> MAP_FAILED, errno EEXIST\n" : "  -> MAP_FAILED\n")
				   : "  -> success: libc's text now has a hole\n");
	t_write(1, "libc's text after:\n");
	show_libc_lines();
	t_exit(0);
}
