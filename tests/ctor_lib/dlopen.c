/* dlopen.c - a program that loads libncctor.so with dlopen, for
 * tests/cases/92-ctor-order.sh: the library's constructor runs inside dlopen,
 * long after start-up.
 *   cc -Ishim/core -Itests tests/ctor_lib/dlopen.c -ldl
 *   dlopen_main PATH-TO-libncctor.so
 * Output: "main: dlopen=ok" or "main: dlopen=failed: why". */
#include <dlfcn.h>

#include "testlib.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		t_write(2, "usage: dlopen_main LIBRARY\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		t_write(1, "main: dlopen=failed: ");
		t_write(1, dlerror());
		t_write(1, "\n");
		return 1;
	}
	t_write(1, "main: dlopen=ok\n");
	return 0;
}
