/* py_churn: native work that allocates without the GIL (ctypes releases
 * it), as numpy or zlib do, forever: py_daemon_exit.sh runs it in a daemon
 * thread while Python finalizes. */
#include <stdlib.h>

void *volatile py_churn_sink;

__attribute__((visibility("default"))) void churn(void)
{
	for (;;) {
		py_churn_sink = malloc(4096);
		free(py_churn_sink);
	}
}
