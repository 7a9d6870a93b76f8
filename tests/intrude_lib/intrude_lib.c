/* intrude_lib.c - another library in the process, for tests/cases/68-intrude.sh
 * (with tests/intrude.c). Built at test time:
 *   cc -shared -fPIC -Ishim/core -Itests tests/intrude_lib/intrude_lib.c -o libncintrude.so
 * and preloaded before or after the shim, so that its constructor (and so its
 * pthread_atfork registration) and its destructor run before or after the
 * shim's:
 *   - fork handlers (prepare, parent, child) that each map two pages, replace
 *     the second with MAP_FIXED and unmap both, as a library that keeps
 *     per-process buffers might; intrude_lib_counts[] says how often each ran
 *     and how many of their calls failed;
 *   - a destructor that writes "fini\n" to the file INTRUDE_FINI_FILE names
 *     (if set): a library whose data must reach the disk at exit;
 *   - and that registers, while the process exits, an exit handler (on_exit:
 *     tied to no library, so glibc runs it after every destructor; musl
 *     runs none registered that late) that writes "late\n" to the file
 *     INTRUDE_LATE_FILE names (if set). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>

/* [0] prepare runs, [1] parent runs, [2] child runs, [3] failed calls. */
int intrude_lib_counts[4];

static void map_replace_unmap(int which)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		intrude_lib_counts[3]++;
	} else {
		p[0] = 1;
		if (mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p + pg)
			intrude_lib_counts[3]++;
		if (munmap(p, 2 * pg) != 0)
			intrude_lib_counts[3]++;
	}
	intrude_lib_counts[which]++;
}

static void prepare(void) { map_replace_unmap(0); }
static void parent(void) { map_replace_unmap(1); }
static void child(void) { map_replace_unmap(2); }

__attribute__((constructor)) static void intrude_lib_start(void)
{
	pthread_atfork(prepare, parent, child);
}

static void write_file(const char *path, const char *text)
{
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, 5) != 5)
		intrude_lib_counts[3]++;
	close(fd);
}

static void late(int status, void *arg)
{
	(void)status;
	(void)arg;
	write_file(getenv("INTRUDE_LATE_FILE"), "late\n");
}

#ifndef __GLIBC__
static void late_atexit(void)
{
	late(0, 0);
}
#endif

__attribute__((destructor)) static void intrude_lib_end(void)
{
	write_file(getenv("INTRUDE_FINI_FILE"), "fini\n");
	if (getenv("INTRUDE_LATE_FILE"))
#ifdef __GLIBC__
		on_exit(late, 0);
#else
		/* musl has no on_exit and runs no handler registered this late:
		 * the test expects none there. */
		atexit(late_atexit);
#endif
}
