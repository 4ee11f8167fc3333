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

#endif
