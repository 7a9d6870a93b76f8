/* errno_compare.c - mmap calls that overlap nothing, one result line each.
 *
 * The shim promises that a call which would replace nothing behaves exactly as
 * without it: same success or failure, same errno, same address, errno left
 * alone on success. So this program prints only what must not change between a
 * run without the shim and runs with it, and tests/cases/50-errno.sh compares
 * the outputs line by line:
 *
 *   NAME ok [same=yes|no] errno=kept|NAME     (same= only for an asked address)
 *   NAME fail errno=NAME
 *   # shim=yes|no                             (not compared: which mmap we got)
 *
 * Addresses are never printed: they differ per run. Every call is made the
 * way programs make it (a free range of exactly the size needed is found by
 * reserving and unmapping it), all in one process, in order: a shim that
 * breaks its own state on one call shows on the calls after it too.
 * Output uses raw writes only.
 *
 *   errno_compare [CASE...]    only the named cases (to reproduce one) */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"


static size_t pg;
static char **only; /* NULL: every case */

/* A free range of n pages, the usual way: reserve, give back. */
static uintptr_t free_range(size_t n)
{
	void *p = mmap(NULL, n * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		t_write(2, "errno_compare: cannot reserve a range\n");
		t_exit(2);
	}
	munmap(p, n * pg);
	return (uintptr_t)p;
}

