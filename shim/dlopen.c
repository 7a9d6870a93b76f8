/* dlopen.c - the dlopen door: what a library loaded with RTLD_DEEPBIND calls.
 *
 * Such a library (PHP loads its extensions so) binds mmap, syscall... to libc
 * before the global scope where the preload sits. After its load, its slots
 * for the shim's calls are rewritten to the shim's (relocs.c).
 *
 * glibc's dlopen takes its return address for the caller: it picks the link-map
 * namespace by it, expands $ORIGIN and searches DT_RPATH/DT_RUNPATH from it.
 * So the exported dlopen is an assembly stub (NC_ROUTE_STUB, arch_*.h) that
 * asks nc_dlopen_route where to go and jumps there with the program's return
 * address in place: every load without RTLD_DEEPBIND reaches libc's dlopen as
 * without the shim. A RTLD_DEEPBIND load must come back here, so libc sees the
 * shim as its caller: deep_dlopen first finds the file as the real caller's
 * dlopen would (its $ORIGIN, its search path) and hands libc that name.
 * dlmopen is not interposed (README, Limits). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "relocs.h"
#include "sys.h"

typedef void *(*dlopen_fn)(const char *, int);
static dlopen_fn real_dlopen;

static void *no_dlopen(const char *file, int mode)
{
	(void)file;
	(void)mode;
	return 0;
}

#if defined(__GLIBC__) && defined(RTLD_DEEPBIND)
#define NC_DEEPBIND 1
static void *deep_dlopen(const char *file, int mode);
#endif

void *nc_dlopen_route(const char *file, int mode) __attribute__((visibility("hidden")));
void *nc_dlopen_route(const char *file, int mode)
{
	dlopen_fn real = __atomic_load_n(&real_dlopen, __ATOMIC_ACQUIRE);
	if (!real) {
		int saved = errno;
		real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
		errno = saved;
		if (!real)
			return (void *)no_dlopen;
		__atomic_store_n(&real_dlopen, real, __ATOMIC_RELEASE);
	}
#ifdef NC_DEEPBIND
	/* RTLD_NOLOAD loads nothing; a privileged program's $ORIGIN rules are
	 * glibc's alone. */
	if ((mode & RTLD_DEEPBIND) && !(mode & RTLD_NOLOAD) && file && !getauxval(AT_SECURE))
		return (void *)deep_dlopen;
#else
	(void)file;
	(void)mode;
#endif
	return (void *)real;
}

NC_ROUTE_STUB("dlopen", "nc_dlopen_route");
__asm__(".globl nc_self_dlopen\n\t.hidden nc_self_dlopen\n\t.set nc_self_dlopen, dlopen");

#ifdef NC_DEEPBIND

#if defined(__x86_64__)
#define NC_ELFCLASS ELFCLASS64
#define NC_EM EM_X86_64
#elif defined(__aarch64__)
#define NC_ELFCLASS ELFCLASS64
#define NC_EM EM_AARCH64
#elif defined(__i386__)
#define NC_ELFCLASS ELFCLASS32
#define NC_EM EM_386
#endif

#define NC_PATH_MAX 4096
/* Memory for one load's names and search paths, mapped for the call (no
 * malloc in the shim, and at most 2 KiB of the caller's stack). */
#define NC_SCRATCH (64 * 1024)
struct scratch {
	char path[NC_PATH_MAX];
	char origin[NC_PATH_MAX];
	char other[NC_PATH_MAX];
	size_t ser_space;
	_Alignas(16) char ser[]; /* two Dl_serinfo, each ser_space bytes */
};

