/* as_perf: perf_event_open counters.  No calls to malloc in this file. */
#include "as_perf.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "as_sys.h"
#include "as_wrappers.h"

/* The first 64 bytes of struct perf_event_attr (PERF_ATTR_SIZE_VER0),
 * spelled out here: musl-gcc has no kernel headers. */
struct perf_attr {
	uint32_t type, size;
	uint64_t config, sample_period, sample_type, read_format, flags;
	uint32_t wakeup_events, bp_type;
	uint64_t config1;
};
_Static_assert(sizeof(struct perf_attr) == 64, "PERF_ATTR_SIZE_VER0");

enum { T_HARDWARE = 0, T_SOFTWARE = 1, T_TRACEPOINT = 2 };
#define F_DISABLED (1ULL << 0)
#define F_INHERIT (1ULL << 1)
#define F_EXCLUDE_KERNEL (1ULL << 5)
#define F_EXCLUDE_HV (1ULL << 6)
#define F_INHERIT_THREAD (1ULL << 35)
#define RF_TIMES 3u /* PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING */
#define FD_CLOEXEC_FLAG 8u /* PERF_FLAG_FD_CLOEXEC */

/* The groups, in the order they are opened: software events first, so that
 * the exclude_kernel and inherit_thread questions are settled on events
 * every kernel has. */
enum { G_FAULTS, G_PERF, G_SYSCALLS, G_HARDWARE, G_N };
static const char *const group_names[G_N] = {"faults", "perf", "syscalls", "hardware"};

/* X(report key, perf's name, group, type, config; tracepoints: index into the tracefs ids) */
#define AS_PERF_EVENTS(X)                                                                          \
	X(minor, "minor-faults", G_FAULTS, T_SOFTWARE, 5)          /* PAGE_FAULTS_MIN */         \
	X(major, "major-faults", G_FAULTS, T_SOFTWARE, 6)          /* PAGE_FAULTS_MAJ */         \
	X(task_clock_ns, "task-clock", G_PERF, T_SOFTWARE, 1)      /* TASK_CLOCK */              \
	X(context_switches, "context-switches", G_PERF, T_SOFTWARE, 3) /* CONTEXT_SWITCHES */    \
	X(mmap, "syscalls:sys_enter_mmap", G_SYSCALLS, T_TRACEPOINT, 0)                            \
	X(munmap, "syscalls:sys_enter_munmap", G_SYSCALLS, T_TRACEPOINT, 1)                        \
	X(mremap, "syscalls:sys_enter_mremap", G_SYSCALLS, T_TRACEPOINT, 2)                        \
	X(brk, "syscalls:sys_enter_brk", G_SYSCALLS, T_TRACEPOINT, 3)                              \
	X(madvise, "syscalls:sys_enter_madvise", G_SYSCALLS, T_TRACEPOINT, 4)                      \
	X(cycles, "cycles", G_HARDWARE, T_HARDWARE, 0)             /* CPU_CYCLES */              \
	X(instructions, "instructions", G_HARDWARE, T_HARDWARE, 1) /* INSTRUCTIONS */            \
	X(cache_misses, "cache-misses", G_HARDWARE, T_HARDWARE, 3) /* CACHE_MISSES */

struct perf_event_info {
	const char *name, *perf_name;
	int group;
	uint32_t type;
	uint64_t config;
};
#define AS_PERF_INFO(name, perf_name, group, type, config) {#name, perf_name, group, type, config},
static const struct perf_event_info events[] = {AS_PERF_EVENTS(AS_PERF_INFO)};
#undef AS_PERF_INFO
#define NEV (sizeof events / sizeof events[0])
#define NSYS 5
_Static_assert(NSYS == AS_WRAP_N, "the wrappers count the tracepoints' syscalls, in their order");

static const char *const tracefs_dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};

static struct {
	int started;
	int fd[NEV];
	int err[G_N];           /* 0: the group is counting */
	char reason[G_N][512];
	int kernel_state;       /* 0 unknown, 1 kernel events counted, 2 exclude_kernel needed */
	int thread_state;       /* 0 unknown, 1 inherit_thread works, 2 kernel lacks it */
	int ids_err;            /* 0 when ids holds the tracepoint ids */
	uint64_t ids[NSYS];
	char ids_reason[512];
	int wrap_err;           /* _as_wrap_hook's answer, when it was asked */
	int hold_fd[NSYS];      /* _as_perf_hold_tracepoints: held while the process lives */
	int hold_asked;         /* _as_perf_hold_tracepoints was called */
	int hold_err;           /* then: 0 held, or the errno of the failure */
	char hold_reason[512];
	char wrap_reason[1536];
	char buf[4096];
	char path[160];
} P;

