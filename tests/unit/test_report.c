/* as_report: path expansion, safe placing of the report file, the human
 * summary, and the JSON report's keys (parsed back with jansson). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "as_backend.h"
#include "as_report.h"
#include "as_sys.h"
#include "harness.h"

#ifdef ALLOCSWAP_HAVE_JANSSON
#include <jansson.h>
#endif

/* ---- _as_report_expand -------------------------------------------------------- */

static void expand_is(const char *pat, pid_t pid, const char *prog, const char *want)
{
	char out[256];
	memset(out, 'X', sizeof out);
	T_EQ(_as_report_expand(pat, pid, prog, out, sizeof out), 0);
	T_STREQ(out, want);
}

static void test_expand(void)
{
	char out[64], *exact;
	size_t i;

	expand_is("", 1, "p", "");
	expand_is("/tmp/report.json", 1, "p", "/tmp/report.json");
	expand_is("/tmp/r-%p.json", 1234, "prog", "/tmp/r-1234.json");
	expand_is("%p", 0, "prog", "0");
	expand_is("%p", INT_MAX, "prog", "2147483647");
	expand_is("/tmp/%e.json", 1, "python3.11", "/tmp/python3.11.json");
	expand_is("/tmp/%e-%p.json", 42, "my prog/with/slashes", "/tmp/my_prog_with_slashes-42.json");
	expand_is("%e", 1, "a.b-c_D9", "a.b-c_D9");
	expand_is("%e", 1, "t\tab:*?\"<>|\\", "t_ab________");
	expand_is("%e", 1, "\xc3\xa9t\xc3\xa9", "__t__");
	expand_is("%e", 1, "", "");
	expand_is("100%%", 1, "p", "100%");
	expand_is("%%p%%e%%%%", 7, "p", "%p%e%%");
	expand_is("%p%p%e%e", 7, "x", "77xx");
	/* only the program name is sanitized, not the pattern */
	expand_is("/a b/%e", 1, "c d", "/a b/c_d");

	T_EQ(_as_report_expand("/tmp/%x", 1, "p", out, sizeof out), EINVAL);
	T_EQ(_as_report_expand("/tmp/%P", 1, "p", out, sizeof out), EINVAL);
	T_EQ(_as_report_expand("/tmp/%", 1, "p", out, sizeof out), EINVAL); /* trailing % */
	T_EQ(_as_report_expand("%e%", 1, "p", out, sizeof out), EINVAL);

	/* exactly cap bytes (heap buffers: ASan sees any overrun) */
	exact = malloc(4);
	T_CHECK(exact != NULL);
	if (!exact)
		return;
	T_EQ(_as_report_expand("abc", 1, "p", exact, 4), 0);
	T_STREQ(exact, "abc");
	T_EQ(_as_report_expand("abcd", 1, "p", exact, 4), ENAMETOOLONG);
	T_EQ(_as_report_expand("%p", 1234, "p", exact, 4), ENAMETOOLONG);
	T_EQ(_as_report_expand("%p", 123, "p", exact, 4), 0);
	T_STREQ(exact, "123");
	T_EQ(_as_report_expand("%e", 1, "abcd", exact, 4), ENAMETOOLONG);
	T_EQ(_as_report_expand("a%e", 1, "b/c", exact, 4), ENAMETOOLONG);
	T_EQ(_as_report_expand("a%e", 1, "b/", exact, 4), 0);
	T_STREQ(exact, "ab_");
	T_EQ(_as_report_expand("%%%%%%%%", 1, "p", exact, 4), ENAMETOOLONG);
	free(exact);
	for (i = 1; i < 4; i++) {
		char *b = malloc(i);
		T_EQ(_as_report_expand("abc", 1, "p", b, i), ENAMETOOLONG);
		free(b);
	}
}

/* ---- _as_tmp_open, _as_report_publish ------------------------------------------ */

static char dir[64];

static void path_of(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	T_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
}

/* The file's content is text exactly. */
static int file_is(const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return strcmp(buf, text) == 0;
}

/* What at exit does: text written under a temporary name, then published
 * as path (or path.PID...); the name used in used.  0 or errno. */
static int put(const char *path, pid_t pid, const char *text, char *used, size_t cap)
{
	char tmp[400];
	int fd = _as_tmp_open(path, tmp, sizeof tmp), rc;
	if (fd < 0)
		return -fd;
	T_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	rc = _as_tmp_finish(fd, 0, tmp, NULL);
	T_EQ(rc, 0);
	rc = _as_report_publish(tmp, path, pid, used, cap);
	if (rc)
		T_EQ(access(tmp, F_OK), -1); /* no temporary file left behind */
	return rc;
}

