/* pyregress: runs a subset of CPython's own regression tests under libswap,
 * once per backend, and compares every outcome with a run without the
 * preload.
 *
 *   pyregress --preload LIB [--allocator NAME]... [--python PATH] [-j N]
 *             [--env K=V]... [--keep|--discard] -- TEST...
 *
 * Runs `PYTHON -m test -jN --junit-xml F --tempdir D TEST...` first without
 * LD_PRELOAD (the baseline), then with LD_PRELOAD=LIB and
 * ALLOCSWAP_ALLOCATOR=NAME for each NAME.  Every run sees the same
 * environment otherwise (plus the --env settings, e.g. PYTHONMALLOC=malloc,
 * in all of them).  A backend run must match the baseline in:
 *   - regrtest's exit status;
 *   - its summary: the "== Tests result: X ==" block, i.e. the overall
 *     result, the number of modules that passed and the names of those that
 *     failed, were skipped, changed the environment, ran no tests...;
 *   - the outcome of each test case (pass, skip, fail, error, expected
 *     failure, unknown) read from the JUnit XML, as a multiset of
 *     "outcome name" pairs.
 * Prints one result line per backend, with its wall time and the
 * baseline's.  Exit status: 0 when every backend matched, 1 when one did
 * not, 77 (skip) when the baseline cannot run here (no test suite) or no
 * backend is installed, 2 on usage errors.  Logs and XML stay in a temporary
 * directory when a backend failed or with --keep; --discard removes them in
 * any case.  A backend that is not installed
 * (libswap exits 127 "cannot load allocator") is reported and skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ALLOC 16
#define MAX_ENV 16
#define MAX_DIFF 20

extern char **environ;

static struct {
	const char *preload, *python, *jobs;
	const char *alloc[MAX_ALLOC];
	const char *env[MAX_ENV];
	int nalloc, nenv, keep, discard;
	char **tests;
	char dir[256];
} opt = {.python = "/usr/bin/python3", .jobs = "2"};

static void die(const char *msg)
{
	fprintf(stderr, "pyregress: %s\n", msg);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, r;
	if (!f)
		return NULL;
	do {
		buf = xrealloc(buf, len + 65536 + 1);
		r = fread(buf + len, 1, 65536, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

/* ---- one run ------------------------------------------------------------ */

struct run {
	const char *name; /* "baseline" or the allocator */
	int status;	  /* wait status */
	double secs;
	char *log;     /* stdout + stderr */
	char *summary; /* the canonical "== Tests result" block */
	char **cases;  /* "outcome name", sorted */
	size_t ncases;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Removes the variables of an outer libswap (and its re-exec guard) so the
 * baseline really runs without it. */
static void clean_env(void)
{
	static const char *drop[] = {"LD_PRELOAD", "ALLOCSWAP_"};
	size_t i;
	int again = 1;
	while (again) {
		again = 0;
		for (i = 0; environ[i] && !again; i++) {
			size_t k;
			for (k = 0; k < sizeof drop / sizeof drop[0]; k++) {
				size_t n = strlen(drop[k]);
				if (!strncmp(environ[i], drop[k], n) &&
				    (drop[k][n - 1] == '_' || environ[i][n] == '=')) {
					char name[256];
					size_t e = strcspn(environ[i], "=");
					snprintf(name, sizeof name, "%.*s", (int)e, environ[i]);
					unsetenv(name);
					again = 1;
					break;
				}
			}
		}
	}
}

static void start(struct run *r, const char *alloc)
{
	char log[400], xml[400], tmp[400];
	const char *fixed[] = {"-m", "test", "-j", opt.jobs, "--junit-xml", xml, "--tempdir", tmp};
	size_t nfixed = sizeof fixed / sizeof fixed[0], ntests = 0, i;
	char **argv;
	pid_t pid;
	double t0;
	int fd;

	r->name = alloc ? alloc : "baseline";
	snprintf(log, sizeof log, "%s/%s.log", opt.dir, r->name);
	snprintf(xml, sizeof xml, "%s/%s.xml", opt.dir, r->name);
	snprintf(tmp, sizeof tmp, "%s/tmp-%s", opt.dir, r->name);
	if (mkdir(tmp, 0700) && errno != EEXIST)
		die("mkdir failed");
	while (opt.tests[ntests])
		ntests++;
	argv = xrealloc(NULL, (2 + nfixed + ntests) * sizeof *argv);
	argv[0] = (char *)opt.python;
	for (i = 0; i < nfixed; i++)
		argv[1 + i] = (char *)fixed[i];
	for (i = 0; i < ntests; i++)
		argv[1 + nfixed + i] = opt.tests[i];
	argv[1 + nfixed + ntests] = NULL;

	fflush(NULL);
	t0 = now();
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		int k;
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		clean_env();
		if (alloc) {
			setenv("LD_PRELOAD", opt.preload, 1);
			setenv("ALLOCSWAP_ALLOCATOR", alloc, 1);
		}
		for (k = 0; k < opt.nenv; k++)
			putenv((char *)opt.env[k]);
		execv(argv[0], argv);
		fprintf(stderr, "pyregress: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(126);
	}
	if (waitpid(pid, &r->status, 0) < 0)
		die("waitpid failed");
	r->secs = now() - t0;
	free(argv);
	r->log = read_file(log);
	if (!r->log)
		r->log = xstrdup("");
}

/* ---- regrtest's summary --------------------------------------------------- */

/* The block from "== Tests result: " to "Total duration:", blank lines and
 * indentation dropped (the names regrtest lists are sorted already). */
static char *summary(const char *log)
{
	const char *p = NULL, *q, *s = log;
	char *out;
	size_t n = 0;
	/* the last one: a worker's output may hold an earlier one */
	while ((q = strstr(s, "== Tests result: "))) {
		p = q;
		s = q + 1;
	}
	if (!p)
		return NULL;
	q = strstr(p, "\nTotal duration:");
	if (!q)
		q = p + strlen(p);
	out = xrealloc(NULL, (size_t)(q - p) + 2);
	while (p < q) {
		const char *e = memchr(p, '\n', (size_t)(q - p));
		if (!e)
			e = q;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e) {
			memcpy(out + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
			out[n++] = '\n';
		}
		p = e + 1;
	}
	out[n] = 0;
	return out;
}

/* ---- JUnit XML ------------------------------------------------------------- */

/* regrtest's testcase element: <testcase name=".." status="run"
 * result="completed" time=".." /> for a pass, or with one child telling the
 * outcome: <skipped>, <failure>, <error>, <output> (an expected failure).
 * A test case that ended some other way (unexpected success, failed
 * subtest) keeps an element without a name. */
static const char *tag_outcome(const char *tag, size_t n)
{
	static const struct {
		const char *tag, *outcome;
	} map[] = {{"skipped", "skip"}, {"failure", "fail"}, {"error", "error"}, {"output", "xfail"}};
	size_t i;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].tag) == n && !strncmp(tag, map[i].tag, n))
			return map[i].outcome;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of testcase elements, -1 if the file is missing. */
