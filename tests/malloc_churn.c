/* malloc_churn.c - libc's own malloc at work: blocks from 16 bytes to 1 MiB
 * allocated, filled, grown and shrunk with realloc (large ones move by mremap
 * in glibc and musl), checked and freed, in a fixed order. Prints one line,
 * "malloc_churn ok blocks=N sum=S", the same with or without the shim; any
 * damage prints "malloc_churn damaged at I" and exits 1. libc maps this
 * memory itself, past the shim, so nothing of it may be refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 200
#define STRIDE 61 /* bytes between the ones written and checked */

static unsigned char fill(size_t i, size_t k) { return (unsigned char)(i * 31 + k * 7); }

int main(void)
{
	static unsigned char *b[N];
	static size_t len[N];
	uint64_t sum = 0, seed = 12345;
	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < N; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			size_t want = (size_t)16 << (seed >> 59) % 17; /* 16 B .. 1 MiB */
			unsigned char *p = realloc(b[i], want);
			if (!p) {
				printf("malloc_churn: realloc(%zu) failed\n", want);
				return 1;
			}
			size_t keep = len[i] < want ? len[i] : want;
			for (size_t k = 0; k < keep; k += STRIDE)
				if (p[k] != fill(i, k)) {
					printf("malloc_churn damaged at %zu\n", i);
					return 1;
				}
			for (size_t k = 0; k < want; k += STRIDE)
				p[k] = fill(i, k);
			b[i] = p;
			len[i] = want;
			sum += want;
		}
		for (size_t i = round % 3; i < N; i += 3) {
			free(b[i]);
			b[i] = NULL;
			len[i] = 0;
		}
	}
	for (size_t i = 0; i < N; i++)
		free(b[i]);
	printf("malloc_churn ok blocks=%d sum=%llu\n", N * 6, (unsigned long long)sum);
	return 0;
}
