/* sys.c - the raw system calls declared in sys.h. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <time.h>

size_t nc_page_size = 4096;
long nc_pid NC_HOT_DATA;

/* The vDSO's clock_gettime, found once at start in the vDSO's own symbol table
 * (libc's clock_gettime may be interposed): a log line's time without a system
 * call, which costs a microsecond and more on a virtual machine (README,
 * Performance). None on i386 (its symbol takes a 32-bit timespec) or under
 * qemu-user (no vDSO): the system call. */
#if defined(__x86_64__) || defined(__aarch64__)
#include <link.h>
#if defined(__x86_64__)
#define NC_VDSO_CLOCK "__vdso_clock_gettime"
#else
#define NC_VDSO_CLOCK "__kernel_clock_gettime"
#endif
static int (*vdso_clock)(clockid_t, struct timespec *);

static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void find_vdso_clock(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return;
	const ElfW(Ehdr) *eh = (const void *)base;
	const ElfW(Phdr) *ph = (const void *)(base + eh->e_phoff);
	const ElfW(Dyn) *dyn = 0;
	uintptr_t load = 0;
	int loaded = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !loaded) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			loaded = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const void *)(base + ph[i].p_offset);
		}
	if (!loaded || !dyn)
		return;
	const ElfW(Sym) *sym = 0;
	const char *str = 0;
	const Elf32_Word *hash = 0; /* DT_HASH: nbucket, nchain (the number of symbols), ... */
	for (; dyn->d_tag != DT_NULL; dyn++)
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const void *)(load + dyn->d_un.d_ptr);
	if (!sym || !str || !hash)
		return;
	for (Elf32_Word i = 0; i < hash[1]; i++)
		if ((sym[i].st_info & 0xf) == STT_FUNC && sym[i].st_shndx != SHN_UNDEF &&
		    same_name(str + sym[i].st_name, NC_VDSO_CLOCK)) {
			vdso_clock = (int (*)(clockid_t, struct timespec *))(load + sym[i].st_value);
			return;
		}
}
#else
static void find_vdso_clock(void) {}
static int (*vdso_clock)(clockid_t, struct timespec *);
#endif

void nc_clock_realtime(struct timespec *ts)
{
	if (!vdso_clock || vdso_clock(CLOCK_REALTIME, ts) != 0)
		nc_sys(SYS_clock_gettime, CLOCK_REALTIME, ts, 0);
}

__attribute__((constructor(101))) static void nc_sys_init(void)
{
	nc_pid = nc_sys_getpid();
	find_vdso_clock();
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

void nc_signals_block(uint64_t *old)
{
	uint64_t all = ~0ULL;
	static const int sync[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
	for (unsigned k = 0; k < sizeof(sync) / sizeof(sync[0]); k++)
		all &= ~(1ULL << (sync[k] - 1));
	*old = 0;
	nc_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)old, 8, 0, 0);
}

void nc_signals_restore(const uint64_t *old) { nc_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)old, 0, 8, 0, 0); }
