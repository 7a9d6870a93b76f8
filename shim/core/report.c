/* report.c - gathering the facts of one attempt, see report.h. */
#include "report.h"

#include <time.h>

#include "caller.h"
#include "fmt.h"
#include "lock.h"
#include "log.h"
#include "options.h"
#include "own.h"
#include "regions.h"
#include "suppress.h"
#include "sys.h"
#include "vmas.h"

unsigned long nc_attempts;
long nc_owner_pid;

/* A vfork child makes its attempts in our memory; while it runs, other threads
 * of ours may too. A few slots, claimed by pid: vfork children of one process
 * are as many as its threads that vfork at once. */
#define NC_GUESTS 8
static struct {
	long pid;
	unsigned long n;
} guest[NC_GUESTS];

void nc_count_attempt(long pid)
{
	if (pid == __atomic_load_n(&nc_owner_pid, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&nc_attempts, 1, __ATOMIC_RELAXED);
		return;
	}
	for (int i = 0; i < NC_GUESTS; i++) {
		long p = __atomic_load_n(&guest[i].pid, __ATOMIC_ACQUIRE);
		if (!p && __atomic_compare_exchange_n(&guest[i].pid, &p, pid, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			p = pid;
		if (p == pid) {
			__atomic_add_fetch(&guest[i].n, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

int nc_any_attempts(void)
{
	if (__atomic_load_n(&nc_attempts, __ATOMIC_RELAXED))
		return 1;
	for (int i = 0; i < NC_GUESTS; i++)
		if (__atomic_load_n(&guest[i].pid, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

unsigned long nc_take_attempts(long pid)
{
	if (pid == __atomic_load_n(&nc_owner_pid, __ATOMIC_RELAXED))
		return __atomic_load_n(&nc_attempts, __ATOMIC_RELAXED);
	for (int i = 0; i < NC_GUESTS; i++)
		if (__atomic_load_n(&guest[i].pid, __ATOMIC_ACQUIRE) == pid) {
			unsigned long n = __atomic_exchange_n(&guest[i].n, 0, __ATOMIC_ACQ_REL);
			__atomic_store_n(&guest[i].pid, 0, __ATOMIC_RELEASE);
			return n;
		}
	return 0;
}

#define NC_USER_BOTTOM 0x10000UL /* the usual vm.mmap_min_addr */
/* Questions asked looking for a hint, both ways together: a refusal must stay
 * cheap in a process packed with 60,000 mappings. */
#define NC_HINT_QUESTIONS 12

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

/* The index of the module's name in f->module[], added if new; -1 if the
 * table is full. */
static int frame_module(struct nc_facts *f, const struct nc_caller *c)
{
	size_t n = c->module.name_len < NC_VICTIM_NAME_MAX ? c->module.name_len : NC_VICTIM_NAME_MAX - 1;
	for (int i = 0; i < f->modules; i++)
		if (f->module[i].len == n && !__builtin_memcmp(f->module[i].name, c->module.name, n))
			return i;
	if (f->modules == NC_FRAME_MODULES)
		return -1;
	struct nc_frame_module *m = &f->module[f->modules];
	m->len = copy_name(m->name, sizeof(m->name), c->module.name, c->module.name_len, &m->truncated);
	m->truncated |= c->module.name_truncated;
	return f->modules++;
}

/* stack=N: the chain of callers, each named as the caller is. */
static void gather_stack(struct nc_facts *f, struct nc_vmas *s, const struct nc_call *call)
{
	unsigned want = (unsigned)NC_OPT(stack);
	if (!want)
		return;
	uintptr_t pcs[NC_STACK_MAX];
	struct nc_unwind_ctx ctx = call->ctx;
	if (!ctx.valid && call->lazy_ctx)
		call->lazy_ctx(call, &ctx);
	f->frames = nc_unwind(s, &ctx, call->caller_pc, pcs, want < NC_STACK_MAX ? (int)want : NC_STACK_MAX,
			      &f->frames_more);
	for (int i = 0; i < f->frames; i++) {
		struct nc_caller c;
		struct nc_frame *o = &f->frame[i];
		nc_caller_describe(s, pcs[i], &c);
		o->pc = pcs[i];
		o->module = c.found && c.module.name_len ? frame_module(f, &c) : -1;
		o->offset = c.offset;
		o->sym_offset = c.sym_offset;
		int t;
		copy_name(o->symbol, sizeof(o->symbol), c.symbol, __builtin_strlen(c.symbol), &t);
	}
}

/* The span of what the call overlaps, from the victims' walk: where the search
 * for a hint starts. */
struct span {
	int known;
	uintptr_t low, high;
};

static void set_victim(struct nc_victim *o, const struct nc_vma *v)
{
	o->start = v->start;
	o->end = v->end;
	o->offset = v->offset;
	o->perms = v->perms;
	o->kind = v->kind;
	o->name_len = copy_name(o->name, sizeof(o->name), v->name, v->name_len, &o->name_truncated);
	o->name_truncated |= v->name_truncated;
}

/* Every mapping in [addr, end) is a victim. */
static void gather_victims(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, uintptr_t end,
			   struct nc_vma *v, struct span *sp)
{
	f->victims_known = !s->err;
	for (uintptr_t at = addr; at < end && nc_vmas_find(s, at, 1, v) == 1 && v->start < end; at = v->end) {
		if (f->victims_kept < NC_VICTIMS_KEPT)
			set_victim(&f->victims[f->victims_kept++], v);
		if (!f->victims_total++)
			sp->low = v->start;
		sp->high = v->end;
		sp->known = 1;
		if (v->end <= at)
			break;
	}
}

/* Where a search for a hint stopped: its result and both fronts. */
struct hint_search {
	uintptr_t up, down;       /* the next candidate start above, candidate end below */
	int up_open, down_open;   /* whether that front could still move (not at an end of user space) */
	uintptr_t start;          /* the range found; 0: none */
};

/* What lies around the overlapped span (the call's range if nothing is known
 * there): for the report's picture. Two questions: nothing searches down. */
static void gather_neighbours(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, uintptr_t end,
			      const struct span *sp, struct nc_vma *v)
{
	uintptr_t low = sp->known && sp->low < addr ? sp->low : addr;
	uintptr_t high = sp->known && sp->high > end ? sp->high : end;
	if (s->err)
		return;
	if (low > 0 && nc_vmas_find(s, low - 1, 0, v) == 1 && v->end == low) {
		f->have_below = 1;
		set_victim(&f->below, v);
	}
	if (high < UINTPTR_MAX && nc_vmas_find(s, high, 1, v) == 1 && v->start >= high) {
		f->have_above = 1;
		set_victim(&f->above, v);
	}
}

/* The free range of the call's length nearest to addr, above or below. Two
 * fronts walk away from what the call overlaps: up, "is there room between x
 * and the next mapping at or above it"; down, the same question asked at x -
 * len. Each step is one question to the kernel, and the front whose candidate
 * is nearer to addr moves first, so the first range found that is nearer than
 * the other front's candidate is the nearest. Only NC_HINT_QUESTIONS are asked:
 * a refusal must stay cheap in a crowded neighbourhood, and past that the line
 * says hint=none (mmap with addr NULL lets the kernel find room). */
static void search_hint(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, uintptr_t l, const struct span *sp,
			struct hint_search *h)
{
	uintptr_t up = sp->known && sp->high > addr ? sp->high : addr; /* candidate start */
	uintptr_t down = sp->known ? sp->low : addr; /* candidate end (may end inside the call's free head) */
	int up_open = up <= NC_USER_TOP - l, down_open = down >= NC_USER_BOTTOM + l && down <= NC_USER_TOP;
	int up_can = up_open, down_can = down_open; /* the same, not narrowed by distance */
	uintptr_t best = UINTPTR_MAX; /* distance from addr of the range found */
	for (int q = 0; q < NC_HINT_QUESTIONS; q++) {
		uintptr_t up_dist = up - addr, down_dist = addr - (down - l);
		up_open &= up_dist < best;
		down_open &= down_dist < best;
		if (!up_open && !down_open)
			break; /* found, or neither front can come nearer */
		int go_up = up_open && (!down_open || up_dist <= down_dist);
		uintptr_t vs, ve, cand = go_up ? up : down - l;
		int r = nc_vmas_span(s, cand, &vs, &ve);
		if (r < 0)
			break;
		if (r == 0 || vs >= cand + l) { /* [cand, cand + l) is free */
			best = go_up ? up_dist : down_dist;
			f->hint_found = 1;
			f->hint_start = cand;
			f->hint_end = cand + l;
		} else if (go_up) {
			up = ve;
			up_open = up_can = ve <= NC_USER_TOP - l;
		} else {
			down = vs;
			down_open = down_can = vs >= NC_USER_BOTTOM + l;
		}
	}
	h->up = up;
	h->down = down;
	h->up_open = up_can;
	h->down_open = down_can;
	h->start = f->hint_found ? f->hint_start : 0;
}

/* Is the range a search found from these fronts still the nearest for a call
 * at addr (another call over the same mappings)? Yes if the other front could
 * not come nearer: the same search from addr would have found it too. */
static int still_nearest(const struct hint_search *h, uintptr_t addr, uintptr_t l)
{
	if (h->start >= addr) /* found above: could the front below come nearer? */
		return !h->down_open || addr - (h->down - l) >= h->start - addr;
	return !h->up_open || h->up - addr >= addr - h->start;
}

/* The last answer, by the mappings the call overlaps (the span the search
 * starts from) and length: a program that repeats a refused call (a retry
 * loop, a flood), or tries address after address inside the same mappings,
 * gets it again instead of a new search, as long as it is still the nearest
 * one for the new address. A hint is checked with one question first (is the
 * range still free); "none" is reused as is, but searched anew every
 * NC_HINT_NONE_REUSE times, so that room made later is seen. With the victims
 * unknown (no maps), the key is the call's address. */
#define NC_HINT_NONE_REUSE 64
static nc_lock_t last_hint_lock;
static struct {
	uintptr_t low, high, len; /* the key: the span (or, not known, the address twice) */
	struct hint_search h;
	unsigned reused;
} last_hint;

void nc_report_after_fork_child(void) { nc_lock_reset(&last_hint_lock); }

static void gather_hint(struct nc_facts *f, struct nc_vmas *s, uintptr_t addr, size_t len, const struct span *sp)
{
	uintptr_t l = nc_range_end(0, len);
	if (!l || l > NC_USER_TOP - NC_USER_BOTTOM)
		return; /* no room for it anywhere */
	uintptr_t low = sp->known ? sp->low : addr, high = sp->known ? sp->high : addr;
	nc_lock(&last_hint_lock);
	int same = last_hint.len == l && last_hint.low == low && last_hint.high == high;
	struct hint_search h = last_hint.h;
	uintptr_t again = same && h.start && still_nearest(&h, addr, l) ? h.start : 0;
	int none_again = same && !h.start && ++last_hint.reused % NC_HINT_NONE_REUSE;
	nc_unlock(&last_hint_lock);
	if (none_again)
		return;
	uintptr_t vs, ve;
	int r = again ? nc_vmas_span(s, again, &vs, &ve) : -1;
	if (r == 0 || (r == 1 && vs >= again + l)) {
		f->hint_found = 1;
		f->hint_start = again;
		f->hint_end = again + l;
		return;
	}
	search_hint(f, s, addr, l, sp, &h);
	if (s->err)
		return; /* nothing was known: nothing to remember */
	nc_lock(&last_hint_lock);
	last_hint.low = low;
	last_hint.high = high;
	last_hint.len = l;
	last_hint.h = h;
	last_hint.reused = 0;
	nc_unlock(&last_hint_lock);
}

static char program[256];

/* The program's name, for the log and log file names: the executable's base name. */
static const char *program_name(void)
{
	if (!program[0]) {
		char path[1024];
		long n = nc_syscall6(SYS_readlinkat, -100 /* AT_FDCWD */, (long)"/proc/self/exe", (long)path,
				     sizeof(path) - 1, 0, 0); /* aarch64 has no readlink */
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

/* A fact about the log itself, once per process: one line, text or JSON. */
static int said_no_maps, said_own_incomplete;

static void say_once(int *said, const char *what)
{
	if (__atomic_exchange_n(said, 1, __ATOMIC_RELAXED))
		return;
	char line[512];
	struct nc_buf b = NC_BUF_INIT(line);
	b.cap -= 1;
	int json = NC_OPT(log_format) == NC_FORMAT_JSON;
	nc_buf_str(&b, json ? "{\"event\":\"notice\",\"notice\":\"" : "noclobber: ");
	nc_buf_str(&b, what);
	nc_buf_str(&b, json ? "\"}" : "");
	b.p[b.len++] = '\n';
	nc_log_line(b.p, b.len);
}

void nc_report_notice(const char *what)
{
	int said = 0;
	say_once(&said, what);
}

void nc_report_gather(struct nc_vmas *s, const struct nc_call *c, struct nc_facts *f)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->call = c;
	f->pid = s->pid ? s->pid : nc_sys_getpid();
	/* The thread's id as the locks keep it; a vfork child (not our pid) asks. */
	f->tid = s->target ? s->target->tid : f->pid == nc_self_pid() ? nc_tid() : nc_sys_gettid();
	f->target = s->target != 0;
	struct timespec ts = {0, 0};
	nc_clock_realtime(&ts);
	f->time_s = ts.tv_sec;
	f->time_us = ts.tv_nsec / 1000;
	f->program = s->target ? s->target->program : program_name();
	f->caller_pc = c->caller_pc;

	uintptr_t end = nc_range_end(c->addr, c->len);
	struct nc_vma v;
	struct span sp = {0, 0, 0};
	gather_victims(f, s, c->addr, end, &v, &sp); /* first: the policy's last question */
	gather_caller(f, s);
	gather_stack(f, s, c);
	gather_neighbours(f, s, c->addr, end, &sp, &v);
	gather_hint(f, s, c->addr, c->len, &sp);
}

void nc_report_write(struct nc_facts *f, enum nc_event ev, const char *reason)
{
	f->event = ev;
	f->reason = ev == NC_EV_ALLOWED ? "mode=warn" : reason;
	if (!f->victims_known)
		say_once(&said_no_maps, "/proc/self/maps cannot be read: clobbers are still refused, but "
					"their victims cannot be named");
	if (ev != NC_EV_PERMITTED && nc_own_incomplete() && (NC_OPT(allow) & NC_ALLOW_OWN))
		say_once(&said_own_incomplete,
			 "some of this process's own mappings could not be recorded (no memory for the "
			 "shim's table): a replacement of one of them is treated as a clobber");

	char line[8192]; /* a stack of 32 frames included */
	size_t len;
	if (NC_OPT(log_format) == NC_FORMAT_JSON)
		nc_format_json(line, sizeof(line), &len, f);
	else
		nc_format_text(line, sizeof(line), &len, f);
	if (f->target)
		nc_log_line_for(f->pid, f->program, line, len);
	else
		nc_log_line(line, len);
}

void nc_report_attempt(struct nc_vmas *s, const struct nc_call *c, enum nc_event ev, const char *reason)
{
	struct nc_facts f;
	nc_report_gather(s, c, &f);
	nc_report_write(&f, ev, reason);
}

void nc_report_summary(long pid, unsigned long attempts)
{
	struct nc_summary sm = {0};
	sm.attempts = attempts;
	if (pid == __atomic_load_n(&nc_owner_pid, __ATOMIC_RELAXED))
		sm.suppressed = __atomic_load_n(&nc_suppressed, __ATOMIC_RELAXED);
	if (!sm.attempts && !sm.suppressed)
		return;
	sm.pid = pid;
	sm.program = program_name();
	struct timespec ts = {0, 0};
	nc_clock_realtime(&ts);
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
