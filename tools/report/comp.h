/* comp: one comparison of two configurations of a summary, per benchmark
 * and as a geometric mean: the "benchmarks" and "geomean" of the COMP
 * objects of factors.h and image_report.h.  Implemented in comp.c; factors.c and
 * images.c build their comparisons with it.
 *
 * Statistics (stats.h): the samples are the per-process means of each
 * cell (the summary's cell "samples").  Per benchmark, as_stats_ratio():
 * speed-up = mean(base) / mean(new) (> 1: new is faster), a 95% CI by the
 * delta method; p two-sided on t = log ratio / its standard error,
 * Holm-adjusted over the benchmarks of the comparison; a verdict other than
 * "not significant" needs p_adjusted < AS_ALPHA.  The geometric mean is
 * as_stats_geomean() over the benchmarks with a ratio, "not significant"
 * when its CI contains 1.
 *
 * Two configurations from bench runs made at different times (`compare`
 * of two directories with no common reference, cmd_compare.c) set log_drift
 * to log(1 + the drift allowance): every CI is widened by that factor each
 * way and p tests |log ratio| > log_drift (as_stats_ratio_p, as_stats_widen
 * in stats.h), so a shift common to all benchmarks within the allowance is
 * never significant.  0, what as_comp_init() sets, is a comparison within
 * one run, unchanged.
 *
 * What as_comp_fill() writes (factors.h has the whole COMP):
 *  "benchmarks": [{"bench", "base_mean", "base_std", "new_mean", "new_std",
 *                  "ratio", "ci95", "log_ratio", "log_var", "log_df",
 *                  "p_value", "p_adjusted", "significant", "verdict"}],
 *  "geomean": {"k", "ratio", "ci95", "significant", "verdict"}
 * and, when log_drift > 0: "ci95" (per benchmark and of the geomean)
 * widened by the allowance, "geomean" + {"drift_allowance": 0.11,
 * "ci95_measured": [lo, hi] (the CI before widening)}.
 * Numbers that are not defined are null.
 */
#ifndef ALLOCSWAP_REPORT_COMP_H
#define ALLOCSWAP_REPORT_COMP_H

#include <jansson.h>
#include <stddef.h>

#include "stats.h"

struct as_comp {
	const char **bench;  /* the summary's benchmark names, matrix order */
	size_t nb;
	json_t *index;       /* {"BENCH\nCONFIG": the summary's cell} */
	struct as_ratio *g;  /* scratch, nb + 1 each */
	double *p, *adj;
	double log_drift;    /* log(1 + drift allowance) between runs; 0 within one run */
};

/* The benchmarks and cells of a summary (summary.h).  Returns 0 or ENOMEM;
 * as_comp_free() either way. */
int as_comp_init(struct as_comp *c, const json_t *summary);
void as_comp_free(struct as_comp *c);

/* The summary's cell of benchmark b and a configuration id, or NULL. */
const json_t *as_comp_cell(const struct as_comp *c, size_t b, const char *config);

/* The speed-up of configuration nw over base on benchmark b, from their
 * cells' samples: 0, EINVAL (fewer than two samples on a side) or
 * ENOMEM. */
int as_comp_ratio(const struct as_comp *c, size_t b, const char *base, const char *nw,
		  struct as_ratio *r);

/* Appends to o's "benchmarks" array (there already) an entry per benchmark
 * from r[b] (defined where ok[b]), with the means and standard deviations
 * of base's and nw's cells (null for a NULL id), and sets o's "geomean".
 * Returns 0, or ENOMEM (o NULL included). */
int as_comp_fill(struct as_comp *c, json_t *o, const struct as_ratio *r, const int *ok,
		 const char *base, const char *nw);

#endif
