/* stress: many threads allocating, resizing, handing over and freeing
 * blocks of mixed sizes (8 B to 256 KiB, some aligned) for a few seconds
 * under one backend.
 *
 *   stress [SECONDS [THREADS]]     defaults: 3 s, 8 + 2 x online CPUs
 *
 * Each thread owns a set of slots.  A step picks a slot at random: an
 * empty slot gets a new block (malloc, calloc, aligned_alloc,
 * posix_memalign or memalign); a full one is checked, then freed, resized
 * with realloc, or swapped with a block another thread left in the shared
 * exchange (so blocks are freed by threads that did not allocate them).
 * Every block is filled with a byte of its own and checked (both ends and
 * every 4 KiB) before it is touched again: overlapping blocks or a bad
 * realloc copy show up as a mismatch.
 *
 * At the end every block is freed and the threads are joined; the report
 * must then show exactly the calls this program made and live bytes back
 * at the baseline (the baseline run starts and joins the same threads,
 * which allocate nothing, so what the C library allocates per thread
 * cancels).  The threads wait at a barrier until all of them exist: glibc
 * allocates each new thread's DTV in the creating thread, and the blocks
 * of the stacks it caches stay live until exit; created while other
 * threads churn, such a block can come out a size class larger (glibc's
 * malloc hands out a whole free chunk when the remainder would be too
 * small), and live bytes would be off by a few bytes now and then.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../integration/itest.h"

#define MAX_THREADS 512
#define XCHG 1024
#define MIN_SIZE 8
#define MAX_SHIFT 18 /* 256 KiB */

enum { C_MALLOC, C_CALLOC, C_ALIGNED, C_REALLOC, C_FREE, C_USABLE, C_N };

struct blk {
	unsigned char *p;
	size_t n;
	unsigned char tag;
};

struct worker {
	pthread_t th;
	unsigned id;
	uint64_t rng;
	struct blk *slot;
	unsigned nslots;
	uint64_t calls[C_N];
	uint64_t requested;
	uint64_t bad, failed, steps;
};

