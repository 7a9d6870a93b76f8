/* stack.c - the shim's stacks of stack.h. */
#include "stack.h"

#include <limits.h>

#include "arena.h"
#include "lock.h"
#include "log.h"
#include "sys.h"

/* nc_stack_call(top, fn, arg): call fn(arg) with the stack pointer at top, and
 * come back. The frame it leaves on the caller's stack is described for
 * unwinders (gdb's bt in mode=abort goes through it to the program's frames). */
long nc_stack_call(void *top, long (*fn)(void *), void *arg) __attribute__((visibility("hidden")));

#if defined(__x86_64__)
__asm__(".text\n"
	".globl nc_stack_call\n"
	".type nc_stack_call,@function\n"
	"nc_stack_call:\n"
	".cfi_startproc\n"
	"	pushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"	movq %rdi, %rsp\n"
	"	movq %rdx, %rdi\n"
	"	callq *%rsi\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size nc_stack_call, .-nc_stack_call\n");
#define NC_HAVE_STACK_CALL 1
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl nc_stack_call\n"
	".type nc_stack_call,%function\n"
	"nc_stack_call:\n"
	".cfi_startproc\n"
	"	stp x29, x30, [sp, #-16]!\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset x29, -16\n"
	".cfi_offset x30, -8\n"
	"	mov x29, sp\n"
	".cfi_def_cfa_register x29\n"
	"	mov sp, x0\n"
	"	mov x0, x2\n"
	"	blr x1\n"
	"	mov sp, x29\n"
	"	ldp x29, x30, [sp], #16\n"
	".cfi_def_cfa sp, 0\n"
	"	ret\n"
	".cfi_endproc\n"
	".size nc_stack_call, .-nc_stack_call\n");
#define NC_HAVE_STACK_CALL 1
#elif defined(__i386__)
__asm__(".text\n"
	".globl nc_stack_call\n"
	".type nc_stack_call,@function\n"
	"nc_stack_call:\n"
	".cfi_startproc\n"
	"	pushl %ebp\n"
	".cfi_def_cfa_offset 8\n"
	".cfi_offset %ebp, -8\n"
	"	movl %esp, %ebp\n"
	".cfi_def_cfa_register %ebp\n"
	"	movl 8(%ebp), %eax\n"
	"	movl 12(%ebp), %ecx\n"
	"	movl 16(%ebp), %edx\n"
	"	movl %eax, %esp\n"
	"	subl $12, %esp\n"
	"	pushl %edx\n"
	"	call *%ecx\n"
	"	movl %ebp, %esp\n"
	"	popl %ebp\n"
	".cfi_def_cfa %esp, 4\n"
	"	ret\n"
	".cfi_endproc\n"
	".size nc_stack_call, .-nc_stack_call\n");
#define NC_HAVE_STACK_CALL 1
#endif

/* Slots: a bit each in busy; the thread that holds one in owner[]. A thread
 * that finds them all taken waits: the holders are other threads, on their
 * way out (the slow path is never taken from a handler that interrupted the
 * shim). A slot is a stack and the log lines made on it (log.h), written once
 * signals are back. */
static unsigned busy, waiters;
static int owner[NC_STACK_SLOTS];

struct slot {
	struct nc_log_held lines;
	char stack[];
};

static int take_slot(void)
{
	for (;;) {
		unsigned b = __atomic_load_n(&busy, __ATOMIC_ACQUIRE);
		for (int i = 0; i < NC_STACK_SLOTS; i++)
			if (!(b & (1u << i)) &&
			    __atomic_compare_exchange_n(&busy, &b, b | (1u << i), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				owner[i] = nc_tid();
				return i;
			}
		if (b == (1u << NC_STACK_SLOTS) - 1) {
			/* Counted before the kernel compares busy with b: a slot given
			 * back after that comparison sees us and wakes us. */
			__atomic_add_fetch(&waiters, 1, __ATOMIC_SEQ_CST);
			nc_syscall6(SYS_futex, (long)&busy, NC_FUTEX_WAIT_PRIVATE, b, 0, 0, 0);
			__atomic_sub_fetch(&waiters, 1, __ATOMIC_SEQ_CST);
		}
	}
}

static void give_slot(int i)
{
	owner[i] = 0;
	__atomic_and_fetch(&busy, ~(1u << i), __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&waiters, __ATOMIC_SEQ_CST)) /* a wake is a system call: only for a sleeper */
		nc_syscall6(SYS_futex, (long)&busy, NC_FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

void nc_stack_after_fork_child(int old_tid, int new_tid)
{
	unsigned keep = 0;
	for (int i = 0; i < NC_STACK_SLOTS; i++)
		if ((busy & (1u << i)) && owner[i] == old_tid) {
			keep |= 1u << i;
			owner[i] = new_tid;
		} else {
			owner[i] = 0;
		}
	busy = keep;
	waiters = 0;
}

void nc_stack_abandoned(void)
{
	for (int i = 0; i < NC_STACK_SLOTS; i++)
		if ((__atomic_load_n(&busy, __ATOMIC_ACQUIRE) & (1u << i)) && owner[i] == nc_tid())
			give_slot(i);
}

long nc_on_shim_stack(long (*fn)(void *), void *arg)
{
	size_t size;
	char *stacks = nc_arena_part(NC_ARENA_STACKS, &size);
#ifndef NC_HAVE_STACK_CALL
	stacks = 0;
#endif
	if (!stacks)
		return fn(arg);
	uint64_t old;
	nc_signals_block(&old);
	int i = take_slot();
	size_t slot_size = size / NC_STACK_SLOTS;
	struct slot *sl = (struct slot *)(stacks + (size_t)i * slot_size);
	uintptr_t top = ((uintptr_t)sl + slot_size) & ~(uintptr_t)15;
	nc_log_hold(&sl->lines);
	long r;
#ifdef NC_HAVE_STACK_CALL
	r = nc_stack_call((void *)top, fn, arg);
#else
	(void)top;
	r = fn(arg);
#endif
	nc_signals_restore(&old);
	nc_log_release(&sl->lines);
	give_slot(i);
	return r;
}
