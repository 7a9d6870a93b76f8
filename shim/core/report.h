/* report.h - what is said about a clobber attempt: the call, who made it, what
 * it would destroy and where it would fit, gathered once (report.c) and written
 * as one line of text (format_text.c) or JSON (format_json.c). */
#ifndef NC_REPORT_H
#define NC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unwind.h"

enum nc_door { NC_DOOR_MMAP, NC_DOOR_MREMAP, NC_DOOR_SHMAT };

/* A call that asks to place memory at a fixed address: [addr, addr+len) is the
 * range it would replace. */
struct nc_call {
	enum nc_door door;
	const char *name; /* "mmap", "mmap64", "mremap", "shmat", "syscall(SYS_mmap)", ... */
	uintptr_t addr;
	size_t len;
	int prot, flags, fd; /* mmap; flags are mremap's or shmat's for those doors */
	off_t offset;
	uintptr_t old_addr; /* mremap */
	size_t old_len;
	int shmid; /* shmat */
	uintptr_t caller_pc;
	uintptr_t caller_sp; /* where the caller's stack is (the slow path runs on another) */
	struct nc_unwind_ctx ctx; /* the door's registers, for stack=N */
	/* Or, where getting them costs system calls (the supervisor, about
	 * another process), what fills them only when a line is written. */
	void (*lazy_ctx)(const struct nc_call *c, struct nc_unwind_ctx *ctx);
};

enum nc_event {
	NC_EV_REFUSED,   /* mode=enforce: EEXIST returned */
	NC_EV_ALLOWED,   /* mode=warn: let through */
	NC_EV_ABORTING,  /* mode=abort: abort() follows */
	NC_EV_PERMITTED, /* the allow= policy let it through (logged with verbosity=1) */
};

#define NC_VICTIMS_KEPT 12
#define NC_VICTIM_NAME_MAX 240
#define NC_FRAME_MODULES 12 /* distinct modules named in one stack */

struct nc_victim {
	uintptr_t start, end;
	uint64_t offset;
	unsigned perms, kind;
	int name_truncated;
	size_t name_len;
	char name[NC_VICTIM_NAME_MAX];
};

/* Everything a log line says. */
struct nc_facts {
	const struct nc_call *call;
	enum nc_event event;
	const char *reason; /* why it was let through, or NULL */
	long pid, tid;
	int target; /* about another process (the supervisor's): see nc_log_line_for */
	long long time_s; /* wall clock */
	long time_us;
	const char *program;
	/* caller: module (mapping name) and offset in it, symbol if known */
	uintptr_t caller_pc;
	int caller_found, caller_offset_is_file;
	uintptr_t caller_offset, caller_sym_offset;
	char caller_module[NC_VICTIM_NAME_MAX];
	size_t caller_module_len;
	int caller_module_truncated;
	char caller_symbol[128];
	/* stack: the caller chain, innermost first (frame[0] is the caller); each
	 * frame's module is one of the modules[] names, or -1 (pc alone) */
	int frames;      /* 0: stack=0, no stack field */
	int frames_more; /* the walk stopped at stack=N with frames left */
	struct nc_frame {
		uintptr_t pc, offset, sym_offset;
		int module;
		char symbol[128];
	} frame[NC_STACK_MAX];
	int modules;
	struct nc_frame_module {
		size_t len;
		int truncated;
		char name[NC_VICTIM_NAME_MAX];
	} module[NC_FRAME_MODULES];
	/* victims: how many, the first NC_VICTIMS_KEPT of them */
	int victims_known; /* 0 when /proc/self/maps could not be read */
	unsigned long victims_total;
	int victims_kept;
	struct nc_victim victims[NC_VICTIMS_KEPT];
	/* neighbours: the mapping that ends where the overlapped span starts
	 * (none if there is a gap), and the first one at or above its end */
	int have_below, have_above;
	struct nc_victim below, above;
	int hint_found;
	uintptr_t hint_start, hint_end;
};

struct nc_vmas;
/* Log the attempt; s is the lookup session the decision already opened. */
void nc_report_attempt(struct nc_vmas *s, const struct nc_call *c, enum nc_event ev, const char *reason);
/* The same in two steps, for a decision that needs the facts first (suppress.h). */
void nc_report_gather(struct nc_vmas *s, const struct nc_call *c, struct nc_facts *f);
void nc_report_write(struct nc_facts *f, enum nc_event ev, const char *reason);

/* The line that ends a process that saw attempts. */
struct nc_summary {
	long pid;
	const char *program;
	unsigned long attempts;
	unsigned long dropped; /* log lines that could not be written */
	unsigned long suppressed; /* attempts a suppression rule let through */
	long long time_s;
	long time_us;
};

/* Each writes one whole line, newline included, into line[cap]; *len its length. */
void nc_format_text(char *line, size_t cap, size_t *len, const struct nc_facts *f);
void nc_format_json(char *line, size_t cap, size_t *len, const struct nc_facts *f);
void nc_format_text_summary(char *line, size_t cap, size_t *len, const struct nc_summary *s);
void nc_format_json_summary(char *line, size_t cap, size_t *len, const struct nc_summary *s);

/* One line about the shim itself (not an attempt), text or JSON. */
void nc_report_notice(const char *what);

/* The executable's base name. */
const char *nc_program_name(void);

/* Attempts, counted for the process that made them: nc_owner_pid's in
 * nc_attempts; a vfork child's (it shares our memory, not our pid) apart. */
extern unsigned long nc_attempts;
extern long nc_owner_pid;
void nc_count_attempt(long pid);
/* Whether any process sharing this memory has attempts counted. */
int nc_any_attempts(void);
/* The attempts of pid, taken (a guest's are forgotten once asked for). */
unsigned long nc_take_attempts(long pid);
/* The line that ends a process that saw attempts. */
void nc_report_summary(long pid, unsigned long attempts);
/* In a fork child: the hint memory's lock is free. */
void nc_report_after_fork_child(void);

#endif
