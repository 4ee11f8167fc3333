/* report_html_int: what the two halves of the HTML report share.
 *
 * report_html.c reads the summary into struct rh and draws the charts with
 * gnuplot; report_html_page.c writes the page around them.  A chart
 * function appends an inline <svg> to r->page and returns 0, 1 after an
 * error line, or -1 when it has nothing to draw (the page then says why).
 */
#ifndef ALLOCSWAP_REPORT_HTML_INT_H
#define ALLOCSWAP_REPORT_HTML_INT_H

#include <jansson.h>
#include <stddef.h>

/* ---- a growing text buffer (report_html_page.c) ---------------------------- */

struct sb {
	char *p;
	size_t n, cap;
	int oom; /* an allocation failed: later appends are dropped */
};

void sb_putn(struct sb *b, const char *s, size_t n);
void sb_puts(struct sb *b, const char *s);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A speed-up chart's x axes: log scale over [lo, hi] on x and x2, rows
 * down the y axis, tics from 1x outwards at least a tenth of the axis
 * apart. */
void rh_speed_axes(struct sb *b, double lo, double hi, size_t rows);
/* s as HTML text or attribute value: & < > " ' escaped, control bytes dropped. */
void sb_html(struct sb *b, const char *s);
/* s as a gnuplot single-quoted string ('' for ', no newlines). */
void sb_gp(struct sb *b, const char *s);

/* ---- the summary, indexed (report_html.c) ------------------------------------- */

struct rh_cfg {
	const json_t *j;  /* the summary's config object */
	const char *id;
	char label[160];  /* what differs from the other configs: "jemalloc pymalloc=off" */
	const char *color;
	int point;        /* gnuplot point type in the dot plots */
	size_t base;      /* index of its baseline ("baseline" in the config; itself when
			   * it is one); nc when unknown */
	int is_base;      /* it is a baseline: no ratio, no bar */
};

struct rh_bench {
	const char *name, *group;
};

struct rh {
	const char *dir;
	const json_t *meta;
	const json_t *cells;   /* the summary's "cells" */
	const json_t *factors; /* the summary's "factors" (factors.h), or NULL */
	const json_t *images;  /* the summary's "images" (image_report.h), or NULL */
	const json_t *reference; /* the summary's "reference" (reference.h), or NULL */
	const json_t *axes;    /* the summary's "axes" (axes.h), or NULL */
	struct rh_cfg *cfg;
	size_t nc;
	struct rh_bench *bench;
	size_t nb;
	const json_t **cell;  /* [b * nc + c]: the summary's cell, or NULL */
	const json_t **geo;   /* [c]: the geomean entry, or NULL */
	json_t **timeline;    /* [b * nc + c]: [[t_ms, live, rss], ...] (owned), or NULL */
	size_t base;          /* the summary's "baseline" (grey in the charts); nc when none */
	size_t nbase;         /* configurations that are a baseline */
	char sys_reason[300]; /* the first reason a run's report gave for no syscall counts */
	char *tmp;            /* gnuplot's scripts and SVGs */
	int nchart;
	struct sb page;
};

extern const char *const rh_syscalls[]; /* NULL-terminated; at most 5 */
#define RH_NSYS 5

double rh_num(const json_t *j, const char *key); /* NaN when missing */
const char *rh_str(const json_t *j, const char *key); /* "" when missing */
const json_t *rh_cell(const struct rh *r, size_t b, size_t c);
/* The cell has no time: its verdict is FAILED or it has no runs. */
int rh_cell_failed(const json_t *cell);
/* Processes of the cell that failed (some may have, in a cell that did not). */
int rh_cell_nfailed(const json_t *cell);

/* Runs gnuplot on script (terminal and output are prepended) and inlines
 * the SVG; 0 or 1 after an error line. */
int rh_plot(struct rh *r, const char *name, const struct sb *script, int width, int height);

int rh_chart_speed(struct rh *r);
int rh_chart_boxes(struct rh *r);
/* v[b * nc + c]; NaN or <= 0 when missing; log x when the range is wide. */
int rh_chart_dots(struct rh *r, const char *name, const double *v, const char *xlabel,
		  int allow_log);
/* med: [nc * RH_NSYS] out, the median count per config and syscall (NaN when none). */
int rh_chart_syscalls(struct rh *r, double *med);
int rh_chart_timeline(struct rh *r);
/* The allocation sites section: flame graphs of the sampled sites in the runs'
 * reports (report_flame.c); nothing when no run sampled them.  0 or 1. */
int rh_flame(struct rh *r);

/* Writes the whole page into r->page (report_html_page.c); 0 or 1. */
int rh_page(struct rh *r);
/* A highlighted paragraph in the page. */
void rh_note(struct rh *r, const char *text);

#endif
