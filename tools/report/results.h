/* results: the directory `allocswap bench -o DIR` writes and `report` and
 * `compare` read.  This comment is the contract; add fields freely, rename
 * none.
 *
 * DIR/meta.json  written when the matrix starts, rewritten when it ends:
 *   {"schema": "allocswap.bench/1",
 *    "allocswap": {"version", "commit"},
 *    "command": [argv...], "started": "2026-11-23T04:30:00Z", "finished": ... or null,
 *    "host": {"hostname", "kernel", "cpu", "nproc", "mem_bytes"},
 *    "python": {"path", "version"},
 *    "libcs": {"glibc": "2.36", ...},
 *    "allocators": {"jemalloc": {"version", "path", "libc"}, ...},
 *    "matrix": {"suite": "builtin"|"pyperformance"|"cmd",
 *               "configs": [CONFIG, ...], "benchmarks": [{"name", "group"}, ...],
 *               "runs", "values", "warmups", "loops": {"bench": N, ...}}}
 *
 * CONFIG, one point of the matrix:
 *   {"id": "jemalloc/glibc/host/pymalloc=on/seccomp=default",
 *    "allocator": "jemalloc", "libc": "glibc", "image": "host",
 *    "pymalloc": "on"|"off", "seccomp": "default"|"unconfined"|"none",
 *    "stats": "off"|"counters"|"full", "python": "host"|"musl-os"|...}
 * "stats" is the ALLOCSWAP_STATS its processes get.  It came after the
 * others: a CONFIG without it is "counters" (what bench always gave), and
 * the id names it only when it is not counters (".../seccomp=none/stats=full"),
 * so that every id written before it still means the same configuration.
 * "preload" came after those: "libswap" (the allocator behind libswap.so,
 * what every configuration was before) or "direct" (`bench --reference
 * direct`: the allocator's own library in LD_PRELOAD, no libswap at all, as
 * people use it by hand; system: no preload); the id names it only when
 * direct.  A direct configuration's "stats" is the stats axis's first
 * value, and means nothing for it: there is no libswap to count.
 * "python" came later still, the same way: the Python that ran the suite,
 * "host" (the Python of the host, the one of meta.json's "python") or the
 * name of a Python build ("musl-os", "glibc-o3lto": `allocswap build`), or
 * the path of another interpreter; the id names it only when it is not host
 * (".../seccomp=none/python=musl-os").  meta.json's "pythons" describes
 * each: {"musl-os": {"path", "libc", "version", "flags", "build", "size_bytes",
 * "files", "build_seconds"}, "host": {...}}, with "flags" the build's
 * compiler flags ("-Os", "-O3 lto"), or "distribution" for the host's.
 * "image" is "host", a built image's name ("bookworm": `allocswap image`),
 * a root filesystem's path, or "docker:REF" / "podman:REF"; an image's
 * cells run its own Python and libc (their "python" is "host", meaning the
 * image's own python3).  meta.json's "images" describes each value:
 * {"bookworm": {"name", "runner": "host"|"rootfs"|"docker"|"podman", "ref",
 * "libc", "libc_version", "python", "python_version", "size_bytes", "files",
 * "build_seconds", "built", "suite", "allocators": [...]}, "host": {...}}
 * (launch.h as_launch_image_json; what is not known is absent or null).
 * "seccomp" none is the runner's own (no filter on the host or in a rootfs,
 * the engine's default profile in a container); default is Docker's default
 * profile (the engine's own, or allocswap's libseccomp mirror of it);
 * unconfined is no filter.
 *
 * DIR/runs.jsonl  one line per process, appended (and flushed to disk) the
 * moment it finishes, so an interrupted matrix keeps what it measured:
 *   {"schema": "allocswap.run/1", "bench", "config": "<config id>", "run": i,
 *    "status": "ok"|"failed", "error": "killed by signal 11 (...)" (when failed),
 *    "loops", "values": [seconds per loop, ...], "warmups": [...],
 *    "cpu_values": [seconds per loop, ...], "cpu_warmups": [...]: the built-in
 *             suite's only, one per value, in the same order: the CPU time
 *             (user and system) the benchmark's thread spent in the interval
 *             the value is the wall time of (CLOCK_THREAD_CPUTIME_ID); unlike
 *             the wall time it does not grow with the time spent waiting for
 *             a CPU.  Absent in records written before them, and for the cmd
 *             and pyperformance suites,
 *    "cpu_complete": with cpu_values: false when the benchmark's timed work
 *             also runs on other threads or in child processes (threads_alloc,
 *             startup), whose CPU time cpu_values leave out,
 *    "proc": {"wall_ns", "user_ns", "sys_ns", "maxrss", "minflt", "majflt", "exit",
 *             "source": "engine client" when wait4 saw an engine's client: then
 *             maxrss is the container process's own (its report's VmHWM),
 *             and the signs of contention (launch.h), absent before them and
 *             in a pyperformance record's proc (its worker, as pyperf saw it;
 *             the pyperformance process, with them, is its "invocation"):
 *             "nvcsw", "nivcsw": voluntary and involuntary context switches
 *             (wait4: the process and the descendants it waited for),
 *             "runq_wait_ns": the time the started process's main thread
 *             waited runnable for a CPU (/proc/PID/schedstat; the engine
 *             client's with "source"; null under bwrap or without schedstat),
 *             "steal_ns": the machine's steal time over the run, all CPUs
 *             (/proc/stat, 10 ms steps; null without the column),
 *             "running_start", "running_end": the machine's runnable tasks
 *             just before and after, the launcher included (1: idle; null
 *             when not known)},
 *    "report": the libswap report of the benchmark process (the whole JSON
 *              object of allocswap.report/1), or null,
 *    "stats": the ALLOCSWAP_STATS the process got; null for the allocator
 *             "none" (no libswap); absent before the stats axis: "counters",
 *    "time": unix seconds}
 * A truncated last line (the process was killed mid-write) is ignored by
 * readers; --resume counts the complete lines per (bench, config) and runs
 * the rest.
 *
 * --suite pyperformance: a run is one `pyperformance run -b REQUEST`
 * (an invocation), and it writes one record per pyperf worker process:
 * "worker" (its index), "request" (the -b name; "bench" is pyperf's name,
 * xml_etree_generate for xml_etree), "invocation" (the pyperformance
 * process as the runner saw it), "reports" (its processes' allocators);
 * "values" and "warmups" are pyperf's, per worker (meta.json's matrix
 * "values" and "warmups" are not: pyperf chooses them).  The workers of one
 * invocation ran back to back, not interleaved with the other
 * configurations: readers take an invocation (the records of one bench,
 * config and run) as ONE sample, the mean of its workers' means, and
 * compare nothing with fewer than 2 invocations a side (dataset.c).
 * meta.json's matrix "benchmarks" are the -b names, with "only": the
 * sub-benchmarks kept ("xml_etree_generate,xml_etree_parse") when --bench
 * named those; its suite "venv_home" is where the invocations run (the
 * directory pyperformance keeps its venv under), "venvs" the venv made
 * before the matrix for each Python: {"python", "path", "created",
 * "seconds"}.
 *
 * DIR/summary.json, report.md, report.html  written by `allocswap report`
 * (summary.json's contract is in cmd_report.c).
 */
