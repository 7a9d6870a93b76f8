/* vmas.c - per-address mapping lookups of vmas.h. */
#include "vmas.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "lock.h"
#include "regions.h"
#include "sys.h"

/* PROCMAP_QUERY as Linux 6.11 defines it in <linux/fs.h>; installed headers
 * may predate it, so the layout is spelled out here. */
struct nc_procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define NC_PROCMAP_QUERY 0xc0686611UL /* _IOWR('f', 17, struct procmap_query) */
#define NC_PMQ_COVERING_OR_NEXT 0x10

/* 1 once a kernel (or a sandbox) has said it has no PROCMAP_QUERY: stop asking. */
static int query_missing;
int nc_sandboxed;

static void refused(long r, int ioctl);

/* The same through a pipe: write(2) copies from our memory, or fails with
 * EFAULT. For where process_vm_readv cannot read ourselves: qemu-user hands it
 * guest addresses untranslated (and a seccomp policy may forbid it). */
static int pipe_read(uintptr_t addr, char *buf, size_t n)
{
	int p[2];
	if (nc_sys(SYS_pipe2, p, O_CLOEXEC, 0) < 0)
		return -EFAULT;
	int err = 0;
	for (size_t done = 0; done < n && !err;) {
		size_t k = n - done < 4096 ? n - done : 4096; /* within the pipe's capacity */
		long w = nc_sys(SYS_write, p[1], addr + done, k);
		err = w != (long)k || nc_sys_read(p[0], buf + done, k) != (long)k;
		done += k;
	}
	nc_sys_close(p[0]);
	nc_sys_close(p[1]);
	return err ? -EFAULT : 0;
}

/* 1 once process_vm_readv said ENOSYS: a kernel built without it
 * (CONFIG_CROSS_MEMORY_ATTACH) or qemu-user, which has none. No sandbox is
 * inferred from that answer; the pipe does the reading from then on. */
static int vm_readv_missing;

int nc_mem_read_in(long pid, uintptr_t addr, void *buf, size_t n)
{
	if (pid) { /* another process: no pipe trick can read it */
		struct iovec local = {buf, n}, remote = {(void *)addr, n};
		long r = nc_syscall6(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote, 1, 0);
		return r < 0 ? (int)r : (size_t)r == n ? 0 : -EFAULT;
	}
	return nc_mem_read(addr, buf, n);
}

int nc_mem_read(uintptr_t addr, void *buf, size_t n)
{
	if (__atomic_load_n(&vm_readv_missing, __ATOMIC_RELAXED))
		return nc_sandboxed ? -ENOSYS : pipe_read(addr, buf, n);
	struct iovec local = {buf, n}, remote = {(void *)addr, n};
	long r = nc_syscall6(SYS_process_vm_readv, nc_self_pid(), (long)&local, 1, (long)&remote, 1, 0);
	if (r == -ENOSYS)
		__atomic_store_n(&vm_readv_missing, 1, __ATOMIC_RELAXED);
	else if (r < 0)
		refused(r, 0);
	if (r < 0 && !nc_sandboxed && (r == -EFAULT || r == -ENOSYS || r == -EPERM))
		return pipe_read(addr, buf, n);
	if (r < 0)
		return (int)r;
	return (size_t)r == n ? 0 : -EFAULT;
}

static int kept_text_fd(void);

static int use_table(struct nc_vmas *s)
{
	if (s->target) {
		nc_lock(&nc_table_lock);
		s->table = 1;
		s->err = nc_table_refresh(&nc_the_table, s->target->maps_fd);
		return s->err;
	}
	/* A new descriptor each time (qemu-user's maps is a copy made at open);
	 * where none can be had (EMFILE, a chroot, a sandbox), the kept one. Asked
	 * before the table's lock is taken: fork takes the kept descriptor's lock
	 * first. */
	int fd = kept_text_fd();
	nc_lock(&nc_table_lock);
	s->table = 1;
	if (!nc_sandboxed) {
		s->err = nc_table_refresh(&nc_the_table, -1);
		refused(s->err, 0);
		int cannot_open = s->err == -EMFILE || s->err == -ENFILE || s->err == -ENOENT || s->err == -EACCES ||
				  s->err == -ENOSYS || s->err == -EPERM;
		if (!cannot_open || fd < 0)
			return s->err;
	} else if (fd < 0) {
		s->err = -EACCES;
		return s->err;
	}
	s->err = nc_table_refresh(&nc_the_table, fd);
	return s->err;
}

