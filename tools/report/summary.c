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
 *  "statistics": {"samples": "per-process means", "test": "welch", "correction": "holm",
 *                 "alpha": 0.05, "confidence": 0.95, "geomean_ci": "..."},
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
 *               (medians) when the reports counted them}
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
static const char *const axes[] = {"libc", "image", "pymalloc", "seccomp", "stats", "python", NULL};
const char *const as_syscall_names[] = {"mmap", "munmap", "mremap", "brk", "madvise", NULL};

#define MAX_ERRORS 5

/* ---- small JSON helpers ---------------------------------------------------------- */

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static double jdbl(const json_t *j)
{
	return json_is_number(j) ? json_number_value(j) : NAN;
}

static void oom(void)
{
	as_err("out of memory");
	exit(1);
}

/* The values of a JSON array of numbers, malloc'd; *n gets the count. */
static double *jarray_doubles(const json_t *a, size_t *n)
{
	size_t i, k = 0, len = json_array_size(a);
	double *v = malloc((len ? len : 1) * sizeof *v);
	if (!v)
		oom();
	for (i = 0; i < len; i++)
		if (json_is_number(json_array_get(a, i)))
			v[k++] = json_number_value(json_array_get(a, i));
	*n = k;
	return v;
}

static double jarray_median(const json_t *a)
{
	size_t n;
	double *v = jarray_doubles(a, &n), m = n ? as_stats_median(v, n) : NAN;
	free(v);
	return m;
}

/* ---- the dataset --------------------------------------------------------------------- */

void as_dataset_init(struct as_dataset *d)
{
	d->meta = NULL;
	d->configs = json_array();
	d->benchmarks = json_array();
	d->cells = json_object();
	d->config_index = json_object();
	d->bench_index = json_object();
	if (!d->configs || !d->benchmarks || !d->cells || !d->config_index || !d->bench_index)
		oom();
}

void as_dataset_free(struct as_dataset *d)
{
	json_decref(d->meta);
	json_decref(d->configs);
	json_decref(d->benchmarks);
	json_decref(d->cells);
	json_decref(d->config_index);
	json_decref(d->bench_index);
	memset(d, 0, sizeof *d);
}

/* A configuration known only by its id,
 * "ALLOC/LIBC/IMAGE/pymalloc=X/seccomp=Y[/stats=Z]" (results.h); parsed
 * from the right, since an allocator may be a path. */
static json_t *config_from_id(const char *id)
{
	char *s = strdup(id), *part[4], *slash;
	json_t *c;
	int i;
	if (!s)
		oom();
	c = json_pack("{s:s, s:s}", "id", id, "allocator", id);
	slash = strrchr(s, '/');
	if (slash && !strncmp(slash + 1, "stats=", 6)) {
		json_object_set_new(c, "stats", json_string(slash + 7));
		*slash = 0;
	}
	for (i = 3; i >= 0; i--) {
		char *slash = strrchr(s, '/');
		if (!slash)
			break;
		part[i] = slash + 1;
		*slash = 0;
	}
	if (i < 0 && !strncmp(part[2], "pymalloc=", 9) && !strncmp(part[3], "seccomp=", 8)) {
		json_object_set_new(c, "allocator", json_string(s));
		json_object_set_new(c, "libc", json_string(part[0]));
		json_object_set_new(c, "image", json_string(part[1]));
		json_object_set_new(c, "pymalloc", json_string(part[2] + 9));
		json_object_set_new(c, "seccomp", json_string(part[3] + 8));
	}
	free(s);
	return c;
}

size_t as_dataset_config(struct as_dataset *d, const json_t *config)
{
	const char *id = as_jstr(config, "id");
	json_t *at = json_object_get(d->config_index, id), *copy;
	size_t i;
	if (at)
		return (size_t)json_integer_value(at);
	i = json_array_size(d->configs);
	copy = json_deep_copy(config);
	if (!copy)
		oom();
	/* results from before the stats axis: every process got counters */
	if (!as_jstr(copy, "stats"))
		json_object_set_new(copy, "stats", json_string(AS_STATS_DEFAULT));
	json_array_append_new(d->configs, copy);
	json_object_set_new(d->config_index, id, json_integer((json_int_t)i));
	return i;
}

