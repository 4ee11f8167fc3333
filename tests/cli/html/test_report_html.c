/* test_report_html: as_report_html on synthetic summaries.
 *
 *   test_report_html            every check below, in a temporary directory
 *   test_report_html write DIR  the full synthetic report into DIR/report.html
 *                               (and its checks), for screenshot.sh
 *   test_report_html png FILE   checks a screenshot: decodes the PNG (zlib),
 *                               requires charts' colours and ink on the page,
 *                               and a blank band at both sides (nothing
 *                               sticks out of the centred column)
 *
 * The full summary is 26 benchmarks (the built-in suite's names) plus one
 * named with HTML's special characters, x 6 configurations, with a failed
 * cell, a cell where one process failed, syscall counts, and a timeline in
 * runs.jsonl.  Checks: exit status, one inline <svg> per chart, no
 * reference outside the page, unique ids, escaping, the failed cell shown.
 * Then a minimal summary (no samples, syscalls or timeline: the page says
 * so) and a PATH without gnuplot (one error line naming the package).
 * Exit 77 when gnuplot is not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report_html.h"
#include "results.h"

#ifdef ALLOCSWAP_TEST_ZLIB
#include <zlib.h>
#endif

/* cli.c's command table (the tests have no commands) */
const struct as_cmd as_cmds[1];
const size_t as_ncmds = 0;

static int failures;

#define CHECK(cond, ...)                                                             \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);         \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static const char *const benches[][2] = {
	{"nbody", "numeric"},           {"spectral_norm", "numeric"},
	{"fannkuch", "numeric"},        {"float", "numeric"},
	{"richards", "objects"},        {"deltablue", "objects"},
	{"json_dumps", "serialization"}, {"json_loads", "serialization"},
	{"pickle", "serialization"},    {"unpickle", "serialization"},
	{"regex", "regex"},             {"regex_compile", "regex"},
	{"template", "text"},           {"text_split_join", "text"},
	{"sqlite", "sqlite"},           {"xml_generate", "xml"},
	{"xml_parse", "xml"},           {"zlib", "compression"},
	{"startup", "startup"},         {"asyncio", "asyncio"},
	{"dict_churn", "stress"},       {"list_churn", "stress"},
	{"bytes_churn", "stress"},      {"bytearray_churn", "stress"},
	{"fragmentation", "stress"},    {"threads_alloc", "stress"},
	{"esc<&>\"'_name", "odd <group>"},
};
#define NB (sizeof benches / sizeof benches[0])

/* allocator, pymalloc, its baseline (as cmd_report chooses them: the
 * system allocator with the same pymalloc), speed factor, rss factor */
static const struct {
	const char *alloc, *pymalloc;
	size_t base;
	double speed, rss;
} cfgs[] = {
	{"system", "on", 0, 1.00, 1.00},    {"jemalloc", "on", 0, 1.04, 1.10},
	{"mimalloc", "on", 0, 1.09, 1.35},  {"tbbmalloc", "on", 0, 0.97, 1.25},
	{"system", "off", 4, 0.70, 1.40},   {"jemalloc", "off", 4, 0.80, 1.60},
};
#define NC (sizeof cfgs / sizeof cfgs[0])
#define RUNS 5
#define FAILED_B 25 /* threads_alloc on tbbmalloc: every process failed */
#define FAILED_C 3
#define PARTIAL_B 24 /* fragmentation on mimalloc: one process failed */
#define PARTIAL_C 2
#define TIMELINE_B 24

static uint64_t rng = 88172645463325252ULL;

