/* bench: the pieces of `allocswap bench` (cmd_bench.c drives them).
 *
 *   bench_libc.c      the libc axis: allocators per libc, the Pythons per
 *                     libc and their builds, the probes per libc
 *   bench_matrix.c    the axes of the matrix (allocator, libc, image,
 *                     pymalloc, seccomp, stats) as one table, the configurations as
 *                     their cross product, the interleaved order of the
 *                     processes, and how a configuration becomes an
 *                     environment (and, for later images, an argv prefix)
 *   bench_suite.c     the suites (builtin, pyperformance, cmd) as one table:
 *                     what they offer, calibration, the argv of one process,
 *                     and how its output becomes run records
 *   bench_pyperf.c    pyperf's JSON format -> run records (pure; unit-tested)
 *   bench_resume.c    --resume: the matrix from meta.json, checked against the
 *                     command line, and what runs.jsonl already has
 *   bench_proc.c      one process in its own process group, stdout and stderr
 *                     in files, interruption (SIGINT, SIGTERM, SIGHUP), the
 *                     libswap reports of a run, the allocator probe
 *   bench_meta.c      meta.json: where the results came from
 *   bench_progress.c  the progress line with its ETA
 *   bench_opts.c      the options: the table --help is written from, parsed
 *                     into a struct bench_request
 *
 * The order (DESIGN.md section 6): processes are the samples, and
 * configurations are interleaved process by process.  For run r = 0..runs-1,
 * for each benchmark b, every configuration runs once, in the order of the
 * configuration list rotated by r + b, so that no configuration is always
 * first and drift between rounds hits every configuration alike.  Warm-up
 * processes (--warmup-runs) are rounds r < 0 in the same order and are not
 * recorded.
 *
 * Records follow results.h.  Fields added here, beyond the contract:
 *   "seq"       the position of the process in this invocation's order
 *   "proc":     "runner_ns": the runner's own time for this process (spawn
 *               preparation, reading its output and report), not counting
 *               the write of the record; "signal" when killed by one
 *   "child_reports": reports written by other processes of the same run
 *               (subprocesses the benchmark started), counted, not embedded
 *   "request"   (pyperformance) the -b name that produced the record;
 *               "worker": index of pyperf's worker process
 */
#ifndef ALLOCSWAP_BENCH_H
#define ALLOCSWAP_BENCH_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "builds.h"
#include "launch.h"
#include "cli.h"
#include "results.h"

/* "allocswap bench: <msg>" on stderr. */
void bench_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the matrix ------------------------------------------------------------ */

enum bench_suite_id { BENCH_SUITE_BUILTIN, BENCH_SUITE_PYPERFORMANCE, BENCH_SUITE_CMD };

/* The libcs a matrix can have, in as_libcs[] order (glibc, musl). */
#define BENCH_NLIBCS 2

/* What the probe found for one allocator under one libc. */
struct bench_alloc_libc {
	int probed, ok;
	char version[256];
	char path[PATH_MAX];
	char libc_version[32];
};

/* One value of the allocator axis. */
struct bench_alloc {
	char name[64];      /* the config's "allocator" field */
	char spec[PATH_MAX]; /* what ALLOCSWAP_ALLOCATOR gets; "" for none (no preload) */
	/* filled by the probe: under the first libc it loads in */
	char version[256];
	char path[PATH_MAX];
	char libc[16];
	char libc_version[32];
	struct bench_alloc_libc by[BENCH_NLIBCS]; /* per libc, as_libcs[] order */
};

struct bench_cfg {
	struct as_config c;
	char id[256];
	char label[160]; /* for people: the allocator and the axes that vary */
	size_t alloc;    /* index into bench_matrix.allocs */
	size_t py;       /* index into bench_matrix.pythons (0 for the cmd suite) */
	size_t img;      /* index into bench_matrix.images */
};

struct bench_bench {
	char *name, *group;
	char *cmd; /* --suite cmd: the shell command */
	unsigned long loops;
	/* --suite pyperformance: the sub-benchmarks of this -b name to keep
	 * (comma-separated: "xml_etree_generate"), "" for all (bench_pyperf_sub) */
	char only[512];
	/* progress: seconds per process seen so far */
	double sum_s;
	unsigned n_s;
};

