/* cmd_run: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_run[] = "usage: allocswap run\n";

int as_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("run: not implemented yet");
	return 1;
}
