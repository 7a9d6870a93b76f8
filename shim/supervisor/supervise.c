/* supervise.c - the supervisor's loop: each notified call is decided like the
 * shim decides one, on the calling process's own maps.
 *
 * Per process (thread group) it keeps /proc/PID/maps open (PROCMAP_QUERY
 * answers per address) and a pidfd that says when the process is gone: then
 * both are closed. At most NC_SV_PROCS processes at once, the least recently
 * asked about is forgotten first: the supervisor's memory does not grow with
 * the tree. A maps descriptor opened for a notification is trusted only once
 * SECCOMP_IOCTL_NOTIF_ID_VALID says the caller still waits: then the pid was
 * not reused by another process in between.
 *
 * "Own" here has no record behind it (the supervisor does not see ordinary
 * mmap calls): nc_own_by_kind (../policy.h). A call made from the preloaded
 * libnoclobber.so's own code (device and inode of its executable mapping) was
 * decided, and logged, by the shim already: it continues unlogged. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "policy.h"
#include "report.h"
#include "seccomp.h"
#include "supervisor.h"
#include "suppress.h"
#include "sys.h"
#include "tally.h"
#include "vmas.h"

#define NC_SV_PROCS 64

struct proc {
	long tgid;     /* 0: a free slot */
	int maps_fd;   /* -1: to be opened */
	int pidfd;
	unsigned long used; /* when last asked about, for eviction */
	uintptr_t at_base; /* where its dynamic loader is (0: none, or not read yet) */
	int at_base_read;
	char program[256];
};

static struct proc procs[NC_SV_PROCS];
static unsigned long clock_tick;
static const struct nc_sv_config *cfg;

