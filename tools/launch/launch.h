/* launch: start one process under libswap on a runner, and read back what
 * it reported.  Every command that starts a measured process goes through
 * here: run, bench (its cells and its allocator probes), list and doctor
 * (their probes).
 *
 * A runner is one row of the table in launch.c:
 *   host     the process runs here, as it is.
 *   rootfs   a root filesystem directory (an image of `allocswap image`, or
 *            any directory with the program in it), run with bwrap, or with
 *            chroot in a private mount namespace where bwrap is missing.
 *            The image is mounted read-only with a fresh /tmp.
 *   docker,  a real engine, any image it can run (`docker run --rm`).
 *   podman
 * Inside a rootfs or a container, libswap and the report directory are at
 * one fixed path, AS_LAUNCH_DIR:
 *   AS_LAUNCH_DIR/lib/LIBC/libswap.so  read-only, the build for each libc
 *   AS_LAUNCH_DIR/lib/musl/lib*.so*    the musl allocator builds (cross/build.sh),
 *                                  first in a musl image's LD_LIBRARY_PATH: an
 *                                  engine's musl image (Alpine) has none of its own
 *   AS_LAUNCH_DIR/out/             the launcher's directory (dir below), read-write
 *   AS_LAUNCH_DIR/share/           the built-in suite's directory, read-only
 * and the process gets LD_PRELOAD and ALLOCSWAP_* inside (never on bwrap,
 * chroot or the engine's client).  Words of argv that are paths under dir or
 * the suite's directory are rewritten to those paths.
 *
 * seccomp: "none" (or NULL) leaves the runner's own; "default" and
 * "unconfined" are a measured axis: with an engine, its own default profile
 * (docker: Docker's; podman: containers-common's, which differs: it allows
 * keyctl, and fails a syscall it does not list with ENOSYS, not EPERM)
 * against --security-opt seccomp=unconfined; without one, the filter of
 * as_seccomp.h (a mirror of Docker's default profile) installed in the process
 * just before it execs CMD (with bwrap: its --seccomp, so that bwrap's own
 * set-up is not filtered), "unconfined" being nothing.
 *
 * Which report is the process's own: libswap writes one per process that
 * exits through exit() (dir/r-PID.json); the launched process's report is
 * the root of the reports' process tree (its ppid is no other report's pid),
 * preferring the one whose pid or ppid is the started pid (host; bwrap's
 * child) or 1 (a container's init).  The others are its descendants.
 *
 * Time and rusage (wait4) are of the process the launcher started: with an
 * engine, that is the engine's client, and as_launch_result.proc_source
 * says so; maxrss is then the container process's own peak RSS from its
 * report (memory.rss_peak, VmHWM), or 0 without a report.
 *
 * Signs of contention, beside them (what makes wall time longer than the
 * work, on a busy or virtual machine):
 *   nvcsw, nivcsw   voluntary and involuntary context switches (wait4's
 *                   ru_nvcsw, ru_nivcsw: the process and the descendants
 *                   it waited for); involuntary ones are preemptions.
 *   runq_wait_ns    the time the started process's main thread spent
 *                   runnable, waiting for a CPU: the second field of
 *                   /proc/PID/schedstat (run_delay), read when it has
 *                   exited and before it is reaped (waitid WNOWAIT, then
 *                   wait4).  Its other threads and its children are not in
 *                   it.  With an engine it is the engine's client's
 *                   (proc_source); under bwrap, whose monitor process is the
 *                   one started, and wherever schedstat cannot be read, -1.
 *   steal_ns        the machine's steal time between start and end, over all
 *                   CPUs: time a hypervisor gave a vCPU that wanted to run to
 *                   something else (/proc/stat's cpu line, USER_HZ ticks:
 *                   10 ms steps); -1 when /proc/stat has no steal column.
 *   running_start,  runnable tasks on the machine (/proc/stat procs_running)
 *   running_end     just before the fork and just after the reap, this
 *                   launcher included: 1 on an otherwise idle machine; -1
 *                   when not known.
 */
#ifndef ALLOCSWAP_LAUNCH_H
#define ALLOCSWAP_LAUNCH_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define AS_LAUNCH_DIR "/opt/allocswap"

enum as_runner_id { AS_RUNNER_HOST, AS_RUNNER_ROOTFS, AS_RUNNER_DOCKER, AS_RUNNER_PODMAN };

struct as_runner_info {
	const char *name;   /* "host", ... */
	int engine;         /* a container engine (docker, podman) */
	const char *summary; /* one line for list and --help */
};
extern const struct as_runner_info as_runners[]; /* indexed by enum as_runner_id */
extern const size_t as_nrunners;

/* The runner named name, or -1. */
int as_runner_find(const char *name);
/* Whether runner r can start processes here: 1, or 0 with the reason (and
 * what to install or start) in why. */
int as_runner_usable(int r, char *why, size_t cap);

/* What an image is, as the launcher needs it (images.h fills it for built
 * images; as_launch_image_probe for engine images). */
struct as_launch_image {
	int runner;              /* enum as_runner_id */
	char name[128];          /* "host", "bookworm", "docker:python:3.12-alpine" */
	char ref[PATH_MAX];      /* rootfs directory, or the engine's image reference */
	char libc[16];           /* "glibc" or "musl" */
	char libc_version[32];
	char python[PATH_MAX];   /* its python3, inside the image */
	char python_version[32];
};

/* An image of an engine, asked about by running its python3 once (libc and
 * version, python path and version).  0, or an errno value with the reason
 * in why (no python3 in the image, the engine failed, ...). */
int as_launch_image_probe(int runner, const char *ref, struct as_launch_image *img, char *why,
			  size_t cap);
