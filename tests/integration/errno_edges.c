/* errno_edges: the edge cases of every function of the malloc family, under
 * one backend.  The errno values and return codes are the normalization
 * layer's contract (preload/swap_shim.h); the backend must not show through.
 * Where glibc and musl disagree (aligned_alloc(0, n), memalign with an
 * alignment that is not a power of two), each libc's own rule holds.
 *
 * Only requests that reach the backend and fail count as calls.failed in the
 * report (rejections in the shim do not): malloc(SIZE_MAX) and
 * malloc(PTRDIFF_MAX) do, the overflows and bad alignments do not.
 *
 * The same errno values hold with ALLOCSWAP_STATS=off, where the exports
 * dispatch straight to the backend (mimalloc's too-large requests set no
 * errno of their own); that report has no calls to check.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

typedef void *(*pvalloc_fn)(size_t);
typedef void (*free_sized_fn)(void *, size_t);
typedef void (*free_aligned_sized_fn)(void *, size_t, size_t);
typedef void *(*reallocarray_fn)(void *, size_t, size_t);

static size_t page;

/* A volatile size keeps the compiler from folding the checks away
 * (gcc knows malloc(SIZE_MAX) fails, and warns about it). */
static volatile size_t vol_huge = SIZE_MAX;
static volatile size_t vol_4g = (size_t)1 << 32;

/* Called through a pointer where realloc is expected to fail: gcc would
 * otherwise take the old pointer as freed and warn about every later use. */
static void *(*volatile failing_realloc)(void *, size_t) = realloc;

static void t_malloc(unsigned *failed)
{
	size_t huge = vol_huge;
	void *p;
	errno = 0;
	p = malloc(huge);
	T_CHECK(p == NULL);
	T_EQ(errno, ENOMEM);
	(*failed)++;

	errno = 0;
	p = malloc(huge / 2); /* PTRDIFF_MAX */
	T_CHECK(p == NULL);
	T_EQ(errno, ENOMEM);
	(*failed)++;

	errno = 0;
	p = malloc(huge / 2 + 1); /* PTRDIFF_MAX + 1 */
	T_CHECK(p == NULL);
	T_EQ(errno, ENOMEM);
	(*failed)++;

	errno = 0;
	p = failing_realloc(NULL, huge); /* realloc(NULL, n) is malloc(n) */
	T_CHECK(p == NULL);
	T_EQ(errno, ENOMEM);
	(*failed)++;

	/* malloc(0) gives a unique, freeable pointer on every backend we ship */
	p = malloc(0);
	T_CHECK(p != NULL);
	free(p);

	free(NULL);
	T_EQ(malloc_usable_size(NULL), 0);
}

static void t_calloc(void)
{
	size_t huge = vol_huge;
	unsigned char *p;
	size_t i;
	int zero = 1;

	T_ERR(p = calloc(huge / 2 + 1, 2), ENOMEM);
	T_CHECK(p == NULL);
	T_ERR(p = calloc(2, huge), ENOMEM);
	T_CHECK(p == NULL);
	T_ERR(p = calloc(huge, huge), ENOMEM);
	T_CHECK(p == NULL);
	T_ERR(p = calloc(vol_4g, vol_4g), ENOMEM);
	T_CHECK(p == NULL);

	/* zeroed, even where a dirty block was just freed */
	p = malloc(8000);
	T_CHECK(p != NULL);
	memset(p, 0xaa, 8000);
	free(p);
	p = calloc(1000, 8);
	T_CHECK(p != NULL);
	for (i = 0; p && i < 8000; i++)
		zero &= p[i] == 0;
	T_CHECK(zero);
	T_CHECK(malloc_usable_size(p) >= 8000);
	free(p);

	p = calloc(0, huge); /* 0 bytes: no overflow */
	free(p);
}

