/* cmd_compare: `allocswap compare A B`, like `pyperf compare_to --table`.
 *
 * A and B each name one configuration's results: a bench directory, a runs
 * .jsonl file, a meta.json or a summary.json, optionally followed by
 * ":CONFIG" (a configuration id or an allocator) when it holds several.  The
 * two are put into one dataset as configurations "A" and "B", with A as the
 * baseline, and summarized by the same code as `report` (summary.h); cells
 * pair up by benchmark name.
 *
 * One bench run or two.  Within one run (A and B read the same runs file, or
 * meta.json files with the same start time, host and command) the
 * configurations were interleaved process by process, and the table is the
 * summary's, so `compare` and `report` always agree.  Two runs made at
 * different times were not interleaved: a drift between them (DESIGN.md
 * section 6 measured 1.11x on the same baseline 20 minutes apart) shifts
 * every benchmark alike, and no variance within the runs can show it.  Then
 * (stats.h, "two bench runs that were not interleaved"):
 * - reference: when both runs hold the reference configuration R (A's
 *   baseline by report's rule, system when the run has it; --reference),
 *   each side is taken relative to its own run's R and B's speed-up is
 *   (A / R of A's run) / (B / R of B's run): a drift common to a run
 *   cancels.  A side that is R itself counts as 1 (B is then compared with
 *   its own run's R, interleaved).
 * - allowance: otherwise (no common R, both sides are R, --reference none)
 *   every CI is widened by the drift allowance (--drift, default
 *   AS_STATS_DRIFT, 11%) and a row or the geometric mean is significant
 *   only beyond it.
 * Rows then use the t-test on the log ratio (comp.h) rather than Welch on
 * the means, Holm-corrected as before.
 *
 * Output, the contract (add lines freely, reword none of the first words):
 *   | Benchmark | A | B |                 Markdown table, then for each row
 *   | NAME | TIME | TIME: VERDICT |       VERDICT as in summary.h's CELL
 *   | Geometric mean | (ref) | VERDICT |
 *   A = ARG[: CONFIG]  /  B = ...
 *   Not interleaved: ...                 only for two runs: one line, the rule used
 *                                        and why
 *   N of M benchmarks significant (...).
 *   Geometric mean over K benchmarks[, relative to each run's R]: VERDICT-like
 *     speed-up, 95% CI[ with the P% drift allowance]: ... (speed-up X, CI LO-HI[;
 *     measurement alone LO-HI]).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "comp.h"
#include "summary.h"

enum { OPT_REFERENCE, OPT_DRIFT, COMPARE_NOPTS };

static const struct as_opt compare_opts[] = {
	[OPT_REFERENCE] = {0, "--reference", " CONFIG|none",
		"for A and B from two different bench runs: the configuration, held by both "
		"runs, that each side is taken relative to, so that a drift between the runs "
		"cancels: a configuration id or an allocator (default: A's baseline as "
		"'report' chooses it, the allocator system when the run has it).  none: "
		"compare A and B directly, with the drift allowance.", 0, NULL},
	[OPT_DRIFT] = {0, "--drift", " PCT",
		"for A and B from two different bench runs with no reference in common: how "
		"far the runs may have drifted apart, in percent each way (default 11: the "
		"largest drift measured by hand on the machine class allocswap was built "
		"on, the same baseline re-run 20 minutes later read 1.11x slower).  Every CI "
		"is widened by it and only a difference beyond it is significant; 0 trusts "
		"the machine to have stood still.", 0, NULL},
};
_Static_assert(sizeof compare_opts / sizeof compare_opts[0] == COMPARE_NOPTS,
	       "one row an option");

const struct as_usage as_usage_compare = {
	"usage: allocswap compare A B [--reference CONFIG|none] [--drift PCT]\n"
	"\n"
	"Compares the results B with the results A, benchmark by benchmark, like\n"
	"'pyperf compare_to --table'. Prints a Markdown table: A's mean time per\n"
	"loop, and B's with \"1.32x faster (-24%)\", \"1.10x slower (+10%)\" or\n"
	"\"not significant\", then the geometric mean with its 95% CI.\n"
	"\n"
	"A and B are each one of:\n"
	"  DIR               a directory written by 'allocswap bench -o DIR'\n"
	"  FILE.jsonl        its runs file (meta.json beside it is used when present)\n"
	"  DIR/meta.json     the same as DIR\n"
	"  DIR/summary.json  a summary written by 'allocswap report'\n"
	"followed by :CONFIG when it holds more than one configuration, where CONFIG\n"
	"is a configuration id (jemalloc/glibc/host/pymalloc=on/seccomp=default) or an\n"
	"allocator that only one of its configurations uses (DIR:jemalloc).\n"
	"\n"
	"options:\n",
	compare_opts, COMPARE_NOPTS,
	"\n"
	"\"1.32x faster\" means A's mean time / B's = 1.32; \"(-24%)\" is B's change in\n"
	"time from A's. One sample is one process (the median of its values). A row is\n"
	"significant when Welch's t-test gives p < 0.05 after Holm's correction over\n"
	"all the benchmarks compared; the geometric mean is significant when its 95%\n"
	"CI excludes 1. Rows with fewer than two successful processes on either side\n"
	"say \"n/a (too few runs)\"; failed processes are shown, never used.\n"
	"\n"
	"A and B from one bench run were interleaved process by process. A and B from\n"
	"two runs made at different times were not: a drift between the runs moves\n"
	"every benchmark alike, and looks like a real difference. So, and a line says\n"
	"which: when both runs hold the reference (--reference), each side is taken\n"
	"relative to its own run's, (A / its run's) / (B / its run's), and the drift\n"
	"cancels; otherwise every CI is widened by the drift allowance (--drift) and\n"
	"only a difference beyond it is significant. Rows then use the t-test on the\n"
	"log ratio (delta method), Holm-corrected.\n"
	"\n"
	"Exit status: 0 when the table was printed (whatever it says), 2 for bad usage\n"
	"(unknown option, a missing or unreadable A or B, an ambiguous or unknown\n"
	"CONFIG or reference, a drift that is not a percentage).\n",
	0,
};

static const char *jstr(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static double jdbl(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void list_configs(const struct as_dataset *d, char *buf, size_t cap)
{
	const json_t *c;
	size_t i, n = 0;
	buf[0] = 0;
	json_array_foreach(d->configs, i, c)
	{
		if (n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", jstr(c, "id"));
	}
}

/* The configuration of d that SEL names, an id or an allocator that only
 * one configuration uses: *found and 1, or the number of matches (0, or
 * more than 1 for an allocator of several). */
