/* cmd_list: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_list[] = "usage: allocswap list\n";

int as_cmd_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("list: not implemented yet");
	return 1;
}
