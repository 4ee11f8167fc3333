/* as_buildid: the GNU build-id of a loaded object, read in memory.
 *
 * No calls to malloc in this file, no stdio: it runs in the measured
 * process, at report time (the report's "modules", as_sample_out.c).  The id
 * lets `allocswap sites` tell that a module was rebuilt since the run and
 * refuse to name its frames from the new file (tools/sym/as_sym.h).
 */
#ifndef ALLOCSWAP_AS_BUILDID_H
#define ALLOCSWAP_AS_BUILDID_H

#include <stddef.h>
#include <stdint.h>

#include "as_json.h"

/* The build-id (NT_GNU_BUILD_ID note of a PT_NOTE segment) of the loaded
 * object one of whose PT_LOAD segments holds addr, as lowercase hex into
 * hex (NUL-terminated); its length, 0 when that object has none, no object
 * holds addr, or cap is too small for it. */
size_t _as_build_id(uintptr_t addr, char *hex, size_t cap);

/* The modules a report's frames name, each once (the first 64): its path
 * as the frames write it and an address inside it. */
#define AS_MODULES_MAX 64
struct _as_modules {
	const char *path[AS_MODULES_MAX];
	uintptr_t addr[AS_MODULES_MAX];
	unsigned n;
};
void _as_modules_add(struct _as_modules *m, const char *path, uintptr_t addr);
/* "modules": {"/path/module": "build-id hex", ...}; a module without a
 * build-id is left out. */
void _as_modules_json(struct as_json *j, const struct _as_modules *m);

#endif
