/* as_stats: size classes, live/peak folding, and the counting layer driven
 * against a fake backend (fake_backend.h) with known usable sizes. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_stats.h"
#include "fake_backend.h"
#include "harness.h"

static const struct as_dispatch *const L = &_as_counting_layer;
static struct as_totals T;

static void fresh(uint64_t slack)
{
	_as_stats_reset_for_test();
	T_EQ(_as_stats_init(slack), 0);
}

static void snap(void)
{
	_as_stats_snapshot(&T);
}

/* malloc, free, calloc, realloc, aligned, usable_size, failed */
#define CALLS_ARE(m, f, c, r, a, u, x)                                                             \
	do {                                                                                       \
		T_EQ(T.calls[AS_CALL_malloc], m);                                                  \
		T_EQ(T.calls[AS_CALL_free], f);                                                    \
		T_EQ(T.calls[AS_CALL_calloc], c);                                                  \
		T_EQ(T.calls[AS_CALL_realloc], r);                                                 \
		T_EQ(T.calls[AS_CALL_aligned], a);                                                 \
		T_EQ(T.calls[AS_CALL_usable_size], u);                                             \
		T_EQ(T.calls[AS_CALL_failed], x);                                                  \
	} while (0)

/* hist equal to want (AS_HIST_BUCKETS entries) */
static void hist_is(const uint64_t *want)
{
	unsigned i;
	for (i = 0; i < AS_HIST_BUCKETS; i++) {
		if (T.hist[i] != want[i])
			t_say("hist[%u] = %llu, want %llu", i, (unsigned long long)T.hist[i],
			      (unsigned long long)want[i]);
		T_CHECK(T.hist[i] == want[i]);
	}
}

static void test_names(void)
{
	T_EQ(AS_NCALLS, 7);
	T_STREQ(_as_call_names[AS_CALL_malloc], "malloc");
	T_STREQ(_as_call_names[AS_CALL_free], "free");
	T_STREQ(_as_call_names[AS_CALL_calloc], "calloc");
	T_STREQ(_as_call_names[AS_CALL_realloc], "realloc");
	T_STREQ(_as_call_names[AS_CALL_aligned], "aligned");
	T_STREQ(_as_call_names[AS_CALL_usable_size], "usable_size");
	T_STREQ(_as_call_names[AS_CALL_failed], "failed");
}

/* Bucket 0 holds 0..15 bytes, bucket i (i >= 1) 2^(i+3)..2^(i+4)-1;
 * _as_hist_le(i) is the largest size in bucket i (as_stats.h). */
static void test_hist(void)
{
	unsigned i;
	T_EQ(AS_HIST_BUCKETS, 61);
	T_EQ(_as_hist_bucket(0), 0);
	T_EQ(_as_hist_bucket(1), 0);
	T_EQ(_as_hist_bucket(15), 0);
	T_EQ(_as_hist_bucket(16), 1);
	T_EQ(_as_hist_bucket(17), 1);
	T_EQ(_as_hist_bucket(31), 1);
	T_EQ(_as_hist_bucket(32), 2);
	T_EQ(_as_hist_bucket(33), 2);
	T_EQ(_as_hist_bucket(63), 2);
	T_EQ(_as_hist_bucket(64), 3);
	T_EQ(_as_hist_bucket(4095), 8);
	T_EQ(_as_hist_bucket(4096), 9);
	T_EQ(_as_hist_bucket(4097), 9);
	T_EQ(_as_hist_bucket((size_t)1 << 40), 37);
	T_EQ(_as_hist_bucket(((size_t)1 << 63) - 1), AS_HIST_BUCKETS - 2);
	T_EQ(_as_hist_bucket((size_t)1 << 63), AS_HIST_BUCKETS - 1);
	T_EQ(_as_hist_bucket(SIZE_MAX), AS_HIST_BUCKETS - 1);

	T_EQ(_as_hist_le(0), 15);
	T_EQ(_as_hist_le(1), 31);
	T_EQ(_as_hist_le(2), 63);
	T_EQ(_as_hist_le(8), 4095);
	T_EQ(_as_hist_le(9), 8191);
	T_CHECK(_as_hist_le(AS_HIST_BUCKETS - 2) == ((uint64_t)1 << 63) - 1);
	T_CHECK(_as_hist_le(AS_HIST_BUCKETS - 1) == UINT64_MAX);

	/* bucket i holds exactly (le(i-1), le(i)] */
	for (i = 0; i + 1 < AS_HIST_BUCKETS; i++) {
		T_EQ(_as_hist_bucket((size_t)_as_hist_le(i)), i);
		T_EQ(_as_hist_bucket((size_t)_as_hist_le(i) + 1), i + 1);
		T_CHECK(_as_hist_le(i) < _as_hist_le(i + 1));
	}
}

