/* test_images: tools/report/image_report.c on summaries built here, under ASan/UBSan.
 *
 * Every cell's samples are m(1-d), m, m(1+d): their mean is m and the
 * variance of the log-mean is d^2/3 with 2 degrees of freedom, so each
 * comparison's estimate, variance, df and CI are known exactly:
 * - an image against the baseline image, per benchmark and as a geometric
 *   mean, with its peak RSS ratio and what differs (Python, libc);
 * - the baseline rule: the first image that is not host, host alone, one
 *   named (and EINVAL for an image the matrix lacks), as_images_names();
 * - seccomp default against none on the host and in a rootfs, against
 *   unconfined in an engine, and refused there without unconfined;
 * - refusals: seccomp=none across a rootfs and an engine, a missing cell,
 *   the host's cells of another Python, one image, one seccomp value;
 * - images meta.json does not describe (the host from meta.json's "python"
 *   and "libcs"); the Markdown and HTML sections (escaping included).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image_report.h"
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
	return json_pack("{s:[], s:[], s:[], s:{s:{}, s:{s:s, s:s}, s:{s:s}, s:{s:{s:s}, s:{s:s}}}}",
			 "configs", "benchmarks", "cells", "meta", "images", "python", "path",
			 "/usr/bin/python3", "version", "3.11.2", "libcs", "glibc", "2.36",
			 "allocators", "system", "libc", "glibc", "jemalloc", "libc", "glibc");
}

/* An image in meta.json's "images". */
static void image(json_t *s, const char *name, const char *runner, const char *libc,
		  const char *libc_version, const char *python_version)
{
	json_object_set_new(as_jpath(s, "meta.images"), name,
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:[{s:s}, {s:s}]}",
				      "name", name, "runner", runner, "libc", libc, "libc_version",
				      libc_version, "python_version", python_version, "size_bytes",
				      52428800, "files", 1234, "build_seconds", 125, "built",
				      "2026-12-01T10:00:00Z", "allocators", "name", "jemalloc", "name",
				      "mi|malloc"));
}

static void bench(json_t *s, const char *name)
{
	json_array_append_new(json_object_get(s, "benchmarks"), json_pack("{s:s}", "name", name));
}

/* A configuration and its cells: mean m (b + 1) on benchmark b, spread d,
 * peak RSS rss (b + 1); n samples (3, or 1 for too few runs). */
static void config(json_t *s, const char *alloc, const char *libc, const char *img,
		   const char *seccomp, const char *python, double m, double d, double rss, int n)
{
	char id[512];
	size_t b;
	snprintf(id, sizeof id, "%s/%s/%s/pymalloc=on/seccomp=%s%s%s", alloc, libc, img, seccomp,
		 strcmp(python, "host") ? "/python=" : "", strcmp(python, "host") ? python : "");
	json_array_append_new(json_object_get(s, "configs"),
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
					"allocator", alloc, "libc", libc, "image", img, "pymalloc", "on",
					"seccomp", seccomp, "stats", "counters", "python", python));
	for (b = 0; b < json_array_size(json_object_get(s, "benchmarks")); b++) {
		double mb = m * (double)(b + 1);
		json_t *samples = n == 1 ? json_pack("[f]", mb)
					 : json_pack("[f, f, f]", mb * (1 - d), mb, mb * (1 + d));
		json_array_append_new(json_object_get(s, "cells"),
				      json_pack("{s:s, s:s, s:o, s:f, s:f, s:f}", "bench",
						as_jstr(json_array_get(json_object_get(s, "benchmarks"), b),
							"name"),
						"config", id, "samples", samples, "mean", mb, "std", mb * d,
						"rss_peak", rss * (double)(b + 1)));
	}
}

static const json_t *find(const json_t *im, const char *list, const char *label)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(im, list), i, c)
	{
		if (as_same_str(as_jstr(c, "label"), label))
			return c;
	}
	return NULL;
}

static double bnum(const json_t *c, size_t b, const char *key)
{
	return as_jnum(json_array_get(json_object_get(c, "benchmarks"), b), key);
}

