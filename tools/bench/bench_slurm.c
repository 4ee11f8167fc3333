/* bench_slurm: `allocswap bench --engine slurm` (bench.h, DESIGN.md section 7).
 *
 * allocswap schedules nothing.  It writes a job script, submits it as an
 * array with the engine's own sbatch (one task a shard: bench_shard.c),
 * follows it with squeue (and sacct where accounting answers), and reads
 * the shards' own directories.  DIR, which every node must see:
 *
 *   DIR/engine.json      {"schema": "allocswap.engine/1", "engine": "slurm",
 *                         "shards": N, "allocswap": the binary the tasks run,
 *                         "cwd": the directory it was submitted from, where
 *                         the tasks run (--cmd ./app, -a X=./lib.so),
 *                         "script", "partitions": [P...], "nodes_per_class":
 *                         K | null, "command": what was asked, "jobs": [{"id",
 *                         "tasks": "0-2" | "1,2", "partition", "after": the
 *                         jobs it waited for ("7:9") or absent, "submitted"}]}
 *   DIR/slurm/job.sh     the array task: DIR/shards/K with its own meta.json;
 *                        when that meta.json exists the task resumes it
 *                        (bench --resume), so a task run again after an
 *                        interruption adds only what is missing
 *   DIR/slurm/%A_%a.out  each task's output
 *   DIR/shards/K/        an ordinary bench directory (allocswap report DIR
 *                        merges them); DIR/shards/P-K/ with --partition P1,P2:
 *                        each partition is a host class and runs every shard
 *
 * A shard is finished when its meta.json says "finished".  `bench --resume
 * DIR` submits again the shards that are not finished and not in squeue:
 * nothing finished runs twice, and a shard's own --resume keeps what its
 * runs.jsonl has.  Two tasks of one shard cannot run at once: bench locks
 * the directory.  The script asks for --exclusive: another job on the node
 * would be noise in the comparisons.  --nodes-per-class K submits each array
 * (one a partition, a host class) with sbatch's throttle, --array=...%K: at
 * most K of its tasks run at once; --resume DIR submits with the same K,
 * and while tasks of the class are still queued, after their jobs
 * (--dependency=afterany): two arrays of a class never run 2K.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_file.h"
#include "bench.h"

#define ENGINE_SCHEMA "allocswap.engine/1"
#define POLL_S 2
#define PART_MAX 200 /* a partition's name, in its shards' directory names */
#define POLL_TRIES 5 /* squeue failing this often in a row (about a minute) ends --wait */
#define LOG_S 30 /* --wait off a TTY: a line at least this often */

/* What is known of one shard while waiting. */
struct shard_state {
	int finished, started, queued;
	char sq[24];   /* squeue's state: PENDING, RUNNING... or "" */
	char job[24];  /* the job whose task it is while queued, or "" */
	char acct[48]; /* sacct's, or "" */
	size_t recorded, expected;
};

/* Runs argv (PATH search), its stdout and stderr together into buf
 * (truncated to cap); the exit status (127: could not run), or -1. */
