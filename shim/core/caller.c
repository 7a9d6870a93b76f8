/* caller.c - caller attribution of caller.h. */
#include "caller.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fmt.h"
#include "lock.h"
#include "regions.h"
#include "sys.h"

/* ld.so relocates d_ptr entries in place on most targets, musl does not: a value
 * below the load bias must still be relative. */
static uintptr_t dyn_ptr(uintptr_t v, uintptr_t bias) { return v < bias ? v + bias : v; }

/* Number of dynamic symbols from a GNU hash table: one past the highest chain end. */
static size_t gnu_hash_count(long pid, uintptr_t h)
{
	uint32_t hdr[4];
	if (nc_mem_read_in(pid, h, hdr, sizeof(hdr)))
		return 0;
	uint32_t nbuckets = hdr[0], symoffset = hdr[1], bloom = hdr[2];
	uintptr_t buckets = h + 16 + (uintptr_t)bloom * sizeof(ElfW(Addr));
	uint32_t last = 0, b[64];
	for (uint32_t i = 0; i < nbuckets; i += 64) {
		uint32_t k = nbuckets - i < 64 ? nbuckets - i : 64;
		if (nc_mem_read_in(pid, buckets + i * 4, b, k * 4))
			return 0;
		for (uint32_t j = 0; j < k; j++)
			if (b[j] > last)
				last = b[j];
	}
	if (last < symoffset)
		return symoffset;
	uintptr_t chains = buckets + (uintptr_t)nbuckets * 4;
	for (uint32_t c;; last++) {
		if (nc_mem_read_in(pid, chains + (uintptr_t)(last - symoffset) * 4, &c, 4))
			return 0;
		if (c & 1)
			return last + 1;
	}
}

static void find_symbol(long pid, uintptr_t bias, uintptr_t dyn, struct nc_caller *out)
{
	uintptr_t symtab = 0, strtab = 0, strsz = 0, hash = 0, gnuhash = 0;
	ElfW(Dyn) d[16];
	for (int i = 0; i < 64 * 16; i += 16) { /* bounded: a real .dynamic is short */
		if (nc_mem_read_in(pid, dyn + i * sizeof(ElfW(Dyn)), d, sizeof(d)))
			return;
		int done = 0;
		for (int j = 0; j < 16 && !done; j++) {
			switch (d[j].d_tag) {
			case DT_NULL: done = 1; break;
			case DT_SYMTAB: symtab = dyn_ptr(d[j].d_un.d_ptr, bias); break;
			case DT_STRTAB: strtab = dyn_ptr(d[j].d_un.d_ptr, bias); break;
			case DT_STRSZ: strsz = d[j].d_un.d_val; break;
			case DT_HASH: hash = dyn_ptr(d[j].d_un.d_ptr, bias); break;
			case DT_GNU_HASH: gnuhash = dyn_ptr(d[j].d_un.d_ptr, bias); break;
			}
		}
		if (done)
			break;
	}
	if (!symtab || !strtab)
		return;
	size_t count = 0;
	uint32_t nchain[2];
	if (hash && !nc_mem_read_in(pid, hash, nchain, sizeof(nchain)))
		count = nchain[1];
	else if (gnuhash)
		count = gnu_hash_count(pid, gnuhash);
	uintptr_t want = out->pc - 1 - bias; /* pc is past the call instruction */
	uintptr_t best = 0;
	uint32_t best_name = 0;
	int have = 0;
	ElfW(Sym) sym[64];
	for (size_t i = 0; i < count; i += 64) {
		size_t k = count - i < 64 ? count - i : 64;
		if (nc_mem_read_in(pid, symtab + i * sizeof(ElfW(Sym)), sym, k * sizeof(ElfW(Sym))))
			return;
		for (size_t j = 0; j < k; j++) {
			unsigned type = ELF64_ST_TYPE(sym[j].st_info);
			if (sym[j].st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC))
				continue;
			uintptr_t v = sym[j].st_value;
			if (v <= want && want < v + (sym[j].st_size ? sym[j].st_size : 1) &&
			    (!have || v > best)) {
				best = v;
				best_name = sym[j].st_name;
				have = 1;
			}
		}
	}
	if (!have || (strsz && best_name >= strsz))
		return;
	size_t n = sizeof(out->symbol) - 1;
	if (strsz && strsz - best_name < n)
		n = strsz - best_name;
	/* Read the name in one go if possible, else byte by byte up to a fault. */
	if (nc_mem_read_in(pid, strtab + best_name, out->symbol, n)) {
		for (n = 0; n < sizeof(out->symbol) - 1; n++)
			if (nc_mem_read_in(pid, strtab + best_name + n, out->symbol + n, 1))
				break;
	}
	out->symbol[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (!out->symbol[i])
			break;
	out->sym_offset = out->pc - bias - best;
}

