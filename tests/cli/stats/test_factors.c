/* test_factors: tools/report/factors.c on summaries built here, under ASan/UBSan.
 *
 * Every cell's samples are m(1-d), m, m(1+d): their mean is m and the
 * variance of the log-mean is d^2/3 with 2 degrees of freedom, so each
 * comparison's point estimate, variance and Welch-Satterthwaite df are
 * known exactly:
 * - ratios of two cells: log var d1^2/3 + d2^2/3, df (sum c)^2 / sum(c^2/2);
 * - the interaction: the sum over its four cells, and total = flags x
 *   allocator x interaction to rounding;
 * - the stock and tuned cells of the rule and of --baseline/--tuned, an
 *   unknown --tuned (EINVAL);
 * - refusals and their reasons: one libc, musl on system only, Pythons of
 *   unknown flags, one Python, the allocator "none" left out;
 * - strata (pymalloc on and off), too few runs, and the Markdown and HTML
 *   sections (escaping included).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "factors.h"
#include "report_html_int.h"
#include "stats.h"
#include "summary.h"

/* cli.c's command table (the tests have no commands) */
const struct as_cmd as_cmds[1];
const size_t as_ncmds = 0;

static int failures, checks;

#define CHECK(cond, ...)                                                             \
	do {                                                                         \
		checks++;                                                            \
		if (!(cond)) {                                                       \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);         \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			failures++;                                                  \
		}                                                                    \
	} while (0)

#define NEAR(a, b, tol) (fabs((double)(a) - (double)(b)) <= (tol) * fmax(1, fabs((double)(b))))

static json_t *summary_new(void)
{
	return json_pack("{s:[], s:[], s:[], s:{s:{}}}", "configs", "benchmarks", "cells", "meta",
			 "pythons");
}

static void python(json_t *s, const char *name, const char *libc, const char *flags)
{
	json_object_set_new(as_jpath(s, "meta.pythons"), name,
			    json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:f}", "path", "/p", "libc", libc,
				      "version", "3.11.2", "flags", flags, "size_bytes", 1000000,
				      "files", 10, "build_seconds", 125.0));
}

static void bench(json_t *s, const char *name)
{
	json_array_append_new(json_object_get(s, "benchmarks"), json_pack("{s:s}", "name", name));
}

/* A configuration and its cells: mean m * scale[b] for benchmark b (scale
 * NULL: 1), spread d; n samples (3, or 1 for too few runs). */
static void config(json_t *s, const char *alloc, const char *libc, const char *py,
		   const char *pymalloc, double m, double d, int n)
{
	char id[256];
	size_t b;
	snprintf(id, sizeof id, "%s/%s/host/pymalloc=%s/seccomp=none/python=%s", alloc, libc,
		 pymalloc, py);
	json_array_append_new(json_object_get(s, "configs"),
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
					"allocator", alloc, "libc", libc, "image", "host", "pymalloc",
					pymalloc, "seccomp", "none", "stats", "counters", "python", py));
	for (b = 0; b < json_array_size(json_object_get(s, "benchmarks")); b++) {
		double mb = m * (double)(b + 1);
		json_t *samples = n == 1 ? json_pack("[f]", mb)
					 : json_pack("[f, f, f]", mb * (1 - d), mb, mb * (1 + d));
		json_array_append_new(json_object_get(s, "cells"),
				      json_pack("{s:s, s:s, s:o, s:f, s:f}", "bench",
						as_jstr(json_array_get(json_object_get(s, "benchmarks"), b),
							"name"),
						"config", id, "samples", samples, "mean", mb, "std", mb * d));
	}
}

static const json_t *stratum(const json_t *fx, size_t i)
{
	return json_array_get(json_object_get(fx, "strata"), i);
}

static const json_t *comp(const json_t *st, const char *label)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(st, "comparisons"), i, c)
	{
		if (as_same_str(as_jstr(c, "label"), label))
			return c;
	}
	return NULL;
}

