/* swap_shim: the normalization layer, shared by every backend.
 *
 * No calls to malloc in this file, and no stdio.
 *
 * Everything the C standard, POSIX and the host libc promise about the
 * malloc family but backends disagree on is settled here, once:
 *   - failures return NULL with errno ENOMEM;
 *   - calloc and reallocarray overflow: NULL + ENOMEM, backend not called;
 *   - posix_memalign: EINVAL for an alignment that is not a power of two
 *     multiple of sizeof(void *), errno left untouched, *memptr untouched on
 *     failure;
 *   - aligned_alloc: EINVAL for a non-power-of-two alignment (musl: an
 *     alignment of 0 passes its test, (a & -a) == a, and means the least);
 *   - memalign rounds the alignment up to a power of two (glibc does); musl's
 *     memalign is its aligned_alloc (src/malloc/memalign.c), EINVAL and all;
 *   - valloc aligns to the page; pvalloc also rounds the size up to a page,
 *     and pvalloc(0) gives one page;
 *   - an aligned request of 0 bytes asks the backend for 1, so that it
 *     gives a unique block like malloc(0) (oneTBB's aligned allocation
 *     fails on 0 bytes, and posix_memalign then returned ENOMEM);
 *   - realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL
 *     on glibc, and returns a minimal block on musl (each libc's own rule);
 *   - free(NULL) and malloc_usable_size(NULL) do nothing / return 0;
 *   - pointers from the bootstrap arena are recognized by one range check.
 * Backends then only see valid requests (see struct as_dispatch).
 */
#ifndef ALLOCSWAP_SWAP_SHIM_H
#define ALLOCSWAP_SWAP_SHIM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "as_bootstrap.h"
#include "as_core.h"

#define as_unlikely(x) __builtin_expect(!!(x), 0)

static inline void *nomem(void)
{
	errno = ENOMEM;
	return NULL;
}

static inline int mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

static inline int pow2(size_t a)
{
	return a && !(a & (a - 1));
}

/* A tail jump: every head sets ENOMEM itself when malloc fails (the named
 * backends do, the counting layer does, path backends are wrapped to). */
static inline void *shim_malloc(size_t n)
{
	return _as_head.malloc(n);
}

static inline void shim_free(void *p)
{
	if (as_unlikely(_as_boot_owns(p)))
		return;
	_as_head.free(p);
}

static inline void *shim_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;
	if (as_unlikely(mul_overflows(n, size, &total)))
		return nomem();
	p = _as_head.calloc(n, size);
	if (as_unlikely(!p))
		errno = ENOMEM;
	return p;
}

static inline size_t shim_usable(void *p)
{
	if (!p)
		return 0;
	if (as_unlikely(_as_boot_owns(p)))
		return _as_boot_usable(p);
	return _as_head.usable(p);
}

static inline void *shim_realloc(void *p, size_t n)
{
	void *q;
	if (!p)
		return shim_malloc(n);
	if (as_unlikely(n > PTRDIFF_MAX))
		return nomem();
	if (as_unlikely(_as_boot_owns(p))) {
		/* out of the arena into the backend; the arena block stays */
		size_t old = _as_boot_usable(p);
		q = shim_malloc(n ? n : 1);
		if (q) {
			unsigned char *d = q;
			const unsigned char *s = p;
			size_t i, k = old < n ? old : n;
			for (i = 0; i < k; i++)
				d[i] = s[i];
		}
		return q;
	}
	if (n == 0) {
#ifdef __GLIBC__
		_as_head.free(p);
		return NULL;
#else
		n = 1;
#endif
	}
	q = _as_head.realloc(p, n);
	if (as_unlikely(!q))
		errno = ENOMEM;
	return q;
}

static inline void *shim_reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (as_unlikely(mul_overflows(n, size, &total)))
		return nomem();
	return shim_realloc(p, total);
}

/* align: power of two.  Small alignments go to malloc, which already
 * guarantees 8 bytes on every backend. */
static inline void *shim_aligned(size_t align, size_t n)
{
	void *p;
	if (align <= sizeof(void *))
		return shim_malloc(n);
	if (as_unlikely(n > PTRDIFF_MAX - align))
		return nomem();
	if (as_unlikely(n == 0))
		n = 1;
	p = _as_head.aligned(align, n);
	if (as_unlikely(!p))
		errno = ENOMEM;
	return p;
}

static inline int shim_posix_memalign(void **out, size_t align, size_t n)
{
	int saved = errno;
	void *p;
	if (!pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = shim_aligned(align, n);
	errno = saved;
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static inline void *shim_aligned_alloc(size_t align, size_t n)
{
#ifdef __GLIBC__
	if (!pow2(align)) {
#else
	if (align && !pow2(align)) {
#endif
		errno = EINVAL;
		return NULL;
	}
	return shim_aligned(align, n);
}

static inline void *shim_memalign(size_t align, size_t n)
{
#ifdef __GLIBC__
	if (align > (SIZE_MAX >> 1) + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (!pow2(align)) {
		size_t a = 1;
		while (a < align)
			a <<= 1;
		align = a;
	}
	return shim_aligned(align, n);
#else
	return shim_aligned_alloc(align, n);
#endif
}

static inline size_t page_size(void)
{
	static size_t ps;
	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static inline void *shim_valloc(size_t n)
{
	return shim_aligned(page_size(), n);
}

static inline void *shim_pvalloc(size_t n)
{
	size_t ps = page_size();
	if (n > SIZE_MAX - ps)
		return nomem();
	n = n ? (n + ps - 1) & ~(ps - 1) : ps;
	return shim_aligned(ps, n);
}

#endif
