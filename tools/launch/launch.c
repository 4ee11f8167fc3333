/* launch: one process under libswap on a runner (see launch.h). */
#include "launch.h"
#include "launch_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "as_backend.h"
#include "as_file.h"
#include "builds.h"
#include "cli.h"
#include "images.h"
#include "as_seccomp.h"
#include "as_tracefs.h"

extern char **environ;


/* Everything the signal handler touches. */
static struct {
	volatile sig_atomic_t stop;  /* the first signal, or 0 */
	volatile sig_atomic_t count; /* signals received */
	volatile pid_t child;        /* the running own_group child, or 0 */
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

void as_launch_signals_install(void)
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

int as_launch_stopped(void)
{
	return S.stop;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

/* ---- contention (launch.h) ------------------------------------------------------------ */

/* The machine's steal time so far (ns, all CPUs; -1 without the column) and
 * its runnable tasks now (-1 when not found), from /proc/stat. */
static void machine_now(int64_t *steal_ns, int *running)
{
	char *s = as_read_all("/proc/stat", NULL), *p;
	unsigned long long v[8];
	long hz = sysconf(_SC_CLK_TCK);
	*steal_ns = -1;
	*running = -1;
	if (!s)
		return;
	if (!strncmp(s, "cpu ", 4) && hz > 0 &&
	    sscanf(s + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8)
		*steal_ns = (int64_t)(v[7] / (unsigned long long)hz * 1000000000ULL +
				      v[7] % (unsigned long long)hz * 1000000000ULL /
					      (unsigned long long)hz);
	p = strstr(s, "\nprocs_running ");
	if (p)
		*running = atoi(p + 15);
	free(s);
}

/* How long pid's main thread waited runnable for a CPU (ns): the second
 * field of /proc/PID/schedstat, readable until pid is reaped; -1. */
static int64_t runq_wait(pid_t pid)
{
	char path[64], *s;
	unsigned long long run, delay;
	int64_t v = -1;
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	s = as_read_all(path, NULL);
	if (s && sscanf(s, "%llu %llu", &run, &delay) == 2)
		v = (int64_t)delay;
	free(s);
	return v;
}

/* ---- the launcher -------------------------------------------------------------------- */

static int copy_file(const char *src, const char *dst)
{
	size_t len;
	char *data = as_read_all(src, &len);
	struct as_file a;
	int rc;
	if (!data)
		return errno;
	if (!(rc = as_file_open(&a, dst))) {
		errno = 0;
		if (fwrite(data, 1, len, a.f) != len || fchmod(fileno(a.f), 0755))
			rc = errno ? errno : EIO;
		if (rc)
			as_file_close(&a, 0);
		else
			rc = as_file_close(&a, 1);
	}
	free(data);
	return rc;
}

int as_launcher_init(struct as_launcher *L, const char *dir, const char *suite_dir)
{
	char cwd[PATH_MAX];
	memset(L, 0, sizeof *L);
	/* absolute: the report path libswap gets must survive a chdir in the
	 * process (pyperformance, a command that cds first) */
	int n;
	if (dir[0] != '/' && getcwd(cwd, sizeof cwd))
		n = snprintf(L->dir, sizeof L->dir, "%s/%s", cwd, dir);
	else
		n = snprintf(L->dir, sizeof L->dir, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof L->dir)
		return ENAMETOOLONG;
	n = snprintf(L->stage, sizeof L->stage, "%s/.stage", L->dir);
	if (n < 0 || (size_t)n >= sizeof L->stage)
		return ENAMETOOLONG;
	if (suite_dir)
		snprintf(L->suite_dir, sizeof L->suite_dir, "%s", suite_dir);
	return 0;
}

void as_launcher_free(struct as_launcher *L)
{
	if (L->staged)
		as_rmtree(L->stage);
	L->staged = 0;
}

/* AS_LAUNCH_DIR's contents in L->stage: lib/LIBC/libswap.so for each libc
 * whose libswap is found, an empty out/ and share/ for the mounts.  0 or
 * errno. */
static int stage(struct as_launcher *L)
{
	char p[PATH_MAX + 64];
	int i, rc;
	if (L->staged)
		return 0;
	for (i = 0; as_libcs[i]; i++) {
		const char *lib = as_libswap_path(as_libcs[i]);
		if (!lib)
			continue;
		snprintf(p, sizeof p, "%s/lib/%s", L->stage, as_libcs[i]);
		if ((rc = as_mkdirs(p)))
			return rc;
		snprintf(p, sizeof p, "%s/lib/%s/libswap.so", L->stage, as_libcs[i]);
		if ((rc = copy_file(lib, p)))
			return rc;
	}
	/* musl's allocators and libunwind are allocswap's own builds
	 * (cross/build.sh): an engine's musl image (Alpine) has none of them,
	 * or others */
	{
		char dirs[AS_MUSL_LIBPATH_MAX], *d, *save = NULL;
		as_build_musl_libpath(dirs, sizeof dirs);
		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			DIR *dd = opendir(d);
			struct dirent *de;
			while (dd && (de = readdir(dd))) {
				char src[PATH_MAX + 300], dst[PATH_MAX + 300];
				if (strncmp(de->d_name, "lib", 3) || !strstr(de->d_name, ".so"))
					continue;
				snprintf(src, sizeof src, "%s/%s", d, de->d_name);
				snprintf(dst, sizeof dst, "%s/lib/musl/%s", L->stage, de->d_name);
				snprintf(p, sizeof p, "%s/lib/musl", L->stage);
				if ((rc = as_mkdirs(p)) || (rc = copy_file(src, dst))) {
					closedir(dd);
					return rc;
				}
				L->musl_allocs = 1;
			}
			if (dd)
				closedir(dd);
		}
	}
	snprintf(p, sizeof p, "%s/out", L->stage);
	if ((rc = as_mkdirs(p)))
		return rc;
	snprintf(p, sizeof p, "%s/share", L->stage);
	if ((rc = as_mkdirs(p)))
		return rc;
	L->staged = 1;
	return 0;
}

/* A host path as the process sees it: under L->dir or the suite's directory
 * it moves to AS_LAUNCH_DIR/out or /share inside an image.  NULL when it is
 * not one of those (the word stays as it is). */
static char *inside(const struct as_launcher *L, const char *word)
{
	const char *roots[2] = {L->dir, L->suite_dir}, *to[2] = {"out", "share"};
	char *s;
	int i;
	for (i = 0; i < 2; i++) {
		size_t n = strlen(roots[i]);
		if (n && !strncmp(word, roots[i], n) && (word[n] == '/' || !word[n])) {
			if (asprintf(&s, AS_LAUNCH_DIR "/%s%s", to[i], word + n) < 0)
				return NULL;
			return s;
		}
	}
	return NULL;
}

/* A growing NULL-terminated argv of owned strings. */
struct words {
	char **v;
	size_t n, cap;
};

static void push(struct words *w, const char *s)
{
	if (w->n + 2 > w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		w->v = realloc(w->v, w->cap * sizeof *w->v);
		if (!w->v)
			exit(1);
	}
	w->v[w->n] = strdup(s);
	if (!w->v[w->n])
		exit(1);
	w->v[++w->n] = NULL;
}

static void words_free(struct words *w)
{
	size_t i;
	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof *w);
}

/* Inside a musl image: the allocator's library (by its soname, the first
 * of the table's, which cross/build.sh's musl builds have: the image has it
 * in its library path) preloaded right after libswap, as as_env_musl does
 * on the host (musl cannot dlopen initial-exec TLS). */
static void env_musl_image(struct as_env *e, const char *allocator)
{
	const char *pre = as_env_get(e, "LD_PRELOAD");
	char buf[8192];
	size_t i, n;
	if (!allocator || strchr(allocator, '/') || !pre)
		return;
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		char so[128];
		if (strcmp(b->name, allocator) || !_as_backend_soname(b, 0, so, sizeof so))
			continue;
		n = strcspn(pre, ": ");
		snprintf(buf, sizeof buf, "%.*s:%s%s", (int)n, pre, so, pre + n);
		as_env_set(e, "LD_PRELOAD", buf);
	}
}

