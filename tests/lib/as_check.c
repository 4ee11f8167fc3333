/* as_check: runs a test program under libswap and checks its report.
 *
 *   as_check --preload LIB [--allocator NAME] [--env K=V]... [--exit N]
 *            [--reports N] [--expect 'FIELD OP VALUE']... [--stderr-has TEXT]...
 *            [--stderr-lines N] [--keep] -- PROG [ARGS...]
 *
 * Runs PROG with LD_PRELOAD=LIB, ALLOCSWAP_ALLOCATOR=NAME and
 * ALLOCSWAP_REPORT=<tmpdir>/r-%p.json (--env K=V is applied last and may
 * override any of them).  PROG may print lines
 *   EXPECT <dotted.field> <op> <value>
 * on stdout (op: == != >= <= > <, or has: the string field contains the
 * value; value: integer, true/false, a string, or
 * @baseline[+-N]); each is checked against the report written by PROG's
 * own pid.  A dotted field may index arrays: histogram.3.count, and
 * timeline.-1.1 (negative: from the end).  On an array, a path segment may
 * also be
 *   count           the number of elements
 *   max:K, min:K    the element whose member K (an index or a key) is the
 *                   largest (smallest) number, the first one of equals
 *   increasing:K    true when member K of every element is a number, each
 *                   larger than the one before
 *   K~TEXT          the first element whose member K is a string containing
 *                   TEXT, or an array whose first element is one
 *   K~*TEXT         the same, or an array any element of which is one
 * so timeline.max:1.2 is the third column of the point with the most live
 * bytes.  @baseline
 * runs PROG a second time with AS_TEST_BASELINE=1 and compares with the
 * same field there, plus N: what the backend allocates for itself cancels
 * out.  A value field:PATH compares with another field of the same report
 * (timeline.max:1.2 > field:timeline.max:1.1).  A line
 *   EXPECT[PID] <dotted.field> <op> <value>
 * is checked against the report of process PID instead (a child PROG
 * forked, or a program it started); @baseline is not allowed there.
 * --expect adds an EXPECT line as if PROG had printed it.  --stderr-has
 * checks that PROG's stderr contains TEXT, --stderr-lines that it has
 * exactly N lines.  Other stdout lines are passed through, and PROG's
 * stderr is copied to ours.
 *
 * Exit status: 0 when PROG exited with the expected status (--exit, default
 * 0) and every check held; 77 (skip) when the allocator is not installed
 * here or PROG itself exited 77; 1 otherwise.  Numbers in the report are
 * compared as doubles (exact up to 2^53).  This is a native (glibc)
 * program; PROG may be built for musl.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ENV 32
#define MAX_EXTRA 32

static struct {
	const char *preload, *allocator;
	const char *env[MAX_ENV];
	int nenv, want_exit, want_reports, want_stderr_lines, keep;
	const char *expect[MAX_EXTRA];
	int nexpect;
	const char *stderr_has[MAX_EXTRA];
	int nstderr_has;
	char **argv;
	char dir[256];
} opt = {.want_exit = 0, .want_reports = -1, .want_stderr_lines = -1};

static int failures;

static void die(const char *msg)
{
	fprintf(stderr, "as_check: %s\n", msg);
	exit(2);
}

/* Runs PROG; stdout into *out (malloc'd), stderr into *err; returns the wait status. */
static int run(int baseline, char **out, char **err_out, pid_t *child)
{
	int op[2], ep[2], status;
	pid_t pid;
	char *bufs[2] = {NULL, NULL};
	size_t lens[2] = {0, 0};
	if (pipe(op) || pipe(ep))
		die("pipe failed");
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		char report[400];
		int i;
		dup2(op[1], 1);
		dup2(ep[1], 2);
		close(op[0]);
		close(ep[0]);
		snprintf(report, sizeof report, "%s/%sr-%%p.json", opt.dir, baseline ? "base-" : "");
		setenv("LD_PRELOAD", opt.preload, 1);
		if (opt.allocator)
			setenv("ALLOCSWAP_ALLOCATOR", opt.allocator, 1);
		setenv("ALLOCSWAP_REPORT", report, 1);
		if (baseline)
			setenv("AS_TEST_BASELINE", "1", 1);
		for (i = 0; i < opt.nenv; i++)
			putenv((char *)opt.env[i]);
		execv(opt.argv[0], opt.argv);
		fprintf(stderr, "as_check: cannot run %s: %s\n", opt.argv[0], strerror(errno));
		_exit(126);
	}
	close(op[1]);
	close(ep[1]);
	{
		/* read both pipes until EOF (poll-free: stderr is small; drain stdout
		 * first, then stderr, with big pipe buffers this is fine for tests) */
		int fds[2] = {op[0], ep[0]}, k;
		for (k = 0; k < 2; k++) {
			char tmp[4096];
			ssize_t r;
			while ((r = read(fds[k], tmp, sizeof tmp)) > 0) {
				bufs[k] = realloc(bufs[k], lens[k] + (size_t)r + 1);
				memcpy(bufs[k] + lens[k], tmp, (size_t)r);
				lens[k] += (size_t)r;
			}
			close(fds[k]);
			if (!bufs[k])
				bufs[k] = calloc(1, 1);
			bufs[k][lens[k]] = 0;
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid failed");
	*out = bufs[0];
	*err_out = bufs[1];
	*child = pid;
	return status;
}

static json_t *load_report(int baseline, pid_t pid)
{
	char path[400];
	json_error_t e;
	json_t *j;
	snprintf(path, sizeof path, "%s/%sr-%d.json", opt.dir, baseline ? "base-" : "", (int)pid);
	/* Counters are unsigned 64-bit and may exceed jansson's json_int_t
	 * (a histogram bound of UINT64_MAX, say): read every number as a
	 * double, exact up to 2^53, which is plenty for the checks here. */
	j = json_load_file(path, JSON_DECODE_INT_AS_REAL, &e);
	if (!j) {
		fprintf(stderr, "as_check: report %s: %s (line %d)\n", path, e.text, e.line);
		failures++;
	}
	return j;
}

/* Member key of an element: an array index or an object key (borrowed). */
static json_t *member(json_t *e, const char *key)
{
	char *end;
	long idx = strtol(key, &end, 10);
	if (*end == 0 && end != key && json_is_array(e))
		return idx < 0 ? NULL : json_array_get(e, (size_t)idx);
	return json_object_get(e, key);
}

/* The element of arr whose member key is the largest (most) or the
 * smallest number; the first of equals; NULL when none is a number. */
static json_t *extreme(json_t *arr, const char *key, int most)
{
	json_t *e, *best = NULL;
	double bv = 0;
	size_t i;
	json_array_foreach(arr, i, e) {
		json_t *v = member(e, key);
		if (!json_is_number(v))
			continue;
		if (!best || (most ? json_number_value(v) > bv : json_number_value(v) < bv)) {
			best = e;
			bv = json_number_value(v);
		}
	}
	return best;
}

static int increasing(json_t *arr, const char *key)
{
	json_t *e;
	double last = 0;
	size_t i;
	json_array_foreach(arr, i, e) {
		json_t *v = member(e, key);
		if (!json_is_number(v) || (i && json_number_value(v) <= last))
			return 0;
		last = json_number_value(v);
	}
	return 1;
}

static int has_text(const json_t *v, const char *text)
{
	return json_is_string(v) && strstr(json_string_value(v), text);
}

/* KEY~TEXT on an array: its first element whose KEY is a string containing
 * TEXT, or an array whose first element is one (sites.frames~site_a);
 * KEY~*TEXT: or an array with any such element (sites.frames~*main). */
static json_t *select_elem(json_t *arr, const char *sel)
{
	const char *tilde = strchr(sel, '~'), *text = tilde + 1;
	int any = *text == '*';
	char key[128];
	size_t i, k;
	json_t *e, *f;
	snprintf(key, sizeof key, "%.*s", (int)(tilde - sel), sel);
	text += any;
	json_array_foreach(arr, i, e) {
		json_t *v = json_object_get(e, key);
		if (!json_is_array(v) && has_text(v, text))
			return e;
		if (json_is_array(v) && !any && has_text(json_array_get(v, 0), text))
			return e;
		json_array_foreach(any && json_is_array(v) ? v : NULL, k, f)
			if (has_text(f, text))
				return e;
	}
	return NULL;
}

/* The field at a dotted path (see the top of this file): a new reference,
 * or NULL when there is no such field. */
static json_t *field(json_t *root, const char *dotted)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = json_incref(root);
	snprintf(buf, sizeof buf, "%s", dotted);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		json_t *next;
		char *end;
		long idx = strtol(tok, &end, 10);
		if (*end == 0 && end != tok && json_is_array(cur)) {
			if (idx < 0)
				idx += (long)json_array_size(cur);
			next = idx < 0 ? NULL : json_incref(json_array_get(cur, (size_t)idx));
		} else if (json_is_array(cur) && !strcmp(tok, "count")) {
			next = json_integer((json_int_t)json_array_size(cur));
		} else if (json_is_array(cur) && !strncmp(tok, "max:", 4)) {
			next = json_incref(extreme(cur, tok + 4, 1));
		} else if (json_is_array(cur) && !strncmp(tok, "min:", 4)) {
			next = json_incref(extreme(cur, tok + 4, 0));
		} else if (json_is_array(cur) && !strncmp(tok, "increasing:", 11)) {
			next = json_boolean(increasing(cur, tok + 11));
		} else if (json_is_array(cur) && strchr(tok, '~')) {
			next = json_incref(select_elem(cur, tok));
		} else {
			next = json_incref(json_object_get(cur, tok));
		}
		json_decref(cur);
		cur = next;
	}
	return cur;
}