static size_t pick_config(const struct as_dataset *d, const char *sel, const json_t **found)
{
	const json_t *c;
	size_t i, matches = 0;
	json_array_foreach(d->configs, i, c)
	{
		const char *id = jstr(c, "id"), *alloc = jstr(c, "allocator");
		if (id && !strcmp(id, sel)) {
			*found = c;
			return 1;
		}
		if (alloc && !strcmp(alloc, sel)) {
			*found = c;
			matches++;
		}
	}
	return matches;
}

/* Loads ARG (PATH or PATH:CONFIG) and picks its one configuration; *pathp
 * gets PATH (malloc'd). */
static int load_side(const char *arg, struct as_dataset *d, const json_t **config, char **pathp)
{
	char *path = strdup(arg), *sel = NULL, *colon;
	struct stat st;
	const json_t *found = NULL;
	size_t matches;
	char list[4096];
	int rc;
	if (!path)
		return ENOMEM;
	*pathp = path;
	/* PATH:CONFIG, where PATH is the shortest prefix that exists (ids may
	 * hold a ':' themselves, as in docker:IMAGE) */
	if (stat(path, &st)) {
		for (colon = strchr(path, ':'); colon; colon = strchr(colon + 1, ':')) {
			*colon = 0;
			if (!stat(path, &st)) {
				sel = colon + 1;
				break;
			}
			*colon = ':';
		}
	}
	rc = as_dataset_load("compare", path, NULL, d);
	if (rc)
		return rc;
	list_configs(d, list, sizeof list);
	if (json_array_size(d->configs) == 0) {
		as_err("compare: %s holds no runs", path);
		return 2;
	}
	if (!sel) {
		if (json_array_size(d->configs) > 1) {
			as_err("compare: %s holds %zu configurations; pick one with %s:CONFIG (one "
			       "of: %s)",
			       path, json_array_size(d->configs), path, list);
			return 2;
		}
		found = json_array_get(d->configs, 0);
	} else if ((matches = pick_config(d, sel, &found)) != 1) {
		as_err("compare: %s: '%s' %s; configurations there: %s", path, sel,
		       matches ? "matches several configurations, give the full id"
			       : "is neither a configuration id nor an allocator",
		       list);
		return 2;
	}
	*config = found;
	return 0;
}

