/* report_flame: the "Allocation sites" section of the HTML report: a flame
 * graph of the sampled allocation sites of each cell whose processes
 * sampled them (stats full), as inline SVG drawn here (no gnuplot: boxes
 * and text), with the frames named after the run (as_sym.h).
 *
 * The stacks are those of the first process of the cell whose report has
 * sites (runs.jsonl): its top sites by bytes allocated (AS_SAMPLE_TOP of
 * them, liballoc/as_sample.h), root at the bottom, a box as wide as the
 * bytes allocated under it.  Each box has a <title> (the whole frame, its
 * bytes and share) that a browser shows on hover.  No section when no run
 * sampled sites.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_sites.h"
#include "cli.h"
#include "report_flame.h"
#include "report_html_int.h"
#include "results.h"
#include "summary.h"

#define FLAME_MAX 12      /* cells drawn; the others are listed */
#define FLAME_W 1040      /* px */
#define FLAME_ROW 17      /* px a frame */
#define FLAME_CHAR 6.6    /* px of an average character at 11 px */

struct node {
	char *name;
	double v;
	int unnamed;       /* a native frame nothing names (grey) */
	int python;        /* a Python frame (blue) */
	struct node *kid;  /* first child */
	struct node *next; /* sibling */
};

struct fcell {
	size_t b, c;  /* the HTML report's indexes */
	json_t *rec;  /* the runs.jsonl record (owned) */
	json_t *rep;  /* its report */
};

struct flame {
	struct rh *r; /* NULL: every cell, by its names (Markdown) */
	struct fcell *cells;
	size_t n, cap;
	int oom;
};

static void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		node_free(n->kid);
		free(n->name);
		free(n);
		n = next;
	}
}

static struct node *child(struct node *p, const char *name)
{
	struct node *k, **at = &p->kid;
	int cmp = 1;
	/* children in name order, as flame graphs lay them out */
	while (*at && (cmp = strcmp((*at)->name, name)) < 0)
		at = &(*at)->next;
	if (*at && !cmp)
		return *at;
	k = calloc(1, sizeof *k);
	if (!k || !(k->name = strdup(name))) {
		free(k);
		return NULL;
	}
	k->next = *at;
	*at = k;
	return k;
}

static int find_idx(const struct rh *r, const char *bench, const char *cfg, size_t *b, size_t *c)
{
	size_t i;
	for (*b = r->nb, i = 0; i < r->nb; i++)
		if (!strcmp(r->bench[i].name, bench))
			*b = i;
	for (*c = r->nc, i = 0; i < r->nc; i++)
		if (!strcmp(r->cfg[i].id, cfg))
			*c = i;
	return *b < r->nb && *c < r->nc;
}

static int take(json_t *rec, void *arg)
{
	struct flame *fl = arg;
	json_t *rep = json_object_get(rec, "report");
	const char *bench = rh_str(rec, "bench"), *cfg = rh_str(rec, "config");
	size_t b = 0, c = 0, i;
	if (!json_array_size(json_object_get(rep, "sites")) ||
	    (fl->r && !find_idx(fl->r, bench, cfg, &b, &c)))
		return 0;
	for (i = 0; i < fl->n; i++)
		if (!strcmp(rh_str(fl->cells[i].rec, "bench"), bench) &&
		    !strcmp(rh_str(fl->cells[i].rec, "config"), cfg))
			return 0;
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? 2 * fl->cap : 8;
		struct fcell *p = realloc(fl->cells, cap * sizeof *p);
		if (!p) {
			fl->oom = 1;
			return ENOMEM;
		}
		fl->cells = p;
		fl->cap = cap;
	}
	fl->cells[fl->n].b = b;
	fl->cells[fl->n].c = c;
	fl->cells[fl->n].rec = json_incref(rec);
	fl->cells[fl->n++].rep = rep;
	return 0;
}

/* Where the modules of a configuration's processes are (as_sym_open's root):
 * NULL on this machine, a rootfs image's directory, "" in an engine's image
 * (meta.json's "images": runner and ref). */
