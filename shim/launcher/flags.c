/* flags.c - the launcher's command line. The first argument that is not a
 * flag, or everything after --, is the command, run exactly as given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static void usage(void)
{
	fputs("\
Usage: noclobber [options] [--] COMMAND [ARGS...]\n\
\n\
Run COMMAND with libnoclobber preloaded: a MAP_FIXED mmap (or mremap, shmat,\n\
syscall) over memory that is not the program's own is refused with EEXIST and\n\
logged. Children inherit the shim, so the whole process tree is covered. The\n\
library is added to LD_PRELOAD (an existing LD_PRELOAD is kept), and the flags\n\
below are appended to NOCLOBBER_OPTIONS (options already set there are kept;\n\
where both set the same option, the flag wins).\n\
\n\
Every process with the shim reports its start and each attempt to a counter\n\
this launcher owns (named in NOCLOBBER_TALLY), so the exit status never\n\
depends on the log: an attempt whose line could not be written still counts,\n\
and the launcher says how many lines were lost and why. The log is written\n\
to a directory the launcher names in log_path (a log_path already in\n\
NOCLOBBER_OPTIONS is overridden: use --log-dir).\n\
\n\
Options:\n\
  --mode MODE     what a clobber attempt gets (NOCLOBBER_OPTIONS mode=):\n\
                    enforce  refuse it with EEXIST (the default)\n\
                    warn     log it and let it happen (still counts as an attempt)\n\
                    abort    log it and abort() the process\n\
                    off      no checks at all\n\
  --allow LIST    what a MAP_FIXED may replace, a comma list (allow=):\n\
                    own, reserved (default own,reserved), or none\n\
  --strict        the same as --allow none: every replacement is an attempt\n\
  --log-dir DIR   keep the log in DIR, one file per process, DIR/PROGRAM.PID.log\n\
                  (log_path=DIR/); DIR is created if missing. Without it the\n\
                  log goes to a private temporary directory (in $TMPDIR, else\n\
                  /tmp) that is copied to standard error when the command\n\
                  ends, then removed\n\
  --json          log one JSON object per line (log_format=json)\n\
  --quiet         print nothing of the launcher's own but errors, and do not\n\
                  copy the temporary log to standard error (--log-dir still\n\
                  gets it)\n\
  --supervise     also judge, in a supervisor process, the calls the preload\n\
                  cannot see: statically linked programs, raw system calls,\n\
                  children started without LD_PRELOAD. A seccomp filter\n\
                  installed in the command before exec sends only mmap (and\n\
                  mmap2) with MAP_FIXED, mremap with MREMAP_FIXED, shmat with\n\
                  SHM_REMAP, and exec (to count processes) to the supervisor;\n\
                  every other call runs at full speed. It needs no_new_privs\n\
                  (set for the command unless the launcher holds CAP_SYS_ADMIN:\n\
                  a set-user-ID program in the tree then gains no privileges).\n\
                  Where the filter cannot be installed (seccomp() forbidden,\n\
                  a kernel before 5.5) the launcher says why and exits 2. The\n\
                  launcher waits for the last supervised process; a call made\n\
                  after the supervisor died fails with ENOSYS. Linux 5.5+\n\
  -h, --help      print this help and exit 0\n\
Flags may also be written --mode=MODE, --allow=LIST, --log-dir=DIR.\n\
\n\
The command is executed as given (looked up in PATH when it has no '/'), in\n\
the launcher's process group. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the\n\
launcher are passed on to the command (not when the terminal sent one to the\n\
whole group: the command has it already); the launcher still counts, removes\n\
what it made, and if the command died by one of them, ends by the same signal.\n\
At the end it prints the attempts, any log lines lost, and how many processes\n\
ran with the shim.\n\
\n\
Exit status:\n\
  66      some process of the run (the command or any child, even one whose\n\
          output the command hid) made a clobber attempt: refused, allowed by\n\
          --mode warn, or aborting. This wins over the command's own status.\n\
  2       bad flags, no command, bad --mode or --allow value, a log directory\n\
          that cannot be used, a library not found or not loadable; or a run\n\
          in which no process loaded the library, so nothing was watched (a\n\
          statically linked or set-user-ID command); with --supervise, a\n\
          seccomp filter that could not be installed (nothing ran)\n\
  126/127 the command cannot be run / was not found\n\
  other   the command's own exit status (128+N if it was killed by signal N;\n\
          by SIGINT, SIGTERM, SIGHUP or SIGQUIT: the launcher ends by it too)\n\
\n\
The library is looked for in $NOCLOBBER_LIB if set, then next to this program\n\
(its real path, and the path it was started by): ../lib/libnoclobber.so\n\
(installed), libnoclobber.so in the same directory (the build directory),\n\
../build/libnoclobber.so, then where `make install` put it.\n\
\n\
Summarize a log directory with: noclobber-report DIR. See noclobber(7).\n", stdout);
}

/* key=value appended to the flags' options. */
static void add_opt(struct nc_launch *l, const char *kv)
{
	char *s = nc_fmt("%s%s%s", l->flag_opts, *l->flag_opts ? ":" : "", kv);
	free(l->flag_opts);
	l->flag_opts = s;
}

