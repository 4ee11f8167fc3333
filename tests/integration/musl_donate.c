/* musl_donate: musl's loader donates spare pages to malloc; libswap's
 * accounting counts the program's blocks, never the donated pages (musl
 * build only).
 *
 *   musl_donate BACKEND
 *
 * musl 1.2.3, ldso/dynlink.c: reclaim_gaps() hands the unused ends of every
 * writable PT_LOAD page of the program, of the loader and of each library
 * loaded at start-up (LD_PRELOAD ones included) to __malloc_donate
 * (src/malloc/mallocng/donate.c), which turns them into mallocng groups.
 * That happens before __dls3 looks for a replaced malloc
 * (__malloc_replaced), so it happens under libswap too.  The donated slots
 * then serve musl's malloc: libswap's system backend (through
 * dlsym(RTLD_NEXT)) and musl's internal __libc_malloc.  Another backend
 * never sees them.
 *
 * Checks:
 *   - under the system backend, some of the first small blocks lie in the
 *     gap after this program's own writable segment: donation is in use;
 *     under any other backend none does;
 *   - the report's numbers are exact, not relative to a baseline: calls,
 *     requested bytes, live and peak live bytes are what this program asked
 *     for and holds.  Counting the donated pages (a few KiB here), or any of
 *     the loader's own allocations, would break these equalities.
 * Nothing here allocates but the measured calls: no stdio on files, no
 * dlopen (dl_iterate_phdr does not allocate in musl).
 */
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define NBLOCKS 24

static uintptr_t gap_lo, gap_hi; /* this program's donated gap(s): [lo, hi) */

/* The first object is the program: the end of its writable segment up to
 * the end of that page is what the loader donates. */
static int find_gap(struct dl_phdr_info *info, size_t size, void *data)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int i;
	(void)size;
	(void)data;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & (PF_R | PF_W)) != (PF_R | PF_W))
			continue;
		gap_lo = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		gap_hi = (gap_lo + page - 1) & ~(uintptr_t)(page - 1);
	}
	return 1; /* the program only */
}

int main(int argc, char **argv)
{
	static const size_t sizes[NBLOCKS] = {16, 32, 64, 100, 128, 200, 16, 48, 24, 1,
					      300, 500, 1000, 2000, 3000, 40, 56, 72,
					      90, 150, 250, 700, 1500, 4000};
	void *p[NBLOCKS];
	size_t usable[NBLOCKS];
	uint64_t requested = 0;
	int64_t live = 0, peak = 0;
	unsigned i, in_gap = 0, frees = 0, usable_calls = 0;
	int system;

	if (argc != 2) {
		t_say("usage: musl_donate BACKEND, under as_check");
		return 2;
	}
	system = !strcmp(argv[1], "system");
	dl_iterate_phdr(find_gap, NULL);
	T_CHECK(gap_hi > gap_lo);

	for (i = 0; i < NBLOCKS; i++) {
		p[i] = malloc(sizes[i]);
		T_CHECK(p[i] != NULL);
		if (!p[i])
			return t_done();
		usable[i] = malloc_usable_size(p[i]);
		usable_calls++;
		T_CHECK(usable[i] >= sizes[i]);
		it_fill(p[i], usable[i], i);
		in_gap += (uintptr_t)p[i] >= gap_lo && (uintptr_t)p[i] < gap_hi;
		requested += sizes[i];
		live += (int64_t)usable[i];
		if (live > peak)
			peak = live;
	}
	if (system) {
		/* mallocng keeps the size asked: usable == requested */
		for (i = 0; i < NBLOCKS; i++)
			T_EQ(usable[i], sizes[i]);
		T_CHECK(in_gap > 0);
	} else {
		T_EQ(in_gap, 0);
	}
	if (in_gap == 0 && system)
		t_say("no block in the donated gap [%#lx, %#lx)", (unsigned long)gap_lo,
		      (unsigned long)gap_hi);
	/* free every other block: live drops, peak stays */
	for (i = 0; i < NBLOCKS; i += 2) {
		T_CHECK(it_check(p[i], usable[i], i));
		live -= (int64_t)usable[i];
		free(p[i]);
		frees++;
	}

	t_expect("calls.malloc == %u", NBLOCKS);
	t_expect("calls.free == %u", frees);
	t_expect("calls.usable_size == %u", usable_calls);
	t_expect("calls.calloc == 0");
	t_expect("calls.realloc == 0");
	t_expect("calls.aligned == 0");
	t_expect("calls.failed == 0");
	t_expect("bytes.requested == %llu", (unsigned long long)requested);
	t_expect("bytes.live == %lld", (long long)live);
	t_expect("bytes.peak_live == %lld", (long long)peak);
	return t_done();
}
