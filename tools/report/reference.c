/* reference: libswap against the allocator preloaded by itself
 * (`bench --reference direct`, results.h "preload"), read from a summary.
 *
 * summary.json's "reference" (absent when the matrix has no direct cell):
 *  {"rows": [{"allocator", "config", "direct": "<config id>", "k",
 *             "ratio", "ci95": [lo, hi]   geometric mean over the benchmarks of
 *                                         direct time / libswap time (1: libswap
 *                                         costs nothing; 0.95: 5% slower), CI as
 *                                         the summary's geomean
 *             "stats"                     libswap's mode in those processes
 *             "verdict"}],
 *   "agreement": [{"allocator", "config", "direct", "libswap_ratio", "direct_ratio":
 *                  the speed-up over the baseline allocator (summary "geomean")
 *                  under libswap and under direct, "difference": libswap_ratio /
 *                  direct_ratio - 1, "ci95": [lo, hi] of the difference (the two
 *                  geomean CIs' half-widths in log space, added in quadrature),
 *                  "within": the whole CI inside +-AS_REF_AGREE, "verdict":
 *                  "agree" (within) | "differ" (the CI excludes 0 and leaves the
 *                  band) | "not resolved" (the runs cannot tell)}],
 *   "ranking": {"libswap": [allocators, fastest first], "direct": [...], "same": bool},
 *   "tolerance": AS_REF_AGREE}
 * A row pairs a libswap configuration with the direct one that differs from
 * it in preload only (stats aside: a direct cell has no libswap to count).
 */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stats.h"
#include "summary.h"

/* The axes a libswap configuration and its direct twin share. */
static const char *const same_axes[] = {"allocator", "libc", "image", "pymalloc", "seccomp",
					"python", NULL};

static int is_direct(const json_t *c)
{
	return as_same_str(as_jstr(c, "preload"), "direct");
}

static const json_t *direct_twin(const json_t *configs, const json_t *c)
{
	const json_t *d;
	size_t i, k;
	json_array_foreach(configs, i, d)
	{
		if (!is_direct(d))
			continue;
		for (k = 0; same_axes[k]; k++)
			if (!as_same_str(as_jstr(c, same_axes[k]), as_jstr(d, same_axes[k])))
				break;
		if (!same_axes[k])
			return d;
	}
	return NULL;
}

static const json_t *cell_of(const json_t *cells, const char *bench, const char *config)
{
	const json_t *x;
	size_t i;
	json_array_foreach(cells, i, x)
	{
		if (as_same_str(as_jstr(x, "bench"), bench) && as_same_str(as_jstr(x, "config"), config))
			return x;
	}
	return NULL;
}

static const json_t *geomean_of(const json_t *s, const char *config)
{
	const json_t *g;
	size_t i;
	json_array_foreach(json_object_get(s, "geomean"), i, g)
	{
		if (as_same_str(as_jstr(g, "config"), config))
			return g;
	}
	return NULL;
}

static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* The instrument's cost for one pair: direct / libswap over the benchmarks. */
static json_t *cost_row(const json_t *s, const json_t *c, const json_t *d)
{
	const json_t *b, *cells = json_object_get(s, "cells");
	size_t i, k = 0, nb = json_array_size(json_object_get(s, "benchmarks"));
	struct as_ratio *r = calloc(nb ? nb : 1, sizeof *r);
	struct as_geomean g = {0, NAN, NAN, NAN};
	char verdict[128], a[32], ci[64];
	json_t *row;
	if (!r)
		as_report_oom();
	json_array_foreach(json_object_get(s, "benchmarks"), i, b)
	{
		const json_t *x = cell_of(cells, as_jstr(b, "name"), as_jstr(c, "id"));
		const json_t *y = cell_of(cells, as_jstr(b, "name"), as_jstr(d, "id"));
		size_t nx, ny;
		double *vx, *vy;
		if (!x || !y)
			continue;
		vx = as_jarray_doubles(json_object_get(x, "samples"), &nx);
		vy = as_jarray_doubles(json_object_get(y, "samples"), &ny);
		if (!as_stats_ratio(vy, ny, vx, nx, &r[k]))
			k++;
		free(vx);
		free(vy);
	}
	if (k)
		as_stats_geomean(r, k, &g);
	free(r);
	if (!k)
		snprintf(verdict, sizeof verdict, "n/a (too few runs)");
	else if (g.ci_lo <= 1 && g.ci_hi >= 1)
		snprintf(verdict, sizeof verdict, "not significant (%s)",
			 as_fmt_ci(g.ci_lo, g.ci_hi, ci, sizeof ci));
	else
		snprintf(verdict, sizeof verdict, "%s (%s)", as_fmt_speed(g.ratio, a, sizeof a),
			 as_fmt_ci(g.ci_lo, g.ci_hi, ci, sizeof ci));
	row = json_pack("{s:s?, s:s?, s:s?, s:s?, s:I, s:o, s:[o, o], s:s}", "allocator",
			as_jstr(c, "allocator"), "config", as_jstr(c, "id"), "direct", as_jstr(d, "id"),
			"stats", as_jstr(c, "stats"), "k", (json_int_t)k, "ratio", num(g.ratio), "ci95",
			num(g.ci_lo), num(g.ci_hi), "verdict", verdict);
	if (!row)
		as_report_oom();
	return row;
}

