/* as_tracefs: tracefs and the syscall tracepoints, for the processes that
 * run, bench and doctor start or probe in full mode.
 *
 * libswap counts mmap, munmap, mremap, brk and madvise with perf events on
 * the tracepoints syscalls:sys_enter_*, whose ids it reads from tracefs
 * (as_perf.h).  A freshly booted machine has no tracefs mounted, and libswap
 * mounts nothing: its report then falls back to the libc wrappers, with the
 * reason.  perf stat mounts tracefs itself; so does allocswap, here:
 *
 * as_tracefs_mount() looks for tracefs where libswap reads it
 * (/sys/kernel/tracing, then /sys/kernel/debug/tracing); when it is in
 * neither, it mounts it at /sys/kernel/tracing as perf does (debugfs at
 * /sys/kernel/debug on a kernel without that directory), which needs root or
 * CAP_SYS_ADMIN, and says so once on stderr.  The mount stays after
 * allocswap exits, as perf's does.  When it may not mount, it says nothing:
 * the report's syscalls.reason and `allocswap doctor` say what to run.
 *
 * as_tracefs_ready() does that, then holds the five tracepoints open for the
 * life of this process (_as_perf_hold_tracepoints): without that, every
 * process in full mode waited about 0.2 s at exit while the kernel
 * unregistered the tracepoints its events were the last users of.  At
 * this process's own exit the held events go to a detached child, which
 * waits for this process to be gone and pays that wait instead.
 *
 * Each asks once per process; later calls return the first answer.
 */
#ifndef ALLOCSWAP_AS_TRACEFS_H
#define ALLOCSWAP_AS_TRACEFS_H

enum as_tracefs_state {
	AS_TRACEFS_WAS_MOUNTED, /* found mounted */
	AS_TRACEFS_MOUNTED_NOW, /* mounted by this process */
	AS_TRACEFS_NOT_MOUNTED, /* not mounted, and mounting it failed: why */
	AS_TRACEFS_NONE,        /* the kernel has no tracefs: why */
};

struct as_tracefs {
	enum as_tracefs_state state;
	char path[64];     /* where the tracepoints are, when mounted */
	char why[256];     /* NOT_MOUNTED, NONE: why not */
	const char *todo;  /* NOT_MOUNTED: what to run */
	int held;          /* as_tracefs_ready: the tracepoints are held */
	char hold_why[512]; /* as_tracefs_ready, not held: why not */
};

/* Finds tracefs or mounts it (see above). */
const struct as_tracefs *as_tracefs_mount(void);

/* as_tracefs_mount(), then holds the syscall tracepoints (see above). */
const struct as_tracefs *as_tracefs_ready(void);

/* as_tracefs_ready() when one of the NULL-terminated stats modes is full. */
void as_tracefs_ready_for(char *const *stats_modes);

/* For bwrap, which makes a root of its own from an image: the path to bind
 * read-only at the same place in the image, "/sys/kernel/tracing", when
 * tracefs is mounted there here and the image root has a /sys directory
 * (bwrap puts a tmpfs there, and the mount point in it: nothing is written
 * into the image); NULL otherwise.  Without it libswap in the image finds
 * no tracefs and counts calls to libc's wrappers instead. */
const char *as_tracefs_for_image(const char *root);

#endif