/* A module's file, for another process (the supervisor's): its ELF header,
 * checked to be of our class with section headers we can read. -1 if none.
 * The path is the one in that process's maps, so it is opened through its
 * root (/proc/PID/root: its mount namespace), without waiting (a FIFO there),
 * and only kept if it is the very file mapped (a regular file, the mapping's
 * device and inode). */
static long open_elf(long pid, const struct nc_vma *m, ElfW(Ehdr) *eh)
{
	if (m->name[0] != '/' || m->deleted || m->name_truncated)
		return -1;
	char path[NC_VMA_NAME_MAX + 32];
	struct nc_buf b = NC_BUF_INIT(path);
	nc_buf_str(&b, "/proc/");
	nc_buf_i(&b, pid);
	nc_buf_str(&b, "/root");
	nc_buf_str(&b, m->name);
	if (b.truncated || b.len >= sizeof(path))
		return -1;
	path[b.len] = 0;
	long fd = nc_sys_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	if (nc_sys(SYS_fstat, fd, &st, 0) != 0 || !S_ISREG(st.st_mode) || st.st_ino != m->inode ||
	    major(st.st_dev) != m->dev_major || minor(st.st_dev) != m->dev_minor ||
	    nc_sys_pread((int)fd, eh, sizeof(*eh), 0) != (long)sizeof(*eh) || eh->e_ident[0] != 0x7f ||
	    eh->e_ident[1] != 'E' || eh->e_ident[4] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shnum > 4096) {
		nc_sys_close((int)fd);
		return -1;
	}
	return fd;
}

/* The first section header that want() accepts, into *out: 1, or 0. Read in
 * chunks of 16 with pread. */
static int find_section(long fd, const ElfW(Ehdr) *eh, int (*want)(long fd, const ElfW(Ehdr) *eh, const ElfW(Shdr) *sh),
			ElfW(Shdr) *out)
{
	ElfW(Shdr) sh[16];
	for (unsigned i = 0; i < eh->e_shnum; i += 16) {
		unsigned k = eh->e_shnum - i < 16 ? eh->e_shnum - i : 16;
		if (nc_sys_pread((int)fd, sh, k * sizeof(sh[0]), (long long)(eh->e_shoff + i * sizeof(sh[0]))) !=
		    (long)(k * sizeof(sh[0])))
			return 0;
		for (unsigned j = 0; j < k; j++)
			if (want(fd, eh, &sh[j])) {
				*out = sh[j];
				return 1;
			}
	}
	return 0;
}

static int is_symtab(long fd, const ElfW(Ehdr) *eh, const ElfW(Shdr) *sh)
{
	(void)fd, (void)eh;
	return sh->sh_type == SHT_SYMTAB && sh->sh_entsize == sizeof(ElfW(Sym));
}

static int is_eh_frame(long fd, const ElfW(Ehdr) *eh, const ElfW(Shdr) *sh)
{
	static const char want[] = ".eh_frame";
	ElfW(Shdr) names;
	char got[sizeof(want)];
	return sh->sh_type == SHT_PROGBITS && sh->sh_addr && eh->e_shstrndx < eh->e_shnum &&
	       nc_sys_pread((int)fd, &names, sizeof(names), (long long)(eh->e_shoff + eh->e_shstrndx * sizeof(names))) ==
		       (long)sizeof(names) &&
	       sh->sh_name < names.sh_size &&
	       nc_sys_pread((int)fd, got, sizeof(got), (long long)(names.sh_offset + sh->sh_name)) == (long)sizeof(got) &&
	       !__builtin_memcmp(got, want, sizeof(want));
}

int nc_module_eh_frame(long pid, const struct nc_vma *m, uintptr_t bias, uintptr_t *at, uintptr_t *size)
{
	ElfW(Ehdr) eh;
	ElfW(Shdr) sh;
	long fd = open_elf(pid, m, &eh);
	if (fd < 0)
		return 0;
	int found = find_section(fd, &eh, is_eh_frame, &sh);
	nc_sys_close((int)fd);
	if (!found)
		return 0;
	*at = bias + sh.sh_addr;
	*size = sh.sh_size;
	return 1;
}

/* For another process (the supervisor's): the symbol from the module's file,
 * its .symtab, where it has no dynamic one (a static program). The file is
 * read with pread in bounded chunks, as the dynamic table is read from memory. */
