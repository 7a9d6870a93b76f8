/* regions.c - the region table of regions.h: storage, refresh, lookup. */
#include "regions.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "arena.h"
#include "sys.h"

struct nc_table nc_the_table;
nc_lock_t nc_table_lock;

/* The read buffer for /proc/self/maps is a slice of the arena (used only under
 * nc_table_lock). The kernel hands out whole lines per read, so one page would
 * do; more means fewer reads. */

static const char *const kind_names[] = {"anon", "file", "image", "stack", "heap", "vdso", "shm"};

const char *nc_region_kind_name(unsigned kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t i = 0;
	for (; prefix[i]; i++)
		if (i >= n || s[i] != prefix[i])
			return 0;
	return 1;
}

unsigned nc_kind_from_name(const char *name, size_t len, unsigned perms, uint64_t inode)
{
	if (len && name[0] == '[') {
		if (starts(name, len, "[stack"))
			return NC_RK_STACK;
		if (starts(name, len, "[heap]"))
			return NC_RK_HEAP;
		if (starts(name, len, "[vdso]") || starts(name, len, "[vvar") ||
		    starts(name, len, "[vsyscall]"))
			return NC_RK_VDSO;
		if (starts(name, len, "[anon_shmem:"))
			return NC_RK_SHM;
		return (perms & NC_PERM_S) ? NC_RK_SHM : NC_RK_ANON;
	}
	if (starts(name, len, "/SYSV") || starts(name, len, "/dev/shm/") ||
	    starts(name, len, "/memfd:") || starts(name, len, "/dev/zero"))
		return NC_RK_SHM;
	/* Anonymous MAP_HUGETLB memory: a file of the kernel's, in name only. */
	if (starts(name, len, "/anon_hugepage"))
		return (perms & NC_PERM_S) ? NC_RK_SHM : NC_RK_ANON;
	if (len == 0 || inode == 0)
		return (perms & NC_PERM_S) ? NC_RK_SHM : NC_RK_ANON;
	return NC_RK_FILE;
}

/* The table's storage: slices of the arena at first, grown as the process's
 * mappings need (store.h). */
static int storage(struct nc_table *t)
{
	if (t->r)
		return 0;
	if (nc_store_init(&t->r_store, NC_ARENA_REGIONS) < 0 || nc_store_init(&t->names_store, NC_ARENA_NAMES) < 0)
		return -1;
	t->r = (struct nc_region *)t->r_store.base;
	t->cap = t->r_store.size / sizeof(*t->r);
	t->names = t->names_store.base;
	t->names_cap = t->names_store.size;
	return 0;
}

/* Room for one more entry and its name: the storage doubles (and may move, so
 * the read that is going on may have missed it: the caller reads again). */
static int room(struct nc_table *t, size_t name_len)
{
	if (t->n == t->cap) {
		if (nc_store_grow(&t->r_store, (t->cap + 1) * sizeof(*t->r)) < 0)
			return -1;
		t->r = (struct nc_region *)t->r_store.base;
		t->cap = t->r_store.size / sizeof(*t->r);
		t->grew = 1;
	}
	if (t->names_len + name_len + 1 > t->names_cap) {
		if (nc_store_grow(&t->names_store, t->names_len + name_len + 1) < 0)
			return -1;
		t->names = t->names_store.base;
		t->names_cap = t->names_store.size;
		t->grew = 1;
	}
	return 0;
}

