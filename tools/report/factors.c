/* factors: libc, allocator and Python build flags taken apart, per stratum
 * of the other axes; the "factors" object of summary.json and its sections
 * in report.md and report.html (contract in factors.h). */
#include "factors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comp.h"
#include "report_html_int.h"
#include "report_out.h"
#include "results.h"
#include "stats.h"
#include "summary.h"

#define LIBC_REF "glibc"    /* the libc the others are compared with */
#define LIBC_STOCK "musl"   /* the stock cell's, when present (Alpine) */
#define ALLOC_OWN "system"  /* the libc's own malloc */
#define ALLOC_TUNED "jemalloc"
#define ALLOC_NONE "none"   /* no libswap: left out */
#define FLAGS_HOST "distribution"

static const char *const fixed_axes[] = {"image", "pymalloc", "seccomp", "stats", NULL};

/* The single factors, in the order of "factors" and of the report's tables. */
static const struct {
	const char *factor, *name, *title;
} single_factors[] = {
	{"libc", "libc alone", "Libc alone"},
	{"libc_own_allocator", "libc with its own allocator", "Libc with its own allocator"},
	{"allocator", "allocator alone", "Allocator alone"},
	{"flags", "flags alone", "Flags alone"},
};
#define NSINGLE (sizeof single_factors / sizeof single_factors[0])

/* ---- the matrix as cells ---------------------------------------------------------- */

struct fcell {
	const char *id, *libc, *alloc, *python, *flags;
};

struct stratum {
	const char *fixed[4];
	json_t *v[3];	/* the values present of each axis (libcs, allocators, flags) */
	size_t *cfg, n; /* indices into fx.c */
};

#define NSLOTS 5 /* per-benchmark ratios at once: the headline's four, factor()'s one */

struct fx {
	const json_t *pythons;
	struct as_comp cmp; /* the benchmarks and the summary's cells */
	json_t *strings; /* owned strings that fcell points into */
	struct fcell *c;
	size_t nc;
	struct stratum *st;
	size_t nst;
	/* scratch, nb + 1 each, NSLOTS times */
	struct as_ratio *r;
	int *ok;
	int oom;
};

static json_t *chk(struct fx *x, json_t *j)
{
	x->oom |= !j;
	return j;
}

static void put(struct fx *x, json_t *o, const char *k, json_t *v)
{
	x->oom |= !v || json_object_set_new(o, k, v);
}

static void append(struct fx *x, json_t *a, json_t *v)
{
	x->oom |= !v || json_array_append_new(a, v);
}

/* The i-th string of a (NULL past its end), and whether a holds v. */
static const char *at(const json_t *a, size_t i)
{
	return json_string_value(json_array_get(a, i));
}

static int has(const json_t *a, const char *v)
{
	size_t i;
	for (i = 0; at(a, i); i++)
		if (!strcmp(at(a, i), v))
			return 1;
	return 0;
}

/* A cell's axes: 0 libc, 1 allocator, 2 flags. */
static const char *axis(const struct fcell *c, int k)
{
	return k == 0 ? c->libc : k == 1 ? c->alloc : c->flags;
}

/* The Python's build flags from meta.json's "pythons" (factors.h). */
static const char *flags_of(struct fx *x, const char *python)
{
	const char *f = as_jstr(json_object_get(x->pythons, python), "flags");
	char buf[512];
	if (f && *f && strcmp(f, "unknown"))
		return f;
	if (!strcmp(python, AS_PYTHON_DEFAULT))
		return FLAGS_HOST;
	snprintf(buf, sizeof buf, "unknown (%s)", python);
	append(x, x->strings, json_string(buf));
	return x->oom ? "unknown" : at(x->strings, json_array_size(x->strings) - 1);
}

/* The -O level, lto and pgo (factors.h). */
static double flags_rank(const char *f)
{
	const char *o = strstr(f, "-O");
	int l = o ? o[2] : '2';
	if (!strncmp(f, "unknown (", 9))
		return 3;
	return (l == '0' ? 0 : l == 's' || l == 'z' ? 1 : l == '1' ? 2 : l == '3' || l == 'f' ? 4 : 3) +
	       (strstr(f, "lto") ? 0.5 : 0) + (strstr(f, "pgo") ? 0.5 : 0);
}