/* ---- text ------------------------------------------------------------------------ */

struct txt {
	char *b;
	size_t cap, n;
};

static void add(struct txt *t, const char *s)
{
	t->n += _as_strlcpy(t->b + t->n, s, t->cap - t->n);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODEV: return "ENODEV";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case EBUSY: return "EBUSY";
	case E2BIG: return "E2BIG";
	case EIO: return "EIO";
	default: return "an unexpected errno";
	}
}

static int contains(const char *hay, const char *needle)
{
	for (; *hay; hay++)
		if (_as_prefix(hay, needle, NULL))
			return 1;
	return 0;
}

/* Why perf_event_open of what failed with e, into t. */
static void perf_why(struct txt *t, const char *what, int e, int hardware)
{
	int64_t seccomp = -1;
	if (_as_read_file("/proc/self/status", P.buf, sizeof P.buf) > 0)
		seccomp = _as_proc_field(P.buf, "Seccomp");
	add(t, "perf_event_open(");
	add(t, what);
	add(t, ") failed: ");
	if ((e == EPERM || e == EACCES) && seccomp == 2) {
		add(t, "not permitted (");
		add(t, errno_name(e));
		add(t, "), most likely by this process's seccomp filter (Docker's default profile "
		       "blocks perf_event_open)");
	} else if (e == EPERM || e == EACCES) {
		long n = _as_read_file("/proc/sys/kernel/perf_event_paranoid", P.buf, 32);
		add(t, "not permitted (");
		add(t, errno_name(e));
		add(t, "): perf_event_paranoid is ");
		while (n > 0 && (P.buf[n - 1] == '\n' || P.buf[n - 1] == ' '))
			P.buf[--n] = 0;
		add(t, n > 0 ? P.buf : "unreadable");
		add(t, "; needs CAP_PERFMON or a lower kernel.perf_event_paranoid");
	} else if (e == ENOSYS) {
		add(t, "perf_event_open does not exist here (ENOSYS)");
	} else if ((e == ENOENT || e == EOPNOTSUPP) && hardware &&
		   _as_read_file("/sys/bus/event_source/devices/cpu/type", P.buf, 32) < 0) {
		add(t, "unsupported (");
		add(t, errno_name(e));
		add(t, "): no CPU PMU (there is no /sys/bus/event_source/devices/cpu; usual in VMs)");
	} else if (e == ENOENT || e == EOPNOTSUPP) {
		add(t, "unsupported (");
		add(t, errno_name(e));
		add(t, "): the kernel has no such event here");
	} else {
		add(t, errno_name(e));
	}
}

/* ---- tracefs ---------------------------------------------------------------------- */

static void path3(const char *a, const char *b, const char *c)
{
	struct txt t = {P.path, sizeof P.path, 0};
	add(&t, a);
	add(&t, b);
	add(&t, c);
}

/* The name of the i-th syscall tracepoint of the table. */
static const char *sys_name(size_t i)
{
	size_t k;
	for (k = 0; k < NEV; k++)
		if (events[k].group == G_SYSCALLS && events[k].config == i)
			return events[k].name;
	return "?";
}

