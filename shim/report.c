/* report.c - composing the attempt line of report.h.
 *
 * noclobber: refused mmap(addr=0x7f..., len=4096, prot=rwx, flags=MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED,
 *   fd=-1, offset=0) pid=41 tid=41 caller=/t/clobber+0x11a9 (main+0x30)
 *   victims=1: 7f...-7f... r-xp 00026000 fe:00 332835 /usr/lib/x86_64-linux-gnu/libc.so.6 (image)
 *   hint=0x7f...-0x7f...
 * (one line; wrapped here). */
#include "report.h"

#include <sys/mman.h>

#include "caller.h"
#include "fmt.h"
#include "log.h"
#include "regions.h"
#include "sys.h"
#include "vmas.h"

unsigned long nc_attempts;

#define NC_USER_BOTTOM 0x10000UL /* the usual vm.mmap_min_addr */
#define NC_MAX_VICTIMS_SHOWN 16

static const struct {
	int bit;
	const char *name;
} flag_names[] = {
	{MAP_SHARED, "MAP_SHARED"},
	{MAP_PRIVATE, "MAP_PRIVATE"},
#ifdef MAP_SHARED_VALIDATE
	{MAP_SHARED_VALIDATE & ~(MAP_SHARED | MAP_PRIVATE), "MAP_SHARED_VALIDATE"},
#endif
	{MAP_FIXED, "MAP_FIXED"},
	{MAP_ANONYMOUS, "MAP_ANONYMOUS"},
#ifdef MAP_32BIT
	{MAP_32BIT, "MAP_32BIT"},
#endif
	{MAP_GROWSDOWN, "MAP_GROWSDOWN"},
	{MAP_DENYWRITE, "MAP_DENYWRITE"},
	{MAP_EXECUTABLE, "MAP_EXECUTABLE"},
	{MAP_LOCKED, "MAP_LOCKED"},
	{MAP_NORESERVE, "MAP_NORESERVE"},
	{MAP_POPULATE, "MAP_POPULATE"},
	{MAP_NONBLOCK, "MAP_NONBLOCK"},
	{MAP_STACK, "MAP_STACK"},
	{MAP_HUGETLB, "MAP_HUGETLB"},
#ifdef MAP_SYNC
	{MAP_SYNC, "MAP_SYNC"},
#endif
	{MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
};

static const struct {
	int bit;
	const char *name;
} mremap_flag_names[] = {
	{1, "MREMAP_MAYMOVE"},
	{2, "MREMAP_FIXED"},
	{4, "MREMAP_DONTUNMAP"},
}, shm_flag_names[] = {
	{010000, "SHM_RDONLY"},
	{020000, "SHM_RND"},
	{040000, "SHM_REMAP"},
	{0100000, "SHM_EXEC"},
};

#define NC_NAMES(a) (a), sizeof(a) / sizeof((a)[0])

static void put_bits(struct nc_buf *b, int flags, const void *names_, size_t n)
{
	const struct {
		int bit;
		const char *name;
	} *names = names_;
	int rest = flags, first = 1;
	for (size_t i = 0; i < n; i++) {
		int bit = names[i].bit;
		if (bit && (rest & bit) == bit) {
			nc_buf_str(b, first ? "" : "|");
			nc_buf_str(b, names[i].name);
			rest &= ~bit;
			first = 0;
		}
	}
	if (rest || first) {
		nc_buf_str(b, first ? "" : "|");
		nc_buf_hex(b, (unsigned)rest);
	}
}

static void put_prot(struct nc_buf *b, int prot)
{
	nc_buf_ch(b, prot & PROT_READ ? 'r' : '-');
	nc_buf_ch(b, prot & PROT_WRITE ? 'w' : '-');
	nc_buf_ch(b, prot & PROT_EXEC ? 'x' : '-');
	int rest = prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC);
	if (rest) {
		nc_buf_ch(b, '|');
		nc_buf_hex(b, (unsigned)rest);
	}
}

/* Names as the kernel shows them in maps: control bytes as \ooo. */
static void put_name(struct nc_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			nc_buf_ch(b, '\\');
			nc_buf_ch(b, (char)('0' + (c >> 6)));
			nc_buf_ch(b, (char)('0' + ((c >> 3) & 7)));
			nc_buf_ch(b, (char)('0' + (c & 7)));
		} else {
			nc_buf_ch(b, (char)c);
		}
	}
}

