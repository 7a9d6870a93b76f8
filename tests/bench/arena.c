/* arena.c - an empty preload but for one mapping made at start, as the shim's
 * arena is (shim/core/arena.c: 440 KiB, read-write, not charged as committed): what
 * that one mapping alone changes in the kernel's cost of the calls timed. */
#include <sys/mman.h>

__attribute__((constructor)) static void bench_arena(void)
{
	(void)mmap(0, 440u << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}