static const char *axis_val(const json_t *cfg, int k)
{
	return as_jstr(cfg, fixed_axes[k]) ? as_jstr(cfg, fixed_axes[k]) : "";
}

/* The stratum of cfg, a new one when none matches. */
static struct stratum *stratum_of(struct fx *x, const json_t *cfg, size_t ncfg)
{
	struct stratum *st;
	size_t i;
	int k;
	for (i = 0; i < x->nst; i++) {
		for (k = 0; fixed_axes[k] && !strcmp(x->st[i].fixed[k], axis_val(cfg, k)); k++)
			;
		if (!fixed_axes[k])
			return &x->st[i];
	}
	st = &x->st[x->nst];
	for (k = 0; fixed_axes[k]; k++)
		st->fixed[k] = axis_val(cfg, k);
	st->cfg = calloc(ncfg, sizeof *st->cfg);
	for (k = 0; k < 3; k++)
		st->v[k] = chk(x, json_array());
	x->nst++;
	return st->cfg && !x->oom ? st : NULL;
}

static const struct fcell *find(const struct fx *x, const struct stratum *st, const char *libc,
				const char *alloc, const char *flags)
{
	size_t j;
	for (j = 0; j < st->n; j++) {
		const struct fcell *c = &x->c[st->cfg[j]];
		if (as_same_str(c->libc, libc) && as_same_str(c->alloc, alloc) &&
		    as_same_str(c->flags, flags))
			return c;
	}
	return NULL;
}

static int load(struct fx *x, const json_t *s)
{
	const json_t *v, *cfgs = json_object_get(s, "configs");
	size_t i, n = json_array_size(cfgs), nb;
	int k;
	x->pythons = as_jpath(s, "meta.pythons");
	x->strings = chk(x, json_array());
	x->oom |= as_comp_init(&x->cmp, s) != 0;
	nb = x->cmp.nb;
	x->c = calloc(n + 1, sizeof *x->c);
	x->st = calloc(n + 1, sizeof *x->st);
	x->r = calloc(NSLOTS * (nb + 1), sizeof *x->r);
	x->ok = calloc(NSLOTS * (nb + 1), sizeof *x->ok);
	if (x->oom || !x->c || !x->st || !x->r || !x->ok)
		return ENOMEM;
	json_array_foreach(cfgs, i, v)
	{
		struct fcell *c = &x->c[x->nc];
		struct stratum *st;
		c->id = as_jstr(v, "id");
		c->libc = as_jstr(v, "libc");
		c->alloc = as_jstr(v, "allocator");
		c->python = as_jstr(v, "python") ? as_jstr(v, "python") : AS_PYTHON_DEFAULT;
		/* preload direct is the reference section's (reference.c) */
		if (!c->id || !c->libc || !c->alloc || !strcmp(c->alloc, ALLOC_NONE) ||
		    as_same_str(as_jstr(v, "preload"), "direct"))
			continue;
		c->flags = flags_of(x, c->python);
		if (!(st = stratum_of(x, v, n)))
			return ENOMEM;
		/* the same cell twice in a stratum: the first one counts */
		if (find(x, st, c->libc, c->alloc, c->flags))
			continue;
		st->cfg[st->n++] = x->nc++;
		for (k = 0; k < 3; k++)
			if (!has(st->v[k], axis(c, k)))
				append(x, st->v[k], json_string(axis(c, k)));
	}
	return x->oom ? ENOMEM : 0;
}

static void unload(struct fx *x)
{
	size_t i;
	for (i = 0; i < x->nst; i++) {
		free(x->st[i].cfg);
		json_decref(x->st[i].v[0]);
		json_decref(x->st[i].v[1]);
		json_decref(x->st[i].v[2]);
	}
	free(x->st);
	free(x->c);
	free(x->r);
	free(x->ok);
	as_comp_free(&x->cmp);
	json_decref(x->strings);
}

