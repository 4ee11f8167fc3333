/* cmd_bench: `allocswap bench`, the benchmark matrix.
 *
 * Options -> a matrix (bench_matrix.c: axes, configurations, order) over a
 * suite (bench_suite.c) -> one process per (run, benchmark, configuration),
 * interleaved, each appended to DIR/runs.jsonl the moment it finishes
 * (results.h is the contract of DIR).  --resume DIR reads DIR/meta.json and
 * runs.jsonl and runs what is missing.  SIGINT/SIGTERM/SIGHUP stop the
 * running process group, keep what was written, mark meta.json unfinished
 * and say how to resume (exit 128 + signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "as_tracefs.h"
#include "bench.h"

/* ---- the run ----------------------------------------------------------------- */

struct run_state {
	struct bench_ctx x;
	struct bench_matrix m;
	struct bench_request o;
	int argc;
	char **argv;
	json_t *meta;
	json_t *suite_info;
	char dir[PATH_MAX];
	int dir_fd;       /* flock-ed: one bench per directory */
	int created_dir;  /* we made it: removed again if we fail before writing */
	unsigned char *done;
	size_t nrecorded; /* runs already in runs.jsonl (resume) */
	int64_t slot_t0;  /* when the current process's preparation began */
	int64_t slot_wall;
	struct bench_progress prog;
	struct as_launcher L; /* x.tmp's */
	int write_error;
};

/* --bench LIST against what the suite offers (names or groups); 0 or 2. */
static int benches_select(struct bench_matrix *m, const char *want, json_t *avail)
{
	char **v = want ? as_split_list(want) : NULL;
	size_t i, k;
	json_t *b;
	int rc = 0;
	if (!want) {
		json_array_foreach (avail, k, b)
			if (!bench_has(m, json_string_value(json_object_get(b, "name"))))
				bench_add(m, json_string_value(json_object_get(b, "name")),
					  json_string_value(json_object_get(b, "group")), NULL);
		return 0;
	}
	for (i = 0; v && v[i]; i++) {
		int found = 0;
		json_array_foreach (avail, k, b) {
			const char *n = json_string_value(json_object_get(b, "name"));
			const char *g = json_string_value(json_object_get(b, "group"));
			if (!strcmp(v[i], n) || (g && !strcmp(v[i], g))) {
				found = 1;
				if (!bench_has(m, n))
					bench_add(m, n, g, NULL);
			}
		}
		if (!found && m->suite == BENCH_SUITE_PYPERFORMANCE) /* xml_etree_generate */
			found = bench_pyperf_sub(m, avail, v[i]);
		if (!found && json_array_size(avail) == 0 && m->suite == BENCH_SUITE_PYPERFORMANCE) {
			found = 1; /* pyperformance's list said nothing: trust the name */
			if (!bench_has(m, v[i]))
				bench_add(m, v[i], "pyperformance", NULL);
		}
		if (!found) {
			json_t *groups = json_object();
			const char *g;
			json_t *dummy;
			fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: benchmark '%s' is not one of:", v[i]);
			json_array_foreach (avail, k, b) {
				fprintf(stderr, "%s %s", k ? "," : "",
					json_string_value(json_object_get(b, "name")));
				if ((g = json_string_value(json_object_get(b, "group"))))
					json_object_set_new(groups, g, json_true());
			}
			fprintf(stderr, "; or a group:");
			k = 0;
			json_object_foreach (groups, g, dummy)
				fprintf(stderr, "%s %s", k++ ? "," : "", g);
			fputc('\n', stderr);
			json_decref(groups);
			rc = 2;
			break;
		}
	}
	free(v);
	return rc;
}

/* ---- meta.json ------------------------------------------------------------------- */

