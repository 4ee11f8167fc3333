/* bench_suite: the suites of `allocswap bench`, one table (see bench.h).
 *
 *   builtin        tools/suite/allocswap_suite.py: one benchmark per process,
 *                  calibrated loops, the process prints its values as JSON
 *   pyperformance  `python -m pyperformance run` per benchmark and
 *                  configuration; pyperf's worker processes become records
 *                  (bench_pyperf.c); LD_PRELOAD, PYTHONMALLOC and ALLOCSWAP_*
 *                  are passed through --inherit-environ (pyperf strips them
 *                  otherwise, silently)
 *   cmd            an arbitrary shell command; its wall time is the sample
 */
#include "bench.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What pyperf must pass to its workers. */
#define BENCH_INHERIT_ENVIRON                                                             \
	"LD_PRELOAD,PYTHONMALLOC,ALLOCSWAP_ALLOCATOR,ALLOCSWAP_STATS,ALLOCSWAP_REPORT,"    \
	"GLIBC_TUNABLES"

void bench_rec_fail(json_t *rec, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "error", json_string(buf));
}

/* Runs argv in the plain environment with stdout into a string; the exit
 * status, or -1 when it could not start.  err gets stderr's last line. */
static int capture(const struct bench_matrix *m, char *const argv[], char **out, char *err,
		   size_t cap)
{
	char op[PATH_MAX + 32], ep[PATH_MAX + 32];
	struct as_launch_result p;
	int rc;
	snprintf(op, sizeof op, "%s/capture.out", m->scratch);
	snprintf(ep, sizeof ep, "%s/capture.err", m->scratch);
	rc = bench_run_plain(m->scratch, argv, op, ep, &p);
	as_launch_result_free(&p);
	*out = NULL;
	err[0] = 0;
	if (rc) {
		snprintf(err, cap, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	*out = as_read_all(op, NULL);
	bench_last_line(ep, err, cap);
	unlink(op);
	unlink(ep);
	if (!err[0] && (!WIFEXITED(p.status) || WEXITSTATUS(p.status)))
		as_status_str(p.status, err, cap);
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
}

/* The last line of s that is a JSON object holding key, or NULL. */
static json_t *last_json_with(char *s, const char *key)
{
	char *line = s ? strtok(s, "\n") : NULL;
	json_t *found = NULL;
	for (; line; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (json_is_object(j) && json_object_get(j, key)) {
			json_decref(found);
			found = j;
		} else {
			json_decref(j);
		}
	}
	return found;
}

static int positive_numbers(const json_t *a)
{
	size_t i;
	json_t *v;
	if (!json_is_array(a))
		return 0;
	json_array_foreach (a, i, v)
		if (!json_is_number(v) || json_number_value(v) < 0)
			return 0;
	return 1;
}

/* The libswap report of the run into rec: "report" and "child_reports"; a
 * report showing another allocator than the configuration's fails it. */
static void attach_report(struct bench_ctx *x, const struct bench_slot *s, json_t *rec,
			  const struct bench_reports *r)
{
	char why[512];
	json_object_set(rec, "report", r->main ? r->main : json_null());
	json_object_set_new(rec, "child_reports", json_integer((json_int_t)r->others));
	if (r->main && bench_report_check(x->m, s, r->main, why, sizeof why) &&
	    !strcmp(json_string_value(json_object_get(rec, "status")), "ok"))
		bench_rec_fail(rec, "wrong allocator: %s", why);
}

static void status_fail(json_t *rec, const struct as_launch_result *p, const char *err_line)
{
	char st[128];
	as_status_str(p->status, st, sizeof st);
	bench_rec_fail(rec, "%s%s%s", st, err_line[0] ? ": " : "", err_line);
}

static int exited_ok(const struct as_launch_result *p)
{
	return WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

/* ---- builtin ------------------------------------------------------------------- */

static int builtin_check(struct bench_matrix *m, json_t *info)
{
	if (!m->suite_path[0]) {
		bench_err("the built-in suite (allocswap_suite.py) is not next to this "
		       "allocswap (tools/suite/ of its source tree) nor in share/allocswap/");
		return 2;
	}
	json_object_set_new(info, "path", json_string(m->suite_path));
	return 0;
}

static json_t *builtin_list(struct bench_matrix *m)
{
	char *argv[] = {m->python, m->suite_path, "--list", NULL};
	char err[512], *out, *line;
	json_t *list;
	int rc = capture(m, argv, &out, err, sizeof err);
	if (rc) {
		bench_err("cannot list the built-in suite with %s: %s", m->python, err);
		free(out);
		return NULL;
	}
	list = json_array();
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (json_string_value(json_object_get(j, "name")))
			json_array_append_new(
				list, json_pack("{s:O, s:O}", "name", json_object_get(j, "name"), "group",
						json_object_get(j, "group") ? json_object_get(j, "group") :
									      json_null()));
		json_decref(j);
	}
	free(out);
	return list;
}

static int builtin_calibrate(struct bench_matrix *m, struct bench_bench *b, const char *tmpdir)
{
	char target[32], err[512], *out;
	char *argv[] = {m->python, m->suite_path, "calibrate", b->name, "--target-ms", target, NULL};
	json_t *j;
	int rc;
	(void)tmpdir;
	snprintf(target, sizeof target, "%g", m->target_ms);
	rc = capture(m, argv, &out, err, sizeof err);
	j = rc ? NULL : last_json_with(out, "loops");
	free(out);
	if (!json_is_integer(json_object_get(j, "loops")) ||
	    json_integer_value(json_object_get(j, "loops")) < 1) {
		bench_err("calibrating %s failed: %s", b->name, err[0] ? err : "no loop count");
		json_decref(j);
		return 1;
	}
	b->loops = (unsigned long)json_integer_value(json_object_get(j, "loops"));
	json_decref(j);
	return 0;
}

static char **make_argv(const char *const *words, size_t n)
{
	size_t i, len = 0;
	char **v, *p;
	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	v = malloc((n + 1) * sizeof *v + len);
	if (!v)
		return NULL;
	p = (char *)(v + n + 1);
	for (i = 0; i < n; i++) {
		size_t l = strlen(words[i]) + 1;
		memcpy(p, words[i], l);
		v[i] = p;
		p += l;
	}
	v[n] = NULL;
	return v;
}

static char **builtin_argv(const struct bench_matrix *m, const struct bench_bench *b,
			   const char *python,
			   const char *out)
{
	char loops[32], values[32], warm[32];
	const char *w[] = {python, m->suite_path, "run", b->name, "--loops", loops, "--values",
			   values, "--warmups", warm};
	(void)out;
	snprintf(loops, sizeof loops, "%lu", b->loops);
	snprintf(values, sizeof values, "%lu", m->values);
	snprintf(warm, sizeof warm, "%lu", m->warmups);
	return make_argv(w, sizeof w / sizeof w[0]);
}

/* The suite's CPU times beside its wall times (results.h): "cpu_values"
 * and "cpu_warmups" when each is an array of numbers >= 0 as long as its
 * wall array (a suite older than them prints none: nothing is added), and
 * "cpu_complete". */
static void builtin_cpu(json_t *rec, const json_t *res)
{
	static const char *const pairs[][2] = {{"cpu_values", "values"},
					       {"cpu_warmups", "warmups"}};
	json_t *complete = json_object_get(res, "cpu_complete");
	size_t i;
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		json_t *cpu = json_object_get(res, pairs[i][0]);
		const json_t *wall = json_object_get(rec, pairs[i][1]);
		if (positive_numbers(cpu) && json_is_array(wall) &&
		    json_array_size(cpu) == json_array_size(wall))
			json_object_set(rec, pairs[i][0], cpu);
	}
	if (json_object_get(rec, "cpu_values") && json_is_boolean(complete))
		json_object_set(rec, "cpu_complete", complete);
}

static int builtin_collect(struct bench_ctx *x, const struct bench_slot *s, json_t *rec,
			   const struct as_launch_result *p, const char *out, const char *err_line,
			   const struct bench_reports *r, bench_emit_fn emit)
{
	char *text = as_read_all(out, NULL);
	json_t *res = exited_ok(p) ? last_json_with(text, "values") : NULL;
	free(text);
	if (!exited_ok(p)) {
		status_fail(rec, p, err_line);
	} else if (!res || !positive_numbers(json_object_get(res, "values")) ||
		   !json_array_size(json_object_get(res, "values"))) {
		bench_rec_fail(rec, "exited 0 without a JSON line of values on stdout%s%s",
			       err_line[0] ? ": " : "", err_line);
	} else {
		json_object_set_new(rec, "status", json_string("ok"));
		json_object_set(rec, "values", json_object_get(res, "values"));
		if (positive_numbers(json_object_get(res, "warmups")))
			json_object_set(rec, "warmups", json_object_get(res, "warmups"));
		builtin_cpu(rec, res);
	}
	json_decref(res);
	attach_report(x, s, rec, r);
	return emit(x, s, rec);
}

/* ---- cmd -------------------------------------------------------------------------- */

static int cmd_check(struct bench_matrix *m, json_t *info)
{
	(void)m;
	json_object_set_new(info, "shell", json_string("/bin/sh -c"));
	return 0;
}

static int cmd_calibrate(struct bench_matrix *m, struct bench_bench *b, const char *tmpdir)
{
	(void)m;
	(void)tmpdir;
	b->loops = 1; /* one process, one value: its wall time */
	return 0;
}

static char **cmd_argv(const struct bench_matrix *m, const struct bench_bench *b,
		       const char *python, const char *out)
{
	const char *w[] = {"/bin/sh", "-c", b->cmd};
	(void)m;
	(void)python;
	(void)out;
	return make_argv(w, 3);
}

static int cmd_collect(struct bench_ctx *x, const struct bench_slot *s, json_t *rec,
		       const struct as_launch_result *p, const char *out, const char *err_line,
		       const struct bench_reports *r, bench_emit_fn emit)
{
	(void)out;
	if (!exited_ok(p)) {
		status_fail(rec, p, err_line);
	} else {
		json_object_set_new(rec, "status", json_string("ok"));
		json_object_set_new(rec, "values", json_pack("[f]", (double)p->wall_ns / 1e9));
	}
	attach_report(x, s, rec, r);
	return emit(x, s, rec);
}

/* ---- pyperformance ------------------------------------------------------------------ */

static int pyperf_check(struct bench_matrix *m, json_t *info)
{
	char *argv[] = {m->python, "-c", "import pyperformance; print(pyperformance.__version__)",
			NULL};
	char err[512], *out, line[128] = "";
	int rc = capture(m, argv, &out, err, sizeof err);
	if (out) {
		char *nl = strchr(out, '\n');
		if (nl)
			*nl = 0;
		snprintf(line, sizeof line, "%s", out);
	}
	free(out);
	if (rc) {
		bench_err("--suite pyperformance: pyperformance is not installed for %s (%s); "
		       "install it with '%s -m pip install pyperformance', or use --suite builtin",
		       m->python, err[0] ? err : "import failed", m->python);
		return 2;
	}
	json_object_set_new(info, "version", json_string(line));
	json_object_set_new(info, "inherit_environ", json_string(BENCH_INHERIT_ENVIRON));
	return 0;
}

/* `pyperformance list` prints the benchmarks as "- NAME" lines. */
static json_t *pyperf_list(struct bench_matrix *m)
{
	char *argv[] = {m->python, "-m", "pyperformance", "list", NULL};
	char err[512], *out, *line;
	json_t *list;
	if (capture(m, argv, &out, err, sizeof err)) {
		bench_err("'pyperformance list' failed: %s", err);
		free(out);
		return NULL;
	}
	list = json_array();
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *e;
		if (strncmp(line, "- ", 2))
			continue;
		line += 2;
		e = line + strlen(line);
		while (e > line && (e[-1] == ' ' || e[-1] == '\r'))
			*--e = 0;
		if (*line && !strchr(line, ' '))
			json_array_append_new(list, json_pack("{s:s, s:s}", "name", line, "group",
							      "pyperformance"));
	}
	free(out);
	return list;
}

