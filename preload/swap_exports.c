/* swap_exports: the malloc family exported by libswap.so, one line each.
 *
 * No calls to malloc in this file, and no stdio.  Everything else in
 * libswap.so is hidden (-fvisibility=hidden); these are the only symbols
 * it exports.  Each one forwards to the normalization layer (swap_shim.h),
 * which calls the dispatch head.
 */
#include <stddef.h>

#include "as_core.h"
#include "swap_shim.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT void *malloc(size_t n) { return shim_malloc(n); }
EXPORT void free(void *p) { shim_free(p); }
EXPORT void *calloc(size_t n, size_t size) { return shim_calloc(n, size); }
EXPORT void *realloc(void *p, size_t n) { return shim_realloc(p, n); }
EXPORT void *reallocarray(void *p, size_t n, size_t size) { return shim_reallocarray(p, n, size); }
EXPORT int posix_memalign(void **out, size_t align, size_t n) { return shim_posix_memalign(out, align, n); }
EXPORT void *aligned_alloc(size_t align, size_t n) { return shim_aligned_alloc(align, n); }
EXPORT void *memalign(size_t align, size_t n) { return shim_memalign(align, n); }
EXPORT void *valloc(size_t n) { return shim_valloc(n); }
EXPORT void *pvalloc(size_t n) { return shim_pvalloc(n); }
EXPORT size_t malloc_usable_size(void *p) { return shim_usable(p); }
EXPORT void free_sized(void *p, size_t n) { (void)n; shim_free(p); }
EXPORT void free_aligned_sized(void *p, size_t align, size_t n) { (void)align; (void)n; shim_free(p); }
#ifdef __GLIBC__
/* glibc's internal names, which some programs and libraries call directly;
 * left to glibc they would hand out blocks our free() cannot take. */
EXPORT void *__libc_malloc(size_t n) { return shim_malloc(n); }
EXPORT void __libc_free(void *p) { shim_free(p); }
EXPORT void *__libc_calloc(size_t n, size_t size) { return shim_calloc(n, size); }
EXPORT void *__libc_realloc(void *p, size_t n) { return shim_realloc(p, n); }
EXPORT void *__libc_memalign(size_t align, size_t n) { return shim_memalign(align, n); }
EXPORT void *__libc_valloc(size_t n) { return shim_valloc(n); }
EXPORT void *__libc_pvalloc(size_t n) { return shim_pvalloc(n); }
#endif

/* Start-up and exit.  The constructor runs before the program's own code;
 * anything allocated earlier came from the bootstrap arena. */
__attribute__((constructor(101))) static void swap_start(void) { _as_init(); }
__attribute__((destructor(101))) static void swap_stop(void) { _as_fini(); }
