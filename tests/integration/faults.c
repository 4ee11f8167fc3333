/* faults: the files libswap writes, under fault injection.
 *
 *   faults LIBSWAP HELLO
 *
 * Runs HELLO under LIBSWAP and breaks what it writes:
 *   - ALLOCSWAP_COUNTERS naming an existing file, a symlink (to a file, or
 *     dangling): the file, the target are untouched, no page, one warning
 *     line; a new path gets a 4 KiB page; an exec (same pid) takes the page
 *     the program before it created, silently;
 *   - the report and the folded stacks (ALLOCSWAP_SITES) written past
 *     RLIMIT_FSIZE: killed by SIGXFSZ in the middle of the write, or, with
 *     SIGXFSZ ignored, the write fails (EFBIG): nothing at the path either
 *     way (the file is written under a temporary name and renamed when
 *     whole; the kill leaves only the temporary file);
 *   - SIGKILL as soon as a file appears in the report's directory (inotify),
 *     20 times: the path has a whole report or nothing;
 *   - a report path longer than libswap's 1 KiB line buffer: the stderr
 *     line is whole;
 *   - a full file system (a 64 KiB tmpfs in a mount namespace of this
 *     process): the report, the folded stacks and the counters page say
 *     "no space left on device" in one line each and leave nothing; the
 *     program's exit status is its own.  Needs root (unshare -m): skipped
 *     with a line saying so otherwise.
 * Runs without libswap itself (meson starts it directly).
 */
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "itest.h"
#include "spawn.h"

static const char *libswap, *hello;
static char dir[256];
static int have_sites = -1; /* sampling works here (libunwind): -1 unknown */

/* ---- running hello ----------------------------------------------------------------- */

struct limit {
	rlim_t fsize;     /* RLIMIT_FSIZE in the child; 0: none */
	int ignore_xfsz;  /* SIGXFSZ ignored (kept across exec): writes fail EFBIG */
};

static void limit_hook(void *arg)
{
	const struct limit *l = arg;
	struct rlimit rl = {l->fsize, l->fsize};
	if (l->ignore_xfsz)
		signal(SIGXFSZ, SIG_IGN);
	if (l->fsize && setrlimit(RLIMIT_FSIZE, &rl))
		_exit(125);
}

/* Runs hello under libswap with up to 4 more variables; with exec_self,
 * hello execs itself once (the same pid, a second libswap start: a shell
 * would be the host's, a glibc program, in the musl build). */
static void run(const char *const *vars, const struct limit *lim, int exec_self,
		struct sp_result *r)
{
	char e_pre[600], e_lib[4200];
	char *envp[9];
	char *argv_hello[] = {(char *)hello, exec_self ? (char *)"--exec-self" : NULL, NULL};
	const char *lp = getenv("LD_LIBRARY_PATH");
	int n = 0;
	snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", libswap);
	envp[n++] = e_pre;
	/* the musl build's allocators and libunwind (tests/meson.build) */
	if (lp && snprintf(e_lib, sizeof e_lib, "LD_LIBRARY_PATH=%s", lp) < (int)sizeof e_lib)
		envp[n++] = e_lib;
	while (vars && *vars && n < 8)
		envp[n++] = (char *)*vars++;
	envp[n] = NULL;
	T_EQ(sp_run(hello, argv_hello, envp,
		    lim ? limit_hook : NULL, (void *)lim, r),
	     0);
}

static char *var(char *buf, size_t cap, const char *name, const char *value)
{
	snprintf(buf, cap, "%s=%s", name, value);
	return buf;
}

static int file_is(const char *path, const char *text)
{
	char *s = sp_slurp(path);
	int ok = s && !strcmp(s, text);
	free(s);
	return ok;
}

static int is_report(const char *path)
{
	char *s = sp_slurp(path);
	size_t n = s ? strlen(s) : 0;
	int ok = n > 2 && strstr(s, "\"schema\": \"allocswap.report/1\"") && s[n - 2] == '}' &&
		 s[n - 1] == '\n';
	free(s);
	return ok;
}

/* Number of entries of d, "." and ".." left out. */
static int entries(const char *d)
{
	char cmd[400];
	FILE *p;
	int n = -1;
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", d);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void mkdir_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
	T_EQ(mkdir(out, 0755), 0);
}

/* ---- counters page ----------------------------------------------------------------- */

static void counters_refused(const char *path, const char *why)
{
	struct sp_result r;
	char v[600], line[1400];
	const char *vars[] = {var(v, sizeof v, "ALLOCSWAP_COUNTERS", path), NULL};
	run(vars, NULL, 0, &r);
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\n");
	snprintf(line, sizeof line,
		 "allocswap: warning: no counters page for ALLOCSWAP_COUNTERS=%s: %s\n", path, why);
	T_STREQ(r.err, line);
	sp_free(&r);
}

