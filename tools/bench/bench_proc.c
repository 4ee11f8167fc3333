/* bench_proc: processes, interruption, reports, the allocator probe (see
 * bench.h). */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void bench_err(const char *fmt, ...)
{
	va_list ap;
	fputs(ALLOCSWAP_CLI_NAME " bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int64_t bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int bench_run_plain(const char *dir, char *const argv[], const char *out, const char *err,
		    struct as_launch_result *r)
{
	struct as_launcher L;
	struct as_launch_cfg cfg;
	struct as_env env;
	int rc;
	bench_env_plain(&env);
	memset(&cfg, 0, sizeof cfg);
	cfg.argv = argv;
	cfg.env = env.v;
	cfg.in = "/dev/null";
	cfg.out = out ? out : "/dev/null";
	cfg.err = err ? err : "/dev/null";
	cfg.own_group = 1;
	as_launcher_init(&L, dir, NULL);
	rc = as_launch(&L, &cfg, r);
	as_launcher_free(&L);
	as_env_free(&env);
	return rc;
}

void bench_last_line(const char *path, char *buf, size_t cap)
{
	char *s = path ? as_read_all(path, NULL) : NULL, *end, *start;
	buf[0] = 0;
	if (!s)
		return;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*end = 0;
	start = strrchr(s, '\n');
	start = start ? start + 1 : s;
	snprintf(buf, cap, "%s", start);
	free(s);
}

/* ---- reports --------------------------------------------------------------- */

void bench_tmp_clean(const struct bench_ctx *x)
{
	DIR *d = opendir(x->tmp);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof path, "%s/%s", x->tmp, e->d_name);
		unlink(path);
	}
	closedir(d);
}

int bench_report_check(const struct bench_matrix *m, const struct bench_slot *s,
		       const json_t *report, char *why, size_t cap)
{
	struct as_launch_cfg cfg;
	bench_launch_cfg(m, &m->cfgs[s->cfg], NULL, &cfg);
	cfg.stats = bench_slot_stats(m, s);
	return as_launch_check(&cfg, report, why, cap);
}

/* ---- the probe --------------------------------------------------------------- */

int bench_probe(const struct bench_matrix *m, struct bench_alloc *a, int l, const char *tmpdir,
		char *why, size_t cap)
{
	char err[PATH_MAX + 32], line[512];
	const char *python = NULL;
	char *py_argv[] = {NULL, "-I", "-S", "-c", "pass", NULL};
	char *sh_argv[] = {"/bin/true", NULL}; /* dash leaves by _exit: no report */
	struct bench_alloc_libc *by = &a->by[l];
	struct as_env env;
	struct as_launcher L;
	struct as_launch_cfg cfg;
	struct as_launch_result p;
	struct bench_cfg c;
	json_t *j, *al, *lc;
	size_t i;
	int rc;

	by->probed = 1;
	by->ok = 0;
	if (!a->spec[0]) {
		by->ok = 1;
		if (!a->libc[0])
			snprintf(a->libc, sizeof a->libc, "%s", as_libcs[l]);
		return 0; /* "none": nothing to load */
	}
	/* a Python of that libc (the matrix has one for every libc it runs) */
	for (i = 0; i < m->npythons && !python; i++)
		if (!strcmp(m->pythons[i].libc, as_libcs[l]))
			python = m->pythons[i].path;
	if (m->suite != BENCH_SUITE_CMD && !python) {
		snprintf(why, cap, "no %s Python in the matrix to probe with", as_libcs[l]);
		return ENOENT;
	}
	py_argv[0] = (char *)python;
	snprintf(err, sizeof err, "%s/probe.err", tmpdir);
	memset(&c, 0, sizeof c);
	c.alloc = (size_t)(a - m->allocs);
	snprintf(c.c.pymalloc, sizeof c.c.pymalloc, "on");
	snprintf(c.c.libc, sizeof c.c.libc, "%s", as_libcs[l]);
	bench_env_plain(&env);
	bench_launch_cfg(m, &c, &env, &cfg);
	cfg.argv = m->suite == BENCH_SUITE_CMD ? sh_argv : py_argv;
	cfg.in = cfg.out = "/dev/null";
	cfg.err = err;
	cfg.own_group = 1;
	as_launcher_init(&L, tmpdir, NULL);
	rc = as_launch(&L, &cfg, &p);
	as_launcher_free(&L);
	as_env_free(&env);
	if (rc) {
		snprintf(why, cap, "cannot start the probe: %s", strerror(rc));
		return ENOENT;
	}
	bench_last_line(err, line, sizeof line);
	unlink(err);
	if (!WIFEXITED(p.status) || WEXITSTATUS(p.status)) {
		char st[96];
		snprintf(why, cap, "%s", line[0] ? line : as_status_str(p.status, st, sizeof st));
		as_launch_result_free(&p);
		return ENOENT;
	}
	j = json_incref(p.report);
	as_launch_result_free(&p);
	if (!j) {
		snprintf(why, cap, "the probe wrote no report");
		return ENOENT;
	}
	if (as_launch_check(&cfg, j, why, cap)) {
		json_decref(j);
		return ENOENT;
	}
	al = json_object_get(j, "allocator");
	lc = json_object_get(j, "libc");
#define JS(o, k) (as_jstr(o, k) ? as_jstr(o, k) : "")
	snprintf(by->version, sizeof by->version, "%s", JS(al, "version"));
	snprintf(by->path, sizeof by->path, "%s", JS(al, "path"));
	snprintf(by->libc_version, sizeof by->libc_version, "%s", JS(lc, "version"));
#undef JS
	by->ok = 1;
	if (!a->libc[0]) {
		/* the allocator's own fields: the first libc it loads in */
		snprintf(a->version, sizeof a->version, "%s", by->version);
		snprintf(a->path, sizeof a->path, "%s", by->path);
		snprintf(a->libc, sizeof a->libc, "%s", as_libcs[l]);
		snprintf(a->libc_version, sizeof a->libc_version, "%s", by->libc_version);
	}
	json_decref(j);
	return 0;
}

