/* stats: descriptive statistics, Student t, Welch, Mann-Whitney, Holm/BH,
 * ratios and their geometric mean (contract in stats.h).  No I/O. */
#include "stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Beyond this many degrees of freedom Student's t is the normal distribution
 * to well within double precision for the quantiles used here. */
#define T_DF_NORMAL 1e7

/* ---- one sample ---------------------------------------------------------------- */

double as_stats_mean(const double *x, size_t n)
{
	double s = 0;
	size_t i;
	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double as_stats_std(const double *x, size_t n)
{
	double m, ss = 0;
	size_t i;
	if (n < 2)
		return NAN;
	m = as_stats_mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)(n - 1));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double as_stats_median(const double *x, size_t n)
{
	double *c, m;
	if (n == 0)
		return NAN;
	c = malloc(n * sizeof *c);
	if (!c)
		return NAN;
	memcpy(c, x, n * sizeof *c);
	qsort(c, n, sizeof *c, cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

int as_stats_describe(const double *x, size_t n, struct as_describe *d)
{
	size_t i;
	d->n = n;
	d->mean = d->std = d->median = d->min = d->max = d->ci_lo = d->ci_hi = NAN;
	if (n == 0)
		return EINVAL;
	d->mean = as_stats_mean(x, n);
	d->std = as_stats_std(x, n);
	d->median = as_stats_median(x, n);
	if (isnan(d->median))
		return ENOMEM;
	d->min = d->max = x[0];
	for (i = 1; i < n; i++) {
		if (x[i] < d->min)
			d->min = x[i];
		if (x[i] > d->max)
			d->max = x[i];
	}
	if (n >= 2) {
		double h = as_stats_t_quantile(0.975, (double)(n - 1)) * d->std / sqrt((double)n);
		d->ci_lo = d->mean - h;
		d->ci_hi = d->mean + h;
	}
	return 0;
}

/* ---- distributions ------------------------------------------------------------- */

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf), evaluated
 * by the modified Lentz method.  Converges quickly for x < (a+1)/(a+b+2). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap, h;
	int m;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++) {
		double m2 = 2.0 * m, aa, del;
		/* even step */
		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		/* odd step */
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double as_stats_betai(double a, double b, double x)
{
	double lbt;
	if (!(a > 0) || !(b > 0) || isnan(x) || x < 0 || x > 1)
		return NAN;
	if (x == 0)
		return 0;
	if (x == 1)
		return 1;
	/* log of x^a (1-x)^b / B(a, b) */
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double as_stats_normal_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

/* P(|T| >= |t|): the two-sided tail, computed directly (no 1 - x). */
static double t_two_sided(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0;
	if (df >= T_DF_NORMAL)
		return erfc(fabs(t) / sqrt(2.0));
	return as_stats_betai(df / 2, 0.5, df / (df + t * t));
}

double as_stats_t_cdf(double t, double df)
{
	double tail = t_two_sided(t, df) / 2;
	if (isnan(tail))
		return NAN;
	return t > 0 ? 1 - tail : tail;
}

/* The density of Student's t (the normal's beyond T_DF_NORMAL). */
static double t_pdf(double t, double df)
{
	if (df >= T_DF_NORMAL)
		return exp(-t * t / 2) / sqrt(2 * M_PI);
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) -
		   (df + 1) / 2 * log1p(t * t / df));
}

/* Solves upper_tail(q) = tail for q >= 0: Newton's method on the tail
 * (its derivative is minus the density), kept inside a bracket [lo, hi]
 * that every evaluation narrows, with a bisection step whenever Newton
 * would leave it (where the density is flat it overshoots).  A few
 * evaluations instead of the fifty of bisection alone: `compare` and the
 * tests compute one quantile a ratio. */
