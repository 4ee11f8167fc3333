/* bench_opts: the options of `allocswap bench`, declared once (BENCH_OPTIONS):
 * its --help and the parser (as_opts_parse) read the same table, and the
 * values become a struct bench_request, checked one option at a time (the
 * matrix checks them together: bench_matrix.c, cmd_bench.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "as_backend.h"
#include "bench.h"
#include "summary.h"

#define BENCH_NAME_WORD(id, soname, usable, libcs, desc) " " #id

/* X(ID, SHORT, LONG, ARG, FLAGS, SECTION, HELP): SECTION heads the options
 * from this one on in --help (NULL: the one before goes on). */
#define BENCH_OPTIONS(X)                                                                     \
	X(O_ALLOC, 'a', "--allocators", " LIST", 0, "Matrix:",                                \
	  "from liballoc's table," AS_BACKENDS(BENCH_NAME_WORD) "; none (no preload: the "    \
	  "baseline), or a .so path (LABEL=PATH names it).  Default: every allocator that "   \
	  "loads here (the others are skipped with a note)")                                  \
	X(O_LIBC, 0, "--libc", " LIST", 0, NULL,                                                \
	  "glibc, musl (default glibc; glibc,musl with --quick).  A cell runs libswap, "      \
	  "allocators and Python of its libc; missing musl builds are made first (see "       \
	  "allocswap build)")                                                                  \
	X(O_IMAGE, 0, "--image", " LIST", 0, NULL,                                              \
	  "host (default); a built image (allocswap image list: bookworm, musl...; built "    \
	  "first when missing); a root filesystem directory; docker:REF or podman:REF (any "  \
	  "image the engine has).  An image's cells run its own python3 and libc (they are "  \
	  "not multiplied by --libc and --python); allocators are probed in each image")      \
	X(O_PYMALLOC, 0, "--pymalloc", " LIST", 0, NULL,                                        \
	  "on, off (off: PYTHONMALLOC=malloc).  Default on,off; on with --quick and --suite " \
	  "cmd")                                                                               \
	X(O_SECCOMP, 0, "--seccomp", " LIST", 0, NULL,                                          \
	  "none (default: the runner's own, no filter on the host and in a rootfs, the "      \
	  "engine's default profile in a container), default (Docker's default profile: the " \
	  "engine's own, else allocswap's libseccomp mirror of it), unconfined (no filter)")  \
	X(O_STATS, 0, "--stats", " LIST", 0, NULL,                                              \
	  "off, counters, full: libswap's ALLOCSWAP_STATS in the timed processes (default "   \
	  "off: they pay one indirect jump a call; memory figures come from --memory-runs)")  \
	X(O_REFERENCE, 0, "--reference", " direct", 0, NULL,                                    \
	  "also run each allocator preloaded by itself, without libswap (LD_PRELOAD=its .so;" \
	  " system: no preload), on the host; the report sets libswap's timed mode against "  \
	  "it")                                                                                \
	X(O_SUITE, 0, "--suite", " NAME", 0, "Suite:",                                          \
	  "builtin (default, stdlib only), pyperformance (when installed; LD_PRELOAD, "       \
	  "PYTHONMALLOC, ALLOCSWAP_* reach pyperf's workers by --inherit-environ), or cmd")   \
	X(O_BENCH, 0, "--bench", " LIST", 0, NULL,                                              \
	  "benchmarks or groups of the suite (default: all)")                                 \
	X(O_CMD, 0, "--cmd", " 'CMD'", AS_OPT_MANY, NULL,                                       \
	  "benchmark a /bin/sh command; its wall time is the sample (its user + sys with "      \
	  "--time cpu).  Implies --suite cmd")                                                  \
	X(O_NAME, 0, "--name", " NAME", AS_OPT_MANY, NULL,                                      \
	  "names the n-th --cmd (default cmd, or cmd1, cmd2...)")                             \
	X(O_PYTHON, 0, "--python", " LIST", 0, NULL,                                            \
	  "host (/usr/bin/python3), a flag set built per libc (os, o3lto), a build "          \
	  "(musl-os) or a path; a cell runs one of its libc.  Default: host under glibc, os " \
	  "under musl")                                                                        \
	X(O_PYPERF_ARGS, 0, "--pyperformance-args", " 'ARGS'", 0, NULL,                         \
	  "more arguments for 'pyperformance run'")                                           \
	X(O_RUNS, 0, "--runs", " N", 0, "Repetitions:",                                         \
	  "recorded processes per cell (default 10, quick 5)")                                \
	X(O_MEMORY_RUNS, 0, "--memory-runs", " N", 0, NULL,                                     \
	  "processes per cell in counters mode, for live heap, fragmentation, histogram and " \
	  "syscalls, interleaved; never timed (default 1; 0: none; cells timed off only)")   \
	X(O_UNTIL, 0, "--until", " PCT", 0, NULL,                                                \
	  "after the runs, add interleaved rounds of the benchmarks whose speed ratios still " \
	  "have a 95% CI wider than +-PCT (such as 2%), until none has or --budget is spent") \
	X(O_BUDGET, 0, "--budget", " TIME", 0, NULL,                                            \
	  "the most time the matrix may take with --until, from its start: 900, 900s, 45m, " \
	  "2h")                                                                                \
	X(O_TIME, 0, "--time", " auto|wall|cpu", 0, NULL,                                       \
	  "the time --until judges and report compares by default (report --time says "      \
	  "more; default auto: CPU time where it covers the work, else wall)")               \
	X(O_VALUES, 0, "--values", " N", 0, NULL,                                               \
	  "timed values per process, averaged into its sample (default 3, quick 2)")          \
	X(O_WARMUPS, 0, "--warmups", " N", 0, NULL,                                             \
	  "untimed values per process first (default 1)")                                     \
	X(O_WARMUP_RUNS, 0, "--warmup-runs", " N", 0, NULL,                                     \
	  "unrecorded rounds of processes first (default 1, quick 0)")                        \
	X(O_TARGET, 0, "--target-ms", " MS", 0, NULL,                                           \
	  "loops calibrated once per benchmark, without a preload, so that a value takes MS " \
	  "to 2*MS ms; the same for every configuration (default 100, quick 50)")             \
	X(O_LOOPS, 0, "--loops", " N", 0, NULL, "no calibration: N loops everywhere")         \
	X(O_QUICK, 0, "--quick", "", 0, NULL,                                                   \
	  "--runs 5 --values 2 --warmup-runs 0 --target-ms 50 --pymalloc on --libc "          \
	  "glibc,musl (pyperformance: --fast)")                                                \
	X(O_OUTPUT, 'o', "--output", " DIR", 0, "Output:", "default results/YYYYmmdd-HHMMSS") \
	X(O_RESUME, 0, "--resume", " DIR", 0, NULL,                                             \
	  "run what DIR/runs.jsonl lacks; the matrix comes from DIR/meta.json, and matrix "   \
	  "options given too must agree (--warmup-runs may differ)")                          \
	X(O_DRY_RUN, 0, "--dry-run", "", 0, NULL,                                               \
	  "print the matrix and the order, one line per process")                             \
	X(O_QUIET, 'q', "--quiet", "", 0, NULL,                                                 \
	  "no progress (else a line with an ETA on a terminal, a line per round otherwise)")  \
	X(O_SHARDS, 0, "--shards", " N", 0, "More than one machine:",                           \
	  "cut the matrix into N shards: each has every configuration, interleaved as "       \
	  "usual, over every N-th benchmark (benchmark i in shard i mod N), and runs on one " \
	  "host into a directory of its own (comparisons stay within a host)")              \
	X(O_SHARD, 0, "--shard", " K", 0, NULL,                                                 \
	  "run shard K (0..N-1) of --shards N here; meta.json says which shard it is")       \
	X(O_PLAN, 0, "--plan", "", 0, NULL, "print the shards of --shards N and their "         \
	  "benchmarks")                                                                        \
	X(O_ENGINE, 0, "--engine", " slurm|k8s", 0, NULL,                                      \
	  "slurm: write DIR/slurm/job.sh, a job array of one task a shard (each runs this "   \
	  "allocswap into DIR/shards/K), and submit it with sbatch; --resume DIR submits "    \
	  "again the shards that did not finish.  k8s: write an Indexed Job manifest (--emit)") \
	X(O_PARTITION, 0, "--partition", " LIST", 0, NULL,                                     \
	  "the Slurm partition (sbatch -p); several (a,b): each is a host class that runs "   \
	  "every shard, into DIR/shards/P-K, and report compares the classes")               \
	X(O_NODES_PER_CLASS, 0, "--nodes-per-class", " K", 0, NULL,                              \
	  "at most K shards of a host class (a partition) run at once, the others wait "     \
	  "their turn: the array goes to sbatch as --array=0-(N-1)%K (kept by --resume DIR); " \
	  "k8s: the Job's parallelism.  Default: every shard at once, as the nodes allow")   \
	X(O_WAIT, 0, "--wait", "", 0, NULL,                                                     \
	  "follow the array (squeue, sacct where it answers, the shards' own directories) "  \
	  "with a progress line and an ETA until no task is left")                            \
	X(O_EMIT, 0, "--emit", " DIR", 0, NULL,                                                 \
	  "--engine k8s: write DIR/job.json, the manifest to kubectl apply -f")              \
	X(O_K8S_IMAGE, 0, "--k8s-image", " REF", 0, NULL,                                       \
	  "the container image with this allocswap for --engine k8s (default allocswap)")    \
	X(O_K8S_CLAIM, 0, "--k8s-claim", " NAME", 0, NULL,                                      \
	  "the PersistentVolumeClaim mounted at /results (default allocswap-results)")