/* The reason of the i-th refusal, or "". */
static const char *refused(const json_t *im, size_t i)
{
	const char *r = as_jstr(json_array_get(json_object_get(im, "refused"), i), "reason");
	return r ? r : "";
}

static const char *status_reason(const json_t *im, const char *what)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(im, "status"), i, e)
	{
		if (as_same_str(as_jstr(e, "what"), what))
			return json_is_true(json_object_get(e, "measurable")) ? "measurable"
									    : as_jstr(e, "reason");
	}
	return "?";
}

static char *md_of(const json_t *im)
{
	char *md = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&md, &len);
	if (!f)
		return NULL;
	CHECK(as_images_md(f, im) == 0, "md");
	fclose(f);
	return md;
}

/* host, alpha (rootfs), beta (rootfs, musl, Python 3.13.1) x system, jemalloc
 * x seccomp none, default; beta 1.5x slower, 1.25x the RSS; default 1.2x
 * slower on b0. */
static json_t *matrix(void)
{
	static const char *const imgs[] = {"host", "alpha", "beta"};
	static const char *const allocs[] = {"system", "jemalloc"};
	static const char *const scs[] = {"none", "default"};
	json_t *s = summary_new();
	int i, a, k;
	image(s, "alpha", "rootfs", "glibc", "2.36", "3.11.2");
	image(s, "beta", "rootfs", "musl", "1.2.5", "3.13.1");
	bench(s, "b0");
	bench(s, "a <b>&|c");
	for (i = 0; i < 3; i++)
		for (a = 0; a < 2; a++)
			for (k = 0; k < 2; k++)
				config(s, allocs[a], i == 2 ? "musl" : "glibc", imgs[i], scs[k], "host",
				       (i == 2 ? 1.5e-3 : 1e-3) * (k ? 1.2 : 1), 0.01 * (1 + i + 2 * a + k),
				       i == 2 ? 1.25e7 : 1e7, 3);
	return s;
}