/* The kept descriptor of /proc/self/maps. Opening the file costs more than all
 * the questions of a refusal together, so it stays open (at a high number, see
 * nc_sys_fd_high). Trusted only while it is still the file we
 * opened in this process: a program may close every descriptor and reuse the
 * number, and a fork child's copy shows the parent. Published once, never
 * closed while other threads may use it (only in a fork child, single-threaded):
 * so sessions use it without holding a lock. */
static nc_lock_t kept_lock;
static int kept_fd = -1;
static long kept_pid;
static dev_t kept_dev;
static ino_t kept_ino;
static unsigned kept_gen; /* bumped at each publication: numbers are reused, records are not */

static int fd_is(int fd, dev_t dev, ino_t ino)
{
	/* In a sandbox fstat may be forbidden (a filter may kill for it); the
	 * number is trusted there. */
	if (__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return 1;
	struct stat st;
	return nc_sys(SYS_fstat, fd, &st, 0) == 0 && st.st_dev == dev && st.st_ino == ino;
}

int nc_vmas_before_fork(int nested)
{
	if (nested)
		return nc_trylock(&kept_lock);
	nc_lock(&kept_lock);
	return 1;
}

void nc_vmas_after_fork_parent(int taken)
{
	if (taken)
		nc_unlock(&kept_lock);
}

/* The child's copy shows the parent: close it, if it still is ours (the
 * program may have closed it and put a file of its own at that number). */
void nc_vmas_after_fork_child(void)
{
	nc_lock_reset(&kept_lock);
	if (kept_fd >= 0 && fd_is(kept_fd, kept_dev, kept_ino))
		nc_sys_close(kept_fd);
	kept_fd = -1;
	nc_vmas_open_early();
}

/* Open /proc/self/maps and check that the kernel answers PROCMAP_QUERY on it
 * (unless the descriptor is wanted for its text alone). */
static long open_maps(int text_only)
{
	long fd = nc_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd == -ENOSYS)
		refused(fd, 0);
	if (fd < 0 || text_only)
		return fd;
	struct nc_procmap_query q = {0};
	q.size = sizeof(q);
	q.query_flags = NC_PMQ_COVERING_OR_NEXT;
	q.query_addr = (uintptr_t)&kept_fd;
	long r = nc_sys_ioctl((int)fd, NC_PROCMAP_QUERY, &q);
	refused(r, 1);
	/* Before Linux 6.11 (ENOTTY), or qemu-user (ENOSYS for an ioctl it does
	 * not know): the table answers. */
	if (r == -ENOTTY || r == -EINVAL || r == -ENOSYS)
		__atomic_store_n(&query_missing, 1, __ATOMIC_RELAXED);
	return fd; /* kept all the same: the table is read from it */
}

