/* report_html: the self-contained HTML page of `allocswap report`.
 *
 * Reads the summary (the JSON object cmd_report.c builds and writes as
 * DIR/summary.json; its contract is in cmd_report.c) and the raw runs, draws
 * the charts with gnuplot's svg terminal and inlines them, so DIR/report.html
 * is one file with no external references.  Returns 0, or 1 after an error
 * line (gnuplot missing is an error that says how to install it).
 */
#ifndef ALLOCSWAP_REPORT_HTML_H
#define ALLOCSWAP_REPORT_HTML_H

#include <jansson.h>

int as_report_html(const char *dir, const json_t *summary, const char *out_path);

/* A pyperformance matrix in words, for report.md and report.html, from the
 * "pyperf" of the summary's cells (how dataset.c saw their invocations):
 * "2 pyperformance invocations per cell (the samples), each of 10 pyperf
 * workers x 2 values after 1 warm-up, averaged into its sample"; ranges
 * ("1-2") where cells differ.  With fewer than 2 invocations in a cell,
 * *too_few is set and the text says why nothing is compared.  Returns buf
 * ("" when no cell says). */
const char *as_report_pyperf_matrix(const json_t *cells, char *buf, size_t cap, int *too_few);

#endif