static int meta_write(struct run_state *st)
{
	int rc = as_json_write_file(st->dir, "meta.json", st->meta);
	if (rc) {
		bench_err("cannot write %s/meta.json: %s", st->dir, strerror(rc));
		return 1;
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------------------------ */

static int emit(struct bench_ctx *x, const struct bench_slot *s, json_t *rec)
{
	struct run_state *st = (struct run_state *)x; /* x is st's first member */
	const char *status = json_string_value(json_object_get(rec, "status"));
	int rc;
	(void)s;
	json_object_set_new(rec, "runner_ns",
			    json_integer(bench_now_ns() - st->slot_t0 - st->slot_wall));
	json_object_set_new(rec, "time", json_integer((json_int_t)time(NULL)));
	rc = as_runs_append(st->dir, rec);
	if (rc) {
		bench_progress_done(&st->prog);
		bench_err("cannot append to %s/runs.jsonl: %s; stopping (what is there is "
		       "intact: --resume %s goes on)",
		       st->dir, strerror(rc), st->dir);
		st->write_error = 1;
		return rc;
	}
	if (status && !strcmp(status, "ok")) {
		++*(s->memory ? &x->mem_ok : &x->ok);
	} else {
		++*(s->memory ? &x->mem_failed : &x->failed);
		bench_progress_note(&st->prog, "FAILED %s on %s, %s %ld: %s",
				    json_string_value(json_object_get(rec, "bench")),
				    st->m.cfgs[s->cfg].id, s->memory ? "memory process" : "run",
				    s->run, json_string_value(json_object_get(rec, "error")));
	}
	return 0;
}

static json_t *proc_json(const struct as_launch_result *p)
{
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "wall_ns", (json_int_t)p->wall_ns,
			      "user_ns", (json_int_t)p->user_ns, "sys_ns", (json_int_t)p->sys_ns,
			      "maxrss", (json_int_t)p->maxrss, "minflt", (json_int_t)p->minflt,
			      "majflt", (json_int_t)p->majflt);
	if (WIFEXITED(p->status)) {
		json_object_set_new(j, "exit", json_integer(WEXITSTATUS(p->status)));
	} else {
		json_object_set_new(j, "exit", json_null());
		if (WIFSIGNALED(p->status))
			json_object_set_new(j, "signal", json_integer(WTERMSIG(p->status)));
	}
	if (p->proc_source && strcmp(p->proc_source, "process"))
		json_object_set_new(j, "source", json_string(p->proc_source));
	as_launch_contention_json(j, p);
	return j;
}

/* One process of the plan; 0, or non-zero to stop (write error, or the
 * process was interrupted: then nothing is recorded for it). */
static int run_slot(struct run_state *st, const struct bench_slot *s, int *failed)
{
	struct bench_matrix *m = &st->m;
	const struct bench_suite *su = &bench_suites[m->suite];
	struct bench_bench *b = &m->benches[s->bench];
	const struct bench_cfg *c = &m->cfgs[s->cfg];
	char out[PATH_MAX + 32], errp[PATH_MAX + 32], line[1024];
	struct as_env env;
	struct bench_reports reps;
	struct as_launch_cfg cfg;
	struct as_launch_result p;
	char **argv;
	json_t *rec;
	int rc;

	*failed = 0;
	st->slot_t0 = bench_now_ns();
	snprintf(out, sizeof out, "%s/%s", st->x.tmp,
		 m->suite == BENCH_SUITE_PYPERFORMANCE ? "pyperf.json" : "stdout");
	snprintf(errp, sizeof errp, "%s/stderr", st->x.tmp);
	argv = su->argv(m, b, bench_cfg_python(m, c), out);
	if (!argv)
		return ENOMEM;
	bench_env_plain(&env);
	bench_launch_cfg(m, c, &env, &cfg);
	cfg.stats = bench_slot_stats(m, s);
	cfg.argv = argv;
	cfg.in = "/dev/null";
	cfg.out = su->stdout_is_result ? out : "/dev/null";
	cfg.err = errp;
	cfg.own_group = 1;
	st->x.seq++;
	rc = as_launch(&st->L, &cfg, &p);
	as_env_free(&env);
	free(argv);
	if (rc) {
		bench_progress_done(&st->prog);
		bench_err("cannot start a process: %s", strerror(rc));
		return rc;
	}
	st->slot_wall = p.wall_ns;
	if (p.interrupted) {
		as_launch_result_free(&p);
		bench_tmp_clean(&st->x);
		return EINTR;
	}
	b->sum_s += (double)p.wall_ns / 1e9;
	b->n_s++;
	bench_last_line(errp, line, sizeof line);
	if (s->run < 0) { /* a warm-up: not recorded, but not hidden when it fails */
		if (!WIFEXITED(p.status) || WEXITSTATUS(p.status)) {
			char stt[128];
			bench_progress_note(&st->prog, "warm-up of %s on %s failed: %s%s%s", b->name,
					    c->id, as_status_str(p.status, stt, sizeof stt),
					    line[0] ? ": " : "", line);
			*failed = 1;
		}
		as_launch_result_free(&p);
		bench_tmp_clean(&st->x);
		return 0;
	}
	reps.main = p.report;
	reps.all = p.reports;
	reps.others = p.others;
	rec = json_object();
	json_object_set_new(rec, "schema", json_string(AS_RUN_SCHEMA));
	json_object_set_new(rec, "bench", json_string(b->name));
	json_object_set_new(rec, "config", json_string(c->id));
	json_object_set_new(rec, "run", json_integer(s->run));
	if (s->memory) /* its times are not samples: it counts */
		json_object_set_new(rec, "role", json_string("memory"));
	json_object_set_new(rec, "seq", json_integer((json_int_t)st->x.seq));
	json_object_set_new(rec, "status", json_string("ok"));
	json_object_set_new(rec, "loops", json_integer((json_int_t)b->loops));
	json_object_set_new(rec, "values", json_array());
	json_object_set_new(rec, "warmups", json_array());
	json_object_set_new(rec, "proc", proc_json(&p));
	json_object_set_new(rec, "report", json_null());
	/* the mode the process was given, whatever its report says; null
	 * without libswap (the allocator "none") */
	json_object_set_new(rec, "stats", m->allocs[c->alloc].spec[0] && !bench_cfg_direct(c) ?
						  json_string(bench_slot_stats(m, s)) :
						  json_null());
	{
		size_t before = st->x.failed + st->x.mem_failed;
		rc = su->collect(&st->x, s, rec, &p, out, line, &reps, emit);
		*failed = st->x.failed + st->x.mem_failed != before;
	}
	json_decref(rec);
	as_launch_result_free(&p);
	bench_tmp_clean(&st->x);
	return rc;
}

/* " (+ 1 memory process per cell timed off)", or "" */
static const char *memory_note(const struct bench_matrix *m, char *buf, size_t cap)
{
	size_t c, n = 0;
	for (c = 0; c < m->ncfgs; c++)
		n += bench_cfg_memory(m, &m->cfgs[c]) != 0;
	buf[0] = 0;
	if (n)
		snprintf(buf, cap, " (+ %lu memory process%s per cell timed in stats off)",
			 m->memory_runs, m->memory_runs == 1 ? "" : "es");
	return buf;
}

static void print_plan(const struct run_state *st, const struct bench_slot *slots, size_t n)
{
	char mem[96];
	const struct bench_matrix *m = &st->m;
	size_t i;
	printf("suite %s, %zu configurations x %zu benchmarks x %lu runs", bench_suites[m->suite].name,
	       m->ncfgs, m->nbenches, m->runs);
	if (m->warmup_runs)
		printf(" (+%lu warm-up rounds)", m->warmup_runs);
	printf("%s: %zu processes\n", memory_note(m, mem, sizeof mem), n);
	/* the id leaves counters out (results.h): say what each config gets
	 * when the axis has several values */
	if (m->axis[BENCH_AX_STATS][1])
		for (i = 0; i < m->ncfgs; i++)
			printf("stats %s %s\n",
			       bench_cfg_direct(&m->cfgs[i]) ? "none" : m->cfgs[i].c.stats,
			       m->cfgs[i].id);
	for (i = 0; i < m->ncfgs; i++)
		printf("config %s\n", m->cfgs[i].id);
	for (i = 0; i < m->nbenches; i++)
		printf("benchmark %s%s%s\n", m->benches[i].name, m->benches[i].group ? " " : "",
		       m->benches[i].group ? m->benches[i].group : "");
	for (i = 0; i < n; i++) {
		if (slots[i].memory)
			printf("memory %ld %s %s\n", slots[i].run, m->benches[slots[i].bench].name,
			       m->cfgs[slots[i].cfg].id);
		else if (slots[i].run < 0)
			printf("warmup %ld %s %s\n", slots[i].run + (long)m->warmup_runs,
			       m->benches[slots[i].bench].name, m->cfgs[slots[i].cfg].id);
		else
			printf("run %ld %s %s\n", slots[i].run, m->benches[slots[i].bench].name,
			       m->cfgs[slots[i].cfg].id);
	}
}

/* ---- setting up -------------------------------------------------------------------- */

/* The fresh matrix from the options (axes, suite, commands); 0 or 2. */
static int matrix_from_opts(struct run_state *st, int *explicit_allocs)
{
	struct bench_matrix *m = &st->m;
	const struct bench_request *o = &st->o;
	int a, rc, k;
	if (o->ncmds && o->suite && strcmp(o->suite, "cmd"))
		return as_usage_err("bench", "--cmd goes with --suite cmd, not --suite %s", o->suite);
	k = o->suite ? bench_suite_choice(o->suite) :
		       o->ncmds ? BENCH_SUITE_CMD : BENCH_SUITE_BUILTIN;
	if (k < 0)
		return 2;
	m->suite = (enum bench_suite_id)k;
	if (m->suite == BENCH_SUITE_CMD) {
		if (!o->ncmds)
			return as_usage_err("bench", "--suite cmd needs --cmd 'CMD'");
		if (o->bench)
			return as_usage_err("bench", "--bench does not apply to --suite cmd (name "
						     "commands with --name)");
		if (o->values != BENCH_UNSET || o->warmups != BENCH_UNSET || o->loops != BENCH_UNSET ||
		    o->target_ms > 0)
			return as_usage_err("bench", "--values, --warmups, --loops and --target-ms do "
						     "not apply to --suite cmd: one process is one value, "
						     "its wall time");
	}
	if (o->nnames > o->ncmds)
		return as_usage_err("bench", "%zu --name for %zu --cmd", o->nnames, o->ncmds);
	if (m->suite == BENCH_SUITE_PYPERFORMANCE && (o->values != BENCH_UNSET || o->warmups != BENCH_UNSET ||
						      o->loops != BENCH_UNSET || o->target_ms > 0))
		return as_usage_err("bench", "--values, --warmups, --loops and --target-ms do not "
					     "apply to --suite pyperformance (pyperf calibrates "
					     "itself; use --pyperformance-args)");
	if (o->pyperf_args && m->suite != BENCH_SUITE_PYPERFORMANCE)
		return as_usage_err("bench", "--pyperformance-args needs --suite pyperformance");
	for (a = 0; a < BENCH_NAXES; a++) {
		const char *v = o->axis[a] ? o->axis[a] :
					     bench_axis_default((enum bench_axis_id)a, m->suite, o->quick);
		m->axis[a] = as_split_list(v);
		if (!m->axis[a])
			return ENOMEM;
		if ((rc = bench_axis_check((enum bench_axis_id)a, m->axis[a])))
			return rc;
	}
	if ((rc = bench_allocs_parse(m, o->allocators, explicit_allocs)))
		return rc;
	m->runs = o->runs != BENCH_UNSET ? o->runs : o->quick ? 5 : 10;
	m->memory_runs = o->memory_runs != BENCH_UNSET ? o->memory_runs : 1;
	m->until = o->until;
	snprintf(m->clock, sizeof m->clock, "%s", o->time ? o->time : "auto");
	m->budget_s = o->budget_s;
	if (o->memory_runs != BENCH_UNSET && o->memory_runs) {
		for (k = 0; m->axis[BENCH_AX_STATS][k] && strcmp(m->axis[BENCH_AX_STATS][k], "off");
		     k++)
			;
		if (!m->axis[BENCH_AX_STATS][k])
			return as_usage_err("bench", "--memory-runs goes with --stats off: a process "
						     "timed in counters or full mode counts itself");
	}
	m->warmup_runs = o->warmup_runs != BENCH_UNSET ? o->warmup_runs : o->quick ? 0 : 1;
	if (m->suite == BENCH_SUITE_BUILTIN) {
		m->values = o->values != BENCH_UNSET ? o->values : o->quick ? 2 : 3;
		m->warmups = o->warmups != BENCH_UNSET ? o->warmups : 1;
		m->target_ms = o->target_ms > 0 ? o->target_ms : o->quick ? 50 : 100;
	} else {
		m->values = 1;
		m->warmups = 0;
		m->target_ms = 0;
	}
	m->fast = o->quick;
	m->pyperf_args = (char *)o->pyperf_args;
	for (k = 0; (size_t)k < o->ncmds; k++) {
		char name[32];
		const char *n = (size_t)k < o->nnames ? o->names[k] : NULL;
		if (!n) {
			snprintf(name, sizeof name, o->ncmds > 1 ? "cmd%d" : "cmd", k + 1);
			n = name;
		}
		if (!bench_label_valid(n))
			return as_usage_err("bench", "--name '%s': use letters, digits, _ - . +", n);
		if (bench_has(m, n))
			return as_usage_err("bench", "two commands are named '%s'", n);
		if (bench_add(m, n, "cmd", o->cmds[k]))
			return ENOMEM;
	}
	return 0;
}

/* A directory for the results: -o DIR, or results/<date-time>; created,
 * locked, and empty of results (unless resuming).  0, 1 or 2. */
static int open_dir(struct run_state *st)
{
	char path[PATH_MAX + 32];
	struct stat sb;
	int rc;
	if (st->o.resume) {
		snprintf(st->dir, sizeof st->dir, "%s", st->o.resume);
	} else if (st->o.output) {
		snprintf(st->dir, sizeof st->dir, "%s", st->o.output);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		char base[64];
		int i;
		localtime_r(&t, &tm);
		strftime(base, sizeof base, "results/%Y%m%d-%H%M%S", &tm);
		snprintf(st->dir, sizeof st->dir, "%s", base);
		for (i = 2; stat(st->dir, &sb) == 0 && i < 100; i++)
			snprintf(st->dir, sizeof st->dir, "%s-%d", base, i);
	}
	if (!st->o.resume) {
		if (stat(st->dir, &sb) != 0)
			st->created_dir = 1;
		rc = as_mkdirs(st->dir);
		if (rc) {
			bench_err("cannot create the results directory %s: %s", st->dir,
			       strerror(rc));
			return 1;
		}
	}
	st->dir_fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dir_fd < 0) {
		bench_err("cannot open the results directory %s: %s", st->dir, strerror(errno));
		return st->o.resume ? 2 : 1;
	}
	if (flock(st->dir_fd, LOCK_EX | LOCK_NB)) {
		bench_err("%s is in use by another allocswap bench", st->dir);
		return 1;
	}
	if (!st->o.resume) {
		snprintf(path, sizeof path, "%s/meta.json", st->dir);
		if (access(path, F_OK) == 0) {
			bench_err("%s already holds a matrix (meta.json); continue it with "
			       "--resume %s, or choose another -o",
			       st->dir, st->dir);
			return 2;
		}
		snprintf(path, sizeof path, "%s/runs.jsonl", st->dir);
		if (access(path, F_OK) == 0) {
			bench_err("%s already holds runs.jsonl; choose another -o", st->dir);
			return 2;
		}
		/* writable?  Better to find out now than after the probes */
		snprintf(path, sizeof path, "%s/.allocswap-write-test", st->dir);
		rc = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rc < 0) {
			bench_err("cannot write in %s: %s", st->dir, strerror(errno));
			return 1;
		}
		close(rc);
		unlink(path);
	}
	snprintf(st->x.tmp, sizeof st->x.tmp, "%s/tmp", st->dir);
	rc = as_mkdirs(st->x.tmp);
	if (rc) {
		bench_err("cannot create %s: %s", st->x.tmp, strerror(rc));
		return 1;
	}
	bench_tmp_clean(&st->x);
	{
		/* the built-in suite's directory is what images see of it */
		char sd[PATH_MAX], *slash;
		snprintf(sd, sizeof sd, "%s", st->m.suite_path);
		slash = strrchr(sd, '/');
		if (slash)
			*slash = 0;
		as_launcher_init(&st->L, st->x.tmp, st->m.suite_path[0] && slash ? sd : NULL);
	}
	return 0;
}