static long parse_xml(struct run *r, const char *path)
{
	char *xml = read_file(path), *p;
	size_t cap = 0;
	if (!xml)
		return -1;
	for (p = strstr(xml, "<testcase"); p; p = strstr(p, "<testcase")) {
		char *end, *name = NULL, entry[1024];
		const char *outcome = "pass";
		size_t namelen = 0;
		int selfclose;
		p += 9;
		if (*p != ' ' && *p != '>' && *p != '/')
			continue;
		/* the start tag, attribute values in double quotes (ElementTree) */
		for (end = p; *end && *end != '>'; end++)
			if (*end == '"') {
				char *v = end + 1, *ve = strchr(v, '"');
				if (!ve)
					break;
				if (end - p >= 5 && !strncmp(end - 5, "name=", 5) &&
				    (end - 5 == p || end[-6] == ' ')) {
					name = v;
					namelen = (size_t)(ve - v);
				}
				end = ve;
			}
		if (*end != '>')
			break;
		selfclose = end[-1] == '/';
		if (!selfclose) {
			char *close = strstr(end, "</testcase>"), *c;
			if (!close)
				break;
			/* the first child element that names an outcome */
			for (c = strchr(end + 1, '<'); c && c < close; c = strchr(c + 1, '<')) {
				size_t n = strcspn(c + 1, " />");
				const char *o = tag_outcome(c + 1, n);
				if (o) {
					outcome = o;
					break;
				}
			}
			end = close;
		}
		if (!name)
			outcome = "unknown";
		snprintf(entry, sizeof entry, "%s %.*s", outcome, name ? (int)namelen : 1,
			 name ? name : "?");
		if (r->ncases == cap) {
			cap = cap ? 2 * cap : 1024;
			r->cases = xrealloc(r->cases, cap * sizeof *r->cases);
		}
		r->cases[r->ncases++] = xstrdup(entry);
		p = end;
	}
	free(xml);
	if (r->ncases)
		qsort(r->cases, r->ncases, sizeof *r->cases, cmp_str);
	return (long)r->ncases;
}

static void outcome_counts(const struct run *r, char *buf, size_t cap)
{
	static const char *names[] = {"pass", "skip", "fail", "error", "xfail", "unknown"};
	size_t i, k, n = 0;
	buf[0] = 0;
	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t c = 0, l = strlen(names[k]);
		for (i = 0; i < r->ncases; i++)
			if (!strncmp(r->cases[i], names[k], l) && r->cases[i][l] == ' ')
				c++;
		if (c && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%zu %s", n ? ", " : "", c, names[k]);
	}
}

/* Prints what is in one sorted list and not in the other; returns the
 * number of differences. */
