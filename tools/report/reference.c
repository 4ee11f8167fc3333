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
 *                  under libswap and under direct, "difference": the geometric
 *                  mean over the benchmarks of (libswap speed-up / direct speed-up)
 *                  - 1, "k" benchmarks, "ci95": [lo, hi] of the difference
 *                  (agreement() below), "within": the whole CI inside
 *                  +-AS_REF_AGREE, "verdict": "agree" (within) | "differ" (the CI
 *                  lies beyond the band) | "not resolved" (the runs cannot tell)}],
 *   "rankings": [{"group": the baseline's id, "axes": what sets the group apart
 *               ("musl"; "" when nothing), "libswap": [allocators, fastest first],
 *               "direct": [...], "same": bool (no pair changes places by more than
 *               AS_REF_AGREE), "resolved": no agreement of the group is "not
 *               resolved", "ties": ["a/b"] near-ties ordered differently,
 *               "swapped": ["a/b"] the others}], one per group of allocators
 *               compared with the same baseline (a libc, an image...),
 *   "tolerance": AS_REF_AGREE}
 * A row pairs a libswap configuration with the direct one that differs from
 * it in preload only (stats aside: a direct cell has no libswap to count).
 */
#include "reference.h"

#include "axes.h"
#include "report_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stats.h"
#include "summary.h"