static int pyperf_calibrate(struct bench_matrix *m, struct bench_bench *b, const char *tmpdir)
{
	(void)m;
	(void)tmpdir;
	b->loops = 0; /* pyperf calibrates in its own workers; records carry its loops */
	return 0;
}

static char **pyperf_argv(const struct bench_matrix *m, const struct bench_bench *b,
			  const char *python,
			  const char *out)
{
	const char *w[64] = {python, "-m", "pyperformance", "run", "--inherit-environ",
			     BENCH_INHERIT_ENVIRON, "-b", b->name, "-o", out};
	size_t n = 10;
	char *extra = m->pyperf_args ? strdup(m->pyperf_args) : NULL, *tok, **v;
	char *inherit = strdup(BENCH_INHERIT_ENVIRON);
	if (m->fast)
		w[n++] = "--fast";
	/* argparse keeps the last --inherit-environ: a user's own one would
	 * silently drop LD_PRELOAD from pyperf's workers, so its names are
	 * added to ours instead (PIP_* for pyperformance's venv, for example) */
	for (tok = extra ? strtok(extra, " ") : NULL; tok && n < 63 && inherit;
	     tok = strtok(NULL, " ")) {
		const char *names = NULL;
		char *more;
		if (!strcmp(tok, "--inherit-environ"))
			names = strtok(NULL, " ");
		else if (!strncmp(tok, "--inherit-environ=", 18))
			names = tok + 18;
		else {
			w[n++] = tok;
			continue;
		}
		if (names && *names && asprintf(&more, "%s,%s", inherit, names) >= 0) {
			free(inherit);
			inherit = more;
		}
	}
	w[5] = inherit;
	v = inherit ? make_argv(w, n) : NULL;
	free(inherit);
	free(extra);
	return v;
}

