/* library.c - which libnoclobber.so, checked to be one the loader will
 * preload (ld.so only warns about anything else, and the command would run
 * unwatched), and the LD_PRELOAD that names it. */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/* Where `make install` put the library, or "" (libdir.c). */
extern const char nc_installed_libdir[];

static int is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int head(const char *path, unsigned char *b, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, b, n);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

/* An ELF shared object for the machine this launcher was built for. */
static const char *not_loadable(const char *path)
{
	unsigned char lib[sizeof(Elf64_Ehdr)], self[sizeof(Elf64_Ehdr)];
	if (head(path, lib, sizeof(lib)) < 0 || memcmp(lib, ELFMAG, SELFMAG))
		return "it is not an ELF file";
	if (head("/proc/self/exe", self, sizeof(self)) < 0)
		return 0; /* no /proc: ld.so will say */
	Elf64_Half type, machine, my_machine;
	memcpy(&type, lib + offsetof(Elf64_Ehdr, e_type), sizeof(type));
	memcpy(&machine, lib + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	memcpy(&my_machine, self + offsetof(Elf64_Ehdr, e_machine), sizeof(my_machine));
	if (lib[EI_CLASS] != self[EI_CLASS] || lib[EI_DATA] != self[EI_DATA] || machine != my_machine)
		return "it is built for another kind of machine";
	if (type != ET_DYN)
		return "it is not a shared library";
	return 0;
}

static char *dir_of(const char *path)
{
	char *d = nc_strdup(path), *slash = strrchr(d, '/');
	if (slash == d)
		d[1] = 0;
	else if (slash)
		*slash = 0;
	return d;
}

static char *look_next_to(const char *dir)
{
	static const char *const rel[] = {"../lib/libnoclobber.so", "libnoclobber.so", "../build/libnoclobber.so"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = nc_fmt("%s/%s", dir, rel[i]);
		char *real = is_file(p) ? realpath(p, 0) : 0;
		free(p);
		if (real)
			return real;
	}
	return 0;
}

void nc_find_library(struct nc_launch *l, const char *argv0)
{
	const char *env = getenv("NOCLOBBER_LIB");
	if (env && *env) {
		if (!is_file(env) || !(l->lib = realpath(env, 0)))
			nc_die("NOCLOBBER_LIB='%s' is not a file", env);
	} else {
		/* Next to the path it was started by (a symlink's directory), then
		 * next to the real program (/usr/bin/noclobber -> /opt/nc/bin/noclobber). */
		char *dirs[2] = {0, 0};
		if (strchr(argv0, '/'))
			dirs[0] = dir_of(argv0);
		char *self = realpath("/proc/self/exe", 0);
		if (self) {
			dirs[1] = dir_of(self);
			free(self);
		}
		for (int i = 0; i < 2 && !l->lib; i++)
			if (dirs[i])
				l->lib = look_next_to(dirs[i]);
		if (!l->lib && nc_installed_libdir[0]) {
			char *p = nc_fmt("%s/libnoclobber.so", nc_installed_libdir);
			if (is_file(p))
				l->lib = realpath(p, 0);
			free(p);
		}
		if (!l->lib)
			nc_die("cannot find libnoclobber.so (looked in ../lib, the same directory and ../build next to "
			       "%s%s%s%s%s); build it with 'make', or set NOCLOBBER_LIB=/path/to/libnoclobber.so",
			       dirs[0] ? dirs[0] : "", dirs[0] && dirs[1] ? " and " : "", dirs[1] ? dirs[1] : "",
			       nc_installed_libdir[0] ? ", and in " : "", nc_installed_libdir);
		free(dirs[0]);
		free(dirs[1]);
	}
	const char *why = not_loadable(l->lib);
	if (why)
		nc_die("cannot preload '%s': %s (set NOCLOBBER_LIB to libnoclobber.so)", l->lib, why);
}

/* ld.so splits LD_PRELOAD at spaces and colons, with no escape: a library
 * whose path has one is preloaded through a link in the run directory. */
void nc_make_preload(struct nc_launch *l)
{
	const char *name = l->lib;
	char *link = 0;
	if (strpbrk(name, " :")) {
		char *rd = nc_run_dir(l);
		if (rd && !strpbrk(rd, " :")) {
			link = nc_fmt("%s/libnoclobber.so", rd);
			if (symlink(l->lib, link) < 0) {
				free(link);
				link = 0;
			}
		}
		if (!link)
			nc_die("cannot preload '%s': the loader splits LD_PRELOAD at spaces and colons, and no "
			       "directory without them could be made for a link to it", l->lib);
		name = link;
	}
	const char *old = getenv("LD_PRELOAD");
	if (!old || !*old) {
		l->preload = nc_strdup(name);
	} else {
		/* Ours goes last (some preloads, ASan's runtime for one, insist on
		 * being first), and not twice in a nested run. */
		int have = 0;
		char *copy = nc_strdup(old), *save = 0;
		for (char *p = strtok_r(copy, " :", &save); p && !have; p = strtok_r(0, " :", &save)) {
			char *real = realpath(p, 0);
			have = !strcmp(p, name) || (real && !strcmp(real, l->lib));
			free(real);
		}
		free(copy);
		l->preload = have ? nc_strdup(old) : nc_fmt("%s:%s", old, name);
	}
	free(link);
}
