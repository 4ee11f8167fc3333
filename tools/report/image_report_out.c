/* image_report_out: the Images section of report.md and report.html, from the
 * "images" object of summary.json that images.c builds (contract in
 * image_report.h), with a chart of the comparisons in the HTML. */
#include "image_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html_int.h"
#include "report_out.h"
#include "summary.h"

/* "system, jemalloc, mimalloc": names, or the objects' "name"s. */
static void allocator_names(const json_t *list, char *buf, size_t cap)
{
	const json_t *a;
	size_t i, n = 0;
	*buf = 0;
	json_array_foreach(list, i, a)
	{
		const char *s = json_is_string(a) ? json_string_value(a) : as_jstr(a, "name");
		if (s && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", s);
	}
}

static void facts_out(struct as_out *o, const json_t *im)
{
	static const char *const cols[] = {"runner", "libc", "Python", "size on disk", "files",
					   "build time", "built", "allocators"};
	const json_t *e;
	size_t i, n = 0;
	char undescribed[1024] = "";
	as_out_heading(o, "The images", NULL);
	as_out_table(o, "Image", cols, 8, "lllrrrll");
	json_array_foreach(json_object_get(im, "images"), i, e)
	{
		char buf[1024];
		const char *built = as_jstr(e, "built");
		as_out_row(o, as_jstr(e, "name"), 0);
		as_out_cell(o, as_jstr(e, "runner"), NULL);
		snprintf(buf, sizeof buf, "%s%s%s", as_jstr(e, "libc") ? as_jstr(e, "libc") : "",
			 as_jstr(e, "libc_version") ? " " : "",
			 as_jstr(e, "libc_version") ? as_jstr(e, "libc_version") : "");
		as_out_cell(o, buf, NULL);
		as_out_cell(o, as_jstr(e, "python_version"), NULL);
		as_out_build_cells(o, e);
		/* the date of an ISO time */
		snprintf(buf, sizeof buf, "%.*s", built ? (int)strcspn(built, "T ") : 0, built ? built : "");
		as_out_cell(o, buf, NULL);
		allocator_names(json_object_get(e, "allocators"), buf, sizeof buf);
		as_out_cell(o, buf, NULL);
		as_out_end_row(o);
		if (!json_is_true(json_object_get(e, "described")) &&
		    strcmp(as_jstr(e, "name"), AS_IMAGE_HOST) && n < sizeof undescribed)
			n += (size_t)snprintf(undescribed + n, sizeof undescribed - n, "%s%s", n ? ", " : "",
					      as_jstr(e, "name"));
	}
	as_out_end_table(o);
	if (n)
		as_out_para(o, "meta.json does not describe %s (a bench directory written before bench "
			    "recorded its images): \"-\" is what it does not say, the libc is the "
			    "configurations'.", undescribed);
}

static void speed_out(struct as_out *o, const json_t *im)
{
	const json_t *comps = json_object_get(im, "comparisons"), *c;
	const json_t *axes = json_object_get(im, "axes");
	const char *cols[8], *ax;
	char head[128], align[9];
	size_t i, n = 0, k, nb = 0;
	if (!json_array_size(comps))
		return;
	nb = json_array_size(json_object_get(json_array_get(comps, 0), "benchmarks"));
	snprintf(head, sizeof head, "Speed and memory against %s", as_jstr(im, "baseline"));
	as_out_heading(o, head, NULL);
	as_out_para(o, "Baseline image: %s (%s). Each row compares one image's cells with the %s cells "
		    "that differ only in the image: the same allocator, pymalloc, seccomp and stats, "
		    "each image with its own libc and Python (what differs besides is said in the last "
		    "column). Speed: the geometric mean over the benchmarks of the speed-ups (above 1 "
		    "is faster) with its 95%% CI; peak RSS: the ratio of the median peak RSS, "
		    "geometric-meaned over the benchmarks.",
		    as_jstr(im, "baseline"), as_jstr(im, "baseline_rule"), as_jstr(im, "baseline"));
	cols[n++] = "allocator";
	for (k = 0; k < 3 && (ax = json_string_value(json_array_get(axes, k))); k++)
		cols[n++] = ax;
	snprintf(head, sizeof head, "speed (geometric mean over %zu benchmark%s)", nb, nb == 1 ? "" : "s");
	cols[n++] = head;
	cols[n++] = "peak RSS";
	cols[n++] = "differs besides the image";
	memset(align, 'l', n - 3);
	memcpy(align + n - 3, "rrl", 4);
	as_out_table(o, "Image", cols, n, align);
	json_array_foreach(comps, i, c)
	{
		char buf[512];
		const char *cls;
		json_int_t kk = json_integer_value(as_jpath(c, "geomean.k"));
		as_out_row(o, as_jstr(c, "image"), 0);
		as_out_cell(o, as_jstr(c, "allocator"), NULL);
		for (k = 0; k < 3 && (ax = json_string_value(json_array_get(axes, k))); k++)
			as_out_cell(o, as_jstr(c, ax), NULL);
		as_out_ratio(json_object_get(c, "geomean"), buf, sizeof buf, &cls);
		if (kk && (size_t)kk < nb)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (%lld of %zu benchmarks)",
				 (long long)kk, nb);
		as_out_cell(o, buf, cls);
		as_out_cell(o, as_jstr(c, "rss.text"), NULL);
		as_out_cell(o, as_jstr(c, "differs"), NULL);
		as_out_end_row(o);
	}
	as_out_end_table(o);
}