/* Number of entries of dir whose name ends in ".tmp". */
static int tmp_files(void)
{
	char cmd[200];
	FILE *p;
	int n = -1;
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '[.]tmp$'", dir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void test_open(void)
{
	char path[256], used[300], want[300], target[256], tmp[400];
	struct stat st;
	int fd, i;
	mode_t old_mask = umask(022);

	/* the temporary file: beside the path, new, 0644, close-on-exec */
	path_of(path, sizeof path, "r.json");
	fd = _as_tmp_open(path, tmp, sizeof tmp);
	T_CHECK(fd >= 0);
	snprintf(want, sizeof want, "%s.%ld.tmp", path, (long)getpid());
	T_STREQ(tmp, want);
	if (fd >= 0) {
		T_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		T_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
		T_EQ(fstat(fd, &st), 0);
		T_EQ(st.st_mode & 07777, 0644);
		/* a failed write: the temporary file goes, nothing at path */
		T_EQ(_as_tmp_finish(fd, ENOSPC, tmp, path), ENOSPC);
	}
	T_EQ(access(tmp, F_OK), -1);
	T_EQ(access(path, F_OK), -1);
	/* one is taken (a stale one of this pid): the next name */
	write_file(want, "stale");
	fd = _as_tmp_open(path, tmp, sizeof tmp);
	snprintf(want, sizeof want, "%s.%ld.1.tmp", path, (long)getpid());
	T_STREQ(tmp, want);
	if (fd >= 0)
		T_EQ(_as_tmp_finish(fd, EIO, tmp, NULL), EIO);
	snprintf(want, sizeof want, "%s.%ld.tmp", path, (long)getpid());
	T_EQ(unlink(want), 0);

	/* a new file: published as asked */
	memset(used, 'X', sizeof used);
	T_EQ(put(path, 4242, "first", used, sizeof used), 0);
	T_STREQ(used, path);
	T_CHECK(file_is(path, "first"));

	/* it exists: never clobbered, the report goes to PATH.PID */
	T_EQ(put(path, 4242, "second", used, sizeof used), 0);
	snprintf(want, sizeof want, "%s.4242", path);
	T_STREQ(used, want);
	T_CHECK(file_is(path, "first"));
	T_CHECK(file_is(want, "second"));

	/* PATH.PID exists too: PATH.PID.1, then PATH.PID.2 */
	T_EQ(put(path, 4242, "third", used, sizeof used), 0);
	snprintf(want, sizeof want, "%s.4242.1", path);
	T_STREQ(used, want);
	T_EQ(put(path, 4242, "fourth", used, sizeof used), 0);
	snprintf(want, sizeof want, "%s.4242.2", path);
	T_STREQ(used, want);
	T_CHECK(file_is(path, "first"));
	snprintf(want, sizeof want, "%s.4242", path);
	T_CHECK(file_is(want, "second"));
	snprintf(want, sizeof want, "%s.4242.1", path);
	T_CHECK(file_is(want, "third"));

	/* all 100 names taken: EEXIST, nothing overwritten */
	path_of(path, sizeof path, "full.json");
	write_file(path, "x");
	snprintf(want, sizeof want, "%s.7", path);
	write_file(want, "x");
	for (i = 1; i < 100; i++) {
		snprintf(want, sizeof want, "%s.7.%d", path, i);
		write_file(want, "x");
	}
	T_EQ(put(path, 7, "lost", used, sizeof used), EEXIST);
	snprintf(want, sizeof want, "%s.7.99", path);
	T_CHECK(file_is(want, "x"));
	T_CHECK(file_is(path, "x"));

	/* a symlink to an existing file: not replaced, the target intact */
	path_of(target, sizeof target, "victim");
	write_file(target, "precious");
	path_of(path, sizeof path, "link.json");
	T_EQ(symlink(target, path), 0);
	T_EQ(put(path, 99, "report", used, sizeof used), 0);
	snprintf(want, sizeof want, "%s.99", path);
	T_STREQ(used, want);
	T_CHECK(file_is(target, "precious"));
	T_CHECK(file_is(want, "report"));
	T_EQ(lstat(path, &st), 0);
	T_CHECK(S_ISLNK(st.st_mode));

	/* a dangling symlink: the file it names is not created */
	path_of(target, sizeof target, "created-through-link");
	path_of(path, sizeof path, "dangling.json");
	T_EQ(symlink(target, path), 0);
	T_EQ(put(path, 99, "report", used, sizeof used), 0);
	snprintf(want, sizeof want, "%s.99", path);
	T_STREQ(used, want);
	T_EQ(lstat(target, &st), -1);
	T_EQ(errno, ENOENT);

	/* a folded-stacks file replaces what is there, a symlink itself */
	path_of(path, sizeof path, "sites.folded");
	T_EQ(symlink(target, path), 0);
	fd = _as_tmp_open(path, tmp, sizeof tmp);
	T_CHECK(fd >= 0);
	if (fd >= 0) {
		T_EQ(write(fd, "a;b 1\n", 6), 6);
		T_EQ(_as_tmp_finish(fd, 0, tmp, path), 0);
	}
	T_CHECK(file_is(path, "a;b 1\n"));
	T_EQ(lstat(target, &st), -1);

	/* errors come back as errno values */
	path_of(path, sizeof path, "no/such/dir/r.json");
	T_EQ(_as_tmp_open(path, tmp, sizeof tmp), -ENOENT);
	path_of(path, sizeof path, "r.json/sub");
	T_EQ(_as_tmp_open(path, tmp, sizeof tmp), -ENOTDIR);
	/* no room for the temporary name, or for the .PID name */
	path_of(path, sizeof path, "r.json");
	{
		size_t cap = strlen(path) + 8;
		char *small = malloc(cap);
		T_EQ(_as_tmp_open(path, small, cap), -ENAMETOOLONG);
		T_EQ(put(path, 4242, "x", small, cap), ENAMETOOLONG);
		free(small);
	}
	T_EQ(tmp_files(), 0);
	umask(old_mask);
}

/* ---- summary and JSON --------------------------------------------------------- */

static struct as_options opt;
static struct as_backend_state backend;
static struct as_core_info ci;
static struct as_totals tot;
static struct as_memory mem;

static void setup_report(void)
{
	char err[256];
	T_EQ(_as_options_parse(NULL, &opt, err, sizeof err), 0);
	memset(&backend, 0, sizeof backend);
	strcpy(backend.name, "system");
	strcpy(backend.spec, "system");
	ci.opt = &opt;
	ci.backend = &backend;
	ci.fallback_used = 0;
	ci.start_ns = 0;
	memset(&tot, 0, sizeof tot);
	tot.calls[AS_CALL_malloc] = 1234567;
	tot.calls[AS_CALL_free] = 1000;
	tot.calls[AS_CALL_calloc] = 0;
	tot.calls[AS_CALL_realloc] = 999;
	tot.calls[AS_CALL_aligned] = 1;
	tot.calls[AS_CALL_usable_size] = 12;
	tot.calls[AS_CALL_failed] = UINT64_MAX;
	tot.requested = 47395635; /* 45.2 MiB */
	tot.peak_live = 1536;     /* 1.5 KiB */
	tot.live = 100;
	tot.hist[0] = 5;
	tot.hist[3] = 2;
	tot.hist[37] = 1; /* a 1 TiB request */
	tot.threads_seen = 3;
	mem.rss_peak = 1073741824; /* 1.0 GiB */
	mem.rss_end = 5 << 20;
	mem.anon_end = 200;
	mem.minor_faults = 10;
	mem.major_faults = 0;
}

/* Each line of want (NUL-separated list, empty string ends it) is in got,
 * and got has exactly nlines lines. */
static void lines_are(const char *got, const char *const *want, unsigned nlines)
{
	unsigned n = 0;
	const char *p;
	for (; *want; want++) {
		if (!strstr(got, *want))
			t_say("summary has no \"%s\" in:\n%s", *want, got);
		T_CHECK(strstr(got, *want) != NULL);
	}
	for (p = got; *p; p++)
		n += *p == '\n';
	T_EQ(n, nlines);
}

static void test_summary(void)
{
	char buf[2048], first[256], version[128];
	char *small;
	size_t cap;
	const char *want[8];

	setup_report();
	_as_libc_version(version, sizeof version);
#ifdef __GLIBC__
	T_STREQ(version, gnu_get_libc_version());
#endif
	_as_report_summary(buf, sizeof buf, &ci, &tot, &mem, "/tmp/x.json");
	snprintf(first, sizeof first, "allocswap: unknown [pid %d] on system%s%s, stats counters\n",
		 (int)getpid(), version[0] ? " " : "", version);
	T_CHECK(strncmp(buf, first, strlen(first)) == 0);
	want[0] = first;
	want[1] = "\nallocswap:   calls malloc 1,234,567  free 1,000  calloc 0  realloc 999  aligned 1"
		  "  usable_size 12  failed 18,446,744,073,709,551,615\n";
	want[2] = "\nallocswap:   heap  requested 45.2 MiB, peak live 1.5 KiB, live at exit 100 B\n";
	want[3] = "\nallocswap:   rss   peak 1.0 GiB, at exit 5.0 MiB, anon at exit 200 B, ";
	want[4] = " 2.00\n"; /* anon / live */
	want[5] = "\nallocswap:   report /tmp/x.json\n";
	want[6] = NULL;
	lines_are(buf, want, 5);

	/* sizes at the unit boundaries, fallback, stats off, no report */
	tot.requested = 1023;
	tot.peak_live = 1024;
	tot.live = 0;
	tot.calls[AS_CALL_failed] = 0;
	mem.rss_peak = 3LL << 40;
	mem.rss_end = 1048576 + 104858; /* 1.1 MiB */
	mem.anon_end = 0;
	ci.fallback_used = 1;
	opt.stats = AS_STATS_OFF;
	_as_report_summary(buf, sizeof buf, &ci, &tot, &mem, NULL);
	snprintf(first, sizeof first,
		 "allocswap: unknown [pid %d] on system%s%s (FALLBACK), stats off\n", (int)getpid(),
		 version[0] ? " " : "", version);
	T_CHECK(strncmp(buf, first, strlen(first)) == 0);
	want[1] = "\nallocswap:   calls malloc 1,234,567  free 1,000  calloc 0  realloc 999  aligned 1"
		  "  usable_size 12  failed 0\n";
	want[2] = "\nallocswap:   heap  requested 1023 B, peak live 1.0 KiB, live at exit 0 B\n";
	want[3] = "\nallocswap:   rss   peak 3.0 TiB, at exit 1.1 MiB, anon at exit 0 B\n";
	want[4] = NULL;
	lines_are(buf, want, 4);

	/* without counters: no calls or heap lines */
	_as_report_summary(buf, sizeof buf, &ci, NULL, &mem, NULL);
	want[1] = "\nallocswap:   rss   peak 3.0 TiB, at exit 1.1 MiB, anon at exit 0 B\n";
	want[2] = NULL;
	lines_are(buf, want, 2);

	/* a small buffer: truncated, NUL-terminated, no overrun */
	for (cap = 1; cap < 200; cap += 37) {
		small = malloc(cap);
		_as_report_summary(small, cap, &ci, &tot, &mem, "/tmp/x.json");
		T_EQ(strlen(small), cap - 1);
		free(small);
	}
}

static void test_json(void)
{
	static char out[1 << 16];
	struct as_json j;
	setup_report();
	tot.calls[AS_CALL_failed] = 3;
	_as_json_init_mem(&j, out, sizeof out);
	_as_report_json(&j, &ci, &tot, &mem);
	T_EQ(_as_json_finish(&j), 0);
#ifdef ALLOCSWAP_HAVE_JANSSON
	{
		json_error_t e;
		json_t *r = json_loads(out, 0, &e), *o, *h;
		static const char *const top[] = {"schema", "process", "libc", "allocator", "calls",
						  "bytes", "memory", "histogram", "syscalls", "faults"};
		size_t i;
		T_CHECK(r != NULL);
		if (!r) {
			t_say("%s", out);
			t_say("jansson: %s at line %d column %d", e.text, e.line, e.column);
			return;
		}
		for (i = 0; i < sizeof top / sizeof top[0]; i++)
			if (!json_object_get(r, top[i]))
				t_say("report: no key %s", top[i]);
		for (i = 0; i < sizeof top / sizeof top[0]; i++)
			T_CHECK(json_object_get(r, top[i]) != NULL);
		T_STREQ(json_string_value(json_object_get(r, "schema")), "allocswap.report/1");
		o = json_object_get(r, "process");
		T_EQ(json_integer_value(json_object_get(o, "pid")), getpid());
		T_CHECK(json_is_array(json_object_get(o, "argv")));
		T_CHECK(json_is_string(json_object_get(o, "exe")));
		T_CHECK(json_is_integer(json_object_get(o, "wall_ns")));
		o = json_object_get(r, "libc");
#ifdef __GLIBC__
		T_STREQ(json_string_value(json_object_get(o, "name")), "glibc");
		T_STREQ(json_string_value(json_object_get(o, "version")), gnu_get_libc_version());
#else
		T_STREQ(json_string_value(json_object_get(o, "name")), "musl");
#endif
		o = json_object_get(r, "allocator");
		T_STREQ(json_string_value(json_object_get(o, "name")), "system");
		T_CHECK(json_is_string(json_object_get(o, "path")));
		T_CHECK(json_object_get(o, "version") != NULL);
		o = json_object_get(r, "calls");
		T_EQ(json_object_size(o), AS_NCALLS);
		T_EQ(json_integer_value(json_object_get(o, "malloc")), 1234567);
		T_EQ(json_integer_value(json_object_get(o, "free")), 1000);
		T_EQ(json_integer_value(json_object_get(o, "calloc")), 0);
		T_EQ(json_integer_value(json_object_get(o, "realloc")), 999);
		T_EQ(json_integer_value(json_object_get(o, "aligned")), 1);
		T_EQ(json_integer_value(json_object_get(o, "usable_size")), 12);
		T_EQ(json_integer_value(json_object_get(o, "failed")), 3);
		o = json_object_get(r, "bytes");
		T_EQ(json_integer_value(json_object_get(o, "requested")), 47395635);
		T_EQ(json_integer_value(json_object_get(o, "live")), 100);
		T_EQ(json_integer_value(json_object_get(o, "peak_live")), 1536);
		o = json_object_get(r, "memory");
		T_EQ(json_integer_value(json_object_get(o, "rss_peak")), 1073741824);
		T_EQ(json_integer_value(json_object_get(o, "rss_end")), 5 << 20);
		T_EQ(json_integer_value(json_object_get(o, "anon_end")), 200);
		T_CHECK(json_real_value(json_object_get(o, "fragmentation")) == 2.0);
		h = json_object_get(r, "histogram");
		T_EQ(json_array_size(h), 38); /* up to the last bucket used */
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 0), "le")), 15);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 0), "count")), 5);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 1), "le")), 31);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 1), "count")), 0);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 3), "le")), 127);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 3), "count")), 2);
		T_CHECK(json_integer_value(json_object_get(json_array_get(h, 37), "le")) ==
			((json_int_t)1 << 41) - 1);
		T_EQ(json_integer_value(json_object_get(json_array_get(h, 37), "count")), 1);
		o = json_object_get(r, "threads");
		T_EQ(json_integer_value(json_object_get(o, "seen")), 3);
		T_EQ(json_integer_value(json_object_get(o, "slack_bytes")), 65536);
		o = json_object_get(r, "syscalls");
		T_CHECK(json_is_string(json_object_get(o, "source")));
		o = json_object_get(r, "faults");
		T_EQ(json_integer_value(json_object_get(o, "minor")), 10);
		T_EQ(json_integer_value(json_object_get(o, "major")), 0);
		json_decref(r);
	}
