/* dataset: bench directories, runs files and summaries read into one
 * dataset (summary.h): the configurations, the benchmarks and, per cell,
 * the raw samples and figures that summary.c describes.
 *
 * Where each figure of a cell comes from (bench.h, DESIGN.md section 8):
 *   samples (time)   the timed processes: every record without a "role";
 *   rss              the kernel's peak RSS of the same timed processes;
 *   live, frag,      whatever counted them: the timed processes when they
 *   syscalls         ran in counters or full mode, else the cell's memory
 *                    processes ("role": "memory", ALLOCSWAP_STATS=counters),
 *                    counted apart in memory_n and memory_failed.
 */
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "results.h"
#include "stats.h"

#define MAX_ERRORS 5

const char *const as_clocks[] = {"auto", "wall", "cpu", NULL};

void as_dataset_init(struct as_dataset *d)
{
	d->meta = NULL;
	d->clock = "auto";
	d->runs_taken = d->runs_skipped = 0;
	d->configs = json_array();
	d->benchmarks = json_array();
	d->cells = json_object();
	d->config_index = json_object();
	d->bench_index = json_object();
	if (!d->configs || !d->benchmarks || !d->cells || !d->config_index || !d->bench_index)
		as_report_oom();
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
		as_report_oom();
	c = json_pack("{s:s, s:s}", "id", id, "allocator", id);
	/* the optional parts after seccomp (results.h), last first */
	while ((slash = strrchr(s, '/'))) {
		static const char *const opt[] = {"preload", "python", "stats", NULL};
		size_t k, n;
		for (k = 0; opt[k]; k++) {
			n = strlen(opt[k]);
			if (!strncmp(slash + 1, opt[k], n) && slash[1 + n] == '=')
				break;
		}
		if (!opt[k])
			break;
		json_object_set_new(c, opt[k], json_string(slash + 2 + n));
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
		as_report_oom();
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
		as_report_oom();
	return k;
}

json_t *as_dataset_find_cell(const struct as_dataset *d, const char *bench, const char *config)
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
		c = json_pack("{s:[], s:i, s:[], s:[], s:[], s:[], s:[], s:i, s:i, s:i}", "samples",
			      "failed", 0, "errors", "rss", "live", "frag", "syscalls",
			      "wrong_allocator", 0, "memory_n", 0, "memory_failed", 0);
		if (!c)
			as_report_oom();
		json_object_set_new(d->cells, k, c);
	}
	free(k);
	return c;
}

/* The cell of a record (or a summary's cell), its benchmark and its
 * configuration (from the id, when the matrix did not declare it) added
 * as needed. */
static json_t *cell_of_record(struct as_dataset *d, const char *bench, const char *config)
{
	as_dataset_bench(d, bench, NULL);
	if (!json_object_get(d->config_index, config)) {
		json_t *c = config_from_id(config);
		as_dataset_config(d, c);
		json_decref(c);
	}
	return as_dataset_cell(d, bench, config);
}

static void bump(json_t *cell, const char *key)
{
	json_object_set_new(cell, key, json_integer(json_integer_value(json_object_get(cell, key)) + 1));
}

/* err among the cell's distinct errors (at most MAX_ERRORS are kept). */
static void cell_error_text(json_t *cell, const char *err)
{
	json_t *errors = json_object_get(cell, "errors");
	size_t i;
	for (i = 0; i < json_array_size(errors); i++)
		if (!strcmp(json_string_value(json_array_get(errors, i)), err))
			return;
	if (json_array_size(errors) < MAX_ERRORS)
		json_array_append_new(errors, json_string(err));
}

/* A timed process that failed. */
static void cell_error(json_t *cell, const char *err)
{
	bump(cell, "failed");
	cell_error_text(cell, err);
}

static void push_number(json_t *cell, const char *key, const json_t *v)
{
	if (json_is_number(v))
		json_array_append_new(json_object_get(cell, key), json_real(json_number_value(v)));
}

/* The figures a report counts: live heap, fragmentation, syscalls.  A
 * process timed in stats off has none (its report has no "bytes" and null
 * fragmentation), so they come from its cell's memory processes. */
