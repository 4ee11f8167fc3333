/* images: the image and seccomp axes taken apart; the "images" object of
 * summary.json and its sections in report.md and report.html (contract in
 * images.h). */
#include "images.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html_int.h"
#include "results.h"
#include "stats.h"
#include "summary.h"

#define IMAGE_HOST "host"
#define ALLOC_OWN "system" /* first in every list */
#define SC_DEFAULT "default"
#define SC_UNCONFINED "unconfined"
#define SC_NONE "none"

/* What a cell is besides its image: matched on, and named in labels when
 * it varies in the matrix (python only when it is not the host's). */
enum { AX_ALLOC, AX_PYMALLOC, AX_SECCOMP, AX_STATS, AX_PYTHON, AX_N };
static const char *const axis_names[AX_N] = {"allocator", "pymalloc", "seccomp", "stats",
					     "python"};
static const char *const axis_defaults[AX_N] = {"", "", "", AS_STATS_DEFAULT, AS_PYTHON_DEFAULT};

struct icfg {
	const char *id, *libc;
	const char *ax[AX_N];
	size_t img;
};

struct iimg {
	const char *name, *runner;
	json_t *facts; /* IMAGE (images.h), owned */
};

struct ix {
	const json_t *meta;
	json_t *index; /* {"BENCH\nCONFIG": the summary's cell} */
	const char **bench;
	size_t nb;
	struct icfg *c;
	size_t nc;
	struct iimg *img;
	size_t ni;
	json_t *allocs; /* system first, then matrix order */
	json_t *seccomps; /* the seccomp values, matrix order */
	int varies[AX_N];
	json_t *refused;
	/* scratch, nb + 1 each */
	struct as_ratio *r, *g;
	int *ok;
	double *p, *adj;
	int oom;
};

static json_t *chk(struct ix *x, json_t *j)
{
	x->oom |= !j;
	return j;
}

static void put(struct ix *x, json_t *o, const char *k, json_t *v)
{
	x->oom |= !o || !v || json_object_set_new(o, k, v);
}