static const char *ref_libc(const struct stratum *st)
{
	return has(st->v[0], LIBC_REF) ? LIBC_REF : at(st->v[0], 0);
}

/* Does some cell of the stratum run alloc on libc? */
static int runs(const struct fx *x, const struct stratum *st, const char *libc, const char *alloc)
{
	size_t i;
	for (i = 0; i < st->n; i++)
		if (!strcmp(x->c[st->cfg[i]].libc, libc) && !strcmp(x->c[st->cfg[i]].alloc, alloc))
			return 1;
	return 0;
}

/* The least (dir < 0) or most (dir > 0) optimised flags of the stratum that
 * run at libc; ties: matrix order. */
static const char *flags_at(const struct fx *x, const struct stratum *st, const char *libc, int dir)
{
	const char *best = NULL;
	size_t i;
	for (i = 0; i < st->n; i++) {
		const struct fcell *c = &x->c[st->cfg[i]];
		double d = best ? flags_rank(c->flags) - flags_rank(best) : 0;
		if (!strcmp(c->libc, libc) && (!best || (dir < 0 ? d < 0 : d > 0)))
			best = c->flags;
	}
	return best;
}

/* ---- comparisons ------------------------------------------------------------------- */

static json_t *cell_json(const struct fcell *c)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "libc", c->libc, "allocator", c->alloc,
			 "flags", c->flags, "python", c->python, "config", c->id);
}

/* log(a) - log(b) of two ratios over disjoint cells: the variances add, the
 * df is Welch-Satterthwaite over all their cells (sum(var)^2 over
 * sum(var_i^2 / df_i), which over two ratios is the same sum over the four
 * log-means). */
static void ratio_diff(struct as_ratio a, struct as_ratio b, struct as_ratio *d)
{
	double den = 0, h = 0;
	d->log_ratio = a.log_ratio - b.log_ratio;
	d->log_var = a.log_var + b.log_var;
	if (a.log_var > 0)
		den += a.log_var * a.log_var / a.log_df;
	if (b.log_var > 0)
		den += b.log_var * b.log_var / b.log_df;
	d->log_df = d->log_var > 0 ? d->log_var * d->log_var / den : INFINITY;
	if (d->log_var > 0)
		h = as_stats_t_quantile(0.975, d->log_df) * sqrt(d->log_var);
	d->ratio = exp(d->log_ratio);
	d->ci_lo = exp(d->log_ratio - h);
	d->ci_hi = exp(d->log_ratio + h);
}

/* One comparison from slot's per-benchmark ratios (x->ok: defined); base,
 * nw: the cells whose means the benchmark entries show, or NULL. */
static json_t *comp_json(struct fx *x, const char *factor, const char *label, int slot,
			 const struct fcell *base, const struct fcell *nw)
{
	const struct as_ratio *r = x->r + (size_t)slot * (x->cmp.nb + 1);
	const int *ok = x->ok + (size_t)slot * (x->cmp.nb + 1);
	json_t *o = chk(x, json_pack("{s:s, s:s, s:[]}", "factor", factor, "label", label, "benchmarks"));
	if (o && base && nw) {
		put(x, o, "base", cell_json(base));
		put(x, o, "new", cell_json(nw));
	}
	x->oom |= as_comp_fill(&x->cmp, o, r, ok, base ? base->id : NULL, nw ? nw->id : NULL) != 0;
	return o;
}

/* A factor's line in "factors": measurable with n comparisons, or the
 * reason it is not. */
static void status(struct fx *x, json_t *list, const char *factor, const char *name, size_t n,
		   const char *reason)
{
	append(x, list,
	       json_pack("{s:s, s:s, s:b, s:I, s:s?}", "factor", factor, "name", name, "measurable",
			 n > 0, "comparisons", (json_int_t)n, "reason", n ? NULL : reason));
}

static int axis_of(const char *factor)
{
	return !strncmp(factor, "libc", 4) ? 0 : !strcmp(factor, "allocator") ? 1 : 2;
}