static void file_symbol(long pid, uintptr_t bias, struct nc_caller *out)
{
	ElfW(Ehdr) eh;
	ElfW(Shdr) symtab, str;
	long fd = open_elf(pid, &out->module, &eh);
	if (fd < 0)
		return;
	if (!find_section(fd, &eh, is_symtab, &symtab) || symtab.sh_link >= eh.e_shnum ||
	    nc_sys_pread((int)fd, &str, sizeof(str), (long long)(eh.e_shoff + symtab.sh_link * sizeof(str))) !=
		    (long)sizeof(str))
		goto out;
	ElfW(Off) symoff = symtab.sh_offset, stroff = str.sh_offset;
	ElfW(Xword) symsize = symtab.sh_size, strsize = str.sh_size;
	uintptr_t want = out->pc - 1 - bias, best = 0;
	uint32_t best_name = 0;
	int have = 0;
	ElfW(Sym) sym[64];
	size_t count = symsize / sizeof(ElfW(Sym));
	for (size_t i = 0; i < count; i += 64) {
		size_t k = count - i < 64 ? count - i : 64;
		if (nc_sys_pread((int)fd, sym, k * sizeof(sym[0]), (long long)(symoff + i * sizeof(sym[0]))) !=
		    (long)(k * sizeof(sym[0])))
			goto out;
		for (size_t j = 0; j < k; j++) {
			unsigned type = ELF64_ST_TYPE(sym[j].st_info);
			uintptr_t v = sym[j].st_value;
			if (sym[j].st_shndx != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC) && v <= want &&
			    want < v + (sym[j].st_size ? sym[j].st_size : 1) && (!have || v > best)) {
				best = v;
				best_name = sym[j].st_name;
				have = 1;
			}
		}
	}
	if (!have || best_name >= strsize)
		goto out;
	size_t n = sizeof(out->symbol) - 1;
	if (strsize - best_name < n)
		n = strsize - best_name;
	long got = nc_sys_pread((int)fd, out->symbol, n, (long long)(stroff + best_name));
	out->symbol[got > 0 ? (size_t)got : 0] = 0;
	out->sym_offset = out->pc - bias - best;
out:
	nc_sys_close((int)fd);
}

/* The ELF work for a pc, remembered: a program that clobbers once often
 * clobbers again from the same place, and a flood of attempts must stay cheap.
 * An entry is valid while the same file is mapped at the same place. */
struct cached {
	uintptr_t pc, vma_start;
	uint64_t inode, vma_offset;
	uintptr_t offset, sym_offset;
	int offset_is_file;
	char symbol[128];
};
static struct cached cache[32]; /* a stack=16 line names 16 pcs */
static unsigned cache_next;
static nc_lock_t cache_lock;

void nc_caller_after_fork_child(void) { nc_lock_reset(&cache_lock); }

static int from_cache(struct nc_caller *out)
{
	int hit = 0;
	nc_lock(&cache_lock);
	for (unsigned i = 0; i < sizeof(cache) / sizeof(cache[0]) && !hit; i++) {
		const struct cached *c = &cache[i];
		if (c->pc == out->pc && c->vma_start == out->module.start && c->inode == out->module.inode &&
		    c->vma_offset == out->module.offset) {
			out->offset = c->offset;
			out->offset_is_file = c->offset_is_file;
			out->sym_offset = c->sym_offset;
			__builtin_memcpy(out->symbol, c->symbol, sizeof(out->symbol));
			hit = 1;
		}
	}
	nc_unlock(&cache_lock);
	return hit;
}

static void to_cache(const struct nc_caller *out)
{
	nc_lock(&cache_lock);
	struct cached *c = &cache[cache_next++ % (sizeof(cache) / sizeof(cache[0]))];
	c->pc = out->pc;
	c->vma_start = out->module.start;
	c->inode = out->module.inode;
	c->vma_offset = out->module.offset;
	c->offset = out->offset;
	c->offset_is_file = out->offset_is_file;
	c->sym_offset = out->sym_offset;
	__builtin_memcpy(c->symbol, out->symbol, sizeof(c->symbol));
	nc_unlock(&cache_lock);
}

static void describe_module(long pid, struct nc_caller *out);

void nc_caller_describe(struct nc_vmas *s, uintptr_t pc, struct nc_caller *out)
{
	out->pc = pc;
	out->found = 0;
	out->offset = 0;
	out->offset_is_file = 1;
	out->symbol[0] = 0;
	out->sym_offset = 0;
	if (nc_vmas_find(s, pc, 0, &out->module) != 1)
		return;
	out->found = 1;
	out->offset = pc - out->module.start + (uintptr_t)out->module.offset;
	/* In a sandbox, the module's ELF tables are not read (process_vm_readv may
	 * be forbidden): module and file offset only. */
	if (!out->module.inode || out->module.offset > out->module.start || nc_sandboxed)
		return;
	long pid = nc_vmas_target_pid(s);
	if (pid) { /* another process's modules: not cached (its pid may be reused) */
		describe_module(pid, out);
		return;
	}
	if (from_cache(out))
		return;
	describe_module(0, out);
	to_cache(out);
}