static void append(struct ix *x, json_t *a, json_t *v)
{
	x->oom |= !a || !v || json_array_append_new(a, v);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jpair(double lo, double hi)
{
	return isfinite(lo) && isfinite(hi) ? json_pack("[f, f]", lo, hi) : json_null();
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *at(const json_t *a, size_t i)
{
	return json_string_value(json_array_get(a, i));
}

static void add_once(struct ix *x, json_t *a, const char *v)
{
	size_t i;
	for (i = 0; at(a, i); i++)
		if (!strcmp(at(a, i), v))
			return;
	append(x, a, json_string(v));
}

/* ---- the images and what they are ------------------------------------------------- */

/* The runner of an image value meta.json does not describe (results.h). */
static const char *runner_of(const char *image)
{
	if (!strcmp(image, IMAGE_HOST))
		return "host";
	if (!strncmp(image, "docker:", 7))
		return "docker";
	if (!strncmp(image, "podman:", 7))
		return "podman";
	return "rootfs";
}

static int is_engine(const char *runner)
{
	return strcmp(runner, "host") && strcmp(runner, "rootfs");
}

/* What seccomp "none" is on a runner: the same string, the same filter. */
static const char *none_is(const char *runner)
{
	return is_engine(runner) ? runner : "no filter";
}

/* f[key] = v when f has no string or number there. */
static void fill(struct ix *x, json_t *f, const char *key, const char *v)
{
	const json_t *o = json_object_get(f, key);
	if (v && !json_is_string(o) && !json_is_number(o))
		put(x, f, key, json_string(v));
}

/* The host's allocators: meta.json's "allocators" of its libc. */
static json_t *host_allocators(const struct ix *x, const char *libc)
{
	json_t *list = json_array();
	const json_t *v;
	const char *name;
	json_object_foreach((json_t *)json_object_get(x->meta, "allocators"), name, v)
	{
		if (!libc || !as_jstr(v, "libc") || !strcmp(as_jstr(v, "libc"), libc))
			json_array_append_new(list, json_string(name));
	}
	return list;
}

static size_t image_index(struct ix *x, const char *name, const char *libc)
{
	const json_t *m = json_object_get(json_object_get(x->meta, "images"), name);
	struct iimg *im;
	size_t i;
	for (i = 0; i < x->ni; i++)
		if (!strcmp(x->img[i].name, name))
			return i;
	im = &x->img[x->ni++];
	im->name = name;
	im->facts = chk(x, json_is_object(m) ? json_deep_copy(m) : json_object());
	fill(x, im->facts, "runner", runner_of(name));
	im->runner = as_jstr(im->facts, "runner") ? as_jstr(im->facts, "runner") : runner_of(name);
	put(x, im->facts, "name", json_string(name));
	fill(x, im->facts, "libc", libc);
	if (!strcmp(name, IMAGE_HOST)) {
		/* the host's are meta.json's own */
		const char *l = as_jstr(im->facts, "libc");
		fill(x, im->facts, "libc_version", l ? as_jstr(json_object_get(x->meta, "libcs"), l) : NULL);
		fill(x, im->facts, "python_version", as_jstr(x->meta, "python.version"));
		if (!json_is_array(json_object_get(im->facts, "allocators")))
			put(x, im->facts, "allocators", host_allocators(x, l));
	}
	put(x, im->facts, "described", json_boolean(json_is_object(m)));
	return i;
}

/* The systems allocator first, then the others in matrix order. */
static void order_allocators(struct ix *x)
{
	size_t i;
	for (i = 0; i < x->nc; i++)
		if (!strcmp(x->c[i].ax[AX_ALLOC], ALLOC_OWN))
			add_once(x, x->allocs, ALLOC_OWN);
	for (i = 0; i < x->nc; i++)
		add_once(x, x->allocs, x->c[i].ax[AX_ALLOC]);
}

static int load(struct ix *x, const json_t *s)
{
	const json_t *v, *cfgs = json_object_get(s, "configs");
	size_t i, n = json_array_size(cfgs), nb;
	int k;
	x->meta = json_object_get(s, "meta");
	x->index = chk(x, json_object());
	x->allocs = chk(x, json_array());
	x->seccomps = chk(x, json_array());
	x->refused = chk(x, json_array());
	nb = x->nb = json_array_size(json_object_get(s, "benchmarks"));
	x->bench = calloc(nb + 1, sizeof *x->bench);
	x->c = calloc(n + 1, sizeof *x->c);
	x->img = calloc(n + 1, sizeof *x->img);
	x->r = calloc(2 * (nb + 1), sizeof *x->r);
	x->ok = calloc(nb + 1, sizeof *x->ok);
	x->p = calloc(2 * (nb + 1), sizeof *x->p);
	if (x->oom || !x->bench || !x->c || !x->img || !x->r || !x->ok || !x->p)
		return ENOMEM;
	x->g = x->r + nb + 1;
	x->adj = x->p + nb + 1;
	json_array_foreach(json_object_get(s, "benchmarks"), i, v)
		x->bench[i] = as_jstr(v, "name") ? as_jstr(v, "name") : "";
	json_array_foreach(json_object_get(s, "cells"), i, v)
	{
		char key[1024];
		snprintf(key, sizeof key, "%s\n%s", as_jstr(v, "bench") ? as_jstr(v, "bench") : "",
			 as_jstr(v, "config") ? as_jstr(v, "config") : "");
		x->oom |= json_object_set(x->index, key, (json_t *)v) != 0;
	}
	json_array_foreach(cfgs, i, v)
	{
		struct icfg *c = &x->c[x->nc];
		const char *image = as_jstr(v, "image") ? as_jstr(v, "image") : IMAGE_HOST;
		if (!(c->id = as_jstr(v, "id")))
			continue;
		c->libc = as_jstr(v, "libc") ? as_jstr(v, "libc") : "";
		for (k = 0; k < AX_N; k++)
			c->ax[k] = as_jstr(v, axis_names[k]) ? as_jstr(v, axis_names[k]) : axis_defaults[k];
		c->img = image_index(x, image, as_jstr(v, "libc"));
		add_once(x, x->seccomps, c->ax[AX_SECCOMP]);
		x->nc++;
	}
	for (k = 0; k < AX_N; k++)
		for (i = 1; i < x->nc; i++)
			x->varies[k] |= strcmp(x->c[i].ax[k], x->c[0].ax[k]) != 0;
	order_allocators(x);
	return x->oom ? ENOMEM : 0;
}

static void unload(struct ix *x)
{
	size_t i;
	for (i = 0; x->img && i < x->ni; i++)
		json_decref(x->img[i].facts);
	free(x->img);
	free(x->c);
	free(x->bench);
	free(x->r);
	free(x->ok);
	free(x->p);
	json_decref(x->index);
	json_decref(x->allocs);
	json_decref(x->seccomps);
	json_decref(x->refused);
}

/* "system, pymalloc=off, seccomp=none": the allocator and the axes that vary,
 * but skip. */
static const char *describe(const struct ix *x, const struct icfg *c, int skip, char *buf,
			    size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", c->ax[AX_ALLOC]);
	int k;
	for (k = AX_PYMALLOC; k < AX_N; k++) {
		if (k == skip || !x->varies[k] || n >= cap ||
		    (k == AX_PYTHON && !strcmp(c->ax[k], AS_PYTHON_DEFAULT)))
			continue;
		n += (size_t)snprintf(buf + n, cap - n, ", %s=%s", axis_names[k], c->ax[k]);
	}
	return buf;
}

/* ---- comparisons ------------------------------------------------------------------------ */

static const json_t *summary_cell(const struct ix *x, size_t b, const char *config)
{
	char key[1024];
	snprintf(key, sizeof key, "%s\n%s", x->bench[b], config);
	return json_object_get(x->index, key);
}

/* as factors.c: the speed-up of nw over base on benchmark b; 0, EINVAL
 * (fewer than two samples on a side) or ENOMEM. */
static int bench_ratio(const struct ix *x, size_t b, const struct icfg *base,
		       const struct icfg *nw, struct as_ratio *r)
{
	const json_t *sa = json_object_get(summary_cell(x, b, base->id), "samples");
	const json_t *sn = json_object_get(summary_cell(x, b, nw->id), "samples");
	size_t na = json_array_size(sa), nn = json_array_size(sn), i;
	double *v = malloc((na + nn + 1) * sizeof *v);
	int rc;
	if (!v)
		return ENOMEM;
	for (i = 0; i < na + nn; i++)
		v[i] = json_number_value(json_array_get(i < na ? sa : sn, i < na ? i : i - na));
	rc = as_stats_ratio(v, na, v + na, nn, r);
	free(v);
	return rc;
}

/* Two-sided, on t = log ratio / its standard error (factors.h). */
static double ratio_p(const struct as_ratio *r)
{
	if (!(r->log_var > 0))
		return r->log_ratio == 0 ? 1 : 0;
	return 2 * as_stats_t_cdf(-fabs(r->log_ratio) / sqrt(r->log_var), r->log_df);
}

static json_t *verdict(double ratio, int sig)
{
	char buf[96];
	return json_string(sig ? as_fmt_speed(ratio, buf, sizeof buf) : "not significant");
}

/* COMP (images.h): nw against base, per benchmark and as a geometric mean. */
static json_t *comp_json(struct ix *x, const char *label, const struct icfg *base,
			 const struct icfg *nw)
{
	json_t *o = chk(x, json_pack("{s:s, s:{s:s}, s:{s:s}, s:[]}", "label", label, "base", "config",
				     base->id, "new", "config", nw->id, "benchmarks"));
	json_t *list = json_object_get(o, "benchmarks");
	struct as_geomean gm;
	size_t b, k = 0;
	int sig, rc;
	for (b = 0; b < x->nb; b++) {
		rc = bench_ratio(x, b, base, nw, &x->r[b]);
		x->oom |= rc == ENOMEM;
		x->ok[b] = !rc;
		x->p[b] = x->ok[b] ? ratio_p(&x->r[b]) : NAN;
		if (x->ok[b])
			x->g[k++] = x->r[b];
	}
	x->oom |= as_stats_holm(x->p, x->adj, x->nb) != 0;
	for (b = 0; b < x->nb && o; b++) {
		const json_t *cb = summary_cell(x, b, base->id), *cn = summary_cell(x, b, nw->id);
		const struct as_ratio *r = &x->r[b];
		int ok = x->ok[b];
		sig = ok && x->adj[b] < AS_ALPHA;
		append(x, list,
		       json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
				 "bench", x->bench[b], "base_mean", jnum(as_jnum(cb, "mean")), "base_std",
				 jnum(as_jnum(cb, "std")), "new_mean", jnum(as_jnum(cn, "mean")),
				 "new_std", jnum(as_jnum(cn, "std")), "ratio", jnum(ok ? r->ratio : NAN),
				 "ci95", ok ? jpair(r->ci_lo, r->ci_hi) : json_null(), "log_ratio",
				 jnum(ok ? r->log_ratio : NAN), "log_var", jnum(ok ? r->log_var : NAN),
				 "log_df", jnum(ok ? r->log_df : NAN), "p_value", jnum(x->p[b]),
				 "p_adjusted", jnum(x->adj[b]), "significant", sig, "verdict",
				 ok ? verdict(r->ratio, sig) : json_string("n/a (too few runs)")));
	}
	if (!k || as_stats_geomean(x->g, k, &gm))
		gm.ratio = gm.ci_lo = gm.ci_hi = NAN;
	sig = gm.ci_lo > 1 || gm.ci_hi < 1;
	put(x, o, "geomean",
	    json_pack("{s:I, s:o, s:o, s:b, s:o}", "k", (json_int_t)k, "ratio", jnum(gm.ratio), "ci95",
		      jpair(gm.ci_lo, gm.ci_hi), "significant", sig, "verdict",
		      k ? verdict(gm.ratio, sig) : json_string("n/a (too few runs)")));
	return o;
}

static void refuse(struct ix *x, const char *what, const char *image, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void refuse(struct ix *x, const char *what, const char *image, const char *fmt, ...)
{
	char buf[1024];
	const json_t *e;
	size_t i;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_foreach(x->refused, i, e)
	{
		if (as_same_str(as_jstr(e, "what"), what) && as_same_str(as_jstr(e, "image"), image) &&
		    as_same_str(as_jstr(e, "reason"), buf))
			return;
	}
	append(x, x->refused, json_pack("{s:s, s:s, s:s}", "what", what, "image", image, "reason", buf));
}

static void status(struct ix *x, json_t *list, const char *what, const char *name, size_t n,
		   const char *reason)
{
	append(x, list,
	       json_pack("{s:s, s:s, s:b, s:I, s:s?}", "what", what, "name", name, "measurable", n > 0,
			 "comparisons", (json_int_t)n, "reason", n ? NULL : reason));
}

/* ---- images against the baseline image ------------------------------------------------- */

/* Do a and b differ at most in the axes of skip (a bit per axis)? */
static int same_cell(const struct icfg *a, const struct icfg *b, unsigned skip)
{
	int k;
	for (k = 0; k < AX_N; k++)
		if (!(skip & 1u << k) && strcmp(a->ax[k], b->ax[k]))
			return 0;
	return 1;
}

/* The first cell of image i, of the host's own Python, like c but for the
 * axes in skip. */
static const struct icfg *find(const struct ix *x, size_t i, const struct icfg *c, unsigned skip)
{
	size_t j;
	for (j = 0; j < x->nc; j++)
		if (x->c[j].img == i && same_cell(&x->c[j], c, skip))
			return &x->c[j];
	return NULL;
}

static int host_python(const struct icfg *c)
{
	return !strcmp(c->ax[AX_PYTHON], AS_PYTHON_DEFAULT);
}

static const char *fact(const struct ix *x, size_t i, const char *key)
{
	return as_jstr(x->img[i].facts, key);
}

/* "glibc 2.36", "musl", or NULL. */
static json_t *libc_text(const struct ix *x, size_t i)
{
	char buf[128];
	if (!fact(x, i, "libc"))
		return json_null();
	snprintf(buf, sizeof buf, "%s%s%s", fact(x, i, "libc"), fact(x, i, "libc_version") ? " " : "",
		 fact(x, i, "libc_version") ? fact(x, i, "libc_version") : "");
	return json_string(buf);
}

/* "Python 3.13.5 vs 3.11.2; glibc 2.41 vs 2.36", what differs between
 * image i and the baseline image, besides the image; NULL when nothing
 * does. */
static json_t *differs(const struct ix *x, size_t i, size_t base)
{
	const char *pn = fact(x, i, "python_version"), *pb = fact(x, base, "python_version");
	const char *ln = fact(x, i, "libc"), *lb = fact(x, base, "libc");
	const char *vn = fact(x, i, "libc_version"), *vb = fact(x, base, "libc_version");
	char buf[512] = "";
	size_t n = 0;
	if (pn && pb && strcmp(pn, pb))
		n += (size_t)snprintf(buf, sizeof buf, "Python %s vs %s", pn, pb);
	else if (!pn || !pb)
		n += (size_t)snprintf(buf, sizeof buf, "Python version%s of %s unknown",
				      !pn && !pb ? "s" : "", !pn && !pb ? "both" : !pn ? x->img[i].name
												: x->img[base].name);
	if (ln && lb && strcmp(ln, lb))
		snprintf(buf + n, sizeof buf - n, "%s%s%s%s vs %s%s%s", n ? "; " : "", ln, vn ? " " : "",
			 vn ? vn : "", lb, vb ? " " : "", vb ? vb : "");
	else if (ln && lb && vn && vb && strcmp(vn, vb))
		snprintf(buf + n, sizeof buf - n, "%s%s %s vs %s", n ? "; " : "", ln, vn, vb);
	return *buf ? json_string(buf) : json_null();
}

/* "4.1% more memory" from a ratio of peak RSS. */
static const char *rss_text(double ratio, char *buf, size_t cap)
{
	double pct = (ratio - 1) * 100;
	if (!isfinite(pct))
		snprintf(buf, cap, "-");
	else if (fabs(pct) < 0.05)
		snprintf(buf, cap, "the same memory");
	else
		snprintf(buf, cap, fabs(pct) >= 9.95 ? "%.0f%% %s memory" : "%.1f%% %s memory",
			 fabs(pct), pct > 0 ? "more" : "less");
	return buf;
}

/* The ratio of the median peak RSS, new / base, geometric-meaned over the
 * benchmarks where both cells have one; null when none has. */
static json_t *rss_json(const struct ix *x, const struct icfg *base, const struct icfg *nw)
{
	double sum = 0, ratio;
	size_t b, k = 0;
	char buf[64];
	for (b = 0; b < x->nb; b++) {
		double rb = as_jnum(summary_cell(x, b, base->id), "rss_peak");
		double rn = as_jnum(summary_cell(x, b, nw->id), "rss_peak");
		if (rb > 0 && rn > 0) {
			sum += log(rn / rb);
			k++;
		}
	}
	if (!k)
		return json_null();
	ratio = exp(sum / (double)k);
	return json_pack("{s:I, s:f, s:s}", "k", (json_int_t)k, "ratio", ratio, "text",
			 rss_text(ratio, buf, sizeof buf));
}

static const char *base_rule(const struct ix *x, const char *named, size_t *base)
{
	size_t i;
	for (i = 0; named && i < x->ni; i++)
		if (!strcmp(x->img[i].name, named)) {
			*base = i;
			return "named by --baseline-image";
		}
	for (i = 0; i < x->ni; i++)
		if (strcmp(x->img[i].name, IMAGE_HOST)) {
			*base = i;
			return "the first image of the matrix that is not host";
		}
	*base = 0;
	return "host, the matrix's only image";
}

/* One comparison: image i's cell c against the baseline image's b. */
static void image_pair(struct ix *x, json_t *comps, size_t base, const struct icfg *bc,
		       const struct icfg *c)
{
	char label[1024], d[512];
	json_t *o;
	size_t i = c->img;
	snprintf(label, sizeof label, "%s vs %s (%s)", x->img[i].name, x->img[base].name,
		 describe(x, c, AX_PYTHON, d, sizeof d));
	o = comp_json(x, label, bc, c);
	put(x, o, "image", json_string(x->img[i].name));
	put(x, o, "cells", json_string(d));
	put(x, o, "base_image", json_string(x->img[base].name));
	put(x, o, "allocator", json_string(c->ax[AX_ALLOC]));
	put(x, o, "pymalloc", json_string(c->ax[AX_PYMALLOC]));
	put(x, o, "seccomp", json_string(c->ax[AX_SECCOMP]));
	put(x, o, "stats", json_string(c->ax[AX_STATS]));
	put(x, o, "python", json_pack("{s:o, s:o}", "base", jstr_or_null(fact(x, base, "python_version")),
				      "new", jstr_or_null(fact(x, i, "python_version"))));
	put(x, o, "libc", json_pack("{s:o, s:o}", "base", libc_text(x, base), "new", libc_text(x, i)));
	put(x, o, "differs", differs(x, i, base));
	put(x, o, "rss", rss_json(x, bc, c));
	append(x, comps, o);
}

/* Every image against the baseline image, in cells that differ only in
 * the image; the number of comparisons. */
static size_t images_compare(struct ix *x, json_t *comps, size_t base)
{
	const unsigned not_image = 0; /* the image is not an axis of icfg */
	json_t *pys = chk(x, json_array());
	size_t i, j, a, n = 0, len = 0;
	char d[512], others[512] = "";
	/* host cells of other Pythons are left out, once */
	for (j = 0; j < x->nc; j++)
		if (!host_python(&x->c[j]))
			add_once(x, pys, x->c[j].ax[AX_PYTHON]);
	for (j = 0; at(pys, j) && len < sizeof others; j++)
		len += (size_t)snprintf(others + len, sizeof others - len, "%s%s", j ? ", " : "", at(pys, j));
	json_decref(pys);
	if (*others)
		refuse(x, "images", IMAGE_HOST,
		       "its cells of another Python (%s) are left out: an image's cells run the image's "
		       "own Python", others);
	for (i = 0; i < x->ni; i++) {
		if (i == base)
			continue;
		for (a = 0; at(x->allocs, a); a++)
			for (j = 0; j < x->nc; j++) {
				const struct icfg *c = &x->c[j], *bc;
				if (c->img != i || strcmp(c->ax[AX_ALLOC], at(x->allocs, a)) ||
				    !host_python(c) || find(x, i, c, not_image) != c)
					continue;
				bc = find(x, base, c, not_image);
				if (bc && !strcmp(c->ax[AX_SECCOMP], SC_NONE) &&
				    strcmp(none_is(x->img[i].runner), none_is(x->img[base].runner))) {
					refuse(x, "images", x->img[i].name,
					       "seccomp=none is not compared: it is %s in %s and %s in %s",
					       is_engine(x->img[i].runner) ? "the engine's default profile"
									   : "no filter",
					       x->img[i].name,
					       is_engine(x->img[base].runner) ? "the engine's default profile"
									      : "no filter",
					       x->img[base].name);
					continue;
				}
				if (!bc) {
					refuse(x, "images", x->img[i].name, "%s has no cell with %s",
					       x->img[base].name, describe(x, c, AX_PYTHON, d, sizeof d));
					continue;
				}
				image_pair(x, comps, base, bc, c);
				n++;
			}
		/* the baseline's cells that image i lacks */
		for (j = 0; j < x->nc; j++) {
			const struct icfg *bc = &x->c[j];
			if (bc->img == base && host_python(bc) && find(x, base, bc, not_image) == bc &&
			    !find(x, i, bc, not_image))
				refuse(x, "images", x->img[i].name, "%s has no cell with %s", x->img[i].name,
				       describe(x, bc, AX_PYTHON, d, sizeof d));
		}
	}
	return n;
}

/* ---- seccomp cost ----------------------------------------------------------------------- */

static int image_runs(const struct ix *x, size_t i, const char *seccomp)
{
	size_t j;
	for (j = 0; j < x->nc; j++)
		if (x->c[j].img == i && !strcmp(x->c[j].ax[AX_SECCOMP], seccomp))
			return 1;
	return 0;
}

/* The first cell of image i like c (libc too) but for its seccomp value. */
static const struct icfg *find_seccomp(const struct ix *x, size_t i, const struct icfg *c,
				       const char *seccomp)
{
	size_t j;
	for (j = 0; j < x->nc; j++) {
		const struct icfg *o = &x->c[j];
		if (o->img == i && !strcmp(o->ax[AX_SECCOMP], seccomp) &&
		    same_cell(o, c, 1u << AX_SECCOMP) && !strcmp(o->libc, c->libc))
			return o;
	}
	return NULL;
}

static size_t seccomp_compare(struct ix *x, json_t *comps)
{
	size_t i, j, a, n = 0;
	char d[512], label[1024];
	for (i = 0; i < x->ni; i++) {
		const char *name = x->img[i].name, *runner = x->img[i].runner, *ref;
		int engine = is_engine(runner);
		ref = image_runs(x, i, SC_UNCONFINED)		  ? SC_UNCONFINED
		      : !engine && image_runs(x, i, SC_NONE) ? SC_NONE
							     : NULL;
		if (!image_runs(x, i, SC_DEFAULT)) {
			refuse(x, "seccomp", name, "not measurable: %s never runs seccomp=default", name);
			continue;
		}
		if (!ref) {
			refuse(x, "seccomp", name,
			       engine ? "not measurable: in an engine seccomp=none is the engine's own "
					"default profile, so default is compared with unconfined only, and "
					"%s has no unconfined cell"
				      : "not measurable: %s runs no cell without a filter (none or "
					"unconfined)",
			       name);
			continue;
		}
		for (a = 0; at(x->allocs, a); a++)
			for (j = 0; j < x->nc; j++) {
				const struct icfg *c = &x->c[j], *bc;
				json_t *o;
				if (c->img != i || strcmp(c->ax[AX_ALLOC], at(x->allocs, a)) ||
				    strcmp(c->ax[AX_SECCOMP], SC_DEFAULT) ||
				    find_seccomp(x, i, c, SC_DEFAULT) != c)
					continue;
				if (!(bc = find_seccomp(x, i, c, ref))) {
					refuse(x, "seccomp", name, "no seccomp=%s cell beside %s", ref,
					       describe(x, c, AX_SECCOMP, d, sizeof d));
					continue;
				}
				snprintf(label, sizeof label, "%s, %s: default vs %s", name,
					 describe(x, c, AX_SECCOMP, d, sizeof d), ref);
				o = comp_json(x, label, bc, c);
				put(x, o, "image", json_string(name));
				put(x, o, "cells", json_string(d));
				put(x, o, "runner", json_string(runner));
				put(x, o, "allocator", json_string(c->ax[AX_ALLOC]));
				put(x, o, "pymalloc", json_string(c->ax[AX_PYMALLOC]));
				put(x, o, "stats", json_string(c->ax[AX_STATS]));
				put(x, o, "python", json_string(c->ax[AX_PYTHON]));
				put(x, o, "base_seccomp", json_string(ref));
				put(x, o, "new_seccomp", json_string(SC_DEFAULT));
				append(x, comps, o);
				n++;
			}
		/* reference cells without a default beside them */
		for (j = 0; j < x->nc; j++) {
			const struct icfg *c = &x->c[j];
			if (c->img == i && !strcmp(c->ax[AX_SECCOMP], ref) &&
			    find_seccomp(x, i, c, ref) == c && !find_seccomp(x, i, c, SC_DEFAULT))
				refuse(x, "seccomp", name, "no seccomp=default cell beside %s",
				       describe(x, c, AX_SECCOMP, d, sizeof d));
		}
	}
	return n;
}

/* ---- the whole object ------------------------------------------------------------------------ */

const char *as_images_names(const json_t *summary, char *buf, size_t cap)
{
	const json_t *v;
	json_t *seen = json_object();
	size_t i, n = 0;
	if (cap)
		*buf = 0;
	json_array_foreach(json_object_get(summary, "configs"), i, v)
	{
		const char *im = as_jstr(v, "image") ? as_jstr(v, "image") : IMAGE_HOST;
		if (!seen || json_object_get(seen, im) || n >= cap)
			continue;
		json_object_set_new(seen, im, json_true());
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", im);
	}
	json_decref(seen);
	return buf;
}

int as_images_build(const json_t *summary, const char *baseline, json_t **out)
{
	struct ix x;
	json_t *o = NULL, *imgs, *st, *comps, *sc, *axes;
	const char *rule;
	size_t i, base = 0, n;
	char why[256];
	int rc;
	memset(&x, 0, sizeof x);
	*out = NULL;
	rc = load(&x, summary);
	if (!rc && baseline) {
		for (i = 0; i < x.ni && strcmp(x.img[i].name, baseline); i++)
			;
		rc = i < x.ni ? 0 : EINVAL;
	}
	if (rc) {
		unload(&x);
		return rc;
	}
	rule = base_rule(&x, baseline, &base);
	imgs = chk(&x, json_array());
	st = chk(&x, json_array());
	comps = chk(&x, json_array());
	sc = chk(&x, json_array());
	axes = chk(&x, json_array());
	for (i = 0; i < x.ni; i++)
		append(&x, imgs, json_incref(x.img[i].facts));
	if (x.ni > 1) {
		snprintf(why, sizeof why, "images against %s", x.img[base].name);
		n = images_compare(&x, comps, base);
		status(&x, st, "images", why, n,
		       "not measurable: no two images have cells that differ only in the image");
	} else {
		char r[256];
		snprintf(r, sizeof r, "not measurable: the matrix has one image (%s)",
			 x.ni ? x.img[0].name : IMAGE_HOST);
		status(&x, st, "images", "images", 0, r);
	}
	if (json_array_size(x.seccomps) > 1) {
		n = seccomp_compare(&x, sc);
		status(&x, st, "seccomp", "seccomp cost", n,
		       "not measurable: no image runs seccomp=default beside a cell without a filter");
	} else {
		snprintf(why, sizeof why, "not measurable: the matrix has one seccomp value (%s)",
			 at(x.seccomps, 0) ? at(x.seccomps, 0) : "none");
		status(&x, st, "seccomp", "seccomp cost", 0, why);
	}
	for (i = AX_PYMALLOC; i <= AX_STATS; i++)
		if (x.varies[i])
			append(&x, axes, json_string(axis_names[i]));
	o = chk(&x, json_pack("{s:o, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "baseline",
			      x.ni > 1 ? json_string(x.img[base].name) : json_null(), "baseline_rule",
			      rule, "axes", axes, "images", imgs, "status", st, "refused", x.refused,
			      "comparisons", comps, "seccomp", sc));
	json_decref(axes);
	json_decref(imgs);
	json_decref(st);
	json_decref(comps);
	json_decref(sc);
	unload(&x);
	if (x.oom) {
		json_decref(o);
		return ENOMEM;
	}
	*out = o;
	return 0;
}

/* ---- report.md and report.html: one walk, two syntaxes ------------------------------------ */

struct out {
	FILE *f;      /* Markdown */
	struct sb *b; /* HTML */
};

static void o_raw(struct out *o, const char *md, const char *html)
{
	if (o->f && md)
		fputs(md, o->f);
	if (o->b && html)
		sb_puts(o->b, html);
}

/* Text: Markdown table cells hold no '|' and no newline; HTML is escaped. */
static void o_text(struct out *o, const char *s)
{
	if (o->b) {
		sb_html(o->b, s);
		return;
	}
	for (; s && *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' || *s == '\r' ? " " : (char[2]){*s, 0}, o->f);
}

static void o_para(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_para(struct out *o, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	o_raw(o, "", "<p>");
	o_text(o, buf);
	o_raw(o, "\n\n", "</p>\n");
}

static void o_heading(struct out *o, const char *text)
{
	o_raw(o, "### ", "<h3>");
	o_text(o, text);
	o_raw(o, "\n\n", "</h3>\n");
}

/* A table's header; align: 'l' or 'r' per column of cols (Markdown). */
static void o_table(struct out *o, const char *first, const char *const *cols, size_t n,
		    const char *align)
{
	size_t i;
	o_raw(o, "| ", "<table>\n<thead><tr><th>");
	o_text(o, first);
	for (i = 0; i < n; i++) {
		o_raw(o, " | ", "</th><th>");
		o_text(o, cols[i]);
	}
	o_raw(o, " |\n|---|", "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++)
		o_raw(o, align[i] == 'r' ? "---:|" : "---|", NULL);
	o_raw(o, "\n", NULL);
}

static void o_row(struct out *o, const char *head, int geo)
{
	o_raw(o, geo ? "| **" : "| ", geo ? "<tr class=\"geo\"><th>" : "<tr><th>");
	o_text(o, head);
	o_raw(o, geo ? "** |" : " |", "</th>");
}

static void o_cell(struct out *o, const char *text, const char *cls)
{
	if (o->b)
		sb_printf(o->b, cls ? "<td class=\"%s\">" : "<td>", cls);
	o_raw(o, " ", NULL);
	o_text(o, text && *text ? text : "-");
	o_raw(o, " |", "</td>");
}

static void o_end_row(struct out *o)
{
	o_raw(o, "\n", "</tr>\n");
}

static void o_end_table(struct out *o)
{
	o_raw(o, "\n", "</tbody></table>\n");
}

/* "1.32x faster (-24%), CI 1.25x-1.40x faster", and its class. */
static const char *ratio_text(const json_t *e, char *buf, size_t cap, const char **cls)
{
	const json_t *ci = json_object_get(e, "ci95");
	const char *v = as_jstr(e, "verdict");
	char c[96];
	*cls = !json_is_true(json_object_get(e, "significant")) ? "ns"
	       : as_jnum(e, "ratio") >= 1			   ? "faster"
									   : "slower";
	if (!json_is_array(ci))
		snprintf(buf, cap, "%s", v ? v : "-");
	else
		snprintf(buf, cap, "%s, CI %s", v ? v : "-",
			 as_fmt_ci(as_jnum(json_array_get(ci, 0), ""), as_jnum(json_array_get(ci, 1), ""),
				   c, sizeof c));
	return buf;
}

static void build_time(const json_t *p, char *buf, size_t cap)
{
	double s = as_jnum(p, "build_seconds");
	if (!isfinite(s))
		snprintf(buf, cap, "-");
	else if (s >= 59.5)
		snprintf(buf, cap, "%ld min %02ld s", lround(s) / 60, lround(s) % 60);
	else
		snprintf(buf, cap, "%.1f s", s);
}

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

static void facts_out(struct out *o, const json_t *im)
{
	static const char *const cols[] = {"runner", "libc", "Python", "size on disk", "files",
					   "build time", "built", "allocators"};
	const json_t *e;
	size_t i, n = 0;
	char undescribed[1024] = "";
	o_heading(o, "The images");
	o_table(o, "Image", cols, 8, "lllrrrll");
	json_array_foreach(json_object_get(im, "images"), i, e)
	{
		char buf[1024];
		const char *built = as_jstr(e, "built");
		o_row(o, as_jstr(e, "name"), 0);
		o_cell(o, as_jstr(e, "runner"), NULL);
		snprintf(buf, sizeof buf, "%s%s%s", as_jstr(e, "libc") ? as_jstr(e, "libc") : "",
			 as_jstr(e, "libc_version") ? " " : "",
			 as_jstr(e, "libc_version") ? as_jstr(e, "libc_version") : "");
		o_cell(o, buf, NULL);
		o_cell(o, as_jstr(e, "python_version"), NULL);
		o_cell(o, as_fmt_bytes(as_jnum(e, "size_bytes"), buf, sizeof buf), NULL);
		snprintf(buf, sizeof buf, "%.0f", as_jnum(e, "files"));
		o_cell(o, isfinite(as_jnum(e, "files")) ? buf : "-", NULL);
		build_time(e, buf, sizeof buf);
		o_cell(o, buf, NULL);
		/* the date of an ISO time */
		snprintf(buf, sizeof buf, "%.*s", built ? (int)strcspn(built, "T ") : 0, built ? built : "");
		o_cell(o, buf, NULL);
		allocator_names(json_object_get(e, "allocators"), buf, sizeof buf);
		o_cell(o, buf, NULL);
		o_end_row(o);
		if (!json_is_true(json_object_get(e, "described")) &&
		    strcmp(as_jstr(e, "name"), IMAGE_HOST) && n < sizeof undescribed)
			n += (size_t)snprintf(undescribed + n, sizeof undescribed - n, "%s%s", n ? ", " : "",
					      as_jstr(e, "name"));
	}
	o_end_table(o);
	if (n)
		o_para(o, "meta.json does not describe %s (a bench directory written before bench "
		       "recorded its images): \"-\" is what it does not say, the libc is the "
		       "configurations'.", undescribed);
}

static void speed_out(struct out *o, const json_t *im)
{
	const json_t *comps = json_object_get(im, "comparisons"), *c;
	const json_t *axes = json_object_get(im, "axes");
	const char *cols[8];
	char head[128], align[9];
	size_t i, n = 0, k, nb = 0;
	if (!json_array_size(comps))
		return;
	nb = json_array_size(json_object_get(json_array_get(comps, 0), "benchmarks"));
	snprintf(head, sizeof head, "Speed and memory against %s", as_jstr(im, "baseline"));
	o_heading(o, head);
	o_para(o, "Baseline image: %s (%s). Each row compares one image's cells with the %s cells "
	       "that differ only in the image: the same allocator, pymalloc, seccomp and stats, "
	       "each image with its own libc and Python (what differs besides is said in the last "
	       "column). Speed: the geometric mean over the benchmarks of the speed-ups (above 1 "
	       "is faster) with its 95%% CI; peak RSS: the ratio of the median peak RSS, "
	       "geometric-meaned over the benchmarks.",
	       as_jstr(im, "baseline"), as_jstr(im, "baseline_rule"), as_jstr(im, "baseline"));
	cols[n++] = "allocator";
	for (k = 0; at(axes, k) && k < 3; k++)
		cols[n++] = at(axes, k);
	snprintf(head, sizeof head, "speed (geometric mean over %zu benchmark%s)", nb, nb == 1 ? "" : "s");
	cols[n++] = head;
	cols[n++] = "peak RSS";
	cols[n++] = "differs besides the image";
	memset(align, 'l', n - 3);
	memcpy(align + n - 3, "rrl", 4);
	o_table(o, "Image", cols, n, align);
	json_array_foreach(comps, i, c)
	{
		char buf[512];
		const char *cls;
		json_int_t kk = json_integer_value(as_jpath(c, "geomean.k"));
		o_row(o, as_jstr(c, "image"), 0);
		o_cell(o, as_jstr(c, "allocator"), NULL);
		for (k = 0; at(axes, k) && k < 3; k++)
			o_cell(o, as_jstr(c, at(axes, k)), NULL);
		ratio_text(json_object_get(c, "geomean"), buf, sizeof buf, &cls);
		if (kk && (size_t)kk < nb)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (%lld of %zu benchmarks)",
				 (long long)kk, nb);
		o_cell(o, buf, cls);
		o_cell(o, as_jstr(c, "rss.text"), NULL);
		o_cell(o, as_jstr(c, "differs"), NULL);
		o_end_row(o);
	}
	o_end_table(o);
}

/* Rows: the benchmarks, then the geometric mean; columns: comps[0..n). */
static void comp_table(struct out *o, const json_t *const *comps, const char *const *cols, size_t n)
{
	const json_t *list = json_object_get(comps[0], "benchmarks");
	size_t b, i, nb = json_array_size(list);
	char buf[300];
	const char *cls;
	o_table(o, "Benchmark", cols, n, "rrrrrr");
	for (b = 0; b < nb; b++) {
		o_row(o, as_jstr(json_array_get(list, b), "bench"), 0);
		for (i = 0; i < n; i++) {
			ratio_text(json_array_get(json_object_get(comps[i], "benchmarks"), b), buf,
				   sizeof buf, &cls);
			o_cell(o, buf, cls);
		}
		o_end_row(o);
	}
	o_row(o, "Geometric mean", 1);
	for (i = 0; i < n; i++) {
		ratio_text(json_object_get(comps[i], "geomean"), buf, sizeof buf, &cls);
		o_cell(o, buf, cls);
	}
	o_end_row(o);
	o_end_table(o);
}

static void seccomp_out(struct out *o, const json_t *im)
{
	const json_t *c, *comps[6];
	const char *cols[6];
	size_t i, n = 0;
	if (!json_array_size(json_object_get(im, "seccomp")))
		return;
	o_heading(o, "Seccomp: Docker's default profile against no filter");
	o_para(o, "seccomp=default is Docker's default profile (the engine's own in a container, "
	       "allocswap's libseccomp copy of it on the host and in a root filesystem); it is "
	       "compared with no filter: unconfined, or none on the host and in a root filesystem "
	       "(in an engine none is the engine's default profile). Each column is one image's "
	       "cells, otherwise equal; above 1 is faster, so a cost reads \"slower\".");
	json_array_foreach(json_object_get(im, "seccomp"), i, c)
	{
		comps[n] = c;
		cols[n++] = as_jstr(c, "label");
		if (n == 6) {
			comp_table(o, comps, cols, n);
			n = 0;
		}
	}
	if (n)
		comp_table(o, comps, cols, n);
}

static const char intro[] =
	"Which image runs this workload fastest and leanest, and what Docker's default seccomp "
	"profile costs. An image's cells run the image's own libc and Python, so both are part "
	"of the image here. Speed-ups are the baseline's mean time over the other's (above 1 is "
	"faster) from the per-process means, with 95% CIs; a benchmark's verdict needs p < 0.05 "
	"after Holm's correction over the benchmarks of its comparison, and a geometric mean is "
	"not significant when its CI contains 1.";

static void list_out(struct out *o, const json_t *im)
{
	const json_t *e;
	size_t i;
	o_raw(o, "", "<ul>\n");
	json_array_foreach(json_object_get(im, "status"), i, e)
	{
		json_int_t n = json_integer_value(json_object_get(e, "comparisons"));
		char line[1200];
		if (n)
			snprintf(line, sizeof line, "%s: %lld comparison%s", as_jstr(e, "name"),
				 (long long)n, n > 1 ? "s" : "");
		else
			snprintf(line, sizeof line, "%s: %s", as_jstr(e, "name"), as_jstr(e, "reason"));
		o_raw(o, "- ", "<li>");
		o_text(o, line);
		o_raw(o, "\n", "</li>\n");
	}
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
		o_raw(o, "- ", "<li>");
		o_text(o, line);
		o_raw(o, "\n", "</li>\n");
	}
	o_raw(o, "\n", "</ul>\n");
}

/* Anything beyond the host? */
static int has_images(const json_t *im)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(im, "images"), i, e)
	{
		if (!as_same_str(as_jstr(e, "name"), IMAGE_HOST))
			return 1;
	}
	return 0;
}

static void head_out(struct out *o, const json_t *im)
{
	o_raw(o, "## Images\n\n", "<h2 id=\"images\">Images</h2>\n");
	if (has_images(im) || json_array_size(json_object_get(im, "seccomp")))
		o_para(o, "%s", intro);
	o_heading(o, "What this matrix can compare");
	list_out(o, im);
	if (has_images(im))
		facts_out(o, im);
}

int as_images_md(FILE *f, const json_t *images)
{
	struct out o = {f, NULL};
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
	static const double tics[] = {0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25,
				      1.5, 2, 3, 4, 5, 10}; /* tics[8] is 1 */
	const json_t *c;
	struct sb s = {0};
	json_t *names = json_array();
	size_t i, k, rows = json_array_size(comps), longest = 0;
	double lo = 0.9, hi = 1.1, last, sep;
	int rc, axis;
	sb_puts(&s, "$d << EOD\n");
	json_array_foreach(comps, i, c)
	{
		double ratio = as_jnum(c, "geomean.ratio");
		const json_t *ci = as_jpath(c, "geomean.ci95");
		double l = as_jnum(json_array_get(ci, 0), ""), h = as_jnum(json_array_get(ci, 1), "");
		for (k = 0; at(names, k) && strcmp(at(names, k), as_jstr(c, "image")); k++)
			;
		if (!at(names, k))
			json_array_append_new(names, json_string(as_jstr(c, "image")));
		if (!(ratio > 0))
			continue;
		lo = fmin(lo, fmin(ratio, l > 0 ? fmax(l, ratio / 2) : ratio));
		hi = fmax(hi, fmax(ratio, h > 0 ? fmin(h, ratio * 2) : ratio));
		sb_printf(&s, "%zu %.6g %d %.6g %.6g %u %.2f\n", i, ratio,
			  json_is_true(as_jpath(c, "geomean.significant")), l > 0 ? l : ratio,
			  h > 0 ? h : ratio, chart_colors[k % NCOLORS], ratio);
	}
	sb_puts(&s, "EOD\n");
	lo /= 1.06;
	hi *= 1.18;
	sb_printf(&s, "set logscale x\nset xrange [%.6g:%.6g]\nset yrange [%.1f:-0.5]\n", lo, hi,
		  (double)rows - 0.5);
	sep = (log(hi) - log(lo)) / 10;
	for (axis = 0; axis < 2; axis++) {
		sb_puts(&s, axis ? "set x2tics out ('1x' 1" : "set xtics nomirror out ('1x' 1");
		for (last = 1, i = 9; i < sizeof tics / sizeof tics[0]; i++)
			if (tics[i] <= hi && log(tics[i]) - log(last) >= sep) {
				sb_printf(&s, ", '%gx' %g", tics[i], tics[i]);
				last = tics[i];
			}
		for (last = 1, i = 8; i-- > 0;)
			if (tics[i] >= lo && log(last) - log(tics[i]) >= sep) {
				sb_printf(&s, ", '%gx' %g", tics[i], tics[i]);
				last = tics[i];
			}
		sb_puts(&s, ")\n");
	}
	sb_printf(&s, "set logscale x2\nset x2range [%.6g:%.6g]\n", lo, hi);
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
	sb_puts(&s, "\nH = 0.32\nplot \\\n"
		    "  $d u ($3 > 0 ? $2 : NaN):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):($1-H):($1+H):6 "
		    "w boxxyerror fs solid 0.9 noborder lc rgb variable, \\\n"
		    "  $d u ($3 > 0 ? NaN : $2):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):($1-H):($1+H):6 "
		    "w boxxyerror fs transparent solid 0.22 border lc rgb '#666666' lc rgb variable, \\\n"
		    "  $d u 2:1:4:5 w xerrorbars pt -1 lw 0.8 lc rgb '#444444', \\\n"
		    "  $d u ($2 >= 1 ? $5 : NaN):1:7 w labels left offset 0.4,0 font ',8' "
		    "tc rgb '#333333', \\\n"
		    "  $d u ($2 < 1 ? $4 : NaN):1:7 w labels right offset -0.4,0 font ',8' "
		    "tc rgb '#333333'\n");
	json_decref(names);
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
	struct out o = {NULL, &r->page};
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