static const char *cell_root(const json_t *meta, const json_t *cfg)
{
	const char *image = rh_str(cfg, "image");
	const json_t *im = json_object_get(json_object_get(meta, "images"), image);
	const char *runner = rh_str(im, "runner");
	if (!*image || !strcmp(image, "host") || !strcmp(runner, "host"))
		return NULL;
	if (!strcmp(runner, "rootfs") && *rh_str(im, "ref"))
		return rh_str(im, "ref");
	if (!*runner && image[0] == '/')
		return image; /* a root filesystem's path */
	return "";
}

static const json_t *config_of(const json_t *summary, const char *id)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(summary, "configs"), i, c) {
		if (!strcmp(rh_str(c, "id"), id))
			return c;
	}
	return NULL;
}

/* The module notes of a cell's session that have no file:line, once each
 * over the report (seen: "path: detail" lines already written). */
static void notes(struct as_sym *sym, struct sb *b, FILE *f, char ***seen, size_t *nseen)
{
	struct as_sym_module m[64];
	size_t n = as_sym_modules(sym, m, sizeof m / sizeof m[0]), i, k;
	for (i = 0; i < n; i++) {
		char line[2048], **v;
		if (!strcmp(m[i].status, "dwarf"))
			continue;
		snprintf(line, sizeof line, "%s: %s", m[i].path, m[i].detail);
		for (k = 0; k < *nseen && strcmp((*seen)[k], line); k++)
			;
		if (k < *nseen || !(v = realloc(*seen, (*nseen + 1) * sizeof *v)))
			continue;
		*seen = v;
		if (!(v[*nseen] = strdup(line)))
			continue;
		++*nseen;
		if (b) {
			sb_puts(b, "<p class=\"note\"><code>");
			sb_html(b, m[i].path);
			sb_puts(b, "</code>: ");
			sb_html(b, m[i].detail);
			sb_puts(b, "</p>\n");
		} else {
			fprintf(f, "- `%s`: %s\n", m[i].path, m[i].detail);
		}
	}
}

static void seen_free(char **seen, size_t n)
{
	while (n)
		free(seen[--n]);
	free(seen);
}

/* A warm colour from the name (as flame graphs are), grey for a frame
 * nothing names, blue for Python's. */
static void colour(const char *name, int named, int python, char *buf, size_t cap)
{
	unsigned h = 2166136261u;
	const char *p;
	for (p = name; *p && *p != ' '; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (!named)
		snprintf(buf, cap, "#c8c8c8");
	else if (python)
		snprintf(buf, cap, "rgb(%u,%u,%u)", 80 + h % 40, 140 + (h >> 8) % 50, 220);
	else
		snprintf(buf, cap, "rgb(%u,%u,%u)", 225 + h % 30, 80 + (h >> 8) % 120,
			 40 + (h >> 16) % 40);
}

static int depth_of(const struct node *n)
{
	int d = 0;
	const struct node *k;
	for (k = n->kid; k; k = k->next) {
		int kd = depth_of(k);
		if (kd > d)
			d = kd;
	}
	return d + 1;
}

static void boxes(struct sb *b, const struct node *n, double x, int row, int rows, double scale,
		  double total)
{
	const struct node *k;
	double w = n->v * scale, y = (rows - 1 - row) * FLAME_ROW;
	char fill[40], bytes[32];
	size_t fit;
	if (w < 0.5)
		return;
	colour(n->name, !n->unnamed, n->python, fill, sizeof fill);
	sb_printf(b, "<g><title>");
	sb_html(b, n->name);
	sb_printf(b, " (%s, %.1f%%)</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		     "height=\"%d\" fill=\"%s\" rx=\"2\"/>",
		  as_fmt_bytes(n->v, bytes, sizeof bytes), 100 * n->v / total, x, y, w,
		  FLAME_ROW - 1, fill);
	fit = w > 3 * FLAME_CHAR ? (size_t)((w - 6) / FLAME_CHAR) : 0;
	if (fit >= 3) {
		/* fit characters at most (FLAME_W / FLAME_CHAR < 160: 4 bytes
		 * each fit in t), cut between UTF-8 characters, ".." at the end */
		char t[1024];
		size_t i, chars = 0, at = 0;
		snprintf(t, sizeof t, "%s", n->name);
		for (i = 0; t[i]; i++)
			if (((unsigned char)t[i] & 0xc0) != 0x80 && chars++ == fit - 2)
				at = i;
		if (chars > fit) {
			t[at] = '.';
			t[at + 1] = '.';
			t[at + 2] = 0;
		}
		sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + FLAME_ROW - 5);
		sb_html(b, t);
		sb_puts(b, "</text>");
	}
	sb_puts(b, "</g>\n");
	for (k = n->kid; k; k = k->next) {
		boxes(b, k, x, row + 1, rows, scale, total);
		x += k->v * scale;
	}
}