static double upper_quantile(double tail, double df)
{
	double lo = 0, hi = 1, q;
	int i;
	while (t_two_sided(hi, df) / 2 > tail && hi < 1e300)
		hi *= 2;
	q = hi / 2;
	for (i = 0; i < 2000 && hi - lo > 4 * DBL_EPSILON * hi; i++) {
		double f = t_two_sided(q, df) / 2 - tail, next;
		if (f == 0)
			return q;
		if (f > 0)
			lo = q;
		else
			hi = q;
		next = q + f / t_pdf(q, df);
		if (!(next > lo && next < hi))
			next = lo + (hi - lo) / 2;
		if (fabs(next - q) <= 2 * DBL_EPSILON * q)
			return next;
		q = next;
	}
	return lo + (hi - lo) / 2;
}

double as_stats_t_quantile(double p, double df)
{
	if (isnan(p) || p <= 0 || p >= 1 || !(df > 0))
		return NAN;
	if (p == 0.5)
		return 0;
	if (p > 0.5)
		return upper_quantile(1 - p, df);
	return -upper_quantile(p, df);
}

/* ---- two samples ------------------------------------------------------------------ */

int as_stats_welch(const double *a, size_t na, const double *b, size_t nb, struct as_test *r)
{
	double ma, mb, va, vb, sa, sb, se2;
	r->stat = r->df = r->p = NAN;
	if (na < 2 || nb < 2)
		return EINVAL;
	ma = as_stats_mean(a, na);
	mb = as_stats_mean(b, nb);
	sa = as_stats_std(a, na);
	sb = as_stats_std(b, nb);
	va = sa * sa / (double)na;
	vb = sb * sb / (double)nb;
	se2 = va + vb;
	if (se2 == 0) {
		/* no spread at all: equal means are the same, unequal ones differ */
		r->stat = ma == mb ? 0 : ma > mb ? INFINITY : -INFINITY;
		r->df = (double)(na + nb - 2);
		r->p = ma == mb ? 1 : 0;
		return 0;
	}
	r->stat = (ma - mb) / sqrt(se2);
	r->df = se2 * se2 / (va * va / (double)(na - 1) + vb * vb / (double)(nb - 1));
	r->p = t_two_sided(r->stat, r->df);
	return 0;
}

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *x, const void *y)
{
	return cmp_double(&((const struct ranked *)x)->v, &((const struct ranked *)y)->v);
}

/* The number of arrangements of m a's and n b's per value of U (the count of
 * (a, b) pairs with a after b), u = 0..m*n, into out[m*n+1]: the
 * coefficients of the Gaussian binomial [m+n choose m].  Built with
 * additions only, f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u), rolling over i. */
static int mw_counts(size_t m, size_t n, double *out)
{
	size_t width = m * n + 1, i, j, u;
	double *prev = calloc((n + 1) * width, sizeof *prev);
	double *cur = calloc((n + 1) * width, sizeof *cur);
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return ENOMEM;
	}
	for (j = 0; j <= n; j++)
		prev[j * width] = 1; /* f(0, j, 0) = 1 */
	for (i = 1; i <= m; i++) {
		double *t;
		memset(cur, 0, (n + 1) * width * sizeof *cur);
		cur[0] = 1; /* f(i, 0, 0) = 1 */
		for (j = 1; j <= n; j++)
			for (u = 0; u <= i * j; u++)
				cur[j * width + u] = (u >= j ? prev[j * width + u - j] : 0) +
						     cur[(j - 1) * width + u];
		t = prev;
		prev = cur;
		cur = t;
	}
	memcpy(out, prev + n * width, width * sizeof *out);
	free(prev);
	free(cur);
	return 0;
}