#define BENCH_OPT_ENUM(id, shrt, lng, arg, flags, section, help) id,
enum bench_opt { BENCH_OPTIONS(BENCH_OPT_ENUM) BENCH_NOPTS };
#define BENCH_OPT_ROW(id, shrt, lng, arg, flags, section, help) \
	{shrt, lng, arg, help, flags, section},
static const struct as_opt bench_opts[] = {BENCH_OPTIONS(BENCH_OPT_ROW)};

const struct as_usage as_usage_bench = {
	"usage: allocswap bench [OPTIONS]\n"
	"       allocswap bench --resume DIR [OPTIONS]\n"
	"\n"
	"Runs every benchmark of a suite under every configuration (allocator x libc\n"
	"x image x pymalloc x seccomp x python x stats), one process per sample,\n"
	"configurations interleaved process by process (the order rotates: none is\n"
	"always first).\n"
	"Each process is appended to DIR/runs.jsonl as it finishes, with its libswap\n"
	"report; DIR/meta.json says where the results came from.  A run that fails is\n"
	"recorded as failed and the matrix goes on.  Then: allocswap report DIR.\n"
	"\n",
	bench_opts, BENCH_NOPTS,
	"\n"
	"Exit status: 0 matrix complete (failed runs are results), 1 results not\n"
	"written or no run succeeded, 2 bad usage or a matrix that cannot run here,\n"
	"128+N stopped by signal N (130: Ctrl-C; --resume DIR goes on).  --engine\n"
	"slurm: 0 submitted (with --wait: every shard finished), 1 sbatch failed (with\n"
	"--wait: a shard did not finish; --resume DIR submits it again).\n"
	"\n"
	"Examples:\n"
	"  allocswap bench --quick\n"
	"  allocswap bench -a system,jemalloc --bench serialization,stress -o out\n"
	"  allocswap bench --resume out\n"
	"  allocswap bench -a none,system --cmd 'python3 app.py' --runs 20\n"
	"  allocswap bench -a system,jemalloc,mimalloc --libc glibc,musl --python os,o3lto\n"
	"  allocswap bench --quick --shards 4 --engine slurm -o out --wait\n"
	"  allocswap bench --resume out --wait     (a Slurm DIR: the unfinished shards)\n"
	"  allocswap bench --shards 8 --engine slurm --partition a,b --nodes-per-class 2\n"
	"                  -o out                  (two host classes, 2 nodes each)\n"
	"  allocswap bench --quick --shards 4 --engine k8s --emit k8s\n",
	/* in order: the first word that is no option is an error, not an operand */
	AS_OPTS_IN_ORDER,
};

