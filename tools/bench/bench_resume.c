/* bench_resume: --resume DIR (see bench.h).  The matrix comes from
 * DIR/meta.json; options given on the command line as well must describe
 * the same matrix (the same sets of allocators, axis values and benchmarks,
 * the same runs, values, warm-ups, loops and commands; --warmup-runs may
 * differ: warm-up processes are not recorded).  Which runs are done comes
 * from DIR/runs.jsonl: a (benchmark, configuration, run) with a record,
 * ok or failed, is done (pyperformance records count by the -b name that
 * produced them, "request").
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static unsigned long jul(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) >= 0 ? (unsigned long)json_integer_value(v) :
								  0;
}

/* Is list (comma-separated) the same set as the values of field in cfgs? */
static int same_set(const char *list, char **have, size_t nhave)
{
	char **v = as_split_list(list);
	size_t n = 0, i, j;
	int same = 1;
	for (; v && v[n]; n++)
		;
	for (i = 0; same && i < n; i++) {
		int f = 0;
		for (j = 0; j < nhave; j++)
			f |= !strcmp(v[i], have[j]);
		same = f;
	}
	for (j = 0; same && j < nhave; j++) {
		int f = 0;
		for (i = 0; i < n; i++)
			f |= !strcmp(v[i], have[j]);
		same = f;
	}
	free(v);
	return same;
}

static int resume_mismatch(const char *dir, const char *opt, const char *asked, const char *has)
{
	bench_err("--resume %s: the command line asks for %s %s, but %s/meta.json has %s; "
	       "resume without matrix options (they come from meta.json), or start a new "
	       "directory with -o",
	       dir, opt, asked, dir, has);
	return 2;
}

int bench_resume_matrix(const json_t *meta, const char *dir, const struct bench_request *o,
			struct bench_matrix *m)
{
	json_t *mx = json_object_get(meta, "matrix"), *cfgs = json_object_get(mx, "configs");
	json_t *benches = json_object_get(mx, "benchmarks"), *allocs, *c, *b;
	json_t *loops = json_object_get(mx, "loops");
	char *names[256], buf[64];
	size_t i, k, n;
	int a, rc = 0;

	if (strcmp(jstr(meta, "schema"), AS_BENCH_SCHEMA) || !json_is_array(cfgs) ||
	    !json_array_size(cfgs) || !json_is_array(benches)) {
		bench_err("--resume %s: meta.json is not an %s file with a matrix", dir,
		       AS_BENCH_SCHEMA);
		return 2;
	}
	k = (size_t)bench_suite_choice(jstr(mx, "suite"));
	if (k == (size_t)-1)
		return 2;
	m->suite = (enum bench_suite_id)k;
	if (o->suite && strcmp(o->suite, jstr(mx, "suite")))
		return resume_mismatch(dir, "--suite", o->suite, jstr(mx, "suite"));
	if (o->ncmds && m->suite != BENCH_SUITE_CMD)
		return resume_mismatch(dir, "--cmd", o->cmds[0], "no command");

