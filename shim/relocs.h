/* relocs.h - pointing the guarded calls of libraries loaded with RTLD_DEEPBIND
 * back at the shim: their GOT and PLT slots, rewritten after the load. */
#ifndef NC_RELOCS_H
#define NC_RELOCS_H

#include <stddef.h>
#include <stdint.h>

/* One guarded name: the shim's own definition, and what the new objects'
 * own scope gives for it (dlsym on the loaded handle; 0 if nothing). */
struct nc_reloc_name {
	const char *name;
	uintptr_t shim;
	uintptr_t deep;
};

/* After a dlopen that returned the object whose dynamic section is at
 * h_dyn and added `added` objects to the process: in that object and the
 * ones loaded after it (at most `added` in all), every JUMP_SLOT and
 * GLOB_DAT slot (and data pointer to the function itself) of a name in names[] that holds a definition outside the new
 * objects (libc's, past the preload), or is still unresolved and would get
 * one, is made to hold the shim's. RELRO pages are made writable for the
 * write and read-only again. Takes the loader's dl_iterate_phdr lock, no
 * other loader lock: call it with none of the shim's held. */
void nc_relocs_redirect(uintptr_t h_dyn, unsigned long added, const struct nc_reloc_name *names, size_t n);

/* The loader's count of objects added so far (dl_iterate_phdr's dlpi_adds). */
unsigned long long nc_relocs_adds(void);

#endif
