/* Keeps the statistics of tools/report/stats.c honest on synthetic data:
 * thousands of datasets whose truth is known, drawn with fixed seeds (the
 * same numbers on every run and every machine), under ASan/UBSan in under
 * 2 s.  Each check prints its rate, so a change that moves one shows by how
 * much.
 *
 * Two distributions of a process's mean time, both with a true time of 1:
 * - normal: 1 + 0.05 N(0, 1);
 * - noisy neighbour: 1 + 0.05 Exp(1), one-sided and heavy-tailed: a process
 *   is only ever slowed down, now and then by much more than the spread.
 * n, the processes per cell, goes over 3..10 (bench --quick is 3).
 *
 * What must hold (R = 2000 datasets per check):
 * - A/A: Welch's t-test and the log-ratio test of `compare` (as_stats_ratio
 *   + as_stats_ratio_p) reject at a rate near 5%: within the binomial
 *   99.9% band of 5% over R (z = 3.29: 68..132 of 2000) for the normal, and
 *   at most its top for the noisy neighbour (the t-test there is
 *   conservative, never anti-conservative, with equal n);
 * - A/A over 8 benchmarks: Holm keeps the family-wise rate (any row
 *   significant) at most 5%, up to the same band's top;
 * - within one run, the 95% CI of the geometric mean covers the true
 *   geometric mean at least 95% of the time, down to the band's bottom,
 *   for an A/A and for true ratios spread over 0.8x..1.15x (it is wider than
 *   that on purpose, as_stats_geomean: the union with the spread between
 *   benchmarks);
 * - two runs made at different times, run B slower by a drift common to
 *   every benchmark: the plain geometric-mean CI calls a drift of 7% (the
 *   A/A of issue 9) significant most of the time, while the rule of
 *   `compare` calls it significant at most 2.5% of the time (one tail,
 *   binomial band 50 +- 23 of 2000) even at the full drift allowance,
 *   with every row as well; taken relative to a reference configuration
 *   that both runs hold, the same drift cancels (95% coverage again) and a
 *   real 1.2x of one configuration is still found.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "stats.h"

#define R 2000
#define NMIN 3
#define NMAX 10
#define K 8 /* benchmarks per dataset */
#define NOISE 0.05

/* The binomial band: count of R draws at rate p, z standard deviations. */
#define BAND(p, z) ((z) * sqrt(R * (p) * (1 - (p))))
#define Z999 3.29

/* xorshift64*: small, seedable, the same everywhere. */
static uint64_t rng;

static void seed(uint64_t s)
{
	rng = s * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (!rng)
		rng = 1;
}

static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((double)((rng * 0x2545f4914f6cdd1dULL) >> 11) + 0.5) / 9007199254740992.0;
}

enum dist { NORMAL, NOISY, NDIST };
static const char *const dist_name[NDIST] = {"normal", "noisy neighbour"};

/* n per-process means of a cell whose true time is t. */
static void draw(enum dist d, double t, double *x, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		double e = d == NORMAL
				   ? sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform())
				   : -log(uniform());
		x[i] = t * (1 + NOISE * e);
	}
}

/* n for dataset s: 3..10 in turn. */
static size_t n_of(unsigned s)
{
	return NMIN + s % (NMAX - NMIN + 1);
}

static void report(const char *what, enum dist d, unsigned hits, double expect)
{
	t_say("  %-44s %-16s %4u of %d (%.1f%%; nominal %.1f%%)", what, dist_name[d], hits, R,
	      100.0 * hits / R, 100 * expect);
}

/* ---- one benchmark, A/A -------------------------------------------------------------- */

static void aa_tests(void)
{
	enum dist d;
	for (d = 0; d < NDIST; d++) {
		unsigned s, welch = 0, logr = 0;
		for (s = 0; s < R; s++) {
			double a[NMAX], b[NMAX];
			size_t n = n_of(s);
			struct as_test w;
			struct as_ratio r;
			seed(1000 + s + 100000 * d);
			draw(d, 1, a, n);
			draw(d, 1, b, n);
			T_EQ(as_stats_welch(a, n, b, n, &w), 0);
			T_EQ(as_stats_ratio(a, n, b, n, &r), 0);
			welch += w.p < 0.05;
			logr += as_stats_ratio_p(&r, 0) < 0.05;
		}
		report("A/A Welch, p < 0.05", d, welch, 0.05);
		report("A/A log-ratio test, p < 0.05", d, logr, 0.05);
		T_CHECK(welch <= R * 0.05 + BAND(0.05, Z999));
		T_CHECK(logr <= R * 0.05 + BAND(0.05, Z999));
		if (d == NORMAL) {
			T_CHECK(welch >= R * 0.05 - BAND(0.05, Z999));
			T_CHECK(logr >= R * 0.05 - BAND(0.05, Z999));
		}
	}
}

/* ---- K benchmarks ------------------------------------------------------------------------ */

/* A dataset of K benchmarks, true times 1..K ms, B's scaled by f[b]: the
 * ratios, and the Welch p-values. */
