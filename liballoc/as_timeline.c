/* as_timeline: live bytes and RSS over time.  No calls to malloc in this file. */
#include "as_timeline.h"

#include <errno.h>
#include <sched.h>
#include <sys/auxv.h>

int _as_timeline_on;

static struct {
	uint64_t start_ns;
	uint64_t base_ms;     /* ALLOCSWAP_TIMELINE_MS */
	uint64_t interval_ns; /* in effect: base_ms x 2^halvings */
	uint64_t next_ns;     /* no point before this; read without the lock */
	int64_t window_max;   /* highest live count since the last point */
	int lock;             /* try-lock: the fold path never waits for it */
	int started;          /* points were taken (_as_timeline_on: still are) */
	unsigned n, halvings;
	int64_t page_size;
	int64_t (*rss)(void); /* tests only; NULL: /proc/self/statm */
	char statm[128];
	struct as_timeline_point pt[AS_TIMELINE_POINTS];
} TL;

/* Resident bytes: the second field of /proc/self/statm (pages), or -1.
 * open/read/close each time rather than one descriptor kept open: the
 * program may close every descriptor it does not know, or reuse the
 * number, and a fork child would go on reading its parent's figures. */
static int64_t statm_rss(void)
{
	const char *s = TL.statm;
	int64_t pages = 0;
	if (_as_read_file("/proc/self/statm", TL.statm, sizeof TL.statm) <= 0)
		return -1;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s++ != ' ' || *s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9')
		pages = pages * 10 + (*s++ - '0');
	return pages * TL.page_size;
}

/* The buffer is full: keep the even points (the first one, taken at
 * start-up, among them) and double the interval.  A kept point's window
 * now also covers the dropped point before it, so it takes that one's
 * live_max too.  The last point is dropped: its live_max is returned for
 * the point about to be added, whose window now starts at point N - 2. */
static int64_t halve(void)
{
	int64_t carry = TL.pt[AS_TIMELINE_POINTS - 1].live_max;
	unsigned i;
	for (i = 1; i < AS_TIMELINE_POINTS / 2; i++) {
		struct as_timeline_point keep = TL.pt[2 * i];
		if (TL.pt[2 * i - 1].live_max > keep.live_max)
			keep.live_max = TL.pt[2 * i - 1].live_max;
		TL.pt[i] = keep;
	}
	TL.n = AS_TIMELINE_POINTS / 2;
	if (TL.interval_ns < UINT64_MAX / 4)
		TL.interval_ns *= 2;
	TL.halvings++;
	return carry;
}

static void add(uint64_t now_ns, int64_t live, int64_t rss, int64_t high)
{
	int64_t t_ms = now_ns > TL.start_ns ? (int64_t)((now_ns - TL.start_ns) / 1000000) : 0;
	struct as_timeline_point *last = TL.n ? &TL.pt[TL.n - 1] : NULL;
	if (high < live)
		high = live;
	if (last && t_ms <= last->t_ms) {
		/* the same millisecond as the last point (the point at exit,
		 * right after one from a fold): timestamps stay strictly
		 * increasing, the later figures win */
		last->live = live;
		last->rss = rss;
		if (high > last->live_max)
			last->live_max = high;
		return;
	}
	if (TL.n == AS_TIMELINE_POINTS) {
		int64_t carry = halve();
		if (carry > high)
			high = carry;
	}
	TL.pt[TL.n].t_ms = t_ms;
	TL.pt[TL.n].live = live;
	TL.pt[TL.n].rss = rss;
	TL.pt[TL.n].live_max = high;
	TL.n++;
}

/* Under the lock.  Reading statm may set errno, and this runs inside
 * malloc and free, which must leave it alone when they succeed. */
static void take(uint64_t now_ns, int64_t live)
{
	int saved = errno;
	int64_t rss = TL.rss ? TL.rss() : statm_rss();
	/* the next window starts at what is live now */
	int64_t high = __atomic_exchange_n(&TL.window_max, live, __ATOMIC_RELAXED);
	add(now_ns, live, rss, high);
	__atomic_store_n(&TL.next_ns, now_ns + TL.interval_ns, __ATOMIC_RELAXED);
	errno = saved;
}

void _as_timeline_start(uint64_t start_ns, uint64_t interval_ms, int64_t live)
{
	unsigned long pg = getauxval(AT_PAGESZ);
	if (!interval_ms)
		return;
	TL.page_size = pg ? (int64_t)pg : 4096;
	TL.start_ns = start_ns;
	TL.base_ms = interval_ms;
	TL.interval_ns = interval_ms * 1000000; /* at most 86400000 ms: no overflow */
	TL.n = TL.halvings = 0;
	TL.window_max = live;
	TL.lock = 0;
	TL.started = 1;
	take(start_ns, live);
	__atomic_store_n(&_as_timeline_on, 1, __ATOMIC_RELAXED);
}