	/* allocators, in the order of the configurations */
	allocs = json_object_get(meta, "allocators");
	m->allocs = calloc(json_array_size(cfgs), sizeof *m->allocs);
	if (!m->allocs)
		return ENOMEM;
	json_array_foreach (cfgs, i, c) {
		const char *an = jstr(c, "allocator");
		for (k = 0; k < m->nallocs; k++)
			if (!strcmp(m->allocs[k].name, an))
				break;
		if (k < m->nallocs)
			continue;
		snprintf(m->allocs[k].name, sizeof m->allocs[k].name, "%s", an);
		snprintf(m->allocs[k].spec, sizeof m->allocs[k].spec, "%s",
			 jstr(json_object_get(allocs, an), "spec"));
		m->nallocs++;
	}
	for (k = 0; k < m->nallocs && k < 256; k++)
		names[k] = m->allocs[k].name;
	if (o->allocators && !same_set(o->allocators, names, k)) {
		char have[1024] = "";
		for (k = 0; k < m->nallocs; k++)
			snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", k ? "," : "",
				 names[k]);
		return resume_mismatch(dir, "-a", o->allocators, have);
	}

	/* the other axes: their values in order of first appearance */
	for (a = 0; a < BENCH_NAXES; a++) {
		const char *field = bench_axis_name((enum bench_axis_id)a);
		char *vals[64];
		size_t nv = 0, len = 0;
		char *list;
		json_array_foreach (cfgs, i, c) {
			const char *v = jstr(c, field);
			/* a meta.json from before the stats axis: its processes
			 * all got counters */
			if (a == BENCH_AX_STATS && !*v)
				v = AS_STATS_DEFAULT;
			/* ... and from before the python axis: the host's */
			if (a == BENCH_AX_PYTHON && !*v)
				v = AS_PYTHON_DEFAULT;
			/* the cmd suite has no python axis: its configs say host */
			if (a == BENCH_AX_PYTHON && m->suite == BENCH_SUITE_CMD)
				v = "default";
			/* ... and from before preload direct: libswap */
			if (a == BENCH_AX_PRELOAD && !*v)
				v = AS_PRELOAD_DEFAULT;
			for (k = 0; k < nv; k++)
				if (!strcmp(vals[k], v))
					break;
			if (k == nv && nv < 64) {
				vals[nv++] = (char *)v;
				len += strlen(v) + 1;
			}
		}
		list = calloc(1, len + 1);
		if (!list)
			return ENOMEM;
		for (k = 0; k < nv; k++) {
			if (k)
				strcat(list, ",");
			strcat(list, vals[k]);
		}
		if (o->axis[a] && !same_set(o->axis[a], vals, nv)) {
			char opt[32];
			snprintf(opt, sizeof opt, "--%s", field);
			rc = resume_mismatch(dir, opt, o->axis[a], list);
			free(list);
			return rc;
		}
		if (a == BENCH_AX_PYMALLOC && !o->axis[a] && o->quick && strcmp(list, "on")) {
			rc = resume_mismatch(dir, "--quick (--pymalloc on)", "on", list);
			free(list);
			return rc;
		}
		m->axis[a] = as_split_list(list);
		free(list);
		if (!m->axis[a])
			return ENOMEM;
		if ((rc = bench_axis_check((enum bench_axis_id)a, m->axis[a])))
			return rc;
	}
	if ((rc = bench_pythons_resolve(m)))
		return rc;
	if ((rc = bench_images_resolve(m, 0, 0)))
		return rc;
	if ((rc = bench_configs(m)))
		return rc;
	/* the configurations must come out as meta.json lists them */
	json_array_foreach (cfgs, i, c) {
		if (i >= m->ncfgs || strcmp(m->cfgs[i].id, jstr(c, "id"))) {
			bench_err("--resume %s: meta.json's configurations are not a cross "
			       "product in allocswap's order (config %zu is %s); was it edited?",
			       dir, i, jstr(c, "id"));
			return 2;
		}
	}
	if (json_array_size(cfgs) != m->ncfgs) {
		bench_err("--resume %s: meta.json lists %zu configurations, its axes make %zu",
		       dir, json_array_size(cfgs), m->ncfgs);
		return 2;
	}

	/* benchmarks and their loops */
	json_array_foreach (benches, i, b) {
		if (bench_add(m, jstr(b, "name"),
			      json_string_value(json_object_get(b, "group")),
			      json_string_value(json_object_get(b, "cmd"))))
			return ENOMEM;
		m->benches[i].loops = jul(loops, jstr(b, "name"));
		snprintf(m->benches[i].only, sizeof m->benches[i].only, "%s", jstr(b, "only"));
	}
	if (o->bench) {
		/* the same set: each name (or group) is in the matrix, and each
		 * benchmark of the matrix is named (or its group is) */
		char **v = as_split_list(o->bench), have[1024] = "";
		int same = 1;
		for (n = 0; v && v[n]; n++) {
			int f = bench_has(m, v[n]);
			for (k = 0; !f && k < m->nbenches; k++)
				f = m->benches[k].group && !strcmp(m->benches[k].group, v[n]);
			same &= f;
		}
		for (k = 0; same && k < m->nbenches; k++) {
			int f = 0;
			for (n = 0; v && v[n] && !f; n++)
				f = !strcmp(m->benches[k].name, v[n]) ||
				    (m->benches[k].group && !strcmp(m->benches[k].group, v[n]));
			same &= f;
		}
		free(v);
		for (k = 0; k < m->nbenches; k++)
			snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", k ? "," : "",
				 m->benches[k].name);
		if (!same)
			return resume_mismatch(dir, "--bench", o->bench, have);
	}
	if (o->ncmds) {
		int same = o->ncmds == m->nbenches;
		for (k = 0; same && k < o->ncmds; k++)
			same = m->benches[k].cmd && !strcmp(m->benches[k].cmd, o->cmds[k]);
		if (!same)
			return resume_mismatch(dir, "--cmd", o->cmds[0], "other commands");
	}

	m->runs = jul(mx, "runs");
	/* absent before memory processes: none */
	m->memory_runs = jul(mx, "memory_runs");
	snprintf(m->clock, sizeof m->clock, "%s",
		 o->time ? o->time : *jstr(mx, "time") ? jstr(mx, "time") : "auto");
	/* adaptive rounds: the command line may set them anew (a new budget) */
	m->until = o->until > 0 ? o->until : json_number_value(json_object_get(mx, "until"));
	m->budget_s = o->budget_s > 0 ? o->budget_s : json_number_value(json_object_get(mx, "budget_s"));
	m->values = jul(mx, "values");
	m->warmups = jul(mx, "warmups");
	m->warmup_runs = o->warmup_runs != BENCH_UNSET ? o->warmup_runs : jul(mx, "warmup_runs");
	m->target_ms = json_number_value(json_object_get(mx, "target_ms"));
	m->fast = json_is_true(json_object_get(mx, "fast"));
	if (json_string_value(json_object_get(mx, "pyperformance_args")))
		m->pyperf_args = (char *)json_string_value(json_object_get(mx, "pyperformance_args"));