/* The non-allocator axes.  stats is libswap's own ALLOCSWAP_STATS: not a
 * property of the program under test but what measuring it costs, so it is
 * last (it varies fastest, and a mode's configurations sit next to each
 * other's in the order).  python's values are resolved per libc
 * (builds.h): "default" is host under glibc and the os build under musl;
 * a cell whose Python is of another libc than the cell's is left out of
 * the cross product, and so is an allocator that has no build for a libc
 * (liballoc's table, or the probe). */
/* preload: libswap, and with --reference direct also direct (results.h):
 * a direct cell is made for host cells of allocators with a library, once,
 * at the stats axis's first value. */
enum bench_axis_id { BENCH_AX_LIBC, BENCH_AX_IMAGE, BENCH_AX_PYMALLOC, BENCH_AX_SECCOMP,
		     BENCH_AX_PYTHON, BENCH_AX_PRELOAD, BENCH_AX_STATS, BENCH_NAXES };

struct bench_matrix {
	enum bench_suite_id suite;
	struct bench_alloc *allocs;
	size_t nallocs;
	char **axis[BENCH_NAXES]; /* NULL-terminated value lists (as_split_list blocks) */
	struct bench_cfg *cfgs;
	size_t ncfgs;
	struct bench_bench *benches;
	size_t nbenches;
	unsigned long runs, values, warmups, warmup_runs;
	/* memory processes per cell (bench_cfg_memory): ALLOCSWAP_STATS=counters,
	 * interleaved with the timed ones, for the figures that need counting */
	unsigned long memory_runs;
	double until, budget_s; /* --until (a fraction) and --budget (seconds); 0: not adaptive */
	char clock[8];          /* --time: auto, wall, cpu (summary.h as_clocks) */
	double target_ms;
	char python[PATH_MAX]; /* the first Python: calibration and the suite's list */
	struct as_python *pythons; /* every Python of the matrix, resolved */
	size_t npythons;
	struct as_launch_image *images; /* the image axis's values, resolved (runner host for "host") */
	size_t nimages;
	unsigned char *img_ok; /* img_ok[alloc * nimages + image]: the allocator loads there */
	long *pymap; /* pymap[v * BENCH_NLIBCS + l]: the python of axis value v under libc l, or -1 */
	char libswap[PATH_MAX];
	char libswap_musl[PATH_MAX];
	char suite_path[PATH_MAX];
	char scratch[PATH_MAX]; /* a private temporary directory for probes and calibration */
	char *pyperf_args; /* extra arguments for `pyperformance run`, or NULL */
	int fast;          /* --quick: pyperformance gets --fast */
	json_t *shard;     /* --shard K: meta.json's "shard" (bench_shard.c), or NULL */
};

/* Appends a benchmark (strings copied); 0 or ENOMEM. */
int bench_add(struct bench_matrix *m, const char *name, const char *group, const char *cmd);
int bench_has(const struct bench_matrix *m, const char *name);
/* Frees what the matrix holds and zeroes it. */
void bench_matrix_free(struct bench_matrix *m);

/* The axis table: name, option, values it knows, and for each value that
 * does not run here yet, why.  Returns the axis's name, or NULL. */
const char *bench_axis_name(enum bench_axis_id a);
const char *bench_axis_default(enum bench_axis_id a, enum bench_suite_id s, int quick);
/* Checks every value of list against the axis: 0, or 2 after one error line
 * (unknown value: the valid ones; known but not here: why). */
int bench_axis_check(enum bench_axis_id a, char *const *list);

/* Builds m->cfgs as the cross product allocators x libc x image x pymalloc
 * x seccomp x python x stats (allocator outermost), without the cells that
 * cannot run (see the axes above).  0, ENOMEM, or 2 after an error line
 * when no cell is left. */
int bench_configs(struct bench_matrix *m);