/* A descriptor for one session; *passing = 1 when it is the session's alone. */
static long maps_fd(int *passing, long pid, int text_only)
{
	*passing = 0;
	/* A vfork child shares our memory but not our pid: the record is the
	 * parent's, and nothing of the child's may go into it. */
	int mine = pid == nc_self_pid();
	nc_lock(&kept_lock);
	int fd = kept_fd;
	unsigned gen = kept_gen;
	if (fd >= 0 && kept_pid == pid && fd_is(fd, kept_dev, kept_ino)) {
		nc_unlock(&kept_lock);
		return fd;
	}
	nc_unlock(&kept_lock);

	long got = open_maps(text_only);
	if (got < 0)
		return got;
	long high = mine ? nc_sys_fd_high((int)got) : -1;
	struct stat st;
	if (high < 0 || nc_sys(SYS_fstat, high, &st, 0) != 0) {
		*passing = 1; /* kept nowhere: closed at the end of the session */
		return high >= 0 ? high : got;
	}
	nc_lock(&kept_lock);
	if (kept_gen == gen) { /* nobody replaced the stale record meanwhile (it is not ours to close) */
		kept_gen++;
		kept_fd = (int)high;
		kept_pid = pid;
		kept_dev = st.st_dev;
		kept_ino = st.st_ino;
		nc_unlock(&kept_lock);
		return high;
	}
	nc_unlock(&kept_lock);
	*passing = 1;
	return high;
}

int nc_vmas_begin_target(struct nc_vmas *s, const struct nc_target *t)
{
	s->target = t;
	s->fd = -1;
	s->fd_passing = 0;
	s->table = 0;
	s->err = 0;
	s->last_ok = 0;
	s->pid = t->pid;
	if (!__atomic_load_n(&query_missing, __ATOMIC_RELAXED)) {
		s->fd = t->maps_fd;
		return 0;
	}
	return use_table(s);
}

int nc_vmas_begin(struct nc_vmas *s, int force_table)
{
	s->target = 0;
	s->fd = -1;
	s->fd_passing = 0;
	s->table = 0;
	s->err = 0;
	s->last_ok = 0;
	s->pid = 0;
	if (!force_table && !nc_sandboxed && !__atomic_load_n(&query_missing, __ATOMIC_RELAXED)) {
		s->pid = nc_sys_getpid();
		long fd = maps_fd(&s->fd_passing, s->pid, 0);
		/* Opening it may have just found that the kernel has no
		 * PROCMAP_QUERY (or that a sandbox forbids it). */
		if (fd >= 0 && !__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED) &&
		    !__atomic_load_n(&query_missing, __ATOMIC_RELAXED)) {
			s->fd = (int)fd;
			return 0;
		}
		if (fd >= 0 && s->fd_passing)
			nc_sys_close((int)fd);
		s->fd_passing = 0;
	}
	return use_table(s);
}

size_t nc_vmas_count(const struct nc_vmas *s) { return s->table ? (s->err ? 0 : nc_the_table.n) : 1; }

/* The kept descriptor, for its text: what a sandboxed process reads the maps
 * from. -1 if there is none (or it is not ours any more). */
static int kept_text_fd(void)
{
	nc_lock(&kept_lock);
	int fd = kept_fd >= 0 && kept_pid == nc_self_pid() && fd_is(kept_fd, kept_dev, kept_ino) ? kept_fd : -1;
	nc_unlock(&kept_lock);
	return fd;
}

/* The kept descriptor opened now, if it is not open yet (and it can be kept:
 * one that cannot is closed, and the table will say it cannot be read). */
static void keep_maps_fd(long pid, int text_only)
{
	if (__atomic_load_n(&nc_sandboxed, __ATOMIC_RELAXED))
		return;
	int passing;
	long fd = maps_fd(&passing, pid, text_only);
	if (fd >= 0 && passing)
		nc_sys_close((int)fd);
}

void nc_vmas_sandbox_prepare(void) { keep_maps_fd(nc_sys_getpid(), 1); }
/* At start and in a fork child, where nc_pid has just been set. */
void nc_vmas_open_early(void) { keep_maps_fd(nc_self_pid(), 0); }

void nc_vmas_sandbox_begin(void) { __atomic_store_n(&nc_sandboxed, 1, __ATOMIC_RELAXED); }

void nc_vmas_end(struct nc_vmas *s)
{
	if (s->fd >= 0 && s->fd_passing)
		nc_sys_close(s->fd);
	if (s->table)
		nc_unlock(&nc_table_lock);
	s->fd = -1;
	s->table = 0;
}