static int run_capture(char *const argv[], char *buf, size_t cap)
{
	char tmpl[] = "/tmp/allocswap-engine.XXXXXX";
	int fd = mkstemp(tmpl), status = -1;
	ssize_t n;
	pid_t pid;
	buf[0] = 0;
	if (fd < 0)
		return -1;
	unlink(tmpl);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	n = pread(fd, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_t *engine_load(const char *dir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/engine.json", dir);
	return json_load_file(path, 0, NULL);
}

/* The partitions of the engine: each runs every shard (a host class of
 * its own); 1 when none or one was named. */
static size_t eng_np(const json_t *eng)
{
	size_t np = json_array_size(json_object_get(eng, "partitions"));
	return np > 1 ? np : 1;
}

/* Shard slot s (partition s / n, shard s mod n): its directory under
 * DIR/shards, "K" or, with two partitions or more, "P-K". */
static const char *slot_name(const json_t *eng, unsigned long n, size_t s, char *buf, size_t cap)
{
	const char *p = json_string_value(json_array_get(json_object_get(eng, "partitions"), s / n));
	if (eng_np(eng) > 1 && p)
		snprintf(buf, cap, "%s-%lu", p, (unsigned long)(s % n));
	else
		snprintf(buf, cap, "%lu", (unsigned long)(s % n));
	return buf;
}

/* DIR/shards/NAME: finished, started, and its processes recorded / expected. */
static void shard_read(const char *dir, const char *name, struct shard_state *s)
{
	char path[PATH_MAX + NAME_MAX + 32], *text;
	size_t len, i;
	json_t *meta, *mx;
	snprintf(path, sizeof path, "%s/shards/%s/meta.json", dir, name);
	meta = json_load_file(path, 0, NULL);
	s->started = meta != NULL;
	s->finished = meta && json_is_string(json_object_get(meta, "finished"));
	mx = json_object_get(meta, "matrix");
	s->expected = json_array_size(json_object_get(mx, "configs")) *
		      json_array_size(json_object_get(mx, "benchmarks")) *
		      (size_t)(json_integer_value(json_object_get(mx, "runs")) +
			       json_integer_value(json_object_get(mx, "memory_runs")));
	json_decref(meta);
	snprintf(path, sizeof path, "%s/shards/%s/runs.jsonl", dir, name);
	s->recorded = 0;
	text = as_read_all(path, &len);
	for (i = 0; text && i < len; i++)
		s->recorded += text[i] == '\n';
	free(text);
	/* configs x benchmarks x (runs + memory runs) is the most a shard runs
	 * (cells without memory processes have fewer); a finished shard ran
	 * what it recorded */
	if (s->finished || s->recorded > s->expected)
		s->expected = s->recorded;
}

/* squeue's tasks of job id into st[] (queued, sq); 0, or 1 when squeue
 * itself does not answer (the reason in why). */
static int squeue_tasks(const char *id, unsigned long n, struct shard_state *st, char *why,
			size_t cap)
{
	char buf[65536], *line, *save = NULL;
	char *argv[] = {"squeue", "-h", "-r", "-j", (char *)id, "-o", "%K %T", NULL};
	int rc = run_capture(argv, buf, sizeof buf);
	if (rc != 0) {
		/* a job slurmctld has forgotten (MinJobAge) has no task left */
		if (strstr(buf, "Invalid job id"))
			return 0;
		snprintf(why, cap, "squeue %s: %.300s", rc == 127 ? "is not installed" : "failed",
			 strtok(buf, "\n") ? buf : "no output");
		return 1;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char state[24];
		unsigned long k;
		if (sscanf(line, "%lu %23s", &k, state) == 2 && k < n) {
			st[k].queued = 1;
			snprintf(st[k].sq, sizeof st[k].sq, "%s", state);
			snprintf(st[k].job, sizeof st[k].job, "%s", id);
		}
	}
	return 0;
}

/* sacct's last state of each task of job id (a later job's win); 0, or 1
 * when accounting does not answer. */
static int sacct_tasks(const char *id, unsigned long n, struct shard_state *st)
{
	char buf[65536], *line, *save = NULL;
	char *argv[] = {"sacct", "-n", "-X", "-P", "-j", (char *)id, "-o", "JobID,State", NULL};
	if (run_capture(argv, buf, sizeof buf) != 0)
		return 1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *us = strchr(line, '_'), *bar = strchr(line, '|');
		unsigned long k;
		if (!us || !bar || us > bar || sscanf(us + 1, "%lu", &k) != 1 || k >= n)
			continue;
		snprintf(st[k].acct, sizeof st[k].acct, "%s", bar + 1);
	}
	return 0;
}

/* Everything known of the n shards of every partition (st: n * eng_np
 * slots); 0, or 1 when squeue does not answer (the reason in why). */
static int shards_poll(const char *dir, const json_t *eng, unsigned long n,
		       struct shard_state *st, int *acct, char *why, size_t cap)
{
	const json_t *parts = json_object_get(eng, "partitions"), *job, *pv;
	char name[NAME_MAX + 1];
	size_t i, k, p, np = eng_np(eng);
	memset(st, 0, n * np * sizeof *st);
	*acct = 1;
	json_array_foreach (json_object_get(eng, "jobs"), i, job) {
		const char *id = json_string_value(json_object_get(job, "id"));
		const char *part = json_string_value(json_object_get(job, "partition"));
		size_t base = 0;
		if (!id)
			continue;
		if (np > 1 && part)
			json_array_foreach (parts, p, pv)
				if (!strcmp(json_string_value(pv), part))
					base = p * n;
		if (squeue_tasks(id, n, st + base, why, cap))
			return 1;
		if (sacct_tasks(id, n, st + base))
			*acct = 0;
	}
	for (k = 0; k < n * np; k++)
		shard_read(dir, slot_name(eng, n, k, name, sizeof name), &st[k]);
	return 0;
}

/* The shards of st[0..n) that are neither finished nor queued, as sbatch's
 * --array wants them ("1", "0-2", "0,2-4"); how many. */
static size_t shards_todo(const struct shard_state *st, unsigned long n, char *buf, size_t cap)
{
	size_t len = 0, c = 0;
	unsigned long k, j;
	buf[0] = 0;
	for (k = 0; k < n; k = j) {
		if (st[k].finished || st[k].queued) {
			j = k + 1;
			continue;
		}
		for (j = k + 1; j < n && !st[j].finished && !st[j].queued; j++)
			;
		if (j - k > 1)
			len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%lu-%lu",
						c ? "," : "", k, j - 1);
		else
			len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%lu",
						c ? "," : "", k);
		c += j - k;
		if (len >= cap)
			return 0;
	}
	return c;
}