static void put_vma(struct nc_buf *b, const struct nc_vma *v)
{
	nc_buf_hexw(b, v->start, 8);
	nc_buf_ch(b, '-');
	nc_buf_hexw(b, v->end, 8);
	nc_buf_ch(b, ' ');
	nc_buf_ch(b, v->perms & NC_PERM_R ? 'r' : '-');
	nc_buf_ch(b, v->perms & NC_PERM_W ? 'w' : '-');
	nc_buf_ch(b, v->perms & NC_PERM_X ? 'x' : '-');
	nc_buf_ch(b, v->perms & NC_PERM_S ? 's' : 'p');
	nc_buf_ch(b, ' ');
	nc_buf_hexw(b, v->offset, 8);
	nc_buf_ch(b, ' ');
	if (v->name_len) {
		put_name(b, v->name, v->name_len);
		if (v->name_truncated)
			nc_buf_str(b, "...");
		nc_buf_ch(b, ' ');
	}
	nc_buf_ch(b, '(');
	nc_buf_str(b, nc_region_kind_name(v->kind));
	nc_buf_ch(b, ')');
}

static uintptr_t range_end(uintptr_t addr, size_t len)
{
	uintptr_t l = (len + nc_page_size - 1) & ~(uintptr_t)(nc_page_size - 1);
	return addr + l < addr || l < len ? UINTPTR_MAX : addr + l;
}

/* Walk the mappings in [addr, end): each one is a victim. */
static void put_victims(struct nc_buf *b, struct nc_vmas *s, uintptr_t addr, uintptr_t end,
			struct nc_vma *v)
{
	char list[3072];
	struct nc_buf lb = NC_BUF_INIT(list);
	unsigned long n = 0;
	for (uintptr_t at = addr; at < end && nc_vmas_find(s, at, 1, v) == 1 && v->start < end; at = v->end) {
		if (n < NC_MAX_VICTIMS_SHOWN && lb.len + 256 < lb.cap) {
			nc_buf_str(&lb, n ? " | " : "");
			put_vma(&lb, v);
		}
		n++;
		if (v->end <= at)
			break;
	}
	nc_buf_str(b, " victims=");
	if (s->err) {
		nc_buf_str(b, "unknown (/proc/self/maps unreadable)");
		return;
	}
	nc_buf_u(b, n);
	nc_buf_str(b, ": ");
	nc_buf_mem(b, lb.p, lb.len);
	if (lb.truncated || n > NC_MAX_VICTIMS_SHOWN)
		nc_buf_str(b, " | ...");
}

/* The free range of the same size nearest to addr, above or below it. */
static void put_hint(struct nc_buf *b, struct nc_vmas *s, uintptr_t addr, size_t len, struct nc_vma *v)
{
	uintptr_t l = range_end(0, len);
	uintptr_t up = 0, down = 0;
	int have_up = 0, have_down = 0;
	uintptr_t x = addr;
	for (int i = 0; i < 64 && l && x <= NC_USER_TOP - l; i++) {
		int r = nc_vmas_find(s, x, 1, v);
		if (r < 0)
			break;
		if (r == 0 || v->start >= x + l) {
			up = x;
			have_up = 1;
			break;
		}
		x = v->end;
	}
	x = addr;
	for (int i = 0; i < 64 && l && x >= NC_USER_BOTTOM + l; i++) {
		int r = nc_vmas_find(s, x - l, 1, v);
		if (r < 0)
			break;
		if (r == 0 || v->start >= x) {
			down = x - l;
			have_down = 1;
			break;
		}
		x = v->start;
	}
	if (have_up && have_down && addr - down < up - addr)
		have_up = 0;
	nc_buf_str(b, " hint=");
	if (!have_up && !have_down) {
		nc_buf_str(b, "none");
		return;
	}
	uintptr_t h = have_up ? up : down;
	nc_buf_hex(b, h);
	nc_buf_ch(b, '-');
	nc_buf_hex(b, h + l);
}

