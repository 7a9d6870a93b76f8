/* unwind.c - the walk of unwind.h: .eh_frame_hdr lookup, a CFI interpreter,
 * signal frames. */
#define _GNU_SOURCE /* REG_* of ucontext_t */
#include "unwind.h"

#include <stddef.h>
#include <ucontext.h>

#include "caller.h"
#include "maps.h"
#include "sys.h"
#include "vmas.h"

#if NC_UNW_REGS

/* nc_unwind_capture(ctx): the callee-saved registers, the stack pointer as the
 * caller has it once this returns, and the return address as the pc. */
#define CAPTURE_BEGIN                                                                                  \
	".text\n.globl nc_unwind_capture\n.hidden nc_unwind_capture\n"                                  \
	".type nc_unwind_capture,%function\nnc_unwind_capture:\n.cfi_startproc\n"
#define CAPTURE_END ".cfi_endproc\n.size nc_unwind_capture, .-nc_unwind_capture\n"
#if defined(__x86_64__)
__asm__(CAPTURE_BEGIN
	"	movq %rbx, 24(%rdi)\n"
	"	movq %rbp, 48(%rdi)\n"
	"	movq %r12, 96(%rdi)\n"
	"	movq %r13, 104(%rdi)\n"
	"	movq %r14, 112(%rdi)\n"
	"	movq %r15, 120(%rdi)\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, 56(%rdi)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, 128(%rdi)\n"
	"	ret\n"
	CAPTURE_END);
#elif defined(__aarch64__)
__asm__(CAPTURE_BEGIN
	"	stp x19, x20, [x0, #152]\n"
	"	stp x21, x22, [x0, #168]\n"
	"	stp x23, x24, [x0, #184]\n"
	"	stp x25, x26, [x0, #200]\n"
	"	stp x27, x28, [x0, #216]\n"
	"	stp x29, x30, [x0, #232]\n"
	"	mov x9, sp\n"
	"	str x9, [x0, #248]\n"
	"	str x30, [x0, #256]\n"
	"	ret\n"
	CAPTURE_END);
#elif defined(__i386__)
__asm__(CAPTURE_BEGIN
	"	movl 4(%esp), %eax\n"
	"	movl %ebx, 12(%eax)\n"
	"	movl %ebp, 20(%eax)\n"
	"	movl %esi, 24(%eax)\n"
	"	movl %edi, 28(%eax)\n"
	"	leal 4(%esp), %ecx\n"
	"	movl %ecx, 16(%eax)\n"
	"	movl (%esp), %ecx\n"
	"	movl %ecx, 32(%eax)\n"
	"	ret\n"
	CAPTURE_END);
#endif

/* The offsets the asm above writes to. */
_Static_assert(offsetof(struct nc_unwind_ctx, r) == 0, "ctx layout");

/* Reads, through a few 256-byte blocks: a walk reads the same stack slots and
 * unwind tables again and again, and each nc_mem_read is a system call. */
#define BLK 256
#define NBLK 4
#define NMOD 8

struct mod {
	uintptr_t lo, hi;     /* the executable mapping */
	uintptr_t hdr;        /* .eh_frame_hdr, 0 if none */
	uintptr_t eh, eh_end; /* else .eh_frame, searched record by record (another process's) */
};

struct walk {
	struct nc_vmas *s;
	struct {
		uintptr_t base;
		int ok;
		unsigned char d[BLK];
	} b[NBLK];
	unsigned next_blk, nmod;
	struct mod mod[NMOD];
	long scan_left; /* .eh_frame records scan_fde may still read in this walk */
	struct {
		uintptr_t begin, range, fde;
	} scanned[4]; /* what scan_fde found in this walk: a recursion's frames share one */
	unsigned nscanned;
};

/* From the process the walk is about: this one, or the supervisor's target. */
static int mem(struct walk *w, uintptr_t a, void *out, size_t n)
{
	return nc_mem_read_in(nc_vmas_target_pid(w->s), a, out, n);
}

