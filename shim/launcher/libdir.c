/* libdir.c - where `make install` put the library: the Makefile's install compiles this
 * file again with NC_INSTALLED_LIBDIR set, for the installed launcher only. */
#ifndef NC_INSTALLED_LIBDIR
#define NC_INSTALLED_LIBDIR ""
#endif
const char nc_installed_libdir[] = NC_INSTALLED_LIBDIR;