#ifndef ALLOCSWAP_RESULTS_H
#define ALLOCSWAP_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#define AS_BENCH_SCHEMA "allocswap.bench/1"
#define AS_RUN_SCHEMA "allocswap.run/1"

struct as_config {
	char allocator[64];
	char libc[16];
	char image[64];
	char pymalloc[8];
	char seccomp[16];
	char stats[16]; /* "" reads as "counters" */
	char python[256]; /* "" reads as "host" */
	char preload[16]; /* "" reads as "libswap" */
};

/* The stats mode of configurations that do not name one. */
#define AS_STATS_DEFAULT "counters"

/* The Python of configurations that do not name one. */
#define AS_PYTHON_DEFAULT "host"

/* How the allocator of configurations that do not name it is put in. */
#define AS_PRELOAD_DEFAULT "libswap"

/* "jemalloc/glibc/host/pymalloc=on/seccomp=default", and "/stats=MODE"
 * after it when the mode is not counters, "/python=NAME" when the Python
 * is not host, "/preload=direct" when the allocator is preloaded by
 * itself. */
void as_config_id(const struct as_config *c, char *buf, size_t cap);
json_t *as_config_json(const struct as_config *c);
/* 0, or EINVAL when a field is missing ("stats" may be: counters;
 * "python" may be: host). */
int as_config_from_json(const json_t *j, struct as_config *c);

/* Appends rec as one line to DIR/runs.jsonl and fsyncs; 0 or errno. */
int as_runs_append(const char *dir, const json_t *rec);
/* Calls fn for every record (a JSON object) of DIR/runs.jsonl; stops when
 * fn returns non-zero and returns that.  Every other line is skipped with
 * one line on stderr, "PATH: line N skipped: why", told once per file per
 * process however often it is read: a damaged line, and a last line cut
 * off by an interrupted write (one without its newline is taken when it
 * parses).  Returns ENOENT when the file does not exist, another errno on
 * read errors. */
int as_runs_read(const char *dir, int (*fn)(json_t *rec, void *arg), void *arg);
/* The same for a JSON-lines file at path. */
int as_jsonl_read(const char *path, int (*fn)(json_t *rec, void *arg), void *arg);
/* The same, with the numbers of records taken and lines skipped (either
 * pointer may be NULL). */
int as_jsonl_read_counted(const char *path, int (*fn)(json_t *rec, void *arg), void *arg,
			  unsigned *taken, unsigned *skipped);

/* Writes j to DIR/name whole or not at all (as_file.h); 0 or errno. */
int as_json_write_file(const char *dir, const char *name, const json_t *j);

#endif