/* Allocators of rows sorted by their geomean speed-up, fastest first. */
static json_t *ranking(json_t *agree, const char *key)
{
	json_t *out = json_array();
	size_t n = json_array_size(agree), i, j, *idx = calloc(n ? n : 1, sizeof *idx);
	if (!out || !idx)
		as_report_oom();
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++) /* insertion sort: a handful of allocators */
		for (j = i; j > 0; j--) {
			double a = as_jdbl(json_object_get(json_array_get(agree, idx[j - 1]), key));
			double b = as_jdbl(json_object_get(json_array_get(agree, idx[j]), key));
			size_t t;
			if (!(b > a))
				break;
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(as_jstr(json_array_get(agree, idx[i]),
								 "allocator")));
	free(idx);
	return out;
}

/* Half the width of a geomean's CI, in log space. */
static double log_half(const json_t *g)
{
	const json_t *ci = json_object_get(g, "ci95");
	return (log(as_jdbl(json_array_get(ci, 1))) - log(as_jdbl(json_array_get(ci, 0)))) / 2;
}

static json_t *agreement(const json_t *c, const json_t *d, const json_t *gl, const json_t *gd,
			 double l, double r)
{
	double w = sqrt(pow(log_half(gl), 2) + pow(log_half(gd), 2)), x = log(l / r);
	double lo = exp(x - w) - 1, hi = exp(x + w) - 1;
	int within = isfinite(lo) && isfinite(hi) && lo >= -AS_REF_AGREE && hi <= AS_REF_AGREE;
	int differ = isfinite(lo) && isfinite(hi) && (lo > 0 || hi < 0) &&
		     (lo > AS_REF_AGREE || hi < -AS_REF_AGREE);
	json_t *j = json_pack("{s:s?, s:s?, s:s?, s:o, s:o, s:o, s:[o, o], s:b, s:s}", "allocator",
			      as_jstr(c, "allocator"), "config", as_jstr(c, "id"), "direct",
			      as_jstr(d, "id"), "libswap_ratio", num(l), "direct_ratio", num(r),
			      "difference", num(l / r - 1), "ci95", num(lo), num(hi), "within",
			      within, "verdict",
			      within ? "agree" : differ ? "differ" : "not resolved");
	if (!j)
		as_report_oom();
	return j;
}

