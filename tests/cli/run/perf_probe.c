/* perf_probe: opens the two perf events `allocswap list` and `doctor`
 * report on, independently of them, and prints what happened:
 *   software ok|no ERRNAME
 *   hardware ok|no ERRNAME
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void try(const char *what, unsigned type, unsigned long long config)
{
	struct perf_event_attr a;
	long fd;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = type;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd >= 0) {
		printf("%s ok\n", what);
		close((int)fd);
	} else {
		printf("%s no %s\n", what, strerrorname_np(errno));
	}
}

int main(void)
{
	try("software", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	try("hardware", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
	return 0;
}