/* One --image value: "host" (img->runner AS_RUNNER_HOST), a built-in
 * image's name (built first when missing and build is set: progress on
 * stderr; else an image not built yet is returned with its libc from the
 * recipe, an empty ref and libc_version: a dry run's), a root
 * filesystem directory, or "docker:REF" / "podman:REF" (asked with
 * as_launch_image_probe).  0; EINVAL or ENOENT for a value that names
 * nothing, another errno value when it names an image that cannot be used
 * here.  why says why, or is "" when images.h already printed the line
 * (a built-in image or a directory: images.h's errors). */
int as_launch_image_resolve(const char *value, struct as_launch_image *img, int build,
			    char *why, size_t cap);

/* img for meta.json and reports: {"name", "runner", "ref", "libc",
 * "libc_version", "python", "python_version"} plus, for a built image or a
 * rootfs directory, images.h's facts (as_image_json: size_bytes, files,
 * build_seconds, built, suite, allocators...) and, for an engine's image,
 * "size_bytes" as the engine reports it (null when it does not answer).
 * Caller owns it. */
json_t *as_launch_image_json(const struct as_launch_image *img);

/* Whether this libswap build can load in img: a glibc libswap needs the
 * image's glibc to be at least the newest GLIBC_x.y it asks for.  1, or 0
 * with the reason in why. */
int as_launch_libswap_fits(const char *libswap, const struct as_launch_image *img, char *why,
			   size_t cap);

/* One launch. */
struct as_launch_cfg {
	const struct as_launch_image *image; /* NULL: the host */
	const char *libc;       /* "glibc" or "musl": whose libswap (NULL: glibc, or the image's) */
	const char *allocator;  /* ALLOCSWAP_ALLOCATOR (a name or a path); NULL: no libswap */
	const char *direct;     /* with no allocator: a library put in LD_PRELOAD by itself
				 * (an allocator without libswap: bench --reference direct);
				 * the host runner only */
	const char *stats;      /* ALLOCSWAP_STATS; NULL: libswap's default */
	const char *pymalloc;   /* "off": PYTHONMALLOC=malloc; "on": PYTHONMALLOC removed; NULL */
	const char *seccomp;    /* NULL or "none", "default", "unconfined" */
	const char *counters;   /* ALLOCSWAP_COUNTERS (a path under dir), or NULL */
	char *const *argv;      /* argv[0] searched in PATH (the image's, inside one) */
	char *const *env;       /* the host runner's environment (NULL: environ) */
	char *const *set;       /* NULL-terminated "NAME=VALUE" set in every runner, or NULL */
	const char *in, *out, *err; /* files for fds 0, 1, 2 (NULL: inherited) */
	int own_group;          /* a process group of its own; the bench's signal policy */
	void (*watch)(pid_t pid, void *arg); /* called while it runs (timeline) */
	void *watch_arg;
};

struct as_launch_result {
	pid_t pid;
	int status;             /* as from wait4 */
	int interrupted;        /* a signal asked the launcher to stop while it ran */
	int64_t wall_ns, user_ns, sys_ns, maxrss, minflt, majflt;
	int64_t nvcsw, nivcsw;  /* contention: see the comment at the top */
	int64_t runq_wait_ns, steal_ns; /* -1: not known */
	int running_start, running_end; /* -1: not known */
	const char *proc_source; /* "process", or "engine client" */
	json_t *report;         /* the process's own report, or NULL (owned) */
	json_t *reports;        /* every report, an array (owned) */
	size_t others;          /* reports of other processes */
	char report_path[PATH_MAX]; /* where report was read from (host path) */
};

/* The launcher's state for one command: dir is the caller's scratch
 * directory (reports go there), kept and not removed by the launcher.
 * suite_dir: a host directory to expose read-only (NULL: none). */
struct as_launcher {
	char dir[PATH_MAX];
	char stage[PATH_MAX]; /* dir/.stage: what AS_LAUNCH_DIR shows in images */
	char suite_dir[PATH_MAX];
	int staged;
	int musl_allocs; /* musl allocator builds staged in lib/musl */
};
int as_launcher_init(struct as_launcher *L, const char *dir, const char *suite_dir);
void as_launcher_free(struct as_launcher *L);

/* Starts cfg's process, waits for it (calling watch), and reads the reports
 * libswap left in L->dir (removing them).  0, or an errno value when it
 * could not be started at all (r->status 127 and 0 when argv[0] cannot be
 * run: as a shell would).  With own_group, the signals of
 * as_launch_signals_install are forwarded to the process group (SIGKILL
 * after 2 s or on a second signal). */
int as_launch(struct as_launcher *L, const struct as_launch_cfg *cfg, struct as_launch_result *r);
void as_launch_result_free(struct as_launch_result *r);
/* r's signs of contention into proc (a run record's "proc", results.h):
 * "nvcsw", "nivcsw", "runq_wait_ns", "steal_ns", "running_start",
 * "running_end", null where not known. */
void as_launch_contention_json(json_t *proc, const struct as_launch_result *r);

/* Whether report says the configuration asked for really ran: the
 * allocator (not a fallback, its library mapped), the libc, the stats
 * mode.  0, or 1 with the reason in why ("jemalloc was asked for, system
 * ran ..."). */
int as_launch_check(const struct as_launch_cfg *cfg, const json_t *report, char *why,
		    size_t cap);

/* SIGINT/SIGTERM/SIGHUP: the first is passed to the running own_group
 * child's group and makes as_launch_stopped() true; a second kills it. */
void as_launch_signals_install(void);
int as_launch_stopped(void);

#endif