static void t_counters(void)
{
	struct sp_result r;
	char path[400], target[400], precious[8193], v[600];
	struct stat st;
	const char *exists = "the file exists and is not this process's page (libswap maps only "
			     "a file it creates; remove it or use %p)";

	/* an existing file: its first 4 KiB were the counters page before */
	memset(precious, 'P', sizeof precious - 1);
	precious[sizeof precious - 1] = 0;
	snprintf(path, sizeof path, "%s/counters-existing", dir);
	T_EQ(sp_write_file(path, precious), 0);
	counters_refused(path, exists);
	T_CHECK(file_is(path, precious));
	/* a short one, which was grown to 4 KiB */
	T_EQ(sp_write_file(path, "precious\n"), 0);
	counters_refused(path, exists);
	T_CHECK(file_is(path, "precious\n"));

	/* symlinks: to a file, dangling */
	snprintf(target, sizeof target, "%s/counters-target", dir);
	T_EQ(sp_write_file(target, "target\n"), 0);
	snprintf(path, sizeof path, "%s/counters-link", dir);
	T_EQ(symlink(target, path), 0);
	counters_refused(path, "is a symbolic link (not followed)");
	T_CHECK(file_is(target, "target\n"));
	snprintf(target, sizeof target, "%s/counters-absent", dir);
	snprintf(path, sizeof path, "%s/counters-dangling", dir);
	T_EQ(symlink(target, path), 0);
	counters_refused(path, "is a symbolic link (not followed)");
	T_CHECK(!sp_exists(target));

	/* a new path: the page, silently */
	snprintf(path, sizeof path, "%s/counters-new", dir);
	{
		const char *vars[] = {var(v, sizeof v, "ALLOCSWAP_COUNTERS", path), NULL};
		run(vars, NULL, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.err, "");
	T_EQ(stat(path, &st), 0);
	T_EQ(st.st_size, 4096);
	sp_free(&r);

	/* an exec keeps the pid: the page the shell created is taken again
	 * by hello, without a warning */
	snprintf(path, sizeof path, "%s/counters-exec-%%p", dir);
	{
		const char *vars[] = {var(v, sizeof v, "ALLOCSWAP_COUNTERS", path), NULL};
		run(vars, NULL, 1, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\n");
	T_STREQ(r.err, "");
	snprintf(path, sizeof path, "%s/counters-exec-%ld", dir, (long)r.pid);
	T_EQ(stat(path, &st), 0);
	T_EQ(st.st_size, 4096);
	sp_free(&r);
}

/* ---- cut short: RLIMIT_FSIZE ------------------------------------------------------- */

static void t_fsize(void)
{
	struct sp_result r;
	char sub[300], path[400], v1[600], v2[64], v3[64], line[900];
	struct limit kill_at = {200, 0}, fail_at = {200, 1};

	/* killed by SIGXFSZ 200 bytes into the report */
	mkdir_in(sub, sizeof sub, "fsize-kill");
	snprintf(path, sizeof path, "%s/r.json", sub);
	{
		const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_REPORT", path), NULL};
		run(vars, &kill_at, 0, &r);
	}
	T_CHECK(r.status >= 0 && WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGXFSZ);
	T_STREQ(r.out, "hello\n");
	T_CHECK(!sp_exists(path)); /* 200 bytes of JSON were left here */
	T_EQ(entries(sub), 1);     /* the temporary file, under its own name */
	sp_free(&r);

	/* SIGXFSZ ignored: the write fails, one line, nothing left */
	mkdir_in(sub, sizeof sub, "fsize-fail");
	snprintf(path, sizeof path, "%s/r.json", sub);
	{
		const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_REPORT", path), NULL};
		run(vars, &fail_at, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	snprintf(line, sizeof line,
		 "allocswap: writing the report to %s failed, nothing written: file too large\n",
		 path);
	T_STREQ(r.err, line);
	T_EQ(entries(sub), 0);
	sp_free(&r);

	/* the folded stacks, first whole (does this libswap sample at all?) */
	mkdir_in(sub, sizeof sub, "sites");
	snprintf(path, sizeof path, "%s/s.folded", sub);
	{
		const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_SITES", path),
				      var(v2, sizeof v2, "ALLOCSWAP_STATS", "full"),
				      var(v3, sizeof v3, "ALLOCSWAP_SAMPLE_BYTES", "1"), NULL};
		run(vars, NULL, 0, &r);
		T_EQ(sp_exit_code(&r), 0);
		T_STREQ(r.err, "");
		have_sites = sp_exists(path);
		sp_free(&r);
		if (!have_sites) {
			printf("note: no folded stacks here (no libunwind): those checks skipped\n");
			return;
		}
		T_EQ(entries(sub), 1);
		/* past 10 bytes, SIGXFSZ ignored: it was cut at 10 bytes */
		T_EQ(unlink(path), 0);
		fail_at.fsize = 10;
		run(vars, &fail_at, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	snprintf(line, sizeof line,
		 "allocswap: cannot write the folded stacks to %s: file too large\n", path);
	T_STREQ(r.err, line);
	T_EQ(entries(sub), 0);
	sp_free(&r);
}

/* ---- SIGKILL when the file appears ---------------------------------------------------- */

static void t_kill(void)
{
	char sub[300], path[400], e_pre[600], e_rep[600];
	char *argv[] = {(char *)hello, NULL};
	char *envp[] = {e_pre, e_rep, NULL};
	int i, whole = 0, none = 0;
	mkdir_in(sub, sizeof sub, "kill");
	snprintf(path, sizeof path, "%s/r.json", sub);
	snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", libswap);
	snprintf(e_rep, sizeof e_rep, "ALLOCSWAP_REPORT=%s", path);
	for (i = 0; i < 20; i++) {
		char ev[sizeof(struct inotify_event) + 256];
		int in = inotify_init1(IN_CLOEXEC), st;
		pid_t pid;
		T_CHECK(in >= 0);
		if (in < 0 || inotify_add_watch(in, sub, IN_CREATE) < 0)
			return;
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			execve(hello, argv, envp);
			_exit(126);
		}
		if (read(in, ev, sizeof ev) > 0)
			kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		close(in);
		if (sp_exists(path)) {
			T_CHECK(is_report(path));
			whole++;
			unlink(path);
		} else {
			none++;
		}
	}
	printf("kill at the first file: %d whole reports, %d none\n", whole, none);
}

/* ---- a long line ------------------------------------------------------------------------ */

static void t_long_line(void)
{
	struct sp_result r;
	static char path[1800], v[1900], line[2000];
	size_t n = (size_t)snprintf(path, sizeof path, "%s/", dir);
	memset(path + n, 'x', 1500);
	strcpy(path + n + 1500, ".json");
	{
		const char *vars[] = {var(v, sizeof v, "ALLOCSWAP_REPORT", path), NULL};
		run(vars, NULL, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	snprintf(line, sizeof line, "allocswap: cannot write the report to %s: name too long\n",
		 path);
	T_STREQ(r.err, line); /* it was cut at 1023 bytes */
	sp_free(&r);
}

/* ---- a full file system ------------------------------------------------------------------ */

static int fill(const char *mnt)
{
	char path[400], block[4096];
	int fd;
	snprintf(path, sizeof path, "%s/filler", mnt);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	memset(block, 'f', sizeof block);
	while (write(fd, block, sizeof block) > 0)
		;
	/* and the last bytes of a partial page */
	while (write(fd, block, 1) > 0)
		;
	close(fd);
	return 0;
}

static void t_full(void)
{
	struct sp_result r;
	char mnt[300], path[400], v1[600], v2[64], v3[64], line[900];
	if (geteuid() != 0) {
		printf("SKIP (full file system part): needs root for a tmpfs in a mount "
		       "namespace (unshare -m)\n");
		return;
	}
	if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		printf("SKIP (full file system part): unshare(CLONE_NEWNS) failed: %s\n",
		       strerror(errno));
		return;
	}
	mkdir_in(mnt, sizeof mnt, "full");
	if (mount("allocswap-faults", mnt, "tmpfs", 0, "size=64k,mode=0755")) {
		printf("SKIP (full file system part): cannot mount a tmpfs: %s\n", strerror(errno));
		return;
	}
	T_EQ(fill(mnt), 0);

	snprintf(path, sizeof path, "%s/r.json", mnt);
	{
		const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_REPORT", path), NULL};
		run(vars, NULL, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\n");
	snprintf(line, sizeof line,
		 "allocswap: writing the report to %s failed, nothing written: no space left on "
		 "device\n",
		 path);
	T_STREQ(r.err, line); /* an empty r.json was left before */
	T_EQ(entries(mnt), 1);
	sp_free(&r);

	/* the counters page: a store into a sparse page of a full tmpfs was
	 * a SIGBUS */
	snprintf(path, sizeof path, "%s/counters", mnt);
	{
		const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_COUNTERS", path), NULL};
		run(vars, NULL, 0, &r);
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\n");
	snprintf(line, sizeof line,
		 "allocswap: warning: no counters page for ALLOCSWAP_COUNTERS=%s: no space left on "
		 "device\n",
		 path);
	T_STREQ(r.err, line);
	T_EQ(entries(mnt), 1);
	sp_free(&r);

	if (have_sites == 1) {
		snprintf(path, sizeof path, "%s/s.folded", mnt);
		{
			const char *vars[] = {var(v1, sizeof v1, "ALLOCSWAP_SITES", path),
					      var(v2, sizeof v2, "ALLOCSWAP_STATS", "full"),
					      var(v3, sizeof v3, "ALLOCSWAP_SAMPLE_BYTES", "1"), NULL};
			run(vars, NULL, 0, &r);
		}
		T_EQ(sp_exit_code(&r), 0);
		snprintf(line, sizeof line,
			 "allocswap: cannot write the folded stacks to %s: no space left on device\n",
			 path);
		T_STREQ(r.err, line);
		T_EQ(entries(mnt), 1);
		sp_free(&r);
	}
	umount2(mnt, MNT_DETACH);
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
		t_say("usage: faults LIBSWAP HELLO");
		return 2;
	}
	libswap = argv[1];
	hello = argv[2];
	snprintf(dir, sizeof dir, "%s/as_faults.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		t_say("mkdtemp %s failed", dir);
		return 1;
	}
	t_counters();
	t_fsize();
	t_kill();
	t_long_line();
	t_full(); /* last: it moves this process into a mount namespace */
	if (t_failed)
		t_say("files kept in %s", dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_done();
}