#define SAME_NUM(opt, want, quickv, have)                                                      \
	do {                                                                                   \
		unsigned long w_ = (want) != BENCH_UNSET ? (want) : o->quick ? (quickv) : BENCH_UNSET;      \
		if (w_ != BENCH_UNSET && w_ != (have)) {                                             \
			char a_[32], h_[32];                                                   \
			snprintf(a_, sizeof a_, "%lu", w_);                                    \
			snprintf(h_, sizeof h_, "%lu", (unsigned long)(have));                 \
			return resume_mismatch(dir, opt, a_, h_);                               \
		}                                                                              \
	} while (0)
	if (m->suite != BENCH_SUITE_CMD) {
		SAME_NUM("--runs", o->runs, 5UL, m->runs);
		SAME_NUM("--memory-runs", o->memory_runs, BENCH_UNSET, m->memory_runs);
		SAME_NUM("--values", o->values, 2UL, m->values);
		SAME_NUM("--warmups", o->warmups, BENCH_UNSET, m->warmups);
	} else {
		SAME_NUM("--runs", o->runs, 5UL, m->runs);
	}
	if (o->loops != BENCH_UNSET)
		for (k = 0; k < m->nbenches; k++)
			SAME_NUM("--loops", o->loops, BENCH_UNSET, m->benches[k].loops);
#undef SAME_NUM
	if (o->target_ms > 0 && o->loops == BENCH_UNSET && o->target_ms != m->target_ms) {
		snprintf(buf, sizeof buf, "%g", o->target_ms);
		return resume_mismatch(dir, "--target-ms", buf, "another target");
	}
	if (m->suite != BENCH_SUITE_CMD)
		snprintf(m->python, sizeof m->python, "%s",
			 jstr(json_object_get(meta, "python"), "path"));
	if (!m->runs || (m->suite != BENCH_SUITE_CMD && m->suite != BENCH_SUITE_PYPERFORMANCE &&
			 !m->values)) {
		bench_err("--resume %s: meta.json's matrix has no runs", dir);
		return 2;
	}
	return 0;
}

/* Versions that changed since meta.json was written: the runs would mix
 * them.  Said, not refused (an upgraded host is the user's call). */