static int add_entry(void *ctx, const struct nc_maps_entry *e)
{
	struct nc_table *t = ctx;
	/* maps is only consistent within one read(2); a line from before a change can
	 * repeat or overlap what came earlier, so keep the table strictly ascending. */
	if (t->n && e->start < t->r[t->n - 1].end)
		return 0;
	size_t name_len = e->path_len;
	if (room(t, name_len) < 0) {
		if (t->n == t->cap)
			return 1;
		name_len = 0; /* no memory for the name: keep the entry */
	}
	struct nc_region *r = &t->r[t->n++];
	r->start = e->start;
	r->end = e->end;
	r->offset = e->offset;
	r->inode = e->inode;
	r->dev_major = e->dev_major;
	r->dev_minor = e->dev_minor;
	r->perms = e->perms;
	r->name_off = (uint32_t)t->names_len;
	r->name_len = (uint32_t)name_len;
	for (size_t i = 0; i < name_len; i++)
		t->names[t->names_len++] = e->path[i];
	t->names[t->names_len++] = 0;
	r->kind = nc_kind_from_name(e->path, e->path_len, e->perms, e->inode);
	r->deleted = e->path_len >= 10 && starts(e->path + e->path_len - 10, 10, " (deleted)");
	return 0;
}

/* A file run with an executable segment is a loaded image: its read-only and
 * data segments are as much "libc" as its text. Segments of one object are
 * consecutive in the table, so one pass over runs of the same file does it. */
static void mark_images(struct nc_table *t)
{
	size_t i = 0;
	while (i < t->n) {
		size_t j = i;
		int exec = 0;
		while (j < t->n && t->r[j].kind == NC_RK_FILE && t->r[j].inode == t->r[i].inode &&
		       t->r[j].dev_major == t->r[i].dev_major && t->r[j].dev_minor == t->r[i].dev_minor) {
			exec |= (t->r[j].perms & NC_PERM_X) != 0;
			j++;
		}
		if (j == i) {
			i++;
			continue;
		}
		for (size_t k = i; k < j; k++)
			if (exec)
				t->r[k].kind = NC_RK_IMAGE;
		i = j;
	}
}

int nc_table_load(struct nc_table *t, nc_maps_read_fn rd, void *ctx)
{
	t->n = 0;
	t->names_len = 0;
	t->stats = (struct nc_maps_stats){0, 0, 0};
	if (storage(t) < 0) {
		t->failed = -12; /* ENOMEM */
		return t->failed;
	}
	size_t buf_size;
	char *buf = nc_arena_part(NC_ARENA_READBUF, &buf_size);
	if (!buf) {
		t->failed = -12;
		return t->failed;
	}
	int r = nc_maps_stream(rd, ctx, buf, buf_size, add_entry, t, &t->stats);
	if (r < 0) {
		t->n = 0;
		t->failed = r;
		return r;
	}
	if (r == 1) { /* out of memory for the table: keep what fitted */
		t->failed = -12;
	} else {
		t->failed = 0;
	}
	mark_images(t);
	return t->failed;
}

struct source {
	int fd;
	int positioned; /* read with pread from off: a descriptor kept open, read again */
	long long off;
};

static long read_source(void *ctx, char *buf, size_t n)
{
	struct source *src = ctx;
	if (!src->positioned)
		return nc_sys_read(src->fd, buf, n);
	long r;
	do
		r = nc_sys_pread(src->fd, buf, n, src->off);
	while (r == -EINTR);
	if (r > 0)
		src->off += r;
	return r;
}

int nc_table_refresh(struct nc_table *t, int fd)
{
	int r = -ENOMEM;
	/* A read during which the storage grew may have missed its new place:
	 * read again (a few times at most: each growth doubles the room). */
	for (int tries = 0; tries < 4; tries++) {
		struct source src = {fd, fd >= 0, 0};
		if (fd < 0) {
			long o = nc_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
			if (o < 0) {
				t->n = 0;
				t->failed = (int)o;
				return (int)o;
			}
			src.fd = (int)o;
		}
		t->grew = 0;
		r = nc_table_load(t, read_source, &src);
		if (fd < 0)
			nc_sys_close(src.fd);
		if (!t->grew)
			break;
	}
	return r;
}

const struct nc_region *nc_table_find(const struct nc_table *t, uintptr_t addr, int or_next)
{
	size_t lo = 0, hi = t->n; /* first region with end > addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->r[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == t->n)
		return 0;
	if (t->r[lo].start <= addr || or_next)
		return &t->r[lo];
	return 0;
}