/* ---- the probe in images ------------------------------------------------------ */

/* Probes allocator a in image im with its own python3: 0, or ENOENT with the
 * reason in why. */
static int probe_image(const struct bench_matrix *m, const struct bench_alloc *a,
		       const struct as_launch_image *im, char *why, size_t cap)
{
	char err[PATH_MAX + 32], line[512];
	char *argv[] = {(char *)im->python, "-I", "-S", "-c", "pass", NULL};
	struct as_launcher L;
	struct as_launch_cfg cfg;
	struct as_launch_result p;
	json_t *rep;
	int rc;
	memset(&cfg, 0, sizeof cfg);
	cfg.image = im;
	cfg.libc = im->libc;
	cfg.allocator = a->spec;
	cfg.stats = "off";
	cfg.argv = argv;
	cfg.in = cfg.out = "/dev/null";
	snprintf(err, sizeof err, "%s/probe-image.err", m->scratch);
	cfg.err = err;
	cfg.own_group = 1;
	as_launcher_init(&L, m->scratch, NULL);
	rc = as_launch(&L, &cfg, &p);
	as_launcher_free(&L);
	if (rc) {
		snprintf(why, cap, "cannot start the probe: %s", strerror(rc));
		return ENOENT;
	}
	bench_last_line(err, line, sizeof line);
	unlink(err);
	rep = p.report;
	if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) || !rep) {
		char st[96];
		snprintf(why, cap, "%s", line[0] ? line : !rep && WIFEXITED(p.status) &&
							  !WEXITSTATUS(p.status)
						  ? "the probe wrote no report"
						  : as_status_str(p.status, st, sizeof st));
		as_launch_result_free(&p);
		return ENOENT;
	}
	rc = as_launch_check(&cfg, rep, why, cap) ? ENOENT : 0;
	as_launch_result_free(&p);
	return rc;
}

int bench_probe_images(struct bench_matrix *m, int quiet, int dry_run)
{
	size_t i, k;
	free(m->img_ok);
	m->img_ok = malloc(m->nallocs * m->nimages + 1);
	if (!m->img_ok)
		return ENOMEM;
	memset(m->img_ok, 1, m->nallocs * m->nimages);
	for (k = 0; k < m->nimages; k++) {
		const struct as_launch_image *im = &m->images[k];
		if (im->runner == AS_RUNNER_HOST || dry_run)
			continue;
		for (i = 0; i < m->nallocs; i++) {
			char why[512];
			if (!m->allocs[i].spec[0] || !bench_alloc_runs_on(&m->allocs[i], im->libc) ||
			    !probe_image(m, &m->allocs[i], im, why, sizeof why))
				continue;
			if (as_launch_stopped())
				return 128 + as_launch_stopped();
			m->img_ok[i * m->nimages + k] = 0;
			if (!quiet)
				bench_err("note: %s does not load in image %s, its cells there are left "
					  "out: %s",
					  m->allocs[i].name, im->name, why);
		}
	}
	return 0;
}