static void t_posix_memalign(void)
{
	static const size_t bad[] = {0, 1, 2, 3, sizeof(void *) / 2, 24, 48, sizeof(void *) + 1,
				     4095, ((size_t)1 << 63) + 8};
	void *sentinel = (void *)&page, *p;
	size_t i;
	int rc;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = sentinel;
		errno = 1234;
		rc = posix_memalign(&p, bad[i], 16);
		T_EQ(rc, EINVAL);
		T_EQ(errno, 1234);        /* errno untouched */
		T_CHECK(p == sentinel);   /* *memptr untouched on failure */
	}
	/* success leaves errno alone too */
	errno = 1234;
	p = NULL;
	rc = posix_memalign(&p, sizeof(void *), 10);
	T_EQ(rc, 0);
	T_EQ(errno, 1234);
	T_CHECK(p != NULL && it_aligned(p, sizeof(void *)));
	free(p);
	errno = 1234;
	rc = posix_memalign(&p, 64, 0);
	T_EQ(rc, 0);
	T_EQ(errno, 1234);
	free(p);

	/* too big: ENOMEM as the return value, errno still untouched */
	p = sentinel;
	errno = 1234;
	rc = posix_memalign(&p, 64, vol_huge - 16);
	T_EQ(rc, ENOMEM);
	T_EQ(errno, 1234);
	T_CHECK(p == sentinel);
}

static void t_aligned_alloc(void)
{
	static const size_t bad[] = {3, 5, 6, 24, 48, 100, 4097};
	void *p;
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_ERR(p = aligned_alloc(bad[i], 64), EINVAL);
		T_CHECK(p == NULL);
	}
#ifdef __GLIBC__
	T_ERR(p = aligned_alloc(0, 64), EINVAL);
	T_CHECK(p == NULL);
#else
	/* musl's rule (src/malloc/mallocng/aligned_alloc.c): 0 passes its
	 * power-of-two test and means the least alignment */
	T_ERR(p = aligned_alloc(0, 64), 0);
	T_CHECK(p != NULL && malloc_usable_size(p) >= 64);
	free(p);
#endif
	/* a size that is not a multiple of the alignment is fine (C17) */
	p = aligned_alloc(64, 100);
	T_CHECK(p != NULL && it_aligned(p, 64));
	T_CHECK(malloc_usable_size(p) >= 100);
	free(p);
	/* alignments below sizeof(void *) are still powers of two */
	p = aligned_alloc(1, 7);
	T_CHECK(p != NULL);
	free(p);
	T_ERR(p = aligned_alloc(64, vol_huge - 32), ENOMEM);
	T_CHECK(p == NULL);
}

static void t_memalign(void)
{
	/* not a power of two: rounded up, as glibc does; musl's memalign is its
	 * aligned_alloc (src/malloc/memalign.c) and refuses them */
	static const size_t odd[][2] = {{3, 4}, {24, 32}, {48, 64}, {100, 128}, {1000, 1024},
					{4097, 8192}};
	void *p;
	size_t i;
	for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
#ifdef __GLIBC__
		p = memalign(odd[i][0], 40);
		T_CHECK(p != NULL && it_aligned(p, odd[i][1]));
		T_CHECK(malloc_usable_size(p) >= 40);
		free(p);
#else
		T_ERR(p = memalign(odd[i][0], 40), EINVAL);
		T_CHECK(p == NULL);
#endif
	}
	p = memalign(0, 10);
	T_CHECK(p != NULL);
	free(p);
	/* an alignment that cannot be rounded up to a power of two */
	T_ERR(p = memalign(vol_huge / 2 + 2, 10), EINVAL);
	T_CHECK(p == NULL);
	T_ERR(p = memalign(4096, vol_huge - 100), ENOMEM);
	T_CHECK(p == NULL);
}

static void t_valloc(void)
{
	pvalloc_fn pv = it_fn(pvalloc_fn, "pvalloc");
	void *p;
	p = valloc(1);
	T_CHECK(p != NULL && it_aligned(p, page));
	free(p);
	p = valloc(3 * page + 1);
	T_CHECK(p != NULL && it_aligned(p, page));
	T_CHECK(malloc_usable_size(p) >= 3 * page + 1);
	if (p)
		memset(p, 1, 3 * page + 1);
	free(p);

	T_CHECK(pv != NULL);
	if (!pv)
		return;
	/* pvalloc(0) is one page; sizes round up to whole pages */
	p = pv(0);
	T_CHECK(p != NULL && it_aligned(p, page));
	T_CHECK(malloc_usable_size(p) >= page);
	if (p)
		memset(p, 2, page);
	free(p);
	p = pv(page + 1);
	T_CHECK(p != NULL && it_aligned(p, page));
	T_CHECK(malloc_usable_size(p) >= 2 * page);
	if (p)
		memset(p, 3, 2 * page);
	free(p);
	T_ERR(p = pv(vol_huge), ENOMEM);
	T_CHECK(p == NULL);
	T_ERR(p = pv(vol_huge - page / 2), ENOMEM);
	T_CHECK(p == NULL);
}

