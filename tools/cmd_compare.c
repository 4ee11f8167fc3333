/* cmd_compare: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_compare[] = "usage: allocswap compare\n";

int as_cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("compare: not implemented yet");
	return 1;
}