static const char *reason(const json_t *st, const char *factor)
{
	const json_t *f;
	size_t i;
	json_array_foreach(json_object_get(st, "factors"), i, f)
	{
		if (as_same_str(as_jstr(f, "factor"), factor))
			return json_is_true(json_object_get(f, "measurable")) ? "measurable"
									    : as_jstr(f, "reason");
	}
	return "?";
}

static double bnum(const json_t *c, size_t b, const char *key)
{
	return as_jnum(json_array_get(json_object_get(c, "benchmarks"), b), key);
}

/* The full matrix: libc x {system, jemalloc} x {-Os, -O3 lto}, with the
 * model of test_factors.sh and a spread per cell. */
static json_t *full_matrix(void)
{
	json_t *s = summary_new();
	static const char *const libcs[] = {"glibc", "musl"};
	static const char *const allocs[] = {"system", "jemalloc"};
	static const char *const flags[] = {"os", "o3lto"};
	int l, a, f;
	python(s, "glibc-os", "glibc", "-Os");
	python(s, "glibc-o3lto", "glibc", "-O3 lto");
	python(s, "musl-os", "musl", "-Os");
	python(s, "musl-o3lto", "musl", "-O3 lto");
	bench(s, "b0");
	bench(s, "b1");
	bench(s, "a <b>&|c");
	for (l = 0; l < 2; l++)
		for (f = 0; f < 2; f++)
			for (a = 0; a < 2; a++) {
				char py[32];
				double m = (l ? 1.10 : 1) * (a ? 0.95 : l ? 1.25 : 1) * (f ? 0.85 : 1) *
					   (l && a && f ? 0.95 : 1);
				snprintf(py, sizeof py, "%s-%s", libcs[l], flags[f]);
				config(s, allocs[a], libcs[l], py, "on", m * 1e-3,
				       0.01 * (1 + l + 2 * a + 4 * f) / 8, 3);
			}
	return s;
}