static int query(struct nc_vmas *s, uintptr_t addr, int or_next, struct nc_vma *out)
{
	struct nc_procmap_query q = {0};
	q.size = sizeof(q);
	q.query_flags = or_next ? NC_PMQ_COVERING_OR_NEXT : 0;
	q.query_addr = addr;
	q.vma_name_addr = (uint64_t)(uintptr_t)out->name;
	q.vma_name_size = sizeof(out->name);
	long r = nc_sys_ioctl(s->fd, NC_PROCMAP_QUERY, &q);
	out->name_truncated = 0;
	if (r == -ENAMETOOLONG) { /* keep the mapping, lose the name */
		q.vma_name_addr = 0;
		q.vma_name_size = 0;
		r = nc_sys_ioctl(s->fd, NC_PROCMAP_QUERY, &q);
		out->name_truncated = 1;
	}
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return (int)r;
	out->start = q.vma_start;
	out->end = q.vma_end;
	out->offset = q.vma_offset;
	out->inode = q.inode;
	out->dev_major = q.dev_major;
	out->dev_minor = q.dev_minor;
	out->perms = (unsigned)(q.vma_flags & 0xf); /* same bits as NC_PERM_* */
	out->name_len = q.vma_name_size ? q.vma_name_size - 1 : 0; /* size counts the NUL */
	out->name[out->name_len] = 0;
	return 1;
}

/* A file mapping belongs to a loaded image when its file, mapped at offset 0 just
 * below it, starts with an ELF header. */
static unsigned classify(struct nc_vmas *s, const struct nc_vma *v)
{
	unsigned kind = nc_kind_from_name(v->name, v->name_len, v->perms, v->inode);
	if (kind != NC_RK_FILE || (v->perms & NC_PERM_S) || v->offset > v->start)
		return kind;
	if (v->perms & NC_PERM_X)
		return NC_RK_IMAGE;
	/* The file's offset 0 is usually at start - offset; a loader that
	 * places segments a page further apart than in the file (musl's libc)
	 * puts it lower: walk down this file's mappings to it. */
	struct nc_vma base;
	uintptr_t at = v->start - (uintptr_t)v->offset;
	int found = query(s, at, 0, &base) == 1 && base.inode == v->inode && base.offset == 0;
	if (!found)
		base.start = v->start;
	for (int step = 0; !found && step < 8 && base.start > 0; step++) {
		if (query(s, base.start - 1, 0, &base) != 1 || base.inode != v->inode || base.dev_major != v->dev_major ||
		    base.dev_minor != v->dev_minor)
			return kind;
		found = base.offset == 0;
	}
	if (!found)
		return kind;
	at = base.start;
	char magic[4];
	if (nc_mem_read_in(nc_vmas_target_pid(s), at, magic, 4) == 0 && magic[0] == 0x7f && magic[1] == 'E' &&
	    magic[2] == 'L' && magic[3] == 'F')
		return NC_RK_IMAGE;
	return kind;
}

/* The descriptor answered as if it were not /proc/self/maps any more (the
 * kernel's support was checked when it was opened): the program closed it
 * and reused the number between our check and our question. The table
 * answers for the rest of this session. */
/* A seccomp filter answers a call it forbids with an error of its choosing
 * (ENOSYS, EPERM, EACCES): the program is in a sandbox the shim was not told of
 * (installed with a raw system call). From then on it behaves as in one it was
 * told of. ENOSYS for an ioctl proves nothing (qemu-user says it of every
 * ioctl it does not know): then the question alone is not asked again. */
static void refused(long r, int ioctl)
{
	if (r == -ENOSYS || r == -EPERM || r == -EACCES)
		__atomic_store_n(&query_missing, 1, __ATOMIC_RELAXED);
	if (r == -EPERM || r == -EACCES || (r == -ENOSYS && !ioctl))
		__atomic_store_n(&nc_sandboxed, 1, __ATOMIC_RELAXED);
}

