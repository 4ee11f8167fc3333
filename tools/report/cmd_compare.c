/* cmd_compare: `allocswap compare A B`, like `pyperf compare_to --table`.
 *
 * A and B each name one configuration's results: a bench directory, a runs
 * .jsonl file, a meta.json or a summary.json, optionally followed by
 * ":CONFIG" (a configuration id or an allocator) when it holds several.  The
 * two are put into one dataset as configurations "A" and "B", with A as the
 * baseline, and summarized by the same code as `report` (summary.h), so the
 * two commands always agree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "summary.h"

const struct as_usage as_usage_compare = {
	"usage: allocswap compare A B\n"
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
	NULL, 0,
	"\n"
	"\"1.32x faster\" means A's mean time / B's = 1.32; \"(-24%)\" is B's change in\n"
	"time from A's. One sample is one process (the mean of its values). A row is\n"
	"significant when Welch's t-test gives p < 0.05 after Holm's correction over\n"
	"all the benchmarks compared; the geometric mean is significant when its 95%\n"
	"CI excludes 1. Rows with fewer than two successful processes on either side\n"
	"say \"n/a (too few runs)\"; failed processes are shown, never used.\n"
	"\n"
	"Exit status: 0 when the table was printed (whatever it says), 2 for bad usage\n"
	"(unknown option, a missing or unreadable A or B, an ambiguous or unknown\n"
	"CONFIG).\n",
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

/* Loads ARG (PATH or PATH:CONFIG) and picks its one configuration. */
static int load_side(const char *arg, struct as_dataset *d, const json_t **config)
{
	char *path = strdup(arg), *sel = NULL, *colon;
	struct stat st;
	const json_t *c, *found = NULL;
	size_t i, matches = 0;
	char list[4096];
	int rc;
	if (!path)
		return ENOMEM;
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
	rc = as_dataset_load("compare", path, d);
	if (rc)
		goto out;
	list_configs(d, list, sizeof list);
	if (json_array_size(d->configs) == 0) {
		as_err("compare: %s holds no runs", path);
		rc = 2;
		goto out;
	}
	if (!sel) {
		if (json_array_size(d->configs) > 1) {
			as_err("compare: %s holds %zu configurations; pick one with %s:CONFIG (one "
			       "of: %s)",
			       path, json_array_size(d->configs), path, list);
			rc = 2;
			goto out;
		}
		found = json_array_get(d->configs, 0);
	} else {
		json_array_foreach(d->configs, i, c)
		{
			const char *id = jstr(c, "id"), *alloc = jstr(c, "allocator");
			if (id && !strcmp(id, sel)) {
				found = c;
				matches = 1;
				break;
			}
			if (alloc && !strcmp(alloc, sel)) {
				found = c;
				matches++;
			}
		}
		if (matches != 1) {
			as_err("compare: %s: '%s' %s; configurations there: %s", path, sel,
			       matches ? "matches several configurations, give the full id"
				       : "is neither a configuration id nor an allocator",
			       list);
			rc = 2;
			goto out;
		}
	}
	*config = found;
out:
	free(path);
	return rc;
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

static void md(const char *s)
{
	for (; *s; s++)
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
}

/* A's column: its mean time; B's: its time and the verdict. */
static void print_cell(const json_t *cell, int is_b)
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
		if (is_b) {
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

int as_cmd_compare(int argc, char **argv)
{
	const char *arg[2] = {NULL, NULL};
	struct as_dataset side[2], m;
	const json_t *config[2] = {NULL, NULL}, *b, *g, *c;
	json_t *s;
	int i, rc, first;
	size_t k, tested = 0, sig = 0;
	rc = as_opts_parse("compare", &as_usage_compare, argc, argv, NULL, &first);
	if (rc)
		return rc == 1 ? as_help("compare") : rc;
	if (argc - first > 2)
		return as_usage_err("compare", "two results only (A B), not also '%s'",
				    argv[first + 2]);
	if (argc - first != 2)
		return as_usage_err("compare", "needs two results: allocswap compare A B");
	arg[0] = argv[first];
	arg[1] = argv[first + 1];
	for (i = 0; i < 2; i++) {
		as_dataset_init(&side[i]);
	}
	as_dataset_init(&m);
	for (i = 0; i < 2 && !rc; i++) {
		as_dataset_free(&side[i]);
		rc = load_side(arg[i], &side[i], &config[i]);
	}
	if (rc)
		goto out;
	merge_side(&m, &side[0], config[0], "A");
	merge_side(&m, &side[1], config[1], "B");
	s = as_summary_build(&m);

	printf("| Benchmark | ");
	md(arg[0]);
	printf(" | ");
	md(arg[1]);
	printf(" |\n|---|---:|---:|\n");
	json_array_foreach(json_object_get(s, "benchmarks"), k, b)
	{
		const json_t *cb = cell_of(s, jstr(b, "name"), "B");
		printf("| ");
		md(jstr(b, "name"));
		printf(" |");
		print_cell(cell_of(s, jstr(b, "name"), "A"), 0);
		print_cell(cb, 1);
		putchar('\n');
		tested += !json_is_null(json_object_get(cb, "p_value")) && cb;
		sig += json_is_true(json_object_get(cb, "significant"));
	}
	g = json_array_get(json_object_get(s, "geomean"), 1);
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
	printf("%zu of %zu benchmarks significant (Welch's t-test on per-process means, "
	       "two-sided, Holm-corrected over %zu comparisons, alpha %.2f).\n",
	       sig, tested, tested, AS_ALPHA);
	if (json_is_array(json_object_get(g, "ci95"))) {
		char sp[96], ci[96];
		printf("Geometric mean over %lld benchmarks: %s, 95%% CI: %s (speed-up %.3f, CI "
		       "%.3f-%.3f).\n",
		       (long long)json_integer_value(json_object_get(g, "k")),
		       as_fmt_speed(jdbl(g, "ratio"), sp, sizeof sp),
		       as_fmt_ci(json_number_value(json_array_get(json_object_get(g, "ci95"), 0)),
				 json_number_value(json_array_get(json_object_get(g, "ci95"), 1)), ci,
				 sizeof ci),
		       jdbl(g, "ratio"),
		       json_number_value(json_array_get(json_object_get(g, "ci95"), 0)),
		       json_number_value(json_array_get(json_object_get(g, "ci95"), 1)));
	}
	json_decref(s);
out:
	as_dataset_free(&side[0]);
	as_dataset_free(&side[1]);
	as_dataset_free(&m);
	return rc;
}
