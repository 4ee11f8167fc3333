/* as_buildid: the GNU build-id of a loaded object, read in memory.
 *
 * No calls to malloc in this file, no stdio: it runs in the measured
 * process, at report time (the report's "modules", as_sample.c).  The id
 * lets `allocswap sites` tell that a module was rebuilt since the run and
 * refuse to name its frames from the new file (tools/sym/as_sym.h).
 */
#ifndef ALLOCSWAP_AS_BUILDID_H
#define ALLOCSWAP_AS_BUILDID_H

#include <stddef.h>
#include <stdint.h>

/* The build-id (NT_GNU_BUILD_ID note of a PT_NOTE segment) of the loaded
 * object one of whose PT_LOAD segments holds addr, as lowercase hex into
 * hex (NUL-terminated); its length, 0 when that object has none, no object
 * holds addr, or cap is too small for it. */
size_t _as_build_id(uintptr_t addr, char *hex, size_t cap);

#endif
