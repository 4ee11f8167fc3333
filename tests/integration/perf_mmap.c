/* perf_mmap: a known number of large allocations, for the syscall counts.
 *
 *   perf_mmap exact|some|none [N]
 *
 * Allocates and frees N (default 20) blocks of 40 MiB, touching one byte of
 * each.  40 MiB is above the largest mmap threshold glibc ever adapts to
 * (DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB on 64-bit: freeing a mapped chunk
 * raises the threshold only for chunks below that), and above musl's
 * mallocng threshold, so the system allocator of either libc maps and
 * unmaps each block exactly once.  Other backends keep or reuse memory as
 * they like.
 *
 *   exact  the report has exactly N more mmap and munmap calls than the
 *          baseline run (which skips the N blocks), and at least N/2 more
 *          minor faults
 *   some   counts that only have to be there and not below the baseline's
 *   none   nothing about counts (the run where perf cannot count)
 */
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define BIG ((size_t)40 << 20)

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exact";
	int n = argc > 2 ? atoi(argv[2]) : 20, i;
	it_warm_up();
	if (!it_baseline()) {
		for (i = 0; i < n; i++) {
			char *volatile p = malloc(BIG);
			if (!p)
				return 3;
			p[BIG / 2] = 1;
			free(p);
		}
	}
	if (!strcmp(mode, "exact")) {
		t_expect("syscalls.mmap == @baseline+%d", n);
		t_expect("syscalls.munmap == @baseline+%d", n);
		t_expect("faults.minor >= @baseline+%d", n / 2);
	} else if (!strcmp(mode, "some")) {
		t_expect("syscalls.mmap >= @baseline");
		t_expect("syscalls.munmap >= @baseline");
		t_expect("faults.minor >= @baseline");
	}
	if (strcmp(mode, "none")) {
		t_expect("syscalls.brk >= 0");
		t_expect("syscalls.mremap >= 0");
		t_expect("syscalls.madvise >= 0");
		t_expect("perf.task_clock_ns > 0");
	}
	(void)t_done_named; /* the report is what is checked */
	return 0;
}
