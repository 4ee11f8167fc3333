/* symsites: the allocation sites `allocswap sites` must name (symsites.sh). */
#ifndef ALLOCSWAP_SYMSITES_H
#define ALLOCSWAP_SYMSITES_H

/* Keeps 8 MiB live through fill_table and one_block, allocates and frees
 * 32 MiB through churn_list: static functions of symsites_lib.c, in no
 * dynamic symbol table. */
void symsites_run(void);

#endif