/* A count option's value into *dst (left as it is when not given); 0 or 2. */
static int count_opt(const struct as_optval *v, enum bench_opt k, unsigned long *dst)
{
	unsigned long n;
	const char *name = bench_opts[k].lng;
	if (!v[k].val)
		return 0;
	if (as_parse_uint("bench", name, v[k].val, &n))
		return 2;
	if ((k == O_RUNS || k == O_VALUES || k == O_LOOPS) && n == 0)
		return as_usage_err("bench", "%s must be at least 1", name);
	if (n > 1000000)
		return as_usage_err("bench", "%s %lu is too large", name, n);
	*dst = n;
	return 0;
}

/* The options of sharding and of the engines, checked together; 0 or 2. */
static int bench_shard_opts(const struct as_optval *v, struct bench_request *o)
{
	static const char *const engines[] = {"slurm", "k8s", NULL};
	const char *eng;
	unsigned long n;
	o->shards = o->shard = BENCH_UNSET;
	if (v[O_SHARDS].val) {
		if (as_parse_uint("bench", "--shards", v[O_SHARDS].val, &n))
			return 2;
		if (n < 1 || n > 10000)
			return as_usage_err("bench", "--shards needs 1 to 10000 shards, not %lu", n);
		o->shards = n;
	}
	if (v[O_SHARD].val) {
		if (as_parse_uint("bench", "--shard", v[O_SHARD].val, &n))
			return 2;
		if (o->shards == BENCH_UNSET)
			return as_usage_err("bench", "--shard K needs --shards N (K is 0..N-1)");
		if (n >= o->shards)
			return as_usage_err("bench", "--shard %lu of --shards %lu: K is 0..%lu", n,
					    o->shards, o->shards - 1);
		o->shard = n;
	}
	o->nodes_per_class = BENCH_UNSET;
	if (v[O_NODES_PER_CLASS].val) {
		const char *k = v[O_NODES_PER_CLASS].val;
		char *end;
		errno = 0;
		n = strtoul(k, &end, 10);
		if (!*k || *k == '-' || *end || errno || n < 1 || n > 10000)
			return as_usage_err("bench", "--nodes-per-class needs a number of nodes from 1 "
						     "to 10000 (at most that many shards of a host class "
						     "run at once), not '%s'",
					    k);
		o->nodes_per_class = n;
	}
	o->plan = v[O_PLAN].val != NULL;
	o->wait = v[O_WAIT].val != NULL;
	o->partition = v[O_PARTITION].val;
	o->emit = v[O_EMIT].val;
	o->k8s_image = v[O_K8S_IMAGE].val;
	o->k8s_claim = v[O_K8S_CLAIM].val;
	if ((eng = v[O_ENGINE].val) && as_choice("bench", "engine", eng, engines) < 0)
		return 2;
	o->engine = eng;
	if (o->plan && o->shards == BENCH_UNSET)
		return as_usage_err("bench", "--plan prints the shards of --shards N: give N");
	if (o->resume && (o->shards != BENCH_UNSET || o->plan || o->engine ||
			  o->nodes_per_class != BENCH_UNSET))
		return as_usage_err("bench", "--resume DIR takes its shards and engine from DIR: "
					     "no --shards, --shard, --plan, --engine or "
					     "--nodes-per-class with it");
	if (eng && o->shards == BENCH_UNSET)
		return as_usage_err("bench", "--engine %s needs --shards N (one task a shard)", eng);
	if (eng && o->shard != BENCH_UNSET)
		return as_usage_err("bench", "--engine runs every shard: no --shard K with it");
	if (eng && (o->plan || o->dry_run))
		return as_usage_err("bench", "--plan and --dry-run go without --engine");
	if (eng && !strcmp(eng, "slurm") && !v[O_OUTPUT].val)
		return as_usage_err("bench", "--engine slurm needs -o DIR, a directory every node "
					     "sees (the shards go to DIR/shards)");
	if (eng && !strcmp(eng, "k8s") && !o->emit)
		return as_usage_err("bench", "--engine k8s needs --emit DIR (where job.json goes)");
	if (o->emit && (!eng || strcmp(eng, "k8s")))
		return as_usage_err("bench", "--emit goes with --engine k8s");
	if ((o->k8s_image || o->k8s_claim) && (!eng || strcmp(eng, "k8s")))
		return as_usage_err("bench", "--k8s-image and --k8s-claim go with --engine k8s");
	if (o->nodes_per_class != BENCH_UNSET && !eng)
		return as_usage_err("bench", "--nodes-per-class goes with --engine slurm|k8s");
	if (o->partition && (!eng || strcmp(eng, "slurm")))
		return as_usage_err("bench", "--partition goes with --engine slurm");
	if (o->wait && !o->resume && (!eng || strcmp(eng, "slurm")))
		return as_usage_err("bench", "--wait follows a Slurm array: --engine slurm, or "
					     "--resume DIR of one");
	if (o->shards != BENCH_UNSET && o->shard == BENCH_UNSET && !eng && !o->plan)
		return as_usage_err("bench", "--shards N needs --shard K (run one shard here), "
					     "--plan, or --engine slurm|k8s");
	return 0;
}

