/* as_bootstrap: alignments above 4096.
 *
 * The contract (as_bootstrap.h) takes any power of two, and the bootstrap
 * head serves aligned_alloc/posix_memalign/memalign before the backend is
 * ready.  The arena itself is only _Alignas(4096): an alignment computed on
 * the offset into the arena is only an alignment of the address when the
 * arena's address happens to be aligned that much too (ASLR decides).
 */
#include <stdint.h>
#include <string.h>

#include "as_bootstrap.h"
#include "harness.h"

int main(void)
{
	uintptr_t base = (uintptr_t)_as_boot_mem;
	size_t align;
	t_say("arena at %#lx (aligned to %#lx)", (unsigned long)base,
	      (unsigned long)(base & (~base + 1)));
	for (align = 8192; align <= (1u << 20); align <<= 1) {
		unsigned char *p = _as_boot_alloc(align, 100);
		T_CHECK(p != NULL);
		if (!p)
			break;
		if ((uintptr_t)p % align)
			t_say("align %zu: got %p (off by %zu)", align, (void *)p,
			      (size_t)((uintptr_t)p % align));
		T_EQ((uintptr_t)p % align, 0);
		T_EQ(_as_boot_usable(p), 100);
		T_CHECK(_as_boot_owns(p) && _as_boot_owns(p + 99));
		memset(p, 1, 100);
	}
	return t_done();
}
