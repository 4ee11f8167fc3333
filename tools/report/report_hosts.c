/* report_hosts: shards of many hosts into one report per host class, and
 * what holds across classes (report_hosts.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_file.h"
#include "cli.h"
#include "report_hosts.h"
#include "results.h"
#include "summary.h"

#define HOSTS_SCHEMA "allocswap.hosts/1"

int as_cmd_report(int argc, char **argv);

/* One group of shards: a host class with one set of versions. */
struct hosts_group {
	char name[96];  /* DIR/hosts/NAME */
	char cls[400];  /* "Intel(R) Xeon(R) ..., 2 CPUs" */
	char key[1024]; /* cls, allocswap, python */
	char allocswap[128], python[64];
	json_t *shards;  /* [meta.json of each shard] (borrowed from the list) */
	json_t *dirs;    /* [shard directory] */
	json_t *summary; /* its as_summary_build, or NULL */
	size_t runs, expected, duplicates, unfinished;
	const char *flag;
};

static const char *jstr0(const json_t *j, const char *path)
{
	const char *s = as_jstr(j, path);
	return s ? s : "";
}

/* "Intel(R) Xeon(R) CPU @ 2.20GHz" -> "intel-r-xeon-r-cpu-2-20ghz" */
static void slug(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	int dash = 0;
	for (; *s && n + 2 < cap; s++) {
		char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[n++] = c;
			dash = 0;
		} else if (c >= 'A' && c <= 'Z') {
			out[n++] = (char)(c - 'A' + 'a');
			dash = 0;
		} else if (!dash && n) {
			out[n++] = '-';
			dash = 1;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = 0;
	if (!n)
		snprintf(out, cap, "host");
}

/* The shards' meta.json in numeric order of their directory names: a JSON
 * array of [dir, meta]; NULL when there is none. */
static json_t *shards_list(const char *dir)
{
	char path[PATH_MAX + 384];
	struct dirent **ents = NULL;
	json_t *list = json_array();
	int n, i;
	snprintf(path, sizeof path, "%s/shards", dir);
	n = scandir(path, &ents, NULL, versionsort);
	for (i = 0; i < n; i++) {
		json_t *meta;
		char sd[PATH_MAX + 300];
		snprintf(sd, sizeof sd, "%.3800s/shards/%.255s", dir, ents[i]->d_name);
		snprintf(path, sizeof path, "%s/meta.json", sd);
		if (ents[i]->d_name[0] != '.' && (meta = json_load_file(path, 0, NULL)))
			json_array_append_new(list, json_pack("[s, o]", sd, meta));
		free(ents[i]);
	}
	free(ents);
	if (!json_array_size(list)) {
		json_decref(list);
		return NULL;
	}
	return list;
}

struct merge_arg {
	FILE *out;
	json_t *seen;    /* {"bench\nconfig\nrole\nrun": true} */
	long runs;       /* the matrix's timed runs per cell */
	size_t timed;    /* timed records with run < runs */
	size_t duplicates;
	int write_error;
};

static int merge_rec(json_t *rec, void *arg)
{
	struct merge_arg *a = arg;
	char key[1024];
	const char *role = jstr0(rec, "role");
	json_int_t run = json_integer_value(json_object_get(rec, "run"));
	snprintf(key, sizeof key, "%s\n%s\n%s\n%s\n%lld", jstr0(rec, "bench"), jstr0(rec, "config"),
		 role, jstr0(rec, "request"), (long long)run);
	if (json_object_get(a->seen, key)) {
		a->duplicates++;
		return 0;
	}
	json_object_set_new(a->seen, key, json_true());
	if (!*role && run >= 0 && run < a->runs)
		a->timed++;
	if (json_dumpf(rec, a->out, JSON_COMPACT) || fputc('\n', a->out) == EOF)
		a->write_error = 1;
	return 0;
}

/* DIR/hosts/NAME/meta.json and runs.jsonl of group g; 0 or an errno value. */
static int group_write(const char *dir, struct hosts_group *g)
{
	char gd[PATH_MAX], path[PATH_MAX + 32];
	json_t *first = json_array_get(g->shards, 0), *meta = json_deep_copy(first);
	json_t *mx = json_object_get(meta, "matrix"), *benches = json_array(), *loops = json_object();
	json_t *all = json_object_get(json_object_get(first, "shard"), "benchmarks"), *src, *m, *b;
	json_t *info = json_array(), *hostnames = json_array(), *finished = json_null();
	struct merge_arg a = {0};
	struct as_file out;
	size_t i, k, j;
	int rc = 0;
	snprintf(gd, sizeof gd, "%s/hosts/%s", dir, g->name);
	if ((rc = as_mkdirs(gd)))
		goto out;
	a.seen = json_object();
	a.runs = (long)json_integer_value(json_object_get(mx, "runs"));
	snprintf(path, sizeof path, "%s/runs.jsonl", gd);
	if ((rc = as_file_open(&out, path)))
		goto out;
	a.out = out.f;
	json_array_foreach (g->shards, i, m) {
		const json_t *smx = json_object_get(m, "matrix");
		const char *h = jstr0(m, "host.hostname");
		int have = 0;
		as_runs_read(json_string_value(json_array_get(g->dirs, i)), merge_rec, &a);
		json_array_foreach (json_object_get(smx, "benchmarks"), k, b)
			json_array_append(benches, b);
		json_object_update(loops, json_object_get(smx, "loops"));
		g->expected += json_array_size(json_object_get(smx, "configs")) *
			       json_array_size(json_object_get(smx, "benchmarks")) *
			       (size_t)json_integer_value(json_object_get(smx, "runs"));
		if (!json_is_string(json_object_get(m, "finished")))
			g->unfinished++;
		else if (!json_is_null(finished) &&
			 strcmp(json_string_value(finished), jstr0(m, "finished")) < 0)
			finished = json_object_get(m, "finished");
		else if (json_is_null(finished))
			finished = json_object_get(m, "finished");
		json_array_foreach (hostnames, j, src)
			have |= !strcmp(json_string_value(src), h);
		if (!have)
			json_array_append_new(hostnames, json_string(h));
		json_array_append_new(
			info, json_pack("{s:s, s:O?, s:s, s:O?, s:O?}", "dir",
					json_string_value(json_array_get(g->dirs, i)), "index",
					as_jpath(m, "shard.index"), "hostname", h, "started",
					json_object_get(m, "started"), "finished",
					json_object_get(m, "finished")));
	}
	g->runs = a.timed;
	g->duplicates = a.duplicates;
	if (a.write_error) {
		as_file_close(&out, 0);
		rc = EIO;
		goto out;
	}
	if ((rc = as_file_close(&out, 1)))
		goto out;
	/* the benchmarks in the whole matrix's order */
	if (json_is_array(all)) {
		json_t *ordered = json_array();
		json_array_foreach (all, i, src)
			json_array_foreach (benches, k, b)
				if (!strcmp(jstr0(b, "name"), json_string_value(src)))
					json_array_append(ordered, b);
		if (json_array_size(ordered) == json_array_size(benches)) {
			json_decref(benches);
			benches = ordered;
		} else {
			json_decref(ordered);
		}
	}
	json_object_set(mx, "benchmarks", benches);
	json_object_set(mx, "loops", loops);
	json_object_set(meta, "finished", g->unfinished ? json_null() : finished);
	json_object_del(meta, "shard");
	json_object_del(meta, "results");
	{ /* the command that submitted the shards, when an engine did */
		json_t *eng;
		snprintf(path, sizeof path, "%s/engine.json", dir);
		eng = json_load_file(path, 0, NULL);
		if (json_is_array(json_object_get(eng, "command")))
			json_object_set(meta, "command", json_object_get(eng, "command"));
		json_decref(eng);
	}
	json_object_set(meta, "shards", info);
	{
		char names[1024] = "";
		json_array_foreach (hostnames, i, src)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
				 i ? ", " : "", json_string_value(src));
		json_object_set_new(json_object_get(meta, "host"), "hostname", json_string(names));
		json_object_set(json_object_get(meta, "host"), "hostnames", hostnames);
	}
	rc = as_json_write_file(gd, "meta.json", meta);
out:
	json_decref(a.seen);
	json_decref(meta);
	json_decref(benches);
	json_decref(loops);
	json_decref(info);
	json_decref(hostnames);
	return rc;
}