/* Options a shard's own command line leaves out: where the results go and
 * which shard are the engine's to say, and the engine's are not the shard's. */
static int shard_drops(enum bench_opt k)
{
	return k == O_OUTPUT || k == O_SHARDS || k == O_SHARD || k == O_PLAN || k == O_ENGINE ||
	       k == O_PARTITION || k == O_NODES_PER_CLASS || k == O_WAIT || k == O_EMIT ||
	       k == O_K8S_IMAGE || k == O_K8S_CLAIM || k == O_DRY_RUN || k == O_QUIET ||
	       k == O_RESUME;
}

char **bench_opts_shard_argv(int argc, char **argv)
{
	char **out = calloc((size_t)argc + 1, sizeof *out);
	size_t n = 0;
	int i;
	if (!out)
		return NULL;
	for (i = 1; i < argc; i++) {
		const char *val = NULL;
		const struct as_opt *op = argv[i][0] == '-' ? as_opt_find(&as_usage_bench, argv[i], &val)
							    : NULL;
		int known = op && op >= bench_opts && op < bench_opts + BENCH_NOPTS;
		int takes = known && op->arg[0] && !val;
		if (!known || !shard_drops((enum bench_opt)(op - bench_opts))) {
			out[n++] = argv[i];
			if (takes && i + 1 < argc)
				out[n++] = argv[i + 1];
		}
		i += takes;
	}
	return out;
}

