/* nop: a shared object that is not an allocator.  As ALLOCSWAP_ALLOCATOR it
 * must be refused (exit 127: it does not export malloc and free of its
 * own); in LD_PRELOAD next to libswap it is a harmless neighbour that
 * ALLOCSWAP_CHILDREN=0 must leave in place. */
__attribute__((visibility("default"))) int as_test_nop(void);
__attribute__((visibility("default"))) int as_test_nop(void)
{
	return 42;
}
