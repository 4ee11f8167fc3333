/* as_stats: per-thread allocation counters and the counting layer.
 *
 * No calls to malloc in this file.
 *
 * AS_CALLS lists the kinds of call once (their enum and their names in the
 * report), AS_STATS every counter (below).  Each thread counts into its own
 * initial-exec TLS block (no atomics on the hot path).  A thread registers
 * its block in a fixed table on its first call, and a pthread key
 * destructor folds it into the global totals when the thread exits.
 *
 * Live bytes are measured with the backend's usable size on both sides
 * (malloc adds usable(p), free subtracts usable(p)), so they are what the
 * allocator really handed out.  Each thread keeps a signed delta and the
 * highest value the delta reached since it was last folded; once |delta|
 * exceeds the slack (ALLOCSWAP_SLACK, 64 KiB by default) it is folded into
 * the global live count with one atomic add, and the global peak becomes
 * max(peak, live_before_fold + highest_delta).  With one allocating thread
 * the peak is exact; with T threads it can be off by at most T x slack.
 *
 * A thread registers on its first counted allocation: its fold limit
 * starts at 0, so that first call takes the slow path, which registers it.
 * The hot path has no separate "registered yet?" test.
 *
 * bytes.requested sums the sizes of successful requests; calls.* and the
 * histogram count every request, failed ones too (calls.failed says how
 * many failed).
 *
 * The histogram counts requests by power-of-two size class, computed with
 * one bsr: bucket 0 holds 0..15 bytes, bucket i (i >= 1) holds
 * 2^(i+3) .. 2^(i+4)-1 bytes.  _as_hist_le(i) is the largest size in
 * bucket i.
 *
 * AS_STATS lists every counter once, in the report's order; the per-thread
 * block, the global totals, struct as_totals, the folds, the snapshot, the
 * fork and test resets and the report's JSON all expand it, so that adding
 * a counter is one line.  Each kind of counter is one argument, and each
 * expansion passes a macro for the kinds it handles:
 *
 *   SUM(field, dims, group, key, put)  uint64_t field dims, counted per
 *       thread on the hot path, added into the global sums when a whole
 *       block is folded (thread exit, threads without a slot); the snapshot
 *       adds every live thread's; zeroed in a fork child.
 *   LIVE(field, tfield, group, key, put)  int64_t: the live bytes and their
 *       peak.  The thread's part is tfield, folded by _as_stats_fold_delta
 *       (not a sum: see above); kept in a fork child.
 *   ONCE(field, group, key, put)  uint64_t, counted in the global totals
 *       only, on the slow path; zeroed in a fork child.
 *
 * group: the report's JSON object or array holding it; key: its name there
 * ("" when put writes the whole group); put: how as_report.c writes it (u64
 * and i64: one number; calls: one key per AS_CALLS; hist: the buckets).
 */
#ifndef ALLOCSWAP_AS_STATS_H
#define ALLOCSWAP_AS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "as_backend.h"

#define AS_CALLS(X) X(malloc) X(free) X(calloc) X(realloc) X(aligned) X(usable_size) X(failed)

enum {
#define AS_CALL_ENUM(name) AS_CALL_##name,
	AS_CALLS(AS_CALL_ENUM)
#undef AS_CALL_ENUM
	AS_NCALLS
};

#define AS_HIST_BUCKETS 61 /* bsr(n | 15) - 3 is 0..60 */
#define AS_MAX_THREADS 4096

#define AS_STATS(SUM, LIVE, ONCE)                                                          \
	SUM(calls, [AS_NCALLS], calls, "", calls)        /* every request, failed too */    \
	SUM(requested, , bytes, "requested", u64)        /* successful requests */          \
	LIVE(live, delta, bytes, "live", i64)            /* usable sizes, malloc - free */  \
	LIVE(peak_live, delta_max, bytes, "peak_live", i64)                                 \
	SUM(hist, [AS_HIST_BUCKETS], histogram, "", hist) /* requests by size */            \
	ONCE(threads_seen, threads, "seen", u64)                                           \
	ONCE(threads_untracked, threads, "untracked", u64) /* the registry was full */

#define AS_STATS_SUM_U64(field, dims, group, key, put) uint64_t field dims;
#define AS_STATS_LIVE_I64(field, tfield, group, key, put) int64_t field;
#define AS_STATS_ONCE_U64(field, group, key, put) uint64_t field;
#define AS_STATS_NONE(...)

/* The whole counts of a process, as the report reads them. */
struct as_totals {
	AS_STATS(AS_STATS_SUM_U64, AS_STATS_LIVE_I64, AS_STATS_ONCE_U64)
};

extern const char *const _as_call_names[AS_NCALLS];

/* Largest request size (bytes) that falls in bucket i. */
uint64_t _as_hist_le(unsigned i);
static inline unsigned _as_hist_bucket(size_t n)
{
	return (unsigned)(63 - __builtin_clzll((unsigned long long)(n | 15))) - 3;
}

/* Size classes: 8 bytes up to 8, then 16-byte steps up to 128, then four
 * classes per power of two.  jemalloc's (16-byte quantum) and Debian's
 * mimalloc 2's: the usable size of malloc(n) is _as_size_class(n) for every
 * n up to AS_CLASS_MAX, which the counting layer then computes instead of
 * asking the backend (struct as_backend_state.classes says whether the
 * backend's classes are these: as_backend.c). */
#define AS_CLASS_MAX ((size_t)64 << 10)
static inline size_t _as_size_class(size_t n)
{
	size_t x = n - 1;
	unsigned lg; /* of the step: 2 below the highest bit of n - 1, at least 4 */
	if (n <= 8)
		return 8;
	lg = (unsigned)(61 - __builtin_clzll((unsigned long long)(x | 127)));
	return ((x >> lg) + 1) << lg;
}

/* The counting layer, calling _as_backend, and its twin that also samples
 * allocation sites (as_sample.h; full mode); and both for backends with
 * classes (their malloc takes the usable size from _as_size_class). */
extern const struct as_dispatch _as_counting_layer;
extern const struct as_dispatch _as_sampling_layer;
extern const struct as_dispatch _as_counting_classes;
extern const struct as_dispatch _as_sampling_classes;

/* Set-up: pthread key for thread-exit folding, slack.  0 or errno. */
int _as_stats_init(uint64_t slack);
/* Sums the global totals and every live thread's block into *t. */
void _as_stats_snapshot(struct as_totals *t);
/* In a fork child: the other threads are gone; fold their blocks and
 * start counting afresh (calls, bytes, histogram), keeping live bytes,
 * which are still real in the child's heap. */
void _as_stats_after_fork_child(void);

/* Publishes the global live bytes and peak into p (as_counters.h) at every
 * fold from now on; NULL stops it. */
struct as_counters_page;
void _as_stats_set_page(struct as_counters_page *p);

/* The global live bytes: every fold so far, without the deltas threads
 * have not folded yet (exact in a fork child, after the fork handler). */
int64_t _as_stats_live(void);

/* Exposed for unit tests: fold a delta into the global live/peak. */
void _as_stats_fold_delta(int64_t delta, int64_t delta_max);
void _as_stats_reset_for_test(void);

#endif