/* One call. want_addr: print same= (the caller asked for this address). */
static void one(const char *name, int use64, int want_addr, uintptr_t addr, size_t len, int prot,
		int flags, int fd, off_t off)
{
	int wanted = !only;
	for (char **o = only; o && *o; o++)
		wanted |= !strcmp(*o, name);
	if (!wanted)
		return;
	errno = SENTINEL_ERRNO;
	void *r = use64 ? mmap64((void *)addr, len, prot, flags, fd, off)
			: mmap((void *)addr, len, prot, flags, fd, off);
	int err = errno;
	t_write(1, name);
	if (r == MAP_FAILED) {
		t_write(1, " fail errno=");
		t_write(1, t_errname(err));
	} else {
		t_write(1, " ok");
		if (want_addr)
			t_write(1, (uintptr_t)r == addr ? " same=yes" : " same=no");
		t_write(1, " errno=");
		t_write(1, t_errname(err));
		munmap(r, len); /* leave the address space as it was for the next case */
	}
	t_write(1, "\n");
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (argc > 1)
		only = argv + 1;

	/* First of all, before any other mmap reaches the shim: a large MAP_FIXED at
	 * an address the program picked (found here with raw system calls, so that
	 * this really is the shim's first call). Whatever memory the shim sets up
	 * for itself on a first call must not land in, and so block or be replaced
	 * by, the range being asked for. */
	size_t big = 32u << 20;
	long hole = nc_sys_mmap((void *)0, (long)big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nc_sys_failed(hole))
		return 2;
	nc_syscall6(SYS_munmap, hole, (long)big, 0, 0, 0, 0);
	one("fixed-first-call-large", 0, 1, (uintptr_t)hole, big, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	const int RW = PROT_READ | PROT_WRITE, PA = MAP_PRIVATE | MAP_ANONYMOUS, FX = MAP_FIXED;

	/* A two-page file, open read-write and read-only, already unlinked. */
	char path[] = "/tmp/noclobber-errno-XXXXXX";
	int fd = mkstemp(path);
	static char two[2 * 4096];
	if (fd < 0 || write(fd, two, sizeof(two)) != (ssize_t)sizeof(two))
		return 2;
	int rdfd = open(path, O_RDONLY);
	unlink(path);
	int dirfd = open("/", O_RDONLY | O_DIRECTORY);
	int closed = 987; /* surely not open; closing makes sure */
	close(closed);
	if (rdfd < 0 || dirfd < 0)
		return 2;

	/* A live mapping, for the calls the kernel itself must refuse. */
	void *mine = mmap(NULL, 2 * pg, RW, PA, -1, 0);
	if (mine == MAP_FAILED)
		return 2;
	uintptr_t m = (uintptr_t)mine;

	Dl_info di;
	void *which = dlsym(RTLD_DEFAULT, "mmap");
	int shim = which && dladdr(which, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber");
	t_write(1, shim ? "# shim=yes\n" : "# shim=no\n");

	one("anon", 0, 0, 0, pg, RW, PA, -1, 0);
	one("anon64", 1, 0, 0, pg, RW, PA, -1, 0);
	one("hint-free", 0, 1, free_range(1), pg, RW, PA, -1, 0);
	one("fixed-free", 0, 1, free_range(2), 2 * pg, RW, PA | FX, -1, 0);
	one("fixed64-free", 1, 1, free_range(2), 2 * pg, RW, PA | FX, -1, 0);
	one("fixed-free-len-not-page", 0, 1, free_range(2), pg + 1, RW, PA | FX, -1, 0);
	one("fixed-free-prot-none", 0, 1, free_range(1), pg, PROT_NONE, PA | FX, -1, 0);
	one("fixed-free-populate", 0, 1, free_range(1), pg, RW, PA | FX | MAP_POPULATE, -1, 0);
	one("fixed-shared-anon", 0, 1, free_range(1), pg, RW, MAP_SHARED | MAP_ANONYMOUS | FX, -1, 0);
	one("fixed-file-private", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, fd, 0);
	one("fixed-file-offset", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, fd, (off_t)pg);
	one("fixed-file-shared", 0, 1, free_range(1), pg, RW, MAP_SHARED | FX, fd, 0);
	/* MAP_SHARED_VALIDATE: the kernel rejects flags it does not know for a
	 * validated shared mapping, so a rewritten flag word shows here. */
	one("fixed-file-shared-validate", 0, 1, free_range(1), pg, PROT_READ, MAP_SHARED_VALIDATE | FX, fd, 0);
	one("noreplace-free", 0, 1, free_range(1), pg, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);

	/* Argument errors: the shim's own checks (or the kernel's, reached through
	 * a changed call) must give the errno the kernel gives. */
	one("fixed-unaligned", 0, 1, free_range(1) + 1, pg, RW, PA | FX, -1, 0);
	one("fixed-zero-len", 0, 1, free_range(1), 0, RW, PA | FX, -1, 0);
	one("zero-len", 0, 0, 0, 0, RW, PA, -1, 0);
	uintptr_t f = free_range(4);
	one("fixed-wrap-to-zero", 0, 1, f, (size_t)0 - f, RW, PA | FX, -1, 0);
	one("fixed-wrap-past-zero", 0, 1, f, (size_t)0 - f + 2 * pg, RW, PA | FX, -1, 0);
	one("fixed-len-max", 0, 1, free_range(1), SIZE_MAX, RW, PA | FX, -1, 0);
	one("fixed-past-top", 0, 1, NC_USER_TOP, 2 * pg, RW, PA | FX, -1, 0);
	one("fixed64-past-top", 1, 1, NC_USER_TOP, 2 * pg, RW, PA | FX, -1, 0);
	/* Above user space some kernels list a [vsyscall] page in maps; it is not
	 * a mapping a call can replace, so the kernel's answer is ENOMEM. */
	if (sizeof(void *) == 8) { /* on 32 bits "up to" it would be the whole address space */
		one("fixed-at-vsyscall", 0, 1, (uintptr_t)0xffffffffff600000ULL, pg, RW, PA | FX, -1, 0);
		one("fixed-up-to-vsyscall", 0, 1, f, (size_t)(0xffffffffff601000ULL - f), RW, PA | FX, -1, 0);
	}
	/* Below vm.mmap_min_addr: EPERM, or a success for a privileged process. */
	one("fixed-addr-0", 0, 1, 0, pg, RW, PA | FX, -1, 0);
	one("fixed-addr-0x1000", 0, 1, 0x1000, pg, RW, PA | FX, -1, 0);
	one("fixed-bad-fd", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, -1, 0);
	one("fixed-closed-fd", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, closed, 0);
	one("fixed-dir-fd", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, dirfd, 0);
	one("offset-unaligned", 0, 0, 0, pg, PROT_READ, MAP_PRIVATE, fd, 1);
	one("fixed-offset-unaligned", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, fd, 1);
	one("fixed64-offset-unaligned", 1, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, fd, 1);
	one("fixed-offset-overflow", 0, 1, free_range(2), 2 * pg, PROT_READ, MAP_PRIVATE | FX, fd, -(off_t)pg);
	one("shared-write-rdonly", 0, 0, 0, pg, RW, MAP_SHARED, rdfd, 0);
	one("fixed-shared-write-rdonly", 0, 1, free_range(1), pg, RW, MAP_SHARED | FX, rdfd, 0);
	one("fixed-both-types", 0, 1, free_range(1), pg, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | FX, -1, 0);
	one("no-type", 0, 0, 0, pg, RW, MAP_ANONYMOUS, -1, 0);
	one("fixed-no-type", 0, 1, free_range(1), pg, RW, MAP_ANONYMOUS | FX, -1, 0);
	one("fixed-shared-growsdown", 0, 1, free_range(1), pg, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN | FX, -1, 0);
	/* Not on a 2 MiB boundary (the huge page size here), whichever page of the
	 * free pair that takes: one run in 512 it once was, and the kernel then
	 * answered otherwise than for an unaligned address. */
	uintptr_t huge_free = free_range(2);
	uintptr_t huge_odd = ((huge_free + pg) & ((2UL << 20) - 1)) ? huge_free + pg : huge_free;
	one("fixed-hugetlb-unaligned", 0, 1, huge_odd, pg, RW, PA | MAP_HUGETLB | FX, -1, 0);

	/* The kernel's own EEXIST: not a MAP_FIXED the shim decides, so it must pass
	 * through untouched and unlogged. */
	one("noreplace-existing", 0, 1, m, pg, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);
	one("fixed-noreplace-existing", 0, 1, m + pg, pg, RW, PA | FX | MAP_FIXED_NOREPLACE, -1, 0);
	one("noreplace64-existing", 1, 1, m, 2 * pg, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);

	/* After all of the above, the plain cases must still work the same. */
	one("fixed-free-again", 0, 1, free_range(2), 2 * pg, RW, PA | FX, -1, 0);
	one("fixed-file-again", 0, 1, free_range(1), pg, PROT_READ, MAP_PRIVATE | FX, fd, 0);
	t_write(1, "# end\n");
	return 0;
}