#endif
	/* a request of 2^63 bytes or more lands in the last bucket: still JSON */
	tot.hist[AS_HIST_BUCKETS - 1] = 1;
	_as_json_init_mem(&j, out, sizeof out);
	_as_report_json(&j, &ci, &tot, &mem);
	T_EQ(_as_json_finish(&j), 0);
#ifdef ALLOCSWAP_HAVE_JANSSON
	{
		json_error_t e;
		/* no JSON_DECODE_INT_AS_REAL: every integer fits int64 */
		json_t *r = json_loads(out, 0, &e), *h;
		T_CHECK(r != NULL);
		h = json_object_get(r, "histogram");
		T_EQ(json_array_size(h), AS_HIST_BUCKETS);
		/* the last bucket has no upper bound: null */
		T_CHECK(json_is_null(json_object_get(json_array_get(h, AS_HIST_BUCKETS - 1), "le")));
		T_EQ(json_integer_value(json_object_get(json_array_get(h, AS_HIST_BUCKETS - 2), "le")),
		     (long long)_as_hist_le(AS_HIST_BUCKETS - 2));
		json_decref(r);
	}
#endif

	/* unknown memory figures are null, not -1; no counters: no calls */
	mem.rss_peak = mem.rss_end = mem.anon_end = -1;
	_as_json_init_mem(&j, out, sizeof out);
	_as_report_json(&j, &ci, NULL, &mem);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(out, "\"rss_peak\": null") != NULL);
	T_CHECK(strstr(out, "\"fragmentation\": null") != NULL);
	T_CHECK(strstr(out, "\"calls\"") == NULL);
	T_CHECK(strstr(out, "\"rss_end\": null") != NULL);
	T_CHECK(strstr(out, "\"anon_end\": null") != NULL);
}

int main(void)
{
	char tmpl[] = "/tmp/allocswap-report-XXXXXX";
	char cmd[128];
	test_expand();
	if (!mkdtemp(tmpl)) {
		T_CHECK(!"mkdtemp");
		return t_done();
	}
	snprintf(dir, sizeof dir, "%s", tmpl);
	test_open();
	test_summary();
	test_json();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	T_EQ(system(cmd), 0);
	return t_done();
}