static void close_dir(struct run_state *st, int failed_early)
{
	if (st->x.tmp[0]) {
		as_launcher_free(&st->L);
		bench_tmp_clean(&st->x);
		rmdir(st->x.tmp);
	}
	if (failed_early && st->created_dir)
		rmdir(st->dir);
	if (st->dir_fd > 0)
		close(st->dir_fd);
	st->dir_fd = -1;
}

static int calibrate_all(struct run_state *st)
{
	struct bench_matrix *m = &st->m;
	const struct bench_suite *su = &bench_suites[m->suite];
	int tty = isatty(2) && !st->o.quiet;
	int64_t t0 = bench_now_ns();
	char d[32];
	size_t i;
	if (st->o.loops != BENCH_UNSET) {
		for (i = 0; i < m->nbenches; i++)
			m->benches[i].loops = st->o.loops;
		return 0;
	}
	if (m->suite == BENCH_SUITE_BUILTIN && !st->o.quiet && !tty)
		bench_err("calibrating %zu benchmarks (one value: %g-%g ms)", m->nbenches,
		       m->target_ms, 2 * m->target_ms);
	for (i = 0; i < m->nbenches; i++) {
		if (tty && m->suite == BENCH_SUITE_BUILTIN) {
			fprintf(stderr, "\rcalibrating %zu/%zu  %s\033[K", i + 1, m->nbenches,
				m->benches[i].name);
			fflush(stderr);
		}
		if (su->calibrate(m, &m->benches[i], m->scratch)) {
			if (as_launch_stopped())
				break;
			bench_err("note: %s gets 1 loop; its runs will show what fails",
			       m->benches[i].name);
			m->benches[i].loops = 1;
		}
		if (as_launch_stopped())
			break;
	}
	if (tty && m->suite == BENCH_SUITE_BUILTIN)
		fputs("\r\033[K", stderr);
	if (m->suite == BENCH_SUITE_BUILTIN && !st->o.quiet && !as_launch_stopped())
		bench_err("calibrated %zu benchmarks in %s", m->nbenches,
		       bench_fmt_dur((double)(bench_now_ns() - t0) / 1e9, d, sizeof d));
	if (as_launch_stopped()) {
		bench_err("stopped by SIG%s while calibrating; nothing was run",
			  sigabbrev_np(as_launch_stopped()) ? sigabbrev_np(as_launch_stopped()) : "?");
		return 128 + as_launch_stopped();
	}
	return 0;
}