/* The shards in groups (host class, versions), in order of first appearance;
 * *ng of them. */
/* Is name the directory of one of g[0..n)? */
static int name_taken(const struct hosts_group *g, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n && strcmp(g[i].name, name); i++)
		;
	return i < n;
}

static struct hosts_group *groups_make(const json_t *list, size_t *ng)
{
	struct hosts_group *g = calloc(json_array_size(list) + 1, sizeof *g);
	const json_t *e;
	size_t i, k, n = 0;
	if (!g)
		return NULL;
	json_array_foreach (list, i, e) {
		const char *sd = json_string_value(json_array_get(e, 0));
		json_t *m = json_array_get(e, 1);
		char cls[400], av[128], pv[64], key[1024];
		const char *part = as_jstr(m, "shard.engine.partition");
		snprintf(cls, sizeof cls, "%s%s%s, %g CPUs", part ? part : "", part ? ": " : "",
			 as_jstr(m, "host.cpu") ? as_jstr(m, "host.cpu") : "unknown CPU",
			 isnan(as_jnum(m, "host.nproc")) ? 0 : as_jnum(m, "host.nproc"));
		snprintf(av, sizeof av, "%s %s", jstr0(m, "allocswap.version"),
			 jstr0(m, "allocswap.commit"));
		snprintf(pv, sizeof pv, "%s", as_jstr(m, "python.version") ? as_jstr(m, "python.version")
									 : "none");
		snprintf(key, sizeof key, "%s\n%s\n%s", cls, av, pv);
		for (k = 0; k < n && strcmp(g[k].key, key); k++)
			;
		if (k == n) {
			char s[80], s_name[sizeof g[k].name];
			size_t same = 0, twin = 1, j;
			snprintf(g[k].key, sizeof g[k].key, "%s", key);
			snprintf(g[k].cls, sizeof g[k].cls, "%s", cls);
			snprintf(g[k].allocswap, sizeof g[k].allocswap, "%s", av);
			snprintf(g[k].python, sizeof g[k].python, "%s", pv);
			char ps[40] = "";
			slug(as_jstr(m, "host.cpu") ? as_jstr(m, "host.cpu") : "host", s, sizeof s);
			if (part)
				slug(part, ps, sizeof ps);
			snprintf(g[k].name, sizeof g[k].name, "%s%s%.50s-%gcpu", ps, part ? "-" : "", s,
				 isnan(as_jnum(m, "host.nproc")) ? 0 : as_jnum(m, "host.nproc"));
			for (j = 0; j < n; j++)
				if (!strcmp(g[j].cls, cls)) {
					same++;
					g[j].flag = g[k].flag = "this host class ran other allocswap or "
								"Python versions in other shards: "
								"reported apart, not mixed";
				}
			if (same)
				snprintf(g[k].name + strlen(g[k].name),
					 sizeof g[k].name - strlen(g[k].name), "-v%zu", same + 1);
			snprintf(s_name, sizeof s_name, "%s", g[k].name);
			/* partitions a_b, a-b and A_B slug alike: -2, -3... */
			while (name_taken(g, k, g[k].name))
				snprintf(g[k].name, sizeof g[k].name, "%.*s-%zu",
					 (int)sizeof g[k].name - 12, s_name, ++twin);
			g[k].shards = json_array();
			g[k].dirs = json_array();
			n++;
		}
		json_array_append(g[k].shards, m);
		json_array_append_new(g[k].dirs, json_string(sd));
	}
	*ng = n;
	return g;
}