static size_t len_of(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int has_char(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return 1;
	return 0;
}

/* Appends s to out[*n], keeping room for the NUL; 0 if it does not fit. */
static int append(char *out, size_t *n, const char *s, size_t len)
{
	if (*n + len >= NC_PATH_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		out[(*n)++] = s[i];
	out[*n] = 0;
	return 1;
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* file with every $ORIGIN and ${ORIGIN} replaced by the caller's directory, as
 * glibc expands it; $LIB and $PLATFORM are left for glibc (they do not depend
 * on the caller). 0 if it does not fit. */
static const char *expand_origin(struct scratch *s, const char *file, struct link_map *lm, char *out)
{
	int any = 0;
	for (const char *p = file; *p; p++)
		if (p[0] == '$' && (!__builtin_strncmp(p + 1, "{ORIGIN}", 8) ||
				    (!__builtin_strncmp(p + 1, "ORIGIN", 6) && !ident_char(p[7]))))
			any = 1;
	if (!any)
		return file;
	if (dlinfo(lm, RTLD_DI_ORIGIN, s->origin) != 0) {
		(void)dlerror();
		return 0;
	}
	size_t n = 0, olen = len_of(s->origin);
	out[0] = 0;
	for (const char *p = file; *p;) {
		size_t skip = 0;
		if (p[0] == '$' && !__builtin_strncmp(p + 1, "{ORIGIN}", 8))
			skip = 9;
		else if (p[0] == '$' && !__builtin_strncmp(p + 1, "ORIGIN", 6) && !ident_char(p[7]))
			skip = 7;
		if (skip ? !append(out, &n, s->origin, olen) : !append(out, &n, p, 1))
			return 0;
		p += skip ? skip : 1;
	}
	return out;
}

static long open_error(const char *path)
{
	long fd = nc_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	nc_sys_close((int)fd);
	return 0;
}

/* A file glibc's search stops at: it passes over one that cannot be opened
 * and an ELF object of another class or machine, and fails on anything else
 * (a file too short, not ELF), naming it. */
static int search_stops_at(const char *path)
{
	long fd = nc_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ElfW(Ehdr) e;
	long r = nc_sys_read((int)fd, &e, sizeof(e));
	nc_sys_close((int)fd);
	return r != (long)sizeof(e) || __builtin_memcmp(e.e_ident, ELFMAG, SELFMAG) ||
	       (e.e_ident[EI_CLASS] == NC_ELFCLASS && e.e_machine == NC_EM);
}

static Dl_serinfo *serinfo(struct scratch *s, void *handle, int which)
{
	Dl_serinfo size, *si = (Dl_serinfo *)(s->ser + which * s->ser_space);
	if (dlinfo(handle, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size > s->ser_space) {
		(void)dlerror();
		return 0;
	}
	*si = size;
	if (dlinfo(handle, RTLD_DI_SERINFO, si) != 0) {
		(void)dlerror();
		return 0;
	}
	return si;
}

/* The object's DT_SONAME, or "". */
static const char *soname(struct link_map *l)
{
	const char *strtab = 0;
	uintptr_t off = (uintptr_t)-1;
	for (const ElfW(Dyn) *d = l->l_ld; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_STRTAB)
			strtab = (const char *)(d->d_un.d_ptr < l->l_addr ? d->d_un.d_ptr + l->l_addr : d->d_un.d_ptr);
		else if (d->d_tag == DT_SONAME)
			off = d->d_un.d_val;
	}
	return strtab && off != (uintptr_t)-1 ? strtab + off : "";
}

/* glibc first looks for a bare name among the objects already loaded (the
 * names they were loaded by, their DT_SONAME), whoever the caller. */
static int loaded_by_name(dlopen_fn real, const char *name)
{
	void *h = real(name, RTLD_LAZY | RTLD_NOLOAD);
	if (!h) {
		(void)dlerror();
		return 0;
	}
	struct link_map *l = 0;
	int match = 0;
	if (dlinfo(h, RTLD_DI_LINKMAP, &l) == 0 && l && l->l_name) {
		const char *base = l->l_name;
		for (const char *p = l->l_name; *p; p++)
			if (*p == '/')
				base = p + 1;
		match = same(l->l_name, name) || same(base, name) || same(soname(l), name);
	}
	dlclose(h);
	(void)dlerror();
	return match;
}

static Lmid_t namespace_of(void *handle)
{
	Lmid_t ns = -1;
	if (dlinfo(handle, RTLD_DI_LMID, &ns) != 0)
		(void)dlerror();
	return ns;
}

/* The name to hand libc so that it opens what the caller's own dlopen would
 * have: file as it is when the caller does not matter, else the path found. */
static const char *as_caller(struct scratch *s, dlopen_fn real, const char *file, void *caller)
{
	Dl_info info;
	struct link_map *lm = 0, *self = 0;
	if (!dladdr1(caller, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm ||
	    !dladdr1((void *)nc_dlopen_route, &info, (void **)&self, RTLD_DL_LINKMAP) || !self ||
	    namespace_of(lm) != namespace_of(self))
		return file;
	const char *name = expand_origin(s, file, lm, s->path);
	if (!name)
		return file;
	if (name != file) {
		/* A file that cannot be opened: glibc's error names it as the
		 * program wrote it. It does so for the shim too, if the name
		 * expanded from the shim's directory fails the same way. */
		long e = open_error(name);
		const char *o = e ? expand_origin(s, file, self, s->other) : 0;
		return o && open_error(o) == e ? file : name;
	}
	if (has_char(name, '/'))
		return name;
	if (loaded_by_name(real, name))
		return name;
	/* The caller's search path; its tail shared with the shim's own (the
	 * program's DT_RPATH, LD_LIBRARY_PATH, the default directories) is
	 * searched by libc for the shim too, the cache before the defaults. */
	Dl_serinfo *mine = serinfo(s, lm, 0), *ours = mine ? serinfo(s, self, 1) : 0;
	if (!ours)
		return name;
	unsigned c = mine->dls_cnt, o = ours->dls_cnt;
	while (c && o && same(mine->dls_serpath[c - 1].dls_name, ours->dls_serpath[o - 1].dls_name))
		c--, o--;
	size_t nlen = len_of(name);
	for (unsigned i = 0; i < c; i++) {
		const char *dir = mine->dls_serpath[i].dls_name;
		size_t n = 0;
		s->path[0] = 0;
		if (!append(s->path, &n, *dir ? dir : ".", *dir ? len_of(dir) : 1) || !append(s->path, &n, "/", 1) ||
		    !append(s->path, &n, name, nlen))
			continue;
		if (search_stops_at(s->path))
			return s->path;
	}
	return name;
}

/* The shim's calls (their hidden names: interpose.c), which the new objects'
 * slots are pointed at. */
#define NC_SELF(n) extern char nc_self_##n[] __attribute__((visibility("hidden")));
NC_SELF(mmap) NC_SELF(mmap64) NC_SELF(munmap) NC_SELF(mremap) NC_SELF(shmat) NC_SELF(shmdt)
NC_SELF(syscall) NC_SELF(prctl) NC_SELF(_exit) NC_SELF(_Exit) NC_SELF(dlopen)
#define NC_GUARD(n) {#n, nc_self_##n}
static const struct {
	const char *name;
	const char *shim;
} guarded[] = {NC_GUARD(mmap),	 NC_GUARD(mmap64),  NC_GUARD(munmap), NC_GUARD(mremap),
	       NC_GUARD(shmat),	 NC_GUARD(shmdt),   NC_GUARD(syscall), NC_GUARD(prctl),
	       NC_GUARD(_exit), NC_GUARD(_Exit), NC_GUARD(dlopen)};
#define NC_GUARDED (sizeof(guarded) / sizeof(guarded[0]))

static void follow(void *h, unsigned long long adds_before)
{
	unsigned long long added = nc_relocs_adds() - adds_before;
	struct link_map *l = 0, *self = 0;
	Dl_info info;
	/* Only where the shim is, and where its calls' errno is the caller's. */
	if (!added || dlinfo(h, RTLD_DI_LINKMAP, &l) != 0 || !l ||
	    !dladdr1((void *)nc_dlopen_route, &info, (void **)&self, RTLD_DL_LINKMAP) || !self ||
	    namespace_of(l) != namespace_of(self)) {
		(void)dlerror();
		return;
	}
	struct nc_reloc_name names[NC_GUARDED];
	for (size_t i = 0; i < NC_GUARDED; i++) {
		names[i].name = guarded[i].name;
		names[i].shim = (uintptr_t)guarded[i].shim;
		names[i].deep = (uintptr_t)dlsym(h, guarded[i].name);
	}
	(void)dlerror(); /* a name the object's scope lacks is no error of the program's */
	nc_relocs_redirect((uintptr_t)l->l_ld, (unsigned long)added, names, NC_GUARDED);
}

/* Entered by a jump from the stub: the return address is the program's. */
static void *deep_dlopen(const char *file, int mode)
{
	void *caller = __builtin_return_address(0);
	dlopen_fn real = __atomic_load_n(&real_dlopen, __ATOMIC_ACQUIRE);
	int saved = errno;
	long m = nc_sys_mmap(0, NC_SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct scratch *s = nc_sys_failed(m) ? 0 : (struct scratch *)m;
	const char *name = file;
	if (s) {
		s->ser_space = (NC_SCRATCH - sizeof(*s)) / 2 & ~(size_t)15;
		name = as_caller(s, real, file, caller);
	}
	unsigned long long adds = nc_relocs_adds();
	errno = saved;
	void *h = real(name, mode);
	saved = errno;
	if (h)
		follow(h, adds);
	if (s)
		nc_sys_munmap(s, NC_SCRATCH);
	errno = saved;
	return h;
}

#endif
