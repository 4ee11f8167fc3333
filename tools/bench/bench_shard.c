/* bench_shard: one matrix over many hosts (bench.h, DESIGN.md section 7).
 *
 * Comparisons are only made within one host, so a shard is never a part of
 * a cell: it is every configuration of the matrix, interleaved as usual,
 * over a subset of the benchmarks (benchmark i goes to shard i mod N), run
 * on one host into a directory of its own.  Its meta.json is an ordinary
 * one (host, CPU model, kernel, versions) plus "shard": {"index", "count",
 * "benchmarks": the whole matrix's, in order, "engine": what started it},
 * which `allocswap report` uses to put the shards of one host class back
 * together.  Each shard
 * calibrates its own benchmarks on its own host: a benchmark is in one
 * shard only, so its loops are the same for every configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

size_t bench_shard_names(const struct bench_matrix *m, unsigned long n, unsigned long k, char *buf,
			 size_t cap)
{
	size_t i, len = 0, count = 0;
	if (cap)
		buf[0] = 0;
	for (i = k; i < m->nbenches; i += n) {
		if (len < cap)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", count ? "," : "",
						m->benches[i].name);
		count++;
	}
	return count;
}

void bench_sh_quote(FILE *f, const char *s, int sbatch)
{
	const char *p;
	int plain = *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "_-./=,:+@%") == strlen(s);
	if (!plain)
		fputc('\'', f);
	for (p = s; *p; p++) {
		if (*p == '\'') /* close, an escaped quote, open again */
			fputs("'\\''", f);
		else if (*p == '%' && sbatch) /* %j, %A... are sbatch's */
			fputs("%%", f);
		else
			fputc(*p, f);
	}
	if (!plain)
		fputc('\'', f);
}

static void print_plan(const struct bench_matrix *m, unsigned long n)
{
	char names[8192];
	unsigned long k;
	printf("%lu shard%s of %zu benchmarks; each runs every configuration of the matrix, "
	       "interleaved, on one host:\n",
	       n, n == 1 ? "" : "s", m->nbenches);
	for (k = 0; k < n; k++) {
		size_t c = bench_shard_names(m, n, k, names, sizeof names);
		printf("shard %lu: %zu benchmark%s: %s\n", k, c, c == 1 ? "" : "s", names);
	}
}

/* Keeps the benchmarks of shard k of n, in order. */
static void keep_shard(struct bench_matrix *m, unsigned long n, unsigned long k)
{
	size_t i, w = 0;
	for (i = 0; i < m->nbenches; i++) {
		if (i % n == k) {
			m->benches[w++] = m->benches[i];
			continue;
		}
		free(m->benches[i].name);
		free(m->benches[i].group);
		free(m->benches[i].cmd);
	}
	m->nbenches = w;
}

/* Where the shard runs, when an engine started it: "engine": {"name":
 * "slurm", "job", "task", "partition", "node"} or {"name": "k8s", "index",
 * "pod"}.  report groups shards by their Slurm partition too: a partition
 * is a host class the user named. */
static void engine_json(json_t *shard)
{
	static const char *const slurm[][2] = {{"job", "SLURM_ARRAY_JOB_ID"},
					       {"task", "SLURM_ARRAY_TASK_ID"},
					       {"partition", "SLURM_JOB_PARTITION"},
					       {"node", "SLURMD_NODENAME"}};
	json_t *e;
	size_t i;
	if (getenv("SLURM_ARRAY_TASK_ID")) {
		e = json_pack("{s:s}", "name", "slurm");
		for (i = 0; i < sizeof slurm / sizeof slurm[0]; i++)
			if (getenv(slurm[i][1]))
				json_object_set_new(e, slurm[i][0], json_string(getenv(slurm[i][1])));
	} else if (getenv("JOB_COMPLETION_INDEX")) {
		e = json_pack("{s:s, s:s, s:s?}", "name", "k8s", "index",
			      getenv("JOB_COMPLETION_INDEX"), "pod", getenv("HOSTNAME"));
	} else {
		return;
	}
	json_object_set_new(shard, "engine", e);
}

int bench_shard_select(struct bench_matrix *m, const struct bench_request *o, int argc,
		       char **argv)
{
	json_t *all;
	size_t i;
	if (o->shards == BENCH_UNSET)
		return 0;
	if (o->shards > m->nbenches) {
		bench_err("--shards %lu: the matrix has %zu benchmark%s, so at most %zu shards (a "
			  "shard is a set of benchmarks; a cell is never split across hosts)",
			  o->shards, m->nbenches, m->nbenches == 1 ? "" : "s", m->nbenches);
		return 2;
	}
	if (o->plan) {
		print_plan(m, o->shards);
		return fflush(stdout) || ferror(stdout) ? 1 : BENCH_SHARD_DONE;
	}
	if (o->engine) {
		int rc = bench_engine_submit(m, o, argc, argv);
		return rc ? rc : BENCH_SHARD_DONE;
	}
	all = json_array();
	for (i = 0; i < m->nbenches; i++)
		json_array_append_new(all, json_string(m->benches[i].name));
	m->shard = json_pack("{s:I, s:I, s:o}", "index", (json_int_t)o->shard, "count",
			     (json_int_t)o->shards, "benchmarks", all);
	if (!m->shard)
		return 1;
	engine_json(m->shard);
	keep_shard(m, o->shards, o->shard);
	return 0;
}
