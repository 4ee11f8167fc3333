/* report_files: where the report lands, and what it never touches.
 *
 *   report_files LIBSWAP HELLO
 *
 * Runs HELLO under LIBSWAP with ALLOCSWAP_REPORT pointing into a fresh
 * directory (see as_report.h: O_CREAT|O_EXCL|O_NOFOLLOW, then PATH.PID):
 *   - a new path gets the report, stderr stays silent;
 *   - an existing file is not clobbered: the report goes to PATH.PID and
 *     one line on stderr says so; if PATH.PID exists too, PATH.PID.1;
 *   - a symlink to another file, or a dangling one, is not followed: the
 *     target is untouched (or not created) and the report goes to PATH.PID;
 *   - a missing directory or an unknown %-sequence gives one stderr line
 *     and the program's exit status is unchanged;
 *   - %e, %p and %% expand; a relative path is relative to the start-up
 *     directory.
 * Runs without libswap itself (meson starts it directly).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "spawn.h"

static const char *libswap, *hello;
static char dir[256];

struct plant {
	const char *cwd;     /* chdir here first */
	const char *suffix;  /* create path ".<pid>" + suffix ... */
	const char *base;    /* ... of this path */
};

static void plant_hook(void *arg)
{
	const struct plant *pl = arg;
	char path[600];
	if (pl->cwd && chdir(pl->cwd))
		_exit(125);
	if (pl->base) {
		snprintf(path, sizeof path, "%s.%ld%s", pl->base, (long)getpid(), pl->suffix);
		if (sp_write_file(path, "planted\n"))
			_exit(125);
	}
}

/* Runs hello with ALLOCSWAP_REPORT=report; expects exit 0. */
static void run(const char *report, struct plant *pl, struct sp_result *r)
{
	char e_pre[600], e_rep[600];
	char *argv[] = {(char *)hello, NULL};
	char *envp[] = {e_pre, e_rep, NULL};
	snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", libswap);
	snprintf(e_rep, sizeof e_rep, "ALLOCSWAP_REPORT=%s", report);
	T_EQ(sp_run(hello, argv, envp, pl ? plant_hook : NULL, pl, r), 0);
	T_EQ(sp_exit_code(r), 0);
	T_STREQ(r->out, "hello\n");
}

static int is_report(const char *path)
{
	char *s = sp_slurp(path);
	int ok = s && strstr(s, "\"schema\": \"allocswap.report/1\"") && s[strlen(s) - 2] == '}';
	free(s);
	return ok;
}

static int file_is(const char *path, const char *text)
{
	char *s = sp_slurp(path);
	int ok = s && !strcmp(s, text);
	free(s);
	return ok;
}

static void expect_moved(const char *path, const struct sp_result *r, const char *suffix)
{
	char moved[700], line[1600];
	snprintf(moved, sizeof moved, "%s.%ld%s", path, (long)r->pid, suffix);
	T_CHECK(is_report(moved));
	snprintf(line, sizeof line, "allocswap: %s exists; report written to %s\n", path, moved);
	T_STREQ(r->err, line);
}

static void t_new(void)
{
	struct sp_result r;
	char path[300];
	snprintf(path, sizeof path, "%s/new.json", dir);
	run(path, NULL, &r);
	T_CHECK(is_report(path));
	T_STREQ(r.err, "");
	sp_free(&r);
}

static void t_existing(void)
{
	struct sp_result r;
	struct plant pl = {NULL, "", NULL};
	char path[300];
	snprintf(path, sizeof path, "%s/existing.json", dir);
	T_EQ(sp_write_file(path, "precious\n"), 0);
	run(path, NULL, &r);
	T_CHECK(file_is(path, "precious\n"));
	expect_moved(path, &r, "");
	sp_free(&r);

	/* PATH.PID is taken too (planted by the child before exec) */
	pl.base = path;
	run(path, &pl, &r);
	T_CHECK(file_is(path, "precious\n"));
	{
		char planted[400];
		snprintf(planted, sizeof planted, "%s.%ld", path, (long)r.pid);
		T_CHECK(file_is(planted, "planted\n"));
	}
	expect_moved(path, &r, ".1");
	sp_free(&r);
}

static void t_symlinks(void)
{
	struct sp_result r;
	char link[300], target[300], dangling[300], absent[300];
	snprintf(link, sizeof link, "%s/link.json", dir);
	snprintf(target, sizeof target, "%s/target.txt", dir);
	T_EQ(sp_write_file(target, "target\n"), 0);
	T_EQ(symlink(target, link), 0);
	run(link, NULL, &r);
	T_CHECK(file_is(target, "target\n"));
	{
		char buf[300];
		ssize_t n = readlink(link, buf, sizeof buf - 1);
		T_CHECK(n > 0);
		buf[n > 0 ? n : 0] = 0;
		T_STREQ(buf, target); /* still the same symlink */
	}
	expect_moved(link, &r, "");
	sp_free(&r);

	snprintf(dangling, sizeof dangling, "%s/dangling.json", dir);
	snprintf(absent, sizeof absent, "%s/absent.txt", dir);
	T_EQ(symlink(absent, dangling), 0);
	run(dangling, NULL, &r);
	T_CHECK(!sp_exists(absent)); /* not created through the link */
	expect_moved(dangling, &r, "");
	sp_free(&r);
}

static void t_errors(void)
{
	struct sp_result r;
	char path[300], line[700];
	snprintf(path, sizeof path, "%s/no/such/dir/r.json", dir);
	run(path, NULL, &r);
	snprintf(line, sizeof line, "allocswap: cannot write the report to %s: no such directory\n",
		 path);
	T_STREQ(r.err, line);
	sp_free(&r);

	snprintf(path, sizeof path, "%s/bad-%%q.json", dir);
	run(path, NULL, &r);
	T_EQ(sp_lines(r.err), 1);
	T_CHECK(strstr(r.err, "allocswap: cannot write the report to ") == r.err);
	T_CHECK(strstr(r.err, "%q") != NULL);
	T_CHECK(strstr(r.err, "invalid %-sequence") != NULL);
	sp_free(&r);
}

static void t_expand(void)
{
	struct sp_result r;
	struct plant pl = {NULL, "", NULL};
	char path[300], want[400];
	const char *base = strrchr(hello, '/');
	snprintf(path, sizeof path, "%s/%%e-%%p-%%%%.json", dir);
	run(path, NULL, &r);
	snprintf(want, sizeof want, "%s/%s-%ld-%%.json", dir, base ? base + 1 : hello, (long)r.pid);
	T_CHECK(is_report(want));
	T_STREQ(r.err, "");
	sp_free(&r);

	/* relative: where the program started */
	pl.cwd = dir;
	run("rel-%p.json", &pl, &r);
	snprintf(want, sizeof want, "%s/rel-%ld.json", dir, (long)r.pid);
	T_CHECK(is_report(want));
	T_STREQ(r.err, "");
	sp_free(&r);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(path);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	if (argc != 3) {
		t_say("usage: report_files LIBSWAP HELLO");
		return 2;
	}
	libswap = argv[1];
	hello = argv[2];
	snprintf(dir, sizeof dir, "%s/as_report_files.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		t_say("mkdtemp %s failed", dir);
		return 1;
	}
	t_new();
	t_existing();
	t_symlinks();
	t_errors();
	t_expand();
	if (t_failed)
		t_say("files kept in %s", dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_done();
}
