/* main.c - deep_main, which opens a plugin and calls one of its functions,
 * for tests/cases/94-deepbind.sh:
 *   deep_main NAME deep|plain|lazy FUNCTION...
 * NAME goes to dlopen as it is (a bare name found through this program's
 * RUNPATH, "$ORIGIN/...", a path); deep = RTLD_NOW|RTLD_DEEPBIND, lazy =
 * RTLD_LAZY|RTLD_DEEPBIND, plain = RTLD_NOW. Output: "main: dlopen=ok" and
 * "main: loaded=PATH" (what was opened), or "main: dlopen=failed: DLERROR";
 * then each function's line; a FUNCTION "-" calls nothing. */
#include "testlib.h"

#ifndef RTLD_DEEPBIND
#define RTLD_DEEPBIND 0 /* musl has none */
#endif

int main(int argc, char **argv)
{
	if (argc < 4) {
		t_write(2, "usage: deep_main NAME deep|plain|lazy FUNCTION...\n");
		return 2;
	}
	int mode = !strcmp(argv[2], "plain") ? RTLD_NOW
		 : !strcmp(argv[2], "lazy")  ? RTLD_LAZY | RTLD_DEEPBIND
					     : RTLD_NOW | RTLD_DEEPBIND;
	void *h = dlopen(argv[1], mode);
	if (!h) {
		const char *e = dlerror();
		t_write(1, "main: dlopen=failed: ");
		t_write(1, e ? e : "(no dlerror)");
		t_write(1, "\n");
		return 1;
	}
	const char *e = dlerror();
	t_write(1, e ? "main: dlopen=ok, but dlerror pending\n" : "main: dlopen=ok\n");
	struct link_map *l = 0;
	if (dlinfo(h, RTLD_DI_LINKMAP, &l) == 0 && l) {
		t_write(1, "main: loaded=");
		t_write(1, l->l_name);
		t_write(1, "\n");
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-"))
			continue;
		void (*fn)(void) = (void (*)(void))dlsym(h, argv[i]);
		if (!fn) {
			t_write(1, "main: no function ");
			t_write(1, argv[i]);
			t_write(1, "\n");
			return 1;
		}
		fn();
	}
	return 0;
}
