/* as_bootstrap: bump allocation, alignment, sizes, ownership, refusals and
 * racing threads.  Exhaustion is in test_bootstrap_exhaust.c (the arena is
 * never reused), alignments above the arena's own in
 * test_bootstrap_align_large.c. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as_bootstrap.h"
#include "harness.h"

static uint64_t used, blocks, refused;

static void usage(void)
{
	_as_boot_usage(&used, &blocks, &refused);
}

static size_t off(const void *p)
{
	return (size_t)((const unsigned char *)p - _as_boot_mem);
}

static void test_bump(void)
{
	unsigned char *a, *b, *c, *d, *e;

	usage();
	T_EQ(used, 0);
	T_EQ(blocks, 0);
	T_EQ(refused, 0);

	/* a 16-byte header before each block; sizes rounded up to 16 */
	a = _as_boot_alloc(0, 24);
	T_EQ(off(a), 16);
	T_EQ(_as_boot_usable(a), 24);
	usage();
	T_EQ(used, 48);
	T_EQ(blocks, 1);

	b = _as_boot_alloc(64, 1);
	T_EQ(off(b), 64);
	T_EQ(_as_boot_usable(b), 1);
	c = _as_boot_alloc(4096, 100);
	T_EQ(off(c), 4096);
	T_EQ(_as_boot_usable(c), 100);
	usage();
	T_EQ(used, 4096 + 112);

	/* size 0: a distinct block each time */
	d = _as_boot_alloc(16, 0);
	e = _as_boot_alloc(16, 0);
	T_CHECK(d != NULL && e != NULL && d != e);
	T_EQ(off(d), 4224);
	T_EQ(off(e), 4240);
	T_EQ(_as_boot_usable(d), 0);
	T_EQ(_as_boot_usable(e), 0);
	usage();
	T_EQ(blocks, 5);
	T_EQ(refused, 0);

	/* the memory is zero (.bss) and writable to its end */
	T_EQ(a[0], 0);
	T_EQ(a[23], 0);
	memset(a, 0xaa, 24);
	memset(b, 0xbb, 1);
	memset(c, 0xcc, 100);
	T_EQ(_as_boot_usable(a), 24); /* headers intact */
	T_EQ(_as_boot_usable(b), 1);
	T_EQ(_as_boot_usable(c), 100);
	T_EQ(a[23], 0xaa);
}

static void test_alignment(void)
{
	static const size_t sizes[] = {1, 24, 100, 4096, 5000};
	unsigned char *prev_end = NULL;
	size_t align, s;
	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (align = 1; align <= 4096; align <<= 1) {
			size_t want = align < 16 ? 16 : align;
			unsigned char *p = _as_boot_alloc(align, sizes[s]);
			T_CHECK(p != NULL);
			if (!p)
				return;
			if ((uintptr_t)p % want)
				t_say("align %zu size %zu: %p", align, sizes[s], (void *)p);
			T_EQ((uintptr_t)p % want, 0);
			T_EQ(_as_boot_usable(p), sizes[s]);
			T_CHECK(_as_boot_owns(p));
			T_CHECK(_as_boot_owns(p + sizes[s] - 1));
			/* after the previous block, with room for this one's header */
			T_CHECK(prev_end == NULL || p >= prev_end + 16);
			memset(p, 0x5a, sizes[s]);
			prev_end = p + sizes[s];
		}
	}
}

static void test_owns(void)
{
	int on_stack = 0;
	void *heap = malloc(16);
	T_CHECK(_as_boot_owns(_as_boot_mem));
	T_CHECK(_as_boot_owns(_as_boot_mem + ALLOCSWAP_BOOT_SIZE - 1));
	T_CHECK(!_as_boot_owns(_as_boot_mem + ALLOCSWAP_BOOT_SIZE));
	T_CHECK(!_as_boot_owns((const void *)((uintptr_t)_as_boot_mem - 1)));
	T_CHECK(!_as_boot_owns(NULL));
	T_CHECK(!_as_boot_owns(&on_stack));
	T_CHECK(!_as_boot_owns(heap));
	T_CHECK(!_as_boot_owns(&used));
	T_CHECK(!_as_boot_owns((const void *)UINTPTR_MAX));
	free(heap);
}

static void test_refuse(void)
{
	uint64_t used0, blocks0, refused0;
	_as_boot_usage(&used0, &blocks0, &refused0);
	T_CHECK(_as_boot_alloc(0, ALLOCSWAP_BOOT_SIZE + 1) == NULL);
	T_CHECK(_as_boot_alloc(0, SIZE_MAX) == NULL);
	T_CHECK(_as_boot_alloc(16, SIZE_MAX - 15) == NULL);
	T_CHECK(_as_boot_alloc((size_t)1 << 40, 1) == NULL);
	T_CHECK(_as_boot_alloc((size_t)1 << 63, 1) == NULL);
	T_CHECK(_as_boot_alloc(0, ALLOCSWAP_BOOT_SIZE) == NULL); /* no room for the header */
	usage();
	T_EQ(refused, refused0 + 6);
	T_EQ(used, used0);    /* a refusal takes nothing */
	T_EQ(blocks, blocks0);
	T_CHECK(_as_boot_alloc(0, 8) != NULL); /* and the arena still serves */
}

/* Start-up may race between threads: every block distinct. */
#define NT 8
#define NB 200
static unsigned char *got[NT][NB];
static pthread_barrier_t go;

static void *racer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg, i;
	pthread_barrier_wait(&go);
	for (i = 0; i < NB; i++) {
		got[t][i] = _as_boot_alloc(i % 2 ? 64 : 0, 40);
		if (got[t][i])
			memset(got[t][i], (int)t + 1, 40);
	}
	return NULL;
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (unsigned char *const *)a;
	uintptr_t y = (uintptr_t) * (unsigned char *const *)b;
	return x < y ? -1 : x > y;
}

static void test_race(void)
{
	static unsigned char *all[NT * NB];
	pthread_t th[NT];
	uint64_t blocks0, x;
	unsigned t, i, bad = 0;

	_as_boot_usage(&x, &blocks0, &x);
	pthread_barrier_init(&go, NULL, NT);
	for (t = 0; t < NT; t++)
		T_EQ(pthread_create(&th[t], NULL, racer, (void *)(uintptr_t)t), 0);
	for (t = 0; t < NT; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&go);
	usage();
	T_EQ(blocks, blocks0 + NT * NB);

	for (t = 0; t < NT; t++)
		for (i = 0; i < NB; i++) {
			unsigned char *p = got[t][i];
			all[t * NB + i] = p;
			if (!p || p[0] != t + 1 || p[39] != t + 1 || _as_boot_usable(p) != 40 ||
			    (i % 2 && (uintptr_t)p % 64))
				bad++;
		}
	T_EQ(bad, 0);
	qsort(all, NT * NB, sizeof all[0], by_address);
	for (i = 0; i + 1 < NT * NB; i++)
		if (all[i] + 40 + 16 > all[i + 1])
			bad++;
	T_EQ(bad, 0); /* no overlap, headers included */
}

int main(void)
{
	test_bump(); /* first: exact offsets from an empty arena */
	test_alignment();
	test_owns();
	test_refuse();
	test_race();
	return t_done();
}