/* "musl vs glibc (jemalloc, -Os)": c against b, which differ in axis k. */
static void pair_label(const struct fcell *b, const struct fcell *c, int k, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s vs %s (%s, %s)", axis(c, k), axis(b, k), axis(b, k ? 0 : 1),
		 axis(b, k == 2 ? 1 : 2));
}

/* Is b the base of c for the factor?  They differ in its axis alone, and b
 * has the base value: the reference libc (with system for
 * libc_own_allocator, with any other allocator for libc), system, the
 * least optimised flags at its libc. */
static int is_pair(const struct fx *x, const struct stratum *st, const char *factor,
		   const struct fcell *b, const struct fcell *c)
{
	int k = axis_of(factor), i;
	for (i = 0; i < 3; i++)
		if ((strcmp(axis(b, i), axis(c, i)) == 0) != (i != k))
			return 0;
	if (k == 0)
		return !strcmp(b->libc, ref_libc(st)) &&
		       (strcmp(b->alloc, ALLOC_OWN) == 0) == (strcmp(factor, "libc") != 0);
	if (k == 1)
		return !strcmp(b->alloc, ALLOC_OWN);
	return !strcmp(b->flags, flags_at(x, st, b->libc, -1));
}

/* Why the stratum has no comparison for the factor. */
static void why_not(const struct fx *x, const struct stratum *st, const char *factor, char *buf,
		    size_t cap)
{
	const char *ref = ref_libc(st), *a;
	const char *other = at(st->v[0], !strcmp(at(st->v[0], 0), ref) && at(st->v[0], 1));
	size_t i;
	int own = !strcmp(factor, "libc_own_allocator"), both = 0;
	for (i = 0; (a = at(st->v[1], i)); i++)
		both |= (strcmp(a, ALLOC_OWN) == 0) == own && runs(x, st, ref, a) && runs(x, st, other, a);
	if (axis_of(factor) == 0 && !at(st->v[0], 1))
		snprintf(buf, cap, "not measurable: the matrix has one libc (%s)", ref);
	else if (axis_of(factor) == 0 && !both)
		snprintf(buf, cap, "not measurable: %s runs on both %s and %s in this matrix",
			 own ? "the system allocator never" : "no allocator other than system", ref, other);
	else if (axis_of(factor) == 0)
		snprintf(buf, cap, "not measurable: %s and %s never run %s with Pythons of the same "
			 "build flags", ref, other, own ? "system" : "the same allocator");
	else if (axis_of(factor) == 1)
		snprintf(buf, cap, "not measurable: %s",
			 !has(st->v[1], ALLOC_OWN) ? "no configuration runs the system allocator"
			 : !at(st->v[1], 1) ? "the matrix has no allocator other than system"
					    : "no allocator runs beside system with the same libc and Python");
	else if (!at(st->v[2], 1))
		snprintf(buf, cap, "not measurable: every Python here has the same build flags (%s)",
			 at(st->v[2], 0));
	else
		snprintf(buf, cap, "not measurable: Pythons with different build flags never run with "
			 "the same libc and allocator");
}

/* Every comparison of one factor in the stratum, in matrix order. */
static void factor(struct fx *x, const struct stratum *st, json_t *comps, json_t *fs,
		   const char *factor, const char *name)
{
	int *ok = x->ok + 4 * (x->cmp.nb + 1);
	size_t i, j, b, n = 0;
	char label[512] = "";
	for (j = 0; j < st->n; j++)
		for (i = 0; i < st->n; i++) {
			const struct fcell *base = &x->c[st->cfg[i]], *c = &x->c[st->cfg[j]];
			if (!is_pair(x, st, factor, base, c))
				continue;
			for (b = 0; b < x->cmp.nb; b++)
				ok[b] = !as_comp_ratio(&x->cmp, b, base->id, c->id,
						       &x->r[4 * (x->cmp.nb + 1) + b]);
			pair_label(base, c, axis_of(factor), label, sizeof label);
			append(x, comps, comp_json(x, factor, label, 4, base, c));
			n++;
		}
	if (!n)
		why_not(x, st, factor, label, sizeof label);
	status(x, fs, factor, name, n, label);
}

