/* ctor.c - a shared library whose constructor makes two MAP_FIXED calls, for
 * tests/cases/92-ctor-order.sh. Built at test time:
 *   cc -shared -fPIC -Ishim/core -Itests tests/ctor_lib/ctor.c -o libncctor.so
 *
 * The constructor runs before main, before or after the shim's own constructor
 * depending on the load order. Either way:
 *   - one page over the middle of libc's text must be refused with EEXIST, the
 *     page unchanged;
 *   - one page over a fresh anonymous mapping the constructor just made must be
 *     replaced (it is the program's own).
 * Output (raw writes; libc's text is not trusted after the first call):
 *   ctor: mmap=shim|other
 *   ctor libc-text: result=ok|EEXIST|errno=N intact=yes|no
 *   ctor own-anon: result=ok|EEXIST|errno=N */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

int ncctor_ran; /* main reads it: a symbol main needs keeps the DT_NEEDED */

static size_t pg;
static uintptr_t libc_page;

static void result(const char *what, void *r, void *target, int err)
{
	t_write(1, what);
	t_write(1, " ");
	t_result(r, target, err);
}

__attribute__((constructor)) static void ncctor_start(void)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	Dl_info di;
	void *m = dlsym(RTLD_DEFAULT, "mmap");
	int shim = m && dladdr(m, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber");
	t_write(1, shim ? "ctor: mmap=shim\n" : "ctor: mmap=other\n");

	libc_page = t_libc_text_page(pg);
	if (!libc_page) {
		t_write(1, "ctor libc-text: libc not found\n");
		t_exit(2);
	}
	static unsigned char before[4096];
	memcpy(before, (void *)libc_page, sizeof(before));
	errno = 0;
	void *r = mmap((void *)libc_page, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	result("ctor libc-text:", r, (void *)libc_page, err);
	if (r == (void *)libc_page) {
		t_write(1, " intact=no\n");
		t_exit(3); /* libc's text is gone */
	}
	int same = 1;
	for (size_t i = 0; i < sizeof(before); i++)
		same &= ((const volatile unsigned char *)libc_page)[i] == before[i];
	t_write(1, same ? " intact=yes\n" : " intact=no\n");

	char *own = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (own == MAP_FAILED) {
		t_write(1, "ctor own-anon: cannot map\n");
		t_exit(2);
	}
	memset(own, 0x5a, 2 * pg);
	errno = 0;
	r = mmap(own + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	err = errno;
	result("ctor own-anon:", r, own + pg, err);
	t_write(1, "\n");
	ncctor_ran = 1;
}