static int cmp_ok(double a, const char *op, double b)
{
	if (!strcmp(op, "=="))
		return a == b;
	if (!strcmp(op, "!="))
		return a != b;
	if (!strcmp(op, ">="))
		return a >= b;
	if (!strcmp(op, "<="))
		return a <= b;
	if (!strcmp(op, ">"))
		return a > b;
	if (!strcmp(op, "<"))
		return a < b;
	fprintf(stderr, "as_check: unknown operator '%s' (use == != >= <= > <)\n", op);
	failures++;
	return 1;
}

static json_t *baseline_report;
static pid_t baseline_pid;

/* Reports of other processes named by EXPECT[PID], loaded once each. */
#define MAX_OTHER 16
static struct {
	pid_t pid;
	json_t *rep;
} others[MAX_OTHER];
static int nothers;

static json_t *other_report(pid_t pid)
{
	int i;
	for (i = 0; i < nothers; i++)
		if (others[i].pid == pid)
			return others[i].rep;
	if (nothers == MAX_OTHER) {
		fprintf(stderr, "as_check: more than %d EXPECT[PID] processes\n", MAX_OTHER);
		failures++;
		return NULL;
	}
	others[nothers].pid = pid;
	others[nothers].rep = load_report(0, pid);
	return others[nothers++].rep;
}