static void put_caller(struct nc_buf *b, struct nc_vmas *s, uintptr_t pc)
{
	struct nc_caller c;
	nc_caller_describe(s, pc, &c);
	nc_buf_str(b, " caller=");
	if (!c.found || !c.module.name_len) {
		nc_buf_hex(b, pc);
		return;
	}
	put_name(b, c.module.name, c.module.name_len);
	nc_buf_ch(b, '+');
	nc_buf_hex(b, c.offset);
	if (c.symbol[0]) {
		nc_buf_str(b, " (");
		put_name(b, c.symbol, __builtin_strlen(c.symbol));
		nc_buf_ch(b, '+');
		nc_buf_hex(b, c.sym_offset);
		nc_buf_ch(b, ')');
	}
}

static void put_call(struct nc_buf *b, const struct nc_call *c)
{
	nc_buf_str(b, c->name);
	switch (c->door) {
	case NC_DOOR_MMAP:
		nc_buf_str(b, "(addr=");
		nc_buf_hex(b, c->addr);
		nc_buf_str(b, ", len=");
		nc_buf_u(b, c->len);
		nc_buf_str(b, ", prot=");
		put_prot(b, c->prot);
		nc_buf_str(b, ", flags=");
		put_bits(b, c->flags, NC_NAMES(flag_names));
		nc_buf_str(b, ", fd=");
		nc_buf_i(b, c->fd);
		nc_buf_str(b, ", offset=");
		nc_buf_i(b, (long long)c->offset);
		break;
	case NC_DOOR_MREMAP:
		nc_buf_str(b, "(old_addr=");
		nc_buf_hex(b, c->old_addr);
		nc_buf_str(b, ", old_len=");
		nc_buf_u(b, c->old_len);
		nc_buf_str(b, ", new_len=");
		nc_buf_u(b, c->len);
		nc_buf_str(b, ", flags=");
		put_bits(b, c->flags, NC_NAMES(mremap_flag_names));
		nc_buf_str(b, ", new_addr=");
		nc_buf_hex(b, c->addr);
		break;
	case NC_DOOR_SHMAT:
		nc_buf_str(b, "(shmid=");
		nc_buf_i(b, c->shmid);
		nc_buf_str(b, ", shmaddr=");
		nc_buf_hex(b, c->addr);
		nc_buf_str(b, ", shmflg=");
		put_bits(b, c->flags, NC_NAMES(shm_flag_names));
		nc_buf_str(b, ", size=");
		nc_buf_u(b, c->len);
		break;
	}
	nc_buf_ch(b, ')');
}

void nc_report_attempt(const struct nc_call *c, enum nc_event ev, const char *reason, int force_table)
{
	static const char *const words[] = {"refused", "allowed", "aborting on", "allowed"};
	char line[4096];
	struct nc_buf b = NC_BUF_INIT(line);
	b.cap -= 1; /* room for the newline */
	nc_buf_str(&b, "noclobber: ");
	nc_buf_str(&b, words[ev]);
	nc_buf_ch(&b, ' ');
	put_call(&b, c);
	nc_buf_str(&b, " pid=");
	nc_buf_u(&b, (unsigned long long)nc_sys_getpid());
	nc_buf_str(&b, " tid=");
	nc_buf_u(&b, (unsigned long long)nc_sys_gettid());

	struct nc_vmas s;
	struct nc_vma v;
	nc_vmas_begin(&s, force_table);
	put_caller(&b, &s, c->caller_pc);
	put_victims(&b, &s, c->addr, range_end(c->addr, c->len), &v);
	put_hint(&b, &s, c->addr, c->len, &v);
	nc_vmas_end(&s);
	if (ev == NC_EV_ALLOWED)
		nc_buf_str(&b, " reason=mode=warn");
	if (ev == NC_EV_PERMITTED) {
		nc_buf_str(&b, " reason=");
		nc_buf_str(&b, reason);
	}

	b.cap += 1;
	nc_buf_ch(&b, '\n');
	nc_log_line(b.p, b.len);
}

void nc_report_summary(void)
{
	unsigned long n = __atomic_load_n(&nc_attempts, __ATOMIC_RELAXED);
	if (!n)
		return;
	char line[256];
	struct nc_buf b = NC_BUF_INIT(line);
	nc_buf_str(&b, "noclobber: summary: pid=");
	nc_buf_u(&b, (unsigned long long)nc_sys_getpid());
	nc_buf_str(&b, " clobber_attempts=");
	nc_buf_u(&b, n);
	nc_buf_ch(&b, '\n');
	nc_log_line(b.p, b.len);
}
