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

/* Everything the signal handler touches. */
static struct {
	volatile sig_atomic_t stop;  /* the first signal, or 0 */
	volatile sig_atomic_t count; /* signals received */
	volatile pid_t child;        /* the running child's process group, or 0 */
} S;

static void on_signal(int sig)
{
	int saved = errno;
	S.count++;
	if (!S.stop)
		S.stop = sig;
	if (S.child > 0)
		kill(-S.child, S.count > 1 ? SIGKILL : SIGINT);
	errno = saved;
}

void bench_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void bench_err(const char *fmt, ...)
{
	va_list ap;
	fputs(ALLOCSWAP_CLI_NAME " bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int bench_stop(void)
{
	return S.stop;
}

int64_t bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

int bench_spawn(char *const argv[], char *const envp[], const char *out_path,
		const char *err_path, struct bench_proc *p)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	struct rusage ru;
	int64_t t0, forwarded = 0;
	pid_t pid;
	int rc, status = 0;

	memset(p, 0, sizeof *p);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawnattr_init(&at);
	/* its own process group: a terminal's Ctrl-C reaches us, and we stop
	 * the whole group (the benchmark's subprocesses too); signals we or our
	 * caller ignore (a background job ignores SIGINT) are default again */
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGQUIT);
	sigaddset(&def, SIGPIPE);
	sigemptyset(&none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETSIGMASK);

	t0 = bench_now_ns();
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc == ENOENT || rc == EACCES || rc == ENOEXEC) {
		/* like a shell: the command was not found or not runnable */
		p->status = 127 << 8;
		p->wall_ns = bench_now_ns() - t0;
		if (err_path) {
			FILE *f = fopen(err_path, "w");
			if (f) {
				fprintf(f, "cannot run '%s': %s\n", argv[0], strerror(rc));
				fclose(f);
			}
		}
		return 0;
	}
	if (rc)
		return rc;
	p->pid = pid;
	S.child = pid;
	for (;;) {
		pid_t r;
		if (S.stop && !forwarded) {
			kill(-pid, S.count > 1 ? SIGKILL : SIGINT);
			forwarded = bench_now_ns();
		}
		r = wait4(pid, &status, forwarded ? WNOHANG : 0, &ru);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = errno;
			S.child = 0;
			return rc;
		}
		if (forwarded) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			if (bench_now_ns() - forwarded > 2000000000LL)
				kill(-pid, SIGKILL);
			nanosleep(&ts, NULL);
		}
	}
	p->wall_ns = bench_now_ns() - t0;
	S.child = 0;
	p->interrupted = S.stop != 0;
	p->status = status;
	p->user_ns = tv_ns(ru.ru_utime);
	p->sys_ns = tv_ns(ru.ru_stime);
	p->maxrss = (int64_t)ru.ru_maxrss * 1024;
	p->minflt = ru.ru_minflt;
	p->majflt = ru.ru_majflt;
	return 0;
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

