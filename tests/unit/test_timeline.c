/* as_timeline: points on a fake clock (the interval, the window maximum,
 * halving when the buffer is full, the last point), errno kept, several
 * threads at once on the real clock, /proc/self/statm, and the JSON. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as_timeline.h"
#include "harness.h"

#ifdef ALLOCSWAP_HAVE_JANSSON
#include <jansson.h>
#endif

#define MS 1000000ULL
#define T0 (5000 * MS) /* the fake clock's start-up */
#define N AS_TIMELINE_POINTS

static int64_t fake_rss(void)
{
	errno = EBADF; /* what a failed read would leave behind */
	return 7 << 20;
}

static void fresh(uint64_t interval_ms, int64_t live)
{
	_as_timeline_reset_for_test();
	_as_timeline_set_rss_for_test(fake_rss);
	_as_timeline_start(T0, interval_ms, live);
}

/* The points so far; their number, the interval in effect and the
 * halvings go to these: */
static unsigned n, halvings;
static uint64_t interval;

static const struct as_timeline_point *look(void)
{
	return _as_timeline_points(&n, &interval, &halvings);
}

static void test_interval(void)
{
	const struct as_timeline_point *p;
	fresh(10, 100);
	T_EQ(_as_timeline_on, 1);
	p = look();
	T_EQ(n, 1);
	T_EQ(p[0].t_ms, 0);
	T_EQ(p[0].live, 100);
	T_EQ(p[0].rss, 7 << 20);
	T_EQ(p[0].live_max, 100);
	/* not due: only the window's maximum moves */
	_as_timeline_tick(T0 + 5 * MS, 200, 300);
	_as_timeline_tick(T0 + 9 * MS, 150, 250);
	look();
	T_EQ(n, 1);
	/* due: the point has the fold's live bytes and the window's top */
	_as_timeline_tick(T0 + 10 * MS, 150, 150);
	p = look();
	T_EQ(n, 2);
	T_EQ(p[1].t_ms, 10);
	T_EQ(p[1].live, 150);
	T_EQ(p[1].live_max, 300);
	/* the next window starts at what was live at the point */
	_as_timeline_tick(T0 + 19 * MS, 90, 90);
	_as_timeline_tick(T0 + 25 * MS, 80, 80);
	p = look();
	T_EQ(n, 3);
	T_EQ(p[2].t_ms, 25);
	T_EQ(p[2].live, 80);
	T_EQ(p[2].live_max, 150);
	/* at least the interval since the last point, not a fixed grid */
	_as_timeline_tick(T0 + 34 * MS, 80, 80);
	look();
	T_EQ(n, 3);
	_as_timeline_tick(T0 + 35 * MS, 80, 80);
	look();
	T_EQ(n, 4);
	/* an older clock reading (a thread that read it before the last
	 * point was taken) adds nothing */
	_as_timeline_tick(T0 + 30 * MS, 80, 80);
	look();
	T_EQ(n, 4);
}

static void test_errno_kept(void)
{
	fresh(10, 0);
	errno = 1234;
	_as_timeline_tick(T0 + 10 * MS, 1, 1); /* takes a point; fake_rss sets errno */
	look();
	T_EQ(n, 2);
	T_EQ(errno, 1234);
	errno = 4321;
	_as_timeline_finish(T0 + 11 * MS, 0);
	T_EQ(errno, 4321);
}

/* Fill the buffer with one point every 10 ms (live = the point's index),
 * with a spike in the window of an odd point: the halving keeps points
 * 0, 2, 4... and carries the spike into the next kept point. */