void bench_resume_versions(const json_t *meta, const struct bench_matrix *m, const char *pyver,
			   const char *dir)
{
	json_t *allocs = json_object_get(meta, "allocators");
	const char *old = jstr(json_object_get(meta, "python"), "version");
	size_t i;
	if (pyver && *old && strcmp(old, pyver))
		bench_err("note: %s is Python %s now, %s/meta.json recorded %s: the runs will mix "
			  "the two",
			  m->python, pyver, dir, old);
	for (i = 0; i < m->nallocs; i++) {
		const struct bench_alloc *a = &m->allocs[i];
		const char *was = jstr(json_object_get(allocs, a->name), "version");
		if (strcmp(was, a->version))
			bench_err("note: %s is version '%s' now, %s/meta.json recorded '%s': the runs "
				  "will mix the two",
				  a->name, a->version, dir, was);
	}
}

struct done_arg {
	const struct bench_matrix *m;
	unsigned char *done;
	size_t recorded, foreign;
};

static int mark_done(json_t *rec, void *arg)
{
	struct done_arg *d = arg;
	const struct bench_matrix *m = d->m;
	const char *bench = json_string_value(json_object_get(rec, "request"));
	const char *cfg = json_string_value(json_object_get(rec, "config"));
	json_t *run = json_object_get(rec, "run");
	const char *role = json_string_value(json_object_get(rec, "role"));
	int memory = role && !strcmp(role, "memory");
	unsigned long lim = memory ? m->memory_runs : m->runs;
	size_t b, c, at;
	if (!bench)
		bench = json_string_value(json_object_get(rec, "bench"));
	if (!bench || !cfg || !json_is_integer(run))
		goto foreign;
	for (b = 0; b < m->nbenches && strcmp(m->benches[b].name, bench); b++)
		;
	for (c = 0; c < m->ncfgs && strcmp(m->cfgs[c].id, cfg); c++)
		;
	if (b == m->nbenches || c == m->ncfgs || json_integer_value(run) < 0)
		goto foreign;
	if ((unsigned long)json_integer_value(run) >= lim) {
		if (memory)
			goto foreign;
		d->recorded++; /* an adaptive round's (--until): nothing to redo */
		return 0;
	}
	at = (b * m->ncfgs + c) * bench_cell_slots(m) + (memory ? m->runs : 0) +
	     (size_t)json_integer_value(run);
	if (!d->done[at]) {
		d->done[at] = 1;
		d->recorded++;
	}
	return 0;
foreign:
	d->foreign++;
	return 0;
}

/* A process killed while it appended leaves a last line without its
 * newline: the next record must not be glued to it.  Readers take such a
 * line when it parses (only the newline was lost) and skip it otherwise:
 * then its run is done again. */
static int close_last_line(const char *dir)
{
	char path[PATH_MAX + 32], *text;
	size_t len;
	int fd, rc = 0;
	snprintf(path, sizeof path, "%s/runs.jsonl", dir);
	text = as_read_all(path, &len);
	if (!text || !len || text[len - 1] == '\n') {
		free(text);
		return 0;
	}
	{
		const char *last = memrchr(text, '\n', len);
		json_t *rec = json_loads(last ? last + 1 : text, 0, NULL);
		if (!json_is_object(rec))
			bench_err("note: the last line of %s was cut off mid-write; it is left as it "
				  "is and its run is done again",
				  path);
		json_decref(rec);
	}
	free(text);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, "\n", 1) != 1 || fsync(fd)) {
		bench_err("cannot write %s: %s", path, strerror(errno));
		rc = 1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int bench_resume_done(const char *dir, const struct bench_matrix *m, unsigned char *done,
		      size_t *nrecorded)
{
	struct done_arg d = {m, done, 0, 0};
	int rc = as_runs_read(dir, mark_done, &d);
	if (rc && rc != ENOENT) {
		bench_err("--resume %s: cannot read runs.jsonl: %s", dir, strerror(rc));
		return 1;
	}
	if (d.foreign)
		bench_err("note: %zu records of %s/runs.jsonl are not in its matrix (left as they "
			  "are)",
			  d.foreign, dir);
	*nrecorded = d.recorded;
	return close_last_line(dir);
}