static void add_counted(json_t *cell, const json_t *rep)
{
	const json_t *sc = json_object_get(rep, "syscalls");
	const char *src = as_jstr(sc, "source");
	push_number(cell, "live", as_jpath(rep, "bytes.peak_live"));
	push_number(cell, "frag", as_jpath(rep, "memory.fragmentation_at_peak"));
	if (src && strcmp(src, "none"))
		json_array_append(json_object_get(cell, "syscalls"), (json_t *)sc);
}

static void push_real(json_t *cell, const char *key, double x)
{
	json_t *a = json_object_get(cell, key);
	if (!a) {
		a = json_array();
		json_object_set_new(cell, key, a);
	}
	json_array_append_new(a, json_real(x));
}

/* A timed process's samples: the median of its wall values ("wall"), of its
 * CPU values ("cpu", when it has one per wall value; else "cpu_missing"
 * counts it; "cpu_partial" counts those that do not cover all of the timed
 * work, "cpu_complete" false), and the
 * share of its wall time it spent waiting for a CPU ("runq": schedstat's
 * run_delay of its main thread / its wall time; "steal": the machine's
 * steal time over the same interval / its wall time, per CPU).  The median,
 * not the mean: a neighbour can only add time, and one value a burst of load
 * stretched moves a mean of 3 values by a third of the stretch, a median not
 * at all (2 values: the same). */
static void add_times(json_t *cell, const json_t *rec)
{
	const json_t *cpu = json_object_get(rec, "cpu_values");
	double *v, wall = as_jdbl(as_jpath(rec, "proc.wall_ns"));
	double runq = as_jdbl(as_jpath(rec, "proc.runq_wait_ns"));
	double steal = as_jdbl(as_jpath(rec, "proc.steal_ns"));
	size_t n, nc;
	v = as_jarray_doubles(json_object_get(rec, "values"), &n);
	push_real(cell, "wall", as_stats_median(v, n));
	free(v);
	v = as_jarray_doubles(cpu, &nc);
	if (nc && nc == n && json_array_size(cpu) == nc)
		push_real(cell, "cpu", as_stats_median(v, nc));
	else
		bump(cell, "cpu_missing");
	if (json_is_false(json_object_get(rec, "cpu_complete")))
		bump(cell, "cpu_partial");
	free(v);
	if (wall > 0 && runq >= 0)
		push_real(cell, "runq", runq / wall);
	if (wall > 0 && steal >= 0)
		push_real(cell, "steal", steal / wall);
}

/* One record of runs.jsonl (contract in results.h).  A memory process
 * ("role": "memory", bench.h) gives its cell only the counted figures: its
 * time is not a sample (it paid for counting) and the cell's peak RSS is
 * the timed processes' own. */
static void add_process(struct as_dataset *d, const json_t *rec)
{
	const char *bench = as_jstr(rec, "bench"), *config = as_jstr(rec, "config");
	const char *status = as_jstr(rec, "status");
	const json_t *values = json_object_get(rec, "values"), *rep;
	int memory = as_same_str(as_jstr(rec, "role"), "memory");
	json_t *cell;
	size_t n;
	double *v;
	if (!bench || !config)
		return;
	cell = cell_of_record(d, bench, config);
	v = as_jarray_doubles(values, &n);
	free(v);
	if (!status || strcmp(status, "ok") || n == 0) {
		const char *err = as_jstr(rec, "error");
		char buf[160];
		if (!err)
			err = status && strcmp(status, "ok") ? status : "no values";
		if (memory) { /* not a timed run: said apart, not counted in "failed" */
			snprintf(buf, sizeof buf, "memory process: %s", err);
			bump(cell, "memory_failed");
			cell_error_text(cell, buf);
			return;
		}
		snprintf(buf, sizeof buf, "%s", err);
		cell_error(cell, buf);
		return;
	}
	rep = json_object_get(rec, "report");
	/* the report says the allocator asked for is not what ran */
	if (json_is_true(as_jpath(rep, "allocator.fallback")) ||
	    json_is_false(as_jpath(rep, "allocator.mapped")))
		bump(cell, "wrong_allocator");
	add_counted(cell, rep);
	if (memory) {
		bump(cell, "memory_n");
		return;
	}
	add_times(cell, rec);
	if (json_is_number(as_jpath(rep, "memory.rss_peak")) &&
	    json_number_value(as_jpath(rep, "memory.rss_peak")) > 0)
		push_number(cell, "rss", as_jpath(rep, "memory.rss_peak"));
	else if (as_jdbl(as_jpath(rec, "proc.maxrss")) > 0)
		push_number(cell, "rss", as_jpath(rec, "proc.maxrss"));
}