int as_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			  struct as_test *r)
{
	size_t n = na + nb, i, j;
	struct ranked *v;
	double ra = 0, ties = 0, u, mu;
	int rc = 0;
	r->stat = r->df = r->p = NAN;
	if (na == 0 || nb == 0)
		return EINVAL;
	v = malloc(n * sizeof *v);
	if (!v)
		return ENOMEM;
	for (i = 0; i < na; i++)
		v[i] = (struct ranked){a[i], 1};
	for (i = 0; i < nb; i++)
		v[na + i] = (struct ranked){b[i], 0};
	qsort(v, n, sizeof *v, cmp_ranked);
	/* mid-ranks; sum of (t^3 - t) over tie groups */
	for (i = 0; i < n; i = j) {
		double rank, t;
		for (j = i + 1; j < n && v[j].v == v[i].v; j++)
			;
		rank = (double)(i + 1 + j) / 2; /* mean of ranks i+1 .. j */
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (v[k].from_a)
				ra += rank;
	}
	free(v);
	u = ra - (double)na * (double)(na + 1) / 2;
	r->stat = u;
	mu = (double)na * (double)nb / 2;
	if (ties == 0 && n <= AS_STATS_MW_EXACT_MAX) {
		size_t width = na * nb + 1, k, uk = (size_t)u;
		double *f = malloc(width * sizeof *f), total = 0, low = 0, high = 0;
		if (!f)
			return ENOMEM;
		rc = mw_counts(na, nb, f);
		if (rc) {
			free(f);
			return rc;
		}
		for (k = 0; k < width; k++) {
			total += f[k];
			if (k <= uk)
				low += f[k];
			if (k >= uk)
				high += f[k];
		}
		free(f);
		r->p = fmin(1, 2 * fmin(low, high) / total);
	} else {
		double nn = (double)n;
		double var = (double)na * (double)nb / 12 * ((nn + 1) - ties / (nn * (nn - 1)));
		double z;
		if (var <= 0) {
			r->p = 1; /* every value tied */
			return 0;
		}
		z = fmax(0, fabs(u - mu) - 0.5) / sqrt(var);
		r->p = fmin(1, erfc(z / sqrt(2.0)));
	}
	return 0;
}

/* ---- many comparisons --------------------------------------------------------------- */

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *x, const void *y)
{
	const struct pidx *a = x, *b = y;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The valid p-values sorted ascending; *m gets their count. */
static struct pidx *sorted_p(const double *p, size_t n, size_t *m)
{
	struct pidx *s = malloc((n ? n : 1) * sizeof *s);
	size_t i;
	*m = 0;
	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isnan(p[i]))
			s[(*m)++] = (struct pidx){p[i], i};
	qsort(s, *m, sizeof *s, cmp_pidx);
	return s;
}

int as_stats_holm(const double *p, double *adj, size_t n)
{
	size_t m, k, i;
	double run = 0;
	struct pidx *s = sorted_p(p, n, &m);
	if (!s)
		return ENOMEM;
	for (i = 0; i < n; i++)
		if (isnan(p[i]))
			adj[i] = NAN;
	for (k = 0; k < m; k++) {
		double a = fmin(1, (double)(m - k) * s[k].p);
		run = fmax(run, a); /* step-down: never below an earlier one */
		adj[s[k].i] = run;
	}
	free(s);
	return 0;
}

int as_stats_bh(const double *p, double *adj, size_t n)
{
	size_t m, k, i;
	double run = 1;
	struct pidx *s = sorted_p(p, n, &m);
	if (!s)
		return ENOMEM;
	for (i = 0; i < n; i++)
		if (isnan(p[i]))
			adj[i] = NAN;
	for (k = m; k-- > 0;) {
		double a = fmin(1, (double)m / (double)(k + 1) * s[k].p);
		run = fmin(run, a); /* step-up: never above a later one */
		adj[s[k].i] = run;
	}
	free(s);
	return 0;
}

/* ---- ratios --------------------------------------------------------------------------- */

/* The 95% CI of r's ratio from its log ratio, variance and df. */
static void ratio_ci(struct as_ratio *r)
{
	double h = r->log_var > 0 ? as_stats_t_quantile(0.975, r->log_df) * sqrt(r->log_var) : 0;
	r->ci_lo = exp(r->log_ratio - h);
	r->ci_hi = exp(r->log_ratio + h);
}