/* ---- the headline: stock against tuned, taken apart ---------------------------------------- */

static const char *rule_text =
	"stock: musl when the stratum has it, else the reference libc (glibc when present), "
	"with the system allocator and the least optimised Python flags; tuned: the same libc "
	"with jemalloc (else the first other allocator that runs there) and the most optimised "
	"flags. Flags rank by -O level (-O0 < -Os < -O1 < -O2 < -O3; distribution and unknown "
	"count as -O2), lto and pgo adding a half each; ties go to matrix order.";

/* The stock (B) and tuned (T) cells (the rule's, or the cells of ps and pt
 * from --baseline and --tuned), and A (stock with the tuned allocator) and F
 * (stock with the tuned flags); 0, or a reason in why. */
static int cells_of(const struct fx *x, const struct stratum *st, const struct fcell *ps,
		    const struct fcell *pt, const struct fcell *c[4], char *why, size_t cap)
{
	const char *libc = has(st->v[0], LIBC_STOCK) ? LIBC_STOCK : ref_libc(st), *talloc = NULL, *a;
	const struct fcell *B, *T;
	struct fcell b, t;
	size_t i;
	for (i = 0; (a = at(st->v[1], i)); i++)
		if (strcmp(a, ALLOC_OWN) && runs(x, st, libc, a) && (!talloc || !strcmp(a, ALLOC_TUNED)))
			talloc = a;
	b = ps ? *ps : (struct fcell){NULL, libc, ALLOC_OWN, NULL, flags_at(x, st, libc, -1)};
	t = pt ? *pt
	       : (struct fcell){NULL, libc, talloc ? talloc : ALLOC_OWN, NULL, flags_at(x, st, libc, 1)};
	B = c[0] = find(x, st, b.libc, b.alloc, b.flags);
	T = c[1] = find(x, st, t.libc, t.alloc, t.flags);
	if (!B || !T || B == T) {
		snprintf(why, cap, "not measurable: the %s cell (%s, %s, %s) %s", B ? "tuned" : "stock",
			 B ? t.libc : b.libc, B ? t.alloc : b.alloc, B ? t.flags : b.flags,
			 B == T ? "would be the stock cell (one allocator and one Python)"
				: "is not in this matrix");
		return 1;
	}
	c[2] = find(x, st, B->libc, T->alloc, B->flags);
	c[3] = find(x, st, B->libc, B->alloc, T->flags);
	if (strcmp(B->libc, T->libc))
		snprintf(why, cap, "not measurable: stock and tuned differ in libc; the "
			 "decomposition holds the libc equal");
	else if (!strcmp(B->alloc, T->alloc) || !strcmp(B->flags, T->flags))
		snprintf(why, cap, "not measurable: the tuned cell differs from stock only in its %s",
			 strcmp(B->alloc, T->alloc) ? "allocator" : "flags");
	else if (!c[2] || !c[3])
		snprintf(why, cap, "not measurable: the cell (%s, %s, %s) is not in this matrix",
			 B->libc, c[2] ? B->alloc : T->alloc, c[2] ? T->flags : B->flags);
	return 0;
}

/* Slots 0-3: total (B to T), flags (B to F), allocator (B to A),
 * interaction (F to T less B to A), on the benchmarks that have all four
 * cells, so that the parts add up. */
