/* platform.h - the decision path this platform gives the shim (help=1). */
#ifndef NC_PLATFORM_H
#define NC_PLATFORM_H

/* One line to fd: "noclobber: platform: overlap=kernel|table lookups=procmap_query|maps_read|none". */
void nc_platform_describe(int fd);

#endif
