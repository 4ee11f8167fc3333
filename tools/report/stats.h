/* stats: the statistics of `allocswap report` and `compare`.
 *
 * Pure functions: no I/O, no global state.  The only allocation is a scratch
 * copy for medians and ranks (functions that need one say so and return
 * ENOMEM when it fails).  Everything is in doubles; NaN means "not defined"
 * (too few samples, zero variance where a ratio needs it).
 *
 * How the CLI uses them (DESIGN.md section 6):
 * - one sample per process: the mean of that process's values;
 * - a cell (benchmark x configuration) is summarized by as_stats_describe():
 *   mean, sample std, median, min, max, 95% CI of the mean (Student t, n-1 df);
 * - a configuration is compared with its baseline by Welch's t-test on the
 *   per-process means (as_stats_welch), and the p-values of all benchmarks
 *   of that configuration are adjusted together by Holm's step-down
 *   (as_stats_holm); Mann-Whitney U (as_stats_mann_whitney) is reported
 *   beside it;
 * - the geometric mean of the per-benchmark speed ratios gets its own CI
 *   (as_stats_geomean).
 *
 * The special functions are written here, not taken from a library: the
 * regularized incomplete beta function by its continued fraction (modified
 * Lentz), the Student t CDF from it, and the t quantile by bisection on the
 * CDF.  They are checked against exact values in tests/cli/stats/.
 */
#ifndef ALLOCSWAP_STATS_H
#define ALLOCSWAP_STATS_H

#include <stddef.h>

/* ---- one sample ---------------------------------------------------------------- */

struct as_describe {
	size_t n;
	double mean, std; /* std: sample standard deviation (n-1); NaN when n < 2 */
	double median, min, max;
	double ci_lo, ci_hi; /* 95% CI of the mean, mean +- t(0.975, n-1) std/sqrt(n); NaN when n < 2 */
};

double as_stats_mean(const double *x, size_t n);
/* Sample standard deviation (divides by n-1); NaN when n < 2. */
double as_stats_std(const double *x, size_t n);
/* Median (mean of the two middle values when n is even); NaN when n == 0,
 * or when the scratch copy cannot be allocated. */
double as_stats_median(const double *x, size_t n);
/* All of the above at once; 0, EINVAL (n == 0) or ENOMEM. */
int as_stats_describe(const double *x, size_t n, struct as_describe *d);

/* ---- distributions ------------------------------------------------------------- */

/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double as_stats_betai(double a, double b, double x);
/* P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be
 * an integer: Welch's df is not). */
double as_stats_t_cdf(double t, double df);
/* The p-quantile of Student's t with df degrees of freedom, 0 < p < 1. */
double as_stats_t_quantile(double p, double df);
/* P(Z <= z) for the standard normal. */
double as_stats_normal_cdf(double z);

/* ---- two samples ------------------------------------------------------------------ */

struct as_test {
	double stat; /* Welch: t (mean a - mean b over its standard error); Mann-Whitney: U of a */
	double df;   /* Welch: Welch-Satterthwaite degrees of freedom; Mann-Whitney: NaN */
	double p;    /* two-sided p-value; NaN when the test is not defined */
};

/* Welch's unequal-variance t-test, two-sided.  Needs na, nb >= 2.  When both
 * variances are zero the p-value is 1 for equal means and 0 otherwise.
 * Returns 0 or EINVAL (too few samples). */
int as_stats_welch(const double *a, size_t na, const double *b, size_t nb, struct as_test *r);

/* Mann-Whitney U test, two-sided.  U counts the pairs (a_i, b_j) with
 * a_i > b_j, ties counting one half.  Exact (the permutation distribution of
 * U) when there are no ties and na + nb <= AS_STATS_MW_EXACT_MAX; otherwise
 * the normal approximation with tie correction and continuity correction.
 * Returns 0, EINVAL (an empty sample) or ENOMEM. */
#define AS_STATS_MW_EXACT_MAX 60
int as_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			  struct as_test *r);

/* ---- many comparisons --------------------------------------------------------------- */

/* Holm-Bonferroni step-down adjusted p-values: adj[i] for p[i].  NaN entries
 * are left NaN and do not count as comparisons.  adj may equal p.  Returns 0
 * or ENOMEM. */
int as_stats_holm(const double *p, double *adj, size_t n);
/* Benjamini-Hochberg (false discovery rate) adjusted p-values, same rules. */
int as_stats_bh(const double *p, double *adj, size_t n);

/* ---- ratios --------------------------------------------------------------------------- */