/* Resolves the image axis into m->images (launch.h; built-in images are
 * built when missing, except in a dry run), checking that libswap can
 * load in each.  lenient
 * (the axis is --quick's default): an image that cannot be built or run
 * here is dropped with a note instead.  0, or 2 after an error line. */
int bench_images_resolve(struct bench_matrix *m, int lenient, int dry_run);

/* Index of libc in as_libcs[], or -1. */
int bench_libc_index(const char *libc);
/* Can allocator a run under libc (liballoc's table; a path or "none" runs
 * anywhere; and not refused by a probe)? */
int bench_alloc_runs_on(const struct bench_alloc *a, const char *libc);
/* Resolves the python axis against the libc axis into m->pythons and
 * m->pymap; the cmd suite gets none.  0, or 2 after an error line. */
int bench_pythons_resolve(struct bench_matrix *m);
/* Builds what the matrix needs and is not cached (musl allocators, Python
 * builds), with progress on stderr.  0, or 1 after an error line. */
int bench_builds_ready(struct bench_matrix *m, int dry_run);
/* The libc axis before the probes: the libswap of musl is there when musl
 * is asked for (and musl is not asked of the cmd suite), the Pythons are
 * resolved and, unless dry_run, built.  When the libc axis is the default
 * (libc_given 0: --quick's glibc,musl), musl cells that cannot be built
 * here are left out with a note instead.  0, 1 or 2 after an error line. */
int bench_libc_ready(struct bench_matrix *m, int dry_run, int libc_given);
/* -a LIST into m->allocs (every backend of liballoc's table when list is
 * NULL): none, a table name, or a .so path (LABEL=PATH names it); each
 * once.  *explicit_: a list was given.  0, ENOMEM, or 2 after an error
 * line (bench_matrix.c). */
int bench_allocs_parse(struct bench_matrix *m, const char *list, int *explicit_);
/* A label (an allocator's, a --cmd's --name): 1 to 63 letters, digits and
 * _ - . +; 1 when s is one. */
int bench_label_valid(const char *s);
/* Probes every allocator under every libc of the matrix that it has a
 * build for; drops what does not load and was not asked for by name (an
 * allocator asked for by name must load under at least one libc; under
 * another its cells are left out, with a note).  A dry run does not probe
 * under a libc whose Python is not built yet.  0 or 2 after an error line. */
int bench_probe_allocs(struct bench_matrix *m, int explicit_, int quiet, int dry_run);

/* Probes every allocator (after bench_probe_allocs) in every image of the
 * matrix that is not the host, with the image's python3: one that does not
 * load there has its cells in that image left out, with a note.  A dry run
 * probes nothing.  0, or 128+signal when interrupted. */
int bench_probe_images(struct bench_matrix *m, int quiet, int dry_run);

/* What the timed processes run and where the memory figures come from
 * (DESIGN.md section 8).  A timed process should pay nothing for being
 * measured: the stats axis defaults to off, which times the allocator
 * alone (one indirect jump a call).  Its peak RSS is the kernel's, free.
 * Figures that need counting (live and peak live heap, fragmentation,
 * the request histogram, syscalls) come from memory processes: for each
 * cell whose timed processes run off under libswap, memory_runs more
 * processes of the same configuration with ALLOCSWAP_STATS=counters,
 * recorded with "role": "memory" and never used as time samples.  Memory
 * round k runs after timed round (k + 1) * runs / (memory_runs + 1) - 1,
 * in the same rotated order, so they are interleaved like the timed ones.
 * A cell timed in counters or full counts itself and gets none; so does a
 * cell without libswap (none). */
#define BENCH_MEMORY_STATS "counters"
int bench_cfg_memory(const struct bench_matrix *m, const struct bench_cfg *c);
/* c preloads its allocator by itself, without libswap (preload direct). */
int bench_cfg_direct(const struct bench_cfg *c);

/* One process of the plan.  run < 0 is a warm-up round (not recorded);
 * memory: a memory process (run is its index among the cell's memory
 * processes). */
struct bench_slot {
	long run;
	size_t bench, cfg;
	int memory;
};

/* The ALLOCSWAP_STATS of slot s's process: its configuration's, or
 * BENCH_MEMORY_STATS for a memory process. */