static void t_realloc(void)
{
	reallocarray_fn ra = it_fn(reallocarray_fn, "reallocarray");
	char *p, *q;

	/* realloc(NULL, n) is malloc(n) */
	p = realloc(NULL, 100);
	T_CHECK(p != NULL);
	T_CHECK(malloc_usable_size(p) >= 100);
	it_fill(p, 100, 1);

	/* too big: NULL + ENOMEM, the old block intact */
	T_ERR(q = failing_realloc(p, vol_huge), ENOMEM);
	T_CHECK(q == NULL);
	T_ERR(q = failing_realloc(p, vol_huge / 2 + 1), ENOMEM);
	T_CHECK(q == NULL);
	T_CHECK(it_check(p, 100, 1));

	T_CHECK(ra != NULL);
	if (ra) {
		T_ERR(q = ra(p, vol_huge / 2 + 1, 2), ENOMEM);
		T_CHECK(q == NULL);
		T_ERR(q = ra(p, 3, vol_huge / 2), ENOMEM);
		T_CHECK(q == NULL);
		T_CHECK(it_check(p, 100, 1));
		q = ra(p, 50, 4);
		T_CHECK(q != NULL);
		T_CHECK(q && it_check(q, 100, 1));
		T_CHECK(malloc_usable_size(q) >= 200);
		if (q)
			p = q;
		q = ra(NULL, 10, 10);
		T_CHECK(q != NULL);
		free(q);
	}

	/* realloc(p, 0): each libc's own rule */
	q = realloc(p, 0);
#ifdef __GLIBC__
	T_CHECK(q == NULL); /* p was freed */
#else
	T_CHECK(q != NULL); /* musl: a minimal block; p was freed */
	free(q);
#endif
}

static void t_usable_and_free(void)
{
	free_sized_fn fs = it_fn(free_sized_fn, "free_sized");
	free_aligned_sized_fn fas = it_fn(free_aligned_sized_fn, "free_aligned_sized");
	static const size_t sizes[] = {1, 7, 8, 15, 16, 17, 24, 100, 1000, 4095, 4096, 4097, 65536,
				       200000, 1 << 20};
	size_t i, u;
	void *p;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = malloc(sizes[i]);
		T_CHECK(p != NULL);
		u = malloc_usable_size(p);
		T_CHECK(u >= sizes[i]);
		if (p)
			memset(p, 0x5a, u); /* the whole usable size is ours */
		free(p);
	}
	T_CHECK(fs != NULL);
	T_CHECK(fas != NULL);
	if (fs) {
		fs(NULL, 0);
		p = malloc(123);
		T_CHECK(p != NULL);
		fs(p, 123);
	}
	if (fas) {
		fas(NULL, 64, 0);
		p = aligned_alloc(64, 128);
		T_CHECK(p != NULL);
		fas(p, 64, 128);
	}
}

int main(void)
{
	unsigned failed = 0;
	const char *mode = getenv("ALLOCSWAP_STATS");
	int stats_off = mode && !strcmp(mode, "off");
	page = (size_t)sysconf(_SC_PAGESIZE);
	/* resolve the optional functions before anything is measured */
	(void)it_sym("pvalloc");
	it_warm_up();
	if (!it_baseline()) {
		t_malloc(&failed);
		t_calloc();
		t_posix_memalign();
		t_aligned_alloc();
		t_memalign();
		t_valloc();
		t_realloc();
		t_usable_and_free();
		if (!stats_off)
			t_expect("calls.failed == @baseline+%u", failed);
	}
	t_expect("allocator.fallback == false");
	return t_done();
}
