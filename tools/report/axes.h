/* axes: each axis of the matrix on its own (contract in axes.c). */
#ifndef ALLOCSWAP_AXES_H
#define ALLOCSWAP_AXES_H

#include <jansson.h>
#include <stdio.h>

/* The speed of configuration id against configuration base over the
 * summary's benchmarks: {"k", "ratio" (geomean of base time / id time),
 * "ci95": [lo, hi], "verdict"}.  Caller owns it. */
json_t *as_pair_speed(const json_t *summary, const char *base, const char *id);
/* The summary's cell of (bench, config), or NULL. */
const json_t *as_summary_cell(const json_t *summary, const char *bench, const char *config);

/* The configuration of configs that differs from c in axis alone (and in
 * free_axis, when not NULL), with value v there; or NULL.  A configuration
 * written before an axis has that axis's default value (results.h). */
const json_t *as_config_twin(const json_t *configs, const json_t *c, const char *axis,
			     const char *v, const char *free_axis);

/* summary.json's "axes", or NULL when no axis has two values with twins. */
json_t *as_axes_build(const json_t *summary);
/* Its section of report.md and report.html (report_out.h; nothing for NULL). */
struct as_out;
void as_axes_out(struct as_out *o, const json_t *axes);

#endif
