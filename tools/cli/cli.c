/* cli: shared helpers of the allocswap subcommands. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <math.h>

extern char **environ;

/* ---- errors -------------------------------------------------------------- */

void as_err(const char *fmt, ...)
{
	va_list ap;
	fputs(ALLOCSWAP_CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int as_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, ALLOCSWAP_CLI_NAME " %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '" ALLOCSWAP_CLI_NAME " %s --help')\n", cmd);
	return 2;
}

int as_choice(const char *cmd, const char *what, const char *val, const char *const *choices)
{
	size_t i;
	for (i = 0; choices[i]; i++)
		if (!strcmp(val, choices[i]))
			return (int)i;
	fprintf(stderr, ALLOCSWAP_CLI_NAME " %s: %s '%s' is not one of:", cmd, what, val);
	for (i = 0; choices[i]; i++)
		fprintf(stderr, "%s %s", i ? "," : "", choices[i]);
	fputc('\n', stderr);
	return -1;
}

int as_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int as_help(const char *cmd)
{
	size_t i;
	for (i = 0; i < as_ncmds; i++)
		if (!strcmp(as_cmds[i].name, cmd)) {
			return as_usage_print(as_cmds[i].usage);
		}
	return 2;
}

int as_parse_uint(const char *cmd, const char *opt, const char *val, unsigned long *out)
{
	char *end;
	unsigned long v;
	errno = 0;
	if (!val || !*val || *val == '-')
		goto bad;
	v = strtoul(val, &end, 10);
	if (errno || *end)
		goto bad;
	*out = v;
	return 0;
bad:
	return as_usage_err(cmd, "%s needs a non-negative integer, not '%s'", opt, val ? val : "");
}

char **as_split_list(const char *s)
{
	size_t n = 1, len = strlen(s), i, k = 0;
	char **v, *copy;
	for (i = 0; i < len; i++)
		n += s[i] == ',';
	v = malloc((n + 1) * sizeof *v + len + 1);
	if (!v)
		return NULL;
	copy = (char *)(v + n + 1);
	memcpy(copy, s, len + 1);
	v[k++] = copy;
	for (i = 0; i < len; i++)
		if (copy[i] == ',') {
			copy[i] = 0;
			v[k++] = copy + i + 1;
		}
	v[k] = NULL;
	return v;
}

int as_flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		as_err("writing to standard output failed: %s", strerror(errno ? errno : EIO));
		return 1;
	}
	return 0;
}

/* ---- options -------------------------------------------------------------- */

/* -h/--help: every command's, after its own options. */
static const struct as_opt help_opt = {'h', "--help", "", "this text", 0, NULL};

const struct as_opt *as_opt_find(const struct as_usage *u, const char *arg, const char **val)
{
	size_t k, len;
	*val = NULL;
	for (k = 0; k <= u->nopts; k++) {
		const struct as_opt *o = k < u->nopts ? &u->opts[k] : &help_opt;
		if (arg[1] == '-') {
			len = strlen(o->lng);
			if (!strncmp(arg, o->lng, len) && (arg[len] == 0 || arg[len] == '=')) {
				*val = arg[len] == '=' ? arg + len + 1 : NULL;
				return o;
			}
		} else if (o->shrt && arg[1] == o->shrt) {
			*val = arg[2] ? arg + 2 : NULL;
			return o;
		}
	}
	return NULL;
}

/* "unknown option 'ARG'; options: -a/--allocators, --libc, ..., -h/--help"; 2. */
static int opt_unknown(const char *cmd, const struct as_usage *u, const char *arg)
{
	char list[2048];
	size_t n = 0, k;
	list[0] = 0;
	for (k = 0; k <= u->nopts && n < sizeof list; k++) {
		const struct as_opt *o = k < u->nopts ? &u->opts[k] : &help_opt;
		if (o->shrt)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s-%c/%s", k ? ", " : "",
					      o->shrt, o->lng);
		else
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "",
					      o->lng);
	}
	return as_usage_err(cmd, "unknown option '%s'; options: %s", arg, list);
}

