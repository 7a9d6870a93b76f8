/* stack.h - the shim's slow work runs on a stack of its own.
 *
 * Naming victims, the caller's module and symbol, a hint, and the log line
 * take some 15 KiB of stack; the caller may have far less (a 16 KiB thread
 * stack, a SIGSTKSZ alternate signal stack). So that work runs on one of a few
 * stacks in the shim's arena, at most 2 KiB of the caller's own being used.
 * While it runs, signals are blocked: a handler must not run on a stack that is
 * not the thread's (runtimes check where their handlers run), nor jump out of
 * shim code that holds a lock. Log lines made there are written afterwards, on
 * the caller's stack with signals back (a log sink may block for long). Costs
 * two sigprocmask calls, on the slow path only (a call that overlaps something). */
#ifndef NC_STACK_H
#define NC_STACK_H

/* fn(arg) on a shim stack, with signals blocked; on the caller's stack if no
 * shim stack can be had (no arena). */
long nc_on_shim_stack(long (*fn)(void *), void *arg);
/* A fork child: slots held by threads that are not in it are free. */
void nc_stack_after_fork_child(int old_tid, int new_tid);
/* This thread jumped out of a signal handler past a slot it held (while its
 * lines were being written): free it. */
void nc_stack_abandoned(void);

#endif