static void test_full(void)
{
	json_t *s = full_matrix(), *fx = NULL;
	const json_t *st, *h, *c;
	/* spreads as full_matrix() gives them: d = 0.01 (1 + l + 2a + 4f) / 8 */
	double dB = 0.01 * 2 / 8, dT = 0.01 * 8 / 8, dA = 0.01 * 4 / 8, dF = 0.01 * 6 / 8;
	double cB = dB * dB / 3, cT = dT * dT / 3, cA = dA * dA / 3, cF = dF * dF / 3;
	double var = cB + cT + cA + cF, df = var * var / ((cB * cB + cT * cT + cA * cA + cF * cF) / 2);
	double h95 = as_stats_t_quantile(0.975, df) * sqrt(var);
	char *md = NULL;
	size_t len = 0, b;
	FILE *f;
	struct sb page = {0};
	CHECK(as_factors_build(s, NULL, NULL, &fx) == 0 && fx, "build");
	st = stratum(fx, 0);
	CHECK(json_array_size(json_object_get(fx, "strata")) == 1, "one stratum");
	CHECK(as_same_str(as_jstr(st, "label"), ""), "no label for one stratum");
	CHECK(!strcmp(reason(st, "libc"), "measurable") && !strcmp(reason(st, "flags"), "measurable") &&
		      !strcmp(reason(st, "allocator"), "measurable") &&
		      !strcmp(reason(st, "libc_own_allocator"), "measurable") &&
		      !strcmp(reason(st, "interaction"), "measurable"),
	      "everything measurable");
	h = json_object_get(st, "headline");
	CHECK(as_same_str(as_jstr(h, "stock.config"), "system/musl/host/pymalloc=on/seccomp=none/python=musl-os"),
	      "stock %s", as_jstr(h, "stock.config"));
	CHECK(as_same_str(as_jstr(h, "tuned.config"),
			  "jemalloc/musl/host/pymalloc=on/seccomp=none/python=musl-o3lto"),
	      "tuned %s", as_jstr(h, "tuned.config"));
	CHECK(json_integer_value(json_object_get(h, "k")) == 3, "k");
	for (b = 0; b < 3; b++) {
		const json_t *in = json_object_get(h, "interaction");
		double tot = bnum(json_object_get(h, "total"), b, "log_ratio");
		double fl = bnum(json_object_get(h, "flags"), b, "log_ratio");
		double al = bnum(json_object_get(h, "allocator"), b, "log_ratio");
		double it = bnum(in, b, "log_ratio");
		CHECK(NEAR(tot, log(1.375 / (1.10 * 0.95 * 0.85 * 0.95)), 1e-12), "total %g", tot);
		CHECK(NEAR(fl, log(1 / 0.85), 1e-12), "flags %g", fl);
		CHECK(NEAR(al, log(1.25 / 0.95), 1e-12), "allocator %g", al);
		CHECK(NEAR(it, log(1 / 0.95), 1e-12), "interaction %g", it);
		CHECK(NEAR(tot, fl + al + it, 1e-12), "the parts add up");
		CHECK(NEAR(bnum(in, b, "log_var"), var, 1e-12), "interaction var %g, want %g",
		      bnum(in, b, "log_var"), var);
		CHECK(NEAR(bnum(in, b, "log_df"), df, 1e-9), "interaction df %g, want %g",
		      bnum(in, b, "log_df"), df);
		CHECK(NEAR(as_jnum(json_array_get(json_object_get(json_array_get(json_object_get(in, "benchmarks"), b), "ci95"), 0), ""),
			   exp(log(1 / 0.95) - h95), 1e-9),
		      "interaction CI");
		CHECK(NEAR(bnum(json_object_get(h, "total"), b, "log_var"), cB + cT, 1e-12), "total var");
		CHECK(NEAR(bnum(json_object_get(h, "total"), b, "log_df"),
			   (cB + cT) * (cB + cT) / ((cB * cB + cT * cT) / 2), 1e-9),
		      "total df");
		CHECK(NEAR(bnum(json_object_get(h, "total"), b, "base_mean"), 1.375e-3 * (double)(b + 1), 1e-12),
		      "stock mean");
	}
	CHECK(NEAR(as_jnum(h, "interaction.geomean.ratio"), 1 / 0.95, 1e-12), "interaction geomean");
	CHECK(json_is_true(as_jpath(h, "interaction.geomean.significant")), "interaction significant");
	CHECK(NEAR(as_jnum(h, "total.geomean.ratio"),
		   as_jnum(h, "flags.geomean.ratio") * as_jnum(h, "allocator.geomean.ratio") *
			   as_jnum(h, "interaction.geomean.ratio"),
		   1e-12),
	      "geometric means multiply");
	c = comp(st, "musl vs glibc (jemalloc, -Os)");
	CHECK(c && NEAR(bnum(c, 0, "ratio"), 1 / 1.10, 1e-12), "libc alone");
	CHECK(c && as_same_str(as_jstr(c, "geomean.verdict"), "1.10x slower (+10%)"), "libc verdict %s",
	      as_jstr(c, "geomean.verdict"));
	c = comp(st, "musl vs glibc (jemalloc, -O3 lto)");
	CHECK(c && NEAR(bnum(c, 1, "ratio"), 1 / (1.10 * 0.95), 1e-12), "libc alone at -O3 lto");
	c = comp(st, "musl vs glibc (system, -Os)");
	CHECK(c && as_same_str(as_jstr(c, "factor"), "libc_own_allocator") &&
		      NEAR(bnum(c, 2, "ratio"), 1 / 1.375, 1e-12),
	      "libc with its own allocator");
	c = comp(st, "jemalloc vs system (glibc, -O3 lto)");
	CHECK(c && NEAR(bnum(c, 0, "ratio"), 1 / 0.95, 1e-12), "allocator alone");
	c = comp(st, "-O3 lto vs -Os (musl, jemalloc)");
	CHECK(c && NEAR(bnum(c, 0, "ratio"), 1 / (0.85 * 0.95), 1e-12), "flags alone");
	CHECK(json_array_size(json_object_get(st, "comparisons")) == 2 + 2 + 4 + 4, "comparisons: %zu",
	      json_array_size(json_object_get(st, "comparisons")));
	CHECK(json_array_size(json_object_get(fx, "pythons")) == 4, "pythons");

	/* the sections */
	f = open_memstream(&md, &len);
	CHECK(f && as_factors_md(f, fx) == 0, "md");
	fclose(f);
	CHECK(md && strstr(md, "## Factors: libc, allocator, Python build flags\n"), "md heading");
	CHECK(md && strstr(md, "| a <b>&\\|c | "), "md escapes |");
	CHECK(md && strstr(md, "| glibc-os | glibc | 3.11.2 | -Os | 976.6 KiB | 10 | 2 min 05 s | yes |"),
	      "md pythons");
	free(md);
	CHECK(as_factors_html(&page, fx) == 0 && page.p, "html");
	CHECK(page.p && strstr(page.p, "<h2 id=\"factors\">"), "html heading");
	CHECK(page.p && strstr(page.p, "<th>a &lt;b&gt;&amp;|c</th>"), "html escapes");
	CHECK(page.p && !strstr(page.p, "<b>&"), "html: nothing unescaped");
	free(page.p);
	json_decref(fx);

	/* --baseline CONFIG and --tuned CONFIG */
	CHECK(as_factors_build(s, "system/glibc/host/pymalloc=on/seccomp=none/python=glibc-os",
			       "jemalloc/glibc/host/pymalloc=on/seccomp=none/python=glibc-o3lto", &fx) == 0,
	      "override");
	h = json_object_get(stratum(fx, 0), "headline");
	CHECK(as_same_str(as_jstr(h, "stock.libc"), "glibc") && as_same_str(as_jstr(h, "tuned.flags"), "-O3 lto"),
	      "override cells");
	CHECK(NEAR(as_jnum(h, "interaction.geomean.ratio"), 1, 1e-12), "no interaction on glibc");
	CHECK(as_same_str(as_jstr(fx, "rule"), "named by --baseline and --tuned"), "override rule");
	json_decref(fx);
	CHECK(as_factors_build(s, NULL, "nosuch", &fx) == EINVAL && !fx, "unknown --tuned");
	CHECK(as_factors_build(s, "glibc", NULL, &fx) == EINVAL && !fx, "--baseline not a configuration");
	json_decref(s);
}

