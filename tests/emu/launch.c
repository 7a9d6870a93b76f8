/* launch.c - runs a guest program (i386 or aarch64) under qemu-user, for the
 * test suite on a host that cannot run it itself.
 *
 *   qemu-launch PROGRAM [ARGS...]
 *
 * tests/run.sh registers it with binfmt_misc (flag P: argv[0] kept) in a user
 * namespace of its own, so every exec of a guest program anywhere in a test (a
 * shell script, a guest program's own fork+exec) comes here. The loader
 * variables (LD_PRELOAD, LD_DEBUG...) are meant for the guest's loader, not
 * for the host's loader of qemu, which would try to preload a guest library:
 * they are taken out of qemu's environment and given to the guest with -E.
 * Built static, so no host loader ever reads them on the way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef NC_QEMU_TARGET
#error "build with -DNC_QEMU_TARGET='\"i386\"' or '\"aarch64\"'"
#endif
#define AT_FLAGS_PRESERVE_ARGV0 1 /* binfmt_misc's P flag */

extern char **environ;

int main(int argc, char **argv)
{
	int preserved = (getauxval(AT_FLAGS) & AT_FLAGS_PRESERVE_ARGV0) != 0;
	int first = preserved ? 3 : 2; /* the guest's argv[1] */
	if (argc < first) {
		fprintf(stderr, "usage: qemu-launch PROGRAM [ARGS...]\n");
		return 127;
	}
	const char *path = argv[1], *argv0 = preserved ? argv[2] : argv[1];
	const char *qemu = getenv("NC_QEMU");
	if (!qemu)
		qemu = "/usr/bin/qemu-" NC_QEMU_TARGET;

	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **qargv = calloc((size_t)argc + 2 * nenv + 8, sizeof(char *));
	char **qenv = calloc(nenv + 1, sizeof(char *));
	if (!qargv || !qenv)
		return 127;
	size_t a = 0, e = 0;
	qargv[a++] = (char *)qemu;
	if (!strcmp(NC_QEMU_TARGET, "aarch64")) {
		qargv[a++] = "-L";
		qargv[a++] = "/usr/aarch64-linux-gnu";
	}
	qargv[a++] = "-0";
	qargv[a++] = (char *)argv0;
	for (size_t i = 0; i < nenv; i++) {
		if (strncmp(environ[i], "LD_", 3)) {
			qenv[e++] = environ[i];
			continue;
		}
		/* qemu splits -E at commas: such a value cannot be passed whole. */
		if (strchr(environ[i], ',')) {
			fprintf(stderr, "qemu-launch: %.40s...: a comma in a loader variable cannot reach the guest\n",
				environ[i]);
			return 127;
		}
		qargv[a++] = "-E";
		qargv[a++] = environ[i];
	}
	qargv[a++] = (char *)path;
	for (int i = first; i < argc; i++)
		qargv[a++] = argv[i];
	execve(qemu, qargv, qenv);
	fprintf(stderr, "qemu-launch: cannot run %s: %s\n", qemu, strerror(errno));
	return 127;
}