/* The syscall tracepoint ids, from the first tracefs that has them. */
static int read_ids(void)
{
	struct txt t = {P.ids_reason, sizeof P.ids_reason, 0};
	const char *denied = NULL;
	size_t d, i;
	P.ids_reason[0] = 0;
	for (d = 0; d < sizeof tracefs_dirs / sizeof tracefs_dirs[0]; d++) {
		path3(tracefs_dirs[d], "/events", "");
		if (access(P.path, X_OK)) {
			if (errno == EACCES && !denied)
				denied = tracefs_dirs[d];
			continue;
		}
		for (i = 0; i < NSYS; i++) {
			const char *s;
			long n;
			uint64_t id = 0;
			path3(tracefs_dirs[d], "/events/syscalls/sys_enter_", sys_name(i));
			_as_strlcpy(P.path + _as_strlen(P.path), "/id",
				    sizeof P.path - _as_strlen(P.path));
			n = _as_read_file(P.path, P.buf, 32);
			if (n <= 0 || P.buf[0] < '0' || P.buf[0] > '9') {
				add(&t, "cannot read the tracepoint id ");
				add(&t, P.path);
				add(&t, " (");
				add(&t, errno_name(n < 0 ? (int)-n : EIO));
				add(&t, n == -ENOENT ? "): this kernel has no syscall tracepoints "
						       "(CONFIG_FTRACE_SYSCALLS)"
						     : ")");
				return n < 0 ? (int)-n : EIO;
			}
			for (s = P.buf; *s >= '0' && *s <= '9'; s++)
				id = id * 10 + (uint64_t)(*s - '0');
			P.ids[i] = id;
		}
		return 0;
	}
	if (denied) {
		add(&t, "tracefs at ");
		add(&t, denied);
		add(&t, " is not readable by this user (root-only by default)");
		return EACCES;
	}
	if (_as_read_file("/proc/filesystems", P.buf, sizeof P.buf) > 0 &&
	    !contains(P.buf, "\ttracefs\n")) {
		add(&t, "this kernel has no tracefs");
		return ENOENT;
	}
	add(&t, "tracefs is not mounted at /sys/kernel/tracing or /sys/kernel/debug/tracing, so "
		"the syscall tracepoint ids cannot be read (as root: mount -t tracefs nodev "
		"/sys/kernel/tracing; allocswap run and bench mount it themselves where they "
		"may, as perf does)");
	return ENOENT;
}

/* ---- counters ----------------------------------------------------------------------- */

/* The counters' descriptors are moved up to 512 or above (below a soft
 * RLIMIT_NOFILE of 576 they stay where they are).  At the lowest free
 * numbers they would take the ones a program expects to get next (3, 4...),
 * and a program that closes a range of descriptors and opens files again
 * would more likely be handed one of ours, which libswap reads at exit and
 * closes in a fork child. */
#define HIGH_FD 512

static long move_high(long fd)
{
	struct rlimit rl;
	long hi;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < HIGH_FD + 64)
		return fd;
	hi = fcntl((int)fd, F_DUPFD_CLOEXEC, HIGH_FD);
	if (hi < 0)
		return fd;
	close((int)fd);
	return hi;
}

/* hold: a disabled counter on this thread alone, to hold the event (not to
 * count); otherwise a counter inherited by the threads. */
static long perf_open(uint32_t type, uint64_t config, int hold)
{
	for (;;) {
		struct perf_attr a;
		long fd;
		int e;
		_as_memset(&a, 0, sizeof a);
		a.type = type;
		a.size = sizeof a;
		a.config = config;
		a.read_format = RF_TIMES;
		a.flags = hold ? F_DISABLED | F_EXCLUDE_HV : F_INHERIT | F_EXCLUDE_HV;
		if (P.kernel_state == 2)
			a.flags |= F_EXCLUDE_KERNEL;
		if (P.thread_state != 2 && !hold)
			a.flags |= F_INHERIT_THREAD;
		fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, FD_CLOEXEC_FLAG);
		if (fd >= 0) {
			if (!P.kernel_state)
				P.kernel_state = 1;
			if (!P.thread_state && !hold)
				P.thread_state = 1;
			return hold ? fd : move_high(fd);
		}
		e = errno;
		if ((e == EACCES || e == EPERM) && !P.kernel_state) {
			P.kernel_state = 2;
			continue;
		}
		if (e == EINVAL && !P.thread_state && !hold) {
			P.thread_state = 2;
			continue;
		}
		return -e;
	}
}

static void close_group(int g)
{
	size_t i;
	for (i = 0; i < NEV; i++)
		if (events[i].group == g && P.fd[i] >= 0) {
			close(P.fd[i]);
			P.fd[i] = -1;
		}
}

