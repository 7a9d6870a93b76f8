/* lock.c - the per-thread depth and the fork holder of lock.h. */
#include "lock.h"

__thread int nc_depth __attribute__((tls_model("initial-exec")));
const void *nc_fork_holder;
__thread int nc_tid_cache __attribute__((tls_model("initial-exec")));
