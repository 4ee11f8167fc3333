/* malloc_loop: a deterministic, malloc-heavy loop for measuring what
 * libswap.so adds on top of a backend (bench/overhead.sh runs it).
 *
 *     malloc_loop [--threads N] [PAIRS [RING]]   defaults: 1000000 pairs, 1024 slots
 *
 * A ring of RING live blocks; each step frees one slot and mallocs a new
 * block in its place: one malloc+free pair per step.  Slot and size come
 * from a xorshift32 generator with a fixed seed, so every run (and every
 * allocator) sees exactly the same sequence of requests: 15 in 16 sizes are
 * small (8..512 bytes), 1 in 16 is larger (up to 8 KiB).  Each block gets one
 * byte written and read back, which feeds a checksum so that the work cannot
 * be optimized away and the result is the same whichever allocator runs.
 *
 * The loop is bench_pairs(), kept out of line so that callgrind can count it
 * alone (valgrind --tool=callgrind --toggle-collect=bench_pairs).  Filling
 * and emptying the ring happen outside it.
 *
 * Without --threads the ring is the main thread's, as it always was.  With
 * --threads N, N new threads (the main thread only starts and joins them)
 * each fill a ring of their own from the same seed, so all run the same
 * sequence of requests, wait at one barrier, and run PAIRS pairs each; the
 * main thread does none.  Each thread takes the time around its own loop:
 * the timed region runs from the first thread's start to the last one's end.
 * The checksum is the sum of the threads' (N times the one-thread checksum),
 * the same for every allocator.
 *
 * Output, one JSON line on stdout:
 *     {"pairs":N,"ring":K,"checksum":C,"ns":T}
 * where T is the wall time (CLOCK_MONOTONIC) of bench_pairs() alone.  With
 * --threads: {"pairs":N,"ring":K,"threads":M,"checksum":C,"ns":T}, N the
 * pairs of all threads together (PAIRS x M).
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Out of line, and not cloned or specialized by the optimizer either: the
 * name bench_pairs must be the function that runs (callgrind toggles on it). */
#if defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#elif defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noipa))
#else
#define BENCH_NOINLINE
#endif

#define SEED 0x9e3779b9u

static inline uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* 15 in 16: 8..512 bytes; 1 in 16: 513..8192 bytes. */
static inline size_t next_size(uint32_t r)
{
	if ((r & 15u) != 0)
		return 8u + (size_t)((r >> 4) % 505u);
	return 513u + (size_t)((r >> 4) % 7680u);
}

static unsigned char *alloc_block(size_t n, uint32_t tag)
{
	unsigned char *p = malloc(n);
	if (!p) {
		fprintf(stderr, "malloc_loop: malloc(%zu) failed\n", n);
		exit(1);
	}
	p[0] = (unsigned char)tag;
	return p;
}

uint64_t bench_pairs(unsigned char **ring, uint32_t ring_mask, uint64_t pairs, uint32_t *seed);

