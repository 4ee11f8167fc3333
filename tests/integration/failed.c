/* failed: failed requests are counted as calls and in calls.failed, never
 * in bytes.requested (one malloc(PTRDIFF_MAX) would otherwise swamp or wrap
 * the sum; CPython's own tests make such calls on purpose).
 *
 * Both runs allocate and free the same small block; the real run adds a
 * failing malloc and a failing realloc of that block, which stays valid. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

/* the block stays valid when realloc fails: reading it is the point */
#if defined(__GNUC__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif

int main(void)
{
	volatile size_t huge = (size_t)PTRDIFF_MAX - 4096;
	char *keep = malloc(64);
	T_CHECK(keep != NULL);
	if (!keep)
		return t_done();
	memset(keep, 'k', 64);
	if (!it_baseline()) {
		void *r;
		T_ERR(r = malloc(huge), ENOMEM);
		T_CHECK(r == NULL);
		T_ERR(r = realloc(keep, huge), ENOMEM);
		T_CHECK(r == NULL);
		T_CHECK(keep[0] == 'k' && keep[63] == 'k');
		t_expect("calls.failed == @baseline+2");
		t_expect("calls.malloc == @baseline+1");
		t_expect("calls.realloc == @baseline+1");
		t_expect("bytes.requested == @baseline");
		t_expect("bytes.live == @baseline");
	}
	free(keep);
	return t_done();
}