/* ---- across host classes ------------------------------------------------------------- */

static const json_t *find_cell(const json_t *s, const char *arr, const char *bench,
			       const char *config)
{
	const json_t *c;
	size_t i;
	json_array_foreach (json_object_get(s, arr), i, c)
		if (as_same_str(as_jstr(c, "config"), config) &&
		    (!bench || as_same_str(as_jstr(c, "bench"), bench)))
			return c;
	return NULL;
}

/* One row of "across": a (benchmark or geomean, config) in two or more
 * classes; NULL when fewer have it. */
static json_t *across_row(const struct hosts_group *g, size_t ng, const char *bench,
			  const char *config, const char *label)
{
	json_t *by = json_object(), *row;
	int up = 0, down = 0, ns = 0;
	size_t k, have = 0;
	char said[2048] = "";
	const char *concl;
	for (k = 0; k < ng; k++) {
		const json_t *c = find_cell(g[k].summary, bench ? "cells" : "geomean", bench, config);
		double r = c ? as_jnum(c, "ratio") : NAN;
		int sig;
		if (!c || isnan(r) || !as_jstr(c, "verdict") ||
		    !strncmp(as_jstr(c, "verdict"), "n/a", 3) ||
		    !strncmp(as_jstr(c, "verdict"), "FAILED", 6))
			continue;
		sig = json_is_true(json_object_get(c, "significant"));
		up += sig && r > 1;
		down += sig && r < 1;
		ns += !sig;
		have++;
		json_object_set_new(by, g[k].name,
				    json_pack("{s:f, s:b, s:s}", "ratio", r, "significant", sig,
					      "verdict", as_jstr(c, "verdict")));
		if (sig)
			snprintf(said + strlen(said), sizeof said - strlen(said), "%s%s on %s",
				 have > 1 ? ", " : "", as_jstr(c, "verdict"), g[k].name);
		else /* with its estimate: a flip of 1.02x against 1.01x is no news */
			snprintf(said + strlen(said), sizeof said - strlen(said),
				 "%snot significant (%.2fx %s) on %s", have > 1 ? ", " : "",
				 r >= 1 ? r : 1 / r, r >= 1 ? "faster" : "slower", g[k].name);
	}
	if (have < 2) {
		json_decref(by);
		return NULL;
	}
	concl = (up && down) || ((up || down) && ns) ? "flips" :
		(up || down)			       ? "holds everywhere" :
							 "not significant anywhere";
	row = json_pack("{s:s?, s:s, s:s, s:o, s:s}", "bench", bench, "config", config, "label",
			label, "by_class", by, "conclusion", concl);
	{
		char full[2300];
		snprintf(full, sizeof full, "%s: %s", label, said);
		json_object_set_new(row, "said", json_string(full));
	}
	return row;
}