/* The measured loop: pairs x (free one slot, malloc its replacement). */
BENCH_NOINLINE uint64_t bench_pairs(unsigned char **ring, uint32_t ring_mask, uint64_t pairs,
				    uint32_t *seed)
{
	uint64_t sum = 0, i;
	uint32_t s = *seed;
	for (i = 0; i < pairs; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t slot = r & ring_mask;
		unsigned char *p = ring[slot];
		sum += p[0];
		free(p);
		p = malloc(next_size(xorshift32(&s)));
		if (!p)
			return UINT64_MAX;
		p[0] = (unsigned char)(r >> 24);
		ring[slot] = p;
	}
	*seed = s;
	return sum;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!s[0] || s[0] == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One thread's ring and what its loop did. */
struct worker {
	pthread_t tid;
	pthread_barrier_t *start;
	uint64_t pairs, ring_n;
	uint64_t sum, t0, t1;
	int failed; /* 1: no memory for the ring or a block */
};

/* Fills the ring (outside the timing); frees it again with the checksum. */
static unsigned char **ring_fill(uint64_t ring_n, uint32_t *seed)
{
	unsigned char **ring = malloc(ring_n * sizeof *ring);
	uint64_t i;
	if (!ring) {
		fprintf(stderr, "malloc_loop: no memory for the ring\n");
		return NULL;
	}
	for (i = 0; i < ring_n; i++)
		ring[i] = alloc_block(next_size(xorshift32(seed)), (uint32_t)i);
	return ring;
}

static uint64_t ring_empty(unsigned char **ring, uint64_t ring_n)
{
	uint64_t sum = 0, i;
	for (i = 0; i < ring_n; i++) {
		sum += ring[i][0];
		free(ring[i]);
	}
	free(ring);
	return sum;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = SEED;
	unsigned char **ring = ring_fill(w->ring_n, &seed);
	/* every thread waits, ready or not, so that none waits forever */
	pthread_barrier_wait(w->start);
	if (!ring) {
		w->failed = 1;
		return NULL;
	}
	w->t0 = now_ns();
	w->sum = bench_pairs(ring, (uint32_t)(w->ring_n - 1), w->pairs, &seed);
	w->t1 = now_ns();
	if (w->sum == UINT64_MAX) {
		fprintf(stderr, "malloc_loop: malloc failed inside the loop\n");
		w->failed = 1;
		return NULL;
	}
	w->sum += ring_empty(ring, w->ring_n);
	return NULL;
}

/* --threads N: N workers behind one barrier.  0, or 1 on a failure. */
static int run_threads(uint64_t nthreads, uint64_t pairs, uint64_t ring_n)
{
	pthread_barrier_t start;
	struct worker *w;
	uint64_t i, sum = 0, t0 = UINT64_MAX, t1 = 0;
	int rc = 1, err;

	w = calloc(nthreads, sizeof *w);
	if (!w) {
		fprintf(stderr, "malloc_loop: no memory for %" PRIu64 " threads\n", nthreads);
		return 1;
	}
	if ((err = pthread_barrier_init(&start, NULL, (unsigned)nthreads))) {
		fprintf(stderr, "malloc_loop: pthread_barrier_init: %s\n", strerror(err));
		free(w);
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		w[i].start = &start;
		w[i].pairs = pairs;
		w[i].ring_n = ring_n;
		if ((err = pthread_create(&w[i].tid, NULL, worker_run, &w[i]))) {
			fprintf(stderr, "malloc_loop: thread %" PRIu64 " of %" PRIu64 ": %s\n",
				i + 1, nthreads, strerror(err));
			/* the others wait at the barrier for this one: exit() ends them */
			exit(1);
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < nthreads; i++) {
		if (w[i].failed)
			goto out;
		sum += w[i].sum;
		if (w[i].t0 < t0)
			t0 = w[i].t0;
		if (w[i].t1 > t1)
			t1 = w[i].t1;
	}
	printf("{\"pairs\":%" PRIu64 ",\"ring\":%" PRIu64 ",\"threads\":%" PRIu64
	       ",\"checksum\":%" PRIu64 ",\"ns\":%" PRIu64 "}\n",
	       pairs * nthreads, ring_n, nthreads, sum, t1 - t0);
	rc = 0;
out:
	pthread_barrier_destroy(&start);
	free(w);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t pairs = 1000000, ring_n = 1024, nthreads = 0, sum, t0, t1;
	uint32_t seed = SEED;
	unsigned char **ring;
	int a = 1;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: malloc_loop [--threads N] [PAIRS [RING]]  (N: 1..1024; RING: a "
				"power of two, 1..1048576; PAIRS per thread)\n");
		return 2;
	}
	if (argc > 1 && !strncmp(argv[1], "--threads", 9)) {
		const char *v = argv[1][9] == '=' ? argv[1] + 10 : argv[1][9] ? NULL : argv[2];
		if (!v || parse_u64(v, 1, 1024, &nthreads)) {
			fprintf(stderr, "malloc_loop: --threads needs a number of threads in 1..1024, "
					"got '%s'\n", v ? v : argv[1][9] ? argv[1] : "");
			return 2;
		}
		a = argv[1][9] == '=' ? 2 : 3;
	}
	if (argc - a > 2) {
		fprintf(stderr, "usage: malloc_loop [--threads N] [PAIRS [RING]]  (see --help)\n");
		return 2;
	}
	if (argc > a && parse_u64(argv[a], 1, UINT64_MAX / 2048, &pairs)) {
		fprintf(stderr, "malloc_loop: PAIRS must be a positive integer, got '%s'\n", argv[a]);
		return 2;
	}
	if (argc > a + 1 &&
	    (parse_u64(argv[a + 1], 1, 1u << 20, &ring_n) || (ring_n & (ring_n - 1)))) {
		fprintf(stderr, "malloc_loop: RING must be a power of two in 1..1048576, got '%s'\n",
			argv[a + 1]);
		return 2;
	}
	if (nthreads)
		return run_threads(nthreads, pairs, ring_n);

	ring = ring_fill(ring_n, &seed);
	if (!ring)
		return 1;

	t0 = now_ns();
	sum = bench_pairs(ring, (uint32_t)(ring_n - 1), pairs, &seed);
	t1 = now_ns();
	if (sum == UINT64_MAX) {
		fprintf(stderr, "malloc_loop: malloc failed inside the loop\n");
		return 1;
	}
	sum += ring_empty(ring, ring_n);

	printf("{\"pairs\":%" PRIu64 ",\"ring\":%" PRIu64 ",\"checksum\":%" PRIu64 ",\"ns\":%" PRIu64
	       "}\n",
	       pairs, ring_n, sum, t1 - t0);
	return 0;
}
