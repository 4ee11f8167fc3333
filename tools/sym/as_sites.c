/* as_sites: sampled allocation sites, symbolized.  See as_sites.h. */
#include "as_sites.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FRAMES_MAX 16 /* frames one sampled frame may expand into */

static struct as_site *add(struct as_sites *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct as_site *p = realloc(v->v, cap * sizeof *p);
		if (!p)
			return NULL;
		v->v = p;
		v->cap = cap;
	}
	memset(&v->v[v->n], 0, sizeof v->v[0]);
	return &v->v[v->n++];
}

/* Appends the frames text stands for to site (leaf-first order kept). */
static int push(struct as_sym *s, struct as_site *site, const char *text, int form)
{
	struct as_sym_frame f[FRAMES_MAX], *p;
	size_t n = as_sym_frames(s, text, form, f, FRAMES_MAX);
	p = realloc(site->f, (site->n + n) * sizeof *p);
	if (!p)
		return ENOMEM;
	memcpy(p + site->n, f, n * sizeof *f);
	site->f = p;
	site->n += n;
	return 0;
}

const json_t *as_sites_report_of(const json_t *j)
{
	const char *schema = as_jstr(j, "schema");
	if (schema && !strncmp(schema, "allocswap.run-summary/", 22))
		j = json_object_get(j, "report");
	schema = as_jstr(j, "schema");
	return schema && !strncmp(schema, "allocswap.report/", 17) ? j : NULL;
}

static double num_or(const json_t *j, const char *key, double dflt)
{
	const json_t *v = json_object_get(j, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

int as_sites_from_report(struct as_sym *s, const json_t *rep, const char *key,
			 struct as_sites *out)
{
	const json_t *site, *fr, *id;
	const char *mpath;
	size_t i, k;
	/* the modules' build-ids as the run saw them: a rebuilt one is not named */
	json_object_foreach((json_t *)json_object_get(rep, "modules"), mpath, id)
		if (json_is_string(id) && as_sym_expect(s, mpath, json_string_value(id)))
			return ENOMEM;
	json_array_foreach(json_object_get(rep, key), i, site) {
		struct as_site *st = add(out);
		if (!st)
			return ENOMEM;
		st->bytes = num_or(site, "bytes", 0);
		st->count = num_or(site, "count", -1);
		st->live_bytes = num_or(site, "live_bytes", -1);
		st->samples = num_or(site, "samples", -1);
		/* The frame strings stay in rep: the frames point at them. */
		json_array_foreach(json_object_get(site, "frames"), k, fr) {
			if (json_is_string(fr) && push(s, st, json_string_value(fr), AS_SYM_REPORT))
				return ENOMEM;
		}
	}
	return 0;
}

int as_sites_from_folded(struct as_sym *s, char *text, struct as_sites *out, size_t *bad_line)
{
	char *line = text, *next;
	size_t no = 0;
	for (; line && *line; line = next) {
		char *sp, *end, *fr;
		double bytes;
		struct as_site *st;
		no++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!*line || *line == '#')
			continue;
		sp = strrchr(line, ' ');
		if (!sp || sp == line || !sp[1])
			goto bad;
		bytes = strtod(sp + 1, &end);
		if (*end || !(bytes >= 0))
			goto bad;
		*sp = 0;
		if (!(st = add(out)))
			return ENOMEM;
		st->bytes = bytes;
		st->count = st->live_bytes = st->samples = -1;
		/* root first in the file: push leaf first, walking back */
		for (;;) {
			fr = strrchr(line, ';');
			if (push(s, st, fr ? fr + 1 : line, AS_SYM_FOLDED))
				return ENOMEM;
			if (!fr)
				break;
			*fr = 0;
		}
		continue;
	bad:
		*bad_line = no;
		return EINVAL;
	}
	return 0;
}

static int by_bytes(const void *a, const void *b)
{
	double x = ((const struct as_site *)a)->bytes, y = ((const struct as_site *)b)->bytes;
	return x < y ? 1 : x > y ? -1 : 0;
}

static int by_live(const void *a, const void *b)
{
	double x = ((const struct as_site *)a)->live_bytes, y = ((const struct as_site *)b)->live_bytes;
	return x < y ? 1 : x > y ? -1 : by_bytes(a, b);
}

void as_sites_sort(struct as_sites *v, int live)
{
	if (v->n)
		qsort(v->v, v->n, sizeof v->v[0], live ? by_live : by_bytes);
}

void as_sites_free(struct as_sites *v)
{
	size_t i;
	for (i = 0; i < v->n; i++)
		free(v->v[i].f);
	free(v->v);
	memset(v, 0, sizeof *v);
}

struct line {
	char *text;
	double bytes;
};

static int by_line_bytes(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->text, y->text);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

int as_sites_write_folded(const struct as_sites *v, FILE *f)
{
	struct line *l = calloc(v->n + 1, sizeof *l);
	size_t i, k, n = 0, m;
	int rc = 0;
	if (!l)
		return ENOMEM;
	for (i = 0; i < v->n; i++) {
		const struct as_site *st = &v->v[i];
		size_t cap = 64, len = 0;
		char *t = malloc(cap), buf[4096], *c;
		for (k = st->n; t && k-- > 0;) {
			size_t bl;
			as_sym_text(&st->f[k], AS_SYM_SHORT, buf, sizeof buf);
			for (c = buf; *c; c++)
				if (*c == ';' || *c == '\n')
					*c = ':';
			bl = strlen(buf);
			if (len + bl + 2 > cap) {
				char *p;
				while (len + bl + 2 > cap)
					cap *= 2;
				p = realloc(t, cap);
				if (!p) {
					free(t);
					t = NULL;
					break;
				}
				t = p;
			}
			if (len)
				t[len++] = ';';
			memcpy(t + len, buf, bl + 1);
			len += bl;
		}
		if (!t) {
			rc = ENOMEM;
			goto out;
		}
		if (!len)
			strcpy(t, "[unknown]");
		l[n].text = t;
		l[n++].bytes = st->bytes;
	}
	/* merge the stacks that read the same */
	qsort(l, n, sizeof *l, by_text);
	for (i = 0, m = 0; i < n; i++) {
		if (m && !strcmp(l[m - 1].text, l[i].text)) {
			l[m - 1].bytes += l[i].bytes;
			free(l[i].text);
			continue;
		}
		l[m++] = l[i];
	}
	n = m;
	qsort(l, n, sizeof *l, by_line_bytes);
	for (i = 0; i < n; i++)
		if (fprintf(f, "%s %.0f\n", l[i].text, floor(l[i].bytes + 0.5)) < 0)
			rc = errno ? errno : EIO;
out:
	for (i = 0; i < n; i++)
		free(l[i].text);
	free(l);
	return rc;
}