static void test_halving(void)
{
	const struct as_timeline_point *p;
	unsigned i;
	fresh(10, 0);
	for (i = 1; i < N; i++) {
		if (i == 7)
			_as_timeline_tick(T0 + i * 10 * MS - MS, 5, 1000000); /* not due */
		if (i == N - 1)
			_as_timeline_tick(T0 + i * 10 * MS - MS, 5, 2000000);
		_as_timeline_tick(T0 + i * 10 * MS, i, i);
	}
	p = look();
	T_EQ(n, N);
	T_EQ(p[7].live_max, 1000000);
	T_EQ(p[N - 1].live_max, 2000000);
	T_EQ(halvings, 0);
	/* the last point, N - 1, is dropped: its spike goes to the point
	 * that comes next, whose window now starts at point N - 2 */
	_as_timeline_tick(T0 + (uint64_t)N * 10 * MS, N, N);
	p = look();
	T_EQ(halvings, 1);
	T_EQ(interval, 20);
	T_EQ(n, N / 2 + 1);
	T_EQ(p[0].t_ms, 0);
	for (i = 1; i < N / 2; i++) {
		if (p[i].t_ms != (int64_t)i * 20 || p[i].live != (int64_t)(2 * i))
			t_say("point %u: t %lld live %lld", i, (long long)p[i].t_ms,
			      (long long)p[i].live);
		T_CHECK(p[i].t_ms == (int64_t)i * 20 && p[i].live == (int64_t)(2 * i));
		if (i == 4)
			T_EQ(p[i].live_max, 1000000); /* from dropped point 7 */
		else
			T_EQ(p[i].live_max, 2 * i);
	}
	T_EQ(p[N / 2].t_ms, (int64_t)N * 10);
	T_EQ(p[N / 2].live_max, 2000000);
	/* the interval in effect is 20 ms now */
	_as_timeline_tick(T0 + (uint64_t)N * 10 * MS + 10 * MS, 1, 1);
	look();
	T_EQ(n, N / 2 + 1);
	_as_timeline_tick(T0 + (uint64_t)N * 10 * MS + 20 * MS, 1, 1);
	look();
	T_EQ(n, N / 2 + 2);
}

/* A long run: the buffer stays bounded, the interval keeps doubling,
 * timestamps stay increasing and the overall top is still there. */
static void test_long_run(void)
{
	const struct as_timeline_point *p;
	uint64_t now = T0, top = 0;
	unsigned i, ok = 1;
	int64_t best = 0;
	fresh(1, 0);
	for (i = 0; i < 5 * N; i++) {
		int64_t live = (int64_t)((i * 2654435761u) % 100000);
		now += MS;
		if (i == 3 * N + 17)
			top = 5000000;
		_as_timeline_tick(now, live, i == 3 * N + 17 ? (int64_t)top : live);
	}
	_as_timeline_finish(now + MS, 0);
	p = look();
	T_CHECK(n <= N);
	T_CHECK(n > N / 4);
	/* full after N points at 1 ms, N / 2 more at 2 ms, N / 2 more at 4 ms:
	 * at 4N ms the third halving, then 8 ms */
	T_EQ(halvings, 3);
	T_EQ(interval, 8);
	for (i = 0; i < n; i++) {
		if (i && p[i].t_ms <= p[i - 1].t_ms)
			ok = 0;
		if (p[i].live_max > best)
			best = p[i].live_max;
	}
	T_CHECK(ok);
	T_EQ(best, (int64_t)top);
	T_EQ(p[n - 1].live, 0);
}

static void test_finish(void)
{
	const struct as_timeline_point *p;
	fresh(10, 0);
	_as_timeline_tick(T0 + 10 * MS, 500, 800);
	/* the last point in the same millisecond replaces the one there */
	_as_timeline_finish(T0 + 10 * MS + MS / 2, 40);
	p = look();
	T_EQ(n, 2);
	T_EQ(p[1].t_ms, 10);
	T_EQ(p[1].live, 40);
	T_EQ(p[1].live_max, 800);
	/* once finished, nothing more is recorded */
	T_EQ(_as_timeline_on, 0);
	_as_timeline_tick(T0 + 100 * MS, 1, 1);
	_as_timeline_finish(T0 + 200 * MS, 1);
	look();
	T_EQ(n, 2);
	/* a timeline of 0 ms is no timeline */
	_as_timeline_reset_for_test();
	_as_timeline_start(T0, 0, 0);
	T_EQ(_as_timeline_on, 0);
	look();
	T_EQ(n, 0);
}

/* Threads folding at once on the real clock: one point per interval at
 * most, in order; the others never wait. */
