/* empty.c - a shared object with nothing in it: the start-up baseline of a preload. */
typedef int bench_empty_unit;