/* Runs slots in order with the progress line; 0, or run_slot's error.
 * *stopped when a signal asked to stop. */
static int run_slots(struct run_state *st, const struct bench_slot *slots, size_t n, int *stopped)
{
	size_t i;
	int rc = 0;
	bench_progress_init(&st->prog, n, st->o.quiet);
	for (i = 0; i < n; i++) {
		int failed;
		if (as_launch_stopped()) {
			*stopped = 1;
			break;
		}
		bench_progress_start(&st->prog, &st->m, slots, i);
		rc = run_slot(st, &slots[i], &failed);
		if (rc == EINTR) {
			*stopped = 1;
			rc = 0;
			break;
		}
		if (rc)
			break;
		bench_progress_end(&st->prog, &st->m, slots, i, failed);
	}
	bench_progress_done(&st->prog);
	return rc;
}

/* --until: rounds of the wide benchmarks while the budget lasts
 * (bench_adaptive.c); meta.json's "adaptive" says where it stopped. */
static int adaptive_rounds(struct run_state *st, int64_t t0, int *stopped)
{
	struct bench_matrix *m = &st->m;
	unsigned char *wide = calloc(m->nbenches + 1, 1);
	struct bench_slot *slots = calloc(m->nbenches * m->ncfgs + 1, sizeof *slots);
	const char *why = NULL;
	char buf[128];
	long rounds = 0, next;
	double widest = 0;
	int rc = 0, nw;
	if (!wide || !slots) {
		free(wide);
		free(slots);
		return ENOMEM;
	}
	for (;;) {
		double est = 0, spent = (double)(bench_now_ns() - t0) / 1e9;
		size_t b, n;
		nw = bench_adaptive_wide(m, st->dir, wide, &next, &widest);
		if (nw < 0) {
			why = "the records could not be read back";
			break;
		}
		if (!nw) {
			snprintf(buf, sizeof buf, "every speed ratio's 95%% CI is within +-%g%%",
				 100 * m->until);
			why = buf;
			break;
		}
		for (b = 0; b < m->nbenches; b++)
			if (wide[b])
				est += (m->benches[b].n_s ? m->benches[b].sum_s / m->benches[b].n_s : 0) *
				       (double)m->ncfgs;
		if (spent + est > m->budget_s) {
			why = "the budget is spent (the next round would end past it)";
			break;
		}
		n = bench_plan_round(m, wide, next, slots);
		if (!st->o.quiet)
			bench_err("adaptive round %ld: %d benchmark%s wider than +-%g%% (widest +-%.1f%%), "
				  "%zu processes",
				  rounds + 1, nw, nw == 1 ? "" : "s", 100 * m->until, 100 * widest, n);
		rc = run_slots(st, slots, n, stopped);
		if (rc || *stopped)
			break;
		rounds++;
	}
	if (why && !st->o.quiet)
		bench_err("adaptive rounds: %ld; stopped: %s", rounds, why);
	json_object_set_new(st->meta, "adaptive",
			    bench_adaptive_json(m, rounds, why ? why : "interrupted", wide, widest));
	free(wide);
	free(slots);
	return rc;
}