static void forget(struct proc *p)
{
	if (p->maps_fd >= 0)
		close(p->maps_fd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->tgid = 0;
	p->maps_fd = p->pidfd = -1;
}

/* The thread group of thread tid, from /proc/TID/status ("Tgid:\tN"). */
static long tgid_of(long tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/status", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *t = strstr(buf, "\nTgid:");
	return t ? strtol(t + 6, 0, 10) : -1;
}

static void program_of(long tgid, char *out, size_t cap)
{
	char path[64], exe[1024];
	snprintf(path, sizeof(path), "/proc/%ld/exe", tgid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(out, cap, "?");
		return;
	}
	exe[n] = 0;
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	size_t k = strlen(base) < cap - 1 ? strlen(base) : cap - 1;
	memcpy(out, base, k);
	out[k] = 0;
}

static int id_valid(uint64_t id)
{
	return ioctl(cfg->listener, NC_SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static int pidfd_gone(int pidfd)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	return poll(&p, 1, 0) > 0;
}

/* The process of the calling thread, its maps open, checked to be the caller's:
 * NULL when the call is no longer waiting (or /proc cannot be read). */
static struct proc *proc_of(long tid, uint64_t id, int reopen)
{
	long tgid = -1;
	struct proc *p = 0, *lru = &procs[0];
	for (int i = 0; i < NC_SV_PROCS; i++) {
		if (procs[i].tgid == tid)
			p = &procs[i];
		if (procs[i].used < lru->used)
			lru = &procs[i];
	}
	if (!p) { /* not a main thread we know: ask which process it is */
		tgid = tgid_of(tid);
		if (tgid <= 0)
			return 0;
		for (int i = 0; i < NC_SV_PROCS && !p; i++)
			if (procs[i].tgid == tgid)
				p = &procs[i];
	} else {
		tgid = p->tgid;
	}
	if (p && (p->pidfd < 0 || pidfd_gone(p->pidfd))) /* a pid reused since */
		forget(p);
	if (p && !p->tgid)
		p = 0;
	if (!p) {
		for (int i = 0; i < NC_SV_PROCS && !p; i++)
			if (!procs[i].tgid)
				p = &procs[i];
		if (!p) {
			p = lru;
			forget(p);
		}
		p->tgid = tgid;
		p->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
		p->program[0] = 0;
		p->at_base_read = 0;
	}
	p->used = ++clock_tick;
	if (reopen && p->maps_fd >= 0) {
		close(p->maps_fd);
		p->maps_fd = -1;
	}
	if (p->maps_fd < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld/maps", tgid);
		p->maps_fd = open(path, O_RDONLY | O_CLOEXEC);
		program_of(tgid, p->program, sizeof(p->program));
		p->at_base_read = 0; /* a new image (exec) has its own loader */
	}
	/* Opened (or known) before this check: the caller is still the one. */
	if (!id_valid(id) || p->maps_fd < 0) {
		if (!id_valid(id))
			forget(p);
		return 0;
	}
	return p;
}

static void record(char kind, long pid)
{
	struct nc_tally_rec r = {(uint8_t)kind, 0, 0, (uint32_t)pid};
	if (cfg->channel >= 0)
		(void)!write(cfg->channel, &r, sizeof(r));
}

static void count(long pid)
{
	record(NC_OPT(mode) == NC_MODE_WARN ? NC_TALLY_WARNED
	       : NC_OPT(mode) == NC_MODE_ABORT ? NC_TALLY_ABORTING
					       : NC_TALLY_REFUSED,
	       pid);
}

static void answer(uint64_t id, int error)
{
	struct nc_seccomp_notif_resp r = {id, 0, error ? -error : 0, error ? 0 : NC_SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	/* ENOENT: the caller is gone (killed, or its call interrupted). */
	(void)ioctl(cfg->listener, NC_SECCOMP_IOCTL_NOTIF_SEND, &r);
}

/* The call's arguments as the shim's report has them; 0 when it is no
 * replacement at all (the kernel's own answer is then left to it). */
static int call_of(const struct nc_seccomp_notif *n, enum nc_sv_door door, int c32, long tgid, struct nc_call *c)
{
	const uint64_t *a = n->data.args;
	uint64_t m = c32 ? 0xffffffffu : ~0ull;
	memset(c, 0, sizeof(*c));
	c->caller_pc = (uintptr_t)n->data.instruction_pointer;
	switch (door) {
	case NC_SV_OLD_MMAP: {
		uint32_t v[6];
		if (nc_mem_read_in(tgid, (uintptr_t)a[0] & m, v, sizeof(v)))
			return 0;
		if (!(v[3] & MAP_FIXED) || (v[3] & MAP_FIXED_NOREPLACE))
			return 0;
		c->door = NC_DOOR_MMAP;
		c->name = "mmap";
		c->addr = v[0], c->len = v[1], c->prot = (int)v[2], c->flags = (int)v[3], c->fd = (int)v[4];
		c->offset = v[5];
		break;
	}
	case NC_SV_MMAP:
	case NC_SV_MMAP2:
		c->door = NC_DOOR_MMAP;
		c->name = door == NC_SV_MMAP2 ? "mmap2" : "mmap";
		c->addr = a[0] & m, c->len = a[1] & m, c->prot = (int)a[2], c->flags = (int)a[3], c->fd = (int)a[4];
		c->offset = (off_t)((a[5] & m) * (door == NC_SV_MMAP2 ? 4096 : 1));
		break;
	case NC_SV_MREMAP:
		c->door = NC_DOOR_MREMAP;
		c->name = "mremap";
		c->old_addr = a[0] & m, c->old_len = a[1] & m, c->len = a[2] & m, c->flags = (int)a[3];
		c->addr = a[4] & m;
		break;
	case NC_SV_SHMAT:
	case NC_SV_IPC_SHMAT: {
		int ipc = door == NC_SV_IPC_SHMAT;
		c->door = NC_DOOR_SHMAT;
		c->name = "shmat";
		c->shmid = (int)a[ipc ? 1 : 0];
		c->flags = (int)a[2];
		c->addr = a[ipc ? 4 : 1] & m;
		if (c->flags & SHM_RND)
			c->addr &= ~(uintptr_t)(SHMLBA - 1);
		struct shmid_ds ds;
		if (shmctl(c->shmid, IPC_STAT, &ds) < 0) /* not ours to see: the kernel answers */
			return 0;
		c->len = ds.shm_segsz;
		break;
	}
	default:
		return 0;
	}
	return c->len && !(c->addr & (nc_page_size - 1));
}

static void on_exec(const struct nc_seccomp_notif *n)
{
	long tgid = tgid_of(n->pid);
	if (tgid > 0 && id_valid(n->id)) {
		record(NC_TALLY_SUPERVISED, tgid);
		for (int i = 0; i < NC_SV_PROCS; i++)
			if (procs[i].tgid == tgid && procs[i].maps_fd >= 0) { /* the new image's maps, next time */
				close(procs[i].maps_fd);
				procs[i].maps_fd = -1;
			}
	}
	answer(n->id, 0);
}

/* AT_BASE from /proc/PID/auxv: where the program's interpreter was loaded. */
static uintptr_t loader_base(struct proc *p, int c32)
{
	if (p->at_base_read)
		return p->at_base;
	p->at_base_read = 1;
	p->at_base = 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/auxv", p->tgid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	unsigned char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	size_t w = c32 ? 4 : sizeof(unsigned long);
	for (ssize_t i = 0; i + 2 * (ssize_t)w <= n; i += 2 * (ssize_t)w) {
		uint64_t key = 0, val = 0;
		memcpy(&key, buf + i, w); /* little-endian: the low bytes first */
		memcpy(&val, buf + i + w, w);
		if (key == 7 /* AT_BASE */)
			p->at_base = (uintptr_t)val;
		if (key == 0)
			break;
	}
	return p->at_base;
}

static int same_file(const struct nc_vma *a, const struct nc_vma *b)
{
	return a->inode && a->inode == b->inode && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

/* The dynamic loader laying out the image it loads: it maps the whole file,
 * then each segment over it MAP_FIXED (the same file), and the zero-filled
 * end anonymous over the rest of it. Nothing else is mapped over: every
 * victim is a mapping of one file, the one the call maps, if it maps one.
 * The preload never sees these calls (the loader makes its own). */
static int loader_layout(struct nc_vmas *s, const struct nc_call *c, const struct nc_vma *code, struct proc *p, int c32)
{
	uintptr_t base = loader_base(p, c32);
	struct nc_vma ld, v, first;
	if (!base || c->door != NC_DOOR_MMAP || nc_vmas_find(s, base, 0, &ld) != 1 || !same_file(&ld, code))
		return 0;
	struct nc_vma mapped = {0};
	if (!(c->flags & MAP_ANONYMOUS)) {
		char path[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", p->tgid, c->fd);
		if (stat(path, &st) < 0)
			return 0;
		mapped.inode = st.st_ino;
		mapped.dev_major = major(st.st_dev);
		mapped.dev_minor = minor(st.st_dev);
	}
	uintptr_t end = nc_range_end(c->addr, c->len);
	int n = 0;
	for (uintptr_t at = c->addr; at < end && nc_vmas_find(s, at, 1, &v) == 1 && v.start < end && v.end > at; at = v.end) {
		if (!n++)
			first = v;
		if (!same_file(&v, &first) || (mapped.inode && !same_file(&v, &mapped)))
			return 0;
	}
	return n > 0;
}

/* The notification being decided, for stack_of. */
static const struct nc_seccomp_notif *deciding;
static long deciding_tgid;

/* stack=N, when a line is written: where the calling thread's stack is, for
 * the walk (unwind.h). The thread waits in the kernel for our answer, so
 * /proc/PID/syscall shows its stack pointer and pc; they count only if that is
 * the very call (its number and pc) and, read, the caller still waits (not a
 * reused thread id). */
static void stack_of(const struct nc_call *c, struct nc_unwind_ctx *ctx)
{
	(void)c;
#if defined(__x86_64__) || defined(__aarch64__)
	const struct nc_seccomp_notif *n = deciding;
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/syscall", deciding_tgid, (long)n->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return;
	buf[k] = 0;
	/* "NR ARG1 ... ARG6 SP PC" */
	unsigned long long v[9];
	char *at = buf, *end;
	for (int i = 0; i < 9; i++, at = end) {
		errno = 0;
		v[i] = strtoull(at, &end, 0);
		if (end == at || errno)
			return;
	}
	if (v[0] != (unsigned long long)n->data.nr || v[8] != n->data.instruction_pointer || !id_valid(n->id))
		return;
	ctx->r[NC_UNW_SP] = (uintptr_t)v[7];
	ctx->r[NC_UNW_PC] = (uintptr_t)v[8];
	ctx->sp_pc_only = 1;
	ctx->valid = 1;
#else
	(void)ctx;
#endif
}

static int from_shim(const struct nc_vma *v)
{
	return cfg->have_lib && (v->perms & NC_PERM_X) && v->inode == cfg->lib_ino && v->dev_major == cfg->lib_major &&
	       v->dev_minor == cfg->lib_minor;
}

static void on_call(const struct nc_seccomp_notif *n, enum nc_sv_door door, int c32)
{
	struct nc_call c;
	long tid = n->pid;
	struct proc *p = proc_of(tid, n->id, 0);
	if (!p)
		return; /* the caller is gone: nobody to answer */
	if (!call_of(n, door, c32, p->tgid, &c) || NC_OPT(mode) == NC_MODE_OFF) {
		answer(n->id, 0);
		return;
	}
	struct nc_target t = {p->tgid, p->maps_fd, tid, p->program};
	struct nc_vmas s;
	struct nc_vma v;
	/* The calling code is mapped: not found (or ESRCH) means the descriptor
	 * shows an image the process has left by exec. Opened again, once. */
	nc_vmas_begin_target(&s, &t);
	int r = nc_vmas_find(&s, c.caller_pc, 0, &v);
	if (r != 1) {
		nc_vmas_end(&s);
		p = proc_of(tid, n->id, 1);
		if (!p)
			return;
		t.maps_fd = p->maps_fd;
		t.program = p->program;
		nc_vmas_begin_target(&s, &t);
		r = nc_vmas_find(&s, c.caller_pc, 0, &v);
	}
	if (r == 1 && from_shim(&v)) {
		nc_vmas_end(&s);
		answer(n->id, 0);
		return;
	}
	struct nc_vma code = v;
	if (!c32) { /* the walker is for our own architecture */
		deciding = n;
		deciding_tgid = p->tgid;
		c.lazy_ctx = stack_of;
	}
	uintptr_t end = nc_range_end(c.addr, c.len);
	int taken = nc_vmas_find(&s, c.addr, 1, &v) == 1 && v.start < end;
	if (taken && r == 1 && loader_layout(&s, &c, &code, p, c32))
		taken = 0;
	int verdict = taken ? nc_judge(&s, &c, count) : NC_JUDGE_GO_ON;
	nc_vmas_end(&s);
	if (verdict == NC_JUDGE_ABORT)
		syscall(SYS_tgkill, p->tgid, tid, SIGABRT); /* delivered as the refused call returns */
	answer(n->id, verdict == NC_JUDGE_GO_ON ? 0 : EEXIST);
}

void nc_sv_run(const struct nc_sv_config *c)
{
	cfg = c;
	long ps = sysconf(_SC_PAGESIZE);
	if (ps > 0)
		nc_page_size = (size_t)ps;
	nc_log_note_stderr();
	char err[512];
	if (nc_options_parse(c->options, &nc_opts, err, sizeof(err)) < 0)
		nc_options_parse(0, &nc_opts, err, sizeof(err)); /* the shim says what is wrong */
	if (nc_opts.suppressions[0] && nc_supp_load(nc_opts.suppressions, err, sizeof(err)) < 0)
		nc_opts.suppressions[0] = 0;
	for (int i = 0; i < NC_SV_PROCS; i++)
		procs[i].maps_fd = procs[i].pidfd = -1;
	struct pollfd pf[1 + NC_SV_PROCS];
	struct proc *of[1 + NC_SV_PROCS];
	for (;;) {
		int n = 0;
		pf[n++] = (struct pollfd){c->listener, POLLIN, 0};
		for (int i = 0; i < NC_SV_PROCS; i++)
			if (procs[i].tgid && procs[i].pidfd >= 0) {
				of[n] = &procs[i];
				pf[n++] = (struct pollfd){procs[i].pidfd, POLLIN, 0};
			}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 1; i < n; i++)
			if (pf[i].revents)
				forget(of[i]); /* that process has ended */
		if (pf[0].revents & POLLIN) {
			struct nc_seccomp_notif note;
			memset(&note, 0, sizeof(note));
			if (ioctl(c->listener, NC_SECCOMP_IOCTL_NOTIF_RECV, &note) < 0)
				continue; /* ENOENT: the caller went away before we asked */
			int c32 = 0;
			enum nc_sv_door door = nc_sv_door(note.data.arch, (uint32_t)note.data.nr, &c32);
			if (door == NC_SV_EXEC)
				on_exec(&note);
			else
				on_call(&note, door, c32);
		} else if (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break; /* no process uses the filter any more */
		}
	}
	_exit(0);
}
