/* fake_backend: a backend for the counting layer's tests.
 *
 * It serves blocks from the real malloc with a 16-byte header, and its
 * usable size is the request rounded up to 16 bytes: known exactly, and
 * different from the request, so a test sees which one the layer counts.
 * Requests of FAKE_FAIL bytes or more fail without calling malloc.
 * realloc(p, 0) frees p and returns NULL (glibc's rule).
 */
#ifndef ALLOCSWAP_FAKE_BACKEND_H
#define ALLOCSWAP_FAKE_BACKEND_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as_backend.h"

#define FAKE_FAIL ((size_t)1 << 40)
#define FAKE_USABLE(n) (((size_t)(n) + 15) & ~(size_t)15)

struct fake_hdr {
	size_t usable;
	size_t offset; /* from the malloc-ed block to the user pointer */
};

static unsigned long fake_calls; /* every backend call, to see forwarding */

static void *fake_aligned(size_t align, size_t n)
{
	unsigned char *r, *u;
	struct fake_hdr *h;
	__atomic_add_fetch(&fake_calls, 1, __ATOMIC_RELAXED);
	if (n >= FAKE_FAIL)
		return NULL;
	if (align < 16)
		align = 16;
	r = malloc(n + align + 2 * sizeof *h);
	if (!r)
		return NULL;
	u = (unsigned char *)(((uintptr_t)r + sizeof *h + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct fake_hdr *)u - 1;
	h->usable = FAKE_USABLE(n);
	h->offset = (size_t)(u - r);
	return u;
}

static void *fake_malloc(size_t n)
{
	return fake_aligned(16, n);
}

static void fake_free(void *p)
{
	__atomic_add_fetch(&fake_calls, 1, __ATOMIC_RELAXED);
	if (p)
		free((unsigned char *)p - ((struct fake_hdr *)p - 1)->offset);
}

static size_t fake_usable(void *p)
{
	return p ? ((struct fake_hdr *)p - 1)->usable : 0;
}

static void *fake_calloc(size_t n, size_t size)
{
	void *p = fake_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void *fake_realloc(void *p, size_t n)
{
	void *q;
	size_t old;
	if (!p)
		return fake_malloc(n);
	if (!n) {
		fake_free(p);
		return NULL;
	}
	q = fake_malloc(n);
	if (!q)
		return NULL;
	old = fake_usable(p);
	memcpy(q, p, old < n ? old : n);
	fake_free(p);
	return q;
}

static void fake_install(void)
{
	_as_backend.malloc = fake_malloc;
	_as_backend.free = fake_free;
	_as_backend.calloc = fake_calloc;
	_as_backend.realloc = fake_realloc;
	_as_backend.aligned = fake_aligned;
	_as_backend.usable = fake_usable;
}

#endif