static int run_matrix(struct run_state *st, const char *python_version)
{
	char mem[96];
	struct bench_matrix *m = &st->m;
	struct bench_slot *slots;
	size_t n, cells = m->nbenches * m->ncfgs;
	int64_t t0 = bench_now_ns();
	char d[32], now[32];
	int rc = 0, stopped = 0;

	slots = calloc((m->runs + m->warmup_runs + m->memory_runs) * cells + 1, sizeof *slots);
	if (!slots)
		return 1;
	n = bench_plan(m, st->done, slots);
	if (!st->o.quiet) {
		if (st->o.resume)
			bench_err("resuming %s: %zu of %zu runs recorded, %zu processes to go",
			       st->dir, st->nrecorded, cells * bench_cell_slots(m), n);
		else
			bench_err("%zu configurations x %zu benchmarks x %lu runs%s: %zu processes "
			       "-> %s/runs.jsonl",
			       m->ncfgs, m->nbenches, m->runs, memory_note(m, mem, sizeof mem), n,
			       st->dir);
	}
	(void)python_version;
	rc = run_slots(st, slots, n, &stopped);
	free(slots);
	if (!rc && !stopped && m->until > 0)
		rc = adaptive_rounds(st, t0, &stopped);
	if (as_launch_stopped())
		stopped = 1;

	json_object_set_new(st->meta, "results",
			    json_pack("{s:I, s:I, s:I, s:I}", "ok", (json_int_t)st->x.ok, "failed",
				      (json_int_t)st->x.failed, "memory_ok", (json_int_t)st->x.mem_ok,
				      "memory_failed", (json_int_t)st->x.mem_failed));
	if (stopped || rc) {
		int sig = as_launch_stopped();
		json_object_set_new(st->meta, "finished", json_null());
		json_object_set_new(st->meta, "interrupted",
				    sig ? json_string(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?") :
					  json_string("write error"));
		if (meta_write(st))
			return 1;
		if (rc || st->write_error)
			return 1;
		bench_err("stopped by SIG%s after %zu of %zu processes; %s/runs.jsonl keeps "
		       "every finished run",
		       sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", st->prog.done, n, st->dir);
		bench_err("resume with: " ALLOCSWAP_CLI_NAME " bench --resume %s", st->dir);
		return 128 + sig;
	}
	json_object_set_new(st->meta, "finished", json_string(bench_iso_now(now, sizeof now)));
	json_object_del(st->meta, "interrupted");
	if (meta_write(st))
		return 1;
	printf("%s: %zu runs (%zu failed) of %zu configurations x %zu benchmarks", st->dir,
	       st->x.ok + st->x.failed, st->x.failed, m->ncfgs, m->nbenches);
	if (st->x.mem_ok + st->x.mem_failed)
		printf(", %zu memory processes (%zu failed)", st->x.mem_ok + st->x.mem_failed,
		       st->x.mem_failed);
	printf(" in %s", bench_fmt_dur((double)(bench_now_ns() - t0) / 1e9, d, sizeof d));
	if (st->nrecorded)
		printf(", %zu more from before", st->nrecorded);
	putchar('\n');
	printf("next: " ALLOCSWAP_CLI_NAME " report %s\n", st->dir);
	if (st->x.failed && !st->x.ok && !st->nrecorded) {
		bench_err("every run failed");
		return 1;
	}
	return 0;
}

int as_cmd_bench(int argc, char **argv)
{
	struct run_state *st = calloc(1, sizeof *st);
	char *pyver = NULL, *scratch = NULL;
	const char *lib;
	int explicit_allocs = 1, rc, opened = 0, meta_written = 0;
	json_t *avail = NULL;

	if (!st) {
		as_err("out of memory");
		return 1;
	}
	st->x.m = &st->m;
	st->argc = argc;
	st->argv = argv;
	st->dir_fd = -1;
	st->suite_info = json_object();
	rc = bench_opts_parse(argc, argv, &st->o);
	if (rc) {
		rc = rc == 1 ? as_help("bench") : rc;
		goto out;
	}
	if (st->o.resume && (rc = bench_engine_resume(&st->o)) != BENCH_SHARD_DONE)
		goto out; /* DIR was a Slurm array's */
	if (st->o.resume) {
		char path[PATH_MAX + 32];
		json_error_t e;
		snprintf(st->dir, sizeof st->dir, "%s", st->o.resume);
		snprintf(path, sizeof path, "%s/meta.json", st->dir);
		st->meta = json_load_file(path, 0, &e);
		if (!st->meta) {
			bench_err("--resume %s: cannot read %s: %s", st->dir, path, e.text);
			rc = 2;
			goto out;
		}
		rc = bench_resume_matrix(st->meta, st->dir, &st->o, &st->m);
	} else {
		rc = matrix_from_opts(st, &explicit_allocs);
	}
	if (rc)
		goto out;

	lib = as_libswap_path("glibc");
	snprintf(st->m.libswap, sizeof st->m.libswap, "%s", lib ? lib : "");
	lib = as_libswap_path("musl");
	snprintf(st->m.libswap_musl, sizeof st->m.libswap_musl, "%s", lib ? lib : "");
	if ((rc = bench_libc_ready(&st->m, st->o.dry_run,
				   st->o.resume || st->o.axis[BENCH_AX_LIBC] != NULL)))
		goto out;
	if (!st->m.images &&
	    (rc = bench_images_resolve(&st->m, !st->o.resume && !st->o.axis[BENCH_AX_IMAGE],
				       st->o.dry_run)))
		goto out;
	if (as_suite_path())
		snprintf(st->m.suite_path, sizeof st->m.suite_path, "%s", as_suite_path());
	scratch = as_tmpdir("allocswap-bench");
	if (!scratch) {
		bench_err("cannot create a temporary directory: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	snprintf(st->m.scratch, sizeof st->m.scratch, "%s", scratch);
	as_launch_signals_install();

	/* what runs here: the Python, the suite, its benchmarks, the allocators */
	if (st->m.suite != BENCH_SUITE_CMD) {
		pyver = bench_python_version(st->m.python, st->m.scratch);
		if (!pyver) {
			bench_err("cannot run the Python %s (set --python or ALLOCSWAP_CLI_PYTHON)",
			       st->m.python);
			rc = 2;
			goto out;
		}
	}
	if ((rc = bench_suites[st->m.suite].check(&st->m, st->suite_info)))
		goto out;
	if (!st->o.resume && bench_suites[st->m.suite].list) {
		avail = bench_suites[st->m.suite].list(&st->m);
		if (!avail) {
			rc = 2;
			goto out;
		}
		if ((rc = benches_select(&st->m, st->o.bench, avail)))
			goto out;
		if (!st->m.nbenches) {
			bench_err("the %s suite offers no benchmarks here (name them with --bench)",
			       bench_suites[st->m.suite].name);
			rc = 2;
			goto out;
		}
	}
	if ((rc = bench_shard_select(&st->m, &st->o, argc, argv))) {
		rc = rc == BENCH_SHARD_DONE ? 0 : rc; /* --plan, --engine */
		goto out;
	}
	if (!st->m.libswap[0] && (st->m.nallocs > 1 || st->m.allocs[0].spec[0])) {
		bench_err("libswap.so is not found next to this allocswap (build it: ninja -C "
		       "build), nor in lib/allocswap/; ALLOCSWAP_CLI_LIBSWAP names it");
		rc = 2;
		goto out;
	}
	if (!st->o.dry_run) {
		if ((rc = open_dir(st)))
			goto out;
		opened = 1;
	}
	if ((rc = bench_probe_allocs(&st->m, explicit_allocs, st->o.quiet, st->o.dry_run)))
		goto out;
	if (!st->o.resume &&
	    (rc = bench_probe_images(&st->m, st->o.quiet, st->o.dry_run)) == ENOMEM) {
		rc = 1;
		goto out;
	}
	if (rc)
		goto out;
	if (!st->o.resume && (rc = bench_configs(&st->m))) {
		rc = rc == ENOMEM ? 1 : rc;
		goto out;
	}
	if (as_launch_stopped()) {
		rc = 128 + as_launch_stopped();
		goto out;
	}
	if (st->o.dry_run) {
		struct bench_slot *slots =
			calloc((st->m.runs + st->m.warmup_runs + st->m.memory_runs) * st->m.nbenches *
					       st->m.ncfgs +
				       1,
			       sizeof *slots);
		if (!slots) {
			rc = 1;
			goto out;
		}
		print_plan(st, slots, bench_plan(&st->m, NULL, slots));
		free(slots);
		rc = 0;
		goto out;
	}
	as_tracefs_ready_for(st->m.axis[BENCH_AX_STATS]); /* full: tracefs mounted, held */

	if (st->o.resume) {
		json_t *res;
		st->done = calloc(st->m.nbenches * st->m.ncfgs * bench_cell_slots(&st->m) + 1, 1);
		if (!st->done) {
			rc = 1;
			goto out;
		}
		if ((rc = bench_resume_done(st->dir, &st->m, st->done, &st->nrecorded)))
			goto out;
		res = json_array();
		json_array_append_new(res, json_pack("{s:s, s:o}", "started",
						     bench_iso_now((char[32]){0}, 32), "command",
						     bench_command_json(st->argc, st->argv)));
		if (json_is_array(json_object_get(st->meta, "resumed")))
			json_array_extend(json_object_get(st->meta, "resumed"), res);
		else
			json_object_set(st->meta, "resumed", res);
		json_decref(res);
		bench_resume_versions(st->meta, &st->m, pyver, st->dir);
		{ /* what the command line sets anew for the rounds to come */
			json_t *mx = json_object_get(st->meta, "matrix");
			if (st->o.time)
				json_object_set_new(mx, "time", json_string(st->m.clock));
			if (st->o.until > 0) {
				json_object_set_new(mx, "until", json_real(st->m.until));
				json_object_set_new(mx, "budget_s", json_real(st->m.budget_s));
			}
		}
		json_object_set_new(st->meta, "finished", json_null());
	} else {
		if ((rc = calibrate_all(st)))
			goto out;
		st->meta = bench_meta_new(&st->m, st->suite_info, bench_command_json(st->argc, st->argv), pyver);
	}
	st->x.dir = st->dir;
	if ((rc = meta_write(st)))
		goto out;
	meta_written = 1;
	rc = run_matrix(st, pyver);

out:
	if (opened)
		close_dir(st, !meta_written);
	if (scratch) {
		as_rmtree(scratch);
		free(scratch);
	}
	json_decref(avail);
	json_decref(st->meta);
	json_decref(st->suite_info);
	free(st->done);
	free(pyver);
	json_decref(st->m.shard);
	bench_matrix_free(&st->m);
	free(st);
	return rc;
}