static int is_direct(const json_t *c)
{
	return as_same_str(as_jstr(c, "preload"), "direct");
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

/* c's label without its allocator and the preload word: what else sets it
 * apart ("musl bookworm"), "" when nothing does.  Into buf. */
static const char *axes_label(const json_t *c, char *buf, size_t cap)
{
	const char *l = as_jstr(c, "label") ? as_jstr(c, "label") : "";
	const char *a = as_jstr(c, "allocator") ? as_jstr(c, "allocator") : "";
	size_t n = 0;
	char word[128];
	buf[0] = 0;
	if (!strncmp(l, a, strlen(a)))
		l += strlen(a);
	while (*l) {
		size_t w;
		l += strspn(l, " ");
		w = strcspn(l, " ");
		if (!w)
			break;
		snprintf(word, sizeof word, "%.*s", (int)w, l);
		if (strcmp(word, "libswap") && strcmp(word, "direct") && n + w + 2 < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", word);
		l += w;
	}
	return buf;
}

/* The instrument's cost for one pair: direct / libswap over the benchmarks. */
static json_t *cost_row(const json_t *s, const json_t *c, const json_t *d)
{
	json_t *row = as_pair_speed(s, as_jstr(d, "id"), as_jstr(c, "id"));
	char ax[256];
	json_object_set_new(row, "axes", json_string(axes_label(c, ax, sizeof ax)));
	json_object_set_new(row, "allocator", json_string(as_jstr(c, "allocator")));
	json_object_set_new(row, "config", json_string(as_jstr(c, "id")));
	json_object_set_new(row, "direct", json_string(as_jstr(d, "id")));
	json_object_set_new(row, "stats", json_string(as_jstr(c, "stats") ? as_jstr(c, "stats") : ""));
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

/* A cell's per-process samples into *v (malloc'd), *n of them. */
static double *samples(const json_t *s, const char *bench, const char *config, size_t *n)
{
	return as_jarray_doubles(json_object_get(as_summary_cell(s, bench, config), "samples"), n);
}

/* The agreement of allocator c (behind libswap, baseline cb) with its
 * direct twin d (baseline db): per benchmark, the ratio of the two
 * speed-ups, (cb / c) / (db / d) with its delta-method CI from the four
 * cells (as_stats_ratio_rel), and their geometric mean over the benchmarks
 * with its CI (as_stats_geomean).  Comparing per benchmark takes out what
 * both ways see alike (the allocator's own differences between benchmarks),
 * which two geomean CIs side by side would count twice. */
static json_t *agreement(const json_t *s, const json_t *c, const json_t *d, const char *cb,
			 const char *db, double l, double r)
{
	const json_t *b;
	size_t i, k = 0, nb = json_array_size(json_object_get(s, "benchmarks"));
	struct as_ratio *rel = calloc(nb ? nb : 1, sizeof *rel);
	struct as_geomean g = {0, NAN, NAN, NAN};
	double lo, hi;
	int within, differ;
	char ax[256];
	json_t *j;
	if (!rel)
		as_report_oom();
	json_array_foreach(json_object_get(s, "benchmarks"), i, b)
	{
		const char *name = as_jstr(b, "name");
		size_t n1, n2, n3, n4;
		double *v1 = samples(s, name, cb, &n1), *v2 = samples(s, name, as_jstr(c, "id"), &n2);
		double *v3 = samples(s, name, db, &n3), *v4 = samples(s, name, as_jstr(d, "id"), &n4);
		struct as_ratio sw, dr;
		if (!as_stats_ratio(v1, n1, v2, n2, &sw) && !as_stats_ratio(v3, n3, v4, n4, &dr) &&
		    !as_stats_ratio_rel(&dr, &sw, &rel[k]))
			k++;
		free(v1);
		free(v2);
		free(v3);
		free(v4);
	}
	if (k)
		as_stats_geomean(rel, k, &g);
	free(rel);
	lo = g.ci_lo - 1;
	hi = g.ci_hi - 1;
	within = isfinite(lo) && isfinite(hi) && lo >= -AS_REF_AGREE && hi <= AS_REF_AGREE;
	differ = isfinite(lo) && isfinite(hi) && (lo > AS_REF_AGREE || hi < -AS_REF_AGREE);
	j = json_pack("{s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:I, s:[o, o], s:b, s:s}",
		      "allocator", as_jstr(c, "allocator"), "axes", axes_label(c, ax, sizeof ax),
		      "group", cb, "config", as_jstr(c, "id"), "direct", as_jstr(d, "id"),
		      "libswap_ratio", num(l), "direct_ratio", num(r), "difference",
		      num(g.ratio - 1), "k", (json_int_t)k, "ci95", num(lo), num(hi), "within",
		      within, "verdict", within ? "agree" : differ ? "differ" : "not resolved");
	if (!j)
		as_report_oom();
	return j;
}

/* Pairs of allocators that the two ways order differently: "ties" when
 * both ways put them within AS_REF_AGREE of each other (a near-tie may go
 * either way), "swapped" otherwise. */
static void discordant(const json_t *agree, json_t *ties, json_t *swapped)
{
	size_t i, j, n = json_array_size(agree);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			const json_t *a = json_array_get(agree, i), *b = json_array_get(agree, j);
			double l = as_jdbl(json_object_get(a, "libswap_ratio")) /
				   as_jdbl(json_object_get(b, "libswap_ratio"));
			double r = as_jdbl(json_object_get(a, "direct_ratio")) /
				   as_jdbl(json_object_get(b, "direct_ratio"));
			char pair[160];
			if ((l > 1) == (r > 1))
				continue;
			snprintf(pair, sizeof pair, "%s/%s", as_jstr(a, "allocator"), as_jstr(b, "allocator"));
			json_array_append_new(fabs(l - 1) <= AS_REF_AGREE && fabs(r - 1) <= AS_REF_AGREE
						      ? ties
						      : swapped,
					      json_string(pair));
		}
}

/* One ranking per group of allocators compared with the same baseline (a
 * libc, an image...): {"group", "axes", "libswap", "direct", "same", "ties",
 * "swapped"}. */
static json_t *rankings(const json_t *agree)
{
	json_t *out = json_array();
	const json_t *a;
	size_t i, j;
	if (!out)
		as_report_oom();
	json_array_foreach(agree, i, a)
	{
		const char *g = as_jstr(a, "group");
		json_t *mine, *ties, *swapped, *rl, *rd, *x;
		const json_t *b;
		int seen = 0, resolved = 1;
		for (j = 0; j < i && !seen; j++)
			seen = as_same_str(as_jstr(json_array_get(agree, j), "group"), g);
		if (seen)
			continue;
		mine = json_array();
		ties = json_array();
		swapped = json_array();
		json_array_foreach(agree, j, b)
		{
			if (as_same_str(as_jstr(b, "group"), g)) {
				json_array_append(mine, (json_t *)b);
				resolved &= !as_same_str(as_jstr(b, "verdict"), "not resolved");
			}
		}
		discordant(mine, ties, swapped);
		rl = ranking(mine, "libswap_ratio");
		rd = ranking(mine, "direct_ratio");
		x = json_pack("{s:s?, s:s?, s:b, s:b, s:o, s:o, s:o, s:o}", "group", g, "axes",
			      as_jstr(a, "axes"), "same", json_equal(rl, rd) || !json_array_size(swapped),
			      "resolved", resolved, "libswap", rl, "direct", rd, "ties", ties, "swapped",
			      swapped);
		json_decref(mine);
		if (!x)
			as_report_oom();
		json_array_append_new(out, x);
	}
	return out;
}

json_t *as_reference_build(const json_t *s)
{
	const json_t *configs = json_object_get(s, "configs"), *c;
	json_t *rows = json_array(), *agree = json_array(), *out;
	size_t i;
	if (!rows || !agree)
		as_report_oom();
	json_array_foreach(configs, i, c)
	{
		const json_t *d, *gl, *gd;
		double l, r;
		/* stats aside: a direct cell has no libswap to count, and is made once */
		if (is_direct(c) || !(d = as_config_twin(configs, c, "preload", "direct", "stats")))
			continue;
		json_array_append_new(rows, cost_row(s, c, d));
		gl = geomean_of(s, as_jstr(c, "id"));
		gd = geomean_of(s, as_jstr(d, "id"));
		/* a baseline's own row says nothing about agreement */
		if (!gl || !gd || as_same_str(as_jstr(gl, "baseline"), as_jstr(c, "id")))
			continue;
		l = as_jdbl(json_object_get(gl, "ratio"));
		r = as_jdbl(json_object_get(gd, "ratio"));
		json_array_append_new(agree, agreement(s, c, d, as_jstr(gl, "baseline"),
						       as_jstr(gd, "baseline"), l, r));
	}
	if (!json_array_size(rows)) {
		json_decref(rows);
		json_decref(agree);
		return NULL;
	}
	out = json_pack("{s:o, s:o, s:o, s:f}", "rows", rows, "agreement", agree, "rankings",
			rankings(agree), "tolerance", AS_REF_AGREE);
	if (!out)
		as_report_oom();
	return out;
}

void as_reference_out(struct as_out *o, const json_t *ref)
{
	static const char *const cost_cols[] = {"libswap mode", "k", "libswap vs direct"};
	static const char *const agree_cols[] = {"behind libswap", "direct", "difference (95% CI)",
						 "verdict"};
	const json_t *r, *g;
	size_t i, k;
	char a[48], b[48], p[32], lo[32], hi[32], head[256], line[2048];
	if (!ref)
		return;
	as_out_raw(o, "## libswap against direct\n\n",
		   "<h2 id=\"reference\">libswap against direct</h2>\n");
	as_out_para(o, "Each allocator timed behind libswap (its mode in the timed processes) "
		       "against the same allocator preloaded by itself (LD_PRELOAD of its library; "
		       "system: no preload), interleaved in the same run. Ratio: direct time / "
		       "libswap time, geometric mean over the benchmarks with its 95%% CI (1.00x: "
		       "libswap costs nothing).");
	as_out_table(o, "Allocator", cost_cols, 3, "lrl");
	json_array_foreach(json_object_get(ref, "rows"), i, r)
	{
		snprintf(head, sizeof head, "%s%s%s", as_jstr(r, "allocator"),
			 *as_jstr(r, "axes") ? " " : "", as_jstr(r, "axes"));
		snprintf(a, sizeof a, "%lld", (long long)json_integer_value(json_object_get(r, "k")));
		as_out_row(o, head, 0);
		as_out_cell(o, as_jstr(r, "stats"), NULL);
		as_out_cell(o, a, NULL);
		as_out_cell(o, as_jstr(r, "verdict"), NULL);
		as_out_end_row(o);
	}
	as_out_end_table(o);
	if (!json_array_size(json_object_get(ref, "agreement")))
		return;
	as_out_para(o, "Do the two agree on how the allocators compare? Speed-up over the baseline "
		       "(geometric mean) measured behind libswap and directly; goal: within "
		       "±%.0f%%. \"agree\": the difference's 95%% CI lies inside ±%.0f%%; "
		       "\"differ\": it lies beyond ±%.0f%%; \"not resolved\": the runs cannot "
		       "tell (more runs narrow it).",
		    100 * AS_REF_AGREE, 100 * AS_REF_AGREE, 100 * AS_REF_AGREE);
	as_out_table(o, "Allocator", agree_cols, 4, "rrrl");
	json_array_foreach(json_object_get(ref, "agreement"), i, r)
	{
		const json_t *ci = json_object_get(r, "ci95");
		snprintf(head, sizeof head, "%s%s%s", as_jstr(r, "allocator"),
			 *as_jstr(r, "axes") ? " " : "", as_jstr(r, "axes"));
		as_out_row(o, head, 0);
		as_out_cell(o, as_fmt_speed(as_jdbl(json_object_get(r, "libswap_ratio")), a, sizeof a),
			    NULL);
		as_out_cell(o, as_fmt_speed(as_jdbl(json_object_get(r, "direct_ratio")), b, sizeof b),
			    NULL);
		snprintf(line, sizeof line, "%s (%s to %s)",
			 as_fmt_pct(as_jdbl(json_object_get(r, "difference")), p, sizeof p),
			 as_fmt_pct(as_jdbl(json_array_get(ci, 0)), lo, sizeof lo),
			 as_fmt_pct(as_jdbl(json_array_get(ci, 1)), hi, sizeof hi));
		as_out_cell(o, line, NULL);
		as_out_cell(o, as_jstr(r, "verdict"), NULL);
		as_out_end_row(o);
	}
	as_out_end_table(o);
	json_array_foreach(json_object_get(ref, "rankings"), k, g)
	{
		size_t n = (size_t)snprintf(line, sizeof line, "Ranking%s%s%s, fastest first: behind "
							       "libswap ",
					    *as_jstr(g, "axes") ? " (" : "", as_jstr(g, "axes"),
					    *as_jstr(g, "axes") ? ")" : "");
#define ADD(...) (n < sizeof line ? n += (size_t)snprintf(line + n, sizeof line - n, __VA_ARGS__) : n)
		json_array_foreach(json_object_get(g, "libswap"), i, r)
			ADD("%s%s", i ? ", " : "", json_string_value(r));
		ADD("; direct ");
		json_array_foreach(json_object_get(g, "direct"), i, r)
			ADD("%s%s", i ? ", " : "", json_string_value(r));
		if (json_array_size(json_object_get(g, "swapped"))) {
			ADD(" (they differ:");
			json_array_foreach(json_object_get(g, "swapped"), i, r)
				ADD("%s %s", i ? "," : "", json_string_value(r));
			ADD(" change places%s)", json_is_true(json_object_get(g, "resolved"))
							 ? ""
							 : "; these runs cannot tell whether that is "
							   "real: see the verdicts above");
		} else {
			ADD(" (the same");
			json_array_foreach(json_object_get(g, "ties"), i, r)
				ADD("%s%s", i ? ", " : " but for near-ties within ±2%: ",
				    json_string_value(r));
			ADD(")");
		}
#undef ADD
		as_out_para(o, "%s.", line);
	}
}
