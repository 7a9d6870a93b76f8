/* dep.c - libncdeepdep.so, a dependency of plugin.c that a RTLD_DEEPBIND load
 * of the plugin loads with it (tests/cases/94-deepbind.sh). */
#include "testlib.h"

void deepdep_libc(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t page = t_libc_text_page(pg);
	if (!page) {
		t_write(1, "libc not found\n");
		t_exit(2);
	}
	t_write(1, "dep libc-text: ");
	t_clobber_page(page, pg);
}