static void test_refusals(void)
{
	json_t *s = summary_new(), *fx = NULL;
	const json_t *st;
	/* glibc only, two Pythons */
	python(s, "glibc-os", "glibc", "-Os");
	python(s, "glibc-o3lto", "glibc", "-O3 lto");
	bench(s, "b0");
	config(s, "system", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "jemalloc", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "system", "glibc", "glibc-o3lto", "on", 1e-3, 0.01, 3);
	config(s, "none", "glibc", "glibc-o3lto", "on", 1e-3, 0.01, 3);
	CHECK(as_factors_build(s, NULL, NULL, &fx) == 0, "glibc only");
	st = stratum(fx, 0);
	CHECK(as_same_str(reason(st, "libc"), "not measurable: the matrix has one libc (glibc)"),
	      "one libc: %s", reason(st, "libc"));
	CHECK(as_same_str(reason(st, "flags"), "measurable"), "flags measurable");
	CHECK(as_same_str(reason(st, "interaction"),
			  "not measurable: the tuned cell (glibc, jemalloc, -O3 lto) is not in this matrix"),
	      "interaction: %s", reason(st, "interaction"));
	CHECK(json_array_size(json_object_get(st, "allocators")) == 2, "allocator none left out");
	json_decref(fx);
	json_decref(s);

	/* musl on system only, and Pythons of unknown flags */
	s = summary_new();
	python(s, "glibc-os", "glibc", "-Os");
	python(s, "musl-os", "musl", "-Os");
	bench(s, "b0");
	config(s, "system", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "jemalloc", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "system", "musl", "musl-os", "on", 1e-3, 0.01, 3);
	config(s, "jemalloc", "glibc", "/opt/a/python3", "on", 1e-3, 0.01, 3);
	config(s, "jemalloc", "musl", "/opt/b/python3", "on", 1e-3, 0.01, 3);
	CHECK(as_factors_build(s, NULL, NULL, &fx) == 0, "musl on system only");
	st = stratum(fx, 0);
	CHECK(as_same_str(reason(st, "libc"), "not measurable: glibc and musl never run the same "
					      "allocator with Pythons of the same build flags"),
	      "unknown flags are not equal: %s", reason(st, "libc"));
	CHECK(as_same_str(reason(st, "libc_own_allocator"), "measurable"), "own allocator");
	CHECK(as_same_str(as_jstr(json_array_get(json_object_get(st, "flags"), 1), ""),
			  "unknown (/opt/a/python3)"),
	      "unknown flags named");
	json_decref(fx);
	json_array_clear(json_object_get(s, "configs"));
	config(s, "system", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "jemalloc", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "system", "musl", "musl-os", "on", 1e-3, 0.01, 3);
	CHECK(as_factors_build(s, NULL, NULL, &fx) == 0, "musl on system only");
	st = stratum(fx, 0);
	CHECK(as_same_str(reason(st, "libc"), "not measurable: no allocator other than system runs on "
					      "both glibc and musl in this matrix"),
	      "%s", reason(st, "libc"));
	CHECK(as_same_str(reason(st, "flags"),
			  "not measurable: every Python here has the same build flags (-Os)"),
	      "%s", reason(st, "flags"));
	CHECK(as_same_str(reason(st, "headline"), "not measurable: the tuned cell (musl, system, -Os) "
						  "would be the stock cell (one allocator and one Python)"),
	      "%s", reason(st, "headline"));
	CHECK(json_is_null(json_object_get(st, "headline")), "no headline");
	json_decref(fx);
	json_decref(s);
}