/* ---- one bench run or two ------------------------------------------------------------ */

/* The runs file behind PATH (DIR/runs.jsonl for a directory, a meta.json
 * or a summary.json in DIR; a .jsonl itself), resolved; else PATH resolved;
 * else PATH.  malloc'd, NULL when out of memory. */
static char *runs_file(const char *path)
{
	struct stat st;
	size_t len = strlen(path);
	char *f, *slash, *real;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		if (asprintf(&f, "%s/runs.jsonl", path) < 0)
			return NULL;
	} else if (len >= 6 && !strcmp(path + len - 6, ".jsonl")) {
		f = strdup(path);
	} else {
		slash = strrchr(path, '/');
		if (asprintf(&f, "%.*s%sruns.jsonl", slash ? (int)(slash - path) : 0, path,
			     slash ? "/" : "") < 0)
			return NULL;
	}
	if (!f)
		return NULL;
	real = realpath(f, NULL);
	if (!real)
		real = realpath(path, NULL);
	if (real) {
		free(f);
		return real;
	}
	return f;
}

/* Were the two sides measured by one bench run (interleaved)?  The same
 * runs file, or meta.json files that say the same start, host and command
 * (a copy of the directory, a summary.json moved elsewhere). */
static int same_run(const char *path0, const struct as_dataset *d0, const char *path1,
		    const struct as_dataset *d1)
{
	char *f0 = runs_file(path0), *f1 = runs_file(path1);
	int same = f0 && f1 && !strcmp(f0, f1);
	free(f0);
	free(f1);
	if (!same && d0->meta && d1->meta && as_jstr(d0->meta, "started"))
		same = as_same_str(as_jstr(d0->meta, "started"), as_jstr(d1->meta, "started")) &&
		       as_same_str(as_jstr(d0->meta, "host.hostname"),
				   as_jstr(d1->meta, "host.hostname")) &&
		       json_equal(as_jpath(d0->meta, "command"), as_jpath(d1->meta, "command"));
	return same;
}

/* How two runs are compared: relative to a reference both hold, or with
 * the drift allowance. */
struct between {
	const char *ref;    /* the reference's id, or NULL: the allowance */
	int side_is_ref[2]; /* A (B) is the reference itself */
	double drift;       /* the allowance, a fraction (0.11) */
	const char *why;    /* without a reference: "--reference none", ... */
	const char *why_ref; /* or: both sides are this reference */
};

/* Is id a configuration of d? */
static int has_config(const struct as_dataset *d, const char *id)
{
	return id && json_object_get(d->config_index, id) != NULL;
}

/* Chooses the reference of two runs (struct between): each side's baseline
 * by report's rule (or the --reference one), the first of A's and B's that
 * both runs hold.  Returns 0, or 2 after an error line. */
static int choose_reference(struct as_dataset side[2], const json_t *config[2], char *path[2],
			    const char *want, struct between *bw)
{
	const char *cand[2];
	int i, k;
	bw->ref = NULL;
	bw->side_is_ref[0] = bw->side_is_ref[1] = 0;
	if (want && !strcmp(want, "none")) {
		bw->why = "--reference none";
		return 0;
	}
	for (i = 0; i < 2; i++) {
		const json_t *found = NULL;
		char list[4096];
		/* an allocator of several configurations is fine: set_baseline
		 * pairs by axes */
		size_t matches = want ? pick_config(&side[i], want, &found) : 1;
		list_configs(&side[i], list, sizeof list);
		if (!matches) {
			as_err("compare: --reference '%s' is neither a configuration id nor an "
			       "allocator of %s (%s's run); configurations there: %s, or none",
			       want, path[i], i ? "B" : "A", list);
			return 2;
		}
		if (as_dataset_set_baseline(&side[i], "compare", want, path[i]))
			return 2;
	}
	for (i = 0; i < 2; i++)
		cand[i] = jstr(config[i], "baseline");
	for (k = 0; k < 2 && !bw->ref; k++)
		if (has_config(&side[0], cand[k]) && has_config(&side[1], cand[k]))
			bw->ref = cand[k];
	for (i = 0; i < 2 && bw->ref; i++)
		bw->side_is_ref[i] = as_same_str(jstr(config[i], "id"), bw->ref);
	if (bw->ref && bw->side_is_ref[0] && bw->side_is_ref[1]) {
		bw->why_ref = bw->ref;
		bw->ref = NULL;
	} else if (!bw->ref) {
		bw->why = "no configuration in common to take each relative to";
	}
	return 0;
}