static void seccomp_out(struct as_out *o, const json_t *im)
{
	if (!json_array_size(json_object_get(im, "seccomp")))
		return;
	as_out_heading(o, "Seccomp: Docker's default profile against no filter", NULL);
	as_out_para(o, "seccomp=default is Docker's default profile (the engine's own in a container, "
		    "allocswap's libseccomp copy of it on the host and in a root filesystem); it is "
		    "compared with no filter: unconfined, or none on the host and in a root filesystem "
		    "(in an engine none is the engine's default profile). Each column is one image's "
		    "cells, otherwise equal; above 1 is faster, so a cost reads \"slower\".");
	as_out_comp_tables(o, json_object_get(im, "seccomp"), NULL, NULL, NULL);
}

static const char intro[] =
	"Which image runs this workload fastest and leanest, and what Docker's default seccomp "
	"profile costs. An image's cells run the image's own libc and Python, so both are part "
	"of the image here. Speed-ups are the baseline's mean time over the other's (above 1 is "
	"faster) from the per-process means, with 95% CIs; a benchmark's verdict needs p < 0.05 "
	"after Holm's correction over the benchmarks of its comparison, and a geometric mean is "
	"not significant when its CI contains 1.";

static void list_out(struct as_out *o, const json_t *im)
{
	const json_t *e;
	size_t i;
	as_out_raw(o, "", "<ul>\n");
	as_out_status(o, json_object_get(im, "status"));
	json_array_foreach(json_object_get(im, "refused"), i, e)
	{
		char line[1400];
		if (as_same_str(as_jstr(e, "what"), "seccomp"))
			snprintf(line, sizeof line, "seccomp cost in %s: %s", as_jstr(e, "image"),
				 as_jstr(e, "reason"));
		else
			snprintf(line, sizeof line, "%s against %s: %s", as_jstr(e, "image"),
				 as_jstr(im, "baseline") ? as_jstr(im, "baseline") : "-",
				 as_jstr(e, "reason"));
		as_out_item(o, line);
	}
	as_out_raw(o, "\n", "</ul>\n");
}

/* Anything beyond the host? */
static int has_images(const json_t *im)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(im, "images"), i, e)
	{
		if (!as_same_str(as_jstr(e, "name"), AS_IMAGE_HOST))
			return 1;
	}
	return 0;
}