static void *folder(void *arg)
{
	int64_t k;
	(void)arg;
	for (k = 0; k < 200000; k++)
		_as_timeline_fold(k, k + 1);
	return NULL;
}

static void test_threads(void)
{
	const struct as_timeline_point *p;
	pthread_t th[4];
	unsigned i, ok = 1;
	int64_t top;
	_as_timeline_reset_for_test();
	_as_timeline_set_rss_for_test(NULL); /* the real /proc/self/statm */
	_as_timeline_start(_as_now_ns(), 1, 0);
	for (i = 0; i < 4; i++)
		T_EQ(pthread_create(&th[i], NULL, folder, NULL), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	_as_timeline_finish(_as_now_ns(), 0);
	p = look();
	T_CHECK(n >= 2);
	for (i = 0; i < n; i++) {
		if ((i && p[i].t_ms <= p[i - 1].t_ms) || p[i].rss <= 0 ||
		    p[i].live_max < p[i].live)
			ok = 0;
	}
	T_CHECK(ok);
	/* every fold's top reached some window: k + 1 for the last k */
	for (i = 0, top = 0; i < n; i++)
		if (p[i].live_max > top)
			top = p[i].live_max;
	T_EQ(top, 200000);
	/* resident memory of this process: more than a page, less than 1 TiB */
	T_CHECK(p[0].rss > 4096 && p[0].rss < ((int64_t)1 << 40));
}

static char out[1 << 16];

static void test_json(void)
{
	struct as_options opt;
	struct as_json j;
	char err[128];
	T_EQ(_as_options_parse((const char *const[]){NULL}, &opt, err, sizeof err), 0);
	/* counters mode: no timeline, and why */
	_as_timeline_reset_for_test();
	_as_json_init_mem(&j, out, sizeof out);
	j.pretty = 0;
	_as_json_obj(&j, NULL);
	_as_timeline_json(&j, &opt, 0);
	_as_json_end_obj(&j);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(out, "\"timeline\":[]") != NULL);
	T_CHECK(strstr(out, "\"source\":\"none\"") != NULL);
	T_CHECK(strstr(out, "only with ALLOCSWAP_STATS=full") != NULL);
	opt.stats = AS_STATS_FULL;
	opt.timeline_ms = 0;
	_as_json_init_mem(&j, out, sizeof out);
	_as_json_obj(&j, NULL);
	_as_timeline_json(&j, &opt, 0);
	_as_json_end_obj(&j);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(out, "ALLOCSWAP_TIMELINE_MS=0 turns it off") != NULL);
	/* recording: the last point is taken by the writer */
	opt.timeline_ms = 10;
	fresh(10, 0);
	_as_timeline_tick(T0 + 10 * MS, 1000, 3000);
	_as_json_init_mem(&j, out, sizeof out);
	j.pretty = 0;
	_as_json_obj(&j, NULL);
	_as_timeline_json(&j, &opt, 2000);
	_as_json_end_obj(&j);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(out, "[10,1000,7340032,3000]") != NULL);
#ifdef ALLOCSWAP_HAVE_JANSSON
	{
		json_error_t e;
		json_t *r = json_loads(out, 0, &e), *t, *info, *last;
		T_CHECK(r != NULL);
		t = json_object_get(r, "timeline");
		info = json_object_get(r, "timeline_info");
		T_EQ(json_array_size(t), 3);
		last = json_array_get(t, 2);
		T_EQ(json_array_size(last), 4);
		T_EQ(json_integer_value(json_array_get(last, 1)), 2000);
		T_EQ(json_integer_value(json_array_get(last, 3)), 2000);
		T_STREQ(json_string_value(json_object_get(info, "source")), "fold");
		T_EQ(json_integer_value(json_object_get(info, "interval_ms")), 10);
		T_EQ(json_integer_value(json_object_get(info, "points")), 3);
		T_EQ(json_integer_value(json_object_get(info, "halvings")), 0);
		T_EQ(json_array_size(json_object_get(info, "columns")), 4);
		json_decref(r);
	}
#endif
}

int main(void)
{
	test_interval();
	test_errno_kept();
	test_halving();
	test_long_run();
	test_finish();
	test_threads();
	test_json();
	return t_done();
}
