/* threads: blocks allocated in one thread and freed in another.
 *
 * Producers allocate blocks of known sizes and pass them through a queue
 * to consumers, which check and free them; the main thread frees blocks a
 * finished producer left behind, and one thread exits with blocks still
 * live (the main thread frees them after the join).  Per-thread counters
 * are folded into the totals when a thread exits, so after the joins the
 * report must match exactly: every call, the requested bytes, and live
 * bytes back at the baseline.
 *
 * The baseline run starts and joins the same threads, which then allocate
 * nothing: what the C library allocates for a thread cancels.  All threads
 * wait at a barrier until every one exists, so that glibc allocates their
 * DTVs (in the creating thread) on the same heap in both runs; see
 * tests/stress/stress.c.
 *
 *   threads [PRODUCERS [CONSUMERS [BLOCKS]]]   (defaults 4 4 2000)
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define MAX_THREADS 64
#define QCAP 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	pthread_barrier_t start;
	void *q[QCAP];
	size_t qsize[QCAP];
	unsigned head, n;
	unsigned producers_left;
	int baseline;
	unsigned blocks;
} sh = {.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER};

struct worker {
	pthread_t th;
	unsigned id;
	unsigned mallocs, callocs, reallocs, frees, usable, bad;
	uint64_t requested;
	void *left[8]; /* blocks a thread leaves live at its exit */
	size_t left_size[8];
};

static size_t size_of(unsigned id, unsigned i)
{
	static const size_t sizes[] = {8, 24, 100, 1000, 5000, 33000, 200000};
	return sizes[(id * 7 + i) % (sizeof sizes / sizeof sizes[0])] + i % 13;
}

static void put(void *p, size_t n)
{
	pthread_mutex_lock(&sh.lock);
	while (sh.n == QCAP)
		pthread_cond_wait(&sh.room, &sh.lock);
	sh.q[(sh.head + sh.n) % QCAP] = p;
	sh.qsize[(sh.head + sh.n) % QCAP] = n;
	sh.n++;
	pthread_cond_signal(&sh.more);
	pthread_mutex_unlock(&sh.lock);
}

/* 0 when every producer is done and the queue is empty. */
static int get(void **p, size_t *n)
{
	pthread_mutex_lock(&sh.lock);
	while (sh.n == 0 && sh.producers_left)
		pthread_cond_wait(&sh.more, &sh.lock);
	if (sh.n == 0) {
		pthread_mutex_unlock(&sh.lock);
		return 0;
	}
	*p = sh.q[sh.head];
	*n = sh.qsize[sh.head];
	sh.head = (sh.head + 1) % QCAP;
	sh.n--;
	pthread_cond_signal(&sh.room);
	pthread_mutex_unlock(&sh.lock);
	return 1;
}

static void *producer(void *arg)
{
	struct worker *w = arg;
	unsigned i;
	pthread_barrier_wait(&sh.start);
	if (!sh.baseline) {
		for (i = 0; i < sh.blocks; i++) {
			size_t n = size_of(w->id, i);
			unsigned char *p;
			if (i % 5 == 0) {
				p = calloc(1, n);
				w->callocs++;
			} else {
				p = malloc(n);
				w->mallocs++;
			}
			w->requested += n;
			if (!p) {
				w->bad++;
				continue;
			}
			if (i % 7 == 0) {
				/* grow it here, free it elsewhere */
				unsigned char *q = realloc(p, n + 100);
				w->reallocs++;
				w->requested += n + 100;
				if (!q) {
					w->bad++;
					free(p);
					w->frees++;
					continue;
				}
				p = q;
				n += 100;
			}
			it_fill(p, n, w->id);
			put(p, n | (size_t)w->id << 48);
		}
		for (i = 0; i < 8; i++) {
			w->left_size[i] = 1000 * (i + 1);
			w->left[i] = malloc(w->left_size[i]);
			w->mallocs++;
			w->requested += w->left_size[i];
		}
	}
	pthread_mutex_lock(&sh.lock);
	if (--sh.producers_left == 0)
		pthread_cond_broadcast(&sh.more);
	pthread_mutex_unlock(&sh.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	void *p;
	size_t tagged;
	pthread_barrier_wait(&sh.start);
	while (get(&p, &tagged)) {
		size_t n = tagged & (((size_t)1 << 48) - 1);
		unsigned id = (unsigned)(tagged >> 48);
		w->usable++;
		if (malloc_usable_size(p) < n || !it_check(p, n, id))
			w->bad++;
		free(p);
		w->frees++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker w[2 * MAX_THREADS];
	unsigned np = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
	unsigned nc = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	unsigned i, j, mallocs = 0, callocs = 0, reallocs = 0, frees = 0, usable = 0;
	uint64_t requested = 0;
	sh.blocks = argc > 3 ? (unsigned)atoi(argv[3]) : 2000;
	sh.baseline = it_baseline();
	if (np < 1 || np > MAX_THREADS || nc < 1 || nc > MAX_THREADS) {
		t_say("usage: threads [PRODUCERS [CONSUMERS [BLOCKS]]] (1..%d threads each)",
		      MAX_THREADS);
		return 2;
	}
	it_warm_up();
	sh.producers_left = np;
	T_EQ(pthread_barrier_init(&sh.start, NULL, np + nc + 1), 0);
	for (i = 0; i < np + nc; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].th, NULL, i < np ? producer : consumer, &w[i])) {
			t_say("threads: cannot create thread %u", i);
			return 1;
		}
	}
	pthread_barrier_wait(&sh.start);
	for (i = 0; i < np + nc; i++)
		T_EQ(pthread_join(w[i].th, NULL), 0);
	pthread_barrier_destroy(&sh.start);
	/* the producers are gone; free what they left */
	for (i = 0; i < np; i++)
		for (j = 0; j < 8; j++) {
			if (!w[i].left[j])
				continue;
			T_CHECK(malloc_usable_size(w[i].left[j]) >= w[i].left_size[j]);
			usable++;
			free(w[i].left[j]);
			frees++;
		}
	for (i = 0; i < np + nc; i++) {
		T_EQ(w[i].bad, 0);
		mallocs += w[i].mallocs;
		callocs += w[i].callocs;
		reallocs += w[i].reallocs;
		frees += w[i].frees;
		usable += w[i].usable;
		requested += w[i].requested;
	}
	if (!sh.baseline) {
		T_EQ(mallocs + callocs, np * (sh.blocks + 8));
		t_expect("calls.malloc == @baseline+%u", mallocs);
		t_expect("calls.calloc == @baseline+%u", callocs);
		t_expect("calls.realloc == @baseline+%u", reallocs);
		t_expect("calls.free == @baseline+%u", frees);
		t_expect("calls.usable_size == @baseline+%u", usable);
		t_expect("calls.failed == @baseline");
		t_expect("bytes.requested == @baseline+%llu", (unsigned long long)requested);
		t_expect("bytes.live == @baseline");
		t_expect("threads.untracked == 0");
	}
	return t_done();
}