/* Moves the m arguments at argv[i] to argv[w], the operands argv[w..i)
 * after them: the options stay in front, the operands in their order. */
static void opt_hoist(char **argv, int w, int i, int m)
{
	char *keep[2];
	memcpy(keep, argv + i, (size_t)m * sizeof *argv);
	memmove(argv + w + m, argv + w, (size_t)(i - w) * sizeof *argv);
	memcpy(argv + w, keep, (size_t)m * sizeof *argv);
}

int as_opts_parse(const char *cmd, const struct as_usage *u, int argc, char **argv,
		  struct as_optval *v, int *first_operand)
{
	int i = 1, w = 1; /* argv[w..i): the operands met so far */
	size_t k;
	for (k = 0; k < u->nopts; k++) {
		v[k].val = NULL;
		v[k].n = 0;
	}
	while (i < argc) {
		const char *arg = argv[i], *val;
		const struct as_opt *o;
		struct as_optval *ov;
		int m = 1;
		if (!strcmp(arg, "--")) {
			opt_hoist(argv, w, i, 1);
			*first_operand = w + 1;
			return 0;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (u->flags & AS_OPTS_IN_ORDER)
				break;
			i++;
			continue;
		}
		o = as_opt_find(u, arg, &val);
		if (!o)
			return opt_unknown(cmd, u, arg);
		if (!o->arg[0] && val) {
			if (arg[1] == '-')
				return as_usage_err(cmd, "%s takes no value", o->lng);
			return as_usage_err(cmd, "-%c takes no value ('%s')", o->shrt, arg);
		}
		if (o == &help_opt)
			return 1;
		if (!o->arg[0]) {
			val = "";
		} else if (!val) {
			if (i + 1 >= argc)
				return as_usage_err(cmd, "%s needs a value:%s", arg, o->arg);
			val = argv[i + 1];
			m = 2;
		}
		ov = &v[o - u->opts];
		if (o->flags & AS_OPT_MANY) {
			if (ov->n >= ov->cap)
				return as_usage_err(cmd, "at most %u %s", ov->cap, o->lng);
			ov->all[ov->n] = val;
		}
		ov->val = val;
		ov->n++;
		opt_hoist(argv, w, i, m);
		w += m;
		i += m;
	}
	*first_operand = w;
	return 0;
}

int as_opts_cmdline(const char *cmd, const struct as_usage *u, int argc, char **argv,
		    struct as_optval *v, char ***cmdline)
{
	int first, rc = as_opts_parse(cmd, u, argc, argv, v, &first);
	if (rc)
		return rc;
	if (first >= argc)
		return as_usage_err(cmd, "no command given: " ALLOCSWAP_CLI_NAME " %s [OPTIONS] -- "
					 "CMD [ARGS...]", cmd);
	*cmdline = argv + first;
	return 0;
}

/* A help text being written: the column it is at, and where help starts. */
struct opt_wrap {
	FILE *f;
	size_t at, col;
};

/* Writes the words of text, wrapped at AS_HELP_WIDTH in w->col; '\n' starts
 * a new line.  Two spaces between words (after a sentence) are kept but at
 * the start of a line; text that starts with no space continues the word
 * written last. */
static void opt_words(struct opt_wrap *w, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t gap = strspn(p, " "), len;
		p += gap;
		if (*p == '\n') {
			fputc('\n', w->f);
			w->at = 0;
			p++;
			continue;
		}
		len = strcspn(p, " \n");
		if (!len)
			break;
		gap = gap > 2 ? 2 : gap; /* none: glued to the word before */
		if (w->at > w->col && w->at + gap + len > AS_HELP_WIDTH) {
			fputc('\n', w->f);
			w->at = 0;
		}
		if (w->at < w->col)
			w->at += (size_t)fprintf(w->f, "%*s", (int)(w->col - w->at), "");
		else if (w->at > w->col)
			w->at += fwrite("  ", 1, gap, w->f);
		w->at += fwrite(p, 1, len, w->f);
		p += len;
	}
}

