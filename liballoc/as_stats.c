/* as_stats: per-thread counters and the counting layer.
 * No calls to malloc in this file. */
#include "as_stats.h"

#include <errno.h>
#include <pthread.h>

#include "as_bootstrap.h"
#include "as_counters.h"
#include "as_sample.h"
#include "as_sys.h"
#include "as_timeline.h"

const char *const _as_call_names[AS_NCALLS] = {
#define AS_CALL_NAME(name) #name,
	AS_CALLS(AS_CALL_NAME)
#undef AS_CALL_NAME
};

/* A thread's counters: AS_STATS' SUM fields, and for the live bytes
 * (LIVE) delta, the live bytes not yet folded into the global count, and
 * delta_max, the highest delta since the last fold.
 *
 * delta and delta_max are kept plus a base of limit / 2 (the slack, or 0
 * for a thread without a slot): a fold is due once delta > limit or
 * delta < 0, so that free tests the sign of its one subtraction.  The
 * base is 0 whenever a whole block is folded (fold_block). */
#define TSTATS_LIVE(field, tfield, group, key, put) int64_t tfield;
struct tstats {
	AS_STATS(AS_STATS_SUM_U64, TSTATS_LIVE, AS_STATS_NONE)
	int64_t limit;     /* twice the slack, or 0 */
	uint64_t asked;    /* size of the request in flight, taken back if it fails */
	int slot;          /* registry slot + 1; 0: not yet registered;
			    * SLOT_NONE: registry full or thread exiting */
	struct as_sample_tls smp; /* full mode: bytes until the next sample */
};

/* The uint64_t words of a SUM field, whatever its dims. */
#define WORDS(field) (sizeof(field) / sizeof(uint64_t))

/* A thread without a slot (the table was full, or its pthread-key
 * destructor already ran and glibc still frees things on its way out)
 * folds its block into the globals after every counted call: nothing is
 * lost and no pointer to a dying thread's TLS stays in the table. */
#define SLOT_NONE (-1)

/* The assembler name is for self() on x86-64. */
static __thread struct tstats ts __asm__("_as_stats_ts")
	__attribute__((tls_model("initial-exec"), used));

static struct {
	int64_t slack;
	pthread_key_t key;
	int key_ok;
	/* SUM: the blocks folded so far (threads that have exited, or that
	 * have no slot); LIVE: every fold; ONCE: the counts themselves */
	struct as_totals tot;
	struct as_counters_page *page; /* ALLOCSWAP_COUNTERS, or NULL */
	struct tstats *slots[AS_MAX_THREADS];
} g = {.slack = 64 << 10};

uint64_t _as_hist_le(unsigned i)
{
	return i < AS_HIST_BUCKETS - 1 ? (16ULL << i) - 1 : UINT64_MAX;
}