static size_t diff_cases(const struct run *a, const struct run *b)
{
	size_t i = 0, j = 0, nd = 0;
	while (i < a->ncases || j < b->ncases) {
		int c = i == a->ncases ? 1 : j == b->ncases ? -1 : strcmp(a->cases[i], b->cases[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (nd++ < MAX_DIFF) {
			if (c < 0)
				printf("  only in %s: %s\n", a->name, a->cases[i]);
			else
				printf("  only in %s: %s\n", b->name, b->cases[j]);
		}
		if (c < 0)
			i++;
		else
			j++;
	}
	if (nd > MAX_DIFF)
		printf("  ... %zu differences in all\n", nd);
	return nd;
}

static void describe_status(int st, char *buf, size_t cap)
{
	if (WIFEXITED(st))
		snprintf(buf, cap, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, cap, "signal %d", WTERMSIG(st));
	else
		snprintf(buf, cap, "status %d", st);
}

static void show_log_tail(const struct run *r)
{
	size_t n = strlen(r->log);
	const char *p = n > 3000 ? r->log + n - 3000 : r->log;
	printf("  --- last lines of the %s run ---\n%s\n  ---\n", r->name, p);
}

static void usage(void)
{
	fprintf(stderr, "usage: pyregress --preload LIB [--allocator NAME]... [--python PATH] [-j N] "
			"[--env K=V]... [--keep|--discard] -- TEST...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run base = {0}, *runs;
	int i, failed = 0, skipped = 0, compared = 0;
	const char *tmp = getenv("TMPDIR");
	char xml[400], counts[256], st1[64], st2[64];
	long nbase;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			opt.tests = argv + i + 1;
			break;
		} else if (!strcmp(argv[i], "--preload") && i + 1 < argc) {
			opt.preload = argv[++i];
		} else if (!strcmp(argv[i], "--allocator") && i + 1 < argc && opt.nalloc < MAX_ALLOC) {
			opt.alloc[opt.nalloc++] = argv[++i];
		} else if (!strcmp(argv[i], "--python") && i + 1 < argc) {
			opt.python = argv[++i];
		} else if (!strcmp(argv[i], "-j") && i + 1 < argc) {
			opt.jobs = argv[++i];
		} else if (!strcmp(argv[i], "--env") && i + 1 < argc && opt.nenv < MAX_ENV) {
			opt.env[opt.nenv++] = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			opt.keep = 1;
		} else if (!strcmp(argv[i], "--discard")) {
			opt.discard = 1;
		} else {
			fprintf(stderr, "pyregress: unknown or incomplete option '%s'\n", argv[i]);
			usage();
		}
	}
	if (!opt.preload || !opt.tests || !opt.nalloc)
		usage();
	if (access(opt.python, X_OK)) {
		printf("SKIP: %s is not here\n", opt.python);
		return 77;
	}
	snprintf(opt.dir, sizeof opt.dir, "%s/pyregress.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(opt.dir))
		die("mkdtemp failed");

	start(&base, NULL);
	base.summary = summary(base.log);
	snprintf(xml, sizeof xml, "%s/baseline.xml", opt.dir);
	nbase = parse_xml(&base, xml);
	describe_status(base.status, st1, sizeof st1);
	if (!base.summary || nbase <= 0) {
		/* no regrtest, no test package (Debian: libpython3.X-testsuite) */
		printf("SKIP: the baseline run (%s -m test) gave no results (%s)\n", opt.python, st1);
		show_log_tail(&base);
		failed = -1;
		goto out;
	}
	outcome_counts(&base, counts, sizeof counts);
	printf("baseline: %s, %ld test cases (%s), %.1f s\n", st1, nbase, counts, base.secs);

	runs = xrealloc(NULL, (size_t)opt.nalloc * sizeof *runs);
	memset(runs, 0, (size_t)opt.nalloc * sizeof *runs);
	for (i = 0; i < opt.nalloc; i++) {
		struct run *r = &runs[i];
		int bad = 0;
		start(r, opt.alloc[i]);
		describe_status(r->status, st2, sizeof st2);
		if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 127 &&
		    strstr(r->log, "cannot load allocator")) {
			printf("%s: SKIP, not installed here\n", r->name);
			skipped++;
			continue;
		}
		compared++;
		r->summary = summary(r->log);
		snprintf(xml, sizeof xml, "%s/%s.xml", opt.dir, r->name);
		parse_xml(r, xml);
		if (r->status != base.status) {
			printf("%s: regrtest ended with %s, baseline with %s\n", r->name, st2, st1);
			bad++;
		}
		if (!r->summary || strcmp(r->summary, base.summary)) {
			printf("%s: summary differs\n  --- baseline ---\n%s  --- %s ---\n%s", r->name,
			       base.summary, r->name, r->summary ? r->summary : "(none)\n");
			bad++;
		}
		if (diff_cases(&base, r))
			bad++;
		outcome_counts(r, counts, sizeof counts);
		printf("%s: %s, %s, %zu test cases (%s), %.1f s (baseline %.1f s)\n", r->name,
		       bad ? "FAIL" : "same outcomes as the baseline", st2, r->ncases, counts,
		       r->secs, base.secs);
		if (bad) {
			show_log_tail(r);
			failed++;
		}
	}
out:
	if (opt.keep || (failed && !opt.discard)) {
		printf("pyregress: logs and XML kept in %s\n", opt.dir);
	} else {
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", opt.dir);
		if (system(cmd))
			fprintf(stderr, "pyregress: could not remove %s\n", opt.dir);
	}
	if (failed < 0)
		return 77;
	if (failed)
		return 1;
	return compared ? 0 : 77;
}