static int valid_allow(const char *v)
{
	if (!strcmp(v, "none"))
		return 1;
	/* own, reserved, as a comma list */
	const char *p = v;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (!((n == 3 && !strncmp(p, "own", 3)) || (n == 8 && !strncmp(p, "reserved", 8))))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

void nc_parse_flags(int argc, char **argv, struct nc_launch *l)
{
	l->flag_opts = nc_strdup("");
	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i], *val = 0;
		char name[32];
		const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : 0;
		if (eq && (size_t)(eq - arg) < sizeof(name)) {
			memcpy(name, arg, (size_t)(eq - arg));
			name[eq - arg] = 0;
			arg = name;
			val = eq + 1;
		}
		if (!strcmp(arg, "--mode") || !strcmp(arg, "--allow") || !strcmp(arg, "--log-dir")) {
			if (!val) {
				if (i + 1 >= argc)
					nc_die_usage("option %s needs a value", arg);
				val = argv[++i];
			}
			if (!strcmp(arg, "--mode")) {
				if (strcmp(val, "enforce") && strcmp(val, "warn") && strcmp(val, "abort") && strcmp(val, "off"))
					nc_die_usage("bad value '%s' for --mode; valid values: enforce, warn, abort, off", val);
				char *kv = nc_fmt("mode=%s", val);
				add_opt(l, kv);
				free(kv);
			} else if (!strcmp(arg, "--allow")) {
				if (!valid_allow(val))
					nc_die_usage("bad value '%s' for --allow; valid values: a comma list of own, reserved; or none", val);
				char *kv = nc_fmt("allow=%s", val);
				add_opt(l, kv);
				free(kv);
			} else {
				if (!*val)
					nc_die_usage("option --log-dir needs a directory");
				l->log_dir = val;
			}
		} else if (!strcmp(arg, "--json") || !strcmp(arg, "--strict") || !strcmp(arg, "--quiet") ||
			   !strcmp(arg, "--help") || !strcmp(arg, "--supervise")) {
			if (val)
				nc_die_usage("option %s takes no value", arg);
			if (!strcmp(arg, "--json"))
				add_opt(l, "log_format=json");
			else if (!strcmp(arg, "--strict"))
				add_opt(l, "allow=none");
			else if (!strcmp(arg, "--quiet"))
				l->quiet = 1;
			else if (!strcmp(arg, "--supervise"))
				l->supervise = 1;
			else {
				usage();
				exit(0);
			}
		} else if (!strcmp(arg, "-h")) {
			usage();
			exit(0);
		} else if (!strcmp(arg, "--")) {
			i++;
			break;
		} else if (arg[0] == '-') {
			nc_die_usage("unknown option '%s'", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		nc_die_usage("no command given (usage: noclobber [options] -- COMMAND [ARGS...])");
	l->cmd = argv + i;
}
