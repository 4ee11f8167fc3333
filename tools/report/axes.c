/* axes: each axis of the matrix on its own, read from a summary.
 *
 * The speed table compares every configuration with its baseline
 * allocator's.  What switching one other axis does (pymalloc on against
 * off, a libc, an image, a seccomp profile, a Python build) is asked as
 * often, and is answered here: for every axis with several values, every
 * configuration whose value is not the axis's first is paired with its twin,
 * the configuration that differs from it in that axis alone (the allocator
 * included), and the pair's speed is the geometric mean over the benchmarks
 * of twin time / its time, with its 95% CI (as_pair_speed).
 *
 * summary.json's "axes" (absent when no axis has two values with twins):
 *  [{"axis": "pymalloc", "base": "on", "rows": [{"config", "twin", "allocator",
 *    "value", "k", "ratio", "ci95": [lo, hi], "verdict"}]}]
 * ratio > 1: the configuration is faster than its twin at the axis's first
 * value.  The stats axis is left out (report compares modes with counters
 * already), and so is preload (the reference section, reference.c).
 */
#include "axes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report_out.h"
#include "results.h"
#include "stats.h"
#include "summary.h"

static const char *const axis_names[] = {"libc", "image", "pymalloc", "seccomp", "python", NULL};
/* what must match for a twin, besides the axis itself */
static const char *const all_axes[] = {"allocator", "libc",   "image",   "pymalloc",
				       "seccomp",   "python", "preload", "stats", NULL};

const json_t *as_summary_cell(const json_t *s, const char *bench, const char *config)
{
	const json_t *cells = json_object_get(s, "cells");
	const json_t *x;
	size_t i;
	json_array_foreach(cells, i, x)
	{
		if (as_same_str(as_jstr(x, "bench"), bench) && as_same_str(as_jstr(x, "config"), config))
			return x;
	}
	return NULL;
}

json_t *as_pair_speed(const json_t *s, const char *base, const char *id)
{
	const json_t *b;
	size_t i, k = 0, nb = json_array_size(json_object_get(s, "benchmarks"));
	struct as_ratio *r = calloc(nb ? nb : 1, sizeof *r);
	struct as_geomean g = {0, NAN, NAN, NAN};
	char verdict[160], a[48], ci[96];
	json_t *out;
	if (!r)
		as_report_oom();
	json_array_foreach(json_object_get(s, "benchmarks"), i, b)
	{
		const json_t *x = as_summary_cell(s, as_jstr(b, "name"), id);
		const json_t *y = as_summary_cell(s, as_jstr(b, "name"), base);
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
		snprintf(verdict, sizeof verdict, "not significant, 95%% CI %s",
			 as_fmt_ci(g.ci_lo, g.ci_hi, ci, sizeof ci));
	else
		snprintf(verdict, sizeof verdict, "%s, 95%% CI %s", as_fmt_speed(g.ratio, a, sizeof a),
			 as_fmt_ci(g.ci_lo, g.ci_hi, ci, sizeof ci));
	out = json_pack("{s:I, s:o, s:[o, o], s:s}", "k", (json_int_t)k, "ratio",
			isfinite(g.ratio) ? json_real(g.ratio) : json_null(), "ci95",
			isfinite(g.ci_lo) ? json_real(g.ci_lo) : json_null(),
			isfinite(g.ci_hi) ? json_real(g.ci_hi) : json_null(), "verdict", verdict);
	if (!out)
		as_report_oom();
	return out;
}

/* c's value of axis; what a configuration written before that axis
 * means when it has none (results.h). */
static const char *val(const json_t *c, const char *axis)
{
	const char *v = as_jstr(c, axis);
	if (v)
		return v;
	if (!strcmp(axis, "preload"))
		return AS_PRELOAD_DEFAULT;
	if (!strcmp(axis, "stats"))
		return AS_STATS_DEFAULT;
	if (!strcmp(axis, "python"))
		return AS_PYTHON_DEFAULT;
	return "";
}

const json_t *as_config_twin(const json_t *configs, const json_t *c, const char *axis,
			     const char *v, const char *free_axis)
{
	const json_t *t;
	size_t i, k;
	json_array_foreach(configs, i, t)
	{
		if (strcmp(val(t, axis), v))
			continue;
		for (k = 0; all_axes[k]; k++)
			if (strcmp(all_axes[k], axis) &&
			    (!free_axis || strcmp(all_axes[k], free_axis)) &&
			    strcmp(val(t, all_axes[k]), val(c, all_axes[k])))
				break;
		if (!all_axes[k])
			return t;
	}
	return NULL;
}

json_t *as_axes_build(const json_t *s)
{
	const json_t *configs = json_object_get(s, "configs"), *c;
	json_t *out = json_array();
	size_t a, i;
	if (!out)
		as_report_oom();
	for (a = 0; axis_names[a]; a++) {
		const char *base = val(json_array_get(configs, 0), axis_names[a]);
		json_t *rows = json_array();
		json_array_foreach(configs, i, c)
		{
			const char *v = val(c, axis_names[a]);
			const json_t *t;
			json_t *row;
			if (!strcmp(v, base) || !(t = as_config_twin(configs, c, axis_names[a], base, NULL)))
				continue;
			row = as_pair_speed(s, as_jstr(t, "id"), as_jstr(c, "id"));
			json_object_set_new(row, "config", json_string(as_jstr(c, "id")));
			json_object_set_new(row, "twin", json_string(as_jstr(t, "id")));
			json_object_set_new(row, "allocator", json_string(as_jstr(c, "allocator")));
			json_object_set_new(row, "label", json_string(as_jstr(c, "label") ? as_jstr(c, "label") : as_jstr(c, "id")));
			json_object_set_new(row, "value", json_string(v));
			json_array_append_new(rows, row);
		}
		if (json_array_size(rows))
			json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "axis", axis_names[a],
							     "base", base, "rows", rows));
		else
			json_decref(rows);
	}
	if (!json_array_size(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void as_axes_out(struct as_out *o, const json_t *axes)
{
	static const char *const cols[] = {"k", "speed"};
	const json_t *ax, *r;
	size_t i, j;
	char k[32], title[128], base[160];
	if (!axes)
		return;
	as_out_raw(o, "## Each axis on its own\n\n", "<h2 id=\"axes\">Each axis on its own</h2>\n");
	as_out_para(o, "Every configuration against its twin that differs in one axis alone (the "
		       "allocator too), as the geometric mean over the benchmarks of the twin's time "
		       "/ its time, with its 95%% CI.");
	json_array_foreach(axes, i, ax)
	{
		snprintf(title, sizeof title, "%s", as_jstr(ax, "axis"));
		snprintf(base, sizeof base, "against %s=%s", as_jstr(ax, "axis"), as_jstr(ax, "base"));
		as_out_heading(o, title, base);
		as_out_table(o, "Configuration", cols, 2, "rl");
		json_array_foreach(json_object_get(ax, "rows"), j, r)
		{
			snprintf(k, sizeof k, "%lld", (long long)json_integer_value(json_object_get(r, "k")));
			as_out_row(o, as_jstr(r, "label"), 0);
			as_out_cell(o, k, NULL);
			as_out_cell(o, as_jstr(r, "verdict"), NULL);
			as_out_end_row(o);
		}
		as_out_end_table(o);
	}
}
