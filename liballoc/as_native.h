/* as_native: the allocator's own figures, the report's "allocator_stats".
 *
 * No calls to malloc in this file.  It asks the backend that really ran,
 * through that backend's own statistics interface, found with dlsym on its
 * handle and kept only when the symbol lives in the backend's own object
 * (dlsym on a handle also searches libc below it):
 *
 *   jemalloc   "jemalloc mallctl": an "epoch" write refreshes the figures,
 *              then stats.allocated, active, resident, mapped, retained,
 *              metadata (bytes), arenas.narenas.
 *   mimalloc   "mimalloc mi_process_info": current_commit, peak_commit
 *              (mimalloc's own commit accounting), current_rss (mimalloc
 *              2.0 sets it to current_commit: an estimate, not the OS's
 *              figure), peak_rss (getrusage), elapsed/user/system_msecs,
 *              page_faults (major faults).
 *   gperftools "gperftools MallocExtension": MallocExtension_GetNumericProperty
 *              of generic.current_allocated_bytes, generic.heap_size,
 *              generic.total_physical_bytes and the tcmalloc.* free-list
 *              figures (pageheap free and unmapped, central, transfer and
 *              thread caches).
 *   glibc      "glibc mallinfo2" (system backend on glibc; glibc's own
 *              function, found with RTLD_NEXT: libswap does not export it):
 *              arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
 *              uordblks, fordblks, keepcost, and in_use = uordblks (chunks
 *              in the arenas) + hblkhd (mmapped chunks): what the program
 *              holds, whichever side of the mmap threshold its blocks fell.
 *   otherwise  "none" with a "reason": musl's mallocng, oneTBB (its proxy's
 *              mallinfo returns zeros, scalable_allocation_command only
 *              releases memory) and a path backend that exports none of the
 *              interfaces above.  A path backend that does (a path to
 *              libjemalloc.so.2, say) is asked like the named one.
 *
 * Keys are the native names without their prefix ("stats.allocated" ->
 * "allocated"); a figure the backend refuses to give is null.  The
 * interfaces are called while the report is written, after libswap's
 * counters were snapshotted, so nothing they do can move the reported
 * counts; none of them calls the exported malloc (jemalloc's and
 * tcmalloc's take their own locks, glibc's takes each arena's lock).
 */
#ifndef ALLOCSWAP_AS_NATIVE_H
#define ALLOCSWAP_AS_NATIVE_H

#include "as_backend.h"
#include "as_json.h"

/* Writes the "allocator_stats" object for backend b into j. */
void _as_native_json(struct as_json *j, const struct as_backend_state *b);

#endif