static double urand(void) /* [0, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void config_id(size_t c, char *buf, size_t cap)
{
	struct as_config k = {0};
	snprintf(k.allocator, sizeof k.allocator, "%s", cfgs[c].alloc);
	snprintf(k.libc, sizeof k.libc, "glibc");
	snprintf(k.image, sizeof k.image, "host");
	snprintf(k.pymalloc, sizeof k.pymalloc, "%s", cfgs[c].pymalloc);
	snprintf(k.seccomp, sizeof k.seccomp, "default");
	as_config_id(&k, buf, cap);
}

static void verdict(double ratio, int sig, char *buf, size_t cap)
{
	if (!sig)
		snprintf(buf, cap, "not significant");
	else if (ratio >= 1)
		snprintf(buf, cap, "%.2fx faster (%+.0f%%)", ratio, (1 / ratio - 1) * 100);
	else
		snprintf(buf, cap, "%.2fx slower (%+.0f%%)", 1 / ratio, (1 / ratio - 1) * 100);
}

static json_t *meta(void)
{
	return json_pack(
		"{s:s, s:{s:s, s:s}, s:[s,s,s,s,s,s,s], s:s, s:s,"
		" s:{s:s, s:s, s:s, s:i, s:I}, s:{s:s, s:s}, s:{s:s},"
		" s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}},"
		" s:{s:s, s:i, s:i, s:i}}",
		"schema", AS_BENCH_SCHEMA, "allocswap", "version", "0.1.0", "commit", "abc1234",
		"command", "allocswap", "bench", "-o", "out dir", "--cmd", "python3 -c 'print(1<2)'",
		"--runs=5", "started", "2026-11-23T04:30:00Z", "finished", "2026-11-23T05:10:00Z",
		"host", "hostname", "bench-host <1>", "kernel", "6.18.0", "cpu",
		"Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "nproc", 2, "mem_bytes",
		(json_int_t)8 << 30, "python", "path", "/usr/bin/python3", "version", "3.11.2",
		"libcs", "glibc", "2.36", "allocators", "jemalloc", "version", "5.3.0", "path",
		"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "libc", "glibc", "mimalloc", "version",
		"2.0.9", "path", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", "libc", "glibc",
		"system", "version", "glibc 2.36", "path", "", "libc", "glibc", "matrix", "suite",
		"builtin", "runs", RUNS, "values", 3, "warmups", 1);
}

/* The full synthetic summary, and DIR/runs.jsonl with one timeline per
 * configuration for TIMELINE_B. */
