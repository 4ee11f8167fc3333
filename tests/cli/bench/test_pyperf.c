/* test_pyperf: bench_pyperf_runs on hand-written pyperf JSON (format "1.0"):
 * metadata at three levels, calibration runs skipped, inner_loops, and the
 * errors it must refuse with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"

struct seen {
	char name[32];
	size_t index, nvalues, nwarmups;
	double loops, first, warm0, duration, rss;
};

struct acc {
	struct seen s[16];
	size_t n;
};

static int collect(const struct bench_pyperf_run *r, void *arg)
{
	struct acc *a = arg;
	struct seen *s = &a->s[a->n++];
	snprintf(s->name, sizeof s->name, "%s", r->name);
	s->index = r->index;
	s->loops = r->loops;
	s->nvalues = json_array_size(r->values);
	s->nwarmups = json_array_size(r->warmups);
	s->first = json_number_value(json_array_get(r->values, 0));
	s->warm0 = s->nwarmups ? json_number_value(json_array_get(r->warmups, 0)) : -1;
	s->duration = r->duration;
	s->rss = r->mem_max_rss;
	return 0;
}

static int stop_at_two(const struct bench_pyperf_run *r, void *arg)
{
	(void)r;
	return ++*(int *)arg == 2 ? 42 : 0;
}

/* Runs the converter on text; returns its result, err gets the reason. */
static int convert(const char *text, struct acc *a, char *err, size_t cap)
{
	json_t *doc = json_loads(text, 0, NULL);
	int rc;
	memset(a, 0, sizeof *a);
	err[0] = 0;
	if (!doc)
		return -1;
	rc = bench_pyperf_runs(doc, collect, a, err, cap);
	json_decref(doc);
	return rc;
}

int main(int argc, char **argv)
{
	struct acc a;
	char err[256];
	json_t *doc;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test_pyperf pyperf_sample.json\n");
		return 2;
	}
	doc = json_load_file(argv[1], 0, NULL);
	T_CHECK(doc != NULL);
	memset(&a, 0, sizeof a);
	T_EQ(bench_pyperf_runs(doc, collect, &a, err, sizeof err), 0);
	/* the calibration run (no values) is skipped: 2 + 2 runs */
	T_EQ(a.n, 4);
	T_CHECK(!strcmp(a.s[0].name, "json_dumps"));
	T_EQ(a.s[0].index, 0);
	T_EQ(a.s[0].nvalues, 3);
	T_EQ(a.s[0].nwarmups, 1);
	T_CHECK(a.s[0].loops == 8);
	T_CHECK(a.s[0].first == 0.00191);
	T_CHECK(a.s[0].warm0 == 0.00195); /* warm-ups: the value of [loops, value] */
	T_CHECK(a.s[0].duration == 0.75);
	T_CHECK(a.s[0].rss == 14893056);
	T_EQ(a.s[1].index, 1);
	T_EQ(a.s[1].nvalues, 2);
	T_EQ(a.s[1].nwarmups, 0);
	T_CHECK(a.s[1].rss == -1);
	/* nbody: loops per run, inner_loops from the benchmark */
	T_CHECK(!strcmp(a.s[2].name, "nbody"));
	T_EQ(a.s[2].index, 0);
	T_CHECK(a.s[2].loops == 40);
	T_CHECK(a.s[2].duration == -1);
	T_EQ(a.s[3].index, 1);
	T_EQ(a.s[3].nvalues, 2);
	/* fn's non-zero stops the walk and is returned */
	T_EQ(bench_pyperf_runs(doc, stop_at_two, &n, err, sizeof err), 42);
	T_EQ(n, 2);
	json_decref(doc);

	/* one benchmark: pyperf puts even its name at the top */
	T_EQ(convert("{\"version\": \"1.0\", \"metadata\": {\"name\": \"solo\", \"loops\": 2},"
		     " \"benchmarks\": [{\"runs\": [{\"values\": [0.5]}]}]}",
		     &a, err, sizeof err),
	     0);
	T_EQ(a.n, 1);
	T_CHECK(!strcmp(a.s[0].name, "solo"));
	T_CHECK(a.s[0].loops == 2);

	/* what it refuses, with a reason */
	T_EQ(convert("{\"version\": 6, \"benchmarks\": []}", &a, err, sizeof err), EINVAL);
	T_CHECK(strstr(err, "version") != NULL);
	T_EQ(convert("{\"version\": \"1.0\"}", &a, err, sizeof err), EINVAL);
	T_CHECK(strstr(err, "benchmarks") != NULL);
	T_EQ(convert("{\"version\": \"1.0\", \"benchmarks\": [{\"runs\": [{\"values\": [1]}]}]}", &a,
		     err, sizeof err),
	     EINVAL);
	T_CHECK(strstr(err, "name") != NULL);
	T_EQ(convert("{\"version\": \"1.0\", \"metadata\": {\"name\": \"m\", \"unit\": \"byte\"},"
		     " \"benchmarks\": [{\"runs\": [{\"values\": [1]}]}]}",
		     &a, err, sizeof err),
	     EINVAL);
	T_CHECK(strstr(err, "unit 'byte'") != NULL);
	T_EQ(convert("{\"version\": \"1.0\", \"metadata\": {\"name\": \"m\"},"
		     " \"benchmarks\": [{\"runs\": [{\"values\": [\"x\"]}]}]}",
		     &a, err, sizeof err),
	     EINVAL);
	T_EQ(convert("{\"version\": \"1.0\", \"metadata\": {\"name\": \"m\"},"
		     " \"benchmarks\": [{\"runs\": [{\"values\": [1], \"warmups\": [3]}]}]}",
		     &a, err, sizeof err),
	     EINVAL);
	T_CHECK(strstr(err, "warm-up") != NULL);
	T_EQ(convert("{\"version\": \"1.0\", \"benchmarks\": [{\"metadata\": {\"name\": \"m\"}}]}",
		     &a, err, sizeof err),
	     EINVAL);
	T_CHECK(strstr(err, "runs") != NULL);
	return t_done();
}
