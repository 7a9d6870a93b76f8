/* logdir.c - where the shim's lines go: --log-dir, or the private run
 * directory (copied to stderr at the end, then removed). Every path made here
 * is absolute: the command may change directory before its first line. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/* The shim takes log_path from a colon-separated list, puts the pid where it
 * sees %p, and holds at most 1023 bytes (the file name is added to it). */
static const char *unusable_name(const char *d)
{
	if (strchr(d, ':'))
		return "contains ':', which NOCLOBBER_OPTIONS cannot carry";
	if (strstr(d, "%p"))
		return "contains '%p', which the shim would replace by the pid";
	if (strlen(d) > 700)
		return "is too long for log_path";
	return 0;
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return nc_strdup(p);
	char *cwd = getcwd(0, 0);
	if (!cwd)
		return 0;
	char *a = nc_fmt("%s/%s", cwd, p);
	free(cwd);
	return a;
}

static int mkdir_p(const char *path)
{
	char *p = nc_strdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int r = mkdir(p, 0777) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return r;
}

static int run_dir_tried;
static char *run_dir_error;

/* In $TMPDIR (made absolute), else /tmp. */
char *nc_run_dir(struct nc_launch *l)
{
	if (l->run_dir || run_dir_tried)
		return l->run_dir;
	run_dir_tried = 1;
	const char *env = getenv("TMPDIR");
	char *base = env && *env ? absolute(env) : 0;
	const char *bases[2] = {base && !unusable_name(base) ? base : "/tmp", "/tmp"};
	for (int i = 0; i < 2 && !l->run_dir; i++) {
		if (i == 1 && !strcmp(bases[0], "/tmp"))
			break;
		char *t = nc_fmt("%s/noclobber.XXXXXX", bases[i]);
		if (mkdtemp(t)) {
			l->run_dir = realpath(t, 0);
			if (!l->run_dir || unusable_name(l->run_dir)) {
				rmdir(t);
				free(l->run_dir);
				l->run_dir = 0;
			}
		} else if (!run_dir_error) {
			run_dir_error = nc_fmt("%s (%s)", bases[i], strerror(errno));
		}
		free(t);
	}
	if (!run_dir_error)
		run_dir_error = nc_fmt("%s", bases[0]);
	free(base);
	nc_cleanup_on_die = l->run_dir != 0;
	return l->run_dir;
}

void nc_prepare_logs(struct nc_launch *l)
{
	if (l->log_dir) {
		const char *why = unusable_name(l->log_dir);
		if (why)
			nc_die("log directory '%s' %s", l->log_dir, why);
		if (mkdir_p(l->log_dir) < 0)
			nc_die("cannot create log directory '%s': %s", l->log_dir, strerror(errno));
		if (access(l->log_dir, W_OK | X_OK) < 0)
			nc_die("cannot write to log directory '%s'", l->log_dir);
		l->dir = realpath(l->log_dir, 0);
		if (!l->dir)
			nc_die("cannot use log directory '%s': %s", l->log_dir, strerror(errno));
		if ((why = unusable_name(l->dir)))
			nc_die("log directory '%s' %s", l->dir, why);
		return;
	}
	l->dir = nc_run_dir(l) ? nc_strdup(l->run_dir) : 0;
	if (!l->dir && !l->quiet)
		nc_say("cannot create a temporary log directory in %s; the log goes to standard error", run_dir_error);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int not_dots(const struct dirent *d) { return strcmp(d->d_name, ".") && strcmp(d->d_name, ".."); }

static void copy_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	struct stat st;
	char buf[65536];
	ssize_t n;
	char last = '\n';
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0, w; off < n; off += w)
				if ((w = write(2, buf + off, (size_t)(n - off))) <= 0)
					goto done;
			last = buf[n - 1];
		}
		if (last != '\n') /* a line cut short must not glue to the next file's */
			(void)!write(2, "\n", 1);
	}
done:
	close(fd);
}

/* Every file of the run directory, dot files too (a program named .x logs to
 * .x.PID.log), in name order. Only this run's processes wrote there. */
void nc_copy_logs(const struct nc_launch *l)
{
	if (l->quiet || !l->dir || !l->run_dir || strcmp(l->dir, l->run_dir))
		return;
	struct dirent **names;
	int n = scandir(l->dir, &names, not_dots, by_name);
	int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < n; i++) {
		if (dfd >= 0)
			copy_file(dfd, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (dfd >= 0)
		close(dfd);
}

void nc_remove_run_dir(struct nc_launch *l)
{
	if (!l->run_dir)
		return;
	DIR *d = opendir(l->run_dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (not_dots(e))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(l->run_dir);
	free(l->run_dir);
	l->run_dir = 0;
}
