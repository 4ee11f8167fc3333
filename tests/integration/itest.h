/* itest: helpers shared by the integration programs (on top of harness.h).
 *
 * The programs run under libswap (as_check starts them) and use only the
 * malloc API and POSIX, so they build for glibc and for musl.  Nothing here
 * allocates.
 *
 *   it_baseline()       non-zero in as_check's baseline run (AS_TEST_BASELINE=1),
 *                       which skips the measured pattern
 *   it_warm_up()        one small, one large and one aligned block, allocated
 *                       and freed before anything is measured (in both runs):
 *                       backends set themselves up lazily, oneTBB even reads
 *                       /proc with stdio, which allocates, on its first large
 *                       block
 *   it_fn(name)         the exported function name of libswap, looked up at run
 *                       time: pvalloc, free_sized and free_aligned_sized are not
 *                       declared (or not defined) by every libc
 *   it_bucket(n)        the report's histogram bucket of a request of n bytes,
 *                       computed from the contract in as_stats.h (bucket 0
 *                       holds 0..15 bytes, bucket i holds 2^(i+3)..2^(i+4)-1),
 *                       it_bucket_le(i) the largest size in bucket i
 *   it_fill/it_check    a position-dependent byte pattern over a block
 *   it_expect_child     EXPECT[PID] lines, checked against a child's report
 */
#ifndef ALLOCSWAP_ITEST_H
#define ALLOCSWAP_ITEST_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define IT_BUCKETS 61

static inline int it_baseline(void)
{
	const char *b = getenv("AS_TEST_BASELINE");
	return b && !strcmp(b, "1");
}

static inline void it_warm_up(void)
{
	/* volatile: the compiler may drop a malloc whose block is only freed */
	void *volatile p;
	p = malloc(1);
	free(p);
	p = malloc(100000);
	free(p);
	p = malloc((size_t)4 << 20);
	free(p);
	p = aligned_alloc(4096, 8192);
	free(p);
}

static inline void *it_sym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

/* dlsym returns an object pointer; convert through an integer. */
#define it_fn(type, name) ((type)(uintptr_t)it_sym(name))

static inline uint64_t it_bucket_le(unsigned b)
{
	return b < IT_BUCKETS - 1 ? ((uint64_t)16 << b) - 1 : UINT64_MAX;
}

static inline unsigned it_bucket(size_t n)
{
	unsigned b = 0;
	while (n > it_bucket_le(b))
		b++;
	return b;
}

static inline unsigned char it_byte(size_t i, unsigned seed)
{
	return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static inline void it_fill(void *p, size_t n, unsigned seed)
{
	unsigned char *c = p;
	size_t i;
	for (i = 0; i < n; i++)
		c[i] = it_byte(i, seed);
}

/* Non-zero when the first n bytes still hold it_fill's pattern. */
static inline int it_check(const void *p, size_t n, unsigned seed)
{
	const unsigned char *c = p;
	size_t i;
	for (i = 0; i < n; i++)
		if (c[i] != it_byte(i, seed))
			return 0;
	return 1;
}

static inline int it_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

/* "EXPECT[pid] <fmt>": as_check checks it against the report of pid. */
static void it_expect_child(long pid, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static void it_expect_child(long pid, const char *fmt, ...)
{
	char head[32];
	va_list ap;
	snprintf(head, sizeof head, "EXPECT[%ld]", pid);
	va_start(ap, fmt);
	t_vexpect(head, fmt, ap);
	va_end(ap);
}

#endif
