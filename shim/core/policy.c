/* policy.c - the allow= policy and the modes, see policy.h.
 *
 * Real programs (JVMs, V8, Go, qemu, wine) use MAP_FIXED on memory they reserved
 * themselves, so the default allows replacing the program's own mappings and
 * PROT_NONE reservations (they hold no data); everything else is protected. A call
 * that touches both is refused whole. */
#include "policy.h"

#include <stdlib.h>

#include "log.h"
#include "options.h"
#include "own.h"
#include "regions.h"
#include "report.h"
#include "stack.h"
#include "suppress.h"
#include "sys.h"
#include "tally.h"
#include "vmas.h"

/* A reservation: private, anonymous, no access. Whoever made it, it holds no data. */
static int is_reservation(const struct nc_vma *v)
{
	return (v->perms & (NC_PERM_R | NC_PERM_W | NC_PERM_X | NC_PERM_S)) == 0 && v->inode == 0 &&
	       v->kind == NC_RK_ANON;
}

/* The calling thread's own stack: the anonymous mapping that holds its stack
 * pointer, not the main [stack]. Threads the program creates get their stacks
 * from libc, behind the shim's back, but a thread that remaps part of its own
 * stack (a JVM committing its guard zone) is touching nothing of anyone else's. */
static int is_own_thread_stack(const struct nc_vma *v, uintptr_t sp)
{
	return v->start <= sp && sp < v->end && v->kind == NC_RK_ANON && v->inode == 0 &&
	       !(v->perms & NC_PERM_S);
}

/* Own: in this process, what the shim recorded (and the calling thread's
 * stack); in a target without the shim, what nc_own_by_kind says. */
static int is_own(struct nc_vmas *s, const struct nc_vma *v, uintptr_t a, uintptr_t z, uintptr_t sp)
{
	if (s->target)
		return nc_own_by_kind(v);
	int recorded = nc_own_covers(a, z);
	if (recorded < 0) /* the record is being rebuilt: judged as without it */
		return nc_own_by_kind(v);
	return recorded || is_own_thread_stack(v, sp) || nc_own_grown(v->start, v->end);
}

/* Why allow= lets [start, end) be replaced, or NULL if something there is protected. */
static const char *allowed_reason(struct nc_vmas *s, uintptr_t start, uintptr_t end, uintptr_t sp)
{
	unsigned allow = (unsigned)NC_OPT(allow);
	if (!allow || s->err) /* no /proc: only the own set (checked before) can vouch */
		return 0;
	struct nc_vma v;
	int own = 0, reserved = 0, protected = 0;
	for (uintptr_t at = start; at < end && nc_vmas_find(s, at, 1, &v) == 1 && v.start < end; at = v.end) {
		uintptr_t a = v.start > start ? v.start : start, z = v.end < end ? v.end : end;
		if ((allow & NC_ALLOW_OWN) && is_own(s, &v, a, z, sp))
			own = 1;
		else if ((allow & NC_ALLOW_RESERVED) && is_reservation(&v))
			reserved = 1;
		else
			protected = 1;
		if (protected || v.end <= at)
			break;
	}
	if (protected)
		return 0;
	if (own && reserved)
		return "own+reserved";
	if (reserved)
		return "reserved";
	/* Nothing found though the kernel said the range is taken: the lookup is
	 * blind (an empty or fake maps file), and nothing can be vouched for. */
	return own ? "own" : 0;
}

static long log_own(void *call)
{
	struct nc_vmas s;
	nc_vmas_begin(&s, NC_OPT(check) == NC_CHECK_TABLE);
	nc_report_attempt(&s, call, NC_EV_PERMITTED, "own");
	nc_vmas_end(&s);
	return 0;
}

NC_HOT int nc_own_shortcut(const struct nc_call *c, uintptr_t end)
{
	if (!(NC_OPT(allow) & NC_ALLOW_OWN) || nc_own_covers(c->addr, end) <= 0)
		return 0;
	if (NC_OPT(verbosity))
		nc_on_shim_stack(log_own, (void *)c);
	return 1;
}

struct verdict {
	const struct nc_call *c;
	int use_table;
};

static long verdict(void *arg);

/* On the shim's stack (stack.h): the lookups and the log line are big. */
int nc_overlap_verdict(const struct nc_call *c, int use_table)
{
	struct verdict v = {c, use_table};
	return (int)nc_on_shim_stack(verdict, &v);
}

/* The shim's count: the process's own, and the launcher's channel. */
static void count_here(long pid)
{
	nc_count_attempt(pid);
	nc_tally_attempt();
}

/* One lookup session serves the policy and the log line. */
static long verdict(void *arg)
{
	const struct nc_call *c = ((struct verdict *)arg)->c;
	int use_table = ((struct verdict *)arg)->use_table;
	struct nc_vmas s;
	nc_vmas_begin(&s, use_table);
	int v = nc_judge(&s, c, count_here);
	nc_vmas_end(&s);
	if (v == NC_JUDGE_ABORT) {
		nc_log_write_held();
		abort();
	}
	return v == NC_JUDGE_GO_ON;
}

int nc_judge(struct nc_vmas *s, const struct nc_call *c, void (*count)(long pid))
{
	const char *why = allowed_reason(s, c->addr, nc_range_end(c->addr, c->len), c->caller_sp);
	if (why) {
		if (NC_OPT(verbosity))
			nc_report_attempt(s, c, NC_EV_PERMITTED, why);
		return NC_JUDGE_GO_ON;
	}
	/* The facts first: a suppression rule decides by them. */
	struct nc_facts f;
	nc_report_gather(s, c, &f);
	const char *rule = nc_supp_rules() ? nc_supp_match(&f) : 0;
	if (rule) {
		if (f.pid == __atomic_load_n(&nc_owner_pid, __ATOMIC_RELAXED))
			__atomic_add_fetch(&nc_suppressed, 1, __ATOMIC_RELAXED);
		if (NC_OPT(verbosity))
			nc_report_write(&f, NC_EV_PERMITTED, rule);
		return NC_JUDGE_GO_ON;
	}
	count(f.pid); /* counted before any line is tried */
	switch (NC_OPT(mode)) {
	case NC_MODE_WARN:
		nc_report_write(&f, NC_EV_ALLOWED, 0);
		return NC_JUDGE_GO_ON;
	case NC_MODE_ABORT:
		nc_report_write(&f, NC_EV_ABORTING, 0);
		return NC_JUDGE_ABORT;
	default:
		nc_report_write(&f, NC_EV_REFUSED, 0);
		return NC_JUDGE_REFUSE;
	}
}
