/* as_stats: calls from a thread that has no registry slot, because it has
 * not allocated anything yet, or because its pthread-key destructor
 * already ran.  Every call must be counted exactly once, and no pointer to
 * a dead thread's TLS may stay in the registry.
 *
 * A thread registers on its first allocation that moves live bytes.  Calls
 * that move none (a failed allocation, free(NULL), malloc_usable_size)
 * can come first: a program whose only malloc fails, or glibc's
 * __libc_thread_freeres, which calls free(NULL) on per-thread buffers in
 * every exiting thread after the key destructors (__nptl_deallocate_tsd)
 * ran.
 *
 * The last case is simulated with a key created after the layer's: it
 * re-arms itself until glibc's last destructor round
 * (PTHREAD_DESTRUCTOR_ITERATIONS) and makes its calls there; after that
 * round no destructor runs again.  A later thread gets the same stack and
 * TLS address from glibc's stack cache, so a stale registry entry would
 * count that thread twice.
 *
 * Runs in its own program: a failure can leave a stale registry entry.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "as_stats.h"
#include "fake_backend.h"
#include "harness.h"

static const struct as_dispatch *const L = &_as_counting_layer;
static struct as_totals T;
static pthread_key_t late_key;
static __thread int rounds;
static __thread int tls_probe;
static void (*late_calls)(void);

static void fresh(void)
{
	_as_stats_reset_for_test();
	T_EQ(_as_stats_init(1 << 20), 0);
}

static void snap(void)
{
	_as_stats_snapshot(&T);
}

/* ---- before the first allocation -------------------------------------------------- */

/* The main thread's only calls fail: they are counted all the same. */
static void test_failures_only(void)
{
	void *p;
	fresh();
	errno = 0;
	T_CHECK(L->malloc(FAKE_FAIL) == NULL);
	T_EQ(errno, ENOMEM);
	T_CHECK(L->aligned(64, FAKE_FAIL) == NULL);
	T_CHECK(L->realloc(NULL, FAKE_FAIL) == NULL);
	L->free(NULL);
	snap();
	T_EQ(T.calls[AS_CALL_malloc], 1);
	T_EQ(T.calls[AS_CALL_aligned], 1);
	T_EQ(T.calls[AS_CALL_realloc], 1);
	T_EQ(T.calls[AS_CALL_free], 1);
	T_EQ(T.calls[AS_CALL_failed], 3);
	T_EQ(T.requested, 0); /* failed requests hand out no bytes */
	T_EQ(T.hist[_as_hist_bucket(FAKE_FAIL)], 3);
	T_EQ(T.live, 0);

	/* a later allocation does not count them twice */
	p = L->malloc(10);
	L->free(p);
	snap();
	T_EQ(T.calls[AS_CALL_malloc], 2);
	T_EQ(T.calls[AS_CALL_free], 2);
	T_EQ(T.calls[AS_CALL_failed], 3);
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 16);
}

/* Another thread's only calls are free(NULL) and a failed malloc. */
static void *noalloc_body(void *arg)
{
	(void)arg;
	L->free(NULL);
	L->free(NULL);
	T_CHECK(L->malloc(FAKE_FAIL) == NULL);
	return NULL;
}

static void test_thread_without_allocation(void)
{
	pthread_t th;
	fresh();
	T_EQ(pthread_create(&th, NULL, noalloc_body, NULL), 0);
	pthread_join(th, NULL);
	snap();
	T_EQ(T.calls[AS_CALL_free], 2);
	T_EQ(T.calls[AS_CALL_malloc], 1);
	T_EQ(T.calls[AS_CALL_failed], 1);
}

/* ---- after the key destructor ------------------------------------------------------ */

static void late(void *v)
{
	if (++rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
		pthread_setspecific(late_key, v);
		return;
	}
	late_calls();
}

struct job {
	int allocate;            /* use the layer in the thread body first */
	pthread_barrier_t *hold; /* wait here with blocks live (NULL: don't) */
	uintptr_t tls;           /* address of this thread's TLS */
};