const char *bench_slot_stats(const struct bench_matrix *m, const struct bench_slot *s);

/* Processes recorded per cell: runs timed, then memory_runs memory ones. */
static inline size_t bench_cell_slots(const struct bench_matrix *m)
{
	return m->runs + m->memory_runs;
}

/* One more timed round r (>= runs: an adaptive round) of the benchmarks b
 * with only[b] set, in the usual rotated order; returns the slots filled
 * (room for nbenches * ncfgs). */
size_t bench_plan_round(const struct bench_matrix *m, const unsigned char *only, long r,
			struct bench_slot *out);

/* ---- adaptive rounds (bench_adaptive.c) ------------------------------------------ */

/* --until PCT ("2%", or 2) as a fraction, --budget TIME ("900", "900s", "45m",
 * "2h") in seconds: 0, or 2 after an error line. */
int bench_parse_until(const char *val, double *out);
int bench_parse_budget(const char *val, double *out);
/* Reads DIR's records as the report would (summary.h) and marks wide[b] for
 * every benchmark with a speed ratio whose 95% CI reaches further than
 * m->until from it; *next_run gets the run index for the next round,
 * *widest the widest relative half-width seen.  Returns the number of wide
 * benchmarks, or minus an errno value. */
int bench_adaptive_wide(const struct bench_matrix *m, const char *dir, unsigned char *wide,
			long *next_run, double *widest);
/* meta.json's "adaptive": {"until", "budget_s", "rounds", "stopped", "wide",
 * "widest"}. */
json_t *bench_adaptive_json(const struct bench_matrix *m, long rounds, const char *stopped,
			    const unsigned char *wide, double widest);

/* done[(b * ncfgs + c) * bench_cell_slots(m) + r] != 0 when that process is
 * already recorded: r < runs the timed run r, r = runs + k the memory
 * process k (done may be NULL).  Fills out (room for (runs + warmup_runs +
 * memory_runs) * nbenches * ncfgs slots) with the processes still to run,
 * in order; warm-up rounds only for cells with a timed run still to do.
 * Returns the number of slots. */
size_t bench_plan(const struct bench_matrix *m, const unsigned char *done,
		  struct bench_slot *out);

/* The launch of one process of configuration c: its image (NULL: the
 * host), libc, allocator (NULL for "none": no libswap), stats mode,
 * pymalloc and seccomp; env is the host's environment for it (base, or
 * NULL); argv and the files are the caller's to set. */
void bench_launch_cfg(const struct bench_matrix *m, const struct bench_cfg *c,
		      const struct as_env *base, struct as_launch_cfg *cfg);

/* The Python that runs c's processes (inside its image, for an image's
 * cell), or NULL for the cmd suite. */
const char *bench_cfg_python(const struct bench_matrix *m, const struct bench_cfg *c);

/* The caller's environment without what would change an experiment behind
 * the CLI's back (PYTHONMALLOC, ALLOCSWAP_*, glibc's MALLOC_* knobs): the
 * base of every process's environment. */
void bench_env_plain(struct as_env *env);
/* For meta.json: {"removed": [names bench_env_plain drops from ours],
 * "LD_PRELOAD", "GLIBC_TUNABLES", "PYTHONPATH", "PYTHONHOME": kept, when set}. */
json_t *bench_env_json(void);

/* ---- what the command line asks for ------------------------------------------ */

#define BENCH_UNSET ((unsigned long)-1)
#define BENCH_MAX_CMDS 64

/* The options of `allocswap bench`, as given: NULL and BENCH_UNSET (or a
 * negative target) where an option was not given. */