/* The program's own load bias and dynamic section, from its program headers
 * as the auxiliary vector gives them, if pc is in one of its segments. Asked
 * first: qemu-user loads the program itself and its maps gives the program's
 * segments no true file offsets, so start - offset may even find the ELF
 * header mapped a second time, at the wrong place. */
static __attribute__((noinline)) int program_bias(uintptr_t pc, struct nc_module_layout *l)
{
	uintptr_t at = getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM);
	ElfW(Phdr) phs[16]; /* 896 bytes on 64 bits: the shim's stack budget */
	unsigned n = phnum < 16 ? (unsigned)phnum : 16;
	if (!at || !n || nc_mem_read(at, phs, n * sizeof(phs[0])))
		return 0;
	int have = 0, inside = 0;
	for (unsigned i = 0; i < n; i++)
		if (phs[i].p_type == PT_PHDR) {
			l->bias = at - phs[i].p_vaddr;
			have = 1;
		}
	l->dyn = l->eh_frame_hdr = 0;
	for (unsigned i = 0; have && i < n; i++) {
		uintptr_t v = l->bias + phs[i].p_vaddr;
		inside |= phs[i].p_type == PT_LOAD && pc >= v && pc - v < phs[i].p_memsz;
		if (phs[i].p_type == PT_DYNAMIC)
			l->dyn = phs[i].p_vaddr;
		if (phs[i].p_type == PT_GNU_EH_FRAME)
			l->eh_frame_hdr = phs[i].p_vaddr;
	}
	return have && inside;
}

/* Load bias and dynamic section from the ELF header at base, where the file's
 * offset 0 is mapped: for the text segment of anything ld.so loaded, that is
 * the mapping's start - offset. */
static __attribute__((noinline)) int header_bias(long pid, uintptr_t base, struct nc_module_layout *l)
{
	ElfW(Ehdr) eh;
	if (nc_mem_read_in(pid, base, &eh, sizeof(eh)) || eh.e_ident[0] != 0x7f || eh.e_ident[1] != 'E' ||
	    eh.e_ident[2] != 'L' || eh.e_ident[3] != 'F' || eh.e_phentsize != sizeof(ElfW(Phdr)))
		return 0;
	uintptr_t first_load = 0;
	int have_load = 0;
	ElfW(Phdr) phs[32]; /* one read for all of them */
	unsigned phnum = eh.e_phnum < 32 ? eh.e_phnum : 32;
	if (nc_mem_read_in(pid, base + eh.e_phoff, phs, phnum * sizeof(phs[0])))
		return 0;
	l->dyn = l->eh_frame_hdr = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const ElfW(Phdr) ph = phs[i];
		if (ph.p_type == PT_LOAD && !have_load) {
			first_load = (ph.p_vaddr - ph.p_offset) & ~(uintptr_t)(nc_page_size - 1);
			have_load = 1;
		}
		if (ph.p_type == PT_DYNAMIC)
			l->dyn = ph.p_vaddr;
		if (ph.p_type == PT_GNU_EH_FRAME)
			l->eh_frame_hdr = ph.p_vaddr;
	}
	l->bias = base - first_load;
	return have_load;
}

/* pid 0: ourselves; another process's own program is found by its ELF
 * header like any module (its auxiliary vector is not ours). */
static int module_layout(long pid, uintptr_t pc, const struct nc_vma *m, struct nc_module_layout *l)
{
	if (m->offset > m->start)
		return 0;
	if (!(!pid && program_bias(pc, l)) && !header_bias(pid, m->start - (uintptr_t)m->offset, l))
		return 0;
	l->dyn += l->dyn ? l->bias : 0;
	l->eh_frame_hdr += l->eh_frame_hdr ? l->bias : 0;
	return 1;
}

int nc_module_layout(long pid, uintptr_t pc, const struct nc_vma *m, struct nc_module_layout *l)
{
	return module_layout(pid, pc, m, l);
}

/* The load bias (the program's own first), then the symbol from the dynamic table. */
static void describe_module(long pid, struct nc_caller *out)
{
	struct nc_module_layout l;
	if (!module_layout(pid, out->pc, &out->module, &l))
		return;
	out->offset = out->pc - l.bias;
	out->offset_is_file = 0;
	if (l.dyn)
		find_symbol(pid, l.bias, l.dyn, out);
	if (pid && !out->symbol[0])
		file_symbol(pid, l.bias, out);
}