/* The per-process means of a side's cell, malloc'd (*n of them), or NULL
 * with *n 0. */
static double *side_samples(const struct as_dataset *d, const char *bench, const char *config,
			    size_t *n)
{
	char *key;
	const json_t *a;
	double *v;
	size_t i;
	*n = 0;
	if (asprintf(&key, "%s\n%s", bench, config) < 0)
		return NULL;
	a = json_object_get(json_object_get(d->cells, key), "samples");
	free(key);
	v = malloc((json_array_size(a) + 1) * sizeof *v);
	if (!v)
		return NULL;
	for (i = 0; i < json_array_size(a); i++)
		v[i] = json_number_value(json_array_get(a, i));
	*n = i;
	return v;
}

/* Side i's speed-up over its run's reference on one benchmark (ref time /
 * its time): 0 or EINVAL (too few runs on either). */
static int side_ratio(const struct as_dataset *d, const char *bench, const char *id,
		      const char *ref, struct as_ratio *r)
{
	size_t n, nr;
	double *x = side_samples(d, bench, id, &n), *xr = side_samples(d, bench, ref, &nr);
	int rc = x && xr ? as_stats_ratio(xr, nr, x, n, r) : ENOMEM;
	free(x);
	free(xr);
	return rc;
}

/* Fills c's comparison of B with A into o (comp.h: "benchmarks", "geomean")
 * by the rule of bw.  Returns 0 or ENOMEM. */
static int compare_between(struct as_comp *c, json_t *o, const struct between *bw,
			   const struct as_dataset side[2], const json_t *config[2])
{
	struct as_ratio *r = calloc(c->nb + 1, sizeof *r);
	int *ok = calloc(c->nb + 1, sizeof *ok), rc;
	size_t b;
	if (!r || !ok) {
		free(r);
		free(ok);
		return ENOMEM;
	}
	c->log_drift = bw->ref ? 0 : log1p(bw->drift);
	for (b = 0; b < c->nb; b++) {
		struct as_ratio s[2];
		int i, fine = 1;
		if (!bw->ref) {
			ok[b] = !as_comp_ratio(c, b, "A", "B", &r[b]);
			continue;
		}
		for (i = 0; i < 2 && fine; i++)
			fine = bw->side_is_ref[i] ||
			       !side_ratio(&side[i], c->bench[b], jstr(config[i], "id"), bw->ref, &s[i]);
		ok[b] = fine && !as_stats_ratio_rel(bw->side_is_ref[0] ? NULL : &s[0],
						    bw->side_is_ref[1] ? NULL : &s[1], &r[b]);
	}
	rc = as_comp_fill(c, o, r, ok, "A", "B");
	free(r);
	free(ok);
	return rc;
}