/* sbatch --array=tasks (into partition part, or the script's; after the
 * jobs of after, "1:2", when not NULL); records the job in eng and
 * DIR/engine.json.  0 or 1. */
static int submit(const char *dir, json_t *eng, const char *tasks, const char *part,
		  const char *after)
{
	char script[PATH_MAX + 32], arr[4200], out[4096], now[32], pa[300], dep[1100];
	char *argv[7] = {"sbatch", "--parsable"}, **a = argv + 2;
	json_int_t k = json_integer_value(json_object_get(eng, "nodes_per_class"));
	int rc, e;
	snprintf(script, sizeof script, "%s/slurm/job.sh", dir);
	/* sbatch's throttle: at most K tasks of the array at once */
	if (k > 0)
		snprintf(arr, sizeof arr, "--array=%s%%%lld", tasks, (long long)k);
	else
		snprintf(arr, sizeof arr, "--array=%s", tasks);
	if (part) { /* sbatch --parsable -p P [--dependency=...] --array=... job.sh */
		snprintf(pa, sizeof pa, "--partition=%s", part);
		*a++ = pa;
	}
	if (after) {
		snprintf(dep, sizeof dep, "--dependency=afterany:%s", after);
		*a++ = dep;
	}
	*a++ = arr;
	*a++ = script;
	*a = NULL;
	rc = run_capture(argv, out, sizeof out);
	out[strcspn(out, "\n")] = 0;
	if (rc != 0 || !out[0] || strspn(out, "0123456789") == 0) {
		bench_err("sbatch %s %s %s: %s", arr, script,
			  rc == 127 ? "is not installed (Slurm's sbatch is the one way allocswap "
				      "submits)" : "failed",
			  out[0] ? out : "no output");
		return 1;
	}
	out[strspn(out, "0123456789")] = 0; /* "123;cluster" */
	json_array_append_new(json_object_get(eng, "jobs"),
			      json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "id", out, "tasks", tasks,
					"partition", part, "after", after, "submitted",
					bench_iso_now(now, sizeof now)));
	if ((e = as_json_write_file(dir, "engine.json", eng))) {
		bench_err("job %s was submitted, but %s/engine.json cannot be written: %s; cancel "
			  "it with scancel %s",
			  out, dir, strerror(e), out);
		return 1;
	}
	printf("submitted Slurm job %s: array tasks %s of %s/slurm/job.sh%s%s -> %s/shards%s%s\n",
	       out, arr + strlen("--array="), dir, part ? " on " : "", part ? part : "", dir,
	       after ? ", after job " : "", after ? after : "");
	fflush(stdout); /* before --wait's lines */
	return 0;
}