static json_t *full_summary(const char *dir)
{
	json_t *s = json_object(), *configs = json_array(), *bl = json_array(),
	       *cells = json_array(), *geo = json_array();
	double logsum[NC] = {0};
	size_t nlog[NC] = {0};
	char base[256];
	size_t b, c, i;

	config_id(0, base, sizeof base);
	for (c = 0; c < NC; c++) {
		char id[256], bid[256], label[64];
		config_id(c, id, sizeof id);
		config_id(cfgs[c].base, bid, sizeof bid);
		snprintf(label, sizeof label, "%s pymalloc=%s", cfgs[c].alloc, cfgs[c].pymalloc);
		json_array_append_new(configs,
				      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
						id, "allocator", cfgs[c].alloc, "libc", "glibc",
						"image", "host", "pymalloc", cfgs[c].pymalloc,
						"seccomp", "default", "baseline", bid, "label", label));
	}
	for (b = 0; b < NB; b++)
		json_array_append_new(bl, json_pack("{s:s, s:s}", "name", benches[b][0], "group",
						    benches[b][1]));
	for (b = 0; b < NB; b++) {
		double t0 = 0.02 + 0.9 * urand(), means[NC] = {0};
		for (c = 0; c < NC; c++) {
			json_t *cell, *samples = json_array(), *sys;
			double speed = cfgs[c].speed * (0.93 + 0.14 * urand()), x[RUNS], mean = 0,
			       var = 0, ratio, rss, live;
			int n = RUNS, sig;
			char id[256], v[64];
			config_id(c, id, sizeof id);
			if (c == 0)
				speed = 1;
			if (c == cfgs[c].base && c)
				speed = cfgs[c].speed;
			if (b == PARTIAL_B && c == PARTIAL_C)
				n = RUNS - 1;
			if (b == FAILED_B && c == FAILED_C) {
				json_array_append_new(
					cells,
					json_pack("{s:s, s:s, s:i, s:i, s:[s], s:n, s:n, s:n, s:s, "
						  "s:n, s:n}",
						  "bench", benches[b][0], "config", id, "n", 0, "failed",
						  RUNS, "errors",
						  "killed by signal 11 (Segmentation fault) <core dumped>",
						  "mean", "ratio", "samples", "verdict",
						  "FAILED (5 of 5 processes: killed by signal 11)", "rss_peak",
						  "syscalls"));
				json_decref(samples);
				continue;
			}
			for (i = 0; i < (size_t)n; i++) {
				x[i] = t0 / speed * (0.96 + 0.08 * urand());
				mean += x[i] / n;
				json_array_append_new(samples, json_real(x[i]));
			}
			for (i = 0; i < (size_t)n; i++)
				var += (x[i] - mean) * (x[i] - mean) / (n - 1);
			means[c] = mean;
			ratio = means[cfgs[c].base] / mean;
			sig = c != cfgs[c].base && fabs(ratio - 1) > 0.05;
			if (c == cfgs[c].base)
				snprintf(v, sizeof v, "baseline");
			else
				verdict(ratio, sig, v, sizeof v);
			if (c != cfgs[c].base) {
				logsum[c] += log(ratio);
				nlog[c]++;
			}
			live = (8 + 60 * urand()) * 1048576;
			rss = (live + 12 * 1048576) * cfgs[c].rss * (0.95 + 0.1 * urand());
			sys = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i}", "source", "perf", "mmap",
					(int)(40 + 200 * urand() * cfgs[c].rss), "munmap",
					(int)(20 + 150 * urand()), "mremap", (int)(5 * urand()), "brk",
					c == 0 ? (int)(300 + 100 * urand()) : 0, "madvise",
					!strcmp(cfgs[c].alloc, "jemalloc") ? (int)(500 + 300 * urand())
									    : (int)(30 * urand()));
			cell = json_pack("{s:s, s:s, s:i, s:i, s:[], s:f, s:f, s:f, s:f, s:f, s:[f,f], "
					 "s:o, s:f, s:f, s:f, s:f, s:b, s:s, s:f, s:f, s:f, s:o}",
					 "bench", benches[b][0], "config", id, "n", n, "failed",
					 RUNS - n, "errors", "mean", mean, "std", sqrt(var), "median",
					 mean, "min", mean * 0.96, "max", mean * 1.04, "ci95",
					 mean * 0.98, mean * 1.02, "samples", samples, "ratio", ratio,
					 "time_change", 1 / ratio - 1, "p_value", sig ? 0.001 : 0.4,
					 "p_adjusted", sig ? 0.01 : 0.9, "significant", sig, "verdict", v,
					 "rss_peak", rss, "peak_live", live, "fragmentation_at_peak",
					 rss / live, "syscalls", sys);
			if (c != cfgs[c].base)
				json_object_set_new(cell, "ratio_ci95",
						    json_pack("[f,f]", ratio * 0.97, ratio * 1.03));
			if (b == PARTIAL_B && c == PARTIAL_C)
				json_array_append_new(json_object_get(cell, "errors"),
						      json_string("exited 1: MemoryError"));
			json_array_append_new(cells, cell);
		}
	}
	for (c = 0; c < NC; c++) {
		char id[256], v[64];
		double g = exp(logsum[c] / (double)(nlog[c] ? nlog[c] : 1));
		int sig = c != cfgs[c].base && fabs(g - 1) > 0.02;
		config_id(c, id, sizeof id);
		if (c == cfgs[c].base)
			snprintf(v, sizeof v, "baseline");
		else
			verdict(g, sig, v, sizeof v);
		json_array_append_new(geo, json_pack("{s:s, s:f, s:[f,f], s:b, s:s}", "config", id,
						     "ratio", g, "ci95", g * 0.985, g * 1.015,
						     "significant", sig, "verdict", v));
	}
	json_object_set_new(s, "schema", json_string("allocswap.summary/1"));
	json_object_set_new(s, "meta", meta());
	json_object_set_new(s, "baseline", json_string(base));
	json_object_set_new(s, "configs", configs);
	json_object_set_new(s, "benchmarks", bl);
	json_object_set_new(s, "cells", cells);
	json_object_set_new(s, "geomean", geo);

	/* runs.jsonl: a report with a timeline per configuration for one
	 * benchmark, and one record without a report */
	for (c = 0; c < NC; c++) {
		json_t *tl = json_array(), *rec;
		char id[256];
		double peak = (20 + 10 * (double)c) * 1048576;
		config_id(c, id, sizeof id);
		for (i = 0; i < 60; i++) {
			double t = (double)i * 25, up = i < 40 ? (double)i / 40 : (60.0 - (double)i) / 20;
			json_array_append_new(tl, json_pack("[f, f, f]", t, peak * up,
							    peak * (i < 40 ? up : 1) * cfgs[c].rss + 9e6));
		}
		rec = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s, s:o, s:{s:s, s:s}}}", "schema",
				AS_RUN_SCHEMA, "bench", benches[TIMELINE_B][0], "config", id, "run", 0,
				"status", "ok", "report", "schema", "allocswap.report/1", "timeline", tl,
				"syscalls", "source", "perf", "reason", "");
		CHECK(as_runs_append(dir, rec) == 0, "as_runs_append");
		json_decref(rec);
	}
	return s;
}

