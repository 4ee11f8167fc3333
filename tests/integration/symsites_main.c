/* symsites: see symsites_lib.c and symsites.sh. */
#include "symsites.h"

int main(void)
{
	symsites_run(); /* SITE:main */
	return 0;
}