size_t as_dataset_bench(struct as_dataset *d, const char *name, const char *group)
{
	json_t *at = json_object_get(d->bench_index, name);
	size_t i;
	if (at)
		return (size_t)json_integer_value(at);
	i = json_array_size(d->benchmarks);
	json_array_append_new(d->benchmarks,
			      json_pack("{s:s, s:s}", "name", name, "group", group ? group : ""));
	json_object_set_new(d->bench_index, name, json_integer((json_int_t)i));
	return i;
}

static char *cell_key(const char *bench, const char *config)
{
	char *k;
	if (asprintf(&k, "%s\n%s", bench, config) < 0)
		oom();
	return k;
}

static json_t *find_cell(const struct as_dataset *d, const char *bench, const char *config)
{
	char *k = cell_key(bench, config);
	json_t *c = json_object_get(d->cells, k);
	free(k);
	return c;
}

json_t *as_dataset_cell(struct as_dataset *d, const char *bench, const char *config)
{
	char *k = cell_key(bench, config);
	json_t *c = json_object_get(d->cells, k);
	if (!c) {
		c = json_pack("{s:[], s:i, s:[], s:[], s:[], s:[], s:[], s:i}", "samples", "failed", 0,
			      "errors", "rss", "live", "frag", "syscalls", "wrong_allocator", 0);
		if (!c)
			oom();
		json_object_set_new(d->cells, k, c);
	}
	free(k);
	return c;
}

static void cell_error(json_t *cell, const char *err)
{
	json_t *errors = json_object_get(cell, "errors");
	size_t i;
	json_object_set_new(cell, "failed",
			    json_integer(json_integer_value(json_object_get(cell, "failed")) + 1));
	for (i = 0; i < json_array_size(errors); i++)
		if (!strcmp(json_string_value(json_array_get(errors, i)), err))
			return;
	if (json_array_size(errors) < MAX_ERRORS)
		json_array_append_new(errors, json_string(err));
}

static void push_number(json_t *cell, const char *key, const json_t *v)
{
	if (json_is_number(v))
		json_array_append_new(json_object_get(cell, key), json_real(json_number_value(v)));
}

/* One record of runs.jsonl (contract in results.h). */
static void add_record(struct as_dataset *d, const json_t *rec)
{
	const char *bench = as_jstr(rec, "bench"), *config = as_jstr(rec, "config");
	const char *status = as_jstr(rec, "status");
	const json_t *values = json_object_get(rec, "values"), *rep;
	json_t *cell;
	size_t n;
	double *v;
	if (!bench || !config)
		return;
	as_dataset_bench(d, bench, NULL);
	if (!json_object_get(d->config_index, config)) {
		json_t *c = config_from_id(config);
		as_dataset_config(d, c);
		json_decref(c);
	}
	cell = as_dataset_cell(d, bench, config);
	v = jarray_doubles(values, &n);
	if (!status || strcmp(status, "ok") || n == 0) {
		const char *err = as_jstr(rec, "error");
		char buf[128];
		if (!err) {
			snprintf(buf, sizeof buf, "%s", status && strcmp(status, "ok") ? status
							 : "no values");
			err = buf;
		}
		cell_error(cell, err);
		free(v);
		return;
	}
	json_array_append_new(json_object_get(cell, "samples"), json_real(as_stats_mean(v, n)));
	free(v);
	rep = json_object_get(rec, "report");
	if (json_is_number(as_jpath(rep, "memory.rss_peak")) &&
	    json_number_value(as_jpath(rep, "memory.rss_peak")) > 0)
		push_number(cell, "rss", as_jpath(rep, "memory.rss_peak"));
	else if (jdbl(as_jpath(rec, "proc.maxrss")) > 0)
		push_number(cell, "rss", as_jpath(rec, "proc.maxrss"));
	push_number(cell, "live", as_jpath(rep, "bytes.peak_live"));
	push_number(cell, "frag", as_jpath(rep, "memory.fragmentation_at_peak"));
	/* the report says the allocator asked for is not what ran */
	if (json_is_true(as_jpath(rep, "allocator.fallback")) ||
	    json_is_false(as_jpath(rep, "allocator.mapped")))
		json_object_set_new(cell, "wrong_allocator",
				    json_integer(json_integer_value(json_object_get(cell, "wrong_allocator")) + 1));
	{
		const json_t *sc = json_object_get(rep, "syscalls");
		const char *src = as_jstr(sc, "source");
		if (src && strcmp(src, "none"))
			json_array_append(json_object_get(cell, "syscalls"), (json_t *)sc);
	}
}

