/* report_out: the Markdown and HTML writers the report's sections share,
 * one walk for two syntaxes.  Implemented in report_out.c; factors.c and
 * image_report_out.c write their sections of report.md and report.html with it.
 *
 * A struct as_out writes Markdown to f, HTML to b, or both.  Text is
 * escaped for each: a Markdown table cell holds no '|' and no newline;
 * HTML is escaped by sb_html().  A section's tables have a first column of
 * row heads (<th>) and cells that may carry a class for the HTML (faster,
 * slower, ns).  Comparisons are the COMP objects of factors.h and image_report.h.
 */
#ifndef ALLOCSWAP_REPORT_OUT_H
#define ALLOCSWAP_REPORT_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct sb;

struct as_out {
	FILE *f;           /* Markdown, or NULL */
	struct sb *b;      /* HTML, or NULL */
	const char *empty; /* what an empty or NULL cell reads ("-"), or NULL: nothing */
};

/* md to the Markdown, html to the HTML, as they are (NULL: nothing). */
void as_out_raw(struct as_out *o, const char *md, const char *html);
/* Text, escaped. */
void as_out_text(struct as_out *o, const char *s);
/* A paragraph of formatted text (up to 2047 bytes). */
void as_out_para(struct as_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "### text (label)" / <h3>; no parentheses for a NULL or empty label. */
void as_out_heading(struct as_out *o, const char *text, const char *label);
/* A list item ("- " / <li>) of text; as_out_raw() opens and closes the
 * list (<ul>). */
void as_out_item(struct as_out *o, const char *text);
/* An item per entry of a section's "status" list: "NAME: N comparisons",
 * or "NAME: REASON" when it has none. */
void as_out_status(struct as_out *o, const json_t *list);

/* A table's header: first, then cols[0..n); align: 'l' or 'r' per column
 * of cols for the Markdown, NULL: all 'r'. */
void as_out_table(struct as_out *o, const char *first, const char *const *cols, size_t n,
		  const char *align);
/* A row's head; geo: the geometric mean's row (bold, class "geo"). */
void as_out_row(struct as_out *o, const char *head, int geo);
/* One cell: text, and a class for the HTML, or NULL. */
void as_out_cell(struct as_out *o, const char *text, const char *cls);
void as_out_end_row(struct as_out *o);
void as_out_end_table(struct as_out *o);

/* A COMP's benchmark entry or "geomean" as a cell: "1.32x faster (-24%), CI
 * 1.25x-1.40x faster", and its class (faster, slower, ns). */
const char *as_out_ratio(const json_t *e, char *buf, size_t cap, const char **cls);
/* Three cells of something bench built (a Python, an image), from its
 * meta.json entry: "size on disk" ("25.3 MiB"), "files", "build time"
 * ("12.5 s", "3 min 05 s"); "-" where it does not say. */
void as_out_build_cells(struct as_out *o, const json_t *built);
/* A table of comparisons: a row per benchmark, then the geometric mean; a
 * column per comps[0..n) under cols, after the first one's base time
 * (cols[0]) when base_time. */
void as_out_comp_table(struct as_out *o, const json_t *const *comps, const char *const *cols,
		       size_t n, int base_time);
/* The comparisons of list whose "factor" is factor (NULL: all), a column
 * each under its "label", up to 6 a table; before the first, the heading
 * title (label), when title is not NULL. */
void as_out_comp_tables(struct as_out *o, const json_t *list, const char *factor,
			const char *title, const char *label);

/* Which time the speed comparisons use (summary cells' "clock"), and how
 * many timed processes were measured under contention: a paragraph each. */
void as_out_clock(struct as_out *o, const json_t *cells);

/* A pyperformance matrix in words, for report.md and report.html, from the
 * "pyperf" of the summary's cells (how dataset.c saw their invocations):
 * "2 pyperformance invocations per cell (the samples), each of 10 pyperf
 * workers x 2 values after 1 warm-up, averaged into its sample"; ranges
 * ("1-2") where cells differ.  With fewer than 2 invocations in a cell,
 * *too_few is set and the text says why nothing is compared.  Returns buf
 * ("" when no cell says). */
const char *as_report_pyperf_matrix(const json_t *cells, char *buf, size_t cap, int *too_few);

#endif