struct bench_request {
	const char *axis[BENCH_NAXES];
	const char *allocators, *suite, *bench, *python, *pyperf_args, *output, *resume;
	const char *reference; /* --reference: "direct" */
	double until, budget_s; /* --until, --budget; 0 when not given */
	const char *time;       /* --time, or NULL */
	const char *cmds[BENCH_MAX_CMDS], *names[BENCH_MAX_CMDS];
	size_t ncmds, nnames;
	unsigned long runs, values, warmups, warmup_runs, loops, memory_runs;
	double target_ms;
	int quick, dry_run, quiet;
	/* more than one machine (bench_shard.c, bench_engine.c): BENCH_UNSET or
	 * NULL when not given */
	unsigned long shards, shard;
	/* --nodes-per-class K: at most K shards of a host class at once
	 * (sbatch --array=...%K, the Job's parallelism) */
	unsigned long nodes_per_class;
	const char *engine, *partition, *emit, *k8s_image, *k8s_claim;
	int plan, wait;
};

/* The command line into o (bench_opts.c: the options' table, which --help
 * is written from too), each option's value checked on its own: 0, 1 for
 * -h/--help (nothing printed), or 2 after an error line. */
int bench_opts_parse(int argc, char **argv, struct bench_request *o);
/* argv (argv[0] the command's name) without the options that are not a
 * shard's own: -o, --resume, --shards, --shard, --plan, --dry-run, --quiet
 * and the engine's.  A NULL-terminated array of argv's strings, or NULL. */
char **bench_opts_shard_argv(int argc, char **argv);

/* ---- more than one machine (bench_shard.c, bench_engine.c, bench_k8s.c) ---------- */

/* A shard is every configuration of the matrix, interleaved as usual, over
 * the benchmarks i with i mod N == K, on one host (comparisons stay within
 * a host; DESIGN.md section 7).  Called once the benchmarks are chosen:
 * --plan prints the shards; --engine submits them (bench_engine_submit);
 * --shard K keeps K's benchmarks and sets m->shard for meta.json.  0 to go
 * on with the matrix, BENCH_SHARD_DONE when there is nothing more to do
 * here, or 1 or 2 after an error line. */
#define BENCH_SHARD_DONE (-1)
int bench_shard_select(struct bench_matrix *m, const struct bench_request *o, int argc,
		       char **argv);
/* The shards of a matrix, benchmark names comma-separated in buf: the
 * number of benchmarks in shard k. */
size_t bench_shard_names(const struct bench_matrix *m, unsigned long n, unsigned long k, char *buf,
			 size_t cap);
/* --engine slurm|k8s with the benchmarks known: writes the engine's files,
 * and for Slurm submits (and with --wait follows).  0, or 1/2 after an
 * error line. */
int bench_engine_submit(const struct bench_matrix *m, const struct bench_request *o, int argc,
			char **argv);
/* --resume DIR where DIR is an engine's (DIR/engine.json): submits again
 * the shards that did not finish and are not queued; --wait follows.
 * BENCH_SHARD_DONE when DIR is no engine's directory, else the exit status. */
int bench_engine_resume(const struct bench_request *o);
/* --engine k8s: DIR/job.json, an Indexed Job (bench_k8s.c).  shard_args:
 * the shard's own options (bench_opts_shard_argv).  0, or 1 after an
 * error line. */
int bench_k8s_emit(const struct bench_request *o, unsigned long shards, char **shard_args);
/* --resume DIR of a Job's manifest: one error line on running it again
 * (kubectl delete, then apply); 2. */
int bench_k8s_resume(const char *dir);
/* s as one shell word on f, in single quotes where it needs them (any
 * length: f's errors are its writer's to check).  sbatch: for an #SBATCH
 * line, where sbatch expands %j, %A... in file names: % is written %%. */
void bench_sh_quote(FILE *f, const char *s, int sbatch);

/* ---- resume (bench_resume.c) ------------------------------------------------------ */

/* The matrix of a results directory's meta.json into m (allocators by
 * name and spec, not yet probed), checked against the options the command
 * line gives as well: any that disagrees is one error line naming both
 * values.  0 or 2. */
int bench_resume_matrix(const json_t *meta, const char *dir, const struct bench_request *o,
			struct bench_matrix *m);
/* Marks done[(b * ncfgs + c) * runs + r] for every record of
 * DIR/runs.jsonl and counts them in *nrecorded; closes off a last line cut
 * mid-write.  0, or 1 after an error line. */
int bench_resume_done(const char *dir, const struct bench_matrix *m, unsigned char *done,
		      size_t *nrecorded);