static int take_record(json_t *rec, void *arg)
{
	add_record(arg, rec);
	return 0;
}

/* Reads a JSON-lines file of run records; a truncated last line (no newline)
 * is ignored, a damaged line in the middle is skipped with a warning. */
static int load_runs(struct as_dataset *d, const char *path)
{
	return as_jsonl_read(path, take_record, d);
}

/* The configurations and benchmarks the matrix declares, in its order. */
static void load_matrix(struct as_dataset *d)
{
	const json_t *m = json_object_get(d->meta, "matrix"), *v;
	size_t i;
	json_array_foreach(json_object_get(m, "configs"), i, v)
	{
		if (as_jstr(v, "id"))
			as_dataset_config(d, v);
	}
	json_array_foreach(json_object_get(m, "benchmarks"), i, v)
	{
		if (as_jstr(v, "name"))
			as_dataset_bench(d, as_jstr(v, "name"), as_jstr(v, "group"));
	}
}

/* A summary.json written by `report`: its cells keep their samples. */
static void load_summary(struct as_dataset *d, const json_t *s)
{
	const json_t *v;
	size_t i;
	d->meta = json_incref(json_object_get(s, "meta"));
	if (json_is_null(d->meta)) {
		json_decref(d->meta);
		d->meta = NULL;
	}
	json_array_foreach(json_object_get(s, "configs"), i, v)
	{
		if (as_jstr(v, "id"))
			as_dataset_config(d, v);
	}
	json_array_foreach(json_object_get(s, "benchmarks"), i, v)
	{
		if (as_jstr(v, "name"))
			as_dataset_bench(d, as_jstr(v, "name"), as_jstr(v, "group"));
	}
	json_array_foreach(json_object_get(s, "cells"), i, v)
	{
		const char *bench = as_jstr(v, "bench"), *config = as_jstr(v, "config");
		const json_t *e;
		json_t *cell;
		size_t k;
		if (!bench || !config)
			continue;
		as_dataset_bench(d, bench, NULL);
		if (!json_object_get(d->config_index, config)) {
			json_t *c = config_from_id(config);
			as_dataset_config(d, c);
			json_decref(c);
		}
		cell = as_dataset_cell(d, bench, config);
		json_object_set(cell, "samples", json_object_get(v, "samples"));
		json_object_set(cell, "failed", json_object_get(v, "failed"));
		json_array_foreach(json_object_get(v, "errors"), k, e)
			json_array_append(json_object_get(cell, "errors"), (json_t *)e);
		push_number(cell, "rss", json_object_get(v, "rss_peak"));
		push_number(cell, "live", json_object_get(v, "peak_live"));
		push_number(cell, "frag", json_object_get(v, "fragmentation_at_peak"));
		if (json_is_object(json_object_get(v, "syscalls")))
			json_array_append(json_object_get(cell, "syscalls"),
					  json_object_get(v, "syscalls"));
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;
	if (!slash)
		return strdup(".");
	d = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!d)
		oom();
	return d;
}

static int load_meta(const char *cmd, const char *dir, struct as_dataset *d)
{
	char path[4096];
	json_error_t e;
	snprintf(path, sizeof path, "%s/meta.json", dir);
	if (access(path, F_OK))
		return 0; /* a runs file alone: no provenance, said so in the report */
	d->meta = json_load_file(path, 0, &e);
	if (!json_is_object(d->meta)) {
		as_err("%s %s: %s (line %d)", cmd, path, e.text, e.line);
		return 2;
	}
	load_matrix(d);
	return 0;
}

