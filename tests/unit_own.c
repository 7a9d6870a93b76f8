/* unit_own.c - the own set against a model: random adds and removes over a
 * small space of pages, after each one every page's membership and covers()
 * over random ranges must agree with a plain array of flags. Also the set's
 * count must equal the number of maximal runs (it coalesces). And once the set
 * could not follow a change, its "no" is "not known" until it is rebuilt. */
#include <stdio.h>
#include <stdlib.h>

#include "lock.h"
#include "own.h"

#define PAGES 512
#define PG 4096UL
#define BASE ((uintptr_t)0x10000000)

static unsigned char model[PAGES];
static int failures;

static void check(const char *what, int ok, int step)
{
	if (!ok && failures++ < 10)
		printf("not ok - own set: %s (step %d)\n", what, step);
}

static size_t runs(void)
{
	size_t n = 0;
	for (int i = 0; i < PAGES; i++)
		n += model[i] && (i == 0 || !model[i - 1]);
	return n;
}

/* More changes from a signal handler (nc_depth > 1) than the queue holds: one
 * is dropped. Until the set is rebuilt, "not own" is not known (a mapping made
 * meanwhile may be missing), while what it does hold is still own. */
static void damaged(void)
{
	uintptr_t far = BASE + 100000 * PG;
	nc_depth = 2;
	for (int i = 0; i < 200; i++)
		nc_own_add(far + 2 * i * PG, far + (2 * i + 1) * PG);
	nc_depth = 0;
	unsigned from = 0;
	int outside = nc_own_covers(BASE + 90000 * PG, BASE + 90001 * PG);
	int queued = nc_own_covers(far, far + PG);
	int wanted = nc_own_rebuild_wanted();
	int why = nc_own_rebuild_begin(&from);
	int still = nc_own_covers(BASE + 90000 * PG, BASE + 90001 * PG);
	nc_own_rebuilt(from);
	int after = nc_own_covers(BASE + 90000 * PG, BASE + 90001 * PG);
	if (outside == -1 && queued == 1 && wanted && why == NC_OWN_REBUILD_QUEUE && still == -1 && after == 0 &&
	    !nc_own_rebuild_wanted())
		printf("ok - own set: a dropped change makes \"not own\" unknown until the rebuild is done\n");
	else
		printf("not ok - own set: a dropped change makes \"not own\" unknown until the rebuild is done "
		       "(before %d, recorded %d, wanted %d, why %d, during %d, after %d)\n",
		       outside, queued, wanted, why, still, after);

	/* A fork while another thread rebuilds: it took the request and is not
	 * in the child, which must ask again. */
	nc_depth = 2;
	for (int i = 0; i < 200; i++)
		nc_own_add(far + 2 * i * PG, far + (2 * i + 1) * PG);
	nc_depth = 0;
	nc_own_covers(far, far + PG); /* drains what fit */
	why = nc_own_rebuild_begin(&from); /* the other thread's, never finished */
	int taken = nc_own_before_fork(0);
	nc_own_after_fork(taken, 1);
	int again = nc_own_rebuild_begin(&from);
	nc_own_rebuilt(from);
	if (why == NC_OWN_REBUILD_QUEUE && again == NC_OWN_REBUILD_FORK_DURING &&
	    nc_own_covers(BASE + 90000 * PG, BASE + 90001 * PG) == 0)
		printf("ok - own set: a child forked during a rebuild asks for one of its own\n");
	else
		printf("not ok - own set: a child forked during a rebuild asks for one of its own (why %d, again %d)\n",
		       why, again);
}

int main(void)
{
	srand(12345);
	for (int step = 0; step < 20000; step++) {
		int a = rand() % PAGES, len = 1 + rand() % 24, add = rand() % 3 != 0;
		int b = a + len > PAGES ? PAGES : a + len;
		if (add)
			nc_own_add(BASE + a * PG, BASE + b * PG);
		else
			nc_own_remove(BASE + a * PG, BASE + b * PG);
		for (int i = a; i < b; i++)
			model[i] = (unsigned char)add;
		int x = rand() % PAGES, y = x + 1 + rand() % 16;
		if (y > PAGES)
			y = PAGES;
		int all = 1;
		for (int i = x; i < y; i++)
			all &= model[i];
		check("covers() agrees with the model", nc_own_covers(BASE + x * PG, BASE + y * PG) == all, step);
		check("one range per maximal run", nc_own_count() == runs(), step);
	}
	for (int i = 0; i < PAGES; i++)
		check("every page agrees at the end",
		      nc_own_covers(BASE + i * PG, BASE + (i + 1) * PG) == model[i], -1);
	if (!failures)
		printf("ok - own set: 20,000 random adds and removes agree with the model\n");
	/* Far-apart changes must still work (the gap moves the whole way). */
	for (int i = 0; i < 1000; i++)
		nc_own_add(BASE + (PAGES + 2 * i) * PG, BASE + (PAGES + 2 * i + 1) * PG);
	nc_own_remove(BASE, BASE + (PAGES + 2000) * PG);
	nc_own_add(BASE + (PAGES + 4000) * PG, BASE + (PAGES + 4001) * PG);
	nc_own_add(BASE, BASE + PG);
	if (nc_own_count() == 2 && nc_own_covers(BASE, BASE + PG) &&
	    nc_own_covers(BASE + (PAGES + 4000) * PG, BASE + (PAGES + 4001) * PG))
		printf("ok - own set: changes at both ends after a long run\n");
	else
		printf("not ok - own set: changes at both ends after a long run (count %zu)\n", nc_own_count());
	damaged();
	return failures != 0;
}