static void head_out(struct as_out *o, const json_t *im)
{
	as_out_raw(o, "## Images\n\n", "<h2 id=\"images\">Images</h2>\n");
	if (has_images(im) || json_array_size(json_object_get(im, "seccomp")))
		as_out_para(o, "%s", intro);
	as_out_heading(o, "What this matrix can compare", NULL);
	list_out(o, im);
	if (has_images(im))
		facts_out(o, im);
}

int as_images_md(FILE *f, const json_t *images)
{
	struct as_out o = {f, NULL, "-"};
	if (!images)
		return 0;
	head_out(&o, images);
	speed_out(&o, images);
	seccomp_out(&o, images);
	return ferror(f) ? EIO : 0;
}

/* ---- the chart ------------------------------------------------------------------------------- */

/* Okabe-Ito, as report_html.c's palette, one colour per image. */
static const unsigned chart_colors[] = {0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7,
					0xD55E00, 0x56B4E9, 0x8C564B, 0x332288};
#define NCOLORS (sizeof chart_colors / sizeof chart_colors[0])

static void gp_label(struct sb *s, const char *name)
{
	char buf[64];
	size_t n = strlen(name);
	if (n > 52) {
		n = 49;
		while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
			n--;
		snprintf(buf, sizeof buf, "%.*s...", (int)n, name);
		name = buf;
	}
	sb_gp(s, name);
}

/* Each comparison's geometric mean as a bar from 1 (the baseline image) on
 * a log axis, solid when significant and pale when not, with its 95% CI as
 * a whisker; a colour per image.  (The pale bars' border has a colour of
 * its own: with a plain "border", gnuplot 5.4 fills every bar with one
 * colour instead of each row's.) */