/* The one line that says the runs were not interleaved and what was done. */
static void print_between(const struct between *bw)
{
	char why[512];
	if (bw->why_ref)
		snprintf(why, sizeof why, "both are %s, the configuration each would be taken "
					  "relative to",
			 bw->why_ref);
	else
		snprintf(why, sizeof why, "%s", bw->why);
	if (bw->ref && (bw->side_is_ref[0] || bw->side_is_ref[1])) {
		const char *is = bw->side_is_ref[0] ? "A" : "B", *other = bw->side_is_ref[0] ? "B" : "A";
		printf("Not interleaved: A and B come from different bench runs, and %s is %s, which "
		       "%s's run holds too: %s is compared with that, in its own run, so a drift "
		       "between the runs does not enter (this assumes %s did not change between "
		       "them; --reference none compares A and B directly).\n",
		       is, bw->ref, other, other, bw->ref);
	} else if (bw->ref) {
		printf("Not interleaved: A and B come from different bench runs, so each is taken "
		       "relative to its own run's %s: B's speed-up is (A / A's run's) / (B / B's "
		       "run's), and a drift common to a run cancels (this assumes %s did not "
		       "change between the runs; --reference none compares A and B directly).\n",
		       bw->ref, bw->ref);
	} else if (bw->drift > 0) {
		printf("Not interleaved: A and B come from different bench runs (%s), so a "
		       "difference common to all benchmarks cannot be told from drift between "
		       "the runs: every CI is widened by a drift allowance of %g%% each way and "
		       "only a difference beyond it is significant (--drift%s).\n",
		       why, 100 * bw->drift,
		       bw->drift == AS_STATS_DRIFT
			       ? "; 11% is the largest drift measured by hand on the machine class "
				 "allocswap was built on: the same baseline re-run 20 minutes later "
				 "read 1.11x slower"
			       : "");
	} else {
		printf("Not interleaved: A and B come from different bench runs (%s), and with "
		       "--drift 0 a difference common to all benchmarks is taken as real, though "
		       "a drift between the runs would look the same.\n",
		       why);
	}
}

/* --drift PCT: "11", "11%", "2.5"; 0 <= PCT <= 100. */
static int parse_drift(const char *v, double *drift)
{
	char *end;
	double x;
	errno = 0;
	x = strtod(v, &end);
	if (end != v && *end == '%')
		end++;
	if (end == v || *end || errno || !(x >= 0 && x <= 100))
		return as_usage_err("compare", "--drift '%s' is not a percentage from 0 to 100; "
					       "give one such as 11 or 11%% (0: no allowance)",
				    v);
	*drift = x / 100;
	return 0;
}

/* Copies side's cells into m under the configuration id `as`. */
static void merge_side(struct as_dataset *m, const struct as_dataset *side, const json_t *config,
		       const char *as)
{
	json_t *c = json_deep_copy(config);
	const json_t *b;
	size_t i;
	json_object_set_new(c, "source_id", json_string(jstr(config, "id")));
	json_object_set_new(c, "id", json_string(as));
	json_object_set_new(c, "baseline", json_string("A"));
	as_dataset_config(m, c);
	json_decref(c);
	json_array_foreach(side->benchmarks, i, b)
	{
		char *key;
		json_t *raw;
		if (asprintf(&key, "%s\n%s", jstr(b, "name"), jstr(config, "id")) < 0)
			exit(1);
		raw = json_object_get(side->cells, key);
		free(key);
		if (!raw)
			continue;
		as_dataset_bench(m, jstr(b, "name"), jstr(b, "group"));
		if (asprintf(&key, "%s\n%s", jstr(b, "name"), as) < 0)
			exit(1);
		json_object_set(m->cells, key, raw);
		free(key);
	}
}

static const json_t *cell_of(const json_t *s, const char *bench, const char *config)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		const char *b = jstr(c, "bench"), *k = jstr(c, "config");
		if (b && k && !strcmp(b, bench) && !strcmp(k, config))
			return c;
	}
	return NULL;
}

/* Benchmarks with a cell on both sides of the merged summary s. */
static size_t in_common(const json_t *s)
{
	const json_t *b;
	size_t k, n = 0;
	json_array_foreach(json_object_get(s, "benchmarks"), k, b)
	{
		n += cell_of(s, jstr(b, "name"), "A") && cell_of(s, jstr(b, "name"), "B");
	}
	return n;
}

