/* as_sample: the maths without libm, the Poisson countdown's firing rate,
 * and the tables: estimates per stack, live blocks taken off by free, the
 * report's sampling object, the folded file. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_json.h"
#include "as_sample.h"
#include "harness.h"

static void test_ln(void)
{
	static const double xs[] = {1e-300, 1e-20, 1.1102230246251565e-16, 0.001, 0.25,
				    0.5, 0.999999, 1, 1.5, 2, 3, 10, 1e6, 1e300};
	size_t i;
	for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double want = log(xs[i]), got = _as_sample_ln(xs[i]);
		double err = fabs(got - want) / (fabs(want) > 1 ? fabs(want) : 1);
		if (err > 1e-13)
			t_say("ln(%g) = %.17g, libm %.17g", xs[i], got, want);
		T_CHECK(err <= 1e-13);
	}
}

static void test_p(void)
{
	static const double ns[] = {1, 16, 100, 1000, 4096, 65536, 100000, 524288, 1e6,
				    4e6, 3e7, 1e9};
	size_t i;
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		double want = -expm1(-ns[i] / 524288.0), got = _as_sample_p(ns[i], 524288);
		if (fabs(got - want) > 1e-12 * want)
			t_say("p(%g) = %.17g, libm %.17g", ns[i], got, want);
		T_CHECK(fabs(got - want) <= 1e-12 * want);
	}
	T_CHECK(_as_sample_p(1e12, 1) == 1);
}

/* The fast path's countdown, as in as_stats.c, over a stream of n-byte
 * allocations: the share sampled is p(n). */
static double firing_rate(size_t n, unsigned total)
{
	struct as_sample_tls s = {0, 0, 0};
	unsigned i, fired = 0;
	for (i = 0; i < total; i++) {
		s.left -= (int64_t)n;
		if (s.left < 0) {
			uint64_t seeded = s.rng;
			s.left = _as_sample_alloc(&s, NULL, n);
			fired += seeded != 0; /* the first call only seeds (rarely samples) */
		}
	}
	return (double)fired / total;
}

static void test_rate(void)
{
	static const size_t sizes[] = {64, 4096, 65536, 262144};
	size_t i;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned total = 400000;
		double want = _as_sample_p((double)sizes[i], 65536), got = firing_rate(sizes[i], total);
		/* four standard deviations of a binomial share */
		double sd = sqrt(want * (1 - want) / total);
		if (fabs(got - want) > 4 * sd)
			t_say("size %zu: sampled %.5f, want %.5f +- %.5f", sizes[i], got, want, 4 * sd);
		T_CHECK(fabs(got - want) <= 4 * sd);
	}
}

__attribute__((noinline)) static void one_site(struct as_sample_tls *s, void **blocks, unsigned n)
{
	unsigned i;
	for (i = 0; i < n; i++) {
		blocks[i] = malloc(8192);
		/* every block sampled: exact weights */
		s->left = _as_sample_alloc(s, blocks[i], 8192);
	}
}

static void test_tables(void)
{
	static char out[1 << 20];
	static void *blocks[64];
	struct as_sample_tls s = {0, 1, 0};
	struct as_json j;
	char folded[64], buf[4096];
	FILE *f;
	unsigned i;
	double w = 8192 / _as_sample_p(8192, 65536);

	if (!_as_sample_enabled()) {
		t_say("libunwind.so.8 not loadable here: table checks skipped");
		return;
	}
	one_site(&s, blocks, 64);
	for (i = 0; i < 48; i++) {
		T_CHECK(_as_sample_maybe(blocks[i]));
		_as_sample_free(blocks[i]);
		free(blocks[i]);
	}
	_as_json_init_mem(&j, out, sizeof out);
	_as_json_obj(&j, NULL);
	_as_sample_json(&j, 1);
	_as_json_end_obj(&j);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(out, "\"source\": \"libunwind\"") != NULL);
	T_CHECK(strstr(out, "\"samples\": 64") != NULL);
	T_CHECK(strstr(out, "\"live_samples\": 16") != NULL);
	T_CHECK(strstr(out, "\"reentrant\": 0") != NULL);
	snprintf(buf, sizeof buf, "\"bytes\": %llu", (unsigned long long)(64 * w + 0.5));
	T_CHECK(strstr(out, buf) != NULL);
	snprintf(buf, sizeof buf, "\"live_bytes\": %llu", (unsigned long long)(16 * w + 0.5));
	T_CHECK(strstr(out, buf) != NULL);
	if (!strstr(out, buf))
		t_say("%s", out);

	snprintf(folded, sizeof folded, "/tmp/as_unit_folded.%d", (int)getpid());
	T_EQ(_as_sample_write_folded(folded), 0);
	f = fopen(folded, "r");
	T_CHECK(f != NULL);
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = 0;
		fclose(f);
		/* one line, ending in the estimated bytes */
		snprintf(out, sizeof out, " %llu\n", (unsigned long long)(64 * w + 0.5));
		T_CHECK(n > strlen(out) && strcmp(buf + n - strlen(out), out) == 0);
		T_CHECK(strchr(buf, '\n') == buf + n - 1);
	}
	unlink(folded);
	for (i = 48; i < 64; i++) {
		_as_sample_free(blocks[i]);
		free(blocks[i]);
	}
}

int main(void)
{
	int on = _as_sample_init(65536);
	test_ln();
	test_p();
	test_rate();
	if (on)
		test_tables();
	else
		t_say("sampling off here (no libunwind.so.8): table checks skipped");
	return t_done();
}