/* The process's environment (e) and the command that starts it (cmd),
 * for cfg's runner.  0, or an errno value with the reason in why. */
static int prepare(struct as_launcher *L, const struct as_launch_cfg *cfg, struct as_env *e,
		   struct words *cmd, char *why, size_t cap)
{
	const struct as_launch_image *img = cfg->image;
	int runner = img ? img->runner : AS_RUNNER_HOST;
	const char *libc = cfg->libc ? cfg->libc : img && img->libc[0] ? img->libc : "glibc";
	const char *lib = as_libswap_path(libc);
	char libswap[PATH_MAX], report[PATH_MAX + 32], vol[2 * PATH_MAX], prog[PATH_MAX];
	const char *tp;
	char *in;
	size_t i;
	int rc;

	if (cfg->allocator && !lib) {
		snprintf(why, cap, "no %s build of libswap.so was found next to this allocswap "
				   "('allocswap list' shows what there is)",
			 libc);
		return ENOENT;
	}
	/* the environment */
	if (runner == AS_RUNNER_HOST) {
		as_env_init(e, cfg->env);
		snprintf(libswap, sizeof libswap, "%s", lib ? lib : "");
		snprintf(report, sizeof report, "%s/r-%%p.json", L->dir);
	} else {
		if ((rc = stage(L))) {
			snprintf(why, cap, "cannot prepare %.600s: %s", L->stage, strerror(rc));
			return rc;
		}
		if (cfg->allocator && img->libc[0] && strcmp(img->libc, libc)) {
			snprintf(why, cap, "%s is a %s image: a %s libswap.so cannot load in it",
				 img->name, img->libc, libc);
			return EXDEV;
		}
		if (cfg->allocator && !as_launch_libswap_fits(lib, img, why, cap))
			return ENOEXEC;
		as_env_init(e, (char *const[]){NULL});
		if (runner == AS_RUNNER_ROOTFS) { /* what a container's init would give it */
			as_env_set(e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
					      "/sbin:/bin");
			as_env_set(e, "HOME", "/root");
			as_env_set(e, "LANG", "C.UTF-8");
		}
		snprintf(libswap, sizeof libswap, AS_LAUNCH_DIR "/lib/%s/libswap.so", libc);
		snprintf(report, sizeof report, AS_LAUNCH_DIR "/out/r-%%p.json");
	}
	if (cfg->allocator) {
		as_env_preload(e, libswap, cfg->allocator, cfg->stats, report);
		if (!strcmp(libc, "musl") && runner == AS_RUNNER_HOST)
			as_env_musl(e, cfg->allocator);
		else if (!strcmp(libc, "musl")) {
			if (L->musl_allocs)
				as_env_set(e, "LD_LIBRARY_PATH", AS_LAUNCH_DIR "/lib/musl");
			env_musl_image(e, cfg->allocator);
		}
	}
	if (cfg->direct && !cfg->allocator) {
		if (runner != AS_RUNNER_HOST) {
			snprintf(why, cap, "an allocator preloaded by itself runs on the host only");
			return EINVAL;
		}
		as_env_set(e, "LD_PRELOAD", cfg->direct);
	}
	if (cfg->counters) {
		in = runner == AS_RUNNER_HOST ? NULL : inside(L, cfg->counters);
		as_env_set(e, "ALLOCSWAP_COUNTERS", in ? in : cfg->counters);
		free(in);
	}
	if (cfg->pymalloc && !strcmp(cfg->pymalloc, "off"))
		as_env_set(e, "PYTHONMALLOC", "malloc");
	else if (cfg->pymalloc)
		as_env_unset(e, "PYTHONMALLOC");
	for (i = 0; cfg->set && cfg->set[i]; i++) {
		char name[256];
		const char *eq = strchr(cfg->set[i], '=');
		if (!eq || (size_t)(eq - cfg->set[i]) >= sizeof name)
			continue;
		memcpy(name, cfg->set[i], (size_t)(eq - cfg->set[i]));
		name[eq - cfg->set[i]] = 0;
		as_env_set(e, name, eq + 1);
	}

