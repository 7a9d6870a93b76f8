/* vmas.h - "what is mapped at this address", asked one address at a time.
 *
 * Linux 6.11+ answers per address with the PROCMAP_QUERY ioctl on an open
 * /proc/self/maps: the cost does not grow with the number of mappings, which is
 * what keeps a refusal cheap in a process with 60,000 of them. The file stays
 * open between sessions (opening it costs more than all the questions of a
 * refusal together), at a high descriptor number, close-on-exec. Older kernels (or
 * check=table) answer from the region table, re-read once per lookup session.
 * Memory is read with process_vm_readv on ourselves, so a mapping that faults
 * (a truncated file) yields an error instead of a SIGBUS in the program. */
#ifndef NC_VMAS_H
#define NC_VMAS_H

#include <stddef.h>
#include <stdint.h>

#define NC_VMA_NAME_MAX 1024

struct nc_vma {
	uintptr_t start, end;
	uint64_t offset, inode;
	uint32_t dev_major, dev_minor;
	unsigned perms; /* NC_PERM_* */
	unsigned kind;  /* enum nc_region_kind */
	int deleted;
	size_t name_len; /* 0: anonymous */
	int name_truncated;
	char name[NC_VMA_NAME_MAX];
};

/* Another process, asked about by the supervisor: its pid (for
 * process_vm_readv) and its /proc/PID/maps, kept open by the caller. */
struct nc_target {
	long pid;
	int maps_fd;
	long tid;            /* the thread that made the call being judged */
	const char *program; /* its executable's base name, for the log */
};

struct nc_vmas {
	const struct nc_target *target; /* NULL: this process */
	int fd;        /* /proc/self/maps (or the target's) for PROCMAP_QUERY, or -1 */
	int fd_passing; /* fd is this session's alone: close it at the end */
	int table;     /* answering from nc_the_table, which we hold locked */
	int err;       /* -errno when neither source could be had */
	long pid;      /* getpid(), when the session has asked it already; else 0 */
	/* The last answer, for the next question if it is the same: the policy
	 * and the log line both start at the call's address. */
	int last_ok, last_or_next;
	uintptr_t last_addr;
	struct nc_vma last;
};

/* Set once the program has installed a seccomp filter (see interpose.c): from
 * then on the shim makes no system call the program might not be allowed, but
 * the ones a program cannot run without (mmap, read, write...). The maps text is
 * read from the descriptor opened before, with pread, and no PROCMAP_QUERY ioctl,
 * no open, no process_vm_readv is issued. */
extern int nc_sandboxed;
/* Before the filter goes in: open (and keep) what the sandbox will forbid;
 * once it is in, behave as in a sandbox. */
void nc_vmas_sandbox_prepare(void);
void nc_vmas_sandbox_begin(void);

/* At start (and in a fork child): open the descriptor that will be kept, so
 * that a program that later runs out of descriptors (EMFILE) or chroots is
 * still judged and logged by what is mapped. */
void nc_vmas_open_early(void);

/* Fork: the kept descriptor's record is copied whole; in the child it shows
 * the parent, and is closed. */
int nc_vmas_before_fork(int nested); /* 1 if the record's lock was taken */
void nc_vmas_after_fork_parent(int taken);
void nc_vmas_after_fork_child(void);

/* Start a lookup session; force_table skips PROCMAP_QUERY. Returns 0, or -errno
 * when /proc/self/maps cannot be read at all (lookups then find nothing). */
int nc_vmas_begin(struct nc_vmas *s, int force_table);
/* The same about another process: its maps descriptor answers (per address,
 * or read whole into the table on kernels without PROCMAP_QUERY). */
int nc_vmas_begin_target(struct nc_vmas *s, const struct nc_target *t);
/* The mapping holding addr (or, with or_next, the first one above). 1 = found. */
int nc_vmas_find(struct nc_vmas *s, uintptr_t addr, int or_next, struct nc_vma *out);
void nc_vmas_end(struct nc_vmas *s);
/* For a table session, how many mappings it holds (0: nothing could be read);
 * for a per-address session, 1. */
size_t nc_vmas_count(const struct nc_vmas *s);
/* The bounds alone of the mapping holding addr or the first one above it: no
 * name, no kind (cheaper; the hint search needs only this). 1 = found. */
int nc_vmas_span(struct nc_vmas *s, uintptr_t addr, uintptr_t *start, uintptr_t *end);

/* Copy n bytes of our own memory at addr; 0, or -errno if any of it is unmapped. */
int nc_mem_read(uintptr_t addr, void *buf, size_t n);
/* The same in process pid (0: ourselves), as seen by a session's target. */
int nc_mem_read_in(long pid, uintptr_t addr, void *buf, size_t n);
static inline long nc_vmas_target_pid(const struct nc_vmas *s) { return s && s->target ? s->target->pid : 0; }

#endif