static void check(json_t *rep, const char *line)
{
	char fname[256], op[8], val[300];
	json_t *f = NULL, *want = NULL;
	double offset = 0;
	int ok, other = 0, pid, used;
	if (sscanf(line, "EXPECT[%d]%n", &pid, &used) == 1 && line[used - 1] == ']') {
		other = 1;
		line += used;
		rep = pid > 0 ? other_report((pid_t)pid) : NULL;
		if (!rep)
			return; /* load_report said why */
	} else {
		line += strlen("EXPECT");
	}
	if (sscanf(line, " %255s %7s %255[^\n]", fname, op, val) != 3) {
		fprintf(stderr, "as_check: malformed line: EXPECT%s\n", line);
		failures++;
		return;
	}
	if (!strncmp(val, "@baseline", 9) && other) {
		fprintf(stderr, "as_check: @baseline is only for PROG's own report: EXPECT%s\n", line);
		failures++;
		return;
	}
	f = field(rep, fname);
	if (!strncmp(val, "field:", 6)) {
		want = field(rep, val + 6);
		if (!want) {
			fprintf(stderr, "as_check: FAIL %s: no such field in the report\n", val + 6);
			failures++;
			goto out;
		}
	} else if (!strncmp(val, "@baseline", 9)) {
		char *end;
		offset = strtod(val + 9, &end);
		if (*end) {
			fprintf(stderr, "as_check: bad value '%s' (use @baseline, @baseline+N or @baseline-N)\n", val);
			failures++;
			goto out;
		}
		if (!baseline_report) {
			char *out, *err;
			int st = run(1, &out, &err, &baseline_pid);
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "as_check: baseline run failed (status %d)\n%s", st, err);
				failures++;
			}
			free(out);
			free(err);
			baseline_report = load_report(1, baseline_pid);
		}
		want = baseline_report ? field(baseline_report, fname) : NULL;
		if (!want) {
			fprintf(stderr, "as_check: %s missing in the baseline report\n", fname);
			failures++;
			goto out;
		}
	}
	if (!f) {
		fprintf(stderr, "as_check: FAIL %s: no such field in the report\n", fname);
		failures++;
		goto out;
	}
	if (want) {
		ok = json_is_number(f) && json_is_number(want)
			     ? cmp_ok(json_number_value(f), op, json_number_value(want) + offset)
			     : json_equal(f, want) == !strcmp(op, "==");
		if (!strncmp(val, "field:", 6) && json_is_number(want))
			snprintf(val + strlen(val), sizeof val - strlen(val), " (%.17g)",
				 json_number_value(want));
		else if (strncmp(val, "field:", 6))
			snprintf(val, sizeof val, "%.0f (baseline %+.0f)",
				 json_number_value(want) + offset, offset);
	} else if (json_is_number(f)) {
		char *end;
		double v = strtod(val, &end);
		if (*end) {
			fprintf(stderr, "as_check: %s is a number, '%s' is not\n", fname, val);
			failures++;
			goto out;
		}
		ok = cmp_ok(json_number_value(f), op, v);
	} else if (json_is_boolean(f)) {
		ok = (json_is_true(f) == !strcmp(val, "true")) == !strcmp(op, "==");
	} else if (json_is_string(f)) {
		ok = !strcmp(op, "has") ? strstr(json_string_value(f), val) != NULL
				       : (!strcmp(json_string_value(f), val)) == !strcmp(op, "==");
	} else {
		ok = json_is_null(f) && !strcmp(val, "null") && !strcmp(op, "==");
	}
	if (!ok && json_is_number(f)) {
		fprintf(stderr, "as_check: FAIL %s%s %s %s (report has %.17g)\n",
			other ? "[child] " : "", fname, op, val, json_number_value(f));
		failures++;
	} else if (!ok) {
		char *dump = json_dumps(f, JSON_ENCODE_ANY);
		fprintf(stderr, "as_check: FAIL %s%s %s %s (report has %s)\n", other ? "[child] " : "",
			fname, op, val, dump);
		free(dump);
		failures++;
	} else {
		printf("ok %s%s %s %s\n", other ? "[child] " : "", fname, op, val);
	}