/* The speed ratio of one benchmark, new against baseline, from the per-process
 * means of both: ratio = mean(base) / mean(new) (> 1: new is faster), with a
 * 95% CI by the delta method on log(ratio): its variance is
 * var(base)/(n_base mean(base)^2) + var(new)/(n_new mean(new)^2), with
 * Welch-Satterthwaite degrees of freedom.  log_var and log_df are kept for
 * as_stats_geomean().  Needs n >= 2 on both sides and positive means;
 * returns 0 or EINVAL. */
struct as_ratio {
	double ratio, ci_lo, ci_hi;
	double log_ratio, log_var, log_df;
};
int as_stats_ratio(const double *base, size_t nb, const double *x, size_t nx,
		   struct as_ratio *r);

/* The geometric mean of k per-benchmark ratios and its 95% CI.  Two
 * intervals on the mean of the log ratios are computed and the result is
 * their union (the wider bounds of each side), so that the CI is honest
 * about both kinds of uncertainty:
 *  - measurement noise: the variance of the mean log ratio,
 *    sum(log_var) / k^2, with Welch-Satterthwaite degrees of freedom
 *    (sum(log_var)^2 / sum(log_var^2 / log_df));
 *  - disagreement between benchmarks (k >= 3 only): the t-interval of the
 *    k log ratios, k-1 degrees of freedom.  With fewer than 3 benchmarks the
 *    spread between benchmarks cannot be estimated usefully, and only the
 *    first interval is used.
 * Returns 0 or EINVAL (k == 0). */
struct as_geomean {
	size_t k;
	double ratio, ci_lo, ci_hi;
};
int as_stats_geomean(const struct as_ratio *r, size_t k, struct as_geomean *g);

/* ---- two bench runs that were not interleaved ------------------------------------ */

/* Configurations run process by process in one bench run share the
 * machine's slow changes (thermal state, frequency, neighbours); two runs
 * made at different times do not, and a drift between them shifts every
 * benchmark alike, which no within-run variance can show.  `compare` of two
 * runs takes it out in one of two ways (cmd_compare.c):
 *
 * - both runs hold a common reference configuration R (their baseline):
 *   each side is taken relative to its own run's R, a = as_stats_ratio(R
 *   of run A, A), b = as_stats_ratio(R of run B, B), and B's speed-up over A
 *   is as_stats_ratio_rel(a, b) = b.ratio / a.ratio = (A / R_A) / (B / R_B):
 *   a drift common to a run cancels (it assumes R itself did not change);
 * - otherwise a difference common to all benchmarks cannot be told from
 *   drift: every interval is widened by a drift allowance, log_drift =
 *   log(1 + allowance) each way (as_stats_widen), and a test asks whether
 *   the log ratio lies beyond +-log_drift (as_stats_ratio_p), not beyond 0.
 *
 * The default allowance, AS_STATS_DRIFT, is the largest drift between runs
 * measured by hand on the machine class allocswap was built on (DESIGN.md
 * section 6): the same pyperf baseline re-run 20 minutes later read 1.11x
 * slower overall (and an A/A of two `bench --quick` runs back to back read
 * 1.07x, 95% CI 1.02x-1.12x).  A drift at the allowance is called
 * significant at most 2.5% of the time (one tail of the 95% interval). */
#define AS_STATS_DRIFT 0.11

/* The ratio of two ratios: b.ratio / a.ratio, log ratio b - a, variance
 * a.log_var + b.log_var, Welch-Satterthwaite df over all the terms of both
 * (the four samples' when each side is an as_stats_ratio()), and a 95% CI.
 * a or b NULL: that side is its reference itself, ratio 1 exactly (no
 * variance, no degrees of freedom).  Returns 0, or EINVAL when both are
 * NULL or a log ratio or variance is not a finite number. */
int as_stats_ratio_rel(const struct as_ratio *a, const struct as_ratio *b, struct as_ratio *r);

/* Two-sided p-value that |log ratio| > log_drift (log_drift >= 0; 0 is the
 * plain test of ratio 1): 2 P(T > (|log_ratio| - log_drift) / se), T
 * Student's t with log_df degrees of freedom, 1 when |log_ratio| <=
 * log_drift.  p < 0.05 exactly when the 95% CI widened by as_stats_widen()
 * excludes 1.  With zero variance: 0 beyond the allowance, 1 within.  NaN
 * when the ratio is not defined. */
double as_stats_ratio_p(const struct as_ratio *r, double log_drift);

/* Widens a CI of a ratio [*lo, *hi] by the factor exp(log_drift) each way. */
void as_stats_widen(double log_drift, double *lo, double *hi);

#endif