static void fd_lost(struct nc_vmas *s)
{
	if (s->fd_passing)
		nc_sys_close(s->fd);
	s->fd = -1;
	s->fd_passing = 0;
	use_table(s);
}

int nc_vmas_find(struct nc_vmas *s, uintptr_t addr, int or_next, struct nc_vma *out)
{
	/* The same address, or one inside the last answer (a stack's frames in
	 * one library): the same mapping, without asking again. */
	if (s->last_ok && ((s->last_addr == addr && s->last_or_next == or_next) ||
			   (s->last.start <= addr && addr < s->last.end))) {
		*out = s->last;
		return 1;
	}
	if (s->fd >= 0) {
		int r = query(s, addr, or_next, out);
		if (r < 0 && r != -ENAMETOOLONG && s->target) {
			if (r == -ENOTTY || r == -EINVAL) /* a kernel without PROCMAP_QUERY */
				__atomic_store_n(&query_missing, 1, __ATOMIC_RELAXED);
			s->fd = -1;
			use_table(s);
			return nc_vmas_find(s, addr, or_next, out);
		}
		if (r < 0 && r != -ENAMETOOLONG) {
			/* The descriptor is not maps any more (the program reused its
			 * number), or the kernel or a sandbox refuses the question
			 * (ENOSYS, EPERM, EACCES from a seccomp filter): not again. */
			refused(r, 1);
			fd_lost(s);
			return nc_vmas_find(s, addr, or_next, out);
		}
		if (r == 1) {
			out->deleted = out->name_len >= 10 &&
				       !__builtin_memcmp(out->name + out->name_len - 10, " (deleted)", 10);
			out->kind = classify(s, out);
			s->last = *out;
			s->last_addr = addr;
			s->last_or_next = or_next;
			s->last_ok = 1;
		}
		return r;
	}
	if (!s->table || s->err)
		return s->err ? s->err : 0;
	const struct nc_region *r = nc_table_find(&nc_the_table, addr, or_next);
	if (!r)
		return 0;
	out->start = r->start;
	out->end = r->end;
	out->offset = r->offset;
	out->inode = r->inode;
	out->dev_major = r->dev_major;
	out->dev_minor = r->dev_minor;
	out->perms = r->perms;
	out->kind = r->kind;
	out->deleted = r->deleted;
	/* maps text shows a newline in a path as \012; PROCMAP_QUERY gives the
	 * byte itself. Give the byte here too, so both sources name a file alike. */
	const char *src = nc_region_name(&nc_the_table, r);
	size_t n = 0, i = 0;
	while (i < r->name_len && n < sizeof(out->name) - 1) {
		if (src[i] == '\\' && i + 3 < r->name_len && src[i + 1] == '0' && src[i + 2] == '1' &&
		    src[i + 3] == '2') {
			out->name[n++] = '\n';
			i += 4;
		} else {
			out->name[n++] = src[i++];
		}
	}
	out->name_truncated = i < r->name_len;
	out->name[n] = 0;
	out->name_len = n;
	return 1;
}

int nc_vmas_span(struct nc_vmas *s, uintptr_t addr, uintptr_t *start, uintptr_t *end)
{
	if (s->fd >= 0) {
		struct nc_procmap_query q = {0};
		q.size = sizeof(q);
		q.query_flags = NC_PMQ_COVERING_OR_NEXT;
		q.query_addr = addr;
		long r = nc_sys_ioctl(s->fd, NC_PROCMAP_QUERY, &q);
		if (r == 0) {
			*start = q.vma_start;
			*end = q.vma_end;
			return 1;
		}
		if (r == -ENOENT)
			return 0;
		if (s->target) {
			s->fd = -1;
			use_table(s);
		} else {
			refused(r, 1);
			fd_lost(s);
		}
	}
	struct nc_vma v; /* the table (or the fall back to it) */
	int r = nc_vmas_find(s, addr, 1, &v);
	if (r == 1) {
		*start = v.start;
		*end = v.end;
	}
	return r;
}
