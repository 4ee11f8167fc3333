/* images: the image and seccomp axes taken apart; the "images" object of
 * summary.json (contract in image_report.h; image_report_out.c writes it as the
 * sections of report.md and report.html). */
#include "image_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comp.h"
#include "results.h"
#include "stats.h"
#include "summary.h"

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
	json_t *facts; /* IMAGE (image_report.h), owned */
};

struct ix {
	const json_t *meta;
	struct as_comp cmp; /* the benchmarks and the summary's cells */
	struct icfg *c;
	size_t nc;
	struct iimg *img;
	size_t ni;
	json_t *allocs; /* system first, then matrix order */
	json_t *seccomps; /* the seccomp values, matrix order */
	int varies[AX_N];
	json_t *refused;
	/* scratch, nb + 1 each */
	struct as_ratio *r;
	int *ok;
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
	if (!strcmp(image, AS_IMAGE_HOST))
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
	if (!strcmp(name, AS_IMAGE_HOST)) {
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
	size_t i, n = json_array_size(cfgs);
	int k;
	x->meta = json_object_get(s, "meta");
	x->allocs = chk(x, json_array());
	x->seccomps = chk(x, json_array());
	x->refused = chk(x, json_array());
	x->oom |= as_comp_init(&x->cmp, s) != 0;
	x->c = calloc(n + 1, sizeof *x->c);
	x->img = calloc(n + 1, sizeof *x->img);
	x->r = calloc(x->cmp.nb + 1, sizeof *x->r);
	x->ok = calloc(x->cmp.nb + 1, sizeof *x->ok);
	if (x->oom || !x->c || !x->img || !x->r || !x->ok)
		return ENOMEM;
	json_array_foreach(cfgs, i, v)
	{
		struct icfg *c = &x->c[x->nc];
		const char *image = as_jstr(v, "image") ? as_jstr(v, "image") : AS_IMAGE_HOST;
		/* preload direct is the reference section's (reference.c) */
		if (!(c->id = as_jstr(v, "id")) || as_same_str(as_jstr(v, "preload"), "direct"))
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
	free(x->r);
	free(x->ok);
	as_comp_free(&x->cmp);
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

/* COMP (image_report.h): nw against base, per benchmark and as a geometric mean. */
static json_t *comp_json(struct ix *x, const char *label, const struct icfg *base,
			 const struct icfg *nw)
{
	json_t *o = chk(x, json_pack("{s:s, s:{s:s}, s:{s:s}, s:[]}", "label", label, "base", "config",
				     base->id, "new", "config", nw->id, "benchmarks"));
	size_t b;
	int rc;
	for (b = 0; b < x->cmp.nb; b++) {
		rc = as_comp_ratio(&x->cmp, b, base->id, nw->id, &x->r[b]);
		x->oom |= rc == ENOMEM;
		x->ok[b] = !rc;
	}
	x->oom |= as_comp_fill(&x->cmp, o, x->r, x->ok, base->id, nw->id) != 0;
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
	for (b = 0; b < x->cmp.nb; b++) {
		double rb = as_jnum(as_comp_cell(&x->cmp, b, base->id), "rss_peak");
		double rn = as_jnum(as_comp_cell(&x->cmp, b, nw->id), "rss_peak");
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
		if (strcmp(x->img[i].name, AS_IMAGE_HOST)) {
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
		refuse(x, "images", AS_IMAGE_HOST,
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
		const char *im = as_jstr(v, "image") ? as_jstr(v, "image") : AS_IMAGE_HOST;
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
			 x.ni ? x.img[0].name : AS_IMAGE_HOST);
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

