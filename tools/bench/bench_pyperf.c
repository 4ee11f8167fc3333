/* bench_pyperf: pyperf's JSON format -> run records.
 *
 * `pyperformance run -o FILE` writes a pyperf BenchmarkSuite.  The format
 * relied on here is pyperf's JSON version "1.0" (pyperf >= 1.0):
 *
 *   {"version": "1.0",
 *    "metadata": {...},               metadata common to all benchmarks (optional)
 *    "benchmarks": [
 *      {"metadata": {...},            common to the benchmark's runs (optional)
 *       "runs": [
 *         {"metadata": {...},         the run's own (optional)
 *          "warmups": [[loops, seconds per loop], ...],   (optional)
 *          "values": [seconds per loop, ...]},            (absent: a calibration run)
 *         ...]},
 *      ...]}
 *
 * - A run's effective metadata is the file's, overridden by the benchmark's,
 *   overridden by the run's own: when pyperf writes a file it moves metadata
 *   shared by all runs up a level, so "name" and "loops" may sit at any
 *   level (with one benchmark in the file even "name" ends up at the top).
 * - Keys used: "name" (required), "loops" and "inner_loops" (default 1),
 *   "unit" (default "second"; any other unit, such as "byte" from
 *   --track-memory, is refused), "duration" (seconds), "mem_max_rss" (bytes).
 * - Each run is one worker process.  Runs without values are calibration
 *   runs and are skipped.
 * - Values are already per loop iteration: pyperf divides the raw timing by
 *   loops x inner_loops.  Warm-ups are [loops, value per loop] pairs in
 *   format "1.0" (older formats stored raw values; they are refused).
 *
 * Pure: no I/O, no global state.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* key from the run, else the benchmark, else the file */
static json_t *md(json_t *const lv[3], const char *key)
{
	int i;
	for (i = 2; i >= 0; i--) {
		json_t *v = json_object_get(lv[i], key);
		if (v)
			return v;
	}
	return NULL;
}

static double md_num(json_t *const lv[3], const char *key, double dflt)
{
	json_t *v = md(lv, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

static int all_numbers(const json_t *a)
{
	size_t i;
	json_t *v;
	json_array_foreach (a, i, v)
		if (!json_is_number(v))
			return 0;
	return 1;
}

int bench_pyperf_runs(const json_t *doc, int (*fn)(const struct bench_pyperf_run *r, void *arg),
		      void *arg, char *err, size_t cap)
{
	const char *version = json_string_value(json_object_get(doc, "version"));
	json_t *benches = json_object_get(doc, "benchmarks"), *b;
	size_t bi;
	if (!json_is_object(doc)) {
		snprintf(err, cap, "not a JSON object");
		return EINVAL;
	}
	if (!version || strcmp(version, "1.0")) {
		snprintf(err, cap, "pyperf JSON version %s is not supported (only \"1.0\")",
			 version ? version : "(none)");
		return EINVAL;
	}
	if (!json_is_array(benches)) {
		snprintf(err, cap, "no \"benchmarks\" array");
		return EINVAL;
	}
	json_array_foreach (benches, bi, b) {
		json_t *runs = json_object_get(b, "runs"), *run;
		size_t ri, index = 0;
		if (!json_is_array(runs)) {
			snprintf(err, cap, "benchmark %zu has no \"runs\" array", bi);
			return EINVAL;
		}
		json_array_foreach (runs, ri, run) {
			json_t *lv[3] = {json_object_get(doc, "metadata"), json_object_get(b, "metadata"),
					 json_object_get(run, "metadata")};
			json_t *values = json_object_get(run, "values");
			json_t *warm = json_object_get(run, "warmups"), *w;
			const char *name = json_string_value(md(lv, "name"));
			const char *unit = json_string_value(md(lv, "unit"));
			struct bench_pyperf_run r;
			size_t wi;
			int rc;
			if (!name) {
				snprintf(err, cap, "benchmark %zu, run %zu: no \"name\" metadata", bi, ri);
				return EINVAL;
			}
			if (unit && strcmp(unit, "second")) {
				snprintf(err, cap, "%s: unit '%s' is not supported (only seconds)", name,
					 unit);
				return EINVAL;
			}
			if (!values || !json_array_size(values))
				continue; /* a calibration run */
			if (!json_is_array(values) || !all_numbers(values)) {
				snprintf(err, cap, "%s, run %zu: \"values\" is not an array of numbers",
					 name, ri);
				return EINVAL;
			}
			memset(&r, 0, sizeof r);
			r.name = name;
			r.index = index++;
			r.loops = md_num(lv, "loops", 1) * md_num(lv, "inner_loops", 1);
			r.duration = md_num(lv, "duration", -1);
			r.mem_max_rss = md_num(lv, "mem_max_rss", -1);
			r.values = json_deep_copy(values);
			r.warmups = json_array();
			json_array_foreach (warm, wi, w) {
				json_t *v = json_array_get(w, 1);
				if (json_array_size(w) != 2 || !json_is_number(v)) {
					json_decref(r.values);
					json_decref(r.warmups);
					snprintf(err, cap, "%s, run %zu: a warm-up is not [loops, value]",
						 name, ri);
					return EINVAL;
				}
				json_array_append_new(r.warmups, json_real(json_number_value(v)));
			}
			rc = fn(&r, arg);
			json_decref(r.values);
			json_decref(r.warmups);
			if (rc)
				return rc;
		}
	}
	return 0;
}
