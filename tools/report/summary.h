/* summary: what `allocswap report` and `allocswap compare` share.
 *
 * A dataset is the runs of one bench directory grouped into cells (one per
 * benchmark x configuration), with each configuration's baseline chosen.
 * as_summary_build() turns it into the summary object that `report` writes
 * as DIR/summary.json and that `compare` prints as a table.  Implemented in
 * summary.c.
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
 *                                          one bench run, its configurations interleaved:
 *                                          no drift allowance (`compare` of two runs
 *                                          adds one or a reference: cmd_compare.c)
 *  "configs": [CONFIG + {"baseline": "<config id>", "label": "jemalloc pymalloc=off"}],
 *  "benchmarks": [{"name", "group"}],     pyperformance's sub-benchmarks with "request":
 *                                          the -b name, which is no row unless its own
 *                                          invocation failed (dataset.c)
 *  "cells": [CELL, ...],                   benchmark-major, configs in order; only
 *                                          cells with at least one run
 *  "geomean": [{"config", "baseline", "k", "ratio", "ci95": [lo, hi], "time_change",
 *               "significant", "verdict"}, ...],   one per config
 *  "factors": {...},                       added by `report`: libc, allocator and Python
 *                                          flags taken apart (contract in factors.h)
 *  "images": {...}}                        added by `report`: which image is fastest and
 *                                          leanest, and what seccomp costs (contract in
 *                                          image_report.h)
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
 *   "wrong_allocator": processes whose report says the allocator asked for is not
 *               the one that ran (allocator.fallback true or allocator.mapped false),
 *   "pyperf": --suite pyperformance only: {"invocations", "workers": [min, max] per
 *               invocation, "values", "warmups": [min, max] per worker}.  There a
 *               sample is an invocation, not a process: the mean of its pyperf
 *               workers' means ("n" counts invocations; with fewer than 2 a side the
 *               verdict is "n/a (too few runs)"), because the workers of one
 *               invocation run back to back and are not independent (results.h)}
 * Numbers that are not defined (std of one sample, a ratio without a
 * baseline) are null.  A baseline cell has ratio 1 and null p-values.
 */
#ifndef ALLOCSWAP_SUMMARY_H
#define ALLOCSWAP_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

#include "cli.h"

#define AS_SUMMARY_SCHEMA "allocswap.summary/1"
#define AS_ALPHA 0.05
/* A timed process that waited for a CPU (run queue, steal) longer than this
 * share of its wall time was measured under contention. */
#define AS_CONTENDED 0.05

struct as_dataset {
	json_t *meta;       /* DIR/meta.json, or NULL when there is none */
	json_t *configs;    /* [CONFIG + "baseline": id], matrix order, then as first seen */
	json_t *benchmarks; /* [{"name", "group"}], same order rule */
	/* {"BENCH\nCONFIG": {"samples": [per-process mean, ...], "failed": n,
	 *  "errors": ["killed by signal 11 (...)", ...] (distinct),
	 *  "rss": [...], "live": [...], "frag": [...], "syscalls": [{...}, ...],
	 *  "wrong_allocator": n}} */
	json_t *cells;
	json_t *config_index; /* {id: index in configs} */
	json_t *bench_index;  /* {name: index in benchmarks} */
	/* Which time the samples of runs are (as_dataset_load's clock, NULL:
	 * "auto"):
	 * "auto" (the default): per benchmark, the benchmark thread's CPU time
	 * when every timed process of every configuration of it has CPU values
	 * covering all of its timed work (single-threaded benchmarks of the
	 * built-in suite), else wall time; "cpu": CPU time wherever every
	 * process of a benchmark has it, complete or not (the process's user +
	 * sys for the cmd suite: the work of a single-threaded command); "wall":
	 * wall time.  Each cell keeps "wall" and "cpu" (per-process
	 * means), "cpu_missing", "runq" and "steal" (per process, shares of its
	 * wall time) and says its "clock". */
	const char *clock;
	/* lines of runs.jsonl taken as records, and skipped (with a warning) */
	unsigned runs_taken, runs_skipped;
};

/* The clocks a comparison can use (as_dataset.clock), NULL-terminated:
 * auto, wall, cpu. */
extern const char *const as_clocks[];