static void open_group(int g)
{
	struct txt t = {P.reason[g], sizeof P.reason[g], 0};
	size_t i;
	P.reason[g][0] = 0;
	P.err[g] = 0;
	if (g == G_SYSCALLS && P.ids_err) {
		P.err[g] = P.ids_err;
		add(&t, P.ids_reason);
	}
	for (i = 0; i < NEV && !P.err[g]; i++) {
		long fd;
		if (events[i].group != g)
			continue;
		fd = perf_open(events[i].type,
			       g == G_SYSCALLS ? P.ids[events[i].config] : events[i].config, 0);
		if (fd < 0) {
			P.err[g] = (int)-fd;
			perf_why(&t, events[i].perf_name, P.err[g], g == G_HARDWARE);
		} else {
			P.fd[i] = (int)fd;
		}
	}
	if (P.err[g])
		close_group(g);
}

static int open_all(void)
{
	int g, first = 0;
	size_t i;
	for (i = 0; i < NEV; i++)
		P.fd[i] = -1;
	for (g = 0; g < G_N; g++) {
		open_group(g);
		if (P.err[g] && !first && g != G_HARDWARE)
			first = P.err[g];
	}
	/* DESIGN's fallback: count calls to libc's wrappers instead.  Only now
	 * (rewriting slots has a cost and perf sees more), and once: a forked
	 * child keeps its parent's slots. */
	if (P.err[G_SYSCALLS] && !_as_wrap_active())
		P.wrap_err = _as_wrap_hook();
	P.started = 1;
	return first;
}

int _as_perf_start(void)
{
	P.ids_err = read_ids();
	return open_all();
}

void _as_perf_after_fork_child(void)
{
	size_t i;
	if (!P.started)
		return;
	for (i = 0; i < NEV; i++)
		if (P.fd[i] >= 0)
			close(P.fd[i]);
	_as_wrap_after_fork_child();
	open_all();
}

int _as_perf_hold_tracepoints(const char **why)
{
	struct txt t = {P.hold_reason, sizeof P.hold_reason, 0};
	size_t i, k;
	if (P.hold_asked) /* asked before: the same answer */
		goto out;
	P.hold_asked = 1;
	P.hold_err = read_ids();
	P.hold_reason[0] = 0;
	if (P.hold_err) {
		add(&t, P.ids_reason);
		goto out;
	}
	for (i = 0; i < NSYS; i++)
		P.hold_fd[i] = -1;
	for (i = 0; i < NEV && !P.hold_err; i++) {
		long fd;
		if (events[i].group != G_SYSCALLS)
			continue;
		fd = perf_open(events[i].type, P.ids[events[i].config], 1);
		if (fd < 0) {
			P.hold_err = (int)-fd;
			perf_why(&t, events[i].perf_name, P.hold_err, 0);
		} else {
			P.hold_fd[events[i].config] = (int)fd;
		}
	}
	for (k = 0; P.hold_err && k < NSYS; k++)
		if (P.hold_fd[k] >= 0) {
			close(P.hold_fd[k]);
			P.hold_fd[k] = -1;
		}
out:
	if (why)
		*why = P.hold_err ? P.hold_reason : NULL;
	return P.hold_err;
}

void _as_perf_backend_loaded(void)
{
	/* the backend and the libraries it brought in, walked like the rest */
	if (P.started && _as_wrap_active())
		(void)_as_wrap_hook();
}

/* ---- report -------------------------------------------------------------------------- */

static void counted_or_null(struct as_json *j, const char *key, int64_t v)
{
	if (v < 0)
		_as_json_null(j, key);
	else
		_as_json_i64(j, key, v);
}

/* The syscalls group could not count (why): what the libc wrappers saw
 * instead, said to be incomplete, with what they cannot see. */
