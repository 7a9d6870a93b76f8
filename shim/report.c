/* report.c - gathering the facts of one attempt, see report.h. */
#include "report.h"

#include <sys/mman.h>
#include <time.h>

#include "caller.h"
#include "log.h"
#include "options.h"
#include "regions.h"
#include "sys.h"
#include "vmas.h"

unsigned long nc_attempts;

#define NC_USER_BOTTOM 0x10000UL /* the usual vm.mmap_min_addr */
/* Mappings stepped over looking for a hint, each way: a refusal must stay cheap
 * in a process packed with 60,000 mappings. */
#define NC_HINT_STEPS 4

static size_t copy_name(char *dst, size_t cap, const char *src, size_t n, int *truncated)
{
	*truncated = n >= cap;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
	dst[n] = 0;
	return n;
}

static void gather_caller(struct nc_facts *f, struct nc_vmas *s)
{
	struct nc_caller c;
	nc_caller_describe(s, f->caller_pc, &c);
	f->caller_found = c.found && c.module.name_len;
	if (!f->caller_found)
		return;
	int t;
	f->caller_module_len = copy_name(f->caller_module, sizeof(f->caller_module), c.module.name,
					 c.module.name_len, &f->caller_module_truncated);
	f->caller_module_truncated |= c.module.name_truncated;
	f->caller_offset = c.offset;
	f->caller_offset_is_file = c.offset_is_file;
	copy_name(f->caller_symbol, sizeof(f->caller_symbol), c.symbol, __builtin_strlen(c.symbol), &t);
	f->caller_sym_offset = c.sym_offset;
}

/* Every mapping in [addr, end) is a victim. */
static void gather_victims(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, uintptr_t end,
			   struct nc_vma *v)
{
	f->victims_known = !s->err;
	for (uintptr_t at = addr; at < end && nc_vmas_find(s, at, 1, v) == 1 && v->start < end; at = v->end) {
		if (f->victims_kept < NC_VICTIMS_KEPT) {
			struct nc_victim *o = &f->victims[f->victims_kept++];
			o->start = v->start;
			o->end = v->end;
			o->offset = v->offset;
			o->perms = v->perms;
			o->kind = v->kind;
			o->name_len = copy_name(o->name, sizeof(o->name), v->name, v->name_len, &o->name_truncated);
			o->name_truncated |= v->name_truncated;
		}
		f->victims_total++;
		if (v->end <= at)
			break;
	}
}

/* The free range of the same length nearest to addr, above or below it. Walking
 * up is "the next mapping at or above x"; walking down asks the same question
 * at x - len: if what comes next starts at or above x, [x - len, x) is free.
 * Where nothing is near (a crowded neighbourhood), the kernel is asked where it
 * would put such a mapping: not the nearest, but free. */