static void dataset(enum dist d, unsigned s, const double *f, struct as_ratio *r, double *p)
{
	size_t n = n_of(s), b;
	for (b = 0; b < K; b++) {
		double x[NMAX], y[NMAX];
		struct as_test w;
		draw(d, 0.001 * (double)(b + 1), x, n);
		draw(d, 0.001 * (double)(b + 1) * f[b], y, n);
		T_EQ(as_stats_ratio(x, n, y, n, &r[b]), 0);
		if (p) {
			as_stats_welch(x, n, y, n, &w);
			p[b] = w.p;
		}
	}
}

static int covers(const struct as_geomean *g, double truth)
{
	return g->ci_lo <= truth && truth <= g->ci_hi;
}

static void within_run(void)
{
	enum dist d;
	for (d = 0; d < NDIST; d++) {
		unsigned s, fam = 0, cov = 0, cov_spread = 0;
		for (s = 0; s < R; s++) {
			double one[K], spread[K], p[K], adj[K], truth = 0;
			struct as_ratio r[K];
			struct as_geomean g;
			size_t b;
			int any = 0;
			for (b = 0; b < K; b++) {
				one[b] = 1;
				spread[b] = 0.8 + 0.05 * (double)b; /* 0.8 .. 1.15 */
				truth -= log(spread[b]) / K;
			}
			seed(5000 + s + 100000 * d);
			dataset(d, s, one, r, p);
			T_EQ(as_stats_holm(p, adj, K), 0);
			for (b = 0; b < K; b++)
				any |= adj[b] < 0.05;
			fam += any;
			as_stats_geomean(r, K, &g);
			cov += covers(&g, 1);
			dataset(d, s, spread, r, NULL);
			as_stats_geomean(r, K, &g);
			cov_spread += covers(&g, exp(truth));
		}
		report("A/A, 8 benchmarks: any Holm-adjusted p < 0.05", d, fam, 0.05);
		report("geomean 95% CI covers 1 (A/A)", d, cov, 0.95);
		report("geomean 95% CI covers the truth (0.8x..1.15x)", d, cov_spread, 0.95);
		T_CHECK(fam <= R * 0.05 + BAND(0.05, Z999));
		T_CHECK(cov >= R * 0.95 - BAND(0.05, Z999));
		T_CHECK(cov_spread >= R * 0.95 - BAND(0.05, Z999));
	}
}

/* ---- two runs, not interleaved ------------------------------------------------------------- */

/* Run B slower by `drift` on every benchmark.  plain: the geometric mean's
 * CI significant as if the runs were one; rule: the same widened by the
 * default allowance (as compare does without a reference); rows: any
 * Holm-adjusted row beyond the allowance. */
static void drift_tests(void)
{
	const double log_drift = log1p(AS_STATS_DRIFT);
	const double drifts[] = {1.07, 1 + AS_STATS_DRIFT};
	enum dist d;
	size_t i;
	for (d = 0; d < NDIST; d++)
		for (i = 0; i < sizeof drifts / sizeof drifts[0]; i++) {
			unsigned s, plain = 0, rule = 0, rows = 0;
			for (s = 0; s < R; s++) {
				double f[K], p[K], adj[K], lo, hi;
				struct as_ratio r[K];
				struct as_geomean g;
				size_t b;
				int any = 0;
				for (b = 0; b < K; b++)
					f[b] = drifts[i];
				seed(9000 + s + 100000 * d + 10000 * i);
				dataset(d, s, f, r, NULL);
				as_stats_geomean(r, K, &g);
				plain += g.ci_lo > 1 || g.ci_hi < 1;
				lo = g.ci_lo;
				hi = g.ci_hi;
				as_stats_widen(log_drift, &lo, &hi);
				rule += lo > 1 || hi < 1;
				for (b = 0; b < K; b++)
					p[b] = as_stats_ratio_p(&r[b], log_drift);
				as_stats_holm(p, adj, K);
				for (b = 0; b < K; b++)
					any |= adj[b] < 0.05;
				rows += any;
			}
			t_say("  drift %.2fx between runs:", drifts[i]);
			report("plain geomean CI significant", d, plain, 0);
			report("geomean CI + allowance significant", d, rule, 0.025);
			report("any row significant beyond the allowance", d, rows, 0.025);
			T_CHECK(rule <= R * 0.025 + BAND(0.025, Z999));
			T_CHECK(rows <= R * 0.025 + BAND(0.025, Z999));
			if (i == 0)
				T_CHECK(plain > R / 2);
		}
}

/* Both runs hold a reference configuration (the baseline) and X; run B
 * drifted by 1.11x on both, and X there also `effect` times slower (1: no
 * change, 1.2: a real one).  X's ratio relative to each run's reference:
 * rel; and with run A's X being the reference itself (only run B counts):
 * self. */