static int rd(struct walk *w, uintptr_t a, void *out, size_t n)
{
	uintptr_t base = a & ~(uintptr_t)(BLK - 1);
	if (a + n < a)
		return -1;
	if (a + n - base <= BLK) {
		for (int i = 0; i < NBLK; i++)
			if (w->b[i].ok && w->b[i].base == base) {
				__builtin_memcpy(out, w->b[i].d + (a - base), n);
				return 0;
			}
		unsigned k = w->next_blk++ % NBLK;
		w->b[k].ok = mem(w, base, w->b[k].d, BLK) == 0;
		w->b[k].base = base;
		if (w->b[k].ok) {
			__builtin_memcpy(out, w->b[k].d + (a - base), n);
			return 0;
		}
	}
	return mem(w, a, out, n) ? -1 : 0;
}

static int rd_word(struct walk *w, uintptr_t a, uintptr_t *v) { return rd(w, a, v, sizeof(*v)); }

/* The executable mapping holding pc and its unwind table; NULL if pc is not in
 * executable memory. A module without .eh_frame_hdr (a JIT's code) has hdr 0. */
static const struct mod *module_of(struct walk *w, uintptr_t pc)
{
	for (unsigned i = 0; i < w->nmod; i++)
		if (w->mod[i].lo <= pc && pc < w->mod[i].hi)
			return &w->mod[i];
	struct nc_vma v;
	if (nc_vmas_find(w->s, pc, 0, &v) != 1 || !(v.perms & NC_PERM_X))
		return 0;
	struct mod *m = &w->mod[w->nmod < NMOD ? w->nmod++ : NMOD - 1];
	m->lo = v.start;
	m->hi = v.end;
	struct nc_module_layout l;
	int laid = nc_module_layout(nc_vmas_target_pid(w->s), pc, &v, &l);
	m->hdr = laid ? l.eh_frame_hdr : 0;
	m->eh = m->eh_end = 0;
	uintptr_t size;
	/* gcc -static links without .eh_frame_hdr: the supervisor, which may
	 * open files, finds .eh_frame by the file's section headers. */
	if (laid && !m->hdr && w->s->target && nc_module_eh_frame(nc_vmas_target_pid(w->s), &v, l.bias, &m->eh, &size))
		m->eh_end = m->eh + size;
	return m;
}

/* DWARF's variable-length numbers and encoded pointers, from a buffer that
 * holds memory read from at. */
struct cur {
	const unsigned char *p, *end;
	uintptr_t at; /* the address of p[0] in memory */
	int bad;
};