void as_opts_help(FILE *f, const struct as_opt *opts, size_t n)
{
	struct opt_wrap w = {f, 0, 0};
	size_t k;
	for (k = 0; k <= n; k++) {
		const struct as_opt *o = k < n ? &opts[k] : &help_opt;
		size_t len = 4 + strlen(o->lng) + strlen(o->arg);
		if (len <= AS_HELP_SPEC && len > w.col)
			w.col = len;
	}
	w.col += 4; /* two spaces before, two after */
	for (k = 0; k <= n; k++) {
		const struct as_opt *o = k < n ? &opts[k] : &help_opt;
		if (o->section)
			fprintf(f, "%s\n", o->section);
		if (o->shrt)
			w.at = (size_t)fprintf(f, "  -%c, %s%s", o->shrt, o->lng, o->arg);
		else
			w.at = (size_t)fprintf(f, "      %s%s", o->lng, o->arg);
		if (w.at + 2 > w.col) {
			fputc('\n', f);
			w.at = 0;
		}
		opt_words(&w, o->help);
		if (o->flags & AS_OPT_MANY) /* a sentence, or a clause of the last one */
			opt_words(&w, *o->help && o->help[strlen(o->help) - 1] == '.'
					      ? "  May be repeated."
					      : "; may be repeated");
		fputc('\n', f);
	}
}

int as_usage_print(const struct as_usage *u)
{
	fputs(u->intro, stdout);
	as_opts_help(stdout, u->opts, u->nopts);
	fputs(u->outro, stdout);
	return as_flush_stdout();
}

/* ---- where things are ------------------------------------------------------ */

static char self_dir[PATH_MAX];

const char *as_self_dir(void)
{
	if (!self_dir[0]) {
		ssize_t n = readlink("/proc/self/exe", self_dir, sizeof self_dir - 1);
		char *slash;
		if (n <= 0)
			return ".";
		self_dir[n] = 0;
		slash = strrchr(self_dir, '/');
		if (slash)
			*slash = 0;
	}
	return self_dir;
}

static const char *first_existing(const char *const *cands, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; cands[i]; i++) {
		if (cands[i][0] == '/')
			snprintf(buf, cap, "%s", cands[i]);
		else
			snprintf(buf, cap, "%s/%s", as_self_dir(), cands[i]);
		if (access(buf, R_OK) == 0) {
			char *real = realpath(buf, NULL);
			if (real) {
				snprintf(buf, cap, "%s", real);
				free(real);
			}
			return buf;
		}
	}
	return NULL;
}

const char *as_libswap_path(const char *libc)
{
	static char glibc_path[PATH_MAX], musl_path[PATH_MAX];
	static const char *const glibc_c[] = {"../preload/libswap.so", "../lib/allocswap/libswap.so",
					      NULL};
	/* the musl build lives in build-musl/ beside the glibc build dir */
	static const char *const musl_c[] = {"../../build-musl/preload/libswap.so",
					     "../lib/allocswap/musl/libswap.so", NULL};
	if (!strcmp(libc, "musl"))
		return first_existing(musl_c, musl_path, sizeof musl_path);
	{
		const char *o = getenv("ALLOCSWAP_CLI_LIBSWAP");
		if (o && *o)
			return o;
	}
	return first_existing(glibc_c, glibc_path, sizeof glibc_path);
}

const char *as_suite_path(void)
{
	static char path[PATH_MAX];
	/* the build's source tree last: a build directory outside it
	 * (meson setup /some/dir), not installed */
	static const char *const c[] = {"../../tools/suite/allocswap_suite.py",
					"../share/allocswap/allocswap_suite.py",
#ifdef ALLOCSWAP_CLI_SOURCE_ROOT
					ALLOCSWAP_CLI_SOURCE_ROOT "/tools/suite/allocswap_suite.py",
#endif
					NULL};
	return first_existing(c, path, sizeof path);
}

