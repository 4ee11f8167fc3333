/* realloc_grow: a block grown from 1 byte to 4 MiB and shrunk back, in
 * small and in large steps, across every size class and the mmap threshold;
 * the contents survive each step and the usable size always covers the
 * request.  Several blocks are grown in turn so that in-place growth is not
 * always possible.  At the end everything is freed: live bytes return to
 * the baseline, and the report counts each realloc call.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define NBLOCKS 4
#define TOP ((size_t)4 << 20)

static unsigned reallocs;

/* Resizes *p from have to want bytes; the first min(have, want) bytes keep
 * their pattern, the rest gets it. */
static int resize(unsigned char **p, size_t have, size_t want, unsigned seed)
{
	unsigned char *q = realloc(*p, want);
	size_t keep = have < want ? have : want, i;
	reallocs++;
	T_CHECK(q != NULL);
	if (!q)
		return -1;
	T_CHECK(malloc_usable_size(q) >= want);
	for (i = 0; i < keep; i++)
		if (q[i] != it_byte(i, seed))
			break;
	T_EQ(i, keep);
	for (i = keep; i < want; i++)
		q[i] = it_byte(i, seed);
	*p = q;
	return 0;
}

int main(void)
{
	unsigned char *b[NBLOCKS];
	size_t size[NBLOCKS];
	unsigned i, step, mallocs = 0;
	it_warm_up();
	if (!it_baseline()) {
		for (i = 0; i < NBLOCKS; i++) {
			b[i] = malloc(1);
			mallocs++;
			T_CHECK(b[i] != NULL);
			if (!b[i])
				return t_done();
			b[i][0] = it_byte(0, i);
			size[i] = 1;
		}
		/* grow by about 1.25x, the blocks interleaved */
		for (step = 0; size[0] < TOP; step++) {
			for (i = 0; i < NBLOCKS; i++) {
				size_t want = size[i] + size[i] / 4 + 1 + i;
				if (resize(&b[i], size[i], want, i))
					return t_done();
				size[i] = want;
			}
		}
		/* shrink by halves, then to 1 byte */
		while (size[0] > 1) {
			for (i = 0; i < NBLOCKS; i++) {
				size_t want = size[i] / 2 ? size[i] / 2 : 1;
				if (resize(&b[i], size[i], want, i))
					return t_done();
				size[i] = want;
			}
		}
		/* big jumps: small <-> mmap-sized and back */
		for (step = 0; step < 3; step++) {
			for (i = 0; i < NBLOCKS; i++) {
				if (resize(&b[i], size[i], TOP + step * 4096, i) ||
				    resize(&b[i], TOP + step * 4096, 24, i))
					return t_done();
				size[i] = 24;
			}
		}
		/* same size: a no-op that must still be correct */
		for (i = 0; i < NBLOCKS; i++)
			if (resize(&b[i], size[i], size[i], i))
				return t_done();
		for (i = 0; i < NBLOCKS; i++)
			free(b[i]);
		t_expect("calls.realloc == @baseline+%u", reallocs);
		t_expect("calls.malloc == @baseline+%u", mallocs);
		t_expect("calls.free == @baseline+%u", NBLOCKS);
		t_expect("calls.failed == @baseline");
		t_expect("bytes.live == @baseline");
		t_expect("bytes.peak_live >= @baseline+%zu", (size_t)NBLOCKS * TOP);
	}
	return t_done();
}