static void reference_tests(void)
{
	const double effect[2] = {1, 1.2};
	enum dist d;
	size_t i;
	for (d = 0; d < NDIST; d++) {
		unsigned s, sig[2] = {0, 0}, cov[2] = {0, 0}, self = 0;
		for (s = 0; s < R; s++) {
			double one[K];
			struct as_ratio ra[K], rel[2][K], selfrel[K];
			struct as_geomean g;
			size_t n = n_of(s), b;
			for (b = 0; b < K; b++)
				one[b] = 1;
			seed(40000 + s + 100000 * d);
			dataset(d, s, one, ra, NULL); /* run A: reference against X */
			for (b = 0; b < K; b++) {
				double t = 0.001 * (double)(b + 1) * (1 + AS_STATS_DRIFT);
				double ref[NMAX], x[NMAX];
				struct as_ratio rb;
				draw(d, t, ref, n);
				for (i = 0; i < 2; i++) {
					draw(d, t * effect[i], x, n);
					T_EQ(as_stats_ratio(ref, n, x, n, &rb), 0);
					T_EQ(as_stats_ratio_rel(&ra[b], &rb, &rel[i][b]), 0);
					if (i == 0)
						T_EQ(as_stats_ratio_rel(NULL, &rb, &selfrel[b]), 0);
				}
			}
			for (i = 0; i < 2; i++) {
				as_stats_geomean(rel[i], K, &g);
				sig[i] += g.ci_lo > 1 || g.ci_hi < 1;
				cov[i] += covers(&g, 1 / effect[i]);
			}
			as_stats_geomean(selfrel, K, &g);
			self += covers(&g, 1);
		}
		t_say("  relative to a reference both runs hold, run B drifted 1.11x:");
		report("X unchanged: geomean significant", d, sig[0], 0.05);
		report("X unchanged: geomean CI covers 1", d, cov[0], 0.95);
		report("X unchanged, A the reference: covers 1", d, self, 0.95);
		report("X 1.2x slower in run B: found", d, sig[1], 1);
		report("X 1.2x slower in run B: CI covers 1/1.2", d, cov[1], 0.95);
		T_CHECK(sig[0] <= R * 0.05 + BAND(0.05, Z999));
		T_CHECK(cov[0] >= R * 0.95 - BAND(0.05, Z999));
		T_CHECK(self >= R * 0.95 - BAND(0.05, Z999));
		T_CHECK(sig[1] >= R * 0.99);
		T_CHECK(cov[1] >= R * 0.95 - BAND(0.05, Z999));
	}
}

/* The rule's edges, exactly. */
static void edges(void)
{
	struct as_ratio a = {1.25, 1.2, 1.3, log(1.25), 0.0004, 7}, b = a, r;
	double lo = 0.5, hi = 2;
	T_CHECK(as_stats_ratio_p(&a, log(1.25)) == 1);
	T_CHECK(as_stats_ratio_p(&a, log(1.30)) == 1);
	T_CHECK(fabs(as_stats_ratio_p(&a, 0) -
		     2 * as_stats_t_cdf(-log(1.25) / sqrt(0.0004), 7)) < 1e-15);
	/* p < 0.05 exactly when the widened CI excludes 1 */
	{
		double q = as_stats_t_quantile(0.975, 7) * 0.02, l = log(1.1);
		struct as_ratio at = {0, 0, 0, l + q, 0.0004, 7};
		at.ratio = exp(at.log_ratio);
		T_CHECK(fabs(as_stats_ratio_p(&at, l) - 0.05) < 1e-9);
	}
	b.log_var = 0;
	T_CHECK(as_stats_ratio_p(&b, 0.1) == 0 && as_stats_ratio_p(&b, 0.3) == 1);
	/* the ratio of ratios: logs subtract, variances add, df by W-S */
	b = a;
	b.log_ratio = log(1.5);
	b.log_var = 0.0002;
	b.log_df = 4;
	T_EQ(as_stats_ratio_rel(&a, &b, &r), 0);
	T_CHECK(fabs(r.ratio - 1.2) < 1e-12 && fabs(r.log_var - 0.0006) < 1e-18);
	T_CHECK(fabs(r.log_df - 0.0006 * 0.0006 / (0.0004 * 0.0004 / 7 + 0.0002 * 0.0002 / 4)) <
		1e-9);
	T_CHECK(r.ci_lo < 1.2 && r.ci_hi > 1.2);
	T_EQ(as_stats_ratio_rel(NULL, &b, &r), 0);
	T_CHECK(fabs(r.ratio - 1.5) < 1e-12 && r.log_df == 4);
	T_EQ(as_stats_ratio_rel(&a, NULL, &r), 0);
	T_CHECK(fabs(r.ratio - 0.8) < 1e-12);
	T_EQ(as_stats_ratio_rel(NULL, NULL, &r), EINVAL);
	b.log_var = NAN;
	T_EQ(as_stats_ratio_rel(&a, &b, &r), EINVAL);
	T_CHECK(isnan(r.ratio));
	as_stats_widen(log(1.1), &lo, &hi);
	T_CHECK(fabs(lo - 0.5 / 1.1) < 1e-15 && fabs(hi - 2.2) < 1e-15);
}

int main(void)
{
	edges();
	aa_tests();
	within_run();
	drift_tests();
	reference_tests();
	return t_done();
}
