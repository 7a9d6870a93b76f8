/* plugin.c - a plugin for tests/cases/94-deepbind.sh, opened with and without
 * RTLD_DEEPBIND by deep_main. Built at test time (twice: lazily bound, and with
 * -z now -z relro, whose slots are read-only after the load), needing
 * libncdeepdep.so (dep.c) through its RUNPATH:
 *   cc -shared -fPIC -Ishim/core -Itests tests/deepbind/plugin.c -L. -lncdeepdep -o libncdeep.so
 * Each function prints one line (raw writes; libc's text is not trusted after
 * a clobber that went through). */
#include "testlib.h"

void deepdep_libc(void);

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static uintptr_t libc_page(void)
{
	uintptr_t p = t_libc_text_page(page_size());
	if (!p) {
		t_write(1, "libc not found\n");
		t_exit(2);
	}
	return p;
}

/* mmap (a PLT slot): one rwx page MAP_FIXED over libc's text. */
void deep_libc(void)
{
	t_write(1, "plugin libc-text: ");
	t_clobber_page(libc_page(), page_size());
}

static void syscall_result(const char *what, void *r, uintptr_t page, int err, const unsigned char *before)
{
	t_write(1, what);
	t_result(r, (void *)page, err);
	if (r == (void *)page) {
		t_write(1, " intact=no\n");
		t_exit(3);
	}
	int same = 1;
	for (size_t i = 0; i < 4096; i++)
		same &= ((const volatile unsigned char *)page)[i] == before[i];
	t_write(1, same ? " intact=yes\n" : " intact=no\n");
}

/* syscall(SYS_mmap) called directly (a PLT slot). */
void deep_syscall(void)
{
	uintptr_t page = libc_page();
	static unsigned char before[4096];
	memcpy(before, (void *)page, sizeof(before));
	errno = 0;
	void *r = t_syscall_mmap((void *)page, page_size(), PROT_READ | PROT_WRITE | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	syscall_result("plugin syscall-libc-text: ", r, page, errno, before);
}

/* The same through pointers to syscall: one taken in code (a GOT slot,
 * GLOB_DAT), one in initialised data (an absolute relocation). */
long (*deep_syscall_table[1])(long, ...) = {syscall};
void deep_syscall_ptr(void)
{
	long (*volatile fns[2])(long, ...) = {syscall, deep_syscall_table[0]};
	for (int k = 0; k < 2; k++) {
		uintptr_t page = libc_page();
		static unsigned char before[4096];
		memcpy(before, (void *)page, sizeof(before));
		errno = 0;
#if defined(__i386__)
		unsigned long block[6] = {page, page_size(), PROT_READ | PROT_WRITE | PROT_EXEC,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (unsigned long)-1, 0};
		void *r = (void *)fns[k](SYS_mmap, block);
#else
		void *r = (void *)fns[k](SYS_mmap, page, page_size(), PROT_READ | PROT_WRITE | PROT_EXEC,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
#endif
		syscall_result(k ? "plugin syscall-data-pointer-libc-text: " : "plugin syscall-pointer-libc-text: ", r,
			       page, errno, before);
	}
}

/* Its own fresh mapping, then MAP_FIXED over half of it: allowed (own). */
void deep_own(void)
{
	size_t pg = page_size();
	char *own = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (own == MAP_FAILED) {
		t_write(1, "plugin own-anon: cannot map\n");
		return;
	}
	memset(own, 0x5a, 2 * pg);
	errno = 0;
	void *r = mmap(own + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	t_write(1, "plugin own-anon: ");
	t_result(r, own + pg, err);
	t_write(1, "\n");
	munmap(own, 2 * pg);
}

/* The dependency this load brought in: its mmap is followed too. */
void deep_dep(void) { deepdep_libc(); }

/* Which mmap the plugin's slot holds: the shim's, or another object's. */
void deep_which(void)
{
	void *(*volatile m)(void *, size_t, int, int, int, off_t) = mmap;
	Dl_info di;
	int shim = dladdr((void *)m, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber");
	t_write(1, shim ? "plugin mmap=shim\n" : "plugin mmap=other\n");
}

/* The permissions of this object's last RELRO page (where its GOT ends), as
 * /proc/self/maps shows them: "plugin relro: r--p" once the loader (and the
 * shim, after rewriting a slot there) made it read-only again. */
static int relro_end(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t *q = data, here = q[0];
	(void)size;
	int holds = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		holds |= ph->p_type == PT_LOAD && here >= s && here < s + ph->p_memsz;
	}
	for (int i = 0; holds && i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO)
			q[1] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz - 1;
	}
	return holds;
}

void deep_relro(void)
{
	uintptr_t q[2] = {(uintptr_t)deep_relro, 0};
	dl_iterate_phdr(relro_end, q);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8] = "none";
	unsigned long lo, hi;
	while (q[1] && f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && q[1] >= lo && q[1] < hi)
			break;
		else
			strcpy(perms, "none");
	if (f)
		fclose(f);
	t_write(1, "plugin relro: ");
	t_write(1, perms);
	t_write(1, "\n");
}