static void test_images(void)
{
	json_t *s = matrix(), *im = NULL;
	const json_t *c, *e;
	/* alpha and beta at jemalloc, none: d = 0.01 (1 + image + 2 allocator + seccomp) */
	double cA = 0.04 * 0.04 / 3, cB = 0.05 * 0.05 / 3;
	double var = cA + cB, df = var * var / ((cA * cA + cB * cB) / 2);
	double h = as_stats_t_quantile(0.975, df) * sqrt(var);
	char names[256], *md;
	struct as_geomean gm;
	struct as_ratio r[2];

	CHECK(as_images_build(s, NULL, &im) == 0 && im, "build");
	CHECK(as_same_str(as_jstr(im, "baseline"), "alpha"), "baseline %s", as_jstr(im, "baseline"));
	CHECK(as_same_str(as_jstr(im, "baseline_rule"), "the first image of the matrix that is not host"),
	      "rule");
	CHECK(json_array_size(json_object_get(im, "comparisons")) == 8, "8 image comparisons: %zu",
	      json_array_size(json_object_get(im, "comparisons")));
	CHECK(json_array_size(json_object_get(im, "seccomp")) == 6, "6 seccomp comparisons");
	CHECK(json_array_size(json_object_get(im, "refused")) == 0, "nothing refused: %s", refused(im, 0));
	CHECK(json_array_size(json_object_get(im, "axes")) == 1 &&
		      as_same_str(as_jstr(json_array_get(json_object_get(im, "axes"), 0), ""), "seccomp"),
	      "axes: seccomp");

	c = find(im, "comparisons", "beta vs alpha (jemalloc, seccomp=none)");
	CHECK(c != NULL, "beta vs alpha");
	CHECK(c && NEAR(bnum(c, 0, "ratio"), 1 / 1.5, 1e-12) && NEAR(bnum(c, 1, "ratio"), 1 / 1.5, 1e-12),
	      "ratio 1/1.5");
	CHECK(c && NEAR(bnum(c, 1, "log_var"), var, 1e-12), "var %g, want %g", bnum(c, 1, "log_var"), var);
	CHECK(c && NEAR(bnum(c, 1, "log_df"), df, 1e-9), "df %g, want %g", bnum(c, 1, "log_df"), df);
	CHECK(c && NEAR(as_jnum(json_array_get(json_object_get(json_array_get(json_object_get(c, "benchmarks"), 0), "ci95"), 0), ""),
			exp(log(1 / 1.5) - h), 1e-9),
	      "CI");
	r[0] = r[1] = (struct as_ratio){1 / 1.5, 0, 0, log(1 / 1.5), var, df};
	as_stats_geomean(r, 2, &gm);
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1 / 1.5, 1e-12) &&
		      NEAR(as_jnum(json_array_get(as_jpath(c, "geomean.ci95"), 0), ""), gm.ci_lo, 1e-12),
	      "geomean and its CI");
	CHECK(c && as_same_str(as_jstr(c, "geomean.verdict"), "1.50x slower (+50%)"), "verdict %s",
	      as_jstr(c, "geomean.verdict"));
	CHECK(c && NEAR(as_jnum(c, "rss.ratio"), 1.25, 1e-12) && as_same_str(as_jstr(c, "rss.text"), "25% more memory"),
	      "rss %s", as_jstr(c, "rss.text"));
	CHECK(c && as_same_str(as_jstr(c, "differs"), "Python 3.13.1 vs 3.11.2; musl 1.2.5 vs glibc 2.36"),
	      "differs: %s", as_jstr(c, "differs"));
	CHECK(c && as_same_str(as_jstr(c, "python.new"), "3.13.1") && as_same_str(as_jstr(c, "libc.base"), "glibc 2.36"),
	      "python and libc");
	CHECK(c && as_same_str(as_jstr(c, "cells"), "jemalloc, seccomp=none"), "cells %s", as_jstr(c, "cells"));
	c = find(im, "comparisons", "host vs alpha (system, seccomp=default)");
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1, 1e-12) && json_is_null(json_object_get(c, "differs")),
	      "host as alpha, nothing else differs (the host's facts from meta.json)");
	CHECK(c && as_same_str(as_jstr(c, "geomean.verdict"), "not significant"), "A/A not significant");
	CHECK(c && as_same_str(as_jstr(c, "rss.text"), "the same memory"), "the same memory");
	/* rows: host before beta, system before jemalloc */
	CHECK(as_same_str(as_jstr(json_array_get(json_object_get(im, "comparisons"), 0), "label"),
			  "host vs alpha (system, seccomp=none)") &&
		      as_same_str(as_jstr(json_array_get(json_object_get(im, "comparisons"), 4), "label"),
				  "beta vs alpha (system, seccomp=none)"),
	      "order");

	c = find(im, "seccomp", "alpha, jemalloc: default vs none");
	CHECK(c && NEAR(bnum(c, 0, "ratio"), 1 / 1.2, 1e-12), "seccomp cost 1.2x");
	CHECK(c && as_same_str(as_jstr(c, "base_seccomp"), "none") && as_same_str(as_jstr(c, "runner"), "rootfs"),
	      "against none in a rootfs");
	e = json_array_get(json_object_get(im, "images"), 0);
	CHECK(as_same_str(as_jstr(e, "name"), "host") && as_same_str(as_jstr(e, "python_version"), "3.11.2") &&
		      as_same_str(as_jstr(e, "libc_version"), "2.36") &&
		      json_array_size(json_object_get(e, "allocators")) == 2 &&
		      json_is_false(json_object_get(e, "described")),
	      "the host's facts from meta.json");

	md = md_of(im);
	CHECK(md && strstr(md, "## Images\n"), "md heading");
	CHECK(md && strstr(md, "- images against alpha: 8 comparisons\n- seccomp cost: 6 comparisons\n"),
	      "md status");
	CHECK(md && strstr(md, "| beta | rootfs | musl 1.2.5 | 3.13.1 | 50.0 MiB | 1234 | 2 min 05 s | "
			       "2026-12-01 | jemalloc, mi\\|malloc |\n"),
	      "md facts");
	CHECK(md && strstr(md, "| beta | jemalloc | none | 1.50x slower (+50%), CI "), "md speed row");
	CHECK(md && strstr(md, "| a <b>&\\|c | "), "md escapes |");
	CHECK(md && !strstr(md, "does not describe"), "every image described");
	free(md);

	/* HTML, with its two charts when gnuplot is here */
	if (!system("command -v gnuplot >/dev/null 2>&1")) {
		struct rh rh;
		memset(&rh, 0, sizeof rh);
		rh.tmp = as_tmpdir("allocswap-test-images");
		CHECK(rh.tmp && as_images_html(&rh, im) == 0 && rh.page.p, "html");
		CHECK(rh.page.p && strstr(rh.page.p, "<h2 id=\"images\">Images</h2>"), "html heading");
		CHECK(rh.page.p && strstr(rh.page.p, "<th>a &lt;b&gt;&amp;|c</th>"), "html escapes");
		CHECK(rh.page.p && strstr(rh.page.p, "<td>jemalloc, mi|malloc</td>"), "html facts");
		CHECK(rh.page.p && strstr(rh.page.p, "<td class=\"slower\">1.50x slower (+50%), CI "),
		      "html speed");
		CHECK(rh.page.p && rh.nchart == 2 && strstr(rh.page.p, "aria-label=\"images\""), "two charts");
		if (rh.tmp)
			as_rmtree(rh.tmp);
		free(rh.tmp);
		free(rh.page.p);
	}
	json_decref(im);

	/* --baseline-image */
	CHECK(as_images_build(s, "beta", &im) == 0 && as_same_str(as_jstr(im, "baseline_rule"), "named by --baseline-image"),
	      "named");
	c = find(im, "comparisons", "alpha vs beta (jemalloc, seccomp=none)");
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1.5, 1e-12) &&
		      as_same_str(as_jstr(c, "rss.text"), "20% less memory"),
	      "alpha against beta");
	json_decref(im);
	CHECK(as_images_build(s, "gamma", &im) == EINVAL && !im, "unknown image");
	CHECK(as_same_str(as_images_names(s, names, sizeof names), "host, alpha, beta"), "names %s", names);
	CHECK(as_same_str(as_images_names(s, names, 8), "host, a"), "names cut: %s", names);
	json_decref(s);
}

