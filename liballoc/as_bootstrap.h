/* as_bootstrap: a static bump arena for allocations made before the backend
 * exists (the dynamic loader, dlopen/dlsym of the backend, other threads
 * racing start-up).
 *
 * No calls to malloc in this file.  Arena memory is never reused: free() of
 * an arena pointer is a no-op, realloc() copies out of it.  Every block
 * carries a 16-byte header with its size so that realloc and
 * malloc_usable_size work on arena pointers.  The arena is in .bss, so the
 * pages that are never touched cost no memory.
 */
#ifndef ALLOCSWAP_AS_BOOTSTRAP_H
#define ALLOCSWAP_AS_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#define ALLOCSWAP_BOOT_SIZE (4u << 20)

extern unsigned char _as_boot_mem[ALLOCSWAP_BOOT_SIZE] __attribute__((visibility("hidden")));

/* One unsigned comparison: the check the exported free() pays. */
static inline int _as_boot_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)_as_boot_mem < ALLOCSWAP_BOOT_SIZE;
}

/* align: a power of two (0 means 16).  NULL when the arena is exhausted. */
void *_as_boot_alloc(size_t align, size_t n);
size_t _as_boot_usable(const void *p);
/* Bytes and blocks handed out so far, and requests refused. */
void _as_boot_usage(uint64_t *bytes, uint64_t *blocks, uint64_t *refused);

#endif
