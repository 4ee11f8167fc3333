/* as_timeline: live bytes and RSS over time, recorded inside the process.
 *
 * No calls to malloc in this file.
 *
 * With ALLOCSWAP_STATS=full and ALLOCSWAP_TIMELINE_MS=N (default 10, 0 turns
 * it off), the report's "timeline" is
 *
 *     [[t_ms, live_bytes, rss_bytes, live_max], ...]
 *
 * the three columns of the report contract (DESIGN.md) plus a fourth:
 * t_ms counts from libswap's start-up (from the fork, in a fork child),
 * live_bytes is the global live count right after a fold, rss_bytes is
 * resident pages x page size from /proc/self/statm (null when it cannot be
 * read), and live_max is the highest live count seen since the previous
 * point, this point included.
 *
 * There is no thread and no timer in the target.  Every fold of a thread's
 * live delta (as_stats.h: once per ALLOCSWAP_SLACK bytes of net change per
 * thread, never on the fast path) calls _as_timeline_fold(), which
 *   - raises the window's maximum to the fold's highest live count (one
 *     load and a compare; a CAS when it is higher), so that a peak between
 *     two points is never lost: the largest live_max of the whole timeline
 *     is bytes.peak_live;
 *   - reads CLOCK_MONOTONIC (the vDSO: no system call) and, once N ms have
 *     passed since the last point, takes a point: open/read/close of
 *     /proc/self/statm, so three system calls per point, none per fold.
 * Only a thread that wins a try-lock takes the point; the others go on at
 * once (the next fold after it is released looks again).  errno is kept.
 * Without full mode, or with N = 0, folds test one flag and nothing else.
 *
 * A program that allocates nothing takes no points while it does so: the
 * timeline has points where the heap moved, plus one at start-up and one
 * when the report is written.
 *
 * Memory is bounded: AS_TIMELINE_POINTS points in .bss.  When they are all
 * used, every other point is dropped (the first one, at start-up, stays),
 * a dropped point's live_max is carried into the next kept one, and the
 * interval doubles: a long run keeps a picture of the whole run, one point
 * per interval_ms at most, and timeline_info says the interval in effect.
 *
 * Fork: the child starts a fresh timeline at the fork, with the live bytes
 * it inherited.
 */
#ifndef ALLOCSWAP_AS_TIMELINE_H
#define ALLOCSWAP_AS_TIMELINE_H

#include <stdint.h>

#include "as_json.h"
#include "as_options.h"
#include "as_sys.h"

#define AS_TIMELINE_POINTS 4096

struct as_timeline_point {
	int64_t t_ms;
	int64_t live;
	int64_t rss;      /* bytes, -1 when unknown */
	int64_t live_max; /* highest live count since the previous point */
};

/* Non-zero while a timeline is recorded: the only thing a fold tests
 * otherwise. */
extern int _as_timeline_on;

/* Starts recording at start_ns (CLOCK_MONOTONIC), one point per
 * interval_ms at most, and takes the first point (live bytes now: live). */
void _as_timeline_start(uint64_t start_ns, uint64_t interval_ms, int64_t live);
/* In a fork child: a fresh timeline from start_ns, if one was recorded. */
void _as_timeline_after_fork_child(uint64_t start_ns, int64_t live);

/* The fold's hook: live is the global count after the fold, high the
 * highest it may have reached during it. */
void _as_timeline_tick(uint64_t now_ns, int64_t live, int64_t high);
static inline void _as_timeline_fold(int64_t live, int64_t high)
{
	if (__builtin_expect(__atomic_load_n(&_as_timeline_on, __ATOMIC_RELAXED), 0))
		_as_timeline_tick(_as_now_ns(), live, high);
}

/* Takes the last point (at now_ns, with live bytes live), whatever the
 * interval; once.  The report writer calls it. */
void _as_timeline_finish(uint64_t now_ns, int64_t live);

/* Writes "timeline" and "timeline_info" into the report object being
 * written; when recording, takes the last point first (live: the live
 * bytes at exit).  opt says why there is no timeline when there is none. */
void _as_timeline_json(struct as_json *j, const struct as_options *opt, int64_t live);

/* For tests: the points so far (*n of them), the interval in effect and
 * the number of halvings. */
const struct as_timeline_point *_as_timeline_points(unsigned *n, uint64_t *interval_ms,
						    unsigned *halvings);
/* For tests: stops recording and forgets every point. */
void _as_timeline_reset_for_test(void);
/* For tests: the RSS column comes from fn instead of /proc/self/statm. */
void _as_timeline_set_rss_for_test(int64_t (*fn)(void));

#endif