/* --wait: until no task of the engine's jobs is queued.  0 when every
 * shard finished, 1 otherwise (each one said) or when squeue failed
 * POLL_TRIES times in a row, 128+N when a signal stopped the waiting (the
 * jobs go on either way). */
static int follow(const char *dir, const json_t *eng, unsigned long n, int quiet)
{
	unsigned long tot = n * eng_np(eng); /* shards of every partition */
	struct shard_state *st = calloc(tot, sizeof *st);
	int64_t t0 = bench_now_ns();
	size_t rec0 = (size_t)-1;
	char last[512] = "", line[512], d[32], name[NAME_MAX + 1], why[512];
	double shown = 0;
	int tty = isatty(2) && !quiet, acct = 1, rc = 0, fails = 0;
	unsigned long k, unfinished = 0;
	if (!st)
		return 1;
	for (;;) {
		size_t done = 0, run = 0, pend = 0, rec = 0, exp = 0, known = 0, q = 0;
		double el;
		if (shards_poll(dir, eng, n, st, &acct, why, sizeof why)) {
			/* a busy slurmctld times out now and then: squeue is asked
			 * again, 4 s later, then 8, 16, 32 */
			if (tty)
				fputc('\n', stderr);
			if (++fails >= POLL_TRIES) {
				bench_err("%s (%d times in a row); stopped waiting, the jobs go on: "
					  ALLOCSWAP_CLI_NAME " bench --resume %s --wait goes on",
					  why, fails, dir);
				rc = 1;
				break;
			}
			if (!quiet)
				bench_err("note: %s; trying again in %ds", why, POLL_S << fails);
			sleep((unsigned)(POLL_S << fails));
			if (as_launch_stopped())
				goto stopped;
			continue;
		}
		fails = 0;
		for (k = 0; k < tot; k++) {
			done += st[k].finished;
			run += st[k].queued && !strcmp(st[k].sq, "RUNNING");
			pend += st[k].queued && strcmp(st[k].sq, "RUNNING");
			q += st[k].queued;
			rec += st[k].recorded;
			exp += st[k].expected;
			known += st[k].started;
		}
		if (known && known < tot) /* shards not started yet: as big as the others */
			exp = exp * tot / known;
		if (rec0 == (size_t)-1)
			rec0 = rec;
		el = (double)(bench_now_ns() - t0) / 1e9;
		/* the shards' states: a new line (not on a TTY) when they change,
		 * or every LOG_S seconds */
		snprintf(line, sizeof line, "%lu shards: %zu finished, %zu running, %zu pending; ", tot,
			 done, run, pend);
		if (!q || strcmp(line, last) || el - shown >= LOG_S || tty) {
			size_t len = strlen(line);
			snprintf(last, sizeof last, "%s", line);
			if (exp)
				snprintf(line + len, sizeof line - len, "%zu of %s%zu processes", rec,
					 known < tot ? "about " : "", exp);
			else
				snprintf(line + len, sizeof line - len, "no process recorded yet");
			if (rec > rec0 && exp > rec && el > 0)
				snprintf(line + strlen(line), sizeof line - strlen(line), ", ETA %s",
					 bench_fmt_dur(el * (double)(exp - rec) / (double)(rec - rec0),
						       d, sizeof d));
			if (!quiet)
				fprintf(stderr, tty ? "\r%s\033[K" : "%s\n", line);
			shown = el;
		}
		if (!q)
			break;
		if (as_launch_stopped()) {
			if (tty)
				fputc('\n', stderr);
			goto stopped;
		}
		sleep(POLL_S);
	}
	if (tty)
		fputc('\n', stderr);
	if (!rc && !acct && !quiet)
		bench_err("note: sacct does not answer here (no accounting storage): what finished "
			  "comes from squeue and the shards' own meta.json");
	for (k = 0; !rc && k < tot; k++) {
		if (st[k].finished)
			continue;
		bench_err("shard %s did not finish (%s%s%s%s; %zu processes recorded)",
			  slot_name(eng, n, k, name, sizeof name),
			  st[k].acct[0] ? "sacct: " : "", st[k].acct[0] ? st[k].acct : "",
			  st[k].acct[0] ? ", " : "",
			  st[k].started ? "its meta.json is not finished" : "it never started",
			  st[k].recorded);
		unfinished++;
	}
	if (unfinished) {
		rc = 1;
		bench_err("submit the shards that did not finish again with: " ALLOCSWAP_CLI_NAME
			  " bench --resume %s --wait", dir);
	} else if (!rc) {
		printf("every shard finished; next: " ALLOCSWAP_CLI_NAME " report %s\n", dir);
	}
	free(st);
	return rc;
stopped:
	bench_err("stopped waiting; the jobs go on (follow them again with "
		  "allocswap bench --resume %s --wait)", dir);
	free(st);
	return 128 + as_launch_stopped();
}

