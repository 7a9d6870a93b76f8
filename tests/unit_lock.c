/* unit_lock.c - the mutex of lock.h when a siglongjmp cuts its holder short.
 *
 * nc_mutex_unlock frees the word, then wakes a sleeper: two steps. A thread
 * that jumps out of a signal handler in between leaves the sleeper asleep with
 * the lock free, and nobody will ever wake it (the next holder took the word
 * unmarked). nc_mutex_abandoned, which that thread runs on its way back into
 * the shim, must wake it; and must release the lock if the jump left it held. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

static nc_mutex_t m;
static int waiter_tid, got;

static void *waiter(void *arg)
{
	(void)arg;
	__atomic_store_n(&waiter_tid, nc_tid(), __ATOMIC_RELEASE);
	nc_mutex_lock(&m);
	__atomic_store_n(&got, 1, __ATOMIC_RELEASE);
	nc_mutex_unlock(&m);
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, 0);
}

/* The thread's state letter from /proc/self/task/TID/stat: 'S' asleep. */
static char state_of(int tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the name may hold anything */
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Within 10 s, or 0. */
static int wait_for(int *flag)
{
	for (int i = 0; i < 1000; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return 1;
		pause_ms(10);
	}
	return 0;
}

/* A waiter asleep in the kernel on a lock that "holder" holds. */
static int start_sleeper(pthread_t *t, int holder)
{
	m.word = holder;
	got = 0;
	waiter_tid = 0;
	if (pthread_create(t, 0, waiter, 0) != 0)
		return 0;
	/* Marked first, then asleep in the futex: the only sleep it takes. */
	for (int i = 0; i < 1000; i++) {
		int tid = __atomic_load_n(&waiter_tid, __ATOMIC_ACQUIRE);
		if (tid && (__atomic_load_n(&m.word, __ATOMIC_RELAXED) & NC_MUTEX_WAITERS) && state_of(tid) == 'S')
			return 1;
		pause_ms(10);
	}
	return 0;
}

static void say(int ok, const char *what)
{
	printf("%s - mutex: %s\n", ok ? "ok" : "not ok", what);
}

int main(void)
{
	pthread_t t;
	int all = 1;

	/* 1. Cut off between freeing the word and the wake. */
	int ok = start_sleeper(&t, 12345);
	say(ok, "a waiter on a lock another thread holds marks it and sleeps in the kernel");
	all &= ok;
	if (ok) {
		__atomic_store_n(&m.word, 0, __ATOMIC_RELEASE); /* the unlock's first step, and no wake */
		pause_ms(300);
		ok = !__atomic_load_n(&got, __ATOMIC_ACQUIRE) && state_of(waiter_tid) == 'S';
		say(ok, "the lock freed without the wake: the waiter sleeps on (the defect to be put right)");
		all &= ok;
		nc_mutex_abandoned(&m); /* not ours: nothing to release, only the wake */
		ok = wait_for(&got);
		say(ok, "nc_mutex_abandoned by the thread that was cut short wakes it, and it takes the lock");
		all &= ok;
		if (ok)
			pthread_join(t, 0);
	}

	/* 2. Cut off holding it: released, the sleeper gets it. */
	if (all) {
		ok = start_sleeper(&t, nc_tid());
		if (ok) {
			nc_mutex_abandoned(&m);
			ok = wait_for(&got);
			if (ok)
				pthread_join(t, 0);
		}
		say(ok, "nc_mutex_abandoned by the holder releases the lock to the sleeping waiter");
		all &= ok;
		say(m.word == 0, "the lock is free once the waiter is done");
		all &= m.word == 0;
	}

	/* 3. Neither holder nor cut short: nothing taken from the holder. */
	m.word = 12345;
	nc_mutex_abandoned(&m);
	say(m.word == 12345, "nc_mutex_abandoned by another thread leaves the holder's lock held");
	return !all;
}
