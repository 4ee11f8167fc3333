/* symsites_lib: allocation sites in static functions of their own
 * translation unit, which the dynamic linker cannot name (the program
 * exports nothing): `allocswap sites` must find them in the DWARF.  The
 * lines marked SITE:NAME are where symsites.sh expects each frame. */
#include <stdlib.h>

#include "symsites.h"

#define BLOCK 4096
#define KEEP (8 * 1024 * 1024 / BLOCK)
#define CHURN (32 * 1024 * 1024 / BLOCK)

static void *kept[KEEP];

/* inlined into fill_table: a frame of its own in the names */
static inline __attribute__((always_inline)) void *one_block(void)
{
	return malloc(BLOCK); /* SITE:one_block */
}

static __attribute__((noinline)) void fill_table(void)
{
	unsigned i;
	for (i = 0; i < KEEP; i++) {
		kept[i] = one_block(); /* SITE:fill_table */
		if (!kept[i])
			exit(3);
	}
}

static __attribute__((noinline)) void churn_list(void)
{
	unsigned i;
	for (i = 0; i < CHURN; i++) {
		char *volatile p = malloc(BLOCK); /* SITE:churn_list */
		if (!p)
			exit(3);
		p[0] = (char)i;
		free(p);
	}
}

void symsites_run(void)
{
	fill_table(); /* SITE:run_fill */
	churn_list(); /* SITE:run_churn */
}