const char *as_python_path(void)
{
	const char *p = getenv("ALLOCSWAP_CLI_PYTHON");
	return p && *p ? p : "/usr/bin/python3";
}

/* ---- environments ---------------------------------------------------------- */

static void env_push(struct as_env *e, char *s)
{
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = realloc(e->v, e->cap * sizeof *e->v);
		if (!e->v) {
			as_err("out of memory");
			exit(1);
		}
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

void as_env_init(struct as_env *e, char *const *src)
{
	size_t i;
	e->n = 0;
	e->cap = 64;
	e->v = calloc(e->cap, sizeof *e->v);
	if (!e->v) {
		as_err("out of memory");
		exit(1);
	}
	if (!src)
		src = environ;
	for (i = 0; src && src[i]; i++)
		env_push(e, strdup(src[i]));
}

static ssize_t env_find(const struct as_env *e, const char *name)
{
	size_t i, len = strlen(name);
	for (i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=')
			return (ssize_t)i;
	return -1;
}

const char *as_env_get(const struct as_env *e, const char *name)
{
	ssize_t i = env_find(e, name);
	return i < 0 ? NULL : e->v[i] + strlen(name) + 1;
}

void as_env_unset(struct as_env *e, const char *name)
{
	ssize_t i = env_find(e, name);
	if (i < 0)
		return;
	free(e->v[i]);
	memmove(e->v + i, e->v + i + 1, (e->n - (size_t)i) * sizeof *e->v);
	e->n--;
}

void as_env_set(struct as_env *e, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *s = malloc(len);
	if (!s) {
		as_err("out of memory");
		exit(1);
	}
	snprintf(s, len, "%s=%s", name, value);
	as_env_unset(e, name);
	env_push(e, s);
}

void as_env_free(struct as_env *e)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

void as_env_preload(struct as_env *e, const char *libswap, const char *allocator,
		    const char *stats, const char *report)
{
	const char *old;
	char *buf;
	size_t i;
	for (i = 0; i < e->n;) {
		if (!strncmp(e->v[i], "ALLOCSWAP_", 10)) {
			free(e->v[i]);
			memmove(e->v + i, e->v + i + 1, (e->n - i) * sizeof *e->v);
			e->n--;
		} else {
			i++;
		}
	}
	old = as_env_get(e, "LD_PRELOAD");
	if (asprintf(&buf, "%s%s%s", libswap, old && *old ? ":" : "", old ? old : "") < 0)
		exit(1);
	as_env_set(e, "LD_PRELOAD", buf);
	free(buf);
	if (allocator)
		as_env_set(e, "ALLOCSWAP_ALLOCATOR", allocator);
	if (stats)
		as_env_set(e, "ALLOCSWAP_STATS", stats);
	if (report)
		as_env_set(e, "ALLOCSWAP_REPORT", report);
	/* Room in the static TLS block for initial-exec TLS backends (Debian's
	 * jemalloc needs 2632 bytes; glibc's default surplus is 512), so that
	 * libswap does not have to re-execute: one process start, not two. */
	old = as_env_get(e, "GLIBC_TUNABLES");
	if (!old || !strstr(old, "glibc.rtld.optional_static_tls=")) {
		if (asprintf(&buf, "%s%sglibc.rtld.optional_static_tls=4096", old ? old : "",
			     old && *old ? ":" : "") < 0)
			exit(1);
		as_env_set(e, "GLIBC_TUNABLES", buf);
		free(buf);
	}
}

/* ---- processes --------------------------------------------------------------- */

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

int as_spawn(char *const argv[], char *const envp[], int out_fd, int null_stdin,
	     struct as_proc *r)
{
	pid_t got;
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int status;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (null_stdin) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd >= 0 && fd != 0) {
				dup2(fd, 0);
				close(fd);
			}
		}
		if (out_fd >= 0 && out_fd != 1) {
			dup2(out_fd, 1);
			close(out_fd);
		}
		if (envp)
			environ = (char **)envp;
		execvp(argv[0], argv);
		fprintf(stderr, ALLOCSWAP_CLI_NAME ": cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while ((got = wait4(pid, &status, 0, &ru)) <= 0)
		if (got < 0 && errno != EINTR)
			return errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->status = status;
	r->wall_ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	r->user_ns = tv_ns(ru.ru_utime);
	r->sys_ns = tv_ns(ru.ru_stime);
	r->maxrss = (int64_t)ru.ru_maxrss * 1024;
	r->minflt = ru.ru_minflt;
	r->majflt = ru.ru_majflt;
	return 0;
}

const char *as_status_str(int status, char *buf, size_t cap)
{
	if (WIFEXITED(status))
		snprintf(buf, cap, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, cap, "status 0x%x", (unsigned)status);
	return buf;
}

/* ---- JSON ---------------------------------------------------------------------- */

json_t *as_jpath(const json_t *j, const char *path)
{
	char key[64];
	while (j && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		j = json_object_get(j, key);
		path += n + (path[n] == '.');
	}
	return (json_t *)j;
}

const char *as_jstr(const json_t *j, const char *path)
{
	return json_string_value(as_jpath(j, path));
}

double as_jnum(const json_t *j, const char *path)
{
	const json_t *v = as_jpath(j, path);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ---- files ----------------------------------------------------------------------- */

char *as_read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		size_t r;
		if (n + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		fclose(f);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

int as_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);
	if (n >= sizeof tmp)
		return ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return errno;
			tmp[i] = c;
		}
	}
	return 0;
}