/* "bench_0, bench_1": the benchmarks with a cell on one side, or "none". */
static void side_names(const json_t *s, const char *side, char *buf, size_t cap)
{
	const json_t *b;
	size_t k, n = 0;
	snprintf(buf, cap, "none");
	json_array_foreach(json_object_get(s, "benchmarks"), k, b)
	{
		if (cell_of(s, jstr(b, "name"), side) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", jstr(b, "name"));
	}
}

static void md(const char *s)
{
	for (; *s; s++)
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
}

/* A's column: its mean time; B's: its time and the verdict (between two
 * runs, `between`'s: the row of compare_between). */
static void print_cell(const json_t *cell, int is_b, const json_t *between)
{
	char t[64], v[512];
	const char *verdict = jstr(cell, "verdict");
	json_int_t n = json_integer_value(json_object_get(cell, "n"));
	if (!cell) {
		fputs(" - |", stdout);
		return;
	}
	putchar(' ');
	if (n == 0 || !verdict) { /* FAILED (...) */
		md(verdict ? verdict : "-");
	} else {
		as_fmt_cell(cell, v, sizeof v);
		md(as_fmt_time(jdbl(cell, "mean"), t, sizeof t));
		if (is_b && between && jstr(between, "verdict") && strncmp(verdict, "n/a", 3)) {
			/* n/a here and not in the summary: the reference's runs */
			fputs(": ", stdout);
			md(json_is_null(json_object_get(between, "ratio")) ? "n/a (too few reference runs)"
									 : jstr(between, "verdict"));
			if (strstr(v, " (") && json_integer_value(json_object_get(cell, "failed")) > 0)
				md(strstr(v, " ("));
		} else if (is_b) {
			fputs(": ", stdout);
			md(v);
		} else if (strncmp(v, "baseline", 8)) {
			md(v);
		} else if (json_integer_value(json_object_get(cell, "failed")) > 0) {
			md(strstr(v, " (") ? strstr(v, " (") : "");
		}
	}
	fputs(" |", stdout);
}

/* "Geometric mean over K benchmarks: ..., 95% CI: ...". */
static void print_geomean(const json_t *g, const struct between *bw)
{
	const json_t *ci = json_object_get(g, "ci95"), *m = json_object_get(g, "ci95_measured");
	char sp[96], cis[96];
	if (!json_is_array(ci))
		return;
	printf("Geometric mean over %lld benchmarks", (long long)json_integer_value(json_object_get(g, "k")));
	if (bw && bw->ref)
		printf(", relative to each run's %s", bw->ref);
	printf(": %s, 95%% CI", as_fmt_speed(jdbl(g, "ratio"), sp, sizeof sp));
	if (json_is_array(m))
		printf(" with the %g%% drift allowance", 100 * jdbl(g, "drift_allowance"));
	printf(": %s (speed-up %.3f, CI %.3f-%.3f",
	       as_fmt_ci(json_number_value(json_array_get(ci, 0)),
			 json_number_value(json_array_get(ci, 1)), cis, sizeof cis),
	       jdbl(g, "ratio"), json_number_value(json_array_get(ci, 0)),
	       json_number_value(json_array_get(ci, 1)));
	if (json_is_array(m))
		printf("; measurement alone %.3f-%.3f", json_number_value(json_array_get(m, 0)),
		       json_number_value(json_array_get(m, 1)));
	printf(").\n");
}

int as_cmd_compare(int argc, char **argv)
{
	const char *arg[2] = {NULL, NULL};
	struct as_dataset side[2], m;
	const json_t *config[2] = {NULL, NULL}, *b, *g, *c;
	struct as_optval v[COMPARE_NOPTS] = {{0}};
	struct between bw = {NULL, {0, 0}, AS_STATS_DRIFT, NULL, NULL};
	struct as_comp comp = {0};
	char *path[2] = {NULL, NULL};
	json_t *s = NULL, *o = NULL;
	int i, rc, first, two_runs = 0;
	size_t k, tested = 0, sig = 0;
	rc = as_opts_parse("compare", &as_usage_compare, argc, argv, v, &first);
	if (rc)
		return rc == 1 ? as_help("compare") : rc;
	if (argc - first > 2)
		return as_usage_err("compare", "two results only (A B), not also '%s'",
				    argv[first + 2]);
	if (argc - first != 2)
		return as_usage_err("compare", "needs two results: allocswap compare A B");
	if (v[OPT_REFERENCE].val && !*v[OPT_REFERENCE].val)
		return as_usage_err("compare", "--reference needs a configuration, an allocator or none");
	if (v[OPT_DRIFT].val && (rc = parse_drift(v[OPT_DRIFT].val, &bw.drift)))
		return rc;
	arg[0] = argv[first];
	arg[1] = argv[first + 1];
	for (i = 0; i < 2; i++)
		as_dataset_init(&side[i]);
	as_dataset_init(&m);
	for (i = 0; i < 2 && !rc; i++) {
		as_dataset_free(&side[i]);
		rc = load_side(arg[i], &side[i], &config[i], &path[i]);
	}
	if (rc)
		goto out;
	two_runs = !same_run(path[0], &side[0], path[1], &side[1]);
	if (two_runs && (rc = choose_reference(side, config, path, v[OPT_REFERENCE].val, &bw)))
		goto out;
	merge_side(&m, &side[0], config[0], "A");
	merge_side(&m, &side[1], config[1], "B");
	s = as_summary_build(&m);
	if (two_runs) {
		o = json_pack("{s:[]}", "benchmarks");
		if (!s || !o || as_comp_init(&comp, s) ||
		    compare_between(&comp, o, &bw, side, config)) {
			as_err("compare: out of memory");
			rc = 1;
			goto out;
		}
	}

	if (!in_common(s)) {
		char names[2][2048];
		side_names(s, "A", names[0], sizeof names[0]);
		side_names(s, "B", names[1], sizeof names[1]);
		as_err("compare: %s and %s have no benchmark in common: nothing to compare (A has %s; "
		       "B has %s)",
		       arg[0], arg[1], names[0], names[1]);
		rc = 2;
		goto out;
	}
	printf("| Benchmark | ");
	md(arg[0]);
	printf(" | ");
	md(arg[1]);
	printf(" |\n|---|---:|---:|\n");
	json_array_foreach(json_object_get(s, "benchmarks"), k, b)
	{
		const json_t *cb = cell_of(s, jstr(b, "name"), "B");
		const json_t *row = json_array_get(json_object_get(o, "benchmarks"), k);
		printf("| ");
		md(jstr(b, "name"));
		printf(" |");
		print_cell(cell_of(s, jstr(b, "name"), "A"), 0, NULL);
		print_cell(cb, 1, row);
		putchar('\n');
		if (two_runs) {
			tested += cb && !json_is_null(json_object_get(row, "p_value"));
			sig += cb && json_is_true(json_object_get(row, "significant"));
		} else {
			tested += !json_is_null(json_object_get(cb, "p_value")) && cb;
			sig += json_is_true(json_object_get(cb, "significant"));
		}
	}
	g = two_runs ? json_object_get(o, "geomean")
		     : json_array_get(json_object_get(s, "geomean"), 1);
	printf("| Geometric mean | (ref) | %s |\n\n", jstr(g, "verdict"));
	json_array_foreach(json_object_get(s, "configs"), k, c)
	{
		const char *id = jstr(c, "source_id");
		size_t la = strlen(arg[k]), li = strlen(id);
		/* the configuration id, unless the argument already ends with it */
		if (la > li && arg[k][la - li - 1] == ':' && !strcmp(arg[k] + la - li, id))
			printf("%s = %s\n", jstr(c, "id"), arg[k]);
		else
			printf("%s = %s: %s\n", jstr(c, "id"), arg[k], id);
	}
	if (!two_runs)
		printf("%zu of %zu benchmarks significant (Welch's t-test on per-process means, "
		       "two-sided, Holm-corrected over %zu comparisons, alpha %.2f).\n",
		       sig, tested, tested, AS_ALPHA);
	else {
		print_between(&bw);
		printf("%zu of %zu benchmarks significant (t-test on the log of ", sig, tested);
		if (bw.ref)
			printf("the ratio of ratios, each to its run's %s", bw.ref);
		else if (bw.drift > 0)
			printf("the ratio, beyond the %g%% drift allowance", 100 * bw.drift);
		else
			printf("the ratio");
		printf(", delta method, two-sided, Holm-corrected over %zu comparisons, alpha "
		       "%.2f).\n",
		       tested, AS_ALPHA);
	}
	print_geomean(g, two_runs ? &bw : NULL);
out:
	json_decref(s);
	json_decref(o);
	as_comp_free(&comp);
	as_dataset_free(&side[0]);
	as_dataset_free(&side[1]);
	as_dataset_free(&m);
	free(path[0]);
	free(path[1]);
	return rc;
}
