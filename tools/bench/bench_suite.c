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
		       "allocswap (tools/suite/ of its source tree), nor in share/allocswap/, nor "
		       "in the source tree it was built from");
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
		/* the process's CPU time (wait4: user + sys, waited-for children
		 * too): the work of a single-threaded command, not of a parallel
		 * one, hence not complete (report --time cpu takes it anyway); an
		 * engine's client's says nothing of the container */
		if (p->proc_source && !strcmp(p->proc_source, "process")) {
			json_object_set_new(rec, "cpu_values",
					    json_pack("[f]", (double)(p->user_ns + p->sys_ns) / 1e9));
			json_object_set_new(rec, "cpu_complete", json_false());
		}
	}
	attach_report(x, s, rec, r);
	return emit(x, s, rec);
}

/* ---- pyperformance ------------------------------------------------------------------ */

/* pyperformance's venv.  `pyperformance run` keeps the venv it runs the
 * benchmarks in at ./venv/<python id>-compat-<requirements id> under its
 * working directory, and has no option to name another (1.14: only the
 * `venv` commands take --venv).  Run from wherever allocswap was started,
 * the first timed invocation made it there, and every invocation re-checks
 * it with pip.  So every invocation of a host Python runs in one directory
 * of the cache (pyperf_home; PYPERF_IN_HOME is `python -m pyperformance`
 * with a chdir first), where `venv create` made the venv once before the
 * matrix (pyperf_venvs); the paths libswap writes to (a relative -o DIR)
 * are made absolute first.  What 1.14 still does per invocation, and no
 * option turns off: pip's checks that the requirements are there. */
#define PYPERF_IN_HOME                                                                    \
	"import os, runpy, sys\n"                                                             \
	"for k in ('ALLOCSWAP_REPORT', 'ALLOCSWAP_COUNTERS'):\n"                              \
	"    if os.environ.get(k): os.environ[k] = os.path.abspath(os.environ[k])\n"          \
	"os.chdir(sys.argv.pop(1))\n"                                                         \
	"runpy.run_module('pyperformance', run_name='__main__', alter_sys=True)\n"

/* The suite's state between check and the matrix: check's info object
 * (cmd_bench.c's, which meta.json's "suite" is made of), borrowed. */
static struct {
	json_t *info;
} pyperf_state;

static const char *pyperf_home(void)
{
	static char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/pyperformance", as_build_cache());
	return dir;
}

/* A Python of the host (its cells run on the host, where pyperf_home is),
 * not one inside an image. */
static int pyperf_host_python(const struct bench_matrix *m, const char *python)
{
	size_t i;
	for (i = 0; i < m->npythons; i++)
		if (!strcmp(m->pythons[i].path, python))
			return 1;
	return !strcmp(m->python, python);
}

/* The start of a pyperformance command line with python: in pyperf_home
 * for a host Python.  Returns the number of words put in w. */
static size_t pyperf_cmd(const struct bench_matrix *m, const char *python, const char **w)
{
	size_t n = 0;
	w[n++] = python;
	if (pyperf_host_python(m, python)) {
		w[n++] = "-c";
		w[n++] = PYPERF_IN_HOME;
		w[n++] = pyperf_home();
	} else {
		w[n++] = "-m";
		w[n++] = "pyperformance";
	}
	return n;
}

/* --pyperformance-args as words appended to w (at most cap in all; none
 * when w is NULL), except their --inherit-environ: argparse keeps the last one, and a user's own
 * one passed as-is would silently drop LD_PRELOAD from pyperf's workers, so
 * its names are added to ours (PIP_* for pyperformance's venv, for
 * example).  Returns the merged list (malloc'd), or NULL; *buf holds the
 * words (to free). */
