/* hello: the smallest program that allocates, for the tests of libswap's
 * start-up (bad configuration, fallback, report files, secure mode).
 *
 *   hello [--secure]   prints "hello", and with --secure "secure=N", the
 *                      process's AT_SECURE flag
 *   hello --exec-self  execs itself (without the option) after its malloc:
 *                      the same pid starts libswap a second time
 */
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "itest.h"

int main(int argc, char **argv)
{
	char *p = malloc(100);
	T_CHECK(p != NULL);
	if (p) {
		strcpy(p, "hello");
		T_STREQ(p, "hello");
	}
	free(p);
	if (argc > 1 && !strcmp(argv[1], "--exec-self")) {
		char *again[] = {argv[0], NULL};
		execv("/proc/self/exe", again);
		return 126;
	}
	if (write(1, "hello\n", 6) != 6)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "--secure")) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "secure=%lu\n", getauxval(AT_SECURE));
		if (write(1, buf, (size_t)n) != n)
			return 1;
	}
	(void)t_done_named; /* no summary line: stderr is checked line by line */
	return t_failed ? 1 : 0;
}