static void wrappers_json(struct as_json *j, const char *why)
{
	struct txt t = {P.wrap_reason, sizeof P.wrap_reason, 0};
	struct as_wrap_counts c;
	size_t k;
	add(&t, why);
	if (!_as_wrap_active()) {
		if (P.wrap_err == ENOSYS)
			add(&t, "; counting libc wrapper calls instead is implemented for x86-64 only");
		_as_json_str(j, "source", "none");
		_as_json_str(j, "reason", P.wrap_reason);
		return;
	}
	add(&t, "; counted instead: calls to libc's mmap, mmap64, munmap, mremap, brk, sbrk and "
		"madvise through the relocation slots (GOT) of the objects loaded at start-up and "
		"of the allocator backend with its libraries (hooked_objects; mmap64 counts as "
		"mmap, sbrk as brk).  These are calls, not system calls (glibc's sbrk(0) makes "
		"none), and far from all of them: not seen are calls libc makes itself (glibc's "
		"and musl's own malloc map memory internally), objects loaded later with dlopen "
		"(e.g. Python extension modules), what the backend did while it was being loaded "
		"(its constructors), raw syscall() users, and calls through function pointers "
		"kept in static data");
	_as_wrap_read(&c);
	_as_json_str(j, "source", "libc-wrappers");
	_as_json_bool(j, "complete", 0);
	_as_json_str(j, "reason", P.wrap_reason);
	for (k = 0; k < NSYS; k++)
		_as_json_u64(j, sys_name(k), c.calls[k]);
	_as_json_u64(j, "hooked_objects", c.objects);
	_as_json_u64(j, "hooked_slots", c.slots);
	_as_json_u64(j, "skipped_slots", c.skipped);
}

void _as_perf_json(struct as_json *j, int full, int64_t ru_minor, int64_t ru_major)
{
	static const char off_why[] = "perf events are opened only with ALLOCSWAP_STATS=full";
	static const char no_start[] = "perf events were not opened (libswap was not initialized)";
	uint64_t v[NEV];
	int ok[G_N], partial[G_N];
	static const int order[3] = {G_SYSCALLS, G_FAULTS, G_PERF}; /* hardware is in perf */
	int g, any = 0;
	size_t i, k;

	for (g = 0; g < G_N; g++) {
		ok[g] = full && P.started && !P.err[g];
		partial[g] = 0;
	}
	for (i = 0; i < NEV; i++) {
		uint64_t b[3];
		g = events[i].group;
		v[i] = 0;
		if (!ok[g])
			continue;
		if (read(P.fd[i], b, sizeof b) != (ssize_t)sizeof b) {
			struct txt t = {P.reason[g], sizeof P.reason[g], 0};
			ok[g] = 0;
			add(&t, "reading the counter ");
			add(&t, events[i].name);
			add(&t, " failed");
			continue;
		}
		v[i] = b[0];
		if (b[2] < b[1])
			partial[g] = 1; /* multiplexed: not running the whole time */
	}
	for (g = 0; g < G_N; g++)
		any |= ok[g];

	for (k = 0; k < 3; k++) {
		const char *why;
		g = order[k];
		why = !full ? off_why : !P.started ? no_start : P.reason[g];
		_as_json_obj(j, group_names[g]);
		if (ok[g]) {
			_as_json_str(j, "source", "perf");
			_as_json_bool(j, "complete", !partial[g]);
			if (partial[g])
				_as_json_str(j, "reason", "the kernel multiplexed these counters: "
							  "they ran for only part of the time");
			for (i = 0; i < NEV; i++)
				if (events[i].group == g)
					_as_json_u64(j, events[i].name, v[i]);
		} else if (g == G_FAULTS) {
			_as_json_str(j, "source", "rusage");
			if (full)
				_as_json_str(j, "reason", why);
			counted_or_null(j, "minor", ru_minor);
			counted_or_null(j, "major", ru_major);
		} else if (g == G_SYSCALLS && full && P.started) {
			wrappers_json(j, why);
		} else {
			_as_json_str(j, "source", "none");
			_as_json_str(j, "reason", why);
		}
		if (g == G_PERF && full && any) {
			_as_json_bool(j, "exclude_kernel", P.kernel_state == 2);
			_as_json_str(j, "inherit",
				     P.thread_state == 2 ? "threads and children" : "threads");
		}
		if (g == G_PERF) {
			int h = G_HARDWARE;
			_as_json_obj(j, "hardware");
			if (ok[h]) {
				_as_json_str(j, "source", "perf");
				_as_json_bool(j, "complete", !partial[h]);
				for (i = 0; i < NEV; i++)
					if (events[i].group == h)
						_as_json_u64(j, events[i].name, v[i]);
			} else {
				_as_json_str(j, "source", "none");
				_as_json_str(j, "reason",
					     !full ? off_why : !P.started ? no_start : P.reason[h]);
			}
			_as_json_end_obj(j);
		}
		_as_json_end_obj(j);
	}
}