/* Submits, one array a partition, the shards of st (n * eng_np slots)
 * neither finished nor queued; 0, or 1 after an error line. */
static int submit_todo(const char *dir, json_t *eng, unsigned long n,
		       const struct shard_state *st)
{
	const json_t *parts = json_object_get(eng, "partitions");
	int throttled = json_integer_value(json_object_get(eng, "nodes_per_class")) > 0;
	char todo[4096], after[1024];
	size_t p, np = eng_np(eng), sent = 0, q = 0, k;
	for (p = 0; p < np; p++) {
		if (!shards_todo(st + p * n, n, todo, sizeof todo))
			continue;
		/* --nodes-per-class K: a second array of the class would run K
		 * more; it starts when the class's queued ones have ended */
		after[0] = 0;
		for (k = p * n; throttled && k < (p + 1) * n; k++) {
			size_t len = strlen(after), j;
			for (j = p * n; j < k && strcmp(st[j].job, st[k].job); j++)
				;
			if (st[k].queued && st[k].job[0] && j == k) /* each job once */
				snprintf(after + len, sizeof after - len, "%s%s", len ? ":" : "",
					 st[k].job);
		}
		if (submit(dir, eng, todo,
			   np > 1 ? json_string_value(json_array_get(parts, p)) : NULL,
			   after[0] ? after : NULL))
			return 1;
		sent++;
	}
	for (k = 0; k < n * np; k++)
		q += st[k].queued;
	if (!sent)
		printf("%s: nothing to submit (%zu shard%s queued, the others finished)\n", dir, q,
		       q == 1 ? "" : "s");
	return 0;
}

/* DIR/slurm/job.sh: one shard a task.  0 or 1. */
static int write_script(const char *dir, const char *cwd, const char *exe,
			const struct bench_request *o, size_t np, char **shard_args)
{
	char path[PATH_MAX + 32];
	struct as_file a;
	FILE *f;
	size_t i;
	int e;
	snprintf(path, sizeof path, "%s/slurm/job.sh", dir);
	if ((e = as_file_open(&a, path))) {
		bench_err("cannot write %s: %s", path, strerror(e));
		return 1;
	}
	f = a.f;
	fputs("#!/bin/sh\n"
	      "# allocswap bench: one shard of the matrix a Slurm array task (written by\n"
	      "# allocswap bench --engine slurm; allocswap bench --resume DIR submits it again)\n"
	      "#SBATCH --job-name=allocswap-bench\n"
	      "#SBATCH --output=",
	      f);
	bench_sh_quote(f, dir, 1);
	fputs("/slurm/%A_%a.out\n"
	      "#SBATCH --nodes=1\n"
	      "#SBATCH --ntasks=1\n"
	      "#SBATCH --exclusive\n",
	      f);
	if (np == 1 && o->partition) {
		fputs("#SBATCH --partition=", f);
		bench_sh_quote(f, o->partition, 1);
		fputc('\n', f);
	}
	/* with partitions, sbatch -p names the one of each array: a host class.
	 * The options' relative paths are the submitter's: its directory,
	 * wherever the task runs (and whoever resubmits it) */
	fputs("set -u\ncd ", f);
	bench_sh_quote(f, cwd, 0);
	fputs(" || exit 1\n"
	      "k=${SLURM_ARRAY_TASK_ID:?not a Slurm array task}\n"
	      "d=",
	      f);
	bench_sh_quote(f, dir, 0);
	fprintf(f, "/shards/%s$k\n"
		   "if [ -f \"$d/meta.json\" ]; then\n"
		   "\texec ",
		np > 1 ? "${SLURM_JOB_PARTITION:?not run by Slurm}-" : "");
	bench_sh_quote(f, exe, 0);
	fputs(" bench --resume \"$d\"\nfi\nexec ", f);
	bench_sh_quote(f, exe, 0);
	fputs(" bench", f);
	for (i = 0; shard_args[i]; i++) {
		fputc(' ', f);
		bench_sh_quote(f, shard_args[i], 0);
	}
	fprintf(f, " --shards %lu --shard \"$k\" -o \"$d\"\n", o->shards);
	/* sbatch runs it as it is, but a user may too */
	e = fchmod(fileno(f), 0755) ? errno : 0;
	if (e)
		as_file_close(&a, 0);
	else
		e = as_file_close(&a, 1);
	if (e) {
		bench_err("cannot write %s: %s", path, strerror(e));
		return 1;
	}
	return 0;
}

