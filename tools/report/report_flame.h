/* report_flame: the allocation sites of a bench directory's runs (stats
 * full), named after the run (tools/sym/as_sites.h): flame graphs in the HTML
 * report (rh_flame, report_html_int.h) and a table in report.md. */
#ifndef ALLOCSWAP_REPORT_FLAME_H
#define ALLOCSWAP_REPORT_FLAME_H

#include <jansson.h>
#include <stdio.h>

/* "## Allocation sites": the top 3 stacks by bytes of the first process of
 * each cell of DIR/runs.jsonl whose report has sites, the configurations
 * labelled as in summary; nothing when no run sampled sites. */
void as_sites_md(FILE *f, const char *dir, const json_t *summary);

#endif
