/* relocs.c - the GOT and PLT slots of objects loaded with RTLD_DEEPBIND.
 *
 * Such an object looks its symbols up in its own dependencies first (libc
 * among them), so its mmap, syscall... slots hold libc's definitions, past the
 * preload. After the load the slots of the guarded names are rewritten to
 * hold the shim's, as a load without RTLD_DEEPBIND would have bound them. The
 * walk runs inside dl_iterate_phdr, which holds the loader's lock that dlclose
 * takes to unlink an object: no object can go away while it is read or
 * written, and two threads never rewrite the same page at once. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <sys/mman.h>

#include "relocs.h"
#include "sys.h"

#if defined(__x86_64__)
typedef Elf64_Rela nc_rel_t;
#define NC_DT_TABLE DT_RELA
#define NC_DT_TABLESZ DT_RELASZ
#define NC_R_SYM(i) ELF64_R_SYM(i)
#define NC_R_TYPE(i) ELF64_R_TYPE(i)
#define NC_R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define NC_R_GLOB_DAT R_X86_64_GLOB_DAT
#define NC_R_ABS R_X86_64_64
#elif defined(__aarch64__)
typedef Elf64_Rela nc_rel_t;
#define NC_DT_TABLE DT_RELA
#define NC_DT_TABLESZ DT_RELASZ
#define NC_R_SYM(i) ELF64_R_SYM(i)
#define NC_R_TYPE(i) ELF64_R_TYPE(i)
#define NC_R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define NC_R_GLOB_DAT R_AARCH64_GLOB_DAT
#define NC_R_ABS R_AARCH64_ABS64
#elif defined(__i386__)
typedef Elf32_Rel nc_rel_t;
#define NC_DT_TABLE DT_REL
#define NC_DT_TABLESZ DT_RELSZ
#define NC_R_SYM(i) ELF32_R_SYM(i)
#define NC_R_TYPE(i) ELF32_R_TYPE(i)
#define NC_R_JUMP_SLOT R_386_JMP_SLOT
#define NC_R_GLOB_DAT R_386_GLOB_DAT
#define NC_R_ABS R_386_32
#endif

/* The address ranges of the new objects, for "is this definition one of
 * theirs". Past this many, later objects' own definitions count as outside. */
#define NC_BATCH_MAX 32

struct walk {
	uintptr_t h_dyn;
	unsigned long added;
	int phase;             /* 1: find the new objects' ranges; 2: rewrite */
	int seen;              /* the loaded object was met */
	unsigned long taken;   /* new objects visited */
	unsigned long after;   /* objects met after it (phase 1) */
	size_t nr;
	uintptr_t lo[NC_BATCH_MAX], hi[NC_BATCH_MAX];
	const struct nc_reloc_name *names;
	size_t n;
};

static int in_batch(const struct walk *w, uintptr_t v)
{
	for (size_t i = 0; i < w->nr; i++)
		if (v >= w->lo[i] && v < w->hi[i])
			return 1;
	return 0;
}

static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* glibc stores the dynamic section's pointers relocated, musl as offsets. */
static uintptr_t at(uintptr_t base, uintptr_t v) { return v < base ? v + base : v; }

static void put(uintptr_t *slot, uintptr_t v, uintptr_t relro_lo, uintptr_t relro_hi)
{
	uintptr_t page = (uintptr_t)slot & ~(uintptr_t)(nc_page_size - 1);
	int ro = page >= relro_lo && page < relro_hi;
	if (ro && nc_sys(SYS_mprotect, page, nc_page_size, PROT_READ | PROT_WRITE) != 0)
		return;
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
	if (ro)
		nc_sys(SYS_mprotect, page, nc_page_size, PROT_READ);
}

static void rewrite_table(const struct walk *w, uintptr_t base, uintptr_t lo, uintptr_t hi, const nc_rel_t *r,
			  size_t size, const ElfW(Sym) *symtab, const char *strtab, size_t strsz,
			  uintptr_t relro_lo, uintptr_t relro_hi)
{
	for (size_t k = 0; k < size / sizeof(*r); k++) {
		unsigned type = (unsigned)NC_R_TYPE(r[k].r_info);
		if (type != NC_R_JUMP_SLOT && type != NC_R_GLOB_DAT && type != NC_R_ABS)
			continue;
		const ElfW(Sym) *s = &symtab[NC_R_SYM(r[k].r_info)];
		if (s->st_name >= strsz)
			continue;
		const char *name = strtab + s->st_name;
		for (size_t i = 0; i < w->n; i++) {
			if (!same_name(name, w->names[i].name))
				continue;
			uintptr_t *slot = (uintptr_t *)(base + r[k].r_offset);
			uintptr_t v = __atomic_load_n(slot, __ATOMIC_RELAXED), shim = w->names[i].shim;
			uintptr_t own = s->st_shndx != SHN_UNDEF ? base + s->st_value : 0;
			/* A lazy slot still points into its own object's PLT: it would
			 * resolve to what the object's scope gives. */
			if (type == NC_R_JUMP_SLOT && v >= lo && v < hi && v != own)
				v = w->names[i].deep;
			/* A pointer in data (a table of functions) is only taken for
			 * the function itself when it points at its very start. */
			if (type == NC_R_ABS ? v == w->names[i].deep && v && v != shim && !in_batch(w, v)
					     : v && v != shim && !in_batch(w, v))
				put(slot, shim, relro_lo, relro_hi);
			break;
		}
	}
}