static void *body(void *arg)
{
	struct job *j = arg;
	void *p[3] = {NULL, NULL, NULL};
	int i;
	j->tls = (uintptr_t)&tls_probe;
	if (j->allocate) {
		for (i = 0; i < 3; i++)
			p[i] = L->malloc(10);
		if (j->hold) {
			pthread_barrier_wait(j->hold);
			pthread_barrier_wait(j->hold);
		}
		for (i = 0; i < 3; i++)
			L->free(p[i]);
	}
	pthread_setspecific(late_key, (void *)1);
	return NULL;
}

static uintptr_t run(int allocate, pthread_barrier_t *hold)
{
	pthread_t th;
	struct job j = {allocate, hold, 0};
	T_EQ(pthread_create(&th, NULL, body, &j), 0);
	if (hold) {
		pthread_barrier_wait(hold);
		snap();
		pthread_barrier_wait(hold);
	}
	pthread_join(th, NULL);
	return j.tls;
}

static void late_malloc_free(void)
{
	L->free(L->malloc(50));
}

static void late_free_null(void)
{
	L->free(NULL);
}

static void late_free_null_twice(void)
{
	L->free(NULL);
	L->free(NULL);
}

/* A thread that used the layer allocates and frees after its destructor:
 * counted once, and it does not register again (81fb44a). */
static void test_late_after_use(void)
{
	fresh();
	late_calls = late_malloc_free;
	run(1, NULL);
	snap();
	T_EQ(T.calls[AS_CALL_malloc], 4);
	T_EQ(T.calls[AS_CALL_free], 4);
	T_EQ(T.requested, 80);
	T_EQ(T.live, 0);
	T_EQ(T.peak_live, 64);
	T_EQ(T.threads_seen, 1);
	T_EQ(T.threads_untracked, 0);
}

/* The same with free(NULL), which moves no live bytes. */
static void test_late_free_null_after_use(void)
{
	fresh();
	late_calls = late_free_null;
	run(1, NULL);
	run(1, NULL); /* a second thread, same stack */
	snap();
	T_EQ(T.calls[AS_CALL_malloc], 6);
	T_EQ(T.calls[AS_CALL_free], 8); /* 3 + 3 frees, 2 free(NULL) */
	T_EQ(T.live, 0);
	T_EQ(T.threads_seen, 2);
}

/* A thread whose first calls come after the destructors (glibc frees its
 * NULL buffers in every exiting thread), then a thread on the same stack. */
static void test_late_first_call(void)
{
	pthread_barrier_t hold;
	uintptr_t tls1, tls2;
	fresh();
	late_calls = late_free_null_twice;
	tls1 = run(0, NULL);
	snap();
	T_EQ(T.calls[AS_CALL_free], 2);
	T_EQ(T.calls[AS_CALL_malloc], 0);

	late_calls = late_free_null;
	pthread_barrier_init(&hold, NULL, 2);
	tls2 = run(1, &hold);
	pthread_barrier_destroy(&hold);
	if (tls1 != tls2)
		t_say("note: the second thread did not reuse the first one's stack");
	/* snapshot taken while the second thread held 3 blocks of 16 bytes */
	T_EQ(T.calls[AS_CALL_malloc], 3);
	T_EQ(T.calls[AS_CALL_free], 2);
	T_EQ(T.live, 48);
	snap();
	T_EQ(T.calls[AS_CALL_malloc], 3);
	T_EQ(T.calls[AS_CALL_free], 2 + 3 + 1);
	T_EQ(T.live, 0);
}

int main(void)
{
	fake_install();
	/* created after the layer's key: its destructor runs after the layer's */
	T_EQ(_as_stats_init(1 << 20), 0);
	T_EQ(pthread_key_create(&late_key, late), 0);
	test_failures_only();
	test_thread_without_allocation();
	test_late_after_use();
	test_late_free_null_after_use();
	test_late_first_call();
	return t_done();
}
