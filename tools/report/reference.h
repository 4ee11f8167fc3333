/* reference: libswap's timed mode against each allocator preloaded by
 * itself (bench --reference direct); the contract is in reference.c. */
#ifndef ALLOCSWAP_REFERENCE_H
#define ALLOCSWAP_REFERENCE_H

#include <jansson.h>
#include <stdio.h>

/* How far libswap's and direct's speed-ups over the baseline may differ
 * and still be said to agree: the goal, +-2%. */
#define AS_REF_AGREE 0.02

/* summary.json's "reference" from a summary (as_summary_build), or NULL
 * when it has no libswap configuration with a direct twin. */
json_t *as_reference_build(const json_t *summary);
/* Its section of report.md and report.html (report_out.h; nothing for NULL). */
struct as_out;
void as_reference_out(struct as_out *o, const json_t *ref);

#endif