static void test_engines_and_refusals(void)
{
	json_t *s = summary_new(), *im = NULL;
	const json_t *c;
	char *md;
	image(s, "bookworm", "rootfs", "glibc", "2.36", "3.11.2");
	image(s, "docker:a/b:1", "docker", "glibc", "2.36", "3.11.2");
	bench(s, "b0");
	config(s, "system", "glibc", "host", "none", "host", 1e-3, 0.01, 1e7, 3);
	config(s, "system", "musl", "host", "none", "musl-os", 1e-3, 0.01, 1e7, 3);
	config(s, "system", "glibc", "bookworm", "none", "host", 1e-3, 0.01, 1e7, 3);
	config(s, "system", "glibc", "bookworm", "default", "host", 1e-3, 0.01, 1e7, 3);
	config(s, "jemalloc", "glibc", "bookworm", "none", "host", 1e-3, 0.01, 1e7, 3);
	config(s, "system", "glibc", "docker:a/b:1", "none", "host", 1.1e-3, 0.01, 1e7, 3);
	config(s, "system", "glibc", "docker:a/b:1", "default", "host", 1.1e-3, 0.01, 1e7, 3);
	config(s, "system", "glibc", "docker:a/b:1", "unconfined", "host", 1e-3, 0.02, 1e7, 3);
	config(s, "system", "glibc", "undescribed", "default", "host", 1e-3, 0.01, 1e7, 1);
	CHECK(as_images_build(s, NULL, &im) == 0, "build");
	CHECK(as_same_str(as_jstr(im, "baseline"), "bookworm"), "baseline");
	CHECK(as_same_str(refused(im, 0), "its cells of another Python (musl-os) are left out: an "
					  "image's cells run the image's own Python"),
	      "other Pythons: %s", refused(im, 0));
	CHECK(as_same_str(refused(im, 1), "bookworm has no cell with system, seccomp=default") ||
		      as_same_str(refused(im, 1), "host has no cell with system, seccomp=default"),
	      "missing cell: %s", refused(im, 1));
	CHECK(as_same_str(refused(im, 2), "host has no cell with jemalloc, seccomp=none"), "missing: %s",
	      refused(im, 2));
	CHECK(as_same_str(refused(im, 3), "seccomp=none is not compared: it is the engine's default "
					  "profile in docker:a/b:1 and no filter in bookworm"),
	      "none across runners: %s", refused(im, 3));
	c = find(im, "comparisons", "docker:a/b:1 vs bookworm (system, seccomp=default)");
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1 / 1.1, 1e-12), "docker at default");
	c = find(im, "comparisons", "undescribed vs bookworm (system, seccomp=default)");
	CHECK(c && as_same_str(as_jstr(c, "geomean.verdict"), "n/a (too few runs)") &&
		      as_same_str(as_jstr(c, "differs"), "Python version of undescribed unknown"),
	      "too few runs, unknown Python: %s", as_jstr(c, "differs"));
	c = find(im, "seccomp", "docker:a/b:1, system: default vs unconfined");
	CHECK(c && NEAR(as_jnum(c, "geomean.ratio"), 1 / 1.1, 1e-12) &&
		      as_same_str(as_jstr(c, "base_seccomp"), "unconfined"),
	      "engine: against unconfined");
	CHECK(find(im, "seccomp", "host, system: default vs none") == NULL, "host has no default");
	c = find(im, "seccomp", "bookworm, system: default vs none");
	CHECK(c && as_same_str(as_jstr(c, "geomean.verdict"), "not significant"), "bookworm seccomp");
	md = md_of(im);
	CHECK(md && strstr(md, "- seccomp cost in host: not measurable: host never runs seccomp=default\n"),
	      "md: host without default");
	CHECK(md && strstr(md, "- seccomp cost in bookworm: no seccomp=default cell beside jemalloc\n"),
	      "md: a reference cell without default");
	CHECK(md && strstr(md, "- seccomp cost in undescribed: not measurable: undescribed runs no cell "
			       "without a filter (none or unconfined)\n"),
	      "md: no reference");
	CHECK(md && strstr(md, "| undescribed | rootfs | glibc | - | - | - | - | - | - |\n"), "md: undescribed facts");
	CHECK(md && strstr(md, "meta.json does not describe undescribed ("), "md: undescribed said");
	free(md);
	json_decref(im);

	/* an engine without unconfined */
	json_array_remove(json_object_get(s, "configs"), 7);
	CHECK(as_images_build(s, NULL, &im) == 0, "build");
	md = md_of(im);
	CHECK(md && strstr(md, "- seccomp cost in docker:a/b:1: not measurable: in an engine "
			       "seccomp=none is the engine's own default profile, so default is compared "
			       "with unconfined only, and docker:a/b:1 has no unconfined cell\n"),
	      "md: engine without unconfined");
	free(md);
	json_decref(im);
	json_decref(s);

	/* one image, one seccomp value */
	s = summary_new();
	bench(s, "b0");
	config(s, "system", "glibc", "host", "none", "host", 1e-3, 0.01, 1e7, 3);
	config(s, "jemalloc", "glibc", "host", "none", "host", 1e-3, 0.01, 1e7, 3);
	CHECK(as_images_build(s, NULL, &im) == 0, "build");
	CHECK(as_same_str(status_reason(im, "images"), "not measurable: the matrix has one image (host)"),
	      "%s", status_reason(im, "images"));
	CHECK(as_same_str(status_reason(im, "seccomp"), "not measurable: the matrix has one seccomp value (none)"),
	      "%s", status_reason(im, "seccomp"));
	CHECK(json_is_null(json_object_get(im, "baseline")) &&
		      as_same_str(as_jstr(im, "baseline_rule"), "host, the matrix's only image"),
	      "host alone");
	md = md_of(im);
	CHECK(md && !strstr(md, "### The images") && !strstr(md, "### Speed"), "md: short");
	free(md);
	json_decref(im);
	CHECK(as_images_build(s, "host", &im) == 0 && as_same_str(as_jstr(im, "baseline_rule"), "named by --baseline-image"),
	      "host named");
	json_decref(im);
	CHECK(as_images_md(stdout, NULL) == 0, "NULL images: nothing");
	json_decref(s);
}

int main(void)
{
	test_images();
	test_engines_and_refusals();
	printf("test_images: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
