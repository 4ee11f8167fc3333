/* bench_adaptive: `bench --until PCT --budget TIME` (bench.h).
 *
 * After the planned rounds, the matrix keeps adding interleaved rounds, each
 * for the benchmarks whose comparisons are still too uncertain: a benchmark
 * is wide while any configuration's speed ratio against its baseline has a
 * 95% CI wider than +-PCT of the ratio (or fewer than 2 processes on either
 * side).  It stops when no benchmark is wide, or when the next round would
 * end past the budget (counted from the start of this invocation).  The
 * ratios are the report's own (summary.h: the same samples, clock and
 * baselines), read back from runs.jsonl before each round, so a resumed
 * matrix goes on where it stopped.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

int bench_parse_until(const char *val, double *out)
{
	char *end;
	double v = strtod(val, &end);
	if (end == val || (*end && strcmp(end, "%")) || !(v > 0) || v >= 100)
		return as_usage_err("bench", "--until '%s': a percentage above 0 and below 100, "
					     "such as 2%%: the 95%% CIs of the speed ratios to reach",
				    val);
	*out = v / 100;
	return 0;
}

int bench_parse_budget(const char *val, double *out)
{
	char *end;
	double v = strtod(val, &end), unit = 1;
	if (end != val && !strcmp(end, "m"))
		unit = 60;
	else if (end != val && !strcmp(end, "h"))
		unit = 3600;
	else if (end != val && *end && strcmp(end, "s"))
		end = (char *)val;
	if (end == val || !(v > 0) || v * unit > 30 * 86400.0)
		return as_usage_err("bench", "--budget '%s': a time such as 900 (seconds), 900s, "
					     "45m or 2h, at most 30 days",
				    val);
	*out = v * unit;
	return 0;
}

/* The highest "run" of a timed record. */
static int max_run(json_t *rec, void *arg)
{
	long *mx = arg;
	json_t *r = json_object_get(rec, "run");
	if (!json_object_get(rec, "role") && json_is_integer(r) && json_integer_value(r) > *mx)
		*mx = (long)json_integer_value(r);
	return 0;
}

/* How far a cell's ratio CI reaches from its ratio, relative: the larger of
 * the two sides; INFINITY when it has none. */
static double half_width(const json_t *cell)
{
	const json_t *ci = json_object_get(cell, "ratio_ci95");
	double r = json_number_value(json_object_get(cell, "ratio"));
	double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
	if (!json_is_array(ci) || !(r > 0) || !(lo > 0) || !(hi > 0))
		return INFINITY;
	return fmax(hi / r - 1, 1 - lo / r);
}

int bench_adaptive_wide(const struct bench_matrix *m, const char *dir, unsigned char *wide,
			long *next_run, double *widest)
{
	struct as_dataset d;
	json_t *s;
	const json_t *c;
	size_t i, b, n = 0;
	long mx = -1;
	int rc;
	memset(wide, 0, m->nbenches);
	*widest = 0;
	if ((rc = as_runs_read(dir, max_run, &mx)) && rc != ENOENT)
		return -rc;
	*next_run = mx + 1 > (long)m->runs ? mx + 1 : (long)m->runs;
	if (as_dataset_load("bench", dir, m->clock[0] ? m->clock : NULL, &d))
		return -EIO;
	if (as_dataset_set_baseline(&d, "bench", NULL, dir)) {
		as_dataset_free(&d);
		return -EIO;
	}
	s = as_summary_build(&d);
	as_dataset_free(&d);
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		double w;
		/* a baseline's own cell, and a cell that only fails, narrow nothing */
		if (as_same_str(as_jstr(c, "config"), as_jstr(c, "baseline")) ||
		    !json_integer_value(json_object_get(c, "n")) ||
		    strstr(as_jstr(c, "verdict") ? as_jstr(c, "verdict") : "", "FAILED"))
			continue;
		w = half_width(c);
		for (b = 0; b < m->nbenches; b++)
			if (as_same_str(m->benches[b].name, as_jstr(c, "bench")) && w > m->until) {
				n += !wide[b];
				wide[b] = 1;
			}
		if (w > *widest)
			*widest = w;
	}
	json_decref(s);
	return (int)n;
}

json_t *bench_adaptive_json(const struct bench_matrix *m, long rounds, const char *stopped,
			    const unsigned char *wide, double widest)
{
	json_t *j = json_pack("{s:f, s:f, s:I, s:s, s:[]}", "until", m->until, "budget_s",
			      m->budget_s, "rounds", (json_int_t)rounds, "stopped", stopped, "wide");
	size_t b;
	if (!j)
		return NULL;
	for (b = 0; wide && b < m->nbenches; b++)
		if (wide[b])
			json_array_append_new(json_object_get(j, "wide"),
					      json_string(m->benches[b].name));
	json_object_set_new(j, "widest", isfinite(widest) ? json_real(widest) : json_null());
	return j;
}
