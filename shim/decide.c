/* decide.c - the overlap decision for MAP_FIXED.
 *
 * The kernel decides: the call is reissued as MAP_FIXED_NOREPLACE (Linux 4.17+),
 * which fails with EEXIST, atomically, exactly when MAP_FIXED would have
 * replaced something. One system call when nothing is in the way. A kernel that
 * predates the flag ignores it and treats the address as a hint; that shows as a
 * result elsewhere, and from then on the region table decides instead (racy:
 * another thread can map between the read and the call). */
#include "decide.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "options.h"
#include "regions.h"
#include "sys.h"

static int noreplace_ignored;

static uintptr_t round_len(size_t len)
{
	return (len + nc_page_size - 1) & ~(uintptr_t)(nc_page_size - 1);
}

/* Overlap by the table, after the argument checks the kernel makes before it
 * looks at overlap, so that their errno wins as it would without the shim.
 * Returns 1 overlap, 0 none, or -errno for the caller. */
static int table_overlap(const struct nc_call *c)
{
	uintptr_t l = round_len(c->len);
	if (c->addr & (nc_page_size - 1))
		return -EINVAL;
	if (c->len == 0)
		return -EINVAL;
	if (l < c->len || c->addr + l < c->addr)
		return -ENOMEM;
	nc_lock(&nc_table_lock);
	int overlap = 0;
	if (nc_table_refresh(&nc_the_table) == 0) {
		const struct nc_region *r = nc_table_find(&nc_the_table, c->addr, 1);
		overlap = r && r->start < c->addr + l;
	}
	nc_unlock(&nc_table_lock);
	return overlap;
}

long nc_decide_mmap(const struct nc_call *c, nc_mmap_fn next)
{
	int use_table = NC_OPT(check) == NC_CHECK_TABLE ||
			__atomic_load_n(&noreplace_ignored, __ATOMIC_RELAXED);
	int overlap;
	if (!use_table) {
		int nr = (c->flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
		long r = next((void *)c->addr, c->len, c->prot, nr, c->fd, c->offset);
		if (r == (long)c->addr)
			return r;
		if (r != -EEXIST && nc_sys_failed(r))
			return r;
		if (r != -EEXIST) {
			/* A pre-4.17 kernel placed it elsewhere: undo, and stop asking it. */
			nc_sys_munmap((void *)r, c->len);
			__atomic_store_n(&noreplace_ignored, 1, __ATOMIC_RELAXED);
			use_table = 1;
		}
	}
	if (use_table) {
		overlap = table_overlap(c);
		if (overlap < 0)
			return overlap;
		if (!overlap)
			return next((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
	}

	__atomic_add_fetch(&nc_attempts, 1, __ATOMIC_RELAXED);
	switch (NC_OPT(mode)) {
	case NC_MODE_WARN:
		nc_report_attempt(c, NC_EV_ALLOWED, use_table);
		return next((void *)c->addr, c->len, c->prot, c->flags, c->fd, c->offset);
	case NC_MODE_ABORT:
		nc_report_attempt(c, NC_EV_ABORTING, use_table);
		abort();
	default:
		nc_report_attempt(c, NC_EV_REFUSED, use_table);
		return -EEXIST;
	}
}