/* Loads PATH: a bench directory (meta.json + runs.jsonl), a runs file
 * (*.jsonl, with meta.json beside it when there is one), a meta.json (its
 * directory), or a summary.json written by `report`.  Returns 0, or 2 after
 * a one-line error prefixed with "allocswap CMD: " (missing, unreadable, not
 * a bench directory). */
int as_dataset_load(const char *cmd, const char *path, const char *clock, struct as_dataset *d);
/* clock NULL: the one meta.json's matrix names ("time": bench --time), else auto. */
void as_dataset_init(struct as_dataset *d);
void as_dataset_free(struct as_dataset *d);

/* Adds a configuration (a CONFIG object; "id" required) if its id is new;
 * returns its index. */
size_t as_dataset_config(struct as_dataset *d, const json_t *config);
size_t as_dataset_bench(struct as_dataset *d, const char *name, const char *group);
/* The raw cell of (bench, config), created empty when absent. */
json_t *as_dataset_cell(struct as_dataset *d, const char *bench, const char *config);
/* The same, or NULL when the cell has no record. */
json_t *as_dataset_find_cell(const struct as_dataset *d, const char *bench, const char *config);

/* Small JSON helpers of summary.c and dataset.c: a number or NaN; the
 * numbers of an array (malloc'd, *n of them); their median (NaN for none). */
double as_jdbl(const json_t *j);
double *as_jarray_doubles(const json_t *a, size_t *n);
double as_jarray_median(const json_t *a);
/* "allocswap: out of memory" and exit 1. */
void as_report_oom(void) __attribute__((noreturn));

/* Chooses every configuration's baseline ("baseline" in each config):
 * - which == NULL: the allocator "system" when present, else the
 *   allocator of the first configuration;
 * - which is a configuration id: that configuration, for every other one;
 * - which is an allocator: every configuration of that allocator is its own
 *   baseline; any other configuration's baseline is the configuration of
 *   that allocator with the same libc, image, pymalloc, seccomp and stats,
 *   or, when the matrix has none, the one sharing the most of those axes
 *   (ties: the earlier in the matrix).
 *   Except for the stats axis (libswap's own cost, not the allocator's):
 *   a configuration whose stats mode is not the reference one (counters
 *   when present, else the first configuration's) is compared with the
 *   same configuration in the reference mode, when the matrix has it, so
 *   that "system stats=full" reads as full mode's cost over counters.
 * Returns 0, or 2 after an error line that lists the allocators present. */
int as_dataset_set_baseline(struct as_dataset *d, const char *cmd, const char *which,
			    const char *where);

/* The summary object (see cmd_report.c); NULL only when out of memory. */
json_t *as_summary_build(const struct as_dataset *d);

/* ---- helpers shared by report and compare ------------------------------------ */

/* as_jpath, as_jstr, as_jnum: the JSON getter, in cli.h. */
/* Both non-NULL and equal. */
int as_same_str(const char *a, const char *b);
/* The syscalls a report counts: mmap, munmap, mremap, brk, madvise, NULL. */
extern const char *const as_syscall_names[];

/* "+50%", "-24%", "+0.4%" (one decimal under 1%). */
const char *as_fmt_pct(double change, char *buf, size_t cap);

/* "12.3 ms" (3 significant digits; s, ms, us, ns). */
const char *as_fmt_time(double seconds, char *buf, size_t cap);
/* "12.3 ms ± 0.4 ms": the std in the mean's unit and decimals. */
const char *as_fmt_time_pm(double mean, double std, char *buf, size_t cap);
/* "25.3 MiB". */
const char *as_fmt_bytes(double bytes, char *buf, size_t cap);
/* "1.32x faster (-24%)", "1.10x slower (+10%)", from the speed-up ratio
 * (baseline time / time). */
const char *as_fmt_speed(double ratio, char *buf, size_t cap);
/* A CI of a speed-up in the words of the verdicts: "1.48x-1.50x slower",
 * "1.02x-1.05x faster", "1.02x slower to 1.04x faster". */
const char *as_fmt_ci(double lo, double hi, char *buf, size_t cap);
/* A cell's text for the speed table: "baseline: 12.3 ms ± 0.4 ms", the
 * verdict, "FAILED (...)", with " (2 of 5 runs failed)" when some failed. */
const char *as_fmt_cell(const json_t *cell, char *buf, size_t cap);

#endif
