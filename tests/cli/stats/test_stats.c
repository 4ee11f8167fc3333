/* Unit tests of tools/report/stats.c against values known exactly or published.
 *
 * Sources of the expected values:
 * - closed forms: I_x(1, b) = 1 - (1-x)^b, I_x(a, 1) = x^a, I_1/2(a, a) = 1/2,
 *   the t CDF with 1 df (Cauchy, 1/2 + atan(t)/pi) and 2 df
 *   (1/2 + t / (2 sqrt(2 + t^2)));
 * - Student t quantiles as in every table (and to 20 digits with mpmath);
 * - Welch's t-test: the two worked examples of the Wikipedia article
 *   "Welch's t-test" (t = -2.46, df = 24.99, p = 0.021; t = -1.57,
 *   df = 9.90, p = 0.149), to more digits with mpmath;
 * - Mann-Whitney exact p-values: counting arrangements by hand
 *   (3 vs 3, U = 0: 2/20; 4 vs 4: 2/70; 5 vs 5, U = 2: 2 * 4/252);
 * - Holm and Benjamini-Hochberg by hand.
 */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "stats.h"

#define T_NEAR(a, b, tol)                                                                  \
	do {                                                                               \
		double t_a_ = (a), t_b_ = (b);                                             \
		t_checks++;                                                                \
		if (!(fabs(t_a_ - t_b_) <= (tol))) {                                       \
			t_failed++;                                                        \
			t_say("%s:%d: FAIL: %s ~ %s (%.17g != %.17g)", __FILE__, __LINE__, \
			      #a, #b, t_a_, t_b_);                                         \
		}                                                                          \
	} while (0)

#define N(x) (sizeof(x) / sizeof(x)[0])

static void describe(void)
{
	static const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
	static const double odd[] = {3, 1, 2};
	struct as_describe d;
	T_EQ(as_stats_describe(x, N(x), &d), 0);
	T_NEAR(d.mean, 5, 1e-15);
	T_NEAR(d.std, sqrt(32.0 / 7), 1e-15);
	T_NEAR(d.median, 4.5, 0);
	T_NEAR(d.min, 2, 0);
	T_NEAR(d.max, 9, 0);
	/* 5 +- t(0.975, 7) * sqrt(32/7) / sqrt(8), t(0.975, 7) = 2.3646242515927849 */
	T_NEAR(d.ci_lo, 5 - 2.3646242515927849 * sqrt(32.0 / 7) / sqrt(8.0), 1e-12);
	T_NEAR(d.ci_hi, 5 + 2.3646242515927849 * sqrt(32.0 / 7) / sqrt(8.0), 1e-12);
	T_NEAR(as_stats_median(odd, 3), 2, 0);
	T_EQ(as_stats_describe(odd, 1, &d), 0);
	T_CHECK(d.n == 1 && d.mean == 3 && isnan(d.std) && isnan(d.ci_lo));
	T_EQ(as_stats_describe(odd, 0, &d), EINVAL);
	T_CHECK(isnan(as_stats_std(odd, 1)));
}

static void betai(void)
{
	double x;
	for (x = 0.05; x < 1; x += 0.1) {
		T_NEAR(as_stats_betai(1, 3.5, x), 1 - pow(1 - x, 3.5), 1e-14);
		T_NEAR(as_stats_betai(2.5, 1, x), pow(x, 2.5), 1e-14);
		/* I_x(2, 2) = 3x^2 - 2x^3 */
		T_NEAR(as_stats_betai(2, 2, x), 3 * x * x - 2 * x * x * x, 1e-14);
	}
	T_NEAR(as_stats_betai(7, 7, 0.5), 0.5, 1e-14);
	T_NEAR(as_stats_betai(123.5, 123.5, 0.5), 0.5, 1e-12);
	/* mpmath.betainc(a, b, 0, x, regularized=True) */
	T_NEAR(as_stats_betai(2.5, 3.5, 0.3), 0.29675298929566637832, 1e-14);
	T_NEAR(as_stats_betai(0.5, 0.5, 0.1), 0.20483276469913345754, 1e-14);
	T_NEAR(as_stats_betai(50, 60, 0.5), 0.83090729390166941434, 1e-13);
	T_NEAR(as_stats_betai(500, 0.5, 0.999), 0.31731044730971715469, 1e-12);
	T_NEAR(as_stats_betai(3, 4, 0), 0, 0);
	T_NEAR(as_stats_betai(3, 4, 1), 1, 0);
	T_CHECK(isnan(as_stats_betai(0, 4, 0.5)));
	T_CHECK(isnan(as_stats_betai(3, 4, 1.5)));
}

static void student_t(void)
{
	static const struct {
		double df, q975;
	} tab[] = {
		{1, 12.706204736174704646}, {2, 4.3026527297494638523}, {3, 3.1824463052837095927},
		{4, 2.7764451051977943578}, {5, 2.5705818356363155147}, {10, 2.2281388519862747484},
		{30, 2.04227245630123831},  {100, 1.9839715185235522866},
		{1000, 1.962339080826408485},
	};
	double t;
	size_t i;
	for (i = 0; i < N(tab); i++) {
		T_NEAR(as_stats_t_quantile(0.975, tab[i].df), tab[i].q975, 1e-9 * tab[i].q975);
		T_NEAR(as_stats_t_quantile(0.025, tab[i].df), -tab[i].q975, 1e-9 * tab[i].q975);
		T_NEAR(as_stats_t_cdf(tab[i].q975, tab[i].df), 0.975, 1e-13);
	}
	/* the values the brief names, to the digits it gives */
	T_NEAR(as_stats_t_quantile(0.975, 10), 2.228138852, 5e-10);
	T_NEAR(as_stats_t_quantile(0.975, 1), 12.70620474, 5e-9);
	T_NEAR(as_stats_t_quantile(0.975, 30), 2.042272456, 5e-10);
	T_NEAR(as_stats_t_quantile(0.995, 3), 5.8409093097333572607, 1e-9);
	T_NEAR(as_stats_t_quantile(0.5, 3), 0, 0);
	/* large df: the normal quantile 1.959963984540054 */
	T_NEAR(as_stats_t_quantile(0.975, 1e9), 1.959963984540054, 1e-9);
	T_NEAR(as_stats_t_quantile(0.975, INFINITY), 1.959963984540054, 1e-9);
	for (t = -30; t <= 30; t += 0.7) {
		T_NEAR(as_stats_t_cdf(t, 1), 0.5 + atan(t) / M_PI, 1e-14);
		T_NEAR(as_stats_t_cdf(t, 2), 0.5 + t / (2 * sqrt(2 + t * t)), 1e-14);
	}
	T_NEAR(as_stats_t_cdf(0, 7.3), 0.5, 1e-15);
	T_NEAR(as_stats_normal_cdf(1.959963984540054), 0.975, 1e-15);
	T_CHECK(isnan(as_stats_t_quantile(1, 3)));
	T_CHECK(isnan(as_stats_t_quantile(0.9, 0)));
}

static void welch(void)
{
	static const double a1[] = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
				    21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
	static const double a2[] = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
				    24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
	static const double b1[] = {17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8};
	static const double b2[] = {21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8,
				    20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8};
	static const double same[] = {1, 1, 1}, other[] = {2, 2, 2};
	struct as_test r;
	T_EQ(as_stats_welch(a1, N(a1), a2, N(a2), &r), 0);
	T_NEAR(r.stat, -2.4553563982860044866, 1e-12);
	T_NEAR(r.df, 24.988529290231414394, 1e-10);
	T_NEAR(r.p, 0.021378001462867059915, 1e-12);
	T_EQ(as_stats_welch(b1, N(b1), b2, N(b2), &r), 0);
	T_NEAR(r.stat, -1.5654335235985055256, 1e-12);
	T_NEAR(r.df, 9.9047412486508292464, 1e-10);
	T_NEAR(r.p, 0.14884169660532791087, 1e-12);
	/* symmetric in the sign of t, not in p */
	T_EQ(as_stats_welch(b2, N(b2), b1, N(b1), &r), 0);
	T_NEAR(r.stat, 1.5654335235985055256, 1e-12);
	T_NEAR(r.p, 0.14884169660532791087, 1e-12);
	/* an A/A comparison of a sample with itself: t = 0, p = 1 */
	T_EQ(as_stats_welch(a1, N(a1), a1, N(a1), &r), 0);
	T_NEAR(r.stat, 0, 0);
	T_NEAR(r.p, 1, 1e-15);
	/* no spread */
	T_EQ(as_stats_welch(same, 3, same, 3, &r), 0);
	T_NEAR(r.p, 1, 0);
	T_EQ(as_stats_welch(same, 3, other, 3, &r), 0);
	T_NEAR(r.p, 0, 0);
	T_EQ(as_stats_welch(a1, 1, a2, N(a2), &r), EINVAL);
	T_CHECK(isnan(r.p));
}

static void mann_whitney(void)
{
	static const double lo3[] = {1, 2, 3}, hi3[] = {4, 5, 6};
	static const double lo4[] = {1, 2, 3, 4}, hi4[] = {5, 6, 7, 8};
	/* 5 vs 5 with U = 2: a = {1,2,4,8,9}... built so that exactly 2 pairs
	 * have a > b */
	static const double a5[] = {1, 2, 3, 4, 7}, b5[] = {5, 6, 8, 9, 10};
	static const double big_a[] = {1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9, 10.1, 11.1, 12.2},
			    big_b[] = {3.05, 4.05, 5.05, 6.05, 7.05, 8.05, 9.05, 10.05, 11.05, 12.05,
				       13.05, 14.05};
	static const double ta[] = {1, 2, 2, 3, 4}, tb[] = {2, 3, 3, 5, 6, 7};
	struct as_test r;
	T_EQ(as_stats_mann_whitney(lo3, 3, hi3, 3, &r), 0);
	T_NEAR(r.stat, 0, 0);
	T_NEAR(r.p, 2.0 / 20, 1e-15);
	T_EQ(as_stats_mann_whitney(hi3, 3, lo3, 3, &r), 0);
	T_NEAR(r.stat, 9, 0);
	T_NEAR(r.p, 2.0 / 20, 1e-15);
	T_EQ(as_stats_mann_whitney(lo4, 4, hi4, 4, &r), 0);
	T_NEAR(r.p, 2.0 / 70, 1e-15);
	/* U = 2 for 5 vs 5: arrangements with U <= 2 are 1 + 1 + 2 of 252 */
	T_EQ(as_stats_mann_whitney(a5, 5, b5, 5, &r), 0);
	T_NEAR(r.stat, 2, 0);
	T_NEAR(r.p, 8.0 / 252, 1e-15);
	/* the same sample twice, every value tied with its copy: p = 1 */
	T_EQ(as_stats_mann_whitney(a5, 5, a5, 5, &r), 0);
	T_NEAR(r.stat, 12.5, 0);
	T_NEAR(r.p, 1, 1e-15);
	/* 12 vs 12, U = 55: exact p = 2 P(U <= 55), the coefficients of the
	 * Gaussian binomial [24 choose 12] counted with Python integers */
	T_EQ(as_stats_mann_whitney(big_a, N(big_a), big_b, N(big_b), &r), 0);
	T_NEAR(r.stat, 55, 0);
	T_NEAR(r.p, 0.34735791869995664, 1e-14);
	/* ties: normal approximation with tie and continuity corrections.
	 * Ranks: 1, 2,2,2 -> 3, 3,3,3 -> 6, 4 -> 8, 5 -> 9 ...; by hand:
	 * ra = 1 + 3 + 3 + 6 + 8 = 21, U = 21 - 15 = 6, mu = 15,
	 * ties: groups of 3 and 3 -> 2 * 24 = 48,
	 * var = 30/12 * (12 - 48/110) = 28.9090909..., z = (9 - 0.5)/sqrt(var) */
	T_EQ(as_stats_mann_whitney(ta, N(ta), tb, N(tb), &r), 0);
	T_NEAR(r.stat, 6, 0);
	T_NEAR(r.p, erfc(8.5 / sqrt(2.5 * (12 - 48.0 / 110)) / sqrt(2.0)), 1e-15);
	T_EQ(as_stats_mann_whitney(ta, 0, tb, 3, &r), EINVAL);
}

static void adjust(void)
{
	static const double p[] = {0.01, 0.04, 0.03, 0.005, NAN};
	double adj[5];
	T_EQ(as_stats_holm(p, adj, 5), 0);
	T_NEAR(adj[0], 0.03, 1e-15);
	T_NEAR(adj[1], 0.06, 1e-15);
	T_NEAR(adj[2], 0.06, 1e-15);
	T_NEAR(adj[3], 0.02, 1e-15);
	T_CHECK(isnan(adj[4]));
	T_EQ(as_stats_bh(p, adj, 5), 0);
	T_NEAR(adj[0], 0.02, 1e-15);
	T_NEAR(adj[1], 0.04, 1e-15);
	T_NEAR(adj[2], 0.04, 1e-15);
	T_NEAR(adj[3], 0.02, 1e-15);
	T_CHECK(isnan(adj[4]));
	{
		double q[] = {0.5, 0.9};
		T_EQ(as_stats_holm(q, q, 2), 0); /* in place; capped at 1 */
		T_NEAR(q[0], 1, 0);
		T_NEAR(q[1], 1, 0);
	}
	T_EQ(as_stats_holm(p, adj, 0), 0);
}

static void ratios(void)
{
	static const double base[] = {0.010, 0.011, 0.009, 0.010}; /* mean 0.010 */
	static const double slow[] = {0.015, 0.0155, 0.0145, 0.015}; /* mean 0.015 */
	struct as_ratio r[3];
	struct as_geomean g;
	double c1, c2, v, df;
	T_EQ(as_stats_ratio(base, 4, slow, 4, &r[0]), 0);
	T_NEAR(r[0].ratio, 0.010 / 0.015, 1e-15);
	T_NEAR(r[0].log_ratio, log(0.010 / 0.015), 1e-15);
	/* delta method: var(base) = 2e-6/3, var(slow) = 0.5e-6/3 */
	c1 = 2e-6 / 3 / (4 * 1e-4);
	c2 = 0.5e-6 / 3 / (4 * 2.25e-4);
	v = c1 + c2;
	df = v * v / (c1 * c1 / 3 + c2 * c2 / 3);
	T_NEAR(r[0].log_var, v, 1e-15);
	T_NEAR(r[0].log_df, df, 1e-9);
	T_NEAR(r[0].ci_lo, exp(log(0.010 / 0.015) - as_stats_t_quantile(0.975, df) * sqrt(v)), 1e-12);
	T_CHECK(r[0].ci_lo < r[0].ratio && r[0].ratio < r[0].ci_hi && r[0].ci_hi < 1);
	T_EQ(as_stats_ratio(base, 1, slow, 4, &r[1]), EINVAL);

	/* one benchmark: the geometric mean is its ratio, with its CI */
	T_EQ(as_stats_geomean(r, 1, &g), 0);
	T_NEAR(g.ratio, r[0].ratio, 1e-15);
	T_NEAR(g.ci_lo, r[0].ci_lo, 1e-12);
	T_NEAR(g.ci_hi, r[0].ci_hi, 1e-12);
	/* three benchmarks of ratio 2/3, 2/3 and 2/3 * 1.1: exp of the mean log,
	 * and a CI at least as wide as the spread between benchmarks gives */
	r[1] = r[0];
	r[2] = r[0];
	r[2].log_ratio += log(1.1);
	r[2].ratio *= 1.1;
	T_EQ(as_stats_geomean(r, 3, &g), 0);
	T_NEAR(g.ratio, 2.0 / 3 * pow(1.1, 1.0 / 3), 1e-14);
	{
		/* the sample sd of {0, 0, L} is L / sqrt(3) */
		double m = log(g.ratio);
		double h = as_stats_t_quantile(0.975, 2) * (log(1.1) / sqrt(3.0)) / sqrt(3.0);
		T_CHECK(g.ci_lo <= exp(m - h) * (1 + 1e-12));
		T_CHECK(g.ci_hi >= exp(m + h) * (1 - 1e-12));
	}
	T_EQ(as_stats_geomean(r, 0, &g), EINVAL);
}

int main(void)
{
	describe();
	betai();
	student_t();
	welch();
	mann_whitney();
	adjust();
	ratios();
	return t_done();
}
