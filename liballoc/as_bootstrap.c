/* as_bootstrap: static bump arena.  No calls to malloc in this file. */
#include "as_bootstrap.h"

#define HDR 16

_Alignas(4096) unsigned char _as_boot_mem[ALLOCSWAP_BOOT_SIZE];

static struct {
	size_t used; /* bump offset, updated with CAS: start-up may race between threads */
	uint64_t blocks;
	uint64_t refused;
} boot;

void *_as_boot_alloc(size_t align, size_t n)
{
	size_t old, start, end;
	if (align < HDR)
		align = HDR;
	if (n > ALLOCSWAP_BOOT_SIZE || align > ALLOCSWAP_BOOT_SIZE)
		goto refuse;
	old = __atomic_load_n(&boot.used, __ATOMIC_RELAXED);
	do {
		/* align the address, not the offset: the arena itself is only
		 * page-aligned */
		uintptr_t base = (uintptr_t)_as_boot_mem;
		start = (size_t)(((base + old + HDR + align - 1) & ~(uintptr_t)(align - 1)) - base);
		end = start + ((n + HDR - 1) & ~(size_t)(HDR - 1));
		if (end > ALLOCSWAP_BOOT_SIZE)
			goto refuse;
	} while (!__atomic_compare_exchange_n(&boot.used, &old, end, 1, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*(size_t *)(_as_boot_mem + start - HDR) = n;
	__atomic_add_fetch(&boot.blocks, 1, __ATOMIC_RELAXED);
	return _as_boot_mem + start;
refuse:
	__atomic_add_fetch(&boot.refused, 1, __ATOMIC_RELAXED);
	return NULL;
}

size_t _as_boot_usable(const void *p)
{
	return *(const size_t *)((const unsigned char *)p - HDR);
}

void _as_boot_usage(uint64_t *bytes, uint64_t *blocks, uint64_t *refused)
{
	*bytes = __atomic_load_n(&boot.used, __ATOMIC_RELAXED);
	*blocks = __atomic_load_n(&boot.blocks, __ATOMIC_RELAXED);
	*refused = __atomic_load_n(&boot.refused, __ATOMIC_RELAXED);
}
