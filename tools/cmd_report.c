/* cmd_report: PLACEHOLDER, to be replaced by its implementation. */
#include "cli.h"

const char as_usage_report[] = "usage: allocswap report\n";

int as_cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	as_err("report: not implemented yet");
	return 1;
}
