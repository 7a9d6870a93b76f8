/* channel.c - the launcher's side of the count channel (../tally.h): a memfd,
 * which no full file system can stop, inherited by the command at descriptor
 * 100 or above (out of the way of the numbers a program expects back from its
 * own open), append-only for the writers, and sealed against shrinking so
 * that no process can take records back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"
#include "tally.h"

int nc_channel_open(char *env_value, size_t cap)
{
	int fd = memfd_create("noclobber-tally", MFD_ALLOW_SEALING); /* inherited: no close-on-exec */
	if (fd < 0)
		nc_die("cannot create the count channel (memfd_create: %s)", strerror(errno));
	int high = fcntl(fd, F_DUPFD, 100);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	struct stat st;
	if (fcntl(fd, F_SETFL, O_APPEND) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    fstat(fd, &st) < 0)
		nc_die("cannot set up the count channel: %s", strerror(errno));
	snprintf(env_value, cap, "%ld:%d:%llu:%llu", (long)getpid(), fd, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return fd;
}

/* All records, whole ones only. */
static struct nc_tally_rec *records(int fd, size_t *n)
{
	struct stat st;
	*n = 0;
	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return 0;
	size_t size = (size_t)st.st_size / sizeof(struct nc_tally_rec) * sizeof(struct nc_tally_rec);
	struct nc_tally_rec *r = malloc(size ? size : 1);
	if (!r)
		nc_die("out of memory for %zu bytes of records", size);
	size_t got = 0;
	while (got < size) {
		ssize_t k = pread(fd, (char *)r + got, size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	*n = got / sizeof(*r);
	return r;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned long distinct(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_value);
	unsigned long d = 0;
	for (size_t i = 0; i < n; i++)
		d += i == 0 || v[i] != v[i - 1];
	return d;
}

/* P and X records of one pid, in the order they were written. */
struct image_rec {
	uint32_t pid, at;
	uint8_t kind;
};

static int by_pid_then_order(const void *a, const void *b)
{
	const struct image_rec *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The processes whose last image ran with the shim: under --supervise an exec
 * (X, written by the supervisor before the new image starts) ends an image,
 * and the new one counts with the shim only if it says so (P) itself: env -i
 * before a program leaves that program unwatched by the shim. */
static unsigned long last_image_with_shim(struct image_rec *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_pid_then_order);
	unsigned long k = 0;
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || v[i + 1].pid != v[i].pid)
			k += v[i].kind == NC_TALLY_PROCESS;
	return k;
}

/* A pid that the kernel reuses within one run counts once: a fork child that
 * execs writes a record from each image, and is one process. */
void nc_channel_count(int fd, struct nc_counts *c)
{
	memset(c, 0, sizeof(*c));
	size_t n;
	struct nc_tally_rec *r = records(fd, &n);
	uint32_t *all = malloc((n ? n : 1) * sizeof(uint32_t)), *att = malloc((n ? n : 1) * sizeof(uint32_t));
	struct image_rec *shim = malloc((n ? n : 1) * sizeof(*shim));
	if (!all || !att || !shim)
		nc_die("out of memory for %zu records", n);
	size_t na = 0, nt = 0, ns = 0;
	for (size_t i = 0; i < n; i++) {
		switch (r[i].kind) {
		case NC_TALLY_PROCESS:
		case NC_TALLY_SUPERVISED:
			shim[ns++] = (struct image_rec){r[i].pid, (uint32_t)i, r[i].kind};
			break;
		case NC_TALLY_REFUSED:
			c->refused++;
			break;
		case NC_TALLY_WARNED:
			c->warned++;
			break;
		case NC_TALLY_ABORTING:
			c->aborting++;
			break;
		case NC_TALLY_LOST:
			c->lost++;
			c->lost_by_err[r[i].err]++;
			break;
		case NC_TALLY_DIVERTED:
			c->diverted++;
			break;
		default:
			continue; /* not a record of ours */
		}
		all[na++] = r[i].pid;
		if (r[i].kind == NC_TALLY_REFUSED || r[i].kind == NC_TALLY_WARNED || r[i].kind == NC_TALLY_ABORTING)
			att[nt++] = r[i].pid;
	}
	c->attempts = c->refused + c->warned + c->aborting;
	c->procs = distinct(all, na);
	c->attempt_procs = distinct(att, nt);
	c->shim_procs = last_image_with_shim(shim, ns);
	free(shim);
	free(all);
	free(att);
	free(r);
}

/* A launcher run under another one: the outer run counts our processes and
 * attempts too (they are processes of its run). Whole records per write. */
void nc_channel_forward(int fd, const char *outer)
{
	struct nc_tally_ref ref;
	if (!outer || nc_tally_parse(outer, &ref) < 0)
		return;
	struct stat st;
	int ofd = ref.fd, mine = 0;
	if (fstat(ofd, &st) < 0 || st.st_dev != ref.dev || st.st_ino != ref.ino) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", ref.launcher_pid, ref.fd);
		ofd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (ofd < 0)
			return;
		mine = 1;
		if (fstat(ofd, &st) < 0 || st.st_dev != ref.dev || st.st_ino != ref.ino) {
			close(ofd);
			return;
		}
	}
	size_t n;
	struct nc_tally_rec *r = records(fd, &n);
	for (size_t i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? n - i : 512;
		ssize_t w;
		do
			w = write(ofd, r + i, k * sizeof(*r));
		while (w < 0 && errno == EINTR);
		if (w < 0)
			break;
	}
	free(r);
	if (mine)
		close(ofd);
}
