/* bench_k8s: `allocswap bench --engine k8s --emit DIR` (bench.h).
 *
 * Writes DIR/job.json, a Kubernetes Indexed Job (batch/v1, JSON, which
 * kubectl applies as it does YAML) that the user applies: completions N,
 * parallelism N (K with --nodes-per-class K: at most K pods at once),
 * completionMode Indexed, one index a shard.  Each pod runs
 * the image's allocswap with the shard's options (bench_opts_shard_argv)
 * into /results/shards/$JOB_COMPLETION_INDEX on the claim mounted at
 * /results; a pod retried after a failure finds the shard's meta.json
 * there and resumes it (bench --resume).  JOB_COMPLETION_INDEX is also set
 * from the pod's annotation (the downward API), for clusters older than
 * the variable.  Pods of the Job repel each other per node
 * (podAntiAffinity): two shards on one host at once would be noise in each
 * other's comparisons.  Nothing is submitted: allocswap has no client of
 * its own.  A pod has its own filesystem: relative paths in the options
 * (--cmd ./app, -a X=./lib.so) are the image's, from its working directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define K8S_LABEL "allocswap-bench"
#define K8S_RESULTS "/results"

/* The container's shell script: one shard, resumed when it was started. */
static char *shard_script(unsigned long shards, char **shard_args)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "set -u\n"
		   "k=${JOB_COMPLETION_INDEX:?not a pod of an Indexed Job}\n"
		   "d=" K8S_RESULTS "/shards/$k\n"
		   "mkdir -p " K8S_RESULTS "/shards\n"
		   "if [ -f \"$d/meta.json\" ]; then exec allocswap bench --resume \"$d\"; fi\n"
		   "exec allocswap bench");
	for (i = 0; shard_args[i]; i++) {
		fputc(' ', f);
		bench_sh_quote(f, shard_args[i], 0);
	}
	fprintf(f, " --shards %lu --shard \"$k\" -o \"$d\"\n", shards);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int bench_k8s_emit(const struct bench_request *o, unsigned long shards, char **shard_args)
{
	const char *image = o->k8s_image ? o->k8s_image : "allocswap";
	const char *claim = o->k8s_claim ? o->k8s_claim : "allocswap-results";
	char *script = shard_script(shards, shard_args);
	json_t *job, *container, *pod;
	json_int_t par = (json_int_t)shards;
	int e;
	if (o->nodes_per_class != BENCH_UNSET && o->nodes_per_class < shards)
		par = (json_int_t)o->nodes_per_class; /* --nodes-per-class K */
	if (!script) {
		bench_err("out of memory");
		return 1;
	}
	container = json_pack(
		"{s:s, s:s, s:[s, s, s], s:[{s:s, s:{s:{s:s}}}], s:[{s:s, s:s}]}", "name", "bench",
		"image", image, "command", "/bin/sh", "-c", script, "env", "name",
		"JOB_COMPLETION_INDEX", "valueFrom", "fieldRef", "fieldPath",
		"metadata.annotations['batch.kubernetes.io/job-completion-index']", "volumeMounts",
		"name", "results", "mountPath", K8S_RESULTS);
	pod = json_pack(
		"{s:{s:{s:s}}, s:{s:s, s:[o], s:[{s:s, s:{s:s}}], s:{s:{s:[{s:{s:{s:s}}, s:s}]}}}}",
		"metadata", "labels", "app", K8S_LABEL, "spec", "restartPolicy", "Never",
		"containers", container, "volumes", "name", "results", "persistentVolumeClaim",
		"claimName", claim, "affinity", "podAntiAffinity",
		"requiredDuringSchedulingIgnoredDuringExecution", "labelSelector", "matchLabels",
		"app", K8S_LABEL, "topologyKey", "kubernetes.io/hostname");
	job = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:I, s:I, s:s, s:I, s:o}}", "apiVersion",
			"batch/v1", "kind", "Job", "metadata", "name", K8S_LABEL, "labels", "app",
			K8S_LABEL, "spec", "completions", (json_int_t)shards, "parallelism", par,
			"completionMode", "Indexed", "backoffLimit",
			(json_int_t)(2 * shards), "template", pod);
	free(script);
	if (!job) {
		bench_err("out of memory");
		return 1;
	}
	if ((e = as_mkdirs(o->emit)) || (e = as_json_write_file(o->emit, "job.json", job))) {
		bench_err("cannot write %s/job.json: %s", o->emit, strerror(e));
		json_decref(job);
		return 1;
	}
	json_decref(job);
	printf("wrote %s/job.json: an Indexed Job of %lu shards, %lld at once (image %s, results "
	       "on the claim %s under shards/)\n",
	       o->emit, shards, (long long)par, image, claim);
	printf("run it: kubectl apply -f %s/job.json; then copy the claim's shards/ into DIR/shards "
	       "and run " ALLOCSWAP_CLI_NAME " report DIR\n",
	       o->emit);
	return 0;
}

int bench_k8s_resume(const char *dir)
{
	/* the Job's name is fixed: a failed one is there until deleted */
	bench_err("--resume %s: a Kubernetes Job (job.json) is not followed by " ALLOCSWAP_CLI_NAME
		  "; once it failed (backoffLimit), kubectl apply of the same Job changes nothing: "
		  "kubectl delete job " K8S_LABEL ", then kubectl apply -f %s/job.json (or kubectl "
		  "replace --force -f %s/job.json); each pod resumes its shard from the claim's "
		  "shards/K, and a finished one runs nothing",
		  dir, dir, dir);
	return 2;
}