	/* the command */
	if (runner == AS_RUNNER_HOST) {
		for (i = 0; cfg->argv[i]; i++)
			push(cmd, cfg->argv[i]);
		return 0;
	}
	if (runner == AS_RUNNER_ROOTFS) {
		snprintf(vol, sizeof vol, "%s" AS_LAUNCH_DIR, img->ref);
		if (access(vol, F_OK) && (rc = as_mkdirs(vol))) {
			snprintf(why, cap, "%.600s has no " AS_LAUNCH_DIR " to mount libswap on, and it "
					   "cannot be made: %s",
				 img->ref, strerror(rc));
			return rc;
		}
		if (as_find_program("bwrap", prog, sizeof prog)) {
			if (geteuid()) {
				snprintf(why, cap, "running an image needs bwrap (Debian: "
						   "bubblewrap), or root for chroot");
				return EPERM;
			}
			/* chroot: the child does it (spawn); the command is CMD */
		} else {
			const char *pre[] = {"bwrap", "--ro-bind", img->ref, "/", "--dev", "/dev",
					     "--proc", "/proc", "--tmpfs", "/tmp", "--ro-bind",
					     L->stage, AS_LAUNCH_DIR, "--bind", L->dir,
					     AS_LAUNCH_DIR "/out", NULL};
			for (i = 0; pre[i]; i++)
				push(cmd, pre[i]);
			if ((tp = as_tracefs_for_image(img->ref))) { /* full mode's syscalls */
				push(cmd, "--tmpfs");
				push(cmd, "/sys");
				push(cmd, "--ro-bind");
				push(cmd, tp);
				push(cmd, tp);
			}
			if (L->suite_dir[0]) {
				push(cmd, "--ro-bind");
				push(cmd, L->suite_dir);
				push(cmd, AS_LAUNCH_DIR "/share");
			}
			push(cmd, "--chdir");
			push(cmd, "/");
			push(cmd, "--clearenv");
			for (i = 0; i < e->n; i++) {
				char *eq = strchr(e->v[i], '=');
				*eq = 0;
				push(cmd, "--setenv");
				push(cmd, e->v[i]);
				push(cmd, eq + 1);
				*eq = '=';
			}
			if (cfg->seccomp && !strcmp(cfg->seccomp, "default")) {
				push(cmd, "--seccomp");
				push(cmd, "3"); /* spawn puts the filter's BPF there */
			}
			push(cmd, "--");
		}
	} else {
		push(cmd, as_runners[runner].name);
		push(cmd, "run");
		push(cmd, "--rm");
		if (cfg->in && strcmp(cfg->in, "/dev/null"))
			push(cmd, "-i");
		if (cfg->seccomp && !strcmp(cfg->seccomp, "unconfined")) {
			push(cmd, "--security-opt");
			push(cmd, "seccomp=unconfined");
		}
		snprintf(vol, sizeof vol, "%s:" AS_LAUNCH_DIR ":ro", L->stage);
		push(cmd, "-v");
		push(cmd, vol);
		snprintf(vol, sizeof vol, "%s:" AS_LAUNCH_DIR "/out", L->dir);
		push(cmd, "-v");
		push(cmd, vol);
		if (L->suite_dir[0]) {
			snprintf(vol, sizeof vol, "%s:" AS_LAUNCH_DIR "/share:ro", L->suite_dir);
			push(cmd, "-v");
			push(cmd, vol);
		}
		for (i = 0; i < e->n; i++) {
			push(cmd, "-e");
			push(cmd, e->v[i]);
		}
		/* CMD replaces the image's entrypoint: the measured process is CMD */
		push(cmd, "--entrypoint");
		in = inside(L, cfg->argv[0]);
		push(cmd, in ? in : cfg->argv[0]);
		free(in);
		push(cmd, img->ref);
	}
	for (i = runner == AS_RUNNER_ROOTFS ? 0 : 1; cfg->argv[i]; i++) {
		in = inside(L, cfg->argv[i]);
		push(cmd, in ? in : cfg->argv[i]);
		free(in);
	}
	return 0;
}