int as_dataset_load(const char *cmd, const char *path, struct as_dataset *d)
{
	struct stat st;
	char runs[4096];
	int rc;
	as_dataset_init(d);
	if (stat(path, &st)) {
		as_err("%s: %s: %s", cmd, path, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(runs, sizeof runs, "%s/runs.jsonl", path);
		if (access(runs, F_OK)) {
			as_err("%s: %s has no runs.jsonl: not a directory written by "
			       "'allocswap bench -o DIR'",
			       cmd, path);
			return 2;
		}
		rc = load_meta(cmd, path, d);
	} else if (ends_with(path, ".jsonl")) {
		char *dir = dir_of(path);
		snprintf(runs, sizeof runs, "%s", path);
		rc = load_meta(cmd, dir, d);
		free(dir);
	} else {
		json_error_t e;
		json_t *j = json_load_file(path, 0, &e);
		const char *schema = as_jstr(j, "schema");
		if (!j) {
			as_err("%s: %s: %s (line %d)", cmd, path, e.text, e.line);
			return 2;
		}
		if (schema && !strcmp(schema, AS_SUMMARY_SCHEMA)) {
			load_summary(d, j);
			json_decref(j);
			return 0;
		}
		if (!schema || strcmp(schema, AS_BENCH_SCHEMA)) {
			json_decref(j);
			as_err("%s: %s is neither a bench directory, a runs .jsonl file, a "
			       "meta.json nor a summary.json",
			       cmd, path);
			return 2;
		}
		json_decref(j);
		{
			char *dir = dir_of(path);
			snprintf(runs, sizeof runs, "%s/runs.jsonl", dir);
			rc = load_meta(cmd, dir, d);
			free(dir);
		}
	}
	if (rc)
		return rc;
	rc = load_runs(d, runs);
	if (rc) {
		as_err("%s: %s: %s", cmd, runs, strerror(rc));
		return 2;
	}
	return 0;
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
			       as_fmt_time_pm(jdbl(json_object_get(cell, "mean")),
					      jdbl(json_object_get(cell, "std")), t, sizeof t));
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
		json_object_set_new(out, as_syscall_names[k], jnum(jarray_median(vals)));
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

static json_t *describe_cell(const json_t *raw, const char *bench, const char *config,
			     const char *baseline)
{
	size_t n;
	double *v = jarray_doubles(json_object_get(raw, "samples"), &n);
	struct as_describe s;
	json_t *cell;
	as_stats_describe(v, n, &s);
	free(v);
	cell = json_pack("{s:s, s:s, s:s, s:I, s:O, s:O, s:O}", "bench", bench, "config", config,
			 "baseline", baseline, "n", (json_int_t)n, "failed",
			 json_object_get(raw, "failed"), "errors", json_object_get(raw, "errors"),
			 "samples", json_object_get(raw, "samples"));
	if (!cell)
		oom();
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
	json_object_set_new(cell, "rss_peak", jnum(jarray_median(json_object_get(raw, "rss"))));
	json_object_set_new(cell, "peak_live", jnum(jarray_median(json_object_get(raw, "live"))));
	json_object_set_new(cell, "fragmentation_at_peak",
			    jnum(jarray_median(json_object_get(raw, "frag"))));
	json_object_set_new(cell, "syscalls", syscall_medians(json_object_get(raw, "syscalls")));
	json_object_set_new(cell, "wrong_allocator",
			    json_integer(json_integer_value(json_object_get(raw, "wrong_allocator"))));
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
		oom();
	for (i = 0; i < nb; i++) {
		const char *bench = as_jstr(json_array_get(d->benchmarks, i), "name");
		const json_t *raw = find_cell(d, bench, id), *braw = find_cell(d, bench, base);
		size_t n, bn;
		double *x, *bx;
		struct as_test w, mw;
		struct as_ratio r;
		json_t *cell;
		p[i] = NAN;
		if (!raw)
			continue;
		cell = cells[i] = describe_cell(raw, bench, id, base);
		x = jarray_doubles(json_object_get(raw, "samples"), &n);
		bx = jarray_doubles(json_object_get(braw, "samples"), &bn);
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
		oom();
	for (i = 0; i < nb; i++) {
		char buf[96];
		if (!cells[i])
			continue;
		if (!isnan(p[i])) {
			int sig = adj[i] < AS_ALPHA;
			json_object_set_new(cells[i], "p_adjusted", jnum(adj[i]));
			json_object_set_new(cells[i], "significant", json_boolean(sig));
			set_verdict(cells[i],
				    sig ? as_fmt_speed(jdbl(json_object_get(cells[i], "ratio")), buf,
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

json_t *as_summary_build(const struct as_dataset *d)
{
	json_t *s, *cells = json_array(), *geo = json_array(), *cfg_out;
	const json_t *c;
	size_t i, nb = json_array_size(d->benchmarks), nc = json_array_size(d->configs);
	const char *first_base = NULL;
	char now[32];
	if (!cells || !geo)
		oom();
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
		oom();
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
	return s;
}