void _as_timeline_after_fork_child(uint64_t start_ns, int64_t live)
{
	/* the only thread here; a lock held by another thread of the parent
	 * is reset by the restart */
	if (__atomic_load_n(&_as_timeline_on, __ATOMIC_RELAXED))
		_as_timeline_start(start_ns, TL.base_ms, live);
}

void _as_timeline_tick(uint64_t now_ns, int64_t live, int64_t high)
{
	int64_t m = __atomic_load_n(&TL.window_max, __ATOMIC_RELAXED);
	while (high > m && !__atomic_compare_exchange_n(&TL.window_max, &m, high, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	if (now_ns < __atomic_load_n(&TL.next_ns, __ATOMIC_RELAXED))
		return;
	/* another thread is taking a point (or this one, interrupted by a
	 * signal handler that allocates): it will do */
	if (__atomic_exchange_n(&TL.lock, 1, __ATOMIC_ACQUIRE))
		return;
	/* looked again under the lock: a thread that read the clock before
	 * another one took a point must not add an older point after it */
	if (__atomic_load_n(&_as_timeline_on, __ATOMIC_RELAXED) && now_ns >= TL.next_ns)
		take(now_ns, live);
	__atomic_store_n(&TL.lock, 0, __ATOMIC_RELEASE);
}

void _as_timeline_finish(uint64_t now_ns, int64_t live)
{
	int spins = 0;
	if (!__atomic_exchange_n(&_as_timeline_on, 0, __ATOMIC_RELAXED))
		return;
	/* A point being taken by another thread is done in microseconds.  If
	 * the lock stays taken, its holder is this very thread, interrupted
	 * by a handler that exits: keep the points there are. */
	while (__atomic_exchange_n(&TL.lock, 1, __ATOMIC_ACQUIRE)) {
		if (++spins == 1000)
			return;
		sched_yield();
	}
	take(now_ns, live);
	__atomic_store_n(&TL.lock, 0, __ATOMIC_RELEASE);
}

static const char *why_none(const struct as_options *opt)
{
	if (opt->stats != AS_STATS_FULL)
		return "recorded only with ALLOCSWAP_STATS=full (allocswap run --timeline samples "
		       "from outside in counters mode)";
	if (!opt->timeline_ms)
		return "ALLOCSWAP_TIMELINE_MS=0 turns it off";
	return "not started (no report is recorded in a secure-execution process)";
}

void _as_timeline_json(struct as_json *j, const struct as_options *opt, int64_t live)
{
	static const char *const columns[] = {"t_ms", "live_bytes", "rss_bytes", "live_max"};
	unsigned i;
	_as_timeline_finish(_as_now_ns(), live); /* once; nothing when not recording */
	_as_json_arr(j, "timeline");
	for (i = 0; TL.started && i < TL.n; i++) {
		const struct as_timeline_point *p = &TL.pt[i];
		_as_json_arr(j, NULL);
		_as_json_i64(j, NULL, p->t_ms);
		_as_json_i64(j, NULL, p->live);
		if (p->rss < 0)
			_as_json_null(j, NULL);
		else
			_as_json_i64(j, NULL, p->rss);
		_as_json_i64(j, NULL, p->live_max);
		_as_json_end_arr(j);
	}
	_as_json_end_arr(j);
	_as_json_obj(j, "timeline_info");
	if (TL.started) {
		_as_json_str(j, "source", "fold");
		_as_json_u64(j, "interval_ms", TL.interval_ns / 1000000);
		_as_json_u64(j, "requested_ms", TL.base_ms);
		_as_json_u64(j, "points", TL.n);
		_as_json_u64(j, "capacity", AS_TIMELINE_POINTS);
		_as_json_u64(j, "halvings", TL.halvings);
		_as_json_arr(j, "columns");
		for (i = 0; i < sizeof columns / sizeof columns[0]; i++)
			_as_json_str(j, NULL, columns[i]);
		_as_json_end_arr(j);
	} else {
		_as_json_str(j, "source", "none");
		_as_json_str(j, "reason", why_none(opt));
	}
	_as_json_end_obj(j);
}

const struct as_timeline_point *_as_timeline_points(unsigned *n, uint64_t *interval_ms,
						    unsigned *halvings)
{
	*n = TL.started ? TL.n : 0;
	*interval_ms = TL.interval_ns / 1000000;
	*halvings = TL.halvings;
	return TL.pt;
}

void _as_timeline_reset_for_test(void)
{
	__atomic_store_n(&_as_timeline_on, 0, __ATOMIC_RELAXED);
	TL.started = 0;
	TL.n = TL.halvings = 0;
	TL.next_ns = 0;
	TL.lock = 0;
}

void _as_timeline_set_rss_for_test(int64_t (*fn)(void))
{
	TL.rss = fn;
}
