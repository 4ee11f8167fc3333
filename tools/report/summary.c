/* summary: bench directories into datasets, datasets into the summary that
 * `allocswap report` writes and `allocswap compare` prints (summary.h).
 *
 * DIR/summary.json, the contract (add fields freely, rename none):
 *
 * {"schema": "allocswap.summary/1",
 *  "generated": "2026-11-23T04:30:00Z",
 *  "allocswap": {"version", "commit"},     the allocswap that wrote the summary
 *  "source": "DIR",                        as given on the command line
 *  "meta": {...},                          DIR/meta.json as it is, or null
 *  "baseline": "<config id>",              the first configuration that is a baseline
 *  "baseline_rule": "allocator system" | "config <id>",
 *  "runs_skipped": lines of runs.jsonl that were no record (damaged, cut
 *                  off by an interrupted write), each warned about on stderr,
 *  "statistics": {"samples": "per-process means", "test": "welch", "correction": "holm",
 *                 "alpha": 0.05, "confidence": 0.95, "geomean_ci": "..."},
 *  "sources": {"time", "rss_peak", "counted": where those figures came from, in words;
 *              "memory_processes": how many memory processes counted},
 *  "configs": [CONFIG + {"baseline": "<config id>", "label": "jemalloc pymalloc=off"}],
 *  "benchmarks": [{"name", "group"}],
 *  "cells": [CELL, ...],                   benchmark-major, configs in order; only
 *                                          cells with at least one run
 *  "geomean": [{"config", "baseline", "k", "ratio", "ci95": [lo, hi], "time_change",
 *               "significant", "verdict"}, ...]}   one per config
 *
 * CELL:
 *  {"bench", "config", "baseline": "<config id>",
 *   "n": processes that ran fine (the samples), "failed": processes that did not,
 *   "errors": ["killed by signal 11 (Segmentation fault)", ...]   distinct,
 *   "samples": [per-process mean of "values", seconds, ...],
 *   "mean", "std", "median", "min", "max", "ci95": [lo, hi]       seconds, of the samples,
 *   "ratio": baseline mean / mean (speed-up, > 1 is faster), "ratio_ci95": [lo, hi],
 *   "time_change": (mean - baseline mean) / baseline mean,
 *   "p_value": Welch's t-test against the baseline's samples, two-sided,
 *   "p_mannwhitney": Mann-Whitney U, two-sided, for information,
 *   "p_adjusted": p_value adjusted by Holm over the benchmarks of this config,
 *   "significant": p_adjusted < 0.05,
 *   "verdict": "baseline" | "1.32x faster (-24%)" | "1.10x slower (+10%)" |
 *              "not significant" | "n/a (too few runs)" | "n/a (baseline FAILED)" |
 *              "FAILED (<first error>)",
 *   "rss_peak": median of report memory.rss_peak (bytes; the wait4 maxrss when a
 *               process has no report),
 *   "peak_live": median of report bytes.peak_live (bytes),
 *   "fragmentation_at_peak": median of report memory.fragmentation_at_peak,
 *   "syscalls": null, or {"source", "mmap", "munmap", "mremap", "brk", "madvise"}
 *               (medians) when the reports counted them,
 *   "memory_n", "memory_failed": the cell's memory processes (bench.h) that
 *               ran fine / did not,
 *   "clock": "cpu" | "wall", which time "samples" are (as_dataset.clock:
 *            one clock per benchmark), "wall_median", "cpu_median" (seconds,
 *            null without CPU values), "runq_share": median share of a timed
 *            process's wall time spent waiting for a CPU, "contended": timed
 *            processes that waited (run queue or steal) more than AS_CONTENDED
 *            of it, "contention_known": of how many that is known}
 * Where each figure comes from (dataset.c): the samples and rss_peak from
 * the timed processes; peak_live, fragmentation_at_peak and syscalls from
 * the processes that counted them: the timed ones when they ran in counters
 * or full mode, else the memory processes (ALLOCSWAP_STATS=counters).
 * Numbers that are not defined (std of one sample, a ratio without a
 * baseline) are null.  A baseline cell has ratio 1 and null p-values.
 */
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "results.h"
#include "stats.h"

#ifndef ALLOCSWAP_CLI_COMMIT
#define ALLOCSWAP_CLI_COMMIT "unknown"
#endif