static void test_fold(void)
{
	fresh(1 << 20);
	snap();
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 0);

	_as_stats_fold_delta(100, 150);
	snap();
	T_EQ(T.live, 100);
	T_EQ(T.peak_live, 150);

	_as_stats_fold_delta(-100, -100);
	snap();
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 150);

	_as_stats_fold_delta(50, 300);
	snap();
	T_EQ(T.live, 50);
	T_EQ(T.peak_live, 300);

	/* delta_max below delta: the delta itself counts */
	_as_stats_fold_delta(10, 5);
	snap();
	T_EQ(T.live, 60);
	T_EQ(T.peak_live, 300);

	_as_stats_fold_delta(-60, 0);
	snap();
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 300);

	_as_stats_fold_delta(400, 400);
	snap();
	T_EQ(T.live, 400);
	T_EQ(T.peak_live, 400);
	CALLS_ARE(0, 0, 0, 0, 0, 0, 0);
	T_EQ(T.requested, 0);

	_as_stats_reset_for_test();
	snap();
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 0);
}

static void test_layer(void)
{
	uint64_t hist[AS_HIST_BUCKETS] = {0};
	unsigned long before = fake_calls;
	unsigned char *p1, *p2, *p3, *p4;
	size_t i;

	fresh(1 << 20);
	p1 = L->malloc(10);
	p2 = L->malloc(100);
	p3 = L->calloc(3, 10);
	p4 = L->aligned(64, 100);
	T_CHECK(p1 && p2 && p3 && p4);
	if (!p1 || !p2 || !p3 || !p4)
		return;
	for (i = 0; i < 30; i++)
		T_EQ(p3[i], 0);
	T_EQ((uintptr_t)p4 % 64, 0);
	T_EQ(L->usable(p4), 112);
	L->free(p1);
	memset(p2, 7, 100);
	p2 = L->realloc(p2, 200);
	T_CHECK(p2 != NULL);
	T_EQ(p2[99], 7);
	L->free(NULL);
	T_EQ(fake_calls - before, 7); /* free(NULL) is counted, not forwarded */

	snap();
	CALLS_ARE(2, 2, 1, 1, 1, 1, 0);
	T_EQ(T.requested, 10 + 100 + 30 + 100 + 200);
	T_EQ(T.live, 208 + 32 + 112);
	T_EQ(T.peak_live, 208 + 32 + 112);
	hist[0] = 1; /* 10 */
	hist[1] = 1; /* 30 */
	hist[3] = 2; /* 100, 100 */
	hist[4] = 1; /* 200 */
	hist_is(hist);
	T_EQ(T.threads_seen, 1);
	T_EQ(T.threads_untracked, 0);

	/* a snapshot changes nothing */
	snap();
	CALLS_ARE(2, 2, 1, 1, 1, 1, 0);
	T_EQ(T.live, 352);
	T_EQ(T.peak_live, 352);

	L->free(p2);
	L->free(p3);
	L->free(p4);
	snap();
	CALLS_ARE(2, 5, 1, 1, 1, 1, 0);
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 352);
	T_EQ(T.requested, 440);
	hist_is(hist);
}

static void test_failed(void)
{
	uint64_t hist[AS_HIST_BUCKETS] = {0};
	void *p;

	fresh(1 << 20);
	errno = 0;
	T_CHECK(L->malloc(FAKE_FAIL) == NULL);
	T_EQ(errno, ENOMEM); /* the layer sets it: the exports only forward */
	T_CHECK(L->calloc(1, FAKE_FAIL) == NULL);
	T_CHECK(L->aligned(32, FAKE_FAIL) == NULL);
	p = L->malloc(40);
	T_CHECK(p != NULL);
	T_CHECK(L->realloc(p, FAKE_FAIL) == NULL); /* p is still live */
	snap();
	CALLS_ARE(2, 0, 1, 1, 1, 0, 4);
	/* requested counts handed-out bytes only; calls and the histogram
	 * count the failed requests too */
	T_EQ(T.requested, 40);
	T_EQ(T.live, 48);
	T_EQ(T.peak_live, 48);
	hist[2] = 1;
	hist[37] = 4; /* 2^40 */
	hist_is(hist);
	L->free(p);
	snap();
	T_EQ(T.live, 0);
	T_EQ(T.calls[AS_CALL_failed], 4);
}

