/* accounting: the report's numbers for a known allocation pattern, exactly.
 *
 * Live and peak bytes are measured with the backend's usable size (see
 * as_stats.h), so this program computes them with malloc_usable_size.  The
 * baseline run (AS_TEST_BASELINE=1) does everything but the pattern;
 * whatever the C library or the backend allocate for themselves is the
 * same in both runs and cancels.
 *
 * Warm-up: every request size of the pattern is allocated and freed once
 * in both runs, so the backend has set up its size classes and the
 * baseline's histogram already has each bucket the pattern uses.  The
 * warm-up blocks are freed one at a time, so the baseline's peak is the
 * live bytes before the warm-up plus the largest warm-up block; the
 * pattern starts from the same live bytes and goes higher, which fixes its
 * peak relative to the baseline's.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

enum { K_MALLOC, K_CALLOC, K_ALIGNED, K_REALLOC };

struct op {
	int kind;
	size_t n, m;  /* size; calloc: count n of size m; aligned: alignment m;
		       * realloc: a block of m bytes resized to n */
	int free_at;  /* index of the op after which the block is freed, -1: kept */
};

/* The pattern: sizes in many buckets, one block above the glibc mmap
 * threshold, a calloc, aligned blocks, a realloc that grows and one that
 * shrinks; some blocks are freed along the way, three stay live. */
static const struct op pattern[] = {
	{K_MALLOC, 1, 0, 3},
	{K_MALLOC, 16, 0, -1},
	{K_MALLOC, 17, 0, 9},
	{K_MALLOC, 100, 0, 5},
	{K_MALLOC, 1000, 0, 12},
	{K_CALLOC, 10, 100, 7},
	{K_MALLOC, 4096, 0, 13},
	{K_MALLOC, 10000, 0, 11},
	{K_ALIGNED, 200, 64, -1},
	{K_ALIGNED, 5000, 4096, 14},
	{K_MALLOC, 100000, 0, 13},
	{K_MALLOC, (size_t)1 << 20, 0, 14},
	{K_REALLOC, 3000, 500, 14},
	{K_MALLOC, 70000, 0, -1},
	{K_REALLOC, 40, 60000, 14},
};
#define NOPS (sizeof pattern / sizeof pattern[0])

struct tally {
	unsigned calls[4], free, usable;
	uint64_t requested;
	int64_t live, peak;
	uint64_t hist[IT_BUCKETS];
};

static size_t usable(struct tally *t, void *p)
{
	t->usable++;
	return malloc_usable_size(p);
}

static void count(struct tally *t, int kind, size_t req)
{
	t->calls[kind]++;
	t->requested += req;
	t->hist[it_bucket(req)]++;
}

static void grow(struct tally *t, int64_t d)
{
	t->live += d;
	if (t->live > t->peak)
		t->peak = t->live;
}

static void *alloc(struct tally *t, const struct op *o)
{
	void *p = NULL;
	switch (o->kind) {
	case K_MALLOC:
		p = malloc(o->n);
		count(t, K_MALLOC, o->n);
		break;
	case K_CALLOC:
		p = calloc(o->n, o->m);
		count(t, K_CALLOC, o->n * o->m);
		break;
	case K_ALIGNED:
		p = aligned_alloc(o->m, o->n);
		count(t, K_ALIGNED, o->n);
		break;
	default:
		break;
	}
	T_CHECK(p != NULL);
	if (p)
		grow(t, (int64_t)usable(t, p));
	return p;
}

static void release(struct tally *t, void *p)
{
	grow(t, -(int64_t)usable(t, p));
	free(p);
	t->free++;
}

static void warm_up(struct tally *t, int64_t *largest)
{
	size_t i;
	*largest = 0;
	for (i = 0; i < NOPS; i++) {
		struct op o = pattern[i];
		void *p;
		int64_t u;
		if (o.kind == K_REALLOC) {
			/* both sizes of a realloc, as plain blocks */
			struct op first = {K_MALLOC, o.m, 0, 0};
			p = alloc(t, &first);
			u = p ? (int64_t)usable(t, p) : 0;
			if (u > *largest)
				*largest = u;
			if (p)
				release(t, p);
			o.kind = K_MALLOC;
		}
		p = alloc(t, &o);
		u = p ? (int64_t)usable(t, p) : 0;
		if (u > *largest)
			*largest = u;
		if (p)
			release(t, p);
	}
}

static void run(struct tally *t)
{
	void *blk[NOPS];
	size_t i, j;
	for (i = 0; i < NOPS; i++) {
		const struct op *o = &pattern[i];
		if (o->kind == K_REALLOC) {
			struct op first = {K_MALLOC, o->m, 0, 0};
			void *p = alloc(t, &first), *q;
			int64_t old = p ? (int64_t)usable(t, p) : 0;
			if (p)
				it_fill(p, first.n < o->n ? first.n : o->n, (unsigned)i);
			q = realloc(p, o->n);
			count(t, K_REALLOC, o->n);
			T_CHECK(q != NULL);
			if (q) {
				T_CHECK(it_check(q, first.n < o->n ? first.n : o->n, (unsigned)i));
				grow(t, (int64_t)usable(t, q) - old);
			}
			blk[i] = q;
		} else {
			blk[i] = alloc(t, o);
		}
		if (blk[i])
			it_fill(blk[i], o->kind == K_CALLOC ? o->n * o->m : o->n, (unsigned)i);
		for (j = 0; j <= i; j++)
			if (pattern[j].free_at == (int)i && blk[j]) {
				release(t, blk[j]);
				blk[j] = NULL;
			}
	}
}

int main(void)
{
	struct tally warm, pat;
	int64_t largest;
	unsigned b;
	memset(&warm, 0, sizeof warm);
	memset(&pat, 0, sizeof pat);
	warm_up(&warm, &largest);
	if (it_baseline())
		return t_done();
	run(&pat);
	/* warm-up and pattern both count in the report; the baseline has the
	 * warm-up only */
	t_expect("calls.malloc == @baseline+%u", pat.calls[K_MALLOC]);
	t_expect("calls.calloc == @baseline+%u", pat.calls[K_CALLOC]);
	t_expect("calls.aligned == @baseline+%u", pat.calls[K_ALIGNED]);
	t_expect("calls.realloc == @baseline+%u", pat.calls[K_REALLOC]);
	t_expect("calls.free == @baseline+%u", pat.free);
	t_expect("calls.usable_size == @baseline+%u", pat.usable);
	t_expect("calls.failed == @baseline");
	t_expect("bytes.requested == @baseline+%llu", (unsigned long long)pat.requested);
	t_expect("bytes.live == @baseline+%lld", (long long)pat.live);
	t_expect("bytes.peak_live == @baseline+%lld", (long long)(pat.peak - largest));
	for (b = 0; b < IT_BUCKETS; b++) {
		if (!pat.hist[b])
			continue;
		t_expect("histogram.%u.count == @baseline+%llu", b, (unsigned long long)pat.hist[b]);
		t_expect("histogram.%u.le == %llu", b, (unsigned long long)it_bucket_le(b));
	}
	T_CHECK(pat.peak > largest);
	T_CHECK(pat.live > 0);
	return t_done();
}