/* The axes of a configuration besides the allocator, in the order that
 * labels and baseline matching use. */
static const char *const axes[] = {"libc",   "image",   "pymalloc", "seccomp",
				   "stats", "python", "preload",  NULL};
const char *const as_syscall_names[] = {"mmap", "munmap", "mremap", "brk", "madvise", NULL};

/* ---- small JSON helpers ---------------------------------------------------------- */

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

double as_jdbl(const json_t *j)
{
	return json_is_number(j) ? json_number_value(j) : NAN;
}

void as_report_oom(void)
{
	as_err("out of memory");
	exit(1);
}

double *as_jarray_doubles(const json_t *a, size_t *n)
{
	size_t i, k = 0, len = json_array_size(a);
	double *v = malloc((len ? len : 1) * sizeof *v);
	if (!v)
		as_report_oom();
	for (i = 0; i < len; i++)
		if (json_is_number(json_array_get(a, i)))
			v[k++] = json_number_value(json_array_get(a, i));
	*n = k;
	return v;
}

double as_jarray_median(const json_t *a)
{
	size_t n;
	double *v = as_jarray_doubles(a, &n), m = n ? as_stats_median(v, n) : NAN;
	free(v);
	return m;
}

/* ---- baselines ------------------------------------------------------------------------- */

static int has_allocator(const struct as_dataset *d, const char *alloc)
{
	const json_t *c;
	size_t i;
	json_array_foreach(d->configs, i, c)
	{
		if (as_jstr(c, "allocator") && !strcmp(as_jstr(c, "allocator"), alloc))
			return 1;
	}
	return 0;
}

int as_same_str(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The stats mode that the other modes are compared with: counters (the
 * default, what people run) when the data has it, else the first
 * configuration's. */
static const char *reference_stats(const struct as_dataset *d)
{
	const json_t *c;
	size_t i;
	json_array_foreach(d->configs, i, c)
	{
		if (as_same_str(as_jstr(c, "stats"), AS_STATS_DEFAULT))
			return AS_STATS_DEFAULT;
	}
	return as_jstr(json_array_get(d->configs, 0), "stats");
}

/* The configuration that differs from c in its stats mode alone, having
 * mode stats; or NULL. */
static const json_t *stats_twin(const struct as_dataset *d, const json_t *c, const char *stats)
{
	const json_t *b;
	size_t j;
	int k;
	json_array_foreach(d->configs, j, b)
	{
		int same = as_same_str(as_jstr(b, "allocator"), as_jstr(c, "allocator")) &&
			   as_same_str(as_jstr(b, "stats"), stats);
		for (k = 0; same && axes[k]; k++)
			if (strcmp(axes[k], "stats"))
				same = as_same_str(as_jstr(b, axes[k]), as_jstr(c, axes[k]));
		if (same)
			return b;
	}
	return NULL;
}

int as_dataset_set_baseline(struct as_dataset *d, const char *cmd, const char *which,
			    const char *where)
{
	const json_t *c, *b;
	size_t i, j;
	if (json_array_size(d->configs) == 0) {
		as_err("%s: %s holds no runs", cmd, where);
		return 2;
	}
	if (!which)
		which = has_allocator(d, "system") ? "system"
						   : as_jstr(json_array_get(d->configs, 0), "allocator");
	if (json_object_get(d->config_index, which)) {
		json_array_foreach(d->configs, i, c)
			json_object_set_new((json_t *)c, "baseline", json_string(which));
		return 0;
	}
	if (!which || !has_allocator(d, which)) {
		char list[2048] = "";
		size_t n = 0;
		json_array_foreach(d->configs, i, c)
		{
			const char *a = as_jstr(c, "allocator");
			int seen = 0;
			for (j = 0; j < i; j++)
				seen |= as_same_str(as_jstr(json_array_get(d->configs, j), "allocator"), a);
			if (a && !seen && n + strlen(a) + 3 < sizeof list)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
						      a);
		}
		as_err("%s: baseline '%s' is not an allocator of %s; allocators there: %s "
		       "(or give a configuration id)",
		       cmd, which ? which : "", where, list);
		return 2;
	}
	json_array_foreach(d->configs, i, c)
	{
		const char *ref = reference_stats(d);
		const json_t *twin;
		int best = -1;
		size_t best_j = 0;
		/* the stats axis measures libswap, not the allocator: a mode is
		 * compared with the reference mode on the same allocator (what
		 * full mode costs jemalloc), before any allocator comparison */
		if (!as_same_str(as_jstr(c, "stats"), ref) && (twin = stats_twin(d, c, ref))) {
			json_object_set_new((json_t *)c, "baseline", json_string(as_jstr(twin, "id")));
			continue;
		}
		if (as_same_str(as_jstr(c, "allocator"), which)) {
			json_object_set_new((json_t *)c, "baseline", json_string(as_jstr(c, "id")));
			continue;
		}
		json_array_foreach(d->configs, j, b)
		{
			int score = 0, k;
			if (!as_same_str(as_jstr(b, "allocator"), which))
				continue;
			for (k = 0; axes[k]; k++)
				score += as_same_str(as_jstr(b, axes[k]), as_jstr(c, axes[k]));
			if (score > best) {
				best = score;
				best_j = j;
			}
		}
		json_object_set_new((json_t *)c, "baseline",
				    json_string(as_jstr(json_array_get(d->configs, best_j), "id")));
	}
	return 0;
}