/* A summary with one configuration, no samples, no syscalls, no memory
 * figures: the page must still be whole and say what is missing. */
static json_t *minimal_summary(void)
{
	return json_pack("{s:s, s:o, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s}],"
			 " s:[{s:s, s:s}, {s:s, s:s}],"
			 " s:[{s:s, s:s, s:i, s:i, s:f, s:f, s:s, s:n},"
			 "    {s:s, s:s, s:i, s:i, s:f, s:f, s:s, s:n}],"
			 " s:[]}",
			 "schema", "allocswap.summary/1", "meta", json_object(), "baseline", "only",
			 "configs", "id", "only", "allocator", "system", "libc", "glibc", "image",
			 "host", "pymalloc", "on", "seccomp", "default", "benchmarks", "name", "a",
			 "group", "g", "name", "b", "group", "g", "cells", "bench", "a", "config",
			 "only", "n", 3, "failed", 0, "mean", 0.5, "std", 0.01, "verdict", "baseline",
			 "syscalls", "bench", "b", "config", "only", "n", 3, "failed", 0, "mean", 2.0,
			 "std", 0.1, "verdict", "baseline", "syscalls", "geomean");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks every page must pass: it is one self-contained file. */
static void check_self_contained(const char *html)
{
	static const char *const banned[] = {"<script", "<link", "<img", "<iframe", "<object",
					     "<embed", "@import", " src=", "<base", "<meta http"};
	const char *p;
	size_t i, nids = 0;
	char **ids;

	CHECK(!strncmp(html, "<!DOCTYPE html>", 15), "page starts with the doctype");
	CHECK(strstr(html, "</html>") != NULL, "page is complete");
	for (i = 0; i < sizeof banned / sizeof banned[0]; i++)
		CHECK(!strcasestr(html, banned[i]), "page contains %s", banned[i]);
	for (p = html; (p = strcasestr(p, "http")); p += 4) {
		int ok = (p - html > 7 && !strncmp(p - 7, "xmlns=\"", 7)) ||
			 (p - html > 13 && !strncmp(p - 13, "xmlns:xlink=\"", 13));
		CHECK(ok, "external reference: %.60s", p);
	}
	for (p = html; (p = strstr(p, "url(")); p += 4)
		CHECK(p[4] == '#', "url() outside the page: %.40s", p);
	for (p = html; (p = strstr(p, "href=")); p += 5)
		CHECK((p[5] == '"' || p[5] == '\'') && p[6] == '#', "link outside the page: %.40s", p);
	CHECK(count(html, "<svg") == count(html, "</svg>"), "<svg> balanced");
	/* ids are unique across the inlined charts */
	ids = calloc(count(html, " id=") + 1, sizeof *ids);
	for (p = html; ids && (p = strstr(p, " id=")); p += 4) {
		char q = p[4];
		const char *e = q == '"' || q == '\'' ? strchr(p + 5, q) : NULL;
		if (e)
			ids[nids++] = strndup(p + 5, (size_t)(e - p - 5));
	}
	qsort(ids, nids, sizeof *ids, cmp_str);
	for (i = 1; i < nids; i++)
		CHECK(strcmp(ids[i - 1], ids[i]), "duplicate id '%s'", ids[i]);
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
}

static char *render(const char *dir, json_t *summary, int expect_rc)
{
	char path[4096];
	char *html;
	int rc;
	snprintf(path, sizeof path, "%s/report.html", dir);
	rc = as_report_html(dir, summary, path);
	CHECK(rc == expect_rc, "as_report_html returned %d, expected %d", rc, expect_rc);
	html = as_read_all(path, NULL);
	if (expect_rc == 0)
		CHECK(html != NULL, "%s not written", path);
	return html;
}

static void check_full(const char *dir)
{
	json_t *s = full_summary(dir);
	char *html = render(dir, s, 0);
	json_decref(s);
	if (!html)
		return;
	check_self_contained(html);
	/* speed, box plots, peak RSS, fragmentation, syscalls, timeline */
	CHECK(count(html, "<svg class=\"chart\"") == 6, "%zu charts, expected 6",
	      count(html, "<svg class=\"chart\""));
	CHECK(!strstr(html, "esc<&>"), "benchmark name not escaped");
	CHECK(strstr(html, "esc&lt;&amp;&gt;&quot;&#39;_name"), "escaped benchmark name missing");
	CHECK(strstr(html, "odd &lt;group&gt;"), "escaped group missing");
	CHECK(strstr(html, "bench-host &lt;1&gt;"), "escaped host name missing");
	CHECK(strstr(html, "&#39;python3 -c &#39;\\&#39;&#39;print(1&lt;2)&#39;\\&#39;&#39;&#39;"),
	      "command line not shell-quoted and escaped");
	CHECK(strstr(html, "<td class=\"failed\">FAILED (5 of 5 processes"), "failed cell not shown");
	CHECK(strstr(html, "killed by signal 11 (Segmentation fault) &lt;core dumped&gt;"),
	      "failed cell's error missing");
	CHECK(strstr(html, "1 process failed"), "partly failed cell not flagged");
	CHECK(strstr(html, "exited 1: MemoryError"), "partly failed cell's error missing");
	CHECK(strstr(html, "geometric mean"), "geometric mean row missing");
	CHECK(strstr(html, "jemalloc pymalloc=off"), "labels do not show what varies");
	CHECK(strstr(html, "baselines <b>system pymalloc=on</b>, <b>system pymalloc=off</b>"),
	      "the two baselines are not named");
	CHECK(count(html, "<span class=\"sub\">vs system pymalloc=off</span>") == 2,
	      "the columns compared with the second baseline are not marked");
	CHECK(!strstr(html, "syscall counts not available"), "syscalls said missing");
	CHECK(!strstr(html, "No run recorded a memory timeline"), "timeline said missing");
	CHECK(strstr(html, "How to read this"), "how to read this missing");
	free(html);
}

static void check_minimal(const char *dir)
{
	json_t *s = minimal_summary();
	char *html = render(dir, s, 0);
	json_decref(s);
	if (!html)
		return;
	check_self_contained(html);
	CHECK(strstr(html, "syscall counts not available: no run recorded them"),
	      "no note on missing syscalls");
	CHECK(strstr(html, "No run recorded a memory timeline."), "no note on the timeline");
	CHECK(strstr(html, "Every configuration is a baseline: nothing to compare."),
	      "no note on one config");
	CHECK(strstr(html, "No per-process samples in the summary"), "no note on samples");
	CHECK(strstr(html, "No peak RSS in the summary."), "no note on missing RSS");
	CHECK(count(html, "<svg class=\"chart\"") == 0, "charts drawn from nothing");
	free(html);
}

static void check_no_gnuplot(const char *dir)
{
	char path[4096], err[4096], out[4096], *msg;
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	json_t *s = minimal_summary();
	int fd, saved;
	snprintf(path, sizeof path, "%s/nogp", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	snprintf(out, sizeof out, "%s/nogp.html", dir);
	as_mkdirs(path);
	setenv("PATH", path, 1);
	fflush(stderr);
	saved = dup(2);
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	CHECK(as_report_html(dir, s, out) == 1, "no gnuplot: not an error");
	CHECK(access(out, F_OK) != 0, "no gnuplot: a page was written anyway");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	json_decref(s);
	msg = as_read_all(err, NULL);
	CHECK(msg && count(msg, "\n") == 1, "no gnuplot: not one line: %s", msg ? msg : "");
	CHECK(msg && strstr(msg, "allocswap: ") == msg, "no gnuplot: line without the prefix");
	CHECK(msg && strstr(msg, "apt-get install gnuplot-nox"), "no gnuplot: no install hint");
	free(msg);
}

/* ---- the screenshot ------------------------------------------------------------- */

#ifdef ALLOCSWAP_TEST_ZLIB
static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* 8-bit RGB or RGBA, not interlaced: what Chromium writes.  Returns the
 * pixels as RGB, or NULL. */
static unsigned char *png_decode(const char *path, uint32_t *w, uint32_t *h)
{
	size_t len, off = 8, zlen = 0, stride, bpp, y, x;
	unsigned char *f = (unsigned char *)as_read_all(path, &len), *z = NULL, *raw = NULL,
		      *rgb = NULL;
	uLongf rawlen;
	if (!f || len < 8 || memcmp(f, "\x89PNG\r\n\x1a\n", 8))
		goto out;
	*w = *h = 0;
	bpp = 0;
	z = malloc(len);
	while (z && off + 12 <= len) {
		uint32_t n = be32(f + off);
		const unsigned char *type = f + off + 4, *data = f + off + 8;
		if (off + 12 + n > len)
			goto out;
		if (!memcmp(type, "IHDR", 4)) {
			*w = be32(data);
			*h = be32(data + 4);
			if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[12] != 0) {
				fprintf(stderr, "png: bit depth %d colour type %d interlace %d\n",
					data[8], data[9], data[12]);
				goto out;
			}
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			memcpy(z + zlen, data, n);
			zlen += n;
		}
		off += 12 + n;
	}
	if (!bpp || !*w || !*h)
		goto out;
	stride = (size_t)*w * bpp;
	rawlen = (uLongf)((stride + 1) * *h);
	raw = malloc(rawlen);
	rgb = malloc((size_t)*w * *h * 3);
	if (!raw || !rgb || uncompress(raw, &rawlen, z, zlen) != Z_OK ||
	    rawlen != (stride + 1) * *h) {
		free(rgb);
		rgb = NULL;
		goto out;
	}
	for (y = 0; y < *h; y++) {
		unsigned char *row = raw + y * (stride + 1) + 1, *up = y ? row - stride - 1 : NULL;
		int ft = row[-1];
		for (x = 0; x < stride; x++) {
			int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0,
			    c = up && x >= bpp ? up[x - bpp] : 0;
			switch (ft) {
			case 1: row[x] = (unsigned char)(row[x] + a); break;
			case 2: row[x] = (unsigned char)(row[x] + b); break;
			case 3: row[x] = (unsigned char)(row[x] + (a + b) / 2); break;
			case 4: row[x] = (unsigned char)(row[x] + paeth(a, b, c)); break;
			default: break;
			}
		}
		for (x = 0; x < *w; x++)
			memcpy(rgb + (y * *w + x) * 3, row + x * bpp, 3);
	}
out:
	free(f);
	free(z);
	free(raw);
	return rgb;
}

static int check_png(const char *path)
{
	uint32_t w, h, x, y;
	unsigned char *px = png_decode(path, &w, &h);
	size_t ink = 0, blue = 0, orange = 0, red = 0, edge = 0, n;
	if (!px) {
		fprintf(stderr, "FAIL cannot decode %s\n", path);
		return 1;
	}
	n = (size_t)w * h;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *p = px + ((size_t)y * w + x) * 3;
			int white = p[0] > 245 && p[1] > 245 && p[2] > 245;
			ink += !white;
			/* the palette's first colours, solid or pale: jemalloc's
			 * #0072B2 and mimalloc's #E69F00, and the failed cell */
			blue += p[2] > 150 && p[0] < 90 && p[1] > 80 && p[1] < 150;
			orange += p[0] > 200 && p[1] > 130 && p[1] < 180 && p[2] < 60;
			red += p[0] > 170 && p[1] < 70 && p[2] < 70;
			/* the page is a centred column at most 1120 px wide: a
			 * band at each side of a 1280 px window stays blank */
			if ((x < 60 || x + 60 >= w) && !white)
				edge++;
		}
	free(px);
	printf("screenshot %ux%u: %.1f%% ink, %zu blue, %zu orange, %zu red, %zu at the edges\n",
	       w, h, 100.0 * (double)ink / (double)n, blue, orange, red, edge);
	CHECK(w >= 1000 && h >= 1000, "screenshot too small");
	CHECK(ink > n / 50, "screenshot nearly blank");
	CHECK(blue > 2000 && orange > 2000, "chart colours missing: the charts did not render");
	CHECK(red > 200, "the failed cell is not highlighted");
	CHECK(edge == 0, "%zu pixels outside the page's column: something overflows", edge);
	return failures ? 1 : 0;
}
#endif

