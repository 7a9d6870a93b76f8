# Only the interposed calls are exported: nothing internal can collide with a
# program's own names.
exports=$(nm -D --defined-only "$SHIM" | awk '{print $3}' | sort | tr '\n' ' ')
why="exports: $exports"
expect "exports: only the interposed calls" test "$exports" = "_Exit _exit dlopen mmap mmap64 mremap munmap prctl shmat shmdt syscall "