static uintptr_t uleb(struct cur *c)
{
	uintptr_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		unsigned char b = *c->p++;
		c->at++;
		if (shift < sizeof(v) * 8)
			v |= (uintptr_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

static intptr_t sleb(struct cur *c)
{
	uintptr_t v = 0;
	unsigned shift = 0;
	unsigned char b;
	do {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		b = *c->p++;
		c->at++;
		if (shift < sizeof(v) * 8)
			v |= (uintptr_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < sizeof(v) * 8 && (b & 0x40))
		v |= ~(uintptr_t)0 << shift;
	return (intptr_t)v;
}

static uint64_t fixed(struct cur *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i); /* every target here is little-endian */
	c->p += n;
	c->at += n;
	return v;
}

enum { PE_OMIT = 0xff };

/* An encoded pointer (DW_EH_PE_*): absolute or pc-relative, as linkers write
 * them in .eh_frame; datarel is relative to base (the .eh_frame_hdr). */
static uintptr_t enc_ptr(struct cur *c, unsigned char enc, uintptr_t datarel)
{
	uintptr_t field = c->at, v;
	if (enc == PE_OMIT)
		return 0;
	switch (enc & 0x0f) {
	case 0x00: v = (uintptr_t)fixed(c, sizeof(uintptr_t)); break;
	case 0x01: v = uleb(c); break;
	case 0x02: v = (uintptr_t)fixed(c, 2); break;
	case 0x03: v = (uintptr_t)fixed(c, 4); break;
	case 0x04: v = (uintptr_t)fixed(c, 8); break;
	case 0x09: v = (uintptr_t)sleb(c); break;
	case 0x0a: v = (uintptr_t)(intptr_t)(int16_t)fixed(c, 2); break;
	case 0x0b: v = (uintptr_t)(intptr_t)(int32_t)fixed(c, 4); break;
	case 0x0c: v = (uintptr_t)(int64_t)fixed(c, 8); break;
	default: c->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += field; break;
	case 0x30: v += datarel; break;
	default: c->bad = 1; return 0;
	}
	if (enc & 0x80) /* indirect: not in .eh_frame's pc fields */
		c->bad = 1;
	return v;
}

/* The FDE covering target in the module's .eh_frame_hdr search table: its
 * address, or 0. Linkers write the table as datarel sdata4 pairs, sorted. */
static uintptr_t find_fde(struct walk *w, uintptr_t hdr, uintptr_t target)
{
	unsigned char h[4 + 2 * sizeof(uintptr_t)];
	if (rd(w, hdr, h, sizeof(h)) || h[0] != 1 || h[3] != 0x3b)
		return 0;
	struct cur c = {h + 4, h + sizeof(h), hdr + 4, 0};
	enc_ptr(&c, h[1], hdr);
	uintptr_t count = enc_ptr(&c, h[2], hdr);
	if (c.bad || !count)
		return 0;
	uintptr_t table = c.at;
	uintptr_t lo = 0, hi = count; /* the answer is in [lo, hi) */
	int32_t e[2];
	while (hi - lo > 1) { /* at most 64 rounds */
		uintptr_t mid = lo + (hi - lo) / 2;
		if (rd(w, table + mid * 8, e, 4))
			return 0;
		if (hdr + (uintptr_t)(intptr_t)e[0] <= target)
			lo = mid;
		else
			hi = mid;
	}
	if (rd(w, table + lo * 8, e, 8) || hdr + (uintptr_t)(intptr_t)e[0] > target)
		return 0;
	return hdr + (uintptr_t)(intptr_t)e[1];
}

/* Where the FDE of a pc was found, remembered across walks (a program that
 * clobbers again from the same place, a flood, skips the search). An entry is
 * only a guess: the record there is read and must cover the pc, so a stale or
 * torn entry (another thread writing it) costs a search, never a wrong frame. */
#define FDE_MEMO 256
static struct {
	uintptr_t pc, fde;
} fde_memo[FDE_MEMO];

static unsigned memo_slot(uintptr_t pc) { return (unsigned)((pc ^ (pc >> 9)) % FDE_MEMO); }

static uintptr_t memo_get(uintptr_t pc)
{
	unsigned i = memo_slot(pc);
	uintptr_t fde = __atomic_load_n(&fde_memo[i].fde, __ATOMIC_RELAXED);
	return __atomic_load_n(&fde_memo[i].pc, __ATOMIC_RELAXED) == pc ? fde : 0;
}

static void memo_put(uintptr_t pc, uintptr_t fde)
{
	unsigned i = memo_slot(pc);
	__atomic_store_n(&fde_memo[i].pc, pc, __ATOMIC_RELAXED);
	__atomic_store_n(&fde_memo[i].fde, fde, __ATOMIC_RELAXED);
}

/* The rules of one row of the CFI table. */
enum { R_SAME, R_UNDEF, R_OFFSET, R_VAL_OFFSET, R_REG, R_EXPR };
struct row {
	unsigned char how[NC_UNW_REGS];
	intptr_t arg[NC_UNW_REGS];
	unsigned cfa_reg;
	intptr_t cfa_off;
	int cfa_expr;
};

struct cie {
	uintptr_t code_align;
	intptr_t data_align;
	unsigned ra;
	unsigned char fde_enc;
	int signal, has_z;
	struct cur init; /* the initial instructions */
};

#define ENTRY_MAX 1024 /* a CIE or FDE read whole; a longer one ends the walk */

/* One CIE or FDE record at a, into buf: the cursor after its id field. */
static int record(struct walk *w, uintptr_t a, unsigned char *buf, struct cur *c, uint32_t *id)
{
	uint32_t len;
	if (rd(w, a, &len, 4) || len == 0 || len == 0xffffffffu || len > ENTRY_MAX - 4)
		return -1;
	if (rd(w, a + 4, buf, len))
		return -1;
	c->p = buf;
	c->end = buf + len;
	c->at = a + 4;
	c->bad = 0;
	*id = (uint32_t)fixed(c, 4);
	return c->bad ? -1 : 0;
}

static int parse_cie(struct walk *w, uintptr_t a, unsigned char *buf, struct cie *ci)
{
	struct cur c;
	uint32_t id;
	if (record(w, a, buf, &c, &id) || id != 0)
		return -1;
	unsigned version = (unsigned)fixed(&c, 1);
	const unsigned char *aug = c.p;
	while (c.p < c.end && *c.p) {
		c.p++;
		c.at++;
	}
	fixed(&c, 1);
	if (version != 1 && version != 3 && version != 4)
		return -1;
	if (version == 4) {
		fixed(&c, 2); /* address and segment sizes */
	}
	ci->code_align = uleb(&c);
	ci->data_align = sleb(&c);
	ci->ra = version == 1 ? (unsigned)fixed(&c, 1) : (unsigned)uleb(&c);
	ci->fde_enc = 0;
	ci->signal = 0;
	ci->has_z = aug[0] == 'z';
	if (ci->has_z) {
		uintptr_t n = uleb(&c);
		const unsigned char *data_end = c.p + n;
		if (c.bad || n > (uintptr_t)(c.end - c.p))
			return -1;
		for (const unsigned char *s = aug + 1; *s && !c.bad; s++) {
			if (*s == 'R') {
				ci->fde_enc = (unsigned char)fixed(&c, 1);
			} else if (*s == 'P') {
				unsigned char e = (unsigned char)fixed(&c, 1);
				enc_ptr(&c, (unsigned char)(e & 0x7f), 0);
			} else if (*s == 'L') {
				fixed(&c, 1);
			} else if (*s == 'S') {
				ci->signal = 1;
			} else {
				break; /* the rest is skipped by its length */
			}
		}
		c.at += (uintptr_t)(data_end - c.p);
		c.p = data_end;
	} else if (aug[0]) {
		return -1; /* an augmentation we cannot skip */
	}
	ci->init = c;
	return c.bad || ci->ra >= NC_UNW_REGS + 1 ? -1 : 0;
}

/* Run CFI instructions from c until the row for target (loc past it). */
static int run_cfi(const struct cie *ci, struct cur c, uintptr_t loc, uintptr_t target, struct row *r,
		   const struct row *initial, int *budget)
{
	struct row saved[4];
	unsigned depth = 0;
	while (c.p < c.end && !c.bad) {
		if (--*budget < 0)
			return -1;
		unsigned char op = (unsigned char)fixed(&c, 1);
		uintptr_t reg = op & 0x3f, off;
		intptr_t soff;
		switch (op & 0xc0) {
		case 0x40:
			loc += reg * ci->code_align;
			if (loc > target)
				return 0;
			continue;
		case 0x80:
			off = uleb(&c);
			if (reg < NC_UNW_REGS) {
				r->how[reg] = R_OFFSET;
				r->arg[reg] = (intptr_t)off * ci->data_align;
			}
			continue;
		case 0xc0:
			if (reg < NC_UNW_REGS && initial) {
				r->how[reg] = initial->how[reg];
				r->arg[reg] = initial->arg[reg];
			}
			continue;
		}
		switch (op) {
		case 0x00: break; /* nop */
		case 0x01: /* set_loc */
			loc = enc_ptr(&c, ci->fde_enc, 0);
			if (loc > target)
				return 0;
			break;
		case 0x02: case 0x03: case 0x04: /* advance_loc1, 2, 4 */
			loc += (uintptr_t)fixed(&c, op == 0x02 ? 1 : op == 0x03 ? 2 : 4) * ci->code_align;
			if (loc > target)
				return 0;
			break;
		case 0x05: case 0x11: case 0x14: case 0x15: case 0x2f:
			/* offset_extended, _sf, val_offset, _sf, GNU_negative_offset_extended */
			reg = uleb(&c);
			if (op == 0x11 || op == 0x15)
				soff = sleb(&c) * ci->data_align;
			else if (op == 0x2f)
				soff = -(intptr_t)uleb(&c) * ci->data_align;
			else
				soff = (intptr_t)uleb(&c) * ci->data_align;
			if (reg < NC_UNW_REGS) {
				r->how[reg] = op == 0x14 || op == 0x15 ? R_VAL_OFFSET : R_OFFSET;
				r->arg[reg] = soff;
			}
			break;
		case 0x06: case 0x07: case 0x08: /* restore_extended, undefined, same_value */
			reg = uleb(&c);
			if (reg < NC_UNW_REGS) {
				r->how[reg] = op == 0x07 ? R_UNDEF : op == 0x08 || !initial ? R_SAME : initial->how[reg];
				r->arg[reg] = op == 0x06 && initial ? initial->arg[reg] : 0;
			}
			break;
		case 0x09: /* register */
			reg = uleb(&c);
			off = uleb(&c);
			if (reg < NC_UNW_REGS) {
				r->how[reg] = off < NC_UNW_REGS ? R_REG : R_UNDEF;
				r->arg[reg] = (intptr_t)off;
			}
			break;
		case 0x0a: /* remember_state */
			if (depth >= sizeof(saved) / sizeof(saved[0]))
				return -1;
			saved[depth++] = *r;
			break;
		case 0x0b: /* restore_state, the CFA rule with the rest (gcc's epilogues rely on it) */
			if (!depth)
				return -1;
			*r = saved[--depth];
			break;
		case 0x0c: case 0x12: /* def_cfa, def_cfa_sf */
			r->cfa_reg = (unsigned)uleb(&c);
			r->cfa_off = op == 0x0c ? (intptr_t)uleb(&c) : sleb(&c) * ci->data_align;
			r->cfa_expr = 0;
			break;
		case 0x0d: /* def_cfa_register */
			r->cfa_reg = (unsigned)uleb(&c);
			r->cfa_expr = 0;
			break;
		case 0x0e: case 0x13: /* def_cfa_offset, _sf */
			r->cfa_off = op == 0x0e ? (intptr_t)uleb(&c) : sleb(&c) * ci->data_align;
			break;
		case 0x0f: /* def_cfa_expression: not evaluated, the walk ends here */
			off = uleb(&c);
			c.p += off <= (uintptr_t)(c.end - c.p) ? off : 0;
			r->cfa_expr = 1;
			break;
		case 0x10: case 0x16: /* expression, val_expression */
			reg = uleb(&c);
			off = uleb(&c);
			if (off > (uintptr_t)(c.end - c.p))
				return -1;
			c.p += off;
			c.at += off;
			if (reg < NC_UNW_REGS)
				r->how[reg] = R_EXPR;
			break;
		case 0x2e: /* GNU_args_size */
			uleb(&c);
			break;
		case 0x2d: /* AArch64 negate_ra_state: the pointer's signature is masked off below */
			break;
		default:
			return -1;
		}
	}
	return c.bad ? -1 : 0;
}

/* The FDE covering target, from the records of .eh_frame in order: its
 * address, or 0. For another process's module without .eh_frame_hdr (see
 * module_of): read through a 4 KiB window, and at most SCAN_RECORDS records in
 * one walk, all frames together: a huge or hostile .eh_frame ends the walk,
 * it cannot hold the supervisor (and every notified call) for long. Its
 * buffers are its own: not inlined into step(), whose frame must stay small
 * on the shim's paths (where this is never called). */
#define SCAN_RECORDS 200000
#define SCAN_WINDOW 4096
static __attribute__((noinline)) uintptr_t scan_fde(struct walk *w, const struct mod *m, uintptr_t target)
{
	for (unsigned i = 0; i < w->nscanned && i < 4; i++)
		if (target - w->scanned[i].begin < w->scanned[i].range)
			return w->scanned[i].fde;
	unsigned char win[SCAN_WINDOW], cbuf[ENTRY_MAX];
	uintptr_t win_at = 0, win_len = 0, cie_at = 0;
	struct cie ci;
	for (uintptr_t a = m->eh; a + 8 <= m->eh_end && w->scan_left > 0; w->scan_left--) {
		/* A record's head: length, CIE id (0) or the distance back to the
		 * FDE's CIE, then pc_begin and pc_range (at most 8 bytes each). */
		size_t want = m->eh_end - a < 32 ? m->eh_end - a : 32;
		if (a < win_at || a + want > win_at + win_len) {
			win_len = m->eh_end - a < SCAN_WINDOW ? m->eh_end - a : SCAN_WINDOW;
			win_at = a;
			if (mem(w, win_at, win, win_len))
				return 0;
		}
		const unsigned char *h = win + (a - win_at);
		uint32_t len, id;
		__builtin_memcpy(&len, h, 4);
		__builtin_memcpy(&id, h + 4, 4);
		if (len == 0 || len == 0xffffffffu)
			return 0;
		if (id) {
			uintptr_t cie = a + 4 - id;
			if (cie != cie_at && parse_cie(w, cie, cbuf, &ci))
				return 0;
			cie_at = cie;
			struct cur c = {h + 8, h + want, a + 8, 0};
			uintptr_t begin = enc_ptr(&c, ci.fde_enc, 0);
			uintptr_t range = enc_ptr(&c, (unsigned char)(ci.fde_enc & 0x0f), 0);
			if (!c.bad && target >= begin && target - begin < range) {
				unsigned k = w->nscanned++ % 4;
				w->scanned[k].begin = begin;
				w->scanned[k].range = range;
				w->scanned[k].fde = a;
				return a;
			}
		}
		a += 4 + (uintptr_t)len;
	}
	return 0;
}

/* The signal return trampolines the kernel's frames return to (glibc's and
 * musl's restorers, the aarch64 vdso's): the pc's code bytes say it. */
static int sigreturn_frame(struct walk *w, uintptr_t *r)
{
	uintptr_t pc = r[NC_UNW_PC], sp = r[NC_UNW_SP], g;
#if defined(__x86_64__)
	static const unsigned char tramp[9] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
	unsigned char code[9];
	if (rd(w, pc, code, 9) || __builtin_memcmp(code, tramp, 9))
		return 0;
	static const unsigned char map[NC_UNW_REGS] = {REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI,
						       REG_RBP, REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11,
						       REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};
	g = sp + offsetof(ucontext_t, uc_mcontext.gregs);
	for (int i = 0; i < NC_UNW_REGS; i++)
		if (rd_word(w, g + map[i] * sizeof(greg_t), &r[i]))
			return -1;
#elif defined(__i386__)
	static const unsigned char rt[7] = {0xb8, 0xad, 0x00, 0x00, 0x00, 0xcd, 0x80};
	static const unsigned char old[8] = {0x58, 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcd, 0x80};
	unsigned char code[8];
	if (rd(w, pc, code, 8))
		return 0;
	if (!__builtin_memcmp(code, rt, 7)) {
		uintptr_t uc;
		if (rd_word(w, sp + 8, &uc))
			return -1;
		g = uc + offsetof(ucontext_t, uc_mcontext.gregs);
	} else if (!__builtin_memcmp(code, old, 8)) {
		g = sp + 4; /* struct sigcontext: the same order as gregs */
	} else {
		return 0;
	}
	static const unsigned char map[NC_UNW_REGS] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP,
						       REG_EBP, REG_ESI, REG_EDI, REG_EIP};
	for (int i = 0; i < NC_UNW_REGS; i++)
		if (rd_word(w, g + map[i] * 4, &r[i]))
			return -1;
#elif defined(__aarch64__)
	static const uint32_t tramp[2] = {0xd2801168, 0xd4000001}; /* mov x8, #139; svc #0 */
	uint32_t code[2];
	if (rd(w, pc, code, 8) || code[0] != tramp[0] || code[1] != tramp[1])
		return 0;
	g = sp + 128 /* siginfo */;
	for (int i = 0; i < 31; i++)
		if (rd_word(w, g + offsetof(ucontext_t, uc_mcontext.regs) + i * 8, &r[i]))
			return -1;
	if (rd_word(w, g + offsetof(ucontext_t, uc_mcontext.sp), &r[NC_UNW_SP]) ||
	    rd_word(w, g + offsetof(ucontext_t, uc_mcontext.pc), &r[NC_UNW_PC]))
		return -1;
#endif
	return 1;
}

/* One frame up. *exact: the pc is where the code was interrupted, not a return
 * address (after a signal frame). 1 = moved, 0 = the walk ends. */
static int step(struct walk *w, uintptr_t *r, unsigned long long *valid, int *exact, int *budget)
{
	uintptr_t pc = r[NC_UNW_PC];
	uintptr_t target = *exact ? pc : pc - 1;
	unsigned char fbuf[ENTRY_MAX], cbuf[ENTRY_MAX];
	struct cur c;
	struct cie ci;
	uint32_t id;
	int sig = 0;
	/* The memo is this process's: another one's modules lie elsewhere. */
	uintptr_t begin = 0, range = 0, fde = w->s->target ? 0 : memo_get(target);
	for (int pass = fde ? 0 : 1; pass < 2; pass++) {
		if (pass == 1) {
			const struct mod *m = module_of(w, target);
			if (!m)
				return 0;
			fde = m->hdr ? find_fde(w, m->hdr, target) : m->eh ? scan_fde(w, m, target) : 0;
		}
		if (fde && (record(w, fde, fbuf, &c, &id) || !id || parse_cie(w, fde + 4 - id, cbuf, &ci))) {
			fde = 0;
			continue;
		}
		if (fde) {
			begin = enc_ptr(&c, ci.fde_enc, 0);
			range = enc_ptr(&c, (unsigned char)(ci.fde_enc & 0x0f), 0);
			if (c.bad || target < begin || target - begin >= range) {
				fde = 0;
				continue;
			}
			if (pass == 1 && !w->s->target)
				memo_put(target, fde);
		}
		break;
	}
	if (!fde || ci.signal) {
		sig = sigreturn_frame(w, r);
		if (sig < 0)
			return 0;
		if (sig) {
			*valid = ~0ULL;
			*exact = 1;
			return 1;
		}
		if (!fde)
			return 0;
	}
	if (ci.has_z) {
		uintptr_t n = uleb(&c);
		if (c.bad || n > (uintptr_t)(c.end - c.p))
			return 0;
		c.p += n;
		c.at += n;
	}
	struct row initial = {{0}, {0}, 0, 0, 0}, row;
	if (run_cfi(&ci, ci.init, begin, ~(uintptr_t)0, &initial, 0, budget))
		return 0;
	row = initial;
	if (run_cfi(&ci, c, begin, target, &row, &initial, budget))
		return 0;
	if (row.cfa_expr || row.cfa_reg >= NC_UNW_REGS || !(*valid & (1ULL << row.cfa_reg)))
		return 0;
	uintptr_t cfa = r[row.cfa_reg] + (uintptr_t)row.cfa_off;
	uintptr_t nr[NC_UNW_REGS];
	unsigned long long nvalid = 0;
	for (unsigned i = 0; i < NC_UNW_REGS; i++) {
		nr[i] = r[i];
		switch (row.how[i]) {
		case R_SAME:
			nvalid |= *valid & (1ULL << i);
			break;
		case R_OFFSET:
			if (!rd_word(w, cfa + (uintptr_t)row.arg[i], &nr[i]))
				nvalid |= 1ULL << i;
			break;
		case R_VAL_OFFSET:
			nr[i] = cfa + (uintptr_t)row.arg[i];
			nvalid |= 1ULL << i;
			break;
		case R_REG:
			nr[i] = r[row.arg[i]];
			nvalid |= *valid & (1ULL << row.arg[i]) ? 1ULL << i : 0;
			break;
		}
	}
	if (ci.ra >= NC_UNW_REGS || !(nvalid & (1ULL << ci.ra)))
		return 0; /* undefined return address: the outermost frame */
	uintptr_t npc = nr[ci.ra];
#if defined(__aarch64__)
	npc &= 0x0000ffffffffffffULL; /* a signed return address (pointer authentication) */
#endif
	/* The stack only goes up (to higher addresses) from one frame to the next:
	 * a corrupted or looping chain stops here. */
	if (cfa <= r[NC_UNW_SP] || !npc)
		return 0;
	for (unsigned i = 0; i < NC_UNW_REGS; i++)
		r[i] = nr[i];
	r[NC_UNW_SP] = cfa;
	r[NC_UNW_PC] = npc;
	*valid = nvalid | 1ULL << NC_UNW_SP | 1ULL << NC_UNW_PC;
	*exact = 0;
	return 1;
}

int nc_unwind(struct nc_vmas *s, const struct nc_unwind_ctx *ctx, uintptr_t first_pc, uintptr_t *pcs, int max,
	      int *more)
{
	*more = 0;
	if (max <= 0)
		return 0;
	pcs[0] = first_pc;
	if (!ctx->valid || __atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return 1; /* in a sandbox, no process_vm_readv: the caller alone */
	struct walk w;
	w.s = s;
	w.next_blk = w.nmod = 0;
	w.scan_left = SCAN_RECORDS;
	w.nscanned = 0;
	for (int i = 0; i < NBLK; i++)
		w.b[i].ok = 0;
	uintptr_t r[NC_UNW_REGS];
	for (int i = 0; i < NC_UNW_REGS; i++)
		r[i] = ctx->r[i];
#if defined(__x86_64__)
	unsigned long long valid = 1ULL << 3 | 1ULL << 6 | 0xfULL << 12 | 1ULL << NC_UNW_SP | 1ULL << NC_UNW_PC;
#elif defined(__aarch64__)
	unsigned long long valid = 0xfffULL << 19 | 1ULL << NC_UNW_SP | 1ULL << NC_UNW_PC;
#else
	unsigned long long valid = 0xfULL << 4 | 1ULL << 3 | 1ULL << NC_UNW_PC;
#endif
	if (ctx->sp_pc_only)
		valid = 1ULL << NC_UNW_SP | 1ULL << NC_UNW_PC;
	int exact = 0, n = 0, budget = 20000; /* CFI instructions, all frames together */
	/* The shim's own frames first (a door and the exported function), up to the caller. */
	for (int skip = 0; r[NC_UNW_PC] != first_pc; skip++)
		if (skip == 8 || step(&w, r, &valid, &exact, &budget) != 1)
			return 1;
	for (n = 1; n < max; n++) {
		if (step(&w, r, &valid, &exact, &budget) != 1)
			return n;
		pcs[n] = r[NC_UNW_PC];
	}
	uintptr_t keep[NC_UNW_REGS];
	for (int i = 0; i < NC_UNW_REGS; i++)
		keep[i] = r[i];
	*more = step(&w, keep, &valid, &exact, &budget) == 1;
	return n;
}

#else /* no walker for this architecture: the caller alone */

void nc_unwind_capture(struct nc_unwind_ctx *ctx) { ctx->valid = 0; }

int nc_unwind(struct nc_vmas *s, const struct nc_unwind_ctx *ctx, uintptr_t first_pc, uintptr_t *pcs, int max,
	      int *more)
{
	(void)s;
	(void)ctx;
	*more = 0;
	if (max <= 0)
		return 0;
	pcs[0] = first_pc;
	return 1;
}

#endif