static void headline(struct fx *x, const struct stratum *st, json_t *out, json_t *fs,
		     const struct fcell *ps, const struct fcell *pt)
{
	static const char *const keys[] = {"total", "flags", "allocator", "interaction"};
	const struct fcell *c[4] = {NULL, NULL, NULL, NULL}, *B, *T, *A, *F;
	size_t n = x->cmp.nb + 1, b, k = 0;
	struct as_ratio *r = x->r, fa;
	int *ok = x->ok, i;
	json_t *h, *parts[4] = {NULL, NULL, NULL, NULL};
	char why[600] = "", label[512];
	if (cells_of(x, st, ps, pt, c, why, sizeof why)) {
		status(x, fs, "headline", "stock vs tuned", 0, why);
		status(x, fs, "interaction", "interaction", 0, why);
		put(x, out, "headline", json_null());
		return;
	}
	B = c[0], T = c[1], A = c[2], F = c[3];
	for (b = 0; b < x->cmp.nb; b++) {
		ok[b] = !as_comp_ratio(&x->cmp, b, B->id, T->id, &r[b]);
		if (*why)
			continue;
		ok[3 * n + b] = ok[b] && !as_comp_ratio(&x->cmp, b, B->id, F->id, &r[n + b]) &&
				!as_comp_ratio(&x->cmp, b, B->id, A->id, &r[2 * n + b]) &&
				!as_comp_ratio(&x->cmp, b, F->id, T->id, &fa);
		if (ok[3 * n + b])
			ratio_diff(fa, r[2 * n + b], &r[3 * n + b]);
		for (i = 0; i < 3; i++)
			ok[i * n + b] = ok[3 * n + b];
		k += (size_t)ok[3 * n + b];
	}
	parts[0] = comp_json(x, "total", "tuned vs stock", 0, B, T);
	if (!*why) {
		pair_label(B, F, 2, label, sizeof label);
		parts[1] = comp_json(x, "flags", label, 1, B, F);
		pair_label(B, A, 1, label, sizeof label);
		parts[2] = comp_json(x, "allocator", label, 2, B, A);
		parts[3] = comp_json(x, "interaction", "interaction", 3, NULL, NULL);
		if (parts[3])
			put(x, parts[3], "cells",
			    json_pack("[o, o, o, o]", cell_json(F), cell_json(T), cell_json(B),
				      cell_json(A)));
	}
	h = chk(x, json_pack("{s:o, s:o, s:I, s:o}", "stock", cell_json(B), "tuned", cell_json(T),
			     "k", (json_int_t)k, "reason", *why ? json_string(why) : json_null()));
	for (i = 0; i < 4; i++)
		if (h)
			put(x, h, keys[i], parts[i] ? parts[i] : json_null());
		else
			json_decref(parts[i]);
	put(x, out, "headline", h);
	status(x, fs, "headline", "stock vs tuned", 1, NULL);
	status(x, fs, "interaction", "interaction", !*why, why);
}

/* ---- the whole object ------------------------------------------------------------------ */

static const struct fcell *cell_by_id(const struct fx *x, const char *id)
{
	size_t i;
	for (i = 0; id && i < x->nc; i++)
		if (!strcmp(x->c[i].id, id))
			return &x->c[i];
	return NULL;
}

/* meta.json's "pythons" as a list, each with its name and whether a
 * configuration runs it. */
static json_t *pythons_json(struct fx *x)
{
	json_t *list = chk(x, json_array()), *v;
	const char *name;
	json_object_foreach((json_t *)x->pythons, name, v)
	{
		json_t *e = chk(x, json_deep_copy(v));
		int used = 0;
		size_t i;
		for (i = 0; i < x->nc; i++)
			used |= !strcmp(x->c[i].python, name);
		if (e && json_is_object(e)) {
			put(x, e, "name", json_string(name));
			put(x, e, "used", json_boolean(used));
		}
		append(x, list, e);
	}
	return list;
}

/* The fixed axes that vary between strata: "pymalloc=off". */
static void stratum_label(const struct fx *x, const struct stratum *st, char *buf, size_t cap)
{
	size_t j, n = 0;
	int k, varies;
	*buf = 0;
	for (k = 0; fixed_axes[k]; k++) {
		for (j = 0, varies = 0; j < x->nst; j++)
			varies |= strcmp(x->st[j].fixed[k], st->fixed[k]) != 0;
		if (varies && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s=%s", n ? " " : "", fixed_axes[k],
					      st->fixed[k]);
	}
}