/* One cell's flame graph; 0, or ENOMEM. */
static int draw(struct rh *r, struct as_sym *sym, const struct fcell *fc, int open)
{
	struct sb *b = &r->page;
	struct as_sites v = {0};
	struct node root = {0};
	size_t i, k;
	int rows, rc = as_sites_from_report(sym, fc->rep, "sites", &v);
	char text[4096], num[32];
	if (rc)
		goto out;
	root.name = "all";
	for (i = 0; i < v.n; i++) {
		struct node *n = &root;
		root.v += v.v[i].bytes;
		for (k = v.v[i].n; n && k-- > 0;) {
			const struct as_sym_frame *f = &v.v[i].f[k];
			n = child(n, as_sym_text(f, AS_SYM_SHORT, text, sizeof text));
			if (!n)
				break;
			n->v += v.v[i].bytes;
			/* nothing named it: module+offset ("?? (/path+0x...)"), or a
			 * bare address; a Python frame's text is its name */
			n->unnamed = !f->func && (f->module || !strncmp(f->text, "??", 2) ||
						  !strncmp(f->text, "0x", 2));
			n->python = as_sym_python(f);
		}
		if (!n) {
			rc = ENOMEM;
			goto out;
		}
	}
	rows = depth_of(&root);
	sb_printf(b, "<details%s><summary><b>", open ? " open" : "");
	sb_html(b, r->bench[fc->b].name);
	sb_puts(b, "</b> on <b>");
	sb_html(b, r->cfg[fc->c].label);
	sb_printf(b, "</b>: %s allocated in the %zu heaviest of %.0f sampled stacks, one sample "
		     "per %s on average</summary>\n",
		  as_fmt_bytes(root.v, text, sizeof text), v.n, as_jnum(fc->rep, "sampling.sites"),
		  as_fmt_bytes(as_jnum(fc->rep, "sampling.mean_bytes"), num, sizeof num));
	sb_printf(b, "<svg class=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" "
		     "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
		     "style=\"max-width:%dpx;font:11px monospace\">\n",
		  FLAME_W, rows * FLAME_ROW, FLAME_W);
	if (root.v > 0)
		boxes(b, &root, 0, 0, rows, FLAME_W / root.v, root.v);
	sb_puts(b, "</svg>\n</details>\n");
out:
	node_free(root.kid);
	as_sites_free(&v);
	return rc;
}