void bench_reports_read(const struct bench_ctx *x, pid_t pid, struct bench_reports *r)
{
	DIR *d = opendir(x->tmp);
	struct dirent *e;
	json_t *lone = NULL;
	size_t n = 0;
	memset(r, 0, sizeof *r);
	r->all = json_array();
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		long p;
		json_t *j;
		if (strncmp(e->d_name, "r-", 2) || !strstr(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", x->tmp, e->d_name);
		j = json_load_file(path, 0, NULL);
		if (!j)
			continue;
		n++;
		p = strtol(e->d_name + 2, NULL, 10);
		if (p == (long)pid && !r->main)
			r->main = json_incref(j);
		lone = j;
		json_array_append_new(r->all, j);
	}
	closedir(d);
	if (!r->main && n == 1)
		r->main = json_incref(lone);
	r->others = n - (r->main ? 1 : 0);
}

void bench_reports_free(struct bench_reports *r)
{
	json_decref(r->main);
	json_decref(r->all);
	memset(r, 0, sizeof *r);
}

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

int bench_report_check(const struct bench_matrix *m, const struct bench_cfg *c,
		       const json_t *report, char *why, size_t cap)
{
	const struct bench_alloc *a = &m->allocs[c->alloc];
	const json_t *al = json_object_get(report, "allocator");
	const char *ran = json_string_value(json_object_get(al, "name"));
	const char *want = strchr(a->spec, '/') ? "path" : a->spec, *mode;
	if (!a->spec[0])
		return 0;
	if (!ran) {
		snprintf(why, cap, "the libswap report names no allocator");
		return 1;
	}
	if (json_is_true(json_object_get(al, "fallback"))) {
		const char *r = json_string_value(json_object_get(al, "fallback_reason"));
		snprintf(why, cap, "%s was asked for, %s ran (fallback: %s)", a->name, ran,
			 r ? r : "?");
		return 1;
	}
	if (strcmp(ran, want)) {
		snprintf(why, cap, "%s was asked for, %s ran", a->name, ran);
		return 1;
	}
	if (json_is_false(json_object_get(al, "mapped"))) {
		snprintf(why, cap, "%s's library is not mapped in the process (/proc/self/maps)",
			 a->name);
		return 1;
	}
	{
		const char *libc = json_string_value(json_object_get(json_object_get(report, "libc"),
								      "name"));
		if (c->c.libc[0] && libc && strcmp(libc, c->c.libc)) {
			snprintf(why, cap, "a %s process was asked for, a %s process ran",
				 c->c.libc, libc);
			return 1;
		}
	}
	/* the stats axis is part of the experiment too: a process measured in
	 * another mode than asked would compare the wrong things */
	mode = json_string_value(json_object_get(report, "stats_mode"));
	if (c->c.stats[0] && mode && strcmp(mode, c->c.stats)) {
		snprintf(why, cap, "ALLOCSWAP_STATS=%s was asked for, libswap ran in %s mode",
			 c->c.stats, mode);
		return 1;
	}
	return 0;
}

/* ---- the probe --------------------------------------------------------------- */

int bench_probe(const struct bench_matrix *m, struct bench_alloc *a, int l, const char *tmpdir,
		char *why, size_t cap)
{
	char report[PATH_MAX + 32], err[PATH_MAX + 32], line[512];
	const char *python = NULL;
	char *py_argv[] = {NULL, "-I", "-S", "-c", "pass", NULL};
	char *sh_argv[] = {"/bin/true", NULL}; /* dash leaves by _exit: no report */
	struct bench_alloc_libc *by = &a->by[l];
	struct as_env env;
	struct bench_proc p;
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
	snprintf(report, sizeof report, "%s/probe.json", tmpdir);
	snprintf(err, sizeof err, "%s/probe.err", tmpdir);
	unlink(report);
	memset(&c, 0, sizeof c);
	c.alloc = (size_t)(a - m->allocs);
	snprintf(c.c.pymalloc, sizeof c.c.pymalloc, "on");
	snprintf(c.c.libc, sizeof c.c.libc, "%s", as_libcs[l]);
	bench_env(m, &c, report, &env);
	rc = bench_spawn(m->suite == BENCH_SUITE_CMD ? sh_argv : py_argv, env.v, NULL, err, &p);
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
		unlink(report);
		return ENOENT;
	}
	j = json_load_file(report, 0, NULL);
	unlink(report);
	if (!j) {
		snprintf(why, cap, "the probe wrote no report");
		return ENOENT;
	}
	if (bench_report_check(m, &c, j, why, cap)) {
		json_decref(j);
		return ENOENT;
	}
	al = json_object_get(j, "allocator");
	lc = json_object_get(j, "libc");
#define JS(o, k) (json_string_value(json_object_get(o, k)) ? json_string_value(json_object_get(o, k)) : "")
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