/* Notes (stderr) Python and allocator versions that differ from meta.json. */
void bench_resume_versions(const json_t *meta, const struct bench_matrix *m, const char *pyver,
			   const char *dir);

/* ---- processes -------------------------------------------------------------- */

/* Processes are started by the launcher (launch.h): its result is a
 * process's status, times and reports; as_launch_signals_install's policy
 * (the first signal goes to the running process's group, a second kills
 * it) is the bench's, and as_launch_stopped() says a signal asked to stop. */

/* Runs argv on the host without libswap, in bench_env_plain's environment,
 * stdin /dev/null, stdout and stderr to the given files (NULL: /dev/null),
 * reports (none) in dir.  0 or errno; r owned by the caller
 * (as_launch_result_free). */
int bench_run_plain(const char *dir, char *const argv[], const char *out, const char *err,
		    struct as_launch_result *r);

/* The last non-empty line of a file, trimmed, into buf ("" if none). */
void bench_last_line(const char *path, char *buf, size_t cap);

/* Probes allocator a under libc l (as_libcs[] index) by running `python -I
 * -S -c pass` with a Python of that libc (/bin/true for the cmd suite)
 * under libswap, its report in tmpdir; fills a->by[l] (and a's version,
 * path and libc when it is the first libc it loads in).  0, or ENOENT with
 * the reason in why. */
int bench_probe(const struct bench_matrix *m, struct bench_alloc *a, int l, const char *tmpdir,
		char *why, size_t cap);



/* ---- meta.json (bench_meta.c) ------------------------------------------------------- */

/* "2026-11-23T04:30:00Z", now, into buf. */
char *bench_iso_now(char *buf, size_t cap);
/* Host facts: {"hostname", "kernel", "kernel_build", "machine", "cpu",
 * "nproc", "mem_bytes"}. */
json_t *bench_host_json(void);
/* The Python's version ("3.11.2"), or NULL; malloc'd.  tmpdir holds its
 * output for a moment. */
char *bench_python_version(const char *python, const char *tmpdir);
/* ["allocswap", argv...] */
json_t *bench_command_json(int argc, char **argv);
/* A new meta.json ("finished": null), for a probed and calibrated matrix;
 * takes the reference to command, sets suite_info's "name". */
json_t *bench_meta_new(const struct bench_matrix *m, json_t *suite_info, json_t *command,
		       const char *python_version);

/* ---- suites ------------------------------------------------------------------ */

/* The running matrix, as the suites see it. */
struct bench_ctx {
	struct bench_matrix *m;
	const char *dir;    /* the results directory */
	char tmp[PATH_MAX + 8]; /* DIR/tmp: reports and outputs of the running process */
	unsigned long seq;  /* processes started by this invocation */
	size_t ok, failed;  /* records of timed runs written by this invocation */
	size_t mem_ok, mem_failed; /* ... of memory processes */
};

/* The libswap reports the processes of one run wrote (DIR/tmp/r-PID.json),
 * as the launcher read them (borrowed from its result). */
struct bench_reports {
	json_t *main;  /* the started process's own report (by pid; or the only one), or NULL */
	size_t others; /* reports of its subprocesses */
	json_t *all;   /* every report, an array */
};

/* Removes every file in DIR/tmp. */
void bench_tmp_clean(const struct bench_ctx *x);
/* Did the report's process run on slot s's allocator, in its stats mode
 * (bench_slot_stats)?  0, or 1 with the reason
 * in why ("jemalloc was asked for, system ran (fallback: ...)"). */
int bench_report_check(const struct bench_matrix *m, const struct bench_slot *s,
		       const json_t *report, char *why, size_t cap);

/* Called by a suite for each record it makes from one process. */
typedef int (*bench_emit_fn)(struct bench_ctx *x, const struct bench_slot *s, json_t *rec);