static void rewrite(const struct walk *w, uintptr_t base, const ElfW(Dyn) *dyn, uintptr_t lo, uintptr_t hi,
		    uintptr_t relro_lo, uintptr_t relro_hi)
{
	const ElfW(Sym) *symtab = 0;
	const char *strtab = 0;
	size_t strsz = 0, pltsz = 0, tabsz = 0;
	const nc_rel_t *plt = 0, *tab = 0;
	int pltrel = NC_DT_TABLE;
	for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)at(base, d->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)at(base, d->d_un.d_ptr); break;
		case DT_STRSZ: strsz = d->d_un.d_val; break;
		case DT_JMPREL: plt = (const nc_rel_t *)at(base, d->d_un.d_ptr); break;
		case DT_PLTRELSZ: pltsz = d->d_un.d_val; break;
		case DT_PLTREL: pltrel = (int)d->d_un.d_val; break;
		case NC_DT_TABLE: tab = (const nc_rel_t *)at(base, d->d_un.d_ptr); break;
		case NC_DT_TABLESZ: tabsz = d->d_un.d_val; break;
		}
	}
	if (!symtab || !strtab)
		return;
	if (plt && pltrel == NC_DT_TABLE)
		rewrite_table(w, base, lo, hi, plt, pltsz, symtab, strtab, strsz, relro_lo, relro_hi);
	if (tab)
		rewrite_table(w, base, lo, hi, tab, tabsz, symtab, strtab, strsz, relro_lo, relro_hi);
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct walk *w = arg;
	const ElfW(Phdr) *dyn = 0, *relro = 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0, base = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		if (p->p_type == PT_DYNAMIC)
			dyn = p;
		else if (p->p_type == PT_GNU_RELRO)
			relro = p;
		else if (p->p_type == PT_LOAD) {
			if (base + p->p_vaddr < lo)
				lo = base + p->p_vaddr;
			if (base + p->p_vaddr + p->p_memsz > hi)
				hi = base + p->p_vaddr + p->p_memsz;
		}
	}
	if (!dyn || lo >= hi)
		return 0;
	if (!w->seen) {
		if (base + dyn->p_vaddr != w->h_dyn)
			return 0;
		w->seen = 1;
	} else if (w->phase == 1) {
		w->after++;
	}
	if (w->taken >= w->added)
		return w->phase == 2;
	w->taken++;
	if (w->phase == 1) {
		if (w->nr < NC_BATCH_MAX) {
			w->lo[w->nr] = lo;
			w->hi[w->nr] = hi;
			w->nr++;
		}
		return 0;
	}
	uintptr_t page = nc_page_size - 1;
	uintptr_t rlo = relro ? (base + relro->p_vaddr) & ~page : 0;
	uintptr_t rhi = relro ? (base + relro->p_vaddr + relro->p_memsz) & ~page : 0;
	rewrite(w, base, (const ElfW(Dyn) *)(base + dyn->p_vaddr), lo, hi, rlo, rhi);
	return 0;
}

void nc_relocs_redirect(uintptr_t h_dyn, unsigned long added, const struct nc_reloc_name *names, size_t n)
{
	struct walk w = {.h_dyn = h_dyn, .added = added, .phase = 1, .names = names, .n = n};
	dl_iterate_phdr(visit, &w);
	/* Not a new object (it was loaded before, and bound then), or others were
	 * loaded after it by another thread as well: only the new ones count. */
	if (!w.seen || !w.taken || w.after + 1 > added)
		return;
	w.phase = 2;
	w.seen = 0;
	w.taken = 0;
	dl_iterate_phdr(visit, &w);
}

static int count_adds(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (size >= offsetof(struct dl_phdr_info, dlpi_adds) + sizeof(info->dlpi_adds))
		*(unsigned long long *)arg = info->dlpi_adds;
	return 1;
}

unsigned long long nc_relocs_adds(void)
{
	unsigned long long adds = 0;
	dl_iterate_phdr(count_adds, &adds);
	return adds;
}