int as_factors_build(const json_t *summary, const char *stock, const char *tuned, json_t **out)
{
	struct fx x;
	const struct fcell *ps, *pt;
	json_t *o, *strata;
	size_t i, k;
	int rc;
	memset(&x, 0, sizeof x);
	*out = NULL;
	rc = load(&x, summary);
	ps = cell_by_id(&x, stock);
	pt = cell_by_id(&x, tuned);
	if (!rc && ((stock && !ps) || (tuned && !pt)))
		rc = EINVAL;
	if (rc) {
		unload(&x);
		return rc;
	}
	strata = chk(&x, json_array());
	o = chk(&x, json_pack("{s:s, s:O?}", "rule",
			      stock || tuned ? "named by --baseline and --tuned" : rule_text, "strata",
			      strata));
	for (i = 0; i < x.nst && o && strata; i++) {
		const struct stratum *st = &x.st[i];
		json_t *comps = chk(&x, json_array()), *fs = chk(&x, json_array());
		char label[256];
		json_t *s;
		stratum_label(&x, st, label, sizeof label);
		s = chk(&x, json_pack("{s:{s:s, s:s, s:s, s:s}, s:s, s:O, s:O, s:O, s:O?, s:O?}",
				      "fixed", "image", st->fixed[0], "pymalloc", st->fixed[1],
				      "seccomp", st->fixed[2], "stats", st->fixed[3], "label", label,
				      "libcs", st->v[0], "allocators", st->v[1], "flags", st->v[2],
				      "factors", fs, "comparisons", comps));
		if (s) {
			for (k = 0; k < NSINGLE; k++)
				factor(&x, st, comps, fs, single_factors[k].factor, single_factors[k].name);
			headline(&x, st, s, fs, ps, pt);
		}
		json_decref(comps);
		json_decref(fs);
		append(&x, strata, s);
	}
	json_decref(strata);
	if (o)
		put(&x, o, "pythons", pythons_json(&x));
	unload(&x);
	if (x.oom) {
		json_decref(o);
		return ENOMEM;
	}
	*out = o;
	return 0;
}

/* ---- report.md and report.html: one walk, two syntaxes ------------------------------- */

static const char intro[] =
	"Each factor changes alone, the others held equal (the image, pymalloc, seccomp and stats "
	"axes fixed). Cells are speed-ups (above 1 is faster) from the per-process means, with "
	"95% CIs; a benchmark's verdict needs p < 0.05 after Holm's correction over the "
	"benchmarks of its column, and a geometric mean is not significant when its CI contains "
	"1. \"system\" is each libc's own malloc (glibc's ptmalloc2, musl's mallocng), so the "
	"libc alone is measured with another allocator on both.";

static void headline_out(struct as_out *o, const json_t *st)
{
	const json_t *h = json_object_get(st, "headline"), *parts[4];
	static const char *const keys[] = {"total", "flags", "allocator", "interaction"};
	static const char *const pre[] = {"total: ", "flags alone: ", "allocator alone: ", ""};
	const char *cols[5] = {"stock time"};
	char w[4][64], head[4][300];
	size_t n = 0, i;
	if (!json_is_object(h))
		return;
	as_out_heading(o, "Stock against tuned", as_jstr(st, "label"));
	as_out_para(o, "Stock: %s, %s, %s (%s); tuned: %s, %s, %s (%s). Speed-ups over the cell "
		    "each comparison starts from (above 1 is faster), in the form of the published musl "
		    "table, then taken apart: total = flags alone x allocator alone x interaction (a sum "
		    "in log space).", as_jstr(h, "stock.libc"), as_jstr(h, "stock.allocator"),
		    as_jstr(h, "stock.flags"), as_jstr(h, "stock.config"), as_jstr(h, "tuned.libc"),
		    as_jstr(h, "tuned.allocator"), as_jstr(h, "tuned.flags"), as_jstr(h, "tuned.config"));
	for (i = 0; i < 4; i++) {
		if (!json_is_object(parts[n] = json_object_get(h, keys[i])))
			continue;
		snprintf(head[n], sizeof head[n], "%s%s", pre[i], as_jstr(parts[n], "label"));
		cols[n + 1] = head[n];
		n++;
	}
	as_out_comp_table(o, parts, cols, n, 1);
	if (as_jstr(h, "reason")) {
		as_out_para(o, "Decomposition: %s.", as_jstr(h, "reason"));
		return;
	}
	for (i = 0; i < 4; i++)
		snprintf(w[i], sizeof w[i], "%.2fx (log %+.3f)", as_jnum(parts[i], "geomean.ratio"),
			 log(as_jnum(parts[i], "geomean.ratio")));
	as_out_para(o, "Geometric means over %lld benchmarks: total %s = flags alone %s x "
		    "allocator alone %s x interaction %s.",
		    (long long)json_integer_value(json_object_get(h, "k")), w[0], w[1], w[2], w[3]);
}