/* ---- pyperformance: an invocation is one sample ------------------------------------- */

/* The arrays of a cell that get one entry per timed process. */
static const char *const per_process[] = {"samples", "wall", "cpu", "runq", "steal", NULL};
#define NPER (sizeof per_process / sizeof per_process[0])

static void reindex_benchmarks(struct as_dataset *d)
{
	const json_t *b;
	size_t i;
	json_object_clear(d->bench_index);
	json_array_foreach(d->benchmarks, i, b)
		json_object_set_new(d->bench_index, as_jstr(b, "name"), json_integer((json_int_t)i));
}

/* pyperformance's -b name is what the matrix lists (meta.json's benchmarks,
 * what --resume runs again), but its records carry pyperf's own names:
 * xml_etree gives xml_etree_generate and three more.  The request is no
 * row of its own unless records of its name make it one (an invocation
 * that failed): its sub-benchmarks take its place, in the order they come
 * ("request" in their entry). */
static void sub_benchmark(struct as_dataset *d, const char *request, const char *bench)
{
	const json_t *at = json_object_get(d->bench_index, request), *b, *c;
	size_t i, pos = json_array_size(d->benchmarks);
	json_t *entry;
	int own = 0;
	if (json_object_get(d->bench_index, bench))
		return;
	json_array_foreach(d->benchmarks, i, b)
		if (as_same_str(as_jstr(b, "request"), request))
			pos = i + 1; /* after its last sibling */
	entry = json_pack("{s:s, s:s, s:s}", "name", bench, "group",
			  at ? as_jstr(json_array_get(d->benchmarks, (size_t)json_integer_value(at)),
				       "group")
			     : "pyperformance",
			  "request", request);
	if (!entry)
		as_report_oom();
	if (at && pos == json_array_size(d->benchmarks)) {
		pos = (size_t)json_integer_value(at);
		json_array_foreach(d->configs, i, c)
			own |= as_dataset_find_cell(d, request, as_jstr(c, "id")) != NULL;
		if (own)
			pos++;
		else
			json_array_remove(d->benchmarks, pos);
	}
	json_array_insert_new(d->benchmarks, pos, entry);
	reindex_benchmarks(d);
}

static void widen(json_t *o, const char *key, json_int_t x)
{
	json_t *r = json_object_get(o, key);
	if (!r)
		json_object_set_new(o, key, json_pack("[I, I]", x, x));
	else if (x < json_integer_value(json_array_get(r, 0)))
		json_array_set_new(r, 0, json_integer(x));
	else if (x > json_integer_value(json_array_get(r, 1)))
		json_array_set_new(r, 1, json_integer(x));
}

/* The worker just added (each array of per_process that grew, before[k]
 * its size before) folded into its invocation's entries: their mean over
 * the invocation's workers.  Returns whether it added a sample. */
static int fold_worker(json_t *cell, json_int_t run, const size_t *before)
{
	json_t *inv = json_object_get(cell, "invocations"), *at, *p;
	const char *key;
	char name[32];
	size_t k;
	int grew = 0;
	if (!inv) {
		inv = json_object();
		json_object_set_new(cell, "invocations", inv);
	}
	snprintf(name, sizeof name, "%lld", (long long)run);
	if (!(at = json_object_get(inv, name))) {
		at = json_pack("{s:i}", "workers", 0);
		json_object_set_new(inv, name, at);
	}
	for (k = 0; per_process[k]; k++) {
		json_t *a = json_object_get(cell, per_process[k]);
		json_t *slot = json_object_get(at, per_process[k]);
		size_t n = json_array_size(a), i;
		double x, w;
		if (n != before[k] + 1)
			continue; /* not one of this record's */
		grew = 1;
		if (!slot) { /* the invocation's first */
			json_object_set_new(at, per_process[k], json_pack("[I, i]", (json_int_t)n - 1, 1));
			continue;
		}
		i = (size_t)json_integer_value(json_array_get(slot, 0));
		w = (double)json_integer_value(json_array_get(slot, 1));
		x = as_jdbl(json_array_get(a, n - 1));
		json_array_remove(a, n - 1);
		json_array_set_new(a, i, json_real((as_jdbl(json_array_get(a, i)) * w + x) / (w + 1)));
		json_array_set_new(slot, 1, json_integer((json_int_t)w + 1));
	}
	if (!grew)
		return 0;
	json_object_set_new(at, "workers",
			    json_integer(json_integer_value(json_object_get(at, "workers")) + 1));
	if (!(p = json_object_get(cell, "pyperf"))) {
		p = json_object();
		json_object_set_new(cell, "pyperf", p);
	}
	json_object_del(p, "workers");
	json_object_foreach(inv, key, at)
		if (json_integer_value(json_object_get(at, "workers")))
			widen(p, "workers", json_integer_value(json_object_get(at, "workers")));
	json_object_set_new(p, "invocations", json_integer((json_int_t)json_object_size(inv)));
	return 1;
}

