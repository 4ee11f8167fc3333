/* aligned: every power-of-two alignment from 1 to 2^20 through aligned_alloc,
 * posix_memalign and memalign, with sizes below, at and above the alignment;
 * each block is written over its whole usable size.  Also valloc, pvalloc
 * and realloc of an aligned block.
 *
 * The report must count exactly what was asked: an alignment of at most
 * sizeof(void *) is a plain malloc (the shim sends it there), a larger one
 * is an aligned call.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define MAX_SHIFT 20

typedef void *(*pvalloc_fn)(size_t);

struct counts {
	unsigned malloc, aligned, free;
};

static void use(void *p, size_t align, size_t n, unsigned seed)
{
	size_t u;
	T_CHECK(p != NULL);
	if (!p)
		return;
	T_CHECK(it_aligned(p, align));
	if (!it_aligned(p, align))
		t_say("  %p not aligned to %zu (n %zu, seed %u)", p, align, n, seed);
	u = malloc_usable_size(p);
	T_CHECK(u >= n);
	it_fill(p, u, seed);
	T_CHECK(it_check(p, u, seed));
}

static void one(size_t align, size_t n, struct counts *c)
{
	void *p;
	int rc;
	int small = align <= sizeof(void *);

	p = aligned_alloc(align, n);
	use(p, align, n, 1);
	free(p);
	c->malloc += small;
	c->aligned += !small;
	c->free++;

	p = memalign(align, n);
	use(p, align, n, 2);
	free(p);
	c->malloc += small;
	c->aligned += !small;
	c->free++;

	p = NULL;
	rc = posix_memalign(&p, align, n);
	if (align < sizeof(void *)) {
		T_EQ(rc, EINVAL);
		return;
	}
	T_EQ(rc, 0);
	use(p, align, n, 3);
	free(p);
	c->malloc += small;
	c->aligned += !small;
	c->free++;
}

int main(void)
{
	pvalloc_fn pv = it_fn(pvalloc_fn, "pvalloc");
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct counts c = {0, 0, 0};
	unsigned shift, realloc_calls = 0;
	it_warm_up();
	if (!it_baseline()) {
		for (shift = 0; shift <= MAX_SHIFT; shift++) {
			size_t a = (size_t)1 << shift;
			one(a, 1, &c);
			one(a, a, &c);
			one(a, a + a / 2 + 1, &c);
			one(a, 3 * a + 5, &c);
		}

		/* the page-aligned legacy calls */
		{
			void *p = valloc(100);
			use(p, page, 100, 4);
			free(p);
			T_CHECK(pv != NULL);
			p = pv ? pv(page + 100) : NULL;
			use(p, page, 2 * page, 5);
			free(p);
			c.aligned += 2;
			c.free += 2;
		}

		/* realloc keeps the contents of an aligned block (the alignment
		 * itself is not promised after realloc) */
		{
			unsigned char *p = aligned_alloc(4096, 5000), *q;
			T_CHECK(p != NULL);
			it_fill(p, 5000, 6);
			q = realloc(p, 50000);
			T_CHECK(q != NULL && it_check(q, 5000, 6));
			p = q ? q : p;
			q = realloc(p, 100);
			T_CHECK(q != NULL && it_check(q, 100, 6));
			free(q ? q : p);
			c.aligned++;
			c.free++;
			realloc_calls += 2;
		}

		/* many live aligned blocks at once, all distinct and intact */
		{
			void *live[MAX_SHIFT + 1];
			for (shift = 0; shift <= MAX_SHIFT; shift++) {
				size_t a = (size_t)1 << shift;
				live[shift] = aligned_alloc(a, 3 * a);
				T_CHECK(live[shift] != NULL && it_aligned(live[shift], a));
				if (live[shift])
					it_fill(live[shift], 3 * a, shift);
				c.malloc += a <= sizeof(void *);
				c.aligned += a > sizeof(void *);
			}
			for (shift = 0; shift <= MAX_SHIFT; shift++) {
				size_t a = (size_t)1 << shift;
				T_CHECK(live[shift] && it_check(live[shift], 3 * a, shift));
				free(live[shift]);
				c.free++;
			}
		}
		t_expect("calls.malloc == @baseline+%u", c.malloc);
		t_expect("calls.aligned == @baseline+%u", c.aligned);
		t_expect("calls.free == @baseline+%u", c.free);
		t_expect("calls.realloc == @baseline+%u", realloc_calls);
		t_expect("calls.failed == @baseline");
		t_expect("bytes.live == @baseline");
	}
	return t_done();
}