static void test_realloc(void)
{
	void *p, *q;

	/* realloc(p, 0) frees p (glibc's rule): live drops, nothing failed */
	fresh(1 << 20);
	p = L->malloc(100);
	q = L->realloc(p, 0);
	T_CHECK(q == NULL);
	snap();
	CALLS_ARE(1, 0, 0, 1, 0, 0, 0);
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 112);
	T_EQ(T.requested, 100);
	T_EQ(T.hist[0], 1);
	T_EQ(T.hist[3], 1);

	/* realloc(NULL, n) allocates; growing and shrinking move live bytes */
	fresh(1 << 20);
	p = L->realloc(NULL, 50);
	T_CHECK(p != NULL);
	snap();
	CALLS_ARE(0, 0, 0, 1, 0, 0, 0);
	T_EQ(T.live, 64);
	p = L->realloc(p, 1000);
	snap();
	T_EQ(T.live, 1008);
	p = L->realloc(p, 10);
	snap();
	CALLS_ARE(0, 0, 0, 3, 0, 0, 0);
	T_EQ(T.live, 16);
	T_EQ(T.peak_live, 1008);
	T_EQ(T.requested, 1060);
	L->free(p);
	snap();
	T_EQ(T.live, 0);
}

/* One thread: the peak is exact whatever the slack. */
static void test_peak_exact(void)
{
	static const uint64_t slacks[] = {0, 64, 4096, 1 << 20};
	void *v[100];
	size_t s, i;
	for (s = 0; s < sizeof slacks / sizeof slacks[0]; s++) {
		void *a, *b, *c;
		fresh(slacks[s]);
		a = L->malloc(1000); /* 1008 */
		L->free(a);
		b = L->malloc(10); /* 16 */
		snap();
		T_EQ(T.live, 16);
		T_EQ(T.peak_live, 1008);
		c = L->malloc(2000); /* 2000 */
		L->free(b);
		snap();
		T_EQ(T.live, 2000);
		T_EQ(T.peak_live, 2016);
		L->free(c);
		snap();
		T_EQ(T.live, 0);
		T_EQ(T.peak_live, 2016);

		for (i = 0; i < 100; i++)
			v[i] = L->malloc(64);
		for (i = 0; i < 50; i++)
			L->free(v[i]);
		for (i = 0; i < 30; i++)
			v[i] = L->malloc(80); /* 80 */
		snap();
		T_EQ(T.live, 50 * 64 + 30 * 80);
		T_EQ(T.peak_live, 6400);
		for (i = 30; i < 50; i++)
			v[i] = L->malloc(200); /* 208 */
		for (i = 0; i < 100; i++)
			L->free(v[i]);
		snap();
		T_EQ(T.live, 0);
		T_EQ(T.peak_live, 50 * 64 + 30 * 80 + 20 * 208);
		CALLS_ARE(153, 153, 0, 0, 0, 0, 0);
		T_EQ(T.requested, 1000 + 10 + 2000 + 100 * 64 + 30 * 80 + 20 * 200);
	}
}

/* Another thread's snapshot sees this thread's counters and its unfolded
 * live bytes. */
static void *snap_thread(void *arg)
{
	(void)arg;
	snap();
	return NULL;
}

static void test_snapshot_other_thread(void)
{
	pthread_t th;
	void *p;
	fresh(1 << 20);
	p = L->malloc(100);
	T_EQ(pthread_create(&th, NULL, snap_thread, NULL), 0);
	pthread_join(th, NULL);
	CALLS_ARE(1, 0, 0, 0, 0, 0, 0);
	T_EQ(T.live, 112);
	T_EQ(T.peak_live, 112);
	T_EQ(T.threads_seen, 1);
	L->free(p);
}

/* ---- threads --------------------------------------------------------------------- */

#define NTHREADS 8
#define NBLOCKS 1000

static void *blocks[NTHREADS][NBLOCKS];
static pthread_barrier_t b_alloc, b_free;

static size_t block_size(unsigned t, unsigned k)
{
	return 16 * (1 + k % 8) + t + (k % 3 == 0 ? 5000 : 0);
}

static void *worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg, k;
	for (k = 0; k < NBLOCKS; k++)
		blocks[t][k] = L->malloc(block_size(t, k));
	pthread_barrier_wait(&b_alloc);
	pthread_barrier_wait(&b_free);
	for (k = 1; k < NBLOCKS; k += 2)
		L->free(blocks[t][k]);
	return NULL;
}