static void pythons_out(struct as_out *o, const json_t *list)
{
	static const char *const cols[] = {"libc", "version", "flags", "size on disk", "files",
					   "build time", "in this matrix"};
	const json_t *p;
	size_t i;
	if (!json_array_size(list))
		return;
	as_out_heading(o, "Python builds", NULL);
	as_out_para(o, "What each Python costs on disk and to build (from meta.json), beside "
		    "what it gains above.");
	as_out_table(o, "Python", cols, 7, NULL);
	json_array_foreach(list, i, p)
	{
		static const char *const keys[] = {"libc", "version", "flags"};
		int k;
		as_out_row(o, as_jstr(p, "name"), 0);
		for (k = 0; k < 3; k++)
			as_out_cell(o, as_jstr(p, keys[k]) ? as_jstr(p, keys[k]) : "?", NULL);
		as_out_build_cells(o, p);
		as_out_cell(o, json_is_true(json_object_get(p, "used")) ? "yes" : "no", NULL);
		as_out_end_row(o);
	}
	as_out_end_table(o);
}

static void factors_out(struct as_out *o, const json_t *fx)
{
	const json_t *st;
	size_t i, k;
	int tables = 0;
	json_array_foreach(json_object_get(fx, "strata"), i, st)
		tables |= json_array_size(json_object_get(st, "libcs")) > 1 ||
			  json_array_size(json_object_get(st, "flags")) > 1;
	as_out_raw(o, "## Factors: libc, allocator, Python build flags\n\n",
		   "<h2 id=\"factors\">Factors: libc, allocator, Python build flags</h2>\n");
	if (tables)
		as_out_para(o, "%s", intro);
	json_array_foreach(json_object_get(fx, "strata"), i, st)
	{
		as_out_heading(o, "What this matrix can take apart", as_jstr(st, "label"));
		as_out_raw(o, "", "<ul>\n");
		as_out_status(o, json_object_get(st, "factors"));
		as_out_raw(o, "\n", "</ul>\n");
		if (json_array_size(json_object_get(st, "libcs")) < 2 &&
		    json_array_size(json_object_get(st, "flags")) < 2) {
			as_out_para(o, "One libc and one Python build: the Speed table above is "
				    "the allocator alone.");
			continue;
		}
		headline_out(o, st);
		for (k = 0; k < NSINGLE; k++)
			as_out_comp_tables(o, json_object_get(st, "comparisons"), single_factors[k].factor,
					   single_factors[k].title, as_jstr(st, "label"));
	}
	if (!tables)
		return;
	pythons_out(o, json_object_get(fx, "pythons"));
	as_out_para(o, "Stock and tuned: %s", as_jstr(fx, "rule"));
}

int as_factors_md(FILE *f, const json_t *factors)
{
	struct as_out o = {f, NULL, NULL};
	if (!factors)
		return 0;
	factors_out(&o, factors);
	return ferror(f) ? EIO : 0;
}

int as_factors_html(struct sb *b, const json_t *factors)
{
	struct as_out o = {NULL, b, NULL};
	if (!factors)
		return 0;
	factors_out(&o, factors);
	return b->oom ? ENOMEM : 0;
}