static int chart(struct rh *r, const json_t *comps)
{
	const json_t *c;
	struct sb s = {0};
	json_t *colors = json_object(); /* {image: its colour's index} */
	size_t i, k, rows = json_array_size(comps), longest = 0;
	size_t nsig = 0, ninsig = 0, nright = 0, nleft = 0;
	double lo = 0.9, hi = 1.1;
	const char *sepr = "";
	int rc;
	sb_puts(&s, "$d << EOD\n");
	json_array_foreach(comps, i, c)
	{
		double ratio = as_jnum(c, "geomean.ratio");
		const json_t *ci = as_jpath(c, "geomean.ci95");
		double l = as_jnum(json_array_get(ci, 0), ""), h = as_jnum(json_array_get(ci, 1), "");
		const char *image = as_jstr(c, "image") ? as_jstr(c, "image") : "";
		if (!json_object_get(colors, image))
			json_object_set_new(colors, image, json_integer((json_int_t)json_object_size(colors)));
		k = (size_t)json_integer_value(json_object_get(colors, image));
		if (!(ratio > 0))
			continue;
		/* a plot none of whose points is defined is left out: gnuplot 5.4
		 * crashes on a "with labels" plot of one undefined point */
		*(json_is_true(as_jpath(c, "geomean.significant")) ? &nsig : &ninsig) += 1;
		*(ratio >= 1 ? &nright : &nleft) += 1;
		lo = fmin(lo, fmin(ratio, l > 0 ? fmax(l, ratio / 2) : ratio));
		hi = fmax(hi, fmax(ratio, h > 0 ? fmin(h, ratio * 2) : ratio));
		sb_printf(&s, "%zu %.6g %d %.6g %.6g %u %.2f\n", i, ratio,
			  json_is_true(as_jpath(c, "geomean.significant")), l > 0 ? l : ratio,
			  h > 0 ? h : ratio, chart_colors[k % NCOLORS], ratio);
	}
	sb_puts(&s, "EOD\n");
	lo /= 1.06;
	hi *= 1.18;
	rh_speed_axes(&s, lo, hi, rows);
	sb_puts(&s, "set ytics nomirror scale 0 (");
	json_array_foreach(comps, i, c)
	{
		char l[512];
		snprintf(l, sizeof l, "%s, %s", as_jstr(c, "image"), as_jstr(c, "cells"));
		longest = strlen(l) > longest ? strlen(l) : longest;
		sb_puts(&s, i ? ", \\\n  " : "");
		gp_label(&s, l);
		sb_printf(&s, " %zu", i);
	}
	sb_printf(&s, ")\nset lmargin %d\n", (int)((longest > 52 ? 52 : longest) * 0.75) + 4);
	for (i = 0; i + 1 < rows; i++)
		sb_printf(&s, "set arrow from graph 0, first %.1f to graph 1, first %.1f nohead back "
			      "lc rgb '#e4e4e4' lw 1\n", (double)i + 0.5, (double)i + 0.5);
	sb_puts(&s, "set grid xtics back lc rgb '#dddddd'\n"
		    "set arrow from 1, graph 0 to 1, graph 1 nohead front lc rgb '#222222' lw 1.5\n"
		    "set border 3 lc rgb '#666666'\nset rmargin 4\nunset key\nset xlabel ");
	sb_gp(&s, "geometric mean of the speed-ups: right of 1x is faster. Solid: significant; "
		  "pale: not significant; whiskers: 95% CI");
	sb_puts(&s, "\nH = 0.32\nplot \\\n");
	if (nsig) {
		sb_printf(&s, "%s  $d u ($3 > 0 ? $2 : NaN):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):"
			      "($1-H):($1+H):6 w boxxyerror fs solid 0.9 noborder lc rgb variable",
			  sepr);
		sepr = ", \\\n";
	}
	if (ninsig) {
		sb_printf(&s, "%s  $d u ($3 > 0 ? NaN : $2):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):"
			      "($1-H):($1+H):6 w boxxyerror fs transparent solid 0.22 border lc rgb "
			      "'#666666' lc rgb variable",
			  sepr);
		sepr = ", \\\n";
	}
	sb_printf(&s, "%s  $d u 2:1:4:5 w xerrorbars pt -1 lw 0.8 lc rgb '#444444'", sepr);
	if (nright)
		sb_puts(&s, ", \\\n  $d u ($2 >= 1 ? $5 : NaN):1:7 w labels left offset 0.4,0 "
			    "font ',8' tc rgb '#333333'");
	if (nleft)
		sb_puts(&s, ", \\\n  $d u ($2 < 1 ? $4 : NaN):1:7 w labels right offset -0.4,0 "
			    "font ',8' tc rgb '#333333'");
	sb_puts(&s, "\n");
	json_decref(colors);
	rc = rh_plot(r, "images", &s, 1000, 110 + (int)rows * 26);
	free(s.p);
	return rc;
}

static int figure(struct rh *r, const json_t *comps, const char *caption)
{
	if (!json_array_size(comps))
		return 0;
	sb_puts(&r->page, "<figure>\n");
	if (chart(r, comps))
		return 1;
	sb_puts(&r->page, "<figcaption>");
	sb_html(&r->page, caption);
	sb_puts(&r->page, "</figcaption>\n</figure>\n");
	return 0;
}

int as_images_html(struct rh *r, const json_t *images)
{
	struct as_out o = {NULL, &r->page, "-"};
	char caption[512];
	if (!images)
		return 0;
	head_out(&o, images);
	speed_out(&o, images);
	snprintf(caption, sizeof caption,
		 "Speed of each image's cells against %s's (the geometric mean over the benchmarks, "
		 "on a log scale): bars right of 1x are faster; a colour per image.",
		 as_jstr(images, "baseline") ? as_jstr(images, "baseline") : "the baseline");
	if (figure(r, json_object_get(images, "comparisons"), caption))
		return 1;
	seccomp_out(&o, images);
	if (figure(r, json_object_get(images, "seccomp"),
		   "What seccomp=default costs against no filter, per image and allocator (the "
		   "geometric mean over the benchmarks, on a log scale): bars left of 1x are slower."))
		return 1;
	return 0;
}