int bench_opts_parse(int argc, char **argv, struct bench_request *o)
{
	struct as_optval v[BENCH_NOPTS];
	enum bench_axis_id a;
	size_t k;
	int first, rc;
	memset(o, 0, sizeof *o);
	memset(v, 0, sizeof v);
	o->runs = o->values = o->warmups = o->warmup_runs = o->loops = o->memory_runs = BENCH_UNSET;
	o->target_ms = -1;
	v[O_CMD].all = o->cmds;
	v[O_CMD].cap = BENCH_MAX_CMDS;
	v[O_NAME].all = o->names;
	v[O_NAME].cap = BENCH_MAX_CMDS;
	rc = as_opts_parse("bench", &as_usage_bench, argc, argv, v, &first);
	if (rc)
		return rc;
	if (first < argc)
		return as_usage_err("bench", "unexpected argument '%s' (commands to benchmark go in "
					     "--cmd 'CMD')", argv[first]);
	o->allocators = v[O_ALLOC].val;
	/* an axis's option is named after it: --libc sets the libc axis */
	for (a = 0; a < BENCH_NAXES; a++)
		for (k = 0; k < BENCH_NOPTS; k++)
			if (!strcmp(bench_opts[k].lng + 2, bench_axis_name(a)))
				o->axis[a] = v[k].val;
	o->reference = v[O_REFERENCE].val;
	if (o->reference && strcmp(o->reference, "direct"))
		return as_usage_err("bench", "--reference '%s': the one reference is direct (each "
					     "allocator preloaded without libswap)",
				    o->reference);
	if (o->reference)
		o->axis[BENCH_AX_PRELOAD] = "libswap,direct";
	o->suite = v[O_SUITE].val;
	o->bench = v[O_BENCH].val;
	o->ncmds = v[O_CMD].n;
	o->nnames = v[O_NAME].n;
	for (k = 0; k < o->ncmds; k++)
		if (!*o->cmds[k])
			return as_usage_err("bench", "--cmd needs a command");
	o->pyperf_args = v[O_PYPERF_ARGS].val;
	o->output = v[O_OUTPUT].val;
	o->resume = v[O_RESUME].val;
	o->quick = v[O_QUICK].val != NULL;
	o->dry_run = v[O_DRY_RUN].val != NULL;
	o->quiet = v[O_QUIET].val != NULL;
	if (count_opt(v, O_RUNS, &o->runs) || count_opt(v, O_VALUES, &o->values) ||
	    count_opt(v, O_WARMUPS, &o->warmups) || count_opt(v, O_WARMUP_RUNS, &o->warmup_runs) ||
	    count_opt(v, O_LOOPS, &o->loops) || count_opt(v, O_MEMORY_RUNS, &o->memory_runs))
		return 2;
	if (v[O_TARGET].val) {
		char *end;
		double t = strtod(v[O_TARGET].val, &end);
		if (!*v[O_TARGET].val || *end || !(t > 0) || t > 1e7)
			return as_usage_err("bench", "--target-ms needs a positive number of "
						     "milliseconds, not '%s'", v[O_TARGET].val);
		o->target_ms = t;
	}
	o->time = v[O_TIME].val;
	if (o->time && as_choice("bench", "time", o->time, as_clocks) < 0)
		return 2;
	if (v[O_UNTIL].val && bench_parse_until(v[O_UNTIL].val, &o->until))
		return 2;
	if (v[O_BUDGET].val && bench_parse_budget(v[O_BUDGET].val, &o->budget_s))
		return 2;
	if ((o->until > 0) != (o->budget_s > 0))
		return as_usage_err("bench", o->until > 0 ? "--until needs --budget TIME: the most "
							    "time the matrix may take (such as 30m)"
							  : "--budget goes with --until PCT");
	if ((rc = bench_shard_opts(v, o)))
		return rc;
	if (o->resume && o->output)
		return as_usage_err("bench", "--resume DIR continues DIR: no -o with it");
	if (o->resume && o->dry_run)
		return as_usage_err("bench", "--dry-run does not go with --resume");
	/* a plan and a submission list the benchmarks like a dry run and stop
	 * there: nothing is built, probed or run here */
	if (o->plan || (o->engine && !o->resume))
		o->dry_run = 1;
	return 0;
}