/* A record, as add_process takes it, except pyperformance's (records with
 * "worker": pyperf's worker processes, bench.h): the workers of one
 * invocation ran back to back, not interleaved with the other
 * configurations, so they are not independent samples (taken as such,
 * 10 workers of one invocation each called 1.67x faster what pyperf
 * itself called not significant).  An invocation (a "run" of the cell) is
 * one sample: each per-process figure is the mean over its workers (of
 * their means); with fewer than 2 invocations a side, summary.c's verdict
 * is "n/a (too few runs)".  The cell's "invocations" keeps, per run, its
 * entry of each array and its workers; "pyperf" says what the invocations
 * were: {"invocations", "workers": [min, max] per invocation, "values",
 * "warmups": [min, max] per worker}. */
static void add_record(struct as_dataset *d, const json_t *rec)
{
	const char *bench = as_jstr(rec, "bench"), *config = as_jstr(rec, "config");
	const char *request = as_jstr(rec, "request");
	const json_t *run = json_object_get(rec, "run");
	size_t before[NPER], k;
	json_t *cell;
	if (!bench || !config || !json_is_integer(json_object_get(rec, "worker")) ||
	    !json_is_integer(run) || as_same_str(as_jstr(rec, "role"), "memory")) {
		add_process(d, rec);
		return;
	}
	if (request && strcmp(request, bench))
		sub_benchmark(d, request, bench);
	cell = cell_of_record(d, bench, config);
	for (k = 0; per_process[k]; k++)
		before[k] = json_array_size(json_object_get(cell, per_process[k]));
	add_process(d, rec);
	if (fold_worker(cell, json_integer_value(run), before)) {
		widen(json_object_get(cell, "pyperf"), "values",
		      (json_int_t)json_array_size(json_object_get(rec, "values")));
		widen(json_object_get(cell, "pyperf"), "warmups",
		      (json_int_t)json_array_size(json_object_get(rec, "warmups")));
	}
}

static int take_record(json_t *rec, void *arg)
{
	add_record(arg, rec);
	return 0;
}

/* Reads a JSON-lines file of run records; a line that is no record (damaged,
 * cut off) is skipped with a warning, and counted. */
static int load_runs(struct as_dataset *d, const char *path)
{
	return as_jsonl_read_counted(path, take_record, d, &d->runs_taken, &d->runs_skipped);
}

/* The configurations and benchmarks an object declares ("configs",
 * "benchmarks": a meta.json's matrix, a summary), in its order. */
