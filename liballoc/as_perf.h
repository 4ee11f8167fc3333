/* as_perf: perf_event_open counters on the measured process (ALLOCSWAP_STATS=full).
 *
 * _as_perf_start() (from _as_init, before the backend is loaded) opens one
 * counting event per entry of AS_PERF_EVENTS on this process: pid 0, any
 * CPU, inherit=1 with inherit_thread=1, so threads created later are
 * counted and forked children are not (kernels older than 5.13 lack
 * inherit_thread: then the exited children's counts are added to the
 * parent's, and the report says "inherit": "threads and children").  The
 * events come in groups, each reported as a whole or not at all:
 *
 *   syscalls  tracepoints syscalls:sys_enter_{mmap,munmap,mremap,brk,madvise};
 *             their ids are read from tracefs (/sys/kernel/tracing, then
 *             /sys/kernel/debug/tracing) at start-up, never hard-coded
 *   faults    software page-faults-min, page-faults-maj
 *   perf      software task-clock (ns) and context-switches
 *   hardware  cycles, instructions, cache-misses (none on most VMs)
 *
 * A group that cannot be opened completely (tracefs not mounted or not
 * readable, perf_event_open refused by a seccomp filter, by
 * perf_event_paranoid, ENOSYS, no CPU PMU) is closed and reported with
 * "source": "none" and the exact reason; faults then come from getrusage
 * ("source": "rusage").  Counts are never partial: a counter that was not
 * running the whole time (multiplexed) makes its group "complete": false.
 * The kernel is asked first to count kernel-mode events too (exclude_kernel
 * 0, as perf stat does as root); where that is refused it retries with
 * exclude_kernel=1 and the report says "exclude_kernel": true.
 * When the syscalls group cannot count, and only then, DESIGN's fallback
 * takes over (as_wrappers.h): the GOT slots of libc's mmap, munmap, mremap,
 * brk, sbrk and madvise are rewritten to counting wrappers in every object
 * loaded at start-up, and again, by _as_perf_backend_loaded(), in the
 * allocator backend and the libraries it brought in.  The report then says
 * "source": "libc-wrappers", "complete": false, the counts, how many
 * objects were hooked, and a reason that keeps perf's and names what the
 * wrappers cannot see (libc's own calls, so glibc's and musl's malloc;
 * objects dlopen-ed later; raw syscall()).  With perf counting nothing is
 * rewritten.
 *
 * After fork the child closes the parent's descriptors and opens fresh
 * counters, so its report counts from the fork, like its other counters;
 * the wrappers' counts start from zero there too (the rewritten slots are
 * inherited with the memory).  Descriptors are close-on-exec.
 *
 * No calls to malloc in this file: counters are opened with the raw
 * syscall, ids read with as_sys helpers, and all state is one static struct.
 */
#ifndef ALLOCSWAP_AS_PERF_H
#define ALLOCSWAP_AS_PERF_H

#include <stdint.h>

#include "as_json.h"

/* Opens the counters; returns 0 when every group is counting, otherwise the
 * first errno seen (the reasons are kept for the report). */
int _as_perf_start(void);

/* In a forked child: drop the parent's counters and open the child's own. */
void _as_perf_after_fork_child(void);

/* After the backend is loaded: hooks the objects it brought in, when the
 * libc wrappers are counting instead of perf. */
void _as_perf_backend_loaded(void);

/* For a process that starts others in full mode (the allocswap CLI; libswap
 * never calls it): opens on the calling thread one disabled counter on each
 * syscall tracepoint of the table, and keeps them open for the life of the
 * process.  The kernel unregisters a tracepoint from perf when its last
 * perf event is freed, and then waits for RCU grace periods
 * (perf_trace_event_unreg: tracepoint_synchronize_unregister), about 40 ms
 * a tracepoint on a 2-CPU VM with kernel 6.18, 0.2 s for the five, which a
 * process in full mode paid at exit, after its report and before its parent
 * could reap it.  While these are held, its events are never the last.
 * Returns 0 when all are held, else the errno of the first failure with
 * *why (if why) the reason in the report's words; a second call returns the
 * first one's answer.  Close-on-exec, not inherited: they count nothing. */
int _as_perf_hold_tracepoints(const char **why);

/* Writes "syscalls", "faults" and "perf" into the report object open in j.
 * full: perf counters were asked for (ALLOCSWAP_STATS=full); otherwise
 * syscalls and perf say why not.  ru_minor/ru_major: getrusage's figures
 * (-1 unknown), used when the faults group is not counting. */
void _as_perf_json(struct as_json *j, int full, int64_t ru_minor, int64_t ru_major);

#endif
