/* caller.h - naming the code that made a call: module, offset, symbol.
 * No dladdr (it takes the loader's lock, which the caller may hold): the module
 * comes from the mapping that holds the return address, the symbol from the
 * module's own dynamic symbol table, read with nc_mem_read. */
#ifndef NC_CALLER_H
#define NC_CALLER_H

#include <stddef.h>
#include <stdint.h>

#include "vmas.h"

struct nc_caller {
	uintptr_t pc;
	int found;          /* pc lies in a mapping */
	uintptr_t offset;   /* pc - load bias: what addr2line wants */
	int offset_is_file; /* no ELF header found: offset is a file offset instead */
	char symbol[128];   /* "" if unknown */
	uintptr_t sym_offset;
	struct nc_vma module; /* the mapping holding pc; its name is the module */
};

void nc_caller_describe(struct nc_vmas *s, uintptr_t pc, struct nc_caller *out);
/* Where the module holding pc (in mapping m) was loaded, its dynamic section
 * and its .eh_frame_hdr (0 where it has none), from its ELF headers, in
 * process pid (0: this one). 1 = found. */
struct nc_module_layout {
	uintptr_t bias, dyn, eh_frame_hdr;
};
int nc_module_layout(long pid, uintptr_t pc, const struct nc_vma *m, struct nc_module_layout *l);
/* Where the module mapped at m (loaded at bias) in process pid, another one
 * (the supervisor's), has its .eh_frame, from the section headers of its file:
 * for a module without .eh_frame_hdr (a program linked with gcc -static).
 * 1 = found. */
int nc_module_eh_frame(long pid, const struct nc_vma *m, uintptr_t bias, uintptr_t *at, uintptr_t *size);
/* Fork: the cache's lock may have been held by a thread the child lacks. */
void nc_caller_after_fork_child(void);

#endif