static char *pyperf_words(const struct bench_matrix *m, const char **w, size_t *n, size_t cap,
			  char **buf)
{
	char *tok, *inherit = strdup(BENCH_INHERIT_ENVIRON);
	*buf = m->pyperf_args ? strdup(m->pyperf_args) : NULL;
	for (tok = *buf ? strtok(*buf, " ") : NULL; tok && inherit; tok = strtok(NULL, " ")) {
		const char *names = NULL;
		char *more;
		if (!strcmp(tok, "--inherit-environ"))
			names = strtok(NULL, " ");
		else if (!strncmp(tok, "--inherit-environ=", 18))
			names = tok + 18;
		else {
			if (w && *n < cap)
				w[(*n)++] = tok;
			continue;
		}
		if (names && *names && asprintf(&more, "%s,%s", inherit, names) >= 0) {
			free(inherit);
			inherit = more;
		}
	}
	return inherit;
}

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
	json_object_set_new(info, "venv_home", json_string(pyperf_home()));
	pyperf_state.info = info;
	/* pyperf's workers of one invocation run back to back: the report
	 * takes an invocation as one sample (dataset.c) */
	if (m->runs < 2)
		bench_err("note: --runs %lu: one pyperformance invocation per cell; its pyperf "
			  "workers ran back to back, not interleaved, so the report compares "
			  "nothing (n/a: too few runs); use --runs 2 or more, 5 or more for "
			  "narrow intervals",
			  m->runs);
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

int bench_pyperf_sub(struct bench_matrix *m, const json_t *avail, const char *name)
{
	const char *parent = NULL;
	size_t k, len = 0, i;
	json_t *b;
	json_array_foreach (avail, k, b) {
		const char *n = json_string_value(json_object_get(b, "name"));
		size_t l = n ? strlen(n) : 0;
		if (l > len && !strncmp(name, n, l) && name[l] == '_' && name[l + 1]) {
			parent = n;
			len = l;
		}
	}
	if (!parent)
		return 0;
	if (!bench_has(m, parent) && bench_add(m, parent, "pyperformance", NULL))
		return 0;
	for (i = 0; strcmp(m->benches[i].name, parent); i++)
		;
	if (strlen(m->benches[i].only) + strlen(name) + 2 > sizeof m->benches[i].only) {
		bench_err("--bench: too many sub-benchmarks of %s", parent);
		return 0;
	}
	if (m->benches[i].only[0])
		strcat(m->benches[i].only, ",");
	strcat(m->benches[i].only, name);
	return 1;
}

/* Creates pyperformance's venv of every host Python of the matrix that
 * has none yet (see PYPERF_IN_HOME): `venv show` says where it is and
 * whether it is there, `venv create -b NAMES` installs pyperformance and the
 * benchmarks' requirements.  meta.json's suite "venvs" records each:
 * {"python", "path", "created": made now, "seconds"}.  A venv that cannot
 * be made is said; each invocation then tries, as pyperformance does. */
static void pyperf_venvs(struct bench_matrix *m)
{
	json_t *venvs = json_object();
	const char *home = pyperf_home();
	size_t p, i, np = m->npythons ? m->npythons : 1;
	int rc;
	if ((rc = as_mkdirs(home)))
		bench_err("note: cannot create %s for pyperformance's venv: %s", home,
			  strerror(rc));
	for (p = 0; p < np && !rc; p++) {
		const char *py = m->npythons ? m->pythons[p].path : m->python;
		const char *name = m->npythons ? m->pythons[p].name : AS_PYTHON_DEFAULT;
		const char *w[80], *show[] = {"venv", "show"};
		char err[512], *out, root[PATH_MAX], *at, *inherit, *buf, *names = NULL, *more;
		int64_t t0 = bench_now_ns();
		int made = 0;
		size_t n;
		json_t *v;
		for (i = 0; i < p && strcmp(m->pythons[i].path, py); i++)
			;
		if (i < p)
			continue; /* the same interpreter under another name */
		n = pyperf_cmd(m, py, w);
		memcpy(w + n, show, sizeof show);
		w[n + 2] = NULL;
		rc = capture(m, (char **)w, &out, err, sizeof err);
		at = out ? strstr(out, "Virtual environment path: ") : NULL;
		if (rc || !at) {
			bench_err("note: 'pyperformance venv show' with %s failed (%s): each "
				  "invocation makes its venv as it goes",
				  py, err[0] ? err : "no \"Virtual environment path\" line");
			free(out);
			rc = 0;
			continue;
		}
		at += strlen("Virtual environment path: ");
		snprintf(root, sizeof root, "%.*s", (int)strcspn(at, "\n"), at);
		at = strstr(root, " (");
		made = at && strncmp(at, " (already created)", 18);
		if (at)
			*at = 0;
		if (made) {
			for (i = 0; i < m->nbenches; i++) {
				if (asprintf(&more, "%s%s%s", names ? names : "", names ? "," : "",
					     m->benches[i].name) < 0)
					break;
				free(names);
				names = more;
			}
			bench_err("creating pyperformance's venv for %s in %s, once for the matrix "
				  "(it installs the benchmarks' requirements)",
				  py, root);
			n = pyperf_cmd(m, py, w);
			w[n++] = "venv";
			w[n++] = "create";
			w[n++] = "-b";
			w[n++] = names ? names : "";
			w[n++] = "--inherit-environ";
			inherit = pyperf_words(m, NULL, &n, 0, &buf);
			w[n++] = inherit ? inherit : BENCH_INHERIT_ENVIRON;
			w[n] = NULL;
			free(out);
			if (capture(m, (char **)w, &out, err, sizeof err)) {
				bench_err("note: 'pyperformance venv create' with %s failed (%s): each "
					  "invocation makes its venv as it goes",
					  py, err);
				made = 0;
			}
			free(inherit);
			free(buf);
			free(names);
			names = NULL;
		}
		v = json_pack("{s:s, s:s, s:b, s:f}", "python", py, "path", root, "created", made,
			      "seconds", (double)(bench_now_ns() - t0) / 1e9);
		json_object_set_new(venvs, name, v);
		free(out);
	}
	if (pyperf_state.info)
		json_object_set(pyperf_state.info, "venvs", venvs);
	json_decref(venvs);
}