static void gather_hint(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, size_t len)
{
	uintptr_t l = nc_range_end(0, len);
	uintptr_t up = 0, down = 0, vs, ve;
	int have_up = 0, have_down = 0;
	uintptr_t x = addr;
	for (int i = 0; i < NC_HINT_STEPS && l && l != UINTPTR_MAX && x <= NC_USER_TOP - l; i++) {
		int r = nc_vmas_span(s, x, &vs, &ve);
		if (r < 0)
			break;
		if (r == 0 || vs >= x + l) {
			up = x;
			have_up = 1;
			break;
		}
		x = ve;
	}
	x = addr;
	for (int i = 0; i < NC_HINT_STEPS && l && x >= NC_USER_BOTTOM + l && x <= NC_USER_TOP; i++) {
		int r = nc_vmas_span(s, x - l, &vs, &ve);
		if (r < 0)
			break;
		if (r == 0 || vs >= x) {
			down = x - l;
			have_down = 1;
			break;
		}
		x = vs;
	}
	if (have_up && have_down && addr - down < up - addr)
		have_up = 0;
	if (!have_up && !have_down && l && l != UINTPTR_MAX) {
		long m = nc_sys_mmap(0, l, 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (!nc_sys_failed(m)) {
			nc_sys_munmap((void *)m, l);
			down = (uintptr_t)m;
			have_down = 1;
		}
	}
	f->hint_found = have_up || have_down;
	f->hint_start = have_up ? up : down;
	f->hint_end = f->hint_start + l;
}

static char program[256];

/* The program's name, for the log and log file names: the executable's base name. */
static const char *program_name(void)
{
	if (!program[0]) {
		char path[1024];
		long n = nc_syscall6(SYS_readlink, (long)"/proc/self/exe", (long)path, sizeof(path) - 1, 0, 0, 0);
		size_t start = 0, o = 0;
		for (long i = 0; i < n; i++)
			if (path[i] == '/')
				start = (size_t)i + 1;
		for (size_t i = start; n > 0 && i < (size_t)n && o < sizeof(program) - 1; i++)
			program[o++] = path[i];
		if (!o)
			program[o++] = '?';
		program[o] = 0;
	}
	return program;
}

const char *nc_program_name(void) { return program_name(); }

void nc_report_attempt(struct nc_vmas *s, const struct nc_call *c, enum nc_event ev, const char *reason)
{
	struct nc_facts f = {0};
	f.call = c;
	f.event = ev;
	f.reason = ev == NC_EV_ALLOWED ? "mode=warn" : reason;
	f.pid = nc_sys_getpid();
	f.tid = nc_sys_gettid();
	struct timespec ts = {0, 0};
	nc_sys(SYS_clock_gettime, CLOCK_REALTIME, &ts, 0);
	f.time_s = ts.tv_sec;
	f.time_us = ts.tv_nsec / 1000;
	f.program = program_name();
	f.caller_pc = c->caller_pc;

	uintptr_t end = nc_range_end(c->addr, c->len);
	struct nc_vma v;
	gather_caller(&f, s);
	gather_victims(&f, s, c->addr, end, &v);
	gather_hint(&f, s, c->addr, c->len);

	static int said_no_maps;
	if (!f.victims_known && !__atomic_exchange_n(&said_no_maps, 1, __ATOMIC_RELAXED)) {
		static const char text[] = "noclobber: /proc/self/maps cannot be read: clobbers are still "
					   "refused, but their victims cannot be named\n";
		static const char json[] = "{\"event\":\"notice\",\"notice\":\"/proc/self/maps cannot be "
					   "read: clobbers are still refused, but their victims cannot be named\"}\n";
		if (NC_OPT(log_format) == NC_FORMAT_JSON)
			nc_log_line(json, sizeof(json) - 1);
		else
			nc_log_line(text, sizeof(text) - 1);
	}

	char line[4096];
	size_t len;
	if (NC_OPT(log_format) == NC_FORMAT_JSON)
		nc_format_json(line, sizeof(line), &len, &f);
	else
		nc_format_text(line, sizeof(line), &len, &f);
	nc_log_line(line, len);
}

void nc_report_summary(void)
{
	struct nc_summary sm = {0};
	sm.attempts = __atomic_load_n(&nc_attempts, __ATOMIC_RELAXED);
	if (!sm.attempts)
		return;
	sm.pid = nc_sys_getpid();
	sm.program = program_name();
	struct timespec ts = {0, 0};
	nc_sys(SYS_clock_gettime, CLOCK_REALTIME, &ts, 0);
	sm.time_s = ts.tv_sec;
	sm.time_us = ts.tv_nsec / 1000;
	char line[512];
	size_t len;
	sm.dropped = __atomic_load_n(&nc_log_dropped, __ATOMIC_RELAXED);
	if (NC_OPT(log_format) == NC_FORMAT_JSON)
		nc_format_json_summary(line, sizeof(line), &len, &sm);
	else
		nc_format_text_summary(line, sizeof(line), &len, &sm);
	nc_log_line(line, len);
	/* The log itself failed: the summary must still reach a person. */
	if (sm.dropped || __atomic_load_n(&nc_log_dropped, __ATOMIC_RELAXED))
		nc_log_stderr(line, len);
}
