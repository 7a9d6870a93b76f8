/* unwind.h - the chain of callers of an intercepted call (stack=N).
 *
 * A reader of each module's own unwind tables (.eh_frame_hdr, .eh_frame CFI),
 * not frame pointers (Debian builds -O2 without them) nor libgcc's unwinder
 * (_Unwind_Find_FDE takes the loader's lock through dl_iterate_phdr: a
 * constructor running inside dlopen holds it) nor glibc's backtrace() (it
 * dlopens libgcc_s and allocates on first use). Modules are found in the
 * shim's own view of /proc/self/maps (vmas.h), every read goes through
 * nc_mem_read (a bad address is an error, never a fault), each step must move
 * up the stack, and the walk is bounded in frames and in CFI instructions: a
 * corrupted stack ends the walk, it cannot crash or loop. Signal frames are
 * recognised by the kernel's return trampoline, and the interrupted code is
 * walked on from the saved context. Code with no unwind table (a JIT, a module
 * built without one) is the last frame shown. */
#ifndef NC_UNWIND_H
#define NC_UNWIND_H

#include <stdint.h>

/* DWARF register numbers: the ones the walk tracks on this architecture, and
 * where the stack pointer and the pc (the return address column) are. */
#if defined(__x86_64__)
#define NC_UNW_REGS 17 /* rax..r15, rip */
#define NC_UNW_SP 7
#define NC_UNW_PC 16
#elif defined(__aarch64__)
#define NC_UNW_REGS 33 /* x0..x30, sp, and the pc in a column of our own */
#define NC_UNW_SP 31
#define NC_UNW_PC 32
#elif defined(__i386__)
#define NC_UNW_REGS 9 /* eax..edi, eip */
#define NC_UNW_SP 4
#define NC_UNW_PC 8
#else
#define NC_UNW_REGS 0
#endif

/* The registers of the function that called nc_unwind_capture, as they are
 * when it returns: the callee-saved ones, the stack pointer and the pc. Or,
 * for another process's thread stopped in a system call (the supervisor reads
 * them from /proc/PID/syscall), its stack pointer and pc alone: sp_pc_only,
 * and the walk goes on as far as frames are found from those (a frame whose
 * CFA is kept in another register, a frame pointer, ends it). */
struct nc_unwind_ctx {
	uintptr_t r[NC_UNW_REGS ? NC_UNW_REGS : 1];
	int valid; /* 0: not captured (stack=0, or an architecture without a walker) */
	int sp_pc_only;
};

/* Capture the caller's registers into *ctx. Its frame must still be live when
 * nc_unwind reads from it: call it in the door, walk below it. */
void nc_unwind_capture(struct nc_unwind_ctx *ctx);

#define NC_STACK_MAX 32

struct nc_vmas;
/* Walk from ctx, in the process the session s is about (its memory read with
 * process_vm_readv); frames start at the one whose pc is first_pc (the shim's
 * own frames above it are skipped), innermost first, at most max of them, into
 * pcs. Returns how many; at least first_pc alone if the walk cannot reach it.
 * *more is set when the walk stopped at max with frames left. */
int nc_unwind(struct nc_vmas *s, const struct nc_unwind_ctx *ctx, uintptr_t first_pc, uintptr_t *pcs, int max,
	      int *more);

#endif