/* ---- starting and waiting -------------------------------------------------------------- */

static void child_fd(int fd, const char *path, int flags)
{
	int f;
	if (!path)
		return;
	f = open(path, flags, 0644);
	if (f < 0) {
		dprintf(2, ALLOCSWAP_CLI_NAME ": cannot open %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
}

/* In the child of the chroot runner: a private mount namespace with the
 * image read-only, /proc, /dev, a fresh /tmp and AS_LAUNCH_DIR's mounts,
 * then chroot.  Returns only on failure (errno set, what names the step). */
static int child_chroot(const struct as_launcher *L, const char *root, const char **what)
{
	char p[PATH_MAX + 64];
#define STEP(w, call)                                                                       \
	do {                                                                                \
		*what = (w);                                                                \
		if (call)                                                                   \
			return -1;                                                          \
	} while (0)
	STEP("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
	STEP("making / private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	STEP("binding the image", mount(root, root, NULL, MS_BIND | MS_REC, NULL));
	STEP("making the image read-only",
	     mount(NULL, root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	snprintf(p, sizeof p, "%s/proc", root);
	STEP("mounting /proc", mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	snprintf(p, sizeof p, "%s/dev", root);
	STEP("binding /dev", mount("/dev", p, NULL, MS_BIND | MS_REC, NULL));
	snprintf(p, sizeof p, "%s/tmp", root);
	STEP("mounting /tmp", mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
	snprintf(p, sizeof p, "%s" AS_LAUNCH_DIR, root);
	STEP("binding libswap", mount(L->stage, p, NULL, MS_BIND, NULL));
	STEP("making libswap read-only", mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	snprintf(p, sizeof p, "%s" AS_LAUNCH_DIR "/out", root);
	STEP("binding the report directory", mount(L->dir, p, NULL, MS_BIND, NULL));
	if (L->suite_dir[0]) {
		snprintf(p, sizeof p, "%s" AS_LAUNCH_DIR "/share", root);
		STEP("binding the suite", mount(L->suite_dir, p, NULL, MS_BIND, NULL));
	}
	STEP("chroot", chroot(root));
	STEP("chdir /", chdir("/"));
	return 0;
#undef STEP
}

/* fork, set the child up, exec; wait.  0 or errno (fork failed). */
static int spawn(const struct as_launcher *L, const struct as_launch_cfg *cfg, char **argv,
		 char **envp, int chroot_root, int filter_here, int bpf_fd,
		 struct as_launch_result *r)
{
	struct rusage ru;
	int64_t t0, t1, forwarded = 0, steal0, steal1;
	int status = 0, rc;
	pid_t pid;

	machine_now(&steal0, &r->running_start);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
		const char *what = NULL;
		sigset_t none;
		size_t i;
		if (cfg->own_group)
			setpgid(0, 0);
		for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		child_fd(0, cfg->in, O_RDONLY);
		child_fd(1, cfg->out, O_WRONLY | O_CREAT | O_TRUNC);
		child_fd(2, cfg->err, O_WRONLY | O_CREAT | O_TRUNC);
		if (bpf_fd >= 0 && bpf_fd != 3) {
			dup2(bpf_fd, 3); /* the copy is not close-on-exec */
			close(bpf_fd);
		} else if (bpf_fd == 3) {
			fcntl(3, F_SETFD, 0);
		}
		if (chroot_root && child_chroot(L, cfg->image->ref, &what)) {
			dprintf(2, ALLOCSWAP_CLI_NAME ": cannot run in %s: %s: %s\n",
				cfg->image->ref, what, strerror(errno));
			_exit(127);
		}
		/* the filter last: nothing of the set-up above is filtered; never
		 * on bwrap (it loads it itself) or an engine's client (the engine
		 * applies its own profile to the container) */
		if (filter_here && cfg->seccomp && strcmp(cfg->seccomp, "none") &&
		    (rc = as_seccomp_install(cfg->seccomp))) {
			dprintf(2, ALLOCSWAP_CLI_NAME ": cannot install the seccomp filter '%s': %s\n",
				cfg->seccomp, strerror(rc));
			_exit(127);
		}
		environ = envp;
		execvp(argv[0], argv);
		rc = errno;
		dprintf(2, ALLOCSWAP_CLI_NAME ": cannot run '%s': %s\n", argv[0], strerror(rc));
		_exit(rc == ENOENT ? 127 : 126);
	}
	r->pid = pid;
	if (cfg->own_group) {
		setpgid(pid, pid); /* no race with the first kill(-pid) below */
		S.child = pid;
	}
	/* until it has exited, left unreaped (WNOWAIT): its schedstat is
	 * still there to read */
	for (;;) {
		siginfo_t si;
		int got, flags = WEXITED | WNOWAIT | (forwarded || cfg->watch ? WNOHANG : 0);
		if (cfg->own_group && S.stop && !forwarded) {
			kill(-pid, S.count > 1 ? SIGKILL : SIGINT);
			forwarded = now_ns();
		}
		memset(&si, 0, sizeof si);
		got = waitid(P_PID, (id_t)pid, &si, flags);
		if (got == 0 && si.si_pid == pid)
			break;
		if (got < 0 && errno != EINTR) {
			rc = errno;
			S.child = 0;
			return rc;
		}
		if (got == 0 && forwarded) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			if (now_ns() - forwarded > 2000000000LL)
				kill(-pid, SIGKILL);
			nanosleep(&ts, NULL);
		} else if (got == 0 && cfg->watch) {
			cfg->watch(pid, cfg->watch_arg);
		}
	}
	t1 = now_ns();
	r->runq_wait_ns = runq_wait(pid);
	while (wait4(pid, &status, 0, &ru) != pid) {
		if (errno != EINTR) {
			rc = errno;
			S.child = 0;
			return rc;
		}
	}
	machine_now(&steal1, &r->running_end);
	r->steal_ns = steal0 >= 0 && steal1 >= steal0 ? steal1 - steal0 : -1;
	r->wall_ns = t1 - t0;
	S.child = 0;
	r->interrupted = cfg->own_group && S.stop != 0;
	r->status = status;
	r->user_ns = tv_ns(ru.ru_utime);
	r->sys_ns = tv_ns(ru.ru_stime);
	r->maxrss = (int64_t)ru.ru_maxrss * 1024;
	r->minflt = ru.ru_minflt;
	r->majflt = ru.ru_majflt;
	r->nvcsw = ru.ru_nvcsw;
	r->nivcsw = ru.ru_nivcsw;
	return 0;
}

/* ---- reports ---------------------------------------------------------------------------- */

/* Reads and removes L->dir/r-*.json; picks the process's own (launch.h). */
static void reports_read(const struct as_launcher *L, struct as_launch_result *r)
{
	DIR *d = opendir(L->dir);
	struct dirent *de;
	size_t i, k, n, roots = 0, first = 0, pick = (size_t)-1;
	const size_t NONE = (size_t)-1;
	char best_path[PATH_MAX] = "";
	json_t *j;
	r->reports = json_array();
	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 300];
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "r-", 2) || len < 7 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", L->dir, de->d_name);
		j = json_load_file(path, 0, NULL);
		unlink(path);
		if (!j)
			continue;
		json_object_set_new(j, "_file", json_string(path));
		json_array_append_new(r->reports, j);
	}
	if (d)
		closedir(d);
	n = json_array_size(r->reports);
	for (i = 0; i < n; i++) {
		const json_t *ri = json_array_get(r->reports, i);
		double ppid = as_jnum(ri, "process.ppid"), pid = as_jnum(ri, "process.pid");
		int root = 1;
		for (k = 0; k < n && root; k++)
			if (k != i && as_jnum(json_array_get(r->reports, k), "process.pid") == ppid)
				root = 0;
		if (!root)
			continue;
		if (!roots++)
			first = i;
		if (pid == (double)r->pid || ppid == (double)r->pid || pid == 1) {
			pick = i;
			break;
		}
	}
	if (pick == NONE && roots == 1)
		pick = first;
	if (pick != NONE) {
		r->report = json_incref(json_array_get(r->reports, pick));
		snprintf(best_path, sizeof best_path, "%s",
			 json_string_value(json_object_get(r->report, "_file")));
	}
	for (i = 0; i < n; i++)
		json_object_del(json_array_get(r->reports, i), "_file");
	snprintf(r->report_path, sizeof r->report_path, "%s", best_path);
	r->others = n - (r->report ? 1 : 0);
}

void as_launch_result_free(struct as_launch_result *r)
{
	json_decref(r->report);
	json_decref(r->reports);
	r->report = r->reports = NULL;
}

static json_t *known(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

void as_launch_contention_json(json_t *proc, const struct as_launch_result *r)
{
	json_object_set_new(proc, "nvcsw", json_integer((json_int_t)r->nvcsw));
	json_object_set_new(proc, "nivcsw", json_integer((json_int_t)r->nivcsw));
	json_object_set_new(proc, "runq_wait_ns", known(r->runq_wait_ns));
	json_object_set_new(proc, "steal_ns", known(r->steal_ns));
	json_object_set_new(proc, "running_start", known(r->running_start));
	json_object_set_new(proc, "running_end", known(r->running_end));
}

int as_launch(struct as_launcher *L, const struct as_launch_cfg *cfg, struct as_launch_result *r)
{
	struct as_env e = {0};
	struct words cmd = {0};
	char why[1024] = "", bpf_path[PATH_MAX + 16];
	int runner = cfg->image ? cfg->image->runner : AS_RUNNER_HOST, rc, bpf_fd = -1;
	int use_chroot = 0;
	char prog[PATH_MAX];

	memset(r, 0, sizeof *r);
	r->runq_wait_ns = r->steal_ns = -1;
	r->running_start = r->running_end = -1;
	r->proc_source = as_runners[runner].engine ? "engine client" : "process";
	if (cfg->seccomp && strcmp(cfg->seccomp, "none") && !as_seccomp_known(cfg->seccomp)) {
		errno = EINVAL;
		return EINVAL;
	}
	rc = prepare(L, cfg, &e, &cmd, why, sizeof why);
	if (rc) {
		/* as a process that could not start: the reason is its stderr */
		if (cfg->err) {
			FILE *f = fopen(cfg->err, "w");
			if (f) {
				fprintf(f, ALLOCSWAP_CLI_NAME ": %s\n", why);
				fclose(f);
			}
		} else {
			as_err("%s", why);
		}
		r->status = 127 << 8;
		r->reports = json_array();
		as_env_free(&e);
		words_free(&cmd);
		return 0;
	}
	if (runner == AS_RUNNER_ROOTFS && as_find_program("bwrap", prog, sizeof prog))
		use_chroot = 1;
	if (runner == AS_RUNNER_ROOTFS && !use_chroot && cfg->seccomp &&
	    !strcmp(cfg->seccomp, "default")) {
		/* bwrap loads the filter (as BPF) after its own set-up */
		snprintf(bpf_path, sizeof bpf_path, "%s/.seccomp.bpf", L->dir);
		bpf_fd = open(bpf_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (bpf_fd < 0 || (rc = as_seccomp_export(cfg->seccomp, bpf_fd)) ||
		    lseek(bpf_fd, 0, SEEK_SET)) {
			rc = bpf_fd < 0 ? errno : rc ? rc : errno;
			if (bpf_fd >= 0)
				close(bpf_fd);
			as_env_free(&e);
			words_free(&cmd);
			return rc;
		}
		unlink(bpf_path);
	}
	/* bwrap and an engine's client run with this process's environment
	 * (DOCKER_HOST...); the process gets e through their arguments */
	rc = spawn(L, cfg, cmd.v, runner == AS_RUNNER_HOST || use_chroot ? e.v : environ,
		   use_chroot, runner == AS_RUNNER_HOST || use_chroot, bpf_fd, r);
	if (bpf_fd >= 0)
		close(bpf_fd);
	as_env_free(&e);
	words_free(&cmd);
	if (rc)
		return rc;
	if (runner == AS_RUNNER_ROOTFS && !use_chroot)
		r->runq_wait_ns = -1; /* bwrap's monitor's: not the process's (launch.h) */
	reports_read(L, r);
	if (as_runners[runner].engine) {
		/* wait4 saw the engine's client: the container's own peak RSS is
		 * its report's (VmHWM), when it wrote one; else none is known */
		double hwm = as_jnum(r->report, "memory.rss_peak");
		r->maxrss = hwm > 0 ? (int64_t)hwm : 0;
	}
	return 0;
}

int as_launch_check(const struct as_launch_cfg *cfg, const json_t *report, char *why, size_t cap)
{
	const json_t *al = json_object_get(report, "allocator");
	const char *ran = json_string_value(json_object_get(al, "name"));
	const char *want, *libc, *mode;
	if (!cfg->allocator)
		return 0;
	want = strchr(cfg->allocator, '/') ? "path" : cfg->allocator;
	if (!ran) {
		snprintf(why, cap, "the libswap report names no allocator");
		return 1;
	}
	if (json_is_true(json_object_get(al, "fallback"))) {
		const char *f = json_string_value(json_object_get(al, "fallback_reason"));
		snprintf(why, cap, "%s was asked for, %s ran (fallback: %s)", cfg->allocator, ran,
			 f ? f : "?");
		return 1;
	}
	if (strcmp(ran, want)) {
		snprintf(why, cap, "%s was asked for, %s ran", cfg->allocator, ran);
		return 1;
	}
	if (json_is_false(json_object_get(al, "mapped"))) {
		snprintf(why, cap, "%s's library is not mapped in the process (/proc/self/maps)",
			 cfg->allocator);
		return 1;
	}
	libc = as_jstr(report, "libc.name");
	if (cfg->libc && libc && strcmp(libc, cfg->libc)) {
		snprintf(why, cap, "a %s process was asked for, a %s process ran", cfg->libc, libc);
		return 1;
	}
	/* the stats mode is part of the experiment too */
	mode = json_string_value(json_object_get(report, "stats_mode"));
	if (cfg->stats && mode && strcmp(mode, cfg->stats)) {
		snprintf(why, cap, "ALLOCSWAP_STATS=%s was asked for, libswap ran in %s mode",
			 cfg->stats, mode);
		return 1;
	}
	return 0;
}