static int pyperf_calibrate(struct bench_matrix *m, struct bench_bench *b, const char *tmpdir)
{
	(void)tmpdir;
	if (b == m->benches)
		pyperf_venvs(m); /* once, before the matrix */
	b->loops = 0; /* pyperf calibrates in its own workers; records carry its loops */
	return 0;
}

static char **pyperf_argv(const struct bench_matrix *m, const struct bench_bench *b,
			  const char *python,
			  const char *out)
{
	const char *w[64];
	size_t n = pyperf_cmd(m, python, w), at;
	char *buf, *inherit, **v, abs[PATH_MAX + 8], cwd[PATH_MAX];
	/* it runs elsewhere (pyperf_home) */
	if (pyperf_host_python(m, python) && out[0] != '/' && getcwd(cwd, sizeof cwd)) {
		snprintf(abs, sizeof abs, "%s/%s", cwd, out);
		out = abs;
	}
	w[n++] = "run";
	w[n++] = "--inherit-environ";
	at = n++;
	w[n++] = "-b";
	w[n++] = b->name;
	w[n++] = "-o";
	w[n++] = out;
	if (m->fast)
		w[n++] = "--fast";
	inherit = pyperf_words(m, w, &n, 63, &buf);
	w[at] = inherit;
	v = inherit ? make_argv(w, n) : NULL;
	free(inherit);
	free(buf);
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
	const char *only;  /* the sub-benchmarks to keep (bench_bench.only), "" for all */
	char gave[512];    /* the names of those left out */
};

/* Is name one of the comma-separated list? */
static int in_list(const char *list, const char *name)
{
	size_t l = strlen(name);
	const char *p;
	for (p = list; (p = strstr(p, name)); p += l)
		if ((p == list || p[-1] == ',' || p[-1] == ' ') && (p[l] == ',' || !p[l]))
			return 1;
	return 0;
}

static json_t *ns_or_null(double seconds)
{
	return seconds < 0 ? json_null() : json_integer((json_int_t)(seconds * 1e9));
}

static int pyperf_one(const struct bench_pyperf_run *r, void *arg)
{
	struct pyperf_arg *a = arg;
	json_t *rec;
	int rc;
	if (a->only[0] && !in_list(a->only, r->name)) {
		size_t l = strlen(a->gave);
		if (!in_list(a->gave, r->name))
			snprintf(a->gave + l, sizeof a->gave - l, "%s%s", l ? ", " : "", r->name);
		return 0;
	}
	rec = json_deep_copy(a->base);
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
	struct pyperf_arg a = {x, s, rec, p, NULL, emit, 0, b->only, ""};
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
	if (!rc && !a.n && b->only[0]) {
		/* the row of the name asked for says what there is */
		json_object_set_new(rec, "bench", json_string(b->only));
		bench_rec_fail(rec, "pyperformance's %s gave no %s; it gave: %s", b->name, b->only,
			       a.gave[0] ? a.gave : "nothing");
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
