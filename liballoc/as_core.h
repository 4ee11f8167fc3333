/* as_core: start-up, the dispatch head, fork and exit.
 *
 * The exported malloc family calls through _as_head, one table of function
 * pointers.  Until the backend is loaded _as_head points at the bootstrap
 * functions, which serve the static arena.  _as_init() (run by libswap's
 * constructor; earlier only if the arena runs out) parses the options,
 * loads the backend and then publishes the chain:
 *
 *     _as_head  =  counting layer -> backend      (ALLOCSWAP_STATS=counters)
 *     _as_head  =  backend                        (ALLOCSWAP_STATS=off)
 *
 * The backend is chosen once and never switched while pointers are live.
 * Bad configuration prints one line and exits 127, unless
 * ALLOCSWAP_FALLBACK=system, which warns and continues on the system
 * allocator.  At exit _as_fini() writes the report and the summary.
 *
 * No calls to malloc in this file.
 */
#ifndef ALLOCSWAP_AS_CORE_H
#define ALLOCSWAP_AS_CORE_H

#include "as_backend.h"
#include "as_options.h"

/* hidden: the exports reach it RIP-relative, with no GOT load */
extern struct as_dispatch _as_head __attribute__((visibility("hidden")));

struct as_core_info {
	const struct as_options *opt;
	const struct as_backend_state *backend;
	int fallback_used;       /* requested backend failed, system serves */
	const char *fallback_why;
	int secure;              /* AT_SECURE: no report, no paths */
	uint64_t start_ns;       /* CLOCK_MONOTONIC at init */
	int ready;
};

void _as_init(void);
void _as_fini(void);
const struct as_core_info *_as_core_info(void);

#endif
