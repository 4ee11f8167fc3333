/* comp: one comparison of two configurations of a summary, per benchmark
 * and as a geometric mean (contract in comp.h). */
#include "comp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

int as_comp_init(struct as_comp *c, const json_t *summary)
{
	const json_t *v;
	size_t i, nb = json_array_size(json_object_get(summary, "benchmarks"));
	memset(c, 0, sizeof *c);
	c->nb = nb;
	c->bench = calloc(nb + 1, sizeof *c->bench);
	c->g = calloc(nb + 1, sizeof *c->g);
	c->p = calloc(2 * (nb + 1), sizeof *c->p);
	c->index = json_object();
	if (!c->bench || !c->g || !c->p || !c->index)
		return ENOMEM;
	c->adj = c->p + nb + 1;
	json_array_foreach(json_object_get(summary, "benchmarks"), i, v)
		c->bench[i] = as_jstr(v, "name") ? as_jstr(v, "name") : "";
	json_array_foreach(json_object_get(summary, "cells"), i, v)
	{
		char key[1024];
		snprintf(key, sizeof key, "%s\n%s", as_jstr(v, "bench") ? as_jstr(v, "bench") : "",
			 as_jstr(v, "config") ? as_jstr(v, "config") : "");
		if (json_object_set(c->index, key, (json_t *)v))
			return ENOMEM;
	}
	return 0;
}

void as_comp_free(struct as_comp *c)
{
	free(c->bench);
	free(c->g);
	free(c->p);
	json_decref(c->index);
	memset(c, 0, sizeof *c);
}

const json_t *as_comp_cell(const struct as_comp *c, size_t b, const char *config)
{
	char key[1024];
	if (!config || b >= c->nb)
		return NULL;
	snprintf(key, sizeof key, "%s\n%s", c->bench[b], config);
	return json_object_get(c->index, key);
}

int as_comp_ratio(const struct as_comp *c, size_t b, const char *base, const char *nw,
		  struct as_ratio *r)
{
	const json_t *sa = json_object_get(as_comp_cell(c, b, base), "samples");
	const json_t *sn = json_object_get(as_comp_cell(c, b, nw), "samples");
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

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jpair(double lo, double hi)
{
	return isfinite(lo) && isfinite(hi) ? json_pack("[f, f]", lo, hi) : json_null();
}

static json_t *verdict(int ok, double ratio, int sig)
{
	char buf[96];
	if (!ok)
		return json_string("n/a (too few runs)");
	return json_string(sig ? as_fmt_speed(ratio, buf, sizeof buf) : "not significant");
}

int as_comp_fill(struct as_comp *c, json_t *o, const struct as_ratio *r, const int *ok,
		 const char *base, const char *nw)
{
	json_t *list = json_object_get(o, "benchmarks");
	struct as_geomean gm;
	json_t *geo;
	double lo, hi;
	size_t b, k = 0;
	int sig, oom = 0;
	for (b = 0; b < c->nb; b++) {
		c->p[b] = ok[b] ? as_stats_ratio_p(&r[b], c->log_drift) : NAN;
		if (ok[b])
			c->g[k++] = r[b];
	}
	oom |= as_stats_holm(c->p, c->adj, c->nb) != 0;
	if (!o || !list)
		return ENOMEM;
	for (b = 0; b < c->nb; b++) {
		const json_t *cb = as_comp_cell(c, b, base), *cn = as_comp_cell(c, b, nw);
		double lo = ok[b] ? r[b].ci_lo : NAN, hi = ok[b] ? r[b].ci_hi : NAN;
		as_stats_widen(c->log_drift, &lo, &hi);
		sig = ok[b] && c->adj[b] < AS_ALPHA;
		oom |= json_array_append_new(
			list,
			json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
				  "bench", c->bench[b], "base_mean", jnum(as_jnum(cb, "mean")), "base_std",
				  jnum(as_jnum(cb, "std")), "new_mean", jnum(as_jnum(cn, "mean")),
				  "new_std", jnum(as_jnum(cn, "std")), "ratio",
				  jnum(ok[b] ? r[b].ratio : NAN), "ci95", jpair(lo, hi), "log_ratio",
				  jnum(ok[b] ? r[b].log_ratio : NAN), "log_var",
				  jnum(ok[b] ? r[b].log_var : NAN), "log_df",
				  jnum(ok[b] ? r[b].log_df : NAN), "p_value", jnum(c->p[b]), "p_adjusted",
				  jnum(c->adj[b]), "significant", sig, "verdict",
				  verdict(ok[b], r[b].ratio, sig))) != 0;
	}
	if (!k || as_stats_geomean(c->g, k, &gm))
		gm.ratio = gm.ci_lo = gm.ci_hi = NAN;
	lo = gm.ci_lo;
	hi = gm.ci_hi;
	as_stats_widen(c->log_drift, &lo, &hi);
	sig = lo > 1 || hi < 1;
	geo = json_pack("{s:I, s:o, s:o, s:b, s:o}", "k", (json_int_t)k, "ratio", jnum(gm.ratio),
			"ci95", jpair(lo, hi), "significant", sig, "verdict",
			verdict(k > 0, gm.ratio, sig));
	if (geo && c->log_drift > 0) {
		oom |= json_object_set_new(geo, "drift_allowance", json_real(expm1(c->log_drift)));
		oom |= json_object_set_new(geo, "ci95_measured", jpair(gm.ci_lo, gm.ci_hi));
	}
	oom |= json_object_set_new(o, "geomean", geo) != 0;
	return oom ? ENOMEM : 0;
}