void _as_stats_fold_delta(int64_t delta, int64_t delta_max)
{
	int64_t before = __atomic_fetch_add(&g.tot.live, delta, __ATOMIC_RELAXED);
	int64_t cand = before + (delta_max > delta ? delta_max : delta);
	int64_t peak = __atomic_load_n(&g.tot.peak_live, __ATOMIC_RELAXED);
	struct as_counters_page *pg;
	while (cand > peak &&
	       !__atomic_compare_exchange_n(&g.tot.peak_live, &peak, cand, 1, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	/* the shared counters page: relaxed stores, on this slow path only */
	pg = __atomic_load_n(&g.page, __ATOMIC_RELAXED);
	if (pg) {
		__atomic_store_n(&pg->live, before + delta, __ATOMIC_RELAXED);
		__atomic_store_n(&pg->peak, cand > peak ? cand : peak, __ATOMIC_RELAXED);
		__atomic_store_n(&pg->folds, __atomic_load_n(&pg->folds, __ATOMIC_RELAXED) + 1,
				 __ATOMIC_RELAXED);
	}
	/* full mode: a timeline point when one is due (as_timeline.h) */
	_as_timeline_fold(before + delta, cand);
}

int64_t _as_stats_live(void)
{
	return __atomic_load_n(&g.tot.live, __ATOMIC_RELAXED);
}

void _as_stats_set_page(struct as_counters_page *p)
{
	if (p) {
		p->slack = g.slack;
		p->live = __atomic_load_n(&g.tot.live, __ATOMIC_RELAXED);
		p->peak = __atomic_load_n(&g.tot.peak_live, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&g.page, p, __ATOMIC_RELEASE);
}

/* dst[i] += src[i] (atomically: snapshots read dst meanwhile); src zeroed. */
static void add_words(uint64_t *dst, uint64_t *src, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (src[i])
			__atomic_add_fetch(&dst[i], src[i], __ATOMIC_RELAXED);
		src[i] = 0;
	}
}

/* dst[i] += src[i], src read as another thread may be writing it: each
 * value whole (aligned 64-bit loads). */
static void load_words(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* The live bytes not yet folded (delta without its base). */
static int64_t unfolded(const struct tstats *t, int64_t biased)
{
	return biased - __atomic_load_n(&t->limit, __ATOMIC_RELAXED) / 2;
}

/* A new limit, and delta and delta_max moved to its base. */
static void rebase(struct tstats *t, int64_t limit)
{
	int64_t by = limit / 2 - t->limit / 2;
	t->delta += by;
	t->delta_max += by;
	t->limit = limit;
}

/* The base of delta must be 0 (limit 0). */
static void fold_block(struct tstats *t)
{
#define FOLD_SUM(field, dims, group, key, put) \
	add_words((uint64_t *)&g.tot.field, (uint64_t *)&t->field, WORDS(t->field));
#define FOLD_LIVE(field, tfield, group, key, put) t->tfield = 0;
	_as_stats_fold_delta(t->delta, t->delta_max);
	AS_STATS(FOLD_SUM, FOLD_LIVE, AS_STATS_NONE)
#undef FOLD_SUM
#undef FOLD_LIVE
}

static void thread_exit(void *arg)
{
	struct tstats *t = arg;
	int slot = t->slot;
	if (slot > 0)
		__atomic_store_n(&g.slots[slot - 1], NULL, __ATOMIC_RELEASE);
	t->slot = SLOT_NONE; /* never re-register: this TLS block is about to go */
	rebase(t, 0);
	fold_block(t);
}

static __attribute__((noinline)) void register_thread(struct tstats *t)
{
	unsigned i;
	__atomic_add_fetch(&g.tot.threads_seen, 1, __ATOMIC_RELAXED);
	t->slot = SLOT_NONE; /* not in the table, but do not come back here */
	for (i = 0; i < AS_MAX_THREADS; i++) {
		struct tstats *expect = NULL;
		if (!__atomic_load_n(&g.slots[i], __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&g.slots[i], &expect, t, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			t->slot = (int)i + 1;
			rebase(t, 2 * g.slack);
			break;
		}
	}
	if (t->slot < 0)
		__atomic_add_fetch(&g.tot.threads_untracked, 1, __ATOMIC_RELAXED);
	/* Key indexes below 32 live in the thread descriptor: no allocation. */
	if (g.key_ok)
		pthread_setspecific(g.key, t);
}

int _as_stats_init(uint64_t slack)
{
	g.slack = slack > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)slack;
	if (!g.key_ok) {
		int rc = pthread_key_create(&g.key, thread_exit);
		if (rc)
			return rc;
		g.key_ok = 1;
	}
	return 0;
}

void _as_stats_snapshot(struct as_totals *out)
{
	int64_t pending = 0, pending_max = 0;
	unsigned j;
	/* The calling thread folds its own delta: exact for single-threaded runs. */
	if (unfolded(&ts, ts.delta) || unfolded(&ts, ts.delta_max)) {
		_as_stats_fold_delta(unfolded(&ts, ts.delta), unfolded(&ts, ts.delta_max));
		ts.delta = ts.delta_max = ts.limit / 2;
	}
#define SNAP_SUM(field, dims, group, key, put) \
	load_words((uint64_t *)&out->field, (const uint64_t *)&src->field, WORDS(src->field));
#define SNAP_ONCE(field, group, key, put) out->field = __atomic_load_n(&g.tot.field, __ATOMIC_RELAXED);
	_as_memset(out, 0, sizeof *out);
	{
		const struct as_totals *src = &g.tot;
		AS_STATS(SNAP_SUM, AS_STATS_NONE, SNAP_ONCE)
	}
	for (j = 0; j < AS_MAX_THREADS; j++) {
		/* Other threads may still be running: their counters are read
		 * without a lock. */
		const struct tstats *t = __atomic_load_n(&g.slots[j], __ATOMIC_ACQUIRE), *src = t;
		if (!t)
			continue;
		AS_STATS(SNAP_SUM, AS_STATS_NONE, AS_STATS_NONE)
		if (t != &ts) {
			int64_t d = unfolded(t, __atomic_load_n(&t->delta, __ATOMIC_RELAXED));
			int64_t m = unfolded(t, __atomic_load_n(&t->delta_max, __ATOMIC_RELAXED));
			pending += d;
			if (pending - d + m > pending_max)
				pending_max = pending - d + m;
		}
	}
#undef SNAP_SUM
#undef SNAP_ONCE
	out->live = __atomic_load_n(&g.tot.live, __ATOMIC_RELAXED) + pending;
	out->peak_live = __atomic_load_n(&g.tot.peak_live, __ATOMIC_RELAXED);
	if (out->live > out->peak_live)
		out->peak_live = out->live;
	(void)pending_max;
}

void _as_stats_after_fork_child(void)
{
	unsigned i;
	/* Fold the dead threads' live deltas (their heap blocks are in the child
	 * too), then forget their call counts, like the parent's. */
	for (i = 0; i < AS_MAX_THREADS; i++) {
		struct tstats *t = g.slots[i];
		if (t && t != &ts) {
			_as_stats_fold_delta(unfolded(t, t->delta), unfolded(t, t->delta));
			g.slots[i] = NULL;
		}
	}
	_as_stats_fold_delta(unfolded(&ts, ts.delta), unfolded(&ts, ts.delta));
#define FORK_SUM(field, dims, group, key, put) \
	_as_memset(&g.tot.field, 0, sizeof g.tot.field); \
	_as_memset(&ts.field, 0, sizeof ts.field);
#define FORK_LIVE(field, tfield, group, key, put) ts.tfield = 0;
#define FORK_ONCE(field, group, key, put) g.tot.field = 0;
	AS_STATS(FORK_SUM, FORK_LIVE, FORK_ONCE)
#undef FORK_SUM
#undef FORK_LIVE
#undef FORK_ONCE
	ts.delta = ts.delta_max = ts.limit / 2;
	g.tot.peak_live = g.tot.live;
	g.tot.threads_seen = ts.slot > 0;
}

void _as_stats_reset_for_test(void)
{
	_as_memset(&ts, 0, sizeof ts);
	_as_memset(g.slots, 0, sizeof g.slots);
	_as_memset(&g.tot, 0, sizeof g.tot);
}

/* ---- the counting layer ----------------------------------------------------- */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* This thread's block.  On x86-64 it is addressed through %fs (GCC's
 * __seg_fs) at its initial-exec offset, loaded where the block is used:
 * one instruction, where the address itself takes two, and one the
 * compiler cannot keep in a callee-saved register across the backend calls
 * (a push, a pop and a stack adjustment).  Elsewhere, the address, for the
 * same reason recomputed where it is used (and under ASan and TSan, which
 * check %fs-relative addresses as plain ones).  The slow paths take &ts. */
#if defined(__x86_64__) && defined(__SEG_FS) && !defined(__SANITIZE_ADDRESS__) && \
	!defined(__SANITIZE_THREAD__)
typedef __seg_fs struct tstats tblock;
static inline tblock *self(void)
{
	uintptr_t off;
	__asm__ volatile("movq _as_stats_ts@gottpoff(%%rip), %0" : "=r"(off));
	return (tblock *)off;
}
/* bsr: _as_hist_bucket(n) + 3, without a sign extension */
#define HIST_MSB(n) ((size_t)__builtin_ia32_bsrdi((long long)((n) | 15)))
#else
typedef struct tstats tblock;
static inline tblock *self(void)
{
	struct tstats *t = &ts;
	__asm__ volatile("" : "+r"(t));
	return t;
}
#define HIST_MSB(n) ((size_t)(63 - __builtin_clzll((unsigned long long)((n) | 15))))
#endif

/* The slow path of every counted call: register the thread on its first
 * allocation, fold the live delta once it leaves [0, limit] (its base
 * being limit / 2), or fold the whole block for threads without a slot. */
static __attribute__((noinline)) void fold_now(void)
{
	struct tstats *t = &ts;
	if (!t->slot)
		register_thread(t);
	if (t->slot > 0) {
		_as_stats_fold_delta(unfolded(t, t->delta), unfolded(t, t->delta_max));
		t->delta = t->delta_max = t->limit / 2;
	} else {
		fold_block(t);
	}
}

/* Growing: only a new maximum can cross the upper limit.  Non-zero when
 * a fold is due. */
static inline int grown(tblock *t, int64_t d)
{
	int64_t v = t->delta + d;
	t->delta = v;
	if (v > t->delta_max) {
		t->delta_max = v;
		return v > t->limit;
	}
	return 0;
}

static inline void live_up(tblock *t, int64_t d)
{
	if (unlikely(grown(t, d)))
		fold_now();
}

/* fold_now() from a tail call, p handed back */
static __attribute__((noinline)) void *fold_now_then(void *p)
{
	fold_now();
	return p;
}

/* Shrinking: only the lower limit, 0, can be crossed. */
static inline void live_down(tblock *t, int64_t d)
{
	if (unlikely((t->delta -= d) < 0))
		fold_now();
}

static inline void live_add(tblock *t, int64_t d)
{
	if (d >= 0)
		live_up(t, d);
	else
		live_down(t, -d);
}

/* Counted before the backend call, so only the result has to live across
 * the calls (one saved register).  With cls (a malloc of the classes
 * layers), n lives across the call anyway: failed() is told it then. */
static inline __attribute__((always_inline)) int request(int call, size_t n, const int smp,
							 const int cls)
{
	tblock *t = self();
	t->calls[call]++;
	t->requested += n;
	if (!cls)
		t->asked = n;
	t->hist[HIST_MSB(n) - 3]++;
	/* the sampling layer's byte countdown: non-zero when it ran out (or a
	 * stack is being taken: sample() holds it below zero meanwhile) */
	if (smp) {
		t->smp.left -= (int64_t)n;
		return unlikely(t->smp.left < 0);
	}
	return 0;
}

static inline void uncount(struct tstats *t, int call, size_t n)
{
	t->calls[call]--;
	t->requested -= n;
	t->hist[_as_hist_bucket(n)]--;
}

/* Calls that change no live bytes never reach fold_now(): a thread
 * without a slot folds them here, or nothing would ever read them. */
static inline void counted_only(tblock *t)
{
	if (unlikely(t->slot <= 0))
		fold_block(&ts);
}

static __attribute__((noinline, cold)) void *failed(void)
{
	tblock *t = self();
	t->calls[AS_CALL_failed]++;
	/* bytes.requested counts what was handed out: one malloc(SIZE_MAX)
	 * would otherwise wrap the sum (CPython's tests make such calls) */
	t->requested -= t->asked;
	counted_only(t);
	errno = ENOMEM;
	return NULL;
}

/* ---- the sampling twin (ALLOCSWAP_STATS=full) ----------------------------- *
 * Every counted function below is written once, always inlined into two
 * copies: smp = 0 for the counting layer, smp = 1 for the sampling layer,
 * which adds a byte countdown to allocations and a one-byte filter look-up
 * to frees (as_sample.h).  Counters mode pays nothing for sampling. */

static uint64_t calls_now(const struct tstats *t)
{
	uint64_t n = 0;
	unsigned i;
	for (i = 0; i < AS_NCALLS; i++)
		n += t->calls[i];
	return n;
}

static __attribute__((noinline)) void sample(void *p, size_t n)
{
	struct tstats *t = &ts;
	uint64_t before;
	if (t->smp.busy)
		return; /* a call made while taking a stack: not sampled */
	before = calls_now(t);
	t->smp.busy = 1;
	t->smp.left = -1; /* calls made meanwhile take alloc_slow() */
	t->smp.left = _as_sample_alloc(&t->smp, p, n);
	t->smp.busy = 0;
	if (calls_now(t) != before)
		_as_sample_reentered(calls_now(t) - before);
}

static inline __attribute__((always_inline)) void sample_forget(void *p, const int smp)
{
	if (smp && unlikely(_as_sample_maybe(p)))
		_as_sample_free(p);
}

static inline __attribute__((always_inline)) void *got(void *p)
{
	int64_t u;
	if (unlikely(!p))
		return failed();
	u = (int64_t)_as_backend.usable(p);
	live_up(self(), u);
	return p;
}

/* Out of line: the common path of got_class() then makes no call after
 * the backend's, and keeps nothing in a callee-saved register but n. */
static __attribute__((noinline)) void *got_usable(void *p)
{
	return got(p);
}

/* malloc(n)'s usable size without asking the backend, when it has these
 * classes (as_stats.h): the same bytes its usable-size call would give. */
static inline __attribute__((always_inline)) void *got_class(void *p, size_t n)
{
	if (unlikely(!p)) {
		self()->asked = n;
		return failed();
	}
	if (unlikely(n > AS_CLASS_MAX))
		return got_usable(p);
	if (unlikely(grown(self(), (int64_t)_as_size_class(n))))
		return fold_now_then(p);
	return p;
}

/* The countdown ran out: this allocation is sampled.  Or a stack is being
 * taken (glibc allocating libunwind's dynamic TLS on a thread's first
 * sample): then the call is the profiler's, not the program's, and comes
 * from the bootstrap arena, uncounted, so that the backend sees nothing of
 * it; only if the arena is exhausted does it go on to the backend, counted,
 * and sampling.reentrant says so. */
static __attribute__((noinline)) void *alloc_slow(int call, size_t align, size_t n, size_t size)
{
	struct tstats *t = &ts;
	size_t bytes = call == AS_CALL_calloc ? n * size : n;
	void *p;
	t->asked = bytes; /* the classes layers' malloc did not store it */
	if (t->smp.busy && (call != AS_CALL_calloc || !size || n <= SIZE_MAX / size)) {
		/* the arena is never reused: its memory is still zero for calloc */
		p = _as_boot_alloc(align, bytes);
		if (p) {
			uncount(t, call, bytes);
			_as_sample_boot_served();
			return p;
		}
	}
	if (call == AS_CALL_calloc)
		p = _as_backend.calloc(n, size);
	else if (call == AS_CALL_aligned)
		p = _as_backend.aligned(align, n);
	else
		p = _as_backend.malloc(n);
	p = got(p);
	sample(p, bytes); /* also draws the next distance when p is NULL */
	return p;
}

static inline __attribute__((always_inline)) void *do_malloc(size_t n, const int smp,
							     const int cls)
{
	if (request(AS_CALL_malloc, n, smp, cls))
		return alloc_slow(AS_CALL_malloc, 0, n, 0);
	if (cls)
		return got_class(_as_backend.malloc(n), n);
	return got(_as_backend.malloc(n));
}

static inline __attribute__((always_inline)) void *do_calloc(size_t n, size_t size, const int smp)
{
	if (request(AS_CALL_calloc, n * size, smp, 0))
		return alloc_slow(AS_CALL_calloc, 0, n, size);
	return got(_as_backend.calloc(n, size));
}

static inline __attribute__((always_inline)) void *do_aligned(size_t align, size_t n, const int smp)
{
	if (request(AS_CALL_aligned, n, smp, 0))
		return alloc_slow(AS_CALL_aligned, align, n, 0);
	return got(_as_backend.aligned(align, n));
}

static inline __attribute__((always_inline)) void do_free(void *p, const int smp)
{
	if (likely(p != NULL)) {
		int64_t u = (int64_t)_as_backend.usable(p);
		tblock *t = self();
		t->calls[AS_CALL_free]++;
		live_down(t, u);
		/* before the backend frees it: after, another thread may be
		 * handed the same address and sample it */
		sample_forget(p, smp);
		_as_backend.free(p);
	} else {
		tblock *t = self();
		t->calls[AS_CALL_free]++;
		counted_only(t);
	}
}

/* A sampled block that moves is forgotten before the call (see do_free);
 * if the realloc then fails, that block's sample is lost, nothing else. */
static inline __attribute__((always_inline)) void *do_realloc(void *p, size_t n, const int smp)
{
	int64_t old = p ? (int64_t)_as_backend.usable(p) : 0;
	void *q;
	int smp_now = request(AS_CALL_realloc, n, smp, 0);
	if (p)
		sample_forget(p, smp);
	q = _as_backend.realloc(p, n);
	if (smp && unlikely(smp_now))
		sample(q, n); /* the countdown ran out: sample, or draw again */
	if (q) {
		live_add(self(), (int64_t)_as_backend.usable(q) - old);
	} else if (n == 0 && p) {
		live_down(self(), old); /* realloc(p, 0) freed p */
	} else {
		return failed();
	}
	return q;
}

static size_t count_usable(void *p)
{
	tblock *t = self();
	t->calls[AS_CALL_usable_size]++;
	counted_only(t);
	return _as_backend.usable(p);
}

/* A layer's functions, and its dispatch tables: NAME, and CLASSES whose
 * malloc takes the usable size from the size class (got_class). */
#define AS_LAYER(prefix, smp, name, classes)                                                 \
	static void *prefix##_malloc(size_t n) { return do_malloc(n, smp, 0); }             \
	static void *prefix##_malloc_cls(size_t n) { return do_malloc(n, smp, 1); }         \
	static void *prefix##_calloc(size_t n, size_t s) { return do_calloc(n, s, smp); }   \
	static void *prefix##_aligned(size_t a, size_t n) { return do_aligned(a, n, smp); } \
	static void prefix##_free(void *p) { do_free(p, smp); }                             \
	static void *prefix##_realloc(void *p, size_t n) { return do_realloc(p, n, smp); }  \
	const struct as_dispatch name = {prefix##_malloc,  prefix##_free,    prefix##_calloc,  \
					 prefix##_realloc, prefix##_aligned, count_usable};    \
	const struct as_dispatch classes = {prefix##_malloc_cls, prefix##_free,               \
					    prefix##_calloc,     prefix##_realloc,            \
					    prefix##_aligned,    count_usable};

AS_LAYER(count, 0, _as_counting_layer, _as_counting_classes)
AS_LAYER(sampled, 1, _as_sampling_layer, _as_sampling_classes)