json_t *as_reference_build(const json_t *s)
{
	const json_t *configs = json_object_get(s, "configs"), *c;
	json_t *rows = json_array(), *agree = json_array(), *out, *rl, *rd;
	size_t i;
	if (!rows || !agree)
		as_report_oom();
	json_array_foreach(configs, i, c)
	{
		const json_t *d, *gl, *gd;
		double l, r;
		if (is_direct(c) || !(d = direct_twin(configs, c)))
			continue;
		json_array_append_new(rows, cost_row(s, c, d));
		gl = geomean_of(s, as_jstr(c, "id"));
		gd = geomean_of(s, as_jstr(d, "id"));
		/* a baseline's own row says nothing about agreement */
		if (!gl || !gd || as_same_str(as_jstr(gl, "baseline"), as_jstr(c, "id")))
			continue;
		l = as_jdbl(json_object_get(gl, "ratio"));
		r = as_jdbl(json_object_get(gd, "ratio"));
		json_array_append_new(agree, agreement(c, d, gl, gd, l, r));
	}
	if (!json_array_size(rows)) {
		json_decref(rows);
		json_decref(agree);
		return NULL;
	}
	rl = ranking(agree, "libswap_ratio");
	rd = ranking(agree, "direct_ratio");
	out = json_pack("{s:o, s:o, s:{s:o, s:o, s:b}, s:f}", "rows", rows, "agreement", agree,
			"ranking", "libswap", rl, "direct", rd, "same", json_equal(rl, rd),
			"tolerance", AS_REF_AGREE);
	if (!out)
		as_report_oom();
	return out;
}

void as_reference_md(FILE *f, const json_t *ref)
{
	const json_t *r;
	size_t i;
	char a[32], b[32], p[32];
	if (!ref)
		return;
	fprintf(f, "## libswap against direct\n\n"
		   "Each allocator timed behind libswap (its mode in the timed processes) against "
		   "the same allocator preloaded by itself (`LD_PRELOAD` of its library; system: no "
		   "preload), interleaved in the same run. Ratio: direct time / libswap time, "
		   "geometric mean over the benchmarks with its 95%% CI (1.00x: libswap costs "
		   "nothing).\n\n| Allocator | libswap mode | k | libswap vs direct |\n"
		   "|---|---|---:|---|\n");
	json_array_foreach(json_object_get(ref, "rows"), i, r)
		fprintf(f, "| %s | %s | %lld | %s |\n", as_jstr(r, "allocator"), as_jstr(r, "stats"),
			(long long)json_integer_value(json_object_get(r, "k")), as_jstr(r, "verdict"));
	if (json_array_size(json_object_get(ref, "agreement"))) {
		fprintf(f, "\nDo the two agree on how the allocators compare? Speed-up over the "
			   "baseline (geometric mean) measured behind libswap and directly; goal: "
			   "within ±%.0f%%. \"agree\": the difference's 95%% CI lies inside ±%.0f%%; "
			   "\"differ\": it lies outside 0 and beyond ±%.0f%%; \"not resolved\": the runs "
			   "cannot tell (more runs narrow it).\n\n| Allocator | behind libswap | direct "
			   "| difference (95%% CI) | verdict |\n|---|---:|---:|---:|:-:|\n",
			100 * AS_REF_AGREE, 100 * AS_REF_AGREE, 100 * AS_REF_AGREE);
		json_array_foreach(json_object_get(ref, "agreement"), i, r)
		{
			char lo[32], hi[32];
			const json_t *ci = json_object_get(r, "ci95");
			fprintf(f, "| %s | %s | %s | %s (%s to %s) | %s |\n", as_jstr(r, "allocator"),
				as_fmt_speed(as_jdbl(json_object_get(r, "libswap_ratio")), a, sizeof a),
				as_fmt_speed(as_jdbl(json_object_get(r, "direct_ratio")), b, sizeof b),
				as_fmt_pct(as_jdbl(json_object_get(r, "difference")), p, sizeof p),
				as_fmt_pct(as_jdbl(json_array_get(ci, 0)), lo, sizeof lo),
				as_fmt_pct(as_jdbl(json_array_get(ci, 1)), hi, sizeof hi),
				as_jstr(r, "verdict"));
		}
		fprintf(f, "\nRanking, fastest first: behind libswap ");
		json_array_foreach(as_jpath(ref, "ranking.libswap"), i, r)
			fprintf(f, "%s%s", i ? ", " : "", json_string_value(r));
		fprintf(f, "; direct ");
		json_array_foreach(as_jpath(ref, "ranking.direct"), i, r)
			fprintf(f, "%s%s", i ? ", " : "", json_string_value(r));
		fprintf(f, " (%s).\n", json_is_true(as_jpath(ref, "ranking.same")) ? "the same"
										 : "**they differ**");
	}
	fputc('\n', f);
}
