/* platform.c - which decision path this platform gives the shim, as help=1
 * says it. Under qemu-user, or on an older kernel, the shim runs on its
 * fallbacks; this line is how a user (and the suite) sees which:
 *   overlap=kernel  MAP_FIXED_NOREPLACE is honoured: the atomic check
 *   overlap=table   it is not (Linux < 4.17, qemu-user) or check=table:
 *                   /proc/self/maps is read first
 *   lookups=procmap_query  victims and hints asked per address (Linux 6.11+)
 *   lookups=maps_read      the whole of /proc/self/maps read instead
 *   lookups=none           /proc/self/maps cannot be read at all
 * Each is found the way decide.c and vmas.c find it, once, at start. */
#include "platform.h"

#include <errno.h>
#include <sys/mman.h>

#include "fmt.h"
#include "options.h"
#include "sys.h"
#include "vmas.h"

/* Does the kernel refuse MAP_FIXED_NOREPLACE over a mapping of our own? */
static int noreplace_honoured(void)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	long page = nc_sys_mmap(0, nc_page_size, PROT_NONE, anon, -1, 0);
	if (nc_sys_failed(page))
		return 0;
	long r = nc_sys_mmap((void *)page, nc_page_size, PROT_NONE, anon | MAP_FIXED_NOREPLACE, -1, 0);
	if (!nc_sys_failed(r) && r != page) /* taken as a hint: placed elsewhere */
		nc_sys_munmap((void *)r, nc_page_size);
	nc_sys_munmap((void *)page, nc_page_size);
	return r == -EEXIST;
}

void nc_platform_describe(int fd)
{
	int table = NC_OPT(check) == NC_CHECK_TABLE;
	const char *overlap = !table && noreplace_honoured() ? "kernel" : "table";
	struct nc_vmas s;
	int err = nc_vmas_begin(&s, table);
	const char *lookups = err ? "none" : s.table ? "maps_read" : "procmap_query";
	nc_vmas_end(&s);
	char line[160];
	struct nc_buf b = NC_BUF_INIT(line);
	nc_buf_str(&b, "noclobber: platform: overlap=");
	nc_buf_str(&b, overlap);
	nc_buf_str(&b, " lookups=");
	nc_buf_str(&b, lookups);
	nc_buf_ch(&b, '\n');
	nc_sys_write_all(fd, b.p, b.len);
}
