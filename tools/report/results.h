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
 *    "proc": {"wall_ns", "user_ns", "sys_ns", "maxrss", "minflt", "majflt", "exit",
 *             "source": "engine client" when wait4 saw an engine's client: then
 *             maxrss is the container process's own (its report's VmHWM)},
 *    "report": the libswap report of the benchmark process (the whole JSON
 *              object of allocswap.report/1), or null,
 *    "stats": the ALLOCSWAP_STATS the process got; null for the allocator
 *             "none" (no libswap); absent before the stats axis: "counters",
 *    "time": unix seconds}
 * A truncated last line (the process was killed mid-write) is ignored by
 * readers; --resume counts the complete lines per (bench, config) and runs
 * the rest.
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
};

/* The stats mode of configurations that do not name one. */
#define AS_STATS_DEFAULT "counters"

/* The Python of configurations that do not name one. */
#define AS_PYTHON_DEFAULT "host"

/* "jemalloc/glibc/host/pymalloc=on/seccomp=default", and "/stats=MODE"
 * after it when the mode is not counters, "/python=NAME" when the Python
 * is not host. */
void as_config_id(const struct as_config *c, char *buf, size_t cap);
json_t *as_config_json(const struct as_config *c);
/* 0, or EINVAL when a field is missing ("stats" may be: counters;
 * "python" may be: host). */
int as_config_from_json(const json_t *j, struct as_config *c);

/* Appends rec as one line to DIR/runs.jsonl and fsyncs; 0 or errno. */
int as_runs_append(const char *dir, const json_t *rec);
/* Calls fn for every complete record of DIR/runs.jsonl (a truncated last
 * line is skipped); stops when fn returns non-zero and returns that.
 * Returns ENOENT when the file does not exist, another errno on read
 * errors. */
int as_runs_read(const char *dir, int (*fn)(json_t *rec, void *arg), void *arg);
/* The same for a JSON-lines file at path (a damaged line in the middle is
 * skipped with a warning). */
int as_jsonl_read(const char *path, int (*fn)(json_t *rec, void *arg), void *arg);

/* Writes j to DIR/name atomically (temp file + rename); 0 or errno. */
int as_json_write_file(const char *dir, const char *name, const json_t *j);

#endif