/* --partition LIST into a JSON array (each a name fit for a directory,
 * once); NULL after an error line. */
static json_t *partitions_json(const char *list)
{
	json_t *a = json_array(), *v;
	char **p = list ? as_split_list(list) : NULL;
	size_t i, k;
	for (i = 0; p && p[i]; i++) {
		int dup = 0;
		if (!*p[i] || strlen(p[i]) > PART_MAX ||
		    strspn(p[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789_.-") != strlen(p[i])) {
			as_usage_err("bench", "--partition '%s': a Slurm partition name (letters, "
					      "digits, _ . -; at most %d), or several, comma-separated",
				     p[i], PART_MAX);
			goto bad;
		}
		json_array_foreach (a, k, v)
			dup |= !strcmp(json_string_value(v), p[i]);
		if (dup) {
			as_usage_err("bench", "--partition lists '%s' twice", p[i]);
			goto bad;
		}
		json_array_append_new(a, json_string(p[i]));
	}
	free(p);
	return a;
bad:
	free(p);
	json_decref(a);
	return NULL;
}

int bench_engine_submit(const struct bench_matrix *m, const struct bench_request *o, int argc,
			char **argv)
{
	char dir[PATH_MAX], exe[PATH_MAX], path[PATH_MAX + 32], cwd[PATH_MAX];
	char **shard_args = bench_opts_shard_argv(argc, argv);
	struct shard_state *st = NULL;
	json_t *eng = NULL, *parts = NULL, *npc;
	int rc = 1, e;
	(void)m;
	if (!shard_args) {
		bench_err("out of memory");
		return 1;
	}
	if (!strcmp(o->engine, "k8s")) {
		rc = bench_k8s_emit(o, o->shards, shard_args);
		goto out;
	}
	if (!(parts = partitions_json(o->partition))) {
		rc = 2;
		goto out;
	}
	if (!getcwd(cwd, sizeof cwd)) {
		bench_err("cannot tell the current directory, where the tasks would run: %s",
			  strerror(errno));
		goto out;
	}
	if ((e = as_mkdirs(o->output)) || !realpath(o->output, dir)) {
		bench_err("cannot create %s: %s", o->output, strerror(e ? e : errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/engine.json", dir);
	if (!access(path, F_OK)) {
		bench_err("%s already holds a submitted matrix (engine.json): follow or resume it "
			  "with --resume %s, or choose another -o",
			  dir, o->output);
		rc = 2;
		goto out;
	}
	snprintf(path, sizeof path, "%s/meta.json", dir);
	if (!access(path, F_OK)) {
		bench_err("%s already holds a matrix (meta.json); choose another -o", dir);
		rc = 2;
		goto out;
	}
	{
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0) {
			bench_err("cannot tell where this allocswap is (/proc/self/exe): %s",
				  strerror(errno));
			goto out;
		}
		exe[n] = 0;
	}
	snprintf(path, sizeof path, "%s/slurm", dir);
	if ((e = as_mkdirs(path))) {
		bench_err("cannot create %s: %s", path, strerror(e));
		goto out;
	}
	snprintf(path, sizeof path, "%s/shards", dir);
	if ((e = as_mkdirs(path))) {
		bench_err("cannot create %s: %s", path, strerror(e));
		goto out;
	}
	if (write_script(dir, cwd, exe, o, json_array_size(parts) > 1 ? json_array_size(parts) : 1,
			 shard_args))
		goto out;
	/* --resume DIR submits with the same throttle */
	npc = o->nodes_per_class == BENCH_UNSET ? json_null()
						: json_integer((json_int_t)o->nodes_per_class);
	eng = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:O, s:o, s:o, s:[]}", "schema",
			ENGINE_SCHEMA, "engine", "slurm", "shards", (json_int_t)o->shards, "allocswap",
			exe, "cwd", cwd, "script", "slurm/job.sh", "partitions", parts,
			"nodes_per_class", npc, "command", bench_command_json(argc, argv), "jobs");
	st = eng ? calloc(o->shards * eng_np(eng), sizeof *st) : NULL;
	if (!st)
		goto out;
	if ((rc = submit_todo(dir, eng, o->shards, st)))
		goto out;
	if (o->wait) {
		as_launch_signals_install();
		rc = follow(dir, eng, o->shards, o->quiet);
	} else {
		printf("follow it: " ALLOCSWAP_CLI_NAME " bench --resume %s --wait\n", o->output);
	}
out:
	free(st);
	json_decref(eng);
	json_decref(parts);
	free(shard_args);
	return rc;
}

int bench_engine_resume(const struct bench_request *o)
{
	char dir[PATH_MAX], why[512];
	struct shard_state *st = NULL;
	json_t *eng;
	unsigned long n;
	int rc = 1, acct;
	if (!realpath(o->resume, dir) || !(eng = engine_load(dir))) {
		char mf[PATH_MAX + 32], meta[PATH_MAX + 32];
		snprintf(mf, sizeof mf, "%s/job.json", o->resume);
		snprintf(meta, sizeof meta, "%s/meta.json", o->resume);
		if (!access(mf, F_OK) && access(meta, F_OK))
			return bench_k8s_resume(o->resume);
		if (!o->wait)
			return BENCH_SHARD_DONE; /* an ordinary bench directory */
		bench_err("--resume %s --wait: %s has no engine.json; --wait follows a Slurm array "
			  "(bench --engine slurm -o DIR)",
			  o->resume, o->resume);
		return 2;
	}
	n = (unsigned long)json_integer_value(json_object_get(eng, "shards"));
	if (strcmp(as_jstr(eng, "engine") ? as_jstr(eng, "engine") : "", "slurm") || !n ||
	    !json_is_array(json_object_get(eng, "jobs"))) {
		int k8s = !strcmp(as_jstr(eng, "engine") ? as_jstr(eng, "engine") : "", "k8s");
		json_decref(eng);
		if (k8s)
			return bench_k8s_resume(o->resume);
		bench_err("--resume %s: its engine.json is not a Slurm array's", o->resume);
		return 2;
	}
	if (o->output || o->allocators || o->bench || o->ncmds || o->runs != BENCH_UNSET) {
		bench_err("--resume %s: the matrix of a submitted array comes from its job script; "
			  "give only --resume DIR and --wait",
			  o->resume);
		json_decref(eng);
		return 2;
	}
	st = calloc(n * eng_np(eng), sizeof *st);
	if (!st)
		goto out;
	if (shards_poll(dir, eng, n, st, &acct, why, sizeof why)) {
		bench_err("%s; nothing submitted (what is queued is not known): try " ALLOCSWAP_CLI_NAME
			  " bench --resume %s%s again",
			  why, dir, o->wait ? " --wait" : "");
		goto out;
	}
	if (submit_todo(dir, eng, n, st))
		goto out;
	rc = 0;
	if (o->wait) {
		as_launch_signals_install();
		rc = follow(dir, eng, n, o->quiet);
	}
out:
	free(st);
	json_decref(eng);
	return rc;
}