struct pyperf_arg {
	struct bench_ctx *x;
	const struct bench_slot *s;
	const json_t *base;
	const struct as_launch_result *p;
	const char *fail; /* set: every record failed with this */
	bench_emit_fn emit;
	size_t n;
};

static json_t *ns_or_null(double seconds)
{
	return seconds < 0 ? json_null() : json_integer((json_int_t)(seconds * 1e9));
}

static int pyperf_one(const struct bench_pyperf_run *r, void *arg)
{
	struct pyperf_arg *a = arg;
	json_t *rec = json_deep_copy(a->base);
	int rc;
	json_object_set_new(rec, "bench", json_string(r->name));
	json_object_set_new(rec, "worker", json_integer((json_int_t)r->index));
	json_object_set_new(rec, "status", json_string("ok"));
	json_object_set_new(rec, "loops", json_real(r->loops));
	json_object_set(rec, "values", r->values);
	json_object_set(rec, "warmups", r->warmups);
	/* the worker process, as pyperf saw it; the pyperformance process as
	 * we saw it stays in "invocation" */
	json_object_set(rec, "invocation", json_object_get(rec, "proc"));
	json_object_set_new(rec, "proc",
			    json_pack("{s:o, s:n, s:n, s:o, s:n, s:n, s:n}", "wall_ns",
				      ns_or_null(r->duration), "user_ns", "sys_ns", "maxrss",
				      r->mem_max_rss < 0 ? json_null() :
							   json_integer((json_int_t)r->mem_max_rss),
				      "minflt", "majflt", "exit"));
	if (a->fail)
		bench_rec_fail(rec, "%s", a->fail);
	a->n++;
	rc = a->emit(a->x, a->s, rec);
	json_decref(rec);
	return rc;
}