int as_stats_ratio(const double *base, size_t nb, const double *x, size_t nx, struct as_ratio *r)
{
	double mb, mx, sb, sx, c1, c2;
	r->ratio = r->ci_lo = r->ci_hi = r->log_ratio = r->log_var = r->log_df = NAN;
	if (nb < 2 || nx < 2)
		return EINVAL;
	mb = as_stats_mean(base, nb);
	mx = as_stats_mean(x, nx);
	if (!(mb > 0) || !(mx > 0))
		return EINVAL;
	sb = as_stats_std(base, nb);
	sx = as_stats_std(x, nx);
	c1 = sb * sb / ((double)nb * mb * mb);
	c2 = sx * sx / ((double)nx * mx * mx);
	r->ratio = mb / mx;
	r->log_ratio = log(mb) - log(mx);
	r->log_var = c1 + c2;
	r->log_df = r->log_var > 0 ? r->log_var * r->log_var /
					     (c1 * c1 / (double)(nb - 1) + c2 * c2 / (double)(nx - 1))
				   : INFINITY;
	ratio_ci(r);
	return 0;
}

int as_stats_geomean(const struct as_ratio *r, size_t k, struct as_geomean *g)
{
	double sum = 0, var = 0, dfden = 0, mean, lo, hi;
	size_t i;
	g->k = k;
	g->ratio = g->ci_lo = g->ci_hi = NAN;
	if (k == 0)
		return EINVAL;
	for (i = 0; i < k; i++) {
		double c = r[i].log_var / ((double)k * (double)k);
		sum += r[i].log_ratio;
		var += c;
		if (c > 0)
			dfden += c * c / r[i].log_df;
	}
	mean = sum / (double)k;
	lo = hi = mean;
	/* measurement noise */
	if (var > 0) {
		double h = as_stats_t_quantile(0.975, var * var / dfden) * sqrt(var);
		lo = mean - h;
		hi = mean + h;
	}
	/* disagreement between benchmarks */
	if (k >= 3) {
		double ss = 0, h;
		for (i = 0; i < k; i++)
			ss += (r[i].log_ratio - mean) * (r[i].log_ratio - mean);
		h = as_stats_t_quantile(0.975, (double)(k - 1)) * sqrt(ss / (double)(k - 1)) /
		    sqrt((double)k);
		lo = fmin(lo, mean - h);
		hi = fmax(hi, mean + h);
	}
	g->ratio = exp(mean);
	g->ci_lo = exp(lo);
	g->ci_hi = exp(hi);
	return 0;
}

/* ---- two bench runs that were not interleaved ------------------------------------ */

int as_stats_ratio_rel(const struct as_ratio *a, const struct as_ratio *b, struct as_ratio *r)
{
	const struct as_ratio *side[2] = {a, b};
	double dfden = 0;
	int i;
	r->ratio = r->ci_lo = r->ci_hi = r->log_ratio = r->log_var = r->log_df = NAN;
	if (!a && !b)
		return EINVAL;
	r->log_ratio = r->log_var = 0;
	for (i = 0; i < 2; i++) {
		const struct as_ratio *x = side[i];
		if (!x)
			continue;
		if (!isfinite(x->log_ratio) || !isfinite(x->log_var) || x->log_var < 0) {
			r->log_ratio = r->log_var = NAN;
			return EINVAL;
		}
		r->log_ratio += i ? x->log_ratio : -x->log_ratio;
		r->log_var += x->log_var;
		if (x->log_var > 0)
			dfden += x->log_var * x->log_var / x->log_df;
	}
	r->log_df = dfden > 0 ? r->log_var * r->log_var / dfden : INFINITY;
	r->ratio = exp(r->log_ratio);
	ratio_ci(r);
	return 0;
}

double as_stats_ratio_p(const struct as_ratio *r, double log_drift)
{
	double excess;
	if (isnan(r->log_ratio) || isnan(r->log_var) || !(log_drift >= 0))
		return NAN;
	excess = fabs(r->log_ratio) - log_drift;
	if (excess <= 0)
		return 1;
	if (!(r->log_var > 0))
		return 0;
	return fmin(1, 2 * as_stats_t_cdf(-excess / sqrt(r->log_var), r->log_df));
}

void as_stats_widen(double log_drift, double *lo, double *hi)
{
	*lo *= exp(-log_drift);
	*hi *= exp(log_drift);
}