char *as_tmpdir(const char *prefix)
{
	const char *t = getenv("TMPDIR");
	char *p;
	if (asprintf(&p, "%s/%s.XXXXXX", t && *t ? t : "/tmp", prefix) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

void as_rmtree(const char *path)
{
	char *argv[] = {"rm", "-rf", "--", (char *)path, NULL};
	struct as_proc r;
	if (path && *path && strcmp(path, "/"))
		as_spawn(argv, NULL, -1, 1, &r);
}

/* ---- shared names and formats -------------------------------------------------- */

const char *const as_libcs[] = {"glibc", "musl", NULL};

int as_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;
	while (n && (p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
		p += n;
	}
	return 0;
}

const char *as_version_short(const char *v, char *buf, size_t cap)
{
	const char *tag = strstr(v, "-0-g");
	size_t n = tag ? (size_t)(tag - v) : strlen(v);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, v, n);
	buf[n] = 0;
	return buf;
}

long as_built_seconds(const json_t *info)
{
	json_t *s = json_object_get(info, "build_seconds");
	return json_is_integer(s) ? (long)json_integer_value(s) : -1;
}

const char *as_built_when(const json_t *info, char *buf, size_t cap)
{
	const char *s = json_string_value(json_object_get(info, "built"));
	if (!s || strlen(s) < 16)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.10s %.5s", s, s + 11);
	return buf;
}

int as_built_since(const char *dir, const struct timespec *start)
{
	char path[PATH_MAX + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/build.json", dir);
	if (stat(path, &st))
		return 0;
	return st.st_mtim.tv_sec > start->tv_sec ||
	       (st.st_mtim.tv_sec == start->tv_sec && st.st_mtim.tv_nsec >= start->tv_nsec);
}

int as_find_program(const char *name, char *buf, size_t cap)
{
	const char *path = getenv("PATH"), *p, *e;
	int err = ENOENT;
	struct stat st;
	if (strchr(name, '/')) {
		snprintf(buf, cap, "%s", name);
		if (stat(buf, &st))
			return errno;
		return S_ISREG(st.st_mode) && access(buf, X_OK) == 0 ? 0 : EACCES;
	}
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin"; /* execvp's default */
	for (p = path;; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		snprintf(buf, cap, "%.*s/%s", (int)(e - p), e > p ? p : ".", name);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			err = EACCES;
		}
		if (!*e)
			return err;
	}
}