out:
	json_decref(f);
	json_decref(want);
}

static int count_reports(void)
{
	DIR *d = opendir(opt.dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "r-", 2))
			n++;
	closedir(d);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: as_check --preload LIB [--allocator NAME] [--env K=V]... [--exit N] "
			"[--reports N] [--expect 'FIELD OP VALUE']... [--stderr-has TEXT]... "
			"[--stderr-lines N] [--keep] -- PROG [ARGS...]\n");
	exit(2);
}

static void cleanup(void)
{
	char cmd[400];
	if (opt.keep || failures) {
		fprintf(stderr, "as_check: reports kept in %s\n", opt.dir);
		return;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", opt.dir);
	if (system(cmd))
		fprintf(stderr, "as_check: could not remove %s\n", opt.dir);
}

int main(int argc, char **argv)
{
	int i, status;
	char *out, *err, *line, *save = NULL;
	json_t *rep;
	pid_t pid;
	const char *tmp = getenv("TMPDIR");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			opt.argv = argv + i + 1;
			break;
		} else if (!strcmp(argv[i], "--preload") && i + 1 < argc) {
			opt.preload = argv[++i];
		} else if (!strcmp(argv[i], "--allocator") && i + 1 < argc) {
			opt.allocator = argv[++i];
		} else if (!strcmp(argv[i], "--env") && i + 1 < argc && opt.nenv < MAX_ENV) {
			opt.env[opt.nenv++] = argv[++i];
		} else if (!strcmp(argv[i], "--exit") && i + 1 < argc) {
			opt.want_exit = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--reports") && i + 1 < argc) {
			opt.want_reports = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--expect") && i + 1 < argc && opt.nexpect < MAX_EXTRA) {
			opt.expect[opt.nexpect++] = argv[++i];
		} else if (!strcmp(argv[i], "--stderr-has") && i + 1 < argc &&
			   opt.nstderr_has < MAX_EXTRA) {
			opt.stderr_has[opt.nstderr_has++] = argv[++i];
		} else if (!strcmp(argv[i], "--stderr-lines") && i + 1 < argc) {
			opt.want_stderr_lines = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--keep")) {
			opt.keep = 1;
		} else {
			fprintf(stderr, "as_check: unknown or incomplete option '%s'\n", argv[i]);
			usage();
		}
	}
	if (!opt.preload || !opt.argv)
		usage();
	snprintf(opt.dir, sizeof opt.dir, "%s/as_check.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(opt.dir))
		die("mkdtemp failed");

	status = run(0, &out, &err, &pid);
	fputs(err, stderr);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && strstr(err, "cannot load allocator") &&
	    opt.want_exit != 127) {
		printf("SKIP: allocator %s is not available here\n", opt.allocator);
		cleanup();
		return 77;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77 && opt.want_exit != 77) {
		fputs(out, stdout);
		printf("SKIP: %s skipped itself\n", opt.argv[0]);
		cleanup();
		return 77;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != opt.want_exit) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "as_check: FAIL: %s killed by signal %d\n", opt.argv[0],
				WTERMSIG(status));
		else
			fprintf(stderr, "as_check: FAIL: %s exited %d, expected %d\n", opt.argv[0],
				WEXITSTATUS(status), opt.want_exit);
		failures++;
	}
	for (i = 0; i < opt.nstderr_has; i++) {
		if (!strstr(err, opt.stderr_has[i])) {
			fprintf(stderr, "as_check: FAIL: stderr lacks \"%s\"\n", opt.stderr_has[i]);
			failures++;
		}
	}
	if (opt.want_stderr_lines >= 0) {
		int lines = 0;
		const char *c;
		for (c = err; *c; c++)
			lines += *c == '\n';
		if (*err && err[strlen(err) - 1] != '\n')
			lines++;
		if (lines != opt.want_stderr_lines) {
			fprintf(stderr, "as_check: FAIL: stderr has %d lines, expected %d\n", lines,
				opt.want_stderr_lines);
			failures++;
		}
	}
	rep = NULL;
	for (i = 0; i < opt.nexpect; i++) {
		char line[600];
		snprintf(line, sizeof line, "EXPECT %s", opt.expect[i]);
		if (!rep)
			rep = load_report(0, pid);
		if (rep)
			check(rep, line);
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "EXPECT ", 7)) {
			if (!rep)
				rep = load_report(0, pid);
			if (rep)
				check(rep, line);
		} else if (!strncmp(line, "EXPECT[", 7)) {
			check(NULL, line);
		} else {
			puts(line);
		}
	}
	if (opt.want_reports >= 0 && count_reports() != opt.want_reports) {
		fprintf(stderr, "as_check: FAIL: %d reports written, expected %d\n", count_reports(),
			opt.want_reports);
		failures++;
	}
	for (i = 0; i < nothers; i++)
		json_decref(others[i].rep);
	json_decref(rep);
	json_decref(baseline_report);
	free(out);
	free(err);
	cleanup();
	return failures ? 1 : 0;
}
