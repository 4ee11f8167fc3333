/* cmd_doctor: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_doctor[] = "usage: allocswap doctor\n";

int as_cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("doctor: not implemented yet");
	return 1;
}
