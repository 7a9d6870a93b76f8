/* secure_probe.c - is this process in secure mode (AT_SECURE), is the shim its
 * mmap, and does one clobber of libc's text get refused?
 *
 *   secure_probe
 *
 * Output, one line each (raw writes after the call):
 *   at_secure=0|1 ruid=N euid=N shim=yes|no
 *   result=ok|EEXIST|errno=N intact=yes|no
 * libc's text is found with dl_iterate_phdr, not /proc. */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

static size_t pg;
static uintptr_t libc_page;

int main(void)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
	Dl_info di;
	void *m = dlsym(RTLD_DEFAULT, "mmap");
	int shim = m && dladdr(m, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber");
	t_write(1, "at_secure=");
	t_write(1, t_dec((long)getauxval(AT_SECURE)));
	t_write(1, " ruid=");
	t_write(1, t_dec((long)getuid()));
	t_write(1, " euid=");
	t_write(1, t_dec((long)geteuid()));
	t_write(1, shim ? " shim=yes\n" : " shim=no\n");

	libc_page = t_libc_text_page(pg);
	if (!libc_page) {
		t_write(2, "secure_probe: libc's text not found\n");
		return 2;
	}
	t_clobber_page(libc_page, pg);
	return 0;
}
