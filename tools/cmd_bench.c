/* cmd_bench: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_bench[] = "usage: allocswap bench\n";

int as_cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("bench: not implemented yet");
	return 1;
}
