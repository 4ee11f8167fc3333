/* as_bootstrap: running out.  Alone in its program: the arena is never
 * reused, so the offsets below are exact from an empty arena. */
#include <stdint.h>
#include <string.h>

#include "as_bootstrap.h"
#include "harness.h"

#define BLOCK 65536u
#define STEP (BLOCK + 16u) /* header + block */

static unsigned char *blk[ALLOCSWAP_BOOT_SIZE / STEP + 1];

int main(void)
{
	uint64_t used, blocks, refused;
	unsigned i, n = 0, bad = 0;
	unsigned char *last;

	/* 64 KiB blocks until the arena says no */
	while (n < sizeof blk / sizeof blk[0] && (blk[n] = _as_boot_alloc(0, BLOCK)) != NULL) {
		memset(blk[n], (int)n, BLOCK);
		n++;
	}
	T_EQ(n, ALLOCSWAP_BOOT_SIZE / STEP); /* 63 */
	_as_boot_usage(&used, &blocks, &refused);
	T_EQ(used, (uint64_t)n * STEP);
	T_EQ(blocks, n);
	T_EQ(refused, 1);

	/* what is left still serves a request that fits exactly */
	last = _as_boot_alloc(16, ALLOCSWAP_BOOT_SIZE - n * STEP - 16);
	T_CHECK(last != NULL);
	if (last) {
		T_EQ(last + _as_boot_usable(last), _as_boot_mem + ALLOCSWAP_BOOT_SIZE);
		memset(last, 0xee, _as_boot_usable(last));
	}
	_as_boot_usage(&used, &blocks, &refused);
	T_EQ(used, ALLOCSWAP_BOOT_SIZE);
	T_EQ(blocks, n + 1);

	/* full: everything is refused and counted, nothing handed out twice */
	T_CHECK(_as_boot_alloc(0, 0) == NULL);
	T_CHECK(_as_boot_alloc(0, 1) == NULL);
	T_CHECK(_as_boot_alloc(4096, 1) == NULL);
	T_CHECK(_as_boot_alloc(0, BLOCK) == NULL);
	_as_boot_usage(&used, &blocks, &refused);
	T_EQ(refused, 5);
	T_EQ(blocks, n + 1);
	T_EQ(used, ALLOCSWAP_BOOT_SIZE);

	/* the blocks handed out are intact */
	for (i = 0; i < n; i++)
		if (blk[i][0] != (unsigned char)i || blk[i][BLOCK - 1] != (unsigned char)i ||
		    _as_boot_usable(blk[i]) != BLOCK || !_as_boot_owns(blk[i]))
			bad++;
	T_EQ(bad, 0);
	return t_done();
}