static void run_threads(uint64_t slack)
{
	uint64_t hist[AS_HIST_BUCKETS] = {0}, requested = 0;
	int64_t all = 0, kept = 0;
	pthread_t th[NTHREADS];
	unsigned t, k;

	for (t = 0; t < NTHREADS; t++)
		for (k = 0; k < NBLOCKS; k++) {
			size_t n = block_size(t, k);
			requested += n;
			hist[_as_hist_bucket(n)]++;
			all += (int64_t)FAKE_USABLE(n);
			if (k % 2 == 0)
				kept += (int64_t)FAKE_USABLE(n);
		}

	fresh(slack);
	pthread_barrier_init(&b_alloc, NULL, NTHREADS + 1);
	pthread_barrier_init(&b_free, NULL, NTHREADS + 1);
	for (t = 0; t < NTHREADS; t++)
		T_EQ(pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t), 0);

	/* all threads alive, every block allocated: read from their blocks */
	pthread_barrier_wait(&b_alloc);
	snap();
	CALLS_ARE(NTHREADS * NBLOCKS, 0, 0, 0, 0, 0, 0);
	T_CHECK(T.requested == requested);
	T_EQ(T.live, all);
	hist_is(hist);
	T_EQ(T.threads_seen, NTHREADS);
	T_EQ(T.threads_untracked, 0);
	if (slack == 0)
		T_EQ(T.peak_live, all);

	/* freed half, exited, joined: their blocks were folded at exit */
	pthread_barrier_wait(&b_free);
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&b_alloc);
	pthread_barrier_destroy(&b_free);

	/* read from a thread that never used the layer: all of it is global */
	{
		pthread_t s;
		T_EQ(pthread_create(&s, NULL, snap_thread, NULL), 0);
		pthread_join(s, NULL);
	}
	CALLS_ARE(NTHREADS * NBLOCKS, NTHREADS * NBLOCKS / 2, 0, 0, 0, 0, 0);
	T_CHECK(T.requested == requested);
	T_EQ(T.live, kept);
	hist_is(hist);
	T_EQ(T.threads_seen, NTHREADS);
	if (slack == 0) {
		T_EQ(T.peak_live, all); /* every change folded at once: exact */
	} else {
		/* off by at most threads x slack, never above the real peak */
		T_CHECK(T.peak_live <= all);
		T_CHECK(T.peak_live >= all - (int64_t)(NTHREADS * slack));
	}

	/* the main thread frees the rest: blocks of other threads */
	for (t = 0; t < NTHREADS; t++)
		for (k = 0; k < NBLOCKS; k += 2)
			L->free(blocks[t][k]);
	snap();
	CALLS_ARE(NTHREADS * NBLOCKS, NTHREADS * NBLOCKS, 0, 0, 0, 0, 0);
	T_EQ(T.live, 0);
	T_EQ(T.threads_seen, NTHREADS + 1);
}

static void test_threads(void)
{
	run_threads(0);
	run_threads(4096);
	run_threads(64 << 10);
}

/* ---- fork ------------------------------------------------------------------------ */

static pthread_barrier_t b_forked;

static void *fork_worker(void *arg)
{
	void **p = arg;
	*p = L->malloc(200); /* 208 */
	pthread_barrier_wait(&b_alloc);
	pthread_barrier_wait(&b_forked);
	return NULL;
}

static void test_fork_child(void)
{
	pthread_t th;
	void *mine, *theirs = NULL;
	pid_t pid;
	int status = -1;

	fresh(1 << 20);
	pthread_barrier_init(&b_alloc, NULL, 2);
	pthread_barrier_init(&b_forked, NULL, 2);
	mine = L->malloc(100); /* 112 */
	T_EQ(pthread_create(&th, NULL, fork_worker, &theirs), 0);
	pthread_barrier_wait(&b_alloc);

	pid = fork();
	if (pid == 0) {
		/* the worker is gone here; its blocks are still in this heap */
		t_checks = t_failed = 0;
		_as_stats_after_fork_child();
		snap();
		CALLS_ARE(0, 0, 0, 0, 0, 0, 0);
		T_EQ(T.requested, 0);
		{
			uint64_t zero[AS_HIST_BUCKETS] = {0};
			hist_is(zero);
		}
		T_EQ(T.live, 320);
		T_EQ(T.peak_live, 320);
		T_EQ(T.threads_seen, 1);
		L->free(L->malloc(10));
		snap();
		CALLS_ARE(1, 1, 0, 0, 0, 0, 0);
		T_EQ(T.live, 320);
		T_EQ(T.peak_live, 336);
		t_say("fork child: %u checks, %u failed", t_checks, t_failed);
		_exit(t_failed ? 1 : 0);
	}
	T_CHECK(pid > 0);
	if (pid > 0) {
		T_EQ(waitpid(pid, &status, 0), pid);
		T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	pthread_barrier_wait(&b_forked);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&b_alloc);
	pthread_barrier_destroy(&b_forked);

	/* the parent's counts did not move */
	snap();
	CALLS_ARE(2, 0, 0, 0, 0, 0, 0);
	T_EQ(T.live, 320);
	T_EQ(T.threads_seen, 2);
	L->free(mine);
	L->free(theirs);
}

int main(void)
{
	fake_install();
	test_names();
	test_hist();
	test_fold();
	test_layer();
	test_failed();
	test_realloc();
	test_peak_exact();
	test_snapshot_other_thread();
	test_threads();
	test_fork_child();
	_as_stats_reset_for_test();
	return t_done();
}
