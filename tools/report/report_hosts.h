/* report_hosts: `allocswap report DIR` of a matrix run in shards on many hosts
 * (DIR/shards/K/, written by bench --shards N --shard K, by the Slurm job
 * array of bench --engine slurm, or copied back from the Kubernetes Job's
 * volume).
 *
 * Shards are grouped by host class: the CPU model and the CPU count of
 * their meta.json "host", then the allocswap version and commit and the
 * Python version (shards of different versions are flagged and reported
 * apart, never mixed).  Each group becomes an ordinary bench directory,
 * DIR/hosts/CLASS/ (meta.json: the first shard's with the benchmarks of all
 * and "shards": where each came from; runs.jsonl: every shard's records),
 * reported as any other with the same options.  Then DIR/report.md and
 * DIR/summary.json say, per host class, how many runs are there, missing
 * and duplicated, and across classes which conclusions hold on every host
 * and which flip.
 *
 * DIR/summary.json here:
 * {"schema": "allocswap.hosts/1", "source": DIR,
 *  "classes": [{"name", "dir", "cpu", "nproc", "hosts": [hostname...],
 *               "allocswap", "python", "shards": [dir...], "unfinished": n,
 *               "runs": recorded timed runs, "expected": runs the matrix asks for,
 *               "missing": n, "duplicates": n, "flag": why it is apart, or null}],
 *  "across": [{"bench" (null: the geometric mean), "config", "label",
 *              "by_class": {CLASS: {"ratio", "significant", "verdict"}},
 *              "conclusion": "holds everywhere" | "flips" | "not significant anywhere",
 *              "said": "jemalloc 1.2x faster on A, not significant on B"}]}
 */
#ifndef ALLOCSWAP_REPORT_HOSTS_H
#define ALLOCSWAP_REPORT_HOSTS_H

/* DIR has shards: reports them as above with the options of argv
 * (argv[first] is DIR) and returns the exit status.  Returns -1 when DIR
 * has no DIR/shards/K/meta.json (an ordinary bench directory). */
int as_hosts_report(const char *dir, int argc, char **argv, int first);

#endif