int main(int argc, char **argv)
{
	char *dir;
	int keep = argc == 3 && !strcmp(argv[1], "write");

	if (argc == 3 && !strcmp(argv[1], "png")) {
#ifdef ALLOCSWAP_TEST_ZLIB
		return check_png(argv[2]);
#else
		fprintf(stderr, "SKIP built without zlib: cannot check the screenshot's pixels\n");
		return 77;
#endif
	}
	if (argc != 1 && !keep) {
		fprintf(stderr, "usage: test_report_html [write DIR | png FILE]\n");
		return 2;
	}
	if (system("command -v gnuplot >/dev/null 2>&1")) {
		fprintf(stderr, "SKIP gnuplot is not installed (apt-get install gnuplot-nox)\n");
		return 77;
	}
	if (keep) {
		dir = strdup(argv[2]);
		as_mkdirs(dir);
		check_full(dir);
	} else {
		char sub[4096];
		dir = as_tmpdir("test-report-html");
		if (!dir) {
			perror("mkdtemp");
			return 1;
		}
		snprintf(sub, sizeof sub, "%s/full", dir);
		as_mkdirs(sub);
		check_full(sub);
		snprintf(sub, sizeof sub, "%s/minimal", dir);
		as_mkdirs(sub);
		check_minimal(sub);
		check_no_gnuplot(dir);
		as_rmtree(dir);
	}
	free(dir);
	if (failures)
		fprintf(stderr, "%d check%s failed\n", failures, failures == 1 ? "" : "s");
	else
		printf("ok\n");
	return failures ? 1 : 0;
}
