/* own_malloc.c - a program whose malloc is built on mmap, and that allocates
 * before any library has been initialised.
 *
 *   own_malloc [early-fixed]
 *
 * The shim's start-up cannot use malloc: the program's malloc may call mmap,
 * which is the shim itself, before the shim has looked up the next mmap (or,
 * as here, before its constructor has run at all). The allocator below maps
 * every block with mmap, and an entry in .preinit_array (run by ld.so before
 * any library's constructor, the way sanitizer runtimes start) allocates,
 * reallocates and frees through it. With early-fixed it also places one block
 * with MAP_FIXED there, so the shim's MAP_FIXED path runs before libc itself
 * is initialised (getenv sees no environment yet; the options must still be
 * the ones NOCLOBBER_OPTIONS gives, for the rest of the run).
 *
 * main then allocates through libc (stdio, strdup), and makes one MAP_FIXED
 * call over a page of libc's text: not the program's own memory, so it must be
 * refused whatever the policy says about replacing one's own mappings.
 * Output: "mmap_in=shim|other", "early_calls=N",
 * "result=EEXIST|ok|errno=N intact=yes|no", then "OK own_malloc" on success. */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testlib.h"

/* Sits just below every block; 32 bytes keep 16-byte alignment. */
struct hdr {
	size_t size;     /* what was asked */
	size_t map_len;  /* bytes mapped at base */
	size_t base_off; /* user pointer - base */
	size_t magic;
};
#define MAGIC ((size_t)0x6f776e6d616c6c6fULL)

static unsigned long calls, early_calls;
static void *volatile sink; /* keeps the compiler from eliding a malloc/free pair */
static int early_fixed; /* set from argv by the preinit function */

static void *alloc(size_t size, size_t align)
{
	calls++;
	if (align < 16)
		align = 16;
	if (size > SIZE_MAX / 4 || (align & (align - 1))) {
		errno = size > SIZE_MAX / 4 ? ENOMEM : EINVAL;
		return NULL;
	}
	size_t total = size + align + sizeof(struct hdr);
	char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	uintptr_t user = ((uintptr_t)base + sizeof(struct hdr) + align - 1) & ~(uintptr_t)(align - 1);
	struct hdr *h = (struct hdr *)user - 1;
	h->size = size;
	h->map_len = total;
	h->base_off = user - (uintptr_t)base;
	h->magic = MAGIC;
	return (void *)user;
}

static struct hdr *hdr_of(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic != MAGIC) {
		t_write(2, "own_malloc: free of a block this allocator did not make\n");
		t_exit(5);
	}
	return h;
}

void *malloc(size_t n) { return alloc(n, 16); }
void *calloc(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return alloc(a * b, 16); /* fresh anonymous memory is zero */
}
void free(void *p)
{
	if (!p)
		return;
	struct hdr *h = hdr_of(p);
	munmap((char *)p - h->base_off, h->map_len);
}
void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return NULL;
	}
	void *q = malloc(n);
	if (q) {
		size_t old = hdr_of(p)->size;
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
}
void *reallocarray(void *p, size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, a * b);
}
void *memalign(size_t align, size_t n) { return alloc(n, align); }
void *aligned_alloc(size_t align, size_t n) { return alloc(n, align); }
void *valloc(size_t n) { return alloc(n, 4096); }
void *pvalloc(size_t n) { return alloc((n + 4095) & ~(size_t)4095, 4096); }
int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = alloc(n, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
size_t malloc_usable_size(void *p) { return p ? hdr_of(p)->size : 0; }

/* Before any constructor: libc is not initialised, the shim has not looked up
 * the next mmap. Exercise the allocator (hence the shim's mmap) right here. */
static void early(int argc, char **argv, char **envp)
{
	(void)envp;
	early_fixed = argc > 1 && !strcmp(argv[1], "early-fixed");
	char *a = malloc(100);
	sink = a;
	char *b = calloc(10, 10);
	sink = b;
	a = realloc(a, 10000);
	sink = a;
	void *c = NULL;
	if (!a || !b || b[99] || posix_memalign(&c, 64, 100) || ((uintptr_t)c & 63)) {
		t_write(2, "own_malloc: allocation before constructors failed\n");
		t_exit(4);
	}
	a[9999] = 1;
	free(a);
	free(b);
	free(c);
	if (early_fixed) {
		/* A block placed at a free address of its own choosing. */
		void *r = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(r, 8192);
		void *f = mmap(r, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (f != r) {
			t_write(2, "own_malloc: early MAP_FIXED at a free address failed\n");
			t_exit(4);
		}
		munmap(f, 8192);
	}
	early_calls = calls;
}
__attribute__((section(".preinit_array"), used)) static void (*const early_entry)(int, char **, char **) = early;

int main(void)
{
	Dl_info di;
	void *m = dlsym(RTLD_DEFAULT, "mmap");
	int shim = m && dladdr(m, &di) && di.dli_fname && strstr(di.dli_fname, "libnoclobber");
	printf("mmap_in=%s\nearly_calls=%lu\n", shim ? "shim" : "other", early_calls);

	/* Some ordinary allocation through libc. */
	char *s = strdup("some text");
	char *t = NULL;
	if (asprintf(&t, "%s and more %d", s, 42) < 0 || strcmp(t, "some text and more 42"))
		return 3;
	void *blocks[50];
	for (int i = 0; i < 50; i++)
		blocks[i] = malloc((size_t)i * 100 + 1);
	for (int i = 0; i < 50; i += 2)
		free(blocks[i]);

	/* A page in the middle of libc's text (getpid is in it, not in us). */
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t target = (uintptr_t)dlsym(RTLD_DEFAULT, "getpid") & ~(uintptr_t)(pg - 1);
	Dl_info li, self;
	if (!target || !dladdr((void *)target, &li) || !dladdr((void *)main, &self) || li.dli_fbase == self.dli_fbase)
		return 3;
	static unsigned char before[4096];
	memcpy(before, (void *)target, sizeof(before));
	fflush(NULL);

	errno = 0;
	void *r = mmap((void *)target, (size_t)pg, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	int err = errno;
	/* Until libc is known intact: raw writes only. */
	const unsigned char *now = (const unsigned char *)target;
	int same = 1;
	for (size_t i = 0; r == MAP_FAILED && i < sizeof(before); i++)
		same &= now[i] == before[i];
	t_result(r, (void *)target, err);
	t_write(1, r == MAP_FAILED && same ? " intact=yes\n" : " intact=no\n");
	if (r != MAP_FAILED || !same)
		t_exit(3);

	for (int i = 1; i < 50; i += 2)
		free(blocks[i]);
	free(t);
	free(s);
	printf("OK own_malloc calls=%lu\n", calls);
	return 0;
}