struct bench_suite {
	const char *name;
	const char *desc;
	/* Is the suite usable here?  0, or 2 after an error line saying why.
	 * May add facts (the suite's version) to info. */
	int (*check)(struct bench_matrix *m, json_t *info);
	/* Every benchmark the suite offers: a JSON array of {"name", "group"},
	 * or NULL after an error line. */
	json_t *(*list)(struct bench_matrix *m);
	/* Sets b->loops; 0, or 1 after an error line. */
	int (*calibrate)(struct bench_matrix *m, struct bench_bench *b, const char *tmpdir);
	/* The argv of one process run by python (NULL for the cmd suite); out
	 * is a file for its result.  A NULL-terminated malloc'd array (one
	 * block), or NULL. */
	char **(*argv)(const struct bench_matrix *m, const struct bench_bench *b, const char *python,
		       const char *out);
	/* Whether the process's stdout is its result (else the process writes
	 * out itself and its stdout is discarded). */
	int stdout_is_result;
	/* Turns a finished process into records: rec is a new record with the
	 * common fields (schema, bench, config, run, proc, time...); the suite
	 * completes it (or copies it for several) and calls emit for each.
	 * err_line is the last line of the process's stderr.  Returns 0 or
	 * emit's non-zero. */
	int (*collect)(struct bench_ctx *x, const struct bench_slot *s, json_t *rec,
		       const struct as_launch_result *p, const char *out, const char *err_line,
		       const struct bench_reports *r, bench_emit_fn emit);
};

extern const struct bench_suite bench_suites[]; /* indexed by enum bench_suite_id */
extern const size_t bench_nsuites;
/* The suite named name, or -1 after an error line naming the suites. */
int bench_suite_choice(const char *name);

/* --suite pyperformance: a benchmark of pyperf's that pyperformance runs
 * under another name (xml_etree_generate, run by `-b xml_etree`): the
 * longest name of avail (the suite's list) that name starts with, followed
 * by "_", is added to the matrix (when it is not yet) with name among the
 * sub-benchmarks it keeps (bench_bench.only); its invocations give records
 * of those only.  1 when name was taken so, else 0. */
int bench_pyperf_sub(struct bench_matrix *m, const json_t *avail, const char *name);

/* Fills a failed record: status "failed" and error. */
void bench_rec_fail(json_t *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- pyperf ------------------------------------------------------------------ */

/* One run of a pyperf JSON file, as bench_pyperf_runs sees it. */
struct bench_pyperf_run {
	const char *name;     /* benchmark name */
	size_t index;         /* index among the benchmark's runs that have values */
	double loops;         /* loops x inner_loops (pyperf's values are per loop) */
	json_t *values;       /* array of seconds per loop (fn increfs to keep it) */
	json_t *warmups;      /* array of seconds per loop (fn increfs to keep it) */
	double duration;      /* seconds, or -1 */
	double mem_max_rss;   /* bytes, or -1 */
};

/* Calls fn for every run with values of every benchmark of a pyperf JSON
 * document (format documented in bench_pyperf.c).  Returns 0, fn's
 * non-zero, or EINVAL with a one-line reason in err. */
int bench_pyperf_runs(const json_t *doc, int (*fn)(const struct bench_pyperf_run *r, void *arg),
		      void *arg, char *err, size_t cap);

/* ---- progress ---------------------------------------------------------------- */

struct bench_progress {
	int tty, quiet;
	size_t total, done, failed;
	long last_round;
	int64_t t0_ns;
	int width;
	int shown; /* a \r line is on the screen */
};

void bench_progress_init(struct bench_progress *p, size_t total, int quiet);
/* Before slot i runs: the TTY line. */
void bench_progress_start(struct bench_progress *p, const struct bench_matrix *m,
			  const struct bench_slot *slots, size_t i);
/* After slot i: counts, and (not on a TTY) one line per finished round. */
void bench_progress_end(struct bench_progress *p, const struct bench_matrix *m,
			const struct bench_slot *slots, size_t i, int failed);
/* A message that must not be drawn over (failures, notes). */
void bench_progress_note(struct bench_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clears the TTY line. */
void bench_progress_done(struct bench_progress *p);
/* "6m12s", "41s", "1h02m" */
const char *bench_fmt_dur(double s, char *buf, size_t cap);
int64_t bench_now_ns(void);

#endif