static void test_strata_and_few_runs(void)
{
	json_t *s = summary_new(), *fx = NULL;
	const json_t *c;
	python(s, "glibc-os", "glibc", "-Os");
	python(s, "glibc-o3lto", "glibc", "-O3 lto");
	bench(s, "b0");
	bench(s, "b1");
	config(s, "system", "glibc", "glibc-os", "on", 1e-3, 0.01, 3);
	config(s, "system", "glibc", "glibc-o3lto", "on", 0.8e-3, 0.01, 3);
	config(s, "system", "glibc", "glibc-os", "off", 1e-3, 0.01, 3);
	config(s, "system", "glibc", "glibc-o3lto", "off", 0.8e-3, 0.01, 1);
	CHECK(as_factors_build(s, NULL, NULL, &fx) == 0, "strata");
	CHECK(json_array_size(json_object_get(fx, "strata")) == 2, "two strata");
	CHECK(as_same_str(as_jstr(stratum(fx, 1), "label"), "pymalloc=off"), "label %s",
	      as_jstr(stratum(fx, 1), "label"));
	c = comp(stratum(fx, 0), "-O3 lto vs -Os (glibc, system)");
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1.25, 1e-12), "flags on");
	c = comp(stratum(fx, 1), "-O3 lto vs -Os (glibc, system)");
	CHECK(c && as_same_str(as_jstr(json_array_get(json_object_get(c, "benchmarks"), 0), "verdict"),
			       "n/a (too few runs)"),
	      "too few runs");
	CHECK(c && as_jnum(c, "geomean.k") == 0 &&
		      as_same_str(as_jstr(c, "geomean.verdict"), "n/a (too few runs)"),
	      "geomean of nothing");
	json_decref(fx);
	json_decref(s);
}

int main(void)
{
	test_full();
	test_refusals();
	test_strata_and_few_runs();
	printf("test_factors: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