static json_t *across_build(const struct hosts_group *g, size_t ng)
{
	json_t *out = json_array(), *c, *b;
	size_t i, k;
	if (ng < 2 || !g[0].summary)
		return out;
	json_array_foreach (json_object_get(g[0].summary, "configs"), i, c) {
		const char *id = as_jstr(c, "id"), *label = as_jstr(c, "label");
		json_t *row;
		if (!id || as_same_str(as_jstr(c, "baseline"), id))
			continue;
		if ((row = across_row(g, ng, NULL, id, label ? label : id)))
			json_array_append_new(out, row);
		json_array_foreach (json_object_get(g[0].summary, "benchmarks"), k, b)
			if ((row = across_row(g, ng, as_jstr(b, "name"), id, label ? label : id)))
				json_array_append_new(out, row);
	}
	return out;
}

static int write_md(const char *dir, const struct hosts_group *g, size_t ng, const json_t *across,
		    size_t nshards)
{
	char path[PATH_MAX + 32];
	struct as_file a;
	const json_t *r;
	size_t k, i;
	FILE *f;
	int rc;
	snprintf(path, sizeof path, "%s/report.md", dir);
	if ((rc = as_file_open(&a, path)))
		return rc;
	f = a.f;
	fprintf(f, "# allocswap report: %zu shards on %zu host class%s\n\n", nshards, ng,
		ng == 1 ? "" : "es");
	fprintf(f, "Comparisons are made within one host: a shard holds every configuration of "
		   "the matrix over some benchmarks.  Each host class has its own report, as for a "
		   "run on one machine.\n\n");
	fprintf(f, "| host class | hosts | shards | allocswap | Python | runs | missing | "
		   "duplicates | report |\n|---|---|---:|---|---|---:|---:|---:|---|\n");
	for (k = 0; k < ng; k++) {
		fprintf(f, "| %s | ", g[k].cls);
		for (i = 0; i < json_array_size(g[k].shards); i++) {
			json_t *s = json_array_get(g[k].shards, i);
			const char *h = jstr0(s, "host.hostname");
			size_t j;
			int dup = 0;
			for (j = 0; j < i; j++)
				dup |= !strcmp(jstr0(json_array_get(g[k].shards, j), "host.hostname"), h);
			if (!dup)
				fprintf(f, "%s%s", i ? ", " : "", h);
		}
		fprintf(f, " | %zu%s | %s | %s | %zu of %zu | %zu | %zu | [hosts/%s](hosts/%s/report.md) |\n",
			json_array_size(g[k].shards), g[k].unfinished ? " (some unfinished)" : "",
			g[k].allocswap, g[k].python, g[k].runs, g[k].expected,
			g[k].expected > g[k].runs ? g[k].expected - g[k].runs : 0, g[k].duplicates,
			g[k].name, g[k].name);
	}
	for (k = 0; k < ng; k++)
		if (g[k].flag)
			fprintf(f, "\n**%s**: %s.\n", g[k].name, g[k].flag);
	fprintf(f, "\n## Across hosts\n\n");
	if (ng < 2) {
		fprintf(f, "One host class: nothing to compare across hosts.\n");
	} else if (!json_array_size(across)) {
		fprintf(f, "No configuration and benchmark ran in two host classes.\n");
	} else {
		static const char *const kinds[] = {"holds everywhere", "flips",
						    "not significant anywhere"};
		fprintf(f, "Each speed-up against the baseline, per host class (its own report's "
			   "verdict).  A conclusion holds when it is significant in the same direction "
			   "on every class; it flips when another class says the opposite or cannot "
			   "tell.\n");
		for (k = 0; k < 3; k++) {
			size_t n = 0;
			json_array_foreach (across, i, r)
				n += as_same_str(as_jstr(r, "conclusion"), kinds[k]);
			fprintf(f, "\n### %s (%zu)\n\n%s", kinds[k], n, n ? "" : "None.\n");
			json_array_foreach (across, i, r)
				if (as_same_str(as_jstr(r, "conclusion"), kinds[k]))
					fprintf(f, "- %s: %s\n",
						as_jstr(r, "bench") ? as_jstr(r, "bench")
								    : "geometric mean",
						as_jstr(r, "said"));
		}
	}
	return as_file_close(&a, 1);
}