static void load_declared(struct as_dataset *d, const json_t *o)
{
	const json_t *v;
	size_t i;
	json_array_foreach(json_object_get(o, "configs"), i, v)
	{
		if (as_jstr(v, "id"))
			as_dataset_config(d, v);
	}
	json_array_foreach(json_object_get(o, "benchmarks"), i, v)
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
	load_declared(d, s);
	json_array_foreach(json_object_get(s, "cells"), i, v)
	{
		const char *bench = as_jstr(v, "bench"), *config = as_jstr(v, "config");
		const json_t *e;
		json_t *cell;
		size_t k;
		if (!bench || !config)
			continue;
		cell = cell_of_record(d, bench, config);
		json_object_set(cell, "samples", json_object_get(v, "samples"));
		json_object_set(cell, "failed", json_object_get(v, "failed"));
		if (json_is_integer(json_object_get(v, "memory_n")))
			json_object_set(cell, "memory_n", json_object_get(v, "memory_n"));
		if (json_is_integer(json_object_get(v, "memory_failed")))
			json_object_set(cell, "memory_failed", json_object_get(v, "memory_failed"));
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
		as_report_oom();
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
	load_declared(d, json_object_get(d->meta, "matrix"));
	return 0;
}

/* Which time each benchmark's samples are (summary.h, as_dataset.clock):
 * one clock for all the configurations of a benchmark, so that they are
 * compared alike. */
static void choose_clocks(struct as_dataset *d)
{
	const json_t *b, *c;
	size_t i, j;
	json_array_foreach(d->benchmarks, i, b)
	{
		const char *name = as_jstr(b, "name");
		int cpu = !d->clock || strcmp(d->clock, "wall") != 0;
		int complete = !d->clock || strcmp(d->clock, "cpu") != 0; /* auto */
		json_array_foreach(d->configs, j, c)
		{
			const json_t *cell = as_dataset_find_cell(d, name, as_jstr(c, "id"));
			if (cell && (json_integer_value(json_object_get(cell, "cpu_missing")) ||
				     (complete && json_integer_value(json_object_get(cell, "cpu_partial"))) ||
				     json_array_size(json_object_get(cell, "cpu")) !=
					     json_array_size(json_object_get(cell, "wall"))))
				cpu = 0;
		}
		json_array_foreach(d->configs, j, c)
		{
			json_t *cell = as_dataset_find_cell(d, name, as_jstr(c, "id"));
			json_t *s;
			if (!cell)
				continue;
			s = json_object_get(cell, cpu ? "cpu" : "wall");
			json_object_set_new(cell, "samples", s ? json_incref(s) : json_array());
			json_object_set_new(cell, "clock", json_string(cpu ? "cpu" : "wall"));
		}
	}
}

/* A directory of shards (bench --shards) has no runs.jsonl of its own:
 * each host class gets one from 'allocswap report DIR' (report_hosts.c).
 * Says which, or what to run first; 0 when dir holds no shards. */
static int shards_hint(const char *cmd, const char *dir)
{
	char path[4096], names[1024] = "";
	json_t *top, *c;
	size_t i, n = 0;
	snprintf(path, sizeof path, "%s/shards", dir);
	if (access(path, F_OK))
		return 0;
	snprintf(path, sizeof path, "%s/summary.json", dir);
	top = json_load_file(path, 0, NULL);
	json_array_foreach (json_object_get(top, "classes"), i, c)
		if (as_jstr(c, "dir"))
			n += (size_t)snprintf(names + n, n < sizeof names ? sizeof names - n : 0, "%s%s/%s",
					      n ? ", " : "", dir, as_jstr(c, "dir"));
	if (n && n < sizeof names)
		as_err("%s: %s holds the shards of a matrix, not one run: compare a host class's "
		       "directory (%s)", cmd, dir, names);
	else
		as_err("%s: %s holds the shards of a matrix, not one run: 'allocswap report %s' "
		       "merges them into a directory per host class; compare one of those",
		       cmd, dir, dir);
	json_decref(top);
	return 1;
}

int as_dataset_load(const char *cmd, const char *path, const char *clock, struct as_dataset *d)
{
	struct stat st;
	char runs[4096];
	int rc;
	as_dataset_init(d);
	d->clock = clock ? clock : "auto";
	if (stat(path, &st)) {
		as_err("%s: %s: %s", cmd, path, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(runs, sizeof runs, "%s/runs.jsonl", path);
		if (access(runs, F_OK)) {
			if (!shards_hint(cmd, path))
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
			char *dir = dir_of(path);
			json_decref(j);
			if (!shards_hint(cmd, dir))
				as_err("%s: %s is neither a bench directory, a runs .jsonl file, a "
				       "meta.json nor a summary.json",
				       cmd, path);
			free(dir);
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
	if (!d->runs_taken) {
		as_err("%s: %s has no valid run record (%u line%s skipped): nothing to %s", cmd,
		       runs, d->runs_skipped, d->runs_skipped == 1 ? "" : "s", cmd);
		return 2;
	}
	if (!clock && as_jstr(as_jpath(d->meta, "matrix"), "time"))
		d->clock = as_jstr(as_jpath(d->meta, "matrix"), "time");
	choose_clocks(d);
	return 0;
}