static int pyperf_collect(struct bench_ctx *x, const struct bench_slot *s, json_t *rec,
			  const struct as_launch_result *p, const char *out, const char *err_line,
			  const struct bench_reports *r, bench_emit_fn emit)
{
	const struct bench_bench *b = &x->m->benches[s->bench];
	struct pyperf_arg a = {x, s, rec, p, NULL, emit, 0};
	char why[1024] = "", err[512];
	json_t *doc, *counts = json_object(), *rep;
	size_t i, unmapped = 0;
	int rc;

	json_object_set_new(rec, "request", json_string(b->name));
	/* pyperf's workers are many processes: the reports are summarized */
	json_array_foreach (r->all, i, rep) {
		const char *name =
			as_jstr(rep, "allocator.name");
		json_t *c = json_object_get(counts, name ? name : "?");
		json_object_set_new(counts, name ? name : "?",
				    json_integer(c ? json_integer_value(c) + 1 : 1));
		unmapped += json_is_false(as_jpath(rep, "allocator.mapped"));
		if (!why[0] && bench_report_check(x->m, s, rep, err, sizeof err))
			snprintf(why, sizeof why, "wrong allocator in a pyperformance process: %s",
				 err);
	}
	json_object_set_new(rec, "reports",
			    json_pack("{s:i, s:o, s:i}", "processes", (int)json_array_size(r->all),
				      "allocators", counts, "unmapped", (int)unmapped));
	json_object_set_new(rec, "report", json_null());
	if (why[0])
		a.fail = why;

	if (!exited_ok(p)) {
		status_fail(rec, p, err_line);
		return emit(x, s, rec);
	}
	doc = json_load_file(out, 0, NULL);
	if (!doc) {
		bench_rec_fail(rec, "pyperformance exited 0 but wrote no readable %s", out);
		return emit(x, s, rec);
	}
	/* every worker of pyperf's (a run in its JSON) must have left a report:
	 * a worker started without LD_PRELOAD leaves none, and its values would
	 * be the default allocator's */
	if (!a.fail && x->m->allocs[x->m->cfgs[s->cfg].alloc].spec[0]) {
		size_t runs = 0, workers = 0, bi, ri, k;
		json_t *bb, *run, *arg;
		json_array_foreach (json_object_get(doc, "benchmarks"), bi, bb)
			json_array_foreach (json_object_get(bb, "runs"), ri, run)
				runs++;
		json_array_foreach (r->all, i, rep)
			json_array_foreach (as_jpath(rep, "process.argv"),
					    k, arg)
				if (!strcmp(json_string_value(arg) ? json_string_value(arg) : "",
					    "--worker")) {
					workers++;
					break;
				}
		if (workers < runs) {
			snprintf(why, sizeof why,
				 "%zu of pyperf's %zu worker processes ran without the allocator "
				 "(LD_PRELOAD did not reach them: --inherit-environ?)",
				 runs - workers, runs);
			a.fail = why;
		}
	}
	rc = bench_pyperf_runs(doc, pyperf_one, &a, err, sizeof err);
	json_decref(doc);
	if (rc == EINVAL) {
		bench_rec_fail(rec, "pyperformance's JSON: %s", err);
		return emit(x, s, rec);
	}
	if (!rc && !a.n) {
		bench_rec_fail(rec, "pyperformance wrote no values");
		return emit(x, s, rec);
	}
	return rc;
}

