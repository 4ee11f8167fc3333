/* as_sites: the sampled allocation sites of a run, symbolized (as_sym.h).
 *
 * Two sources: a libswap report (allocswap.report/1, or `allocswap run
 * --json`'s summary around one), whose "sites" and "sites_by_live" are the
 * top stacks by bytes and by live bytes at exit, leaf first; and a folded
 * file (ALLOCSWAP_SITES), every sampled stack, root first, "f;f;f BYTES" a
 * line, with no live bytes.  Each site's frames are expanded by as_sym
 * (inlined functions become frames of their own) and kept leaf first.
 */
#ifndef ALLOCSWAP_SITES_H
#define ALLOCSWAP_SITES_H

#include <jansson.h>
#include <stddef.h>

#include "as_sym.h"

struct as_site {
	double bytes, count; /* estimates; count < 0: not known (folded) */
	double live_bytes;   /* < 0: not known */
	double samples;      /* < 0: not known */
	struct as_sym_frame *f; /* leaf first */
	size_t n;
};

struct as_sites {
	struct as_site *v;
	size_t n, cap;
};

/* The sites of rep[key] ("sites" or "sites_by_live"), appended to out. 0 or ENOMEM. */
int as_sites_from_report(struct as_sym *s, const json_t *rep, const char *key,
			 struct as_sites *out);
/* The stacks of a folded file's text; 0, ENOMEM, or EINVAL with *bad_line
 * (1-based) at the first line that is not "FRAMES COUNT". */
int as_sites_from_folded(struct as_sym *s, char *text, struct as_sites *out, size_t *bad_line);
/* Sorted by bytes (by_live 0) or live bytes, the largest first. */
void as_sites_sort(struct as_sites *v, int by_live);
void as_sites_free(struct as_sites *v);

/* Writes the sites as folded stacks, root first, each frame
 * as_sym_text(AS_SYM_SHORT) (';' in a name becomes ':'), the stacks that
 * read the same merged and their bytes added, largest first.  0 or errno. */
int as_sites_write_folded(const struct as_sites *v, FILE *f);

/* A libswap report in j: itself, or the "report" of a run summary; else NULL. */
const json_t *as_sites_report_of(const json_t *j);

#endif