/* ---- formatting -------------------------------------------------------------------------- */

static void time_unit(double s, double *scale, const char **unit)
{
	double a = fabs(s);
	if (a >= 1 || a == 0 || !isfinite(a)) {
		*scale = 1;
		*unit = "s";
	} else if (a >= 1e-3) {
		*scale = 1e3;
		*unit = "ms";
	} else if (a >= 1e-6) {
		*scale = 1e6;
		*unit = "us";
	} else {
		*scale = 1e9;
		*unit = "ns";
	}
}

static int decimals(double v)
{
	v = fabs(v);
	return v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
}

const char *as_fmt_time(double seconds, char *buf, size_t cap)
{
	double scale;
	const char *unit;
	if (!isfinite(seconds)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	time_unit(seconds, &scale, &unit);
	snprintf(buf, cap, "%.*f %s", decimals(seconds * scale), seconds * scale, unit);
	return buf;
}

const char *as_fmt_time_pm(double mean, double std, char *buf, size_t cap)
{
	double scale;
	const char *unit;
	int dec;
	if (!isfinite(std))
		return as_fmt_time(mean, buf, cap);
	time_unit(mean, &scale, &unit);
	dec = decimals(mean * scale);
	snprintf(buf, cap, "%.*f %s ± %.*f %s", dec, mean * scale, unit, dec, std * scale, unit);
	return buf;
}

const char *as_fmt_bytes(double b, char *buf, size_t cap)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	if (!isfinite(b)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	while (fabs(b) >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%.0f B", b);
	else
		snprintf(buf, cap, "%.1f %s", b, units[u]);
	return buf;
}

const char *as_fmt_pct(double change, char *buf, size_t cap)
{
	double pct = change * 100;
	snprintf(buf, cap, fabs(pct) >= 0.995 ? "%+.0f%%" : "%+.1f%%", pct);
	return buf;
}

const char *as_fmt_speed(double ratio, char *buf, size_t cap)
{
	char pct[32];
	as_fmt_pct(1 / ratio - 1, pct, sizeof pct);
	if (ratio >= 1)
		snprintf(buf, cap, "%.2fx faster (%s)", ratio, pct);
	else
		snprintf(buf, cap, "%.2fx slower (%s)", 1 / ratio, pct);
	return buf;
}

const char *as_fmt_ci(double lo, double hi, char *buf, size_t cap)
{
	if (!isfinite(lo) || !isfinite(hi))
		snprintf(buf, cap, "-");
	else if (lo >= 1)
		snprintf(buf, cap, "%.2fx-%.2fx faster", lo, hi);
	else if (hi <= 1)
		snprintf(buf, cap, "%.2fx-%.2fx slower", 1 / hi, 1 / lo);
	else
		snprintf(buf, cap, "%.2fx slower to %.2fx faster", 1 / lo, hi);
	return buf;
}

const char *as_fmt_cell(const json_t *cell, char *buf, size_t cap)
{
	const char *verdict = as_jstr(cell, "verdict");
	json_int_t n = json_integer_value(json_object_get(cell, "n"));
	json_int_t failed = json_integer_value(json_object_get(cell, "failed"));
	char t[96];
	int len;
	if (!cell) {
		snprintf(buf, cap, "-");
		return buf;
	}
	if (verdict && !strcmp(verdict, "baseline"))
		len = snprintf(buf, cap, "baseline: %s",
			       as_fmt_time_pm(as_jdbl(json_object_get(cell, "mean")),
					      as_jdbl(json_object_get(cell, "std")), t, sizeof t));
	else
		len = snprintf(buf, cap, "%s", verdict ? verdict : "-");
	if (failed > 0 && n > 0 && len >= 0 && (size_t)len < cap)
		snprintf(buf + len, cap - (size_t)len, " (%lld of %lld runs failed)",
			 (long long)failed, (long long)(failed + n));
	return buf;
}

/* ---- the summary ----------------------------------------------------------------------------- */

static json_t *pair(double lo, double hi)
{
	if (!isfinite(lo) || !isfinite(hi))
		return json_null();
	return json_pack("[o, o]", json_real(lo), json_real(hi));
}

static json_t *syscall_medians(const json_t *list)
{
	json_t *out, *vals;
	const json_t *s;
	size_t i, k;
	if (json_array_size(list) == 0)
		return json_null();
	out = json_pack("{s:s}", "source", as_jstr(json_array_get(list, 0), "source"));
	for (k = 0; as_syscall_names[k]; k++) {
		vals = json_array();
		json_array_foreach(list, i, s)
		{
			const json_t *v = json_object_get(s, as_syscall_names[k]);
			if (json_is_number(v))
				json_array_append_new(vals, json_real(json_number_value(v)));
		}
		json_object_set_new(out, as_syscall_names[k], jnum(as_jarray_median(vals)));
		json_decref(vals);
	}
	return out;
}

/* A short name that shows only the axes that vary among the configs. */
static void set_labels(const struct as_dataset *d)
{
	const json_t *c, *o;
	size_t i, j;
	int k, varies[8] = {0};
	for (k = 0; axes[k]; k++) {
		const char *first = as_jstr(json_array_get(d->configs, 0), axes[k]);
		json_array_foreach(d->configs, j, o)
		{
			const char *v = as_jstr(o, axes[k]);
			varies[k] |= strcmp(v ? v : "", first ? first : "") != 0;
		}
	}
	json_array_foreach(d->configs, i, c)
	{
		char label[512];
		size_t n = (size_t)snprintf(label, sizeof label, "%s",
					    as_jstr(c, "allocator") ? as_jstr(c, "allocator") : as_jstr(c, "id"));
		for (k = 0; axes[k]; k++) {
			const char *v = as_jstr(c, axes[k]);
			if (!varies[k] || !v || n >= sizeof label)
				continue;
			if (!strcmp(axes[k], "pymalloc") || !strcmp(axes[k], "seccomp") ||
			    !strcmp(axes[k], "stats"))
				n += (size_t)snprintf(label + n, sizeof label - n, " %s=%s", axes[k], v);
			else
				n += (size_t)snprintf(label + n, sizeof label - n, " %s", v);
		}
		json_object_set_new((json_t *)c, "label", json_string(label));
	}
}

/* Timed processes of a cell measured under contention: waiting for a CPU
 * (schedstat) or robbed by the hypervisor (steal) for more than
 * AS_CONTENDED of their wall time. */
static size_t contended(const json_t *raw)
{
	size_t n = 0, i, k;
	static const char *const keys[] = {"runq", "steal"};
	for (k = 0; k < 2; k++) {
		const json_t *a = json_object_get(raw, keys[k]);
		for (i = 0; i < json_array_size(a); i++)
			n += as_jdbl(json_array_get(a, i)) > AS_CONTENDED;
	}
	return n;
}

static json_t *describe_cell(const json_t *raw, const char *bench, const char *config,
			     const char *baseline)
{
	size_t n;
	double *v = as_jarray_doubles(json_object_get(raw, "samples"), &n);
	struct as_describe s;
	json_t *cell;
	as_stats_describe(v, n, &s);
	free(v);
	cell = json_pack("{s:s, s:s, s:s, s:I, s:O, s:O, s:O}", "bench", bench, "config", config,
			 "baseline", baseline, "n", (json_int_t)n, "failed",
			 json_object_get(raw, "failed"), "errors", json_object_get(raw, "errors"),
			 "samples", json_object_get(raw, "samples"));
	if (!cell)
		as_report_oom();
	json_object_set_new(cell, "mean", jnum(s.mean));
	json_object_set_new(cell, "std", jnum(s.std));
	json_object_set_new(cell, "median", jnum(s.median));
	json_object_set_new(cell, "min", jnum(s.min));
	json_object_set_new(cell, "max", jnum(s.max));
	json_object_set_new(cell, "ci95", pair(s.ci_lo, s.ci_hi));
	json_object_set_new(cell, "ratio", json_null());
	json_object_set_new(cell, "ratio_ci95", json_null());
	json_object_set_new(cell, "time_change", json_null());
	json_object_set_new(cell, "p_value", json_null());
	json_object_set_new(cell, "p_mannwhitney", json_null());
	json_object_set_new(cell, "p_adjusted", json_null());
	json_object_set_new(cell, "significant", json_false());
	json_object_set_new(cell, "rss_peak", jnum(as_jarray_median(json_object_get(raw, "rss"))));
	json_object_set_new(cell, "peak_live", jnum(as_jarray_median(json_object_get(raw, "live"))));
	json_object_set_new(cell, "fragmentation_at_peak",
			    jnum(as_jarray_median(json_object_get(raw, "frag"))));
	json_object_set_new(cell, "syscalls", syscall_medians(json_object_get(raw, "syscalls")));
	json_object_set_new(cell, "wrong_allocator",
			    json_integer(json_integer_value(json_object_get(raw, "wrong_allocator"))));
	json_object_set_new(cell, "clock", json_string(as_jstr(raw, "clock") ? as_jstr(raw, "clock")
									  : "wall"));
	json_object_set_new(cell, "wall_median", jnum(as_jarray_median(json_object_get(raw, "wall"))));
	json_object_set_new(cell, "cpu_median", jnum(as_jarray_median(json_object_get(raw, "cpu"))));
	json_object_set_new(cell, "contended", json_integer((json_int_t)contended(raw)));
	json_object_set_new(cell, "contention_known",
			    json_integer((json_int_t)json_array_size(json_object_get(raw, "runq"))));
	json_object_set_new(cell, "runq_share", jnum(as_jarray_median(json_object_get(raw, "runq"))));
	json_object_set(cell, "memory_n", json_object_get(raw, "memory_n"));
	json_object_set(cell, "memory_failed", json_object_get(raw, "memory_failed"));
	if (json_object_get(raw, "pyperf")) /* pyperformance's invocations (dataset.c) */
		json_object_set(cell, "pyperf", json_object_get(raw, "pyperf"));
	return cell;
}

static void set_verdict(json_t *cell, const char *fmt_arg)
{
	json_object_set_new(cell, "verdict", json_string(fmt_arg));
}

static void failed_verdict(json_t *cell)
{
	char buf[300];
	const char *e = json_string_value(json_array_get(json_object_get(cell, "errors"), 0));
	snprintf(buf, sizeof buf, "FAILED (%s)", e ? e : "no successful run");
	set_verdict(cell, buf);
}

/* The cells of one config against its baseline, Holm over its benchmarks,
 * and its geometric mean. */
static json_t *compare_config(const struct as_dataset *d, json_t *cells_out, const json_t *config)
{
	const char *id = as_jstr(config, "id"), *base = as_jstr(config, "baseline");
	size_t nb = json_array_size(d->benchmarks), i, k = 0;
	json_t **cells = calloc(nb ? nb : 1, sizeof *cells), *g;
	double *p = malloc((nb ? nb : 1) * sizeof *p), *adj = malloc((nb ? nb : 1) * sizeof *adj);
	struct as_ratio *ratios = malloc((nb ? nb : 1) * sizeof *ratios);
	int is_base = as_same_str(id, base);
	if (!cells || !p || !adj || !ratios)
		as_report_oom();
	for (i = 0; i < nb; i++) {
		const char *bench = as_jstr(json_array_get(d->benchmarks, i), "name");
		const json_t *raw = as_dataset_find_cell(d, bench, id), *braw = as_dataset_find_cell(d, bench, base);
		size_t n, bn;
		double *x, *bx;
		struct as_test w, mw;
		struct as_ratio r;
		json_t *cell;
		p[i] = NAN;
		if (!raw)
			continue;
		cell = cells[i] = describe_cell(raw, bench, id, base);
		x = as_jarray_doubles(json_object_get(raw, "samples"), &n);
		bx = as_jarray_doubles(json_object_get(braw, "samples"), &bn);
		if (n == 0) {
			failed_verdict(cell);
		} else if (is_base) {
			set_verdict(cell, "baseline");
			json_object_set_new(cell, "ratio", json_real(1));
			json_object_set_new(cell, "time_change", json_real(0));
		} else if (bn == 0 && braw && json_integer_value(json_object_get(braw, "failed"))) {
			set_verdict(cell, "n/a (baseline FAILED)");
		} else if (n < 2 || bn < 2 || as_stats_ratio(bx, bn, x, n, &r)) {
			set_verdict(cell, "n/a (too few runs)");
		} else {
			as_stats_welch(bx, bn, x, n, &w);
			as_stats_mann_whitney(bx, bn, x, n, &mw);
			p[i] = w.p;
			ratios[k++] = r;
			json_object_set_new(cell, "ratio", jnum(r.ratio));
			json_object_set_new(cell, "ratio_ci95", pair(r.ci_lo, r.ci_hi));
			json_object_set_new(cell, "time_change", jnum(1 / r.ratio - 1));
			json_object_set_new(cell, "p_value", jnum(w.p));
			json_object_set_new(cell, "p_mannwhitney", jnum(mw.p));
		}
		free(x);
		free(bx);
	}
	if (as_stats_holm(p, adj, nb))
		as_report_oom();
	for (i = 0; i < nb; i++) {
		char buf[96];
		if (!cells[i])
			continue;
		if (!isnan(p[i])) {
			int sig = adj[i] < AS_ALPHA;
			json_object_set_new(cells[i], "p_adjusted", jnum(adj[i]));
			json_object_set_new(cells[i], "significant", json_boolean(sig));
			set_verdict(cells[i],
				    sig ? as_fmt_speed(as_jdbl(json_object_get(cells[i], "ratio")), buf,
						       sizeof buf)
					: "not significant");
		}
		json_array_append_new(cells_out, cells[i]);
	}
	g = json_pack("{s:s, s:s, s:I}", "config", id, "baseline", base, "k", (json_int_t)k);
	if (is_base) {
		json_object_set_new(g, "ratio", json_real(1));
		json_object_set_new(g, "ci95", json_null());
		json_object_set_new(g, "time_change", json_real(0));
		json_object_set_new(g, "significant", json_false());
		json_object_set_new(g, "verdict", json_string("baseline"));
	} else if (k == 0) {
		json_object_set_new(g, "ratio", json_null());
		json_object_set_new(g, "ci95", json_null());
		json_object_set_new(g, "time_change", json_null());
		json_object_set_new(g, "significant", json_false());
		json_object_set_new(g, "verdict", json_string("n/a (too few runs)"));
	} else {
		struct as_geomean gm;
		char buf[96];
		int sig;
		as_stats_geomean(ratios, k, &gm);
		sig = gm.ci_lo > 1 || gm.ci_hi < 1;
		json_object_set_new(g, "ratio", jnum(gm.ratio));
		json_object_set_new(g, "ci95", pair(gm.ci_lo, gm.ci_hi));
		json_object_set_new(g, "time_change", jnum(1 / gm.ratio - 1));
		json_object_set_new(g, "significant", json_boolean(sig));
		json_object_set_new(g, "verdict",
				    json_string(sig ? as_fmt_speed(gm.ratio, buf, sizeof buf)
						    : "not significant"));
	}
	free(cells);
	free(p);
	free(adj);
	free(ratios);
	return g;
}

static void utc_now(char *buf, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Where the figures came from (dataset.c): the stats modes of the timed
 * processes, and how many memory processes counted for cells timed off. */
static json_t *sources_json(const struct as_dataset *d)
{
	const json_t *c, *cell;
	const char *key;
	json_int_t mem = 0;
	char modes[64] = "", counted[256];
	size_t i;
	int off = 0, counting = 0;
	json_array_foreach(d->configs, i, c)
	{
		const char *m = as_jstr(c, "stats") ? as_jstr(c, "stats") : AS_STATS_DEFAULT;
		if (!strstr(modes, m) && strlen(modes) + strlen(m) + 2 < sizeof modes)
			snprintf(modes + strlen(modes), sizeof modes - strlen(modes), "%s%s",
				 modes[0] ? "," : "", m);
		off |= !strcmp(m, "off");
		counting |= strcmp(m, "off") != 0;
	}
	json_object_foreach((json_t *)d->cells, key, cell)
		mem += json_integer_value(json_object_get(cell, "memory_n"));
	if (off && mem)
		snprintf(counted, sizeof counted,
			 "%s%lld memory processes (ALLOCSWAP_STATS=counters, interleaved with the "
			 "timed ones, not timed)",
			 counting ? "the timed processes where they counted, else " : "",
			 (long long)mem);
	else if (off && !counting)
		snprintf(counted, sizeof counted, "none: the timed processes ran stats off and "
						  "no memory process was recorded");
	else
		snprintf(counted, sizeof counted, "the timed processes (ALLOCSWAP_STATS=%s)%s", modes,
			 off ? "; cells timed off have none" : "");
	return json_pack("{s:s++, s:s, s:s, s:I}", "time", "the timed processes (ALLOCSWAP_STATS=",
			 modes, ")", "rss_peak", "the kernel's peak RSS (VmHWM) of the timed processes",
			 "counted", counted, "memory_processes", mem);
}

json_t *as_summary_build(const struct as_dataset *d)
{
	json_t *s, *cells = json_array(), *geo = json_array(), *cfg_out;
	const json_t *c;
	size_t i, nb = json_array_size(d->benchmarks), nc = json_array_size(d->configs);
	const char *first_base = NULL;
	char now[32];
	if (!cells || !geo)
		as_report_oom();
	set_labels(d);
	json_array_foreach(d->configs, i, c)
	{
		json_t *g = compare_config(d, cells, c);
		json_array_append_new(geo, g);
		if (!first_base && as_same_str(as_jstr(c, "id"), as_jstr(c, "baseline")))
			first_base = as_jstr(c, "id");
	}
	if (!first_base)
		first_base = as_jstr(json_array_get(d->configs, 0), "baseline");
	/* benchmark-major order: compare_config appended config-major */
	{
		json_t *sorted = json_array();
		size_t b, k;
		for (b = 0; b < nb; b++) {
			const char *name = as_jstr(json_array_get(d->benchmarks, b), "name");
			for (k = 0; k < nc; k++) {
				const char *id = as_jstr(json_array_get(d->configs, k), "id");
				const json_t *x;
				size_t j;
				json_array_foreach(cells, j, x)
				{
					if (as_same_str(as_jstr(x, "bench"), name) &&
					    as_same_str(as_jstr(x, "config"), id))
						json_array_append(sorted, (json_t *)x);
				}
			}
		}
		json_decref(cells);
		cells = sorted;
	}
	cfg_out = json_deep_copy(d->configs);
	utc_now(now, sizeof now);
	s = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O?, s:s?, s:o, s:O, s:o, s:o}", "schema",
		      AS_SUMMARY_SCHEMA, "generated", now, "allocswap", "version",
		      ALLOCSWAP_CLI_VERSION, "commit", ALLOCSWAP_CLI_COMMIT, "meta", d->meta,
		      "baseline", first_base, "configs", cfg_out, "benchmarks", d->benchmarks,
		      "cells", cells, "geomean", geo);
	if (!s)
		as_report_oom();
	json_object_set_new(
		s, "statistics",
		json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "samples",
			  "per-process means of the values", "test",
			  "welch (two-sided, on the per-process means)", "correction",
			  "holm (over the benchmarks of each configuration)", "alpha", AS_ALPHA,
			  "confidence", 0.95, "geomean_ci",
			  "union of the t-interval of the measurement noise (delta method, "
			  "Welch-Satterthwaite df) and, with 3 or more benchmarks, the t-interval "
			  "of the log ratios across benchmarks"));
	json_object_set_new(s, "sources", sources_json(d));
	json_object_set_new(s, "runs_skipped", json_integer(d->runs_skipped));
	return s;
}