/* ---- the table ---------------------------------------------------------------------- */

const struct bench_suite bench_suites[] = {
	[BENCH_SUITE_BUILTIN] = {"builtin", "the built-in stdlib-only Python suite",
				 builtin_check, builtin_list, builtin_calibrate, builtin_argv, 1,
				 builtin_collect},
	[BENCH_SUITE_PYPERFORMANCE] = {"pyperformance", "pyperformance's benchmarks, when installed",
				       pyperf_check, pyperf_list, pyperf_calibrate, pyperf_argv, 0,
				       pyperf_collect},
	[BENCH_SUITE_CMD] = {"cmd", "an arbitrary command (--cmd); its wall time is the sample",
			     cmd_check, NULL, cmd_calibrate, cmd_argv, 0, cmd_collect},
};
const size_t bench_nsuites = sizeof bench_suites / sizeof bench_suites[0];

int bench_suite_choice(const char *name)
{
	size_t i;
	for (i = 0; i < bench_nsuites; i++)
		if (!strcmp(name, bench_suites[i].name))
			return (int)i;
	fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: suite '%s' is not one of:", name);
	for (i = 0; i < bench_nsuites; i++)
		fprintf(stderr, "%s %s", i ? "," : "", bench_suites[i].name);
	fputc('\n', stderr);
	return -1;
}