static struct {
	pthread_mutex_t lock;
	pthread_barrier_t start;
	struct blk x[XCHG];
	int baseline;
	struct timespec deadline;
} sh = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t next(struct worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

/* log-uniform in [MIN_SIZE, 2^MAX_SHIFT] */
static size_t pick_size(struct worker *w)
{
	unsigned shift = 3 + (unsigned)(next(w) % (MAX_SHIFT - 3 + 1));
	size_t lo = (size_t)1 << (shift > 3 ? shift - 1 : 3);
	size_t n = lo + (size_t)(next(w) % lo);
	return n < MIN_SIZE ? MIN_SIZE : n;
}

static void fill(struct blk *b)
{
	memset(b->p, b->tag, b->n);
}

static int intact(const struct blk *b, size_t n)
{
	size_t i, edge = n < 64 ? n : 64;
	for (i = 0; i < edge; i++)
		if (b->p[i] != b->tag || b->p[n - 1 - i] != b->tag)
			return 0;
	for (i = 4096; i < n; i += 4096)
		if (b->p[i] != b->tag)
			return 0;
	return 1;
}

static void new_block(struct worker *w, struct blk *b)
{
	size_t n = pick_size(w), align = (size_t)16 << (next(w) % 9); /* 16..4096 */
	unsigned kind = (unsigned)(next(w) % 20);
	void *p = NULL;
	size_t i;
	if (kind < 11) {
		p = malloc(n);
		w->calls[C_MALLOC]++;
	} else if (kind < 14) {
		p = calloc(1, n);
		w->calls[C_CALLOC]++;
		if (p)
			for (i = 0; i < n; i += 1024)
				w->bad += ((unsigned char *)p)[i] != 0;
	} else if (kind < 16) {
		p = aligned_alloc(align, n);
		w->calls[C_ALIGNED]++;
	} else if (kind < 18) {
		if (posix_memalign(&p, align, n))
			p = NULL;
		w->calls[C_ALIGNED]++;
	} else {
		p = memalign(align, n);
		w->calls[C_ALIGNED]++;
	}
	w->requested += n;
	if (!p) {
		w->failed++;
		return;
	}
	if (kind >= 14 && ((uintptr_t)p & (align - 1)))
		w->bad++;
	if (next(w) % 8 == 0) {
		w->calls[C_USABLE]++;
		if (malloc_usable_size(p) < n)
			w->bad++;
	}
	b->p = p;
	b->n = n;
	b->tag = (unsigned char)(next(w) | 1);
	fill(b);
}

static void drop(struct worker *w, struct blk *b)
{
	if (!intact(b, b->n))
		w->bad++;
	free(b->p);
	w->calls[C_FREE]++;
	b->p = NULL;
}

static void resize(struct worker *w, struct blk *b)
{
	size_t n = pick_size(w), keep = n < b->n ? n : b->n;
	unsigned char *q;
	if (!intact(b, b->n))
		w->bad++;
	q = realloc(b->p, n);
	w->calls[C_REALLOC]++;
	w->requested += n;
	if (!q) {
		w->failed++;
		return;
	}
	b->p = q;
	if (!intact(b, keep))
		w->bad++;
	b->n = n;
	fill(b);
}

/* Swaps the block with one in the exchange (which may be empty). */
static void trade(struct worker *w, struct blk *b)
{
	unsigned k = (unsigned)(next(w) % XCHG);
	struct blk t;
	pthread_mutex_lock(&sh.lock);
	t = sh.x[k];
	sh.x[k] = *b;
	pthread_mutex_unlock(&sh.lock);
	*b = t;
	if (b->p && !intact(b, b->n))
		w->bad++;
}

static int expired(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > sh.deadline.tv_sec ||
	       (now.tv_sec == sh.deadline.tv_sec && now.tv_nsec >= sh.deadline.tv_nsec);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct blk *b;
	unsigned i;
	pthread_barrier_wait(&sh.start);
	if (sh.baseline)
		return NULL;
	for (;;) {
		if (w->steps % 64 == 0 && expired())
			break;
		w->steps++;
		b = &w->slot[next(w) % w->nslots];
		if (!b->p) {
			new_block(w, b);
			continue;
		}
		switch (next(w) % 10) {
		case 0: case 1: case 2: case 3: case 4:
			drop(w, b);
			break;
		case 5: case 6:
			resize(w, b);
			break;
		default:
			trade(w, b);
			break;
		}
	}
	for (i = 0; i < w->nslots; i++)
		if (w->slot[i].p)
			drop(w, &w->slot[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_THREADS];
	static struct blk slots[1 << 16];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	unsigned nthreads = argc > 2 ? (unsigned)atoi(argv[2]) : 8 + 2 * (unsigned)(cpus > 0 ? cpus : 1);
	unsigned i, k, per;
	uint64_t calls[C_N] = {0}, requested = 0, bad = 0, failed = 0, steps = 0;

	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (seconds < 0 || nthreads < 1) {
		t_say("usage: stress [SECONDS [THREADS]]");
		return 2;
	}
	sh.baseline = it_baseline();
	/* about 2048 blocks in all, at least 32 per thread */
	per = 2048 / nthreads;
	per = per < 32 ? 32 : per > 256 ? 256 : per;
	it_warm_up();
	T_EQ(pthread_barrier_init(&sh.start, NULL, nthreads + 1), 0);
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].rng = 0x9E3779B97F4A7C15ULL * (i + 1);
		w[i].nslots = per;
		w[i].slot = slots + (size_t)i * per;
		if (pthread_create(&w[i].th, NULL, work, &w[i])) {
			t_say("stress: cannot create thread %u", i);
			return 1; /* the others wait at the barrier forever */
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &sh.deadline);
	sh.deadline.tv_sec += (time_t)seconds;
	sh.deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (sh.deadline.tv_nsec >= 1000000000L) {
		sh.deadline.tv_sec++;
		sh.deadline.tv_nsec -= 1000000000L;
	}
	pthread_barrier_wait(&sh.start);
	for (i = 0; i < nthreads; i++)
		T_EQ(pthread_join(w[i].th, NULL), 0);
	pthread_barrier_destroy(&sh.start);
	/* what was left in the exchange */
	for (k = 0; k < XCHG; k++)
		if (sh.x[k].p)
			drop(&w[0], &sh.x[k]);
	for (i = 0; i < nthreads; i++) {
		for (k = 0; k < C_N; k++)
			calls[k] += w[i].calls[k];
		requested += w[i].requested;
		bad += w[i].bad;
		failed += w[i].failed;
		steps += w[i].steps;
	}
	T_EQ(bad, 0);
	T_EQ(failed, 0);
	if (!sh.baseline) {
		t_say("stress: %u threads, %.1f s, %llu steps, %llu calls to malloc", nthreads, seconds,
		      (unsigned long long)steps, (unsigned long long)calls[C_MALLOC]);
		t_expect("calls.malloc == @baseline+%llu", (unsigned long long)calls[C_MALLOC]);
		t_expect("calls.calloc == @baseline+%llu", (unsigned long long)calls[C_CALLOC]);
		t_expect("calls.aligned == @baseline+%llu", (unsigned long long)calls[C_ALIGNED]);
		t_expect("calls.realloc == @baseline+%llu", (unsigned long long)calls[C_REALLOC]);
		t_expect("calls.free == @baseline+%llu", (unsigned long long)calls[C_FREE]);
		t_expect("calls.usable_size == @baseline+%llu", (unsigned long long)calls[C_USABLE]);
		t_expect("calls.failed == @baseline");
		t_expect("bytes.requested == @baseline+%llu", (unsigned long long)requested);
		t_expect("bytes.live == @baseline");
		t_expect("threads.untracked == 0");
	}
	return t_done();
}
