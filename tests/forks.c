/* forks.c - fork while other threads are inside the shim.
 *
 *   forks [N [D]]              (default 400 forks, D = 4 door threads)
 *
 * Three threads attempt MAP_FIXED over libc's text without pause, and D more
 * go through the shim's other doors (shmdt of an address never attached, which
 * only consults the shim's list of attachments; mmap and munmap, which update
 * its record of the program's own mappings). So at any moment one of them may
 * be holding a shim lock (the region table's, the own set's, the attachment
 * list's, the log's) or be half way through a log line. The main thread forks
 * N times meanwhile.
 *
 * Only the forking thread exists in a child: a lock some other thread held at
 * fork time is never released there unless the shim resets it. So each child
 * goes through the same doors at once: a shmdt (EINVAL, nothing attached), an
 * mmap and munmap, and one clobber attempt, which must come back EEXIST; it
 * _exits with a code that says so. The parent waits at most two seconds for
 * each child: a deadlocked child is counted and killed, not waited for forever,
 * and after three the run stops. (check=table is where a child also needs the
 * region table's lock.)
 *
 * Output (one line; raw writes, libc is trusted only while its page is intact):
 *   forks=N ok=N deadlocked=N wrong=N thread_attempts=N thread_eexist=N door_errors=N intact=yes|no */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define THREADS 3
#define MAX_DOOR_THREADS 8
#define CHILD_WAIT_MS 2000
#define MAX_DEADLOCKS 3 /* then stop: a broken shim should fail fast, not in minutes */

static size_t pg;
static uintptr_t target;
static int stop;
static unsigned long attempts[THREADS], eexist[THREADS];

static int clobber_once(void)
{
	void *r = mmap((void *)target, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != MAP_FAILED) { /* libc's text is gone: no libc from here */
		t_write(1, "clobber let through: libc text replaced\n");
		t_exit(3);
	}
	return errno == EEXIST;
}

static void *clobberer(void *arg)
{
	long id = (long)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		eexist[id] += (unsigned long)clobber_once();
		attempts[id]++;
	}
	return NULL;
}

/* One pass through the doors that are not MAP_FIXED. 1 if each answered right. */
static int other_doors(void)
{
	int ok = shmdt((void *)pg) == -1 && errno == EINVAL;
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok &= p != MAP_FAILED && munmap(p, pg) == 0;
	return ok;
}

static unsigned long door_bad;

static void *door_user(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		if (!other_doors())
			__atomic_add_fetch(&door_bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	int n = argc > 1 ? atoi(argv[1]) : 400;
	int doors = argc > 2 ? atoi(argv[2]) : 4;
	if (doors < 0 || doors > MAX_DOOR_THREADS)
		return 2;
	target = t_libc_text_page(pg);
	if (!target)
		return 2;
	static unsigned char before[4096];
	memcpy(before, (void *)target, sizeof(before));
	/* If fork itself hangs in the parent, die (a failure) rather than hang. */
	alarm(120);

	pthread_t th[THREADS + MAX_DOOR_THREADS];
	for (long i = 0; i < THREADS + doors; i++)
		if (pthread_create(&th[i], NULL, i < THREADS ? clobberer : door_user, (void *)i))
			return 2;
	sleep_ms(20); /* let them get going: the first fork should already race them */

	int ok = 0, deadlocked = 0, wrong = 0;
	int forks = 0;
	for (; forks < n && deadlocked < MAX_DEADLOCKS; forks++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			if (!other_doors())
				_exit(4);
			_exit(clobber_once() ? 0 : 1);
		}
		int st = 0, waited = 0;
		pid_t w;
		while ((w = waitpid(pid, &st, WNOHANG)) == 0 && waited < CHILD_WAIT_MS) {
			sleep_ms(1);
			waited++;
		}
		if (w == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			deadlocked++;
		} else if (w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			ok++;
		} else {
			wrong++;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < THREADS + doors; i++)
		pthread_join(th[i], NULL);

	unsigned long a = 0, e = 0;
	for (int i = 0; i < THREADS; i++)
		a += attempts[i], e += eexist[i];
	const unsigned char *now = (const unsigned char *)target;
	int same = 1;
	for (size_t i = 0; i < sizeof(before); i++)
		same &= now[i] == before[i];
	t_write(1, "forks=");
	t_write(1, t_dec(forks));
	t_write(1, " ok=");
	t_write(1, t_dec(ok));
	t_write(1, " deadlocked=");
	t_write(1, t_dec(deadlocked));
	t_write(1, " wrong=");
	t_write(1, t_dec(wrong));
	t_write(1, " thread_attempts=");
	t_write(1, t_dec((long)a));
	t_write(1, " thread_eexist=");
	t_write(1, t_dec((long)e));
	t_write(1, " door_errors=");
	t_write(1, t_dec((long)door_bad));
	t_write(1, same ? " intact=yes\n" : " intact=no\n");
	return same && ok == n && !door_bad ? 0 : 3;
}