int rh_flame(struct rh *r)
{
	struct flame fl = {r, NULL, 0, 0, 0};
	struct sb *b = &r->page;
	char **seen = NULL;
	size_t i, nseen = 0;
	int rc = 0;
	if (!r->dir || !*r->dir)
		return 0;
	rc = as_runs_read(r->dir, take, &fl);
	if (rc == ENOENT || (!rc && !fl.n)) {
		rc = 0;
		goto out;
	}
	if (rc && !fl.oom) {
		as_err("report: reading %s/runs.jsonl: %s (no allocation sites section)", r->dir,
		       strerror(rc));
		rc = 0;
		goto out;
	}
	if (fl.oom) {
		rc = ENOMEM;
		goto out;
	}
	sb_puts(b, "<h2 id=\"sites\">Allocation sites</h2>\n<p>Where the sampled bytes were "
		   "allocated (stats full: one sample per ALLOCSWAP_SAMPLE_BYTES on average), in "
		   "the first process of each cell that sampled them: a flame graph of its heaviest "
		   "stacks by bytes allocated, the root at the bottom, each box as wide as the bytes "
		   "allocated under it. Hover over a box for its whole name. Grey boxes are frames "
		   "nothing could name (module+offset); <code>allocswap sites</code> on a report "
		   "lists the same stacks with their files and lines.</p>\n");
	/* a session per cell: an image's cells read the image's files */
	for (i = 0; i < fl.n && i < FLAME_MAX && !rc; i++) {
		struct as_sym *sym = as_sym_open(cell_root(r->meta, r->cfg[fl.cells[i].c].j));
		rc = sym ? draw(r, sym, &fl.cells[i], i == 0) : ENOMEM;
		if (sym)
			notes(sym, b, NULL, &seen, &nseen);
		as_sym_close(sym);
	}
	if (fl.n > FLAME_MAX)
		sb_printf(b, "<p>%zu more cells sampled sites too; this report draws the first %d.</p>\n",
			  fl.n - FLAME_MAX, FLAME_MAX);
out:
	seen_free(seen, nseen);
	for (i = 0; i < fl.n; i++)
		json_decref(fl.cells[i].rec);
	free(fl.cells);
	if (rc == ENOMEM)
		as_err("report: out of memory drawing the allocation sites");
	return rc ? 1 : 0;
}

/* ---- Markdown ------------------------------------------------------------------------------- */

static const char *config_label(const json_t *summary, const char *id)
{
	const json_t *c = config_of(summary, id);
	return c && *rh_str(c, "label") ? rh_str(c, "label") : id;
}

/* Markdown table cells must not hold a '|' or a newline. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

void as_sites_md(FILE *f, const char *dir, const json_t *summary)
{
	struct flame fl = {NULL, NULL, 0, 0, 0};
	char text[1024], num[32], **seen = NULL, *notes_text = NULL;
	size_t i, k, nseen = 0, notes_len = 0;
	FILE *nf = NULL;
	int rc;
	if (!dir || !*dir)
		return;
	rc = as_runs_read(dir, take, &fl);
	if (rc || !fl.n || !(nf = open_memstream(&notes_text, &notes_len)))
		goto out; /* the HTML report says why, when it is an error */
	fprintf(f, "## Allocation sites\n\nThe heaviest sampled stacks by bytes allocated in the "
		   "first process of each cell that sampled them (stats full), leaf first, named "
		   "after the run; report.html draws them as flame graphs, `allocswap sites` lists "
		   "a report's whole stacks.\n\n| benchmark | configuration | bytes | stack |\n"
		   "|---|---|---:|---|\n");
	for (i = 0; i < fl.n; i++) {
		struct as_sites v = {0};
		const char *cfg = rh_str(fl.cells[i].rec, "config");
		struct as_sym *sym = as_sym_open(cell_root(json_object_get(summary, "meta"),
							   config_of(summary, cfg)));
		if (!sym || as_sites_from_report(sym, fl.cells[i].rep, "sites", &v)) {
			as_sym_close(sym);
			as_sites_free(&v);
			break;
		}
		for (k = 0; k < v.n && k < 3; k++) {
			size_t j;
			fputs("| ", f);
			md_cell(f, rh_str(fl.cells[i].rec, "bench"));
			fputs(" | ", f);
			md_cell(f, config_label(summary, cfg));
			fprintf(f, " | %s | ", as_fmt_bytes(v.v[k].bytes, num, sizeof num));
			for (j = 0; j < v.v[k].n && j < 4; j++) {
				fputs(j ? " < " : "", f);
				md_cell(f, as_sym_text(&v.v[k].f[j], AS_SYM_SHORT, text, sizeof text));
			}
			fputs(" |\n", f);
		}
		as_sites_free(&v);
		notes(sym, NULL, nf, &seen, &nseen);
		as_sym_close(sym);
	}
	fputc('\n', f);
	fflush(nf);
	if (notes_len)
		fprintf(f, "%s\n", notes_text);
out:
	if (nf)
		fclose(nf);
	free(notes_text);
	seen_free(seen, nseen);
	for (i = 0; i < fl.n; i++)
		json_decref(fl.cells[i].rec);
	free(fl.cells);
}