/* The value of option name in argv (already checked by the report's parser):
 * "--name V" or "--name=V", or NULL. */
static const char *opt_value(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	int i;
	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], name, len)) {
			if (argv[i][len] == '=')
				return argv[i] + len + 1;
			if (!argv[i][len] && i + 1 < argc)
				return argv[i + 1];
		}
	return NULL;
}

int as_hosts_report(const char *dir, int argc, char **argv, int first)
{
	json_t *list = shards_list(dir), *classes = NULL, *across = NULL, *top = NULL;
	struct hosts_group *g = NULL;
	size_t ng = 0, k;
	char **av = NULL;
	int rc = 0, e;
	if (!list)
		return -1;
	g = groups_make(list, &ng);
	av = calloc((size_t)argc + 1, sizeof *av);
	if (!g || !av) {
		as_err("out of memory");
		rc = 1;
		goto out;
	}
	printf("%s: %zu shards in %zu host class%s\n", dir, json_array_size(list), ng,
	       ng == 1 ? "" : "es");
	for (k = 0; k < ng; k++) {
		char gd[PATH_MAX];
		struct as_dataset d;
		int i;
		if ((e = group_write(dir, &g[k]))) {
			as_err("report: cannot write %s/hosts/%s: %s", dir, g[k].name, strerror(e));
			rc = 1;
			goto out;
		}
		if (g[k].duplicates)
			as_err("report: note: %zu records of %s appear in two shards (counted once)",
			       g[k].duplicates, g[k].name);
		snprintf(gd, sizeof gd, "%s/hosts/%s", dir, g[k].name);
		for (i = 0; i < argc; i++)
			av[i] = i == first ? gd : argv[i];
		fflush(stdout);
		as_dataset_init(&d);
		if ((e = as_cmd_report(argc, av)))
			rc = e;
		/* the classes compared as their reports compare */
		if (!as_dataset_load("report", gd, opt_value(argc, argv, "--time"), &d) &&
		    !as_dataset_set_baseline(&d, "report", opt_value(argc, argv, "--baseline"), gd))
			g[k].summary = as_summary_build(&d);
		as_dataset_free(&d);
	}
	across = across_build(g, ng);
	classes = json_array();
	for (k = 0; k < ng; k++)
		json_array_append_new(
			classes,
			json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:s, s:s, s:O, s:I, s:I, s:I, s:I, "
				  "s:I, s:s?}",
				  "name", g[k].name, "dir", "hosts", "cpu",
				  jstr0(json_array_get(g[k].shards, 0), "host.cpu"), "nproc",
				  as_jpath(json_array_get(g[k].shards, 0), "host.nproc"), "hosts",
				  as_jpath(json_array_get(g[k].shards, 0), "host.hostnames"),
				  "allocswap", g[k].allocswap, "python", g[k].python, "shards",
				  g[k].dirs, "unfinished", (json_int_t)g[k].unfinished, "runs",
				  (json_int_t)g[k].runs, "expected", (json_int_t)g[k].expected,
				  "missing",
				  (json_int_t)(g[k].expected > g[k].runs ? g[k].expected - g[k].runs : 0),
				  "duplicates", (json_int_t)g[k].duplicates, "flag", g[k].flag));
	for (k = 0; k < ng; k++) {
		char gd[PATH_MAX + 16];
		snprintf(gd, sizeof gd, "hosts/%s", g[k].name);
		json_object_set_new(json_array_get(classes, k), "dir", json_string(gd));
	}
	top = json_pack("{s:s, s:s, s:O, s:O}", "schema", HOSTS_SCHEMA, "source", dir, "classes",
			classes, "across", across);
	if ((e = as_json_write_file(dir, "summary.json", top))) {
		as_err("report: %s/summary.json: %s", dir, strerror(e));
		rc = 1;
	} else {
		printf("wrote %s/summary.json\n", dir);
	}
	if ((e = write_md(dir, g, ng, across, json_array_size(list)))) {
		as_err("report: %s/report.md: %s", dir, strerror(e));
		rc = 1;
	} else {
		printf("wrote %s/report.md\n", dir);
	}
out:
	for (k = 0; g && k < ng; k++) {
		json_decref(g[k].shards);
		json_decref(g[k].dirs);
		json_decref(g[k].summary);
	}
	free(g);
	free(av);
	json_decref(classes);
	json_decref(across);
	json_decref(top);
	json_decref(list);
	return rc;
}
