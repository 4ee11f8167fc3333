/* bench_meta: what DIR/meta.json says about where results came from (see
 * results.h for the contract): allocswap's version and commit, the command
 * line, host facts (hostname, kernel, CPU, CPUs, memory), the Python, the
 * libcs, each allocator's version and path as the probe's libswap report
 * gave them, the environment bench cleaned, the suite and the matrix.
 */
#include "bench.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *bench_iso_now(char *buf, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* ---- host facts --------------------------------------------------------------- */

/* The value of "key<spaces>: value" or "key: value" in a /proc file. */
static int proc_field(const char *path, const char *key, char *out, size_t cap)
{
	char *s = as_read_all(path, NULL), *p;
	size_t kl = strlen(key);
	int rc = ENOENT;
	if (!s)
		return errno;
	for (p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && (p[kl] == ':' || p[kl] == ' ' || p[kl] == '\t')) {
			char *v = strchr(p, ':'), *e;
			if (!v)
				break;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			if (e)
				*e = 0;
			snprintf(out, cap, "%s", v);
			rc = 0;
			break;
		}
	}
	free(s);
	return rc;
}

json_t *bench_host_json(void)
{
	struct utsname u;
	char cpu[256] = "", mem[64] = "";
	json_t *h = json_object();
	if (uname(&u) == 0) {
		json_object_set_new(h, "hostname", json_string(u.nodename));
		json_object_set_new(h, "kernel", json_string(u.release));
		json_object_set_new(h, "kernel_build", json_string(u.version));
		json_object_set_new(h, "machine", json_string(u.machine));
	}
	if (proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu) == 0)
		json_object_set_new(h, "cpu", json_string(cpu));
	else
		json_object_set_new(h, "cpu", json_null());
	json_object_set_new(h, "nproc", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	if (proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem) == 0)
		json_object_set_new(h, "mem_bytes", json_integer(strtoll(mem, NULL, 10) * 1024));
	else
		json_object_set_new(h, "mem_bytes", json_null());
	return h;
}

char *bench_python_version(const char *python, const char *tmpdir)
{
	char out[PATH_MAX + 32];
	char *argv[] = {(char *)python, "-I", "-S", "-c",
			"import sys; print('%d.%d.%d' % sys.version_info[:3])", NULL};
	struct as_launch_result p;
	char line[128];
	snprintf(out, sizeof out, "%s/pyversion.out", tmpdir);
	int rc = bench_run_plain(tmpdir, argv, out, NULL, &p);
	as_launch_result_free(&p);
	if (rc || !WIFEXITED(p.status) || WEXITSTATUS(p.status)) {
		unlink(out);
		return NULL;
	}
	bench_last_line(out, line, sizeof line);
	unlink(out);
	return line[0] ? strdup(line) : NULL;
}

/* ---- meta.json ----------------------------------------------------------------- */

static json_t *matrix_json(const struct bench_matrix *m)
{
	json_t *j = json_object(), *cfgs = json_array(), *benches = json_array(),
	       *loops = json_object();
	size_t i;
	for (i = 0; i < m->ncfgs; i++)
		json_array_append_new(cfgs, as_config_json(&m->cfgs[i].c));
	for (i = 0; i < m->nbenches; i++) {
		const struct bench_bench *b = &m->benches[i];
		json_t *bj = json_pack("{s:s, s:s?}", "name", b->name, "group", b->group);
		if (b->cmd)
			json_object_set_new(bj, "cmd", json_string(b->cmd));
		if (b->only[0])
			json_object_set_new(bj, "only", json_string(b->only));
		json_array_append_new(benches, bj);
		json_object_set_new(loops, b->name, json_integer((json_int_t)b->loops));
	}
	json_object_set_new(j, "suite", json_string(bench_suites[m->suite].name));
	json_object_set_new(j, "configs", cfgs);
	json_object_set_new(j, "benchmarks", benches);
	json_object_set_new(j, "runs", json_integer((json_int_t)m->runs));
	json_object_set_new(j, "memory_runs", json_integer((json_int_t)m->memory_runs));
	json_object_set_new(j, "until", m->until > 0 ? json_real(m->until) : json_null());
	json_object_set_new(j, "time", json_string(m->clock[0] ? m->clock : "auto"));
	json_object_set_new(j, "budget_s", m->budget_s > 0 ? json_real(m->budget_s) : json_null());
	json_object_set_new(j, "values", json_integer((json_int_t)m->values));
	json_object_set_new(j, "warmups", json_integer((json_int_t)m->warmups));
	json_object_set_new(j, "warmup_runs", json_integer((json_int_t)m->warmup_runs));
	json_object_set_new(j, "target_ms", m->target_ms > 0 ? json_real(m->target_ms) : json_null());
	json_object_set_new(j, "loops", loops);
	json_object_set_new(j, "fast", json_boolean(m->fast));
	json_object_set_new(j, "pyperformance_args",
			    m->pyperf_args ? json_string(m->pyperf_args) : json_null());
	json_object_set_new(j, "order",
			    json_string("for each run, for each benchmark, every configuration once, "
					"in the configuration list rotated by run + benchmark index; "
					"memory process k of every cell that has them (stats off) "
					"after run (k + 1) * runs / (memory_runs + 1) - 1, in the same "
					"order"));
	return j;
}

static json_t *allocators_json(const struct bench_matrix *m)
{
	json_t *j = json_object();
	size_t i;
	for (i = 0; i < m->nallocs; i++) {
		const struct bench_alloc *a = &m->allocs[i];
		json_object_set_new(
			j, a->name,
			json_pack("{s:s?, s:s?, s:s, s:s?, s:b}", "version",
				  a->version[0] ? a->version : NULL, "path", a->path[0] ? a->path : NULL,
				  "libc", a->libc, "spec", a->spec[0] ? a->spec : NULL, "preload",
				  a->spec[0] != 0));
	}
	return j;
}

/* {"musl": {"jemalloc": {"version", "path"}, ...}, "glibc": {...}}: what
 * the probe found loaded under each libc. */
static json_t *allocators_by_libc_json(const struct bench_matrix *m)
{
	json_t *j = json_object();
	size_t i, l;
	for (l = 0; l < BENCH_NLIBCS; l++) {
		json_t *one = json_object();
		for (i = 0; i < m->nallocs; i++) {
			const struct bench_alloc_libc *b = &m->allocs[i].by[l];
			if (!b->ok)
				continue;
			json_object_set_new(one, m->allocs[i].name,
					    json_pack("{s:s?, s:s?}", "version",
						      b->version[0] ? b->version : NULL, "path",
						      b->path[0] ? b->path : NULL));
		}
		if (json_object_size(one))
			json_object_set_new(j, as_libcs[l], one);
		else
			json_decref(one);
	}
	return j;
}

/* The Pythons of the matrix (results.h): builds with their size and build
 * time, the host's with its version. */
static json_t *pythons_json(const struct bench_matrix *m, const char *host_version)
{
	json_t *j = json_object();
	size_t i;
	for (i = 0; i < m->npythons; i++) {
		json_t *p = as_python_json(&m->pythons[i]);
		if (!json_object_get(p, "version")) {
			char *v = !strcmp(m->pythons[i].path, m->python) || !m->scratch[0]
					  ? NULL
					  : bench_python_version(m->pythons[i].path, m->scratch);
			json_object_set_new(p, "version",
					    json_string(v ? v : !strcmp(m->pythons[i].path, m->python)
									? host_version
									: ""));
			free(v);
		}
		json_object_set_new(j, m->pythons[i].name, p);
	}
	return j;
}

json_t *bench_command_json(int argc, char **argv)
{
	json_t *c = json_array();
	int i;
	json_array_append_new(c, json_string(ALLOCSWAP_CLI_NAME));
	for (i = 0; i < argc; i++)
		json_array_append_new(c, json_string(argv[i]));
	return c;
}

json_t *bench_meta_new(const struct bench_matrix *m, json_t *suite_info, json_t *command,
		       const char *python_version)
{
	char now[32];
	json_t *j = json_object(), *libcs = json_object();
	size_t i, l;
	json_object_set_new(j, "schema", json_string(AS_BENCH_SCHEMA));
	json_object_set_new(j, "allocswap", json_pack("{s:s, s:s}", "version", ALLOCSWAP_CLI_VERSION,
						      "commit", ALLOCSWAP_CLI_COMMIT));
	json_object_set_new(j, "command", command);
	json_object_set_new(j, "started", json_string(bench_iso_now(now, sizeof now)));
	json_object_set_new(j, "finished", json_null());
	json_object_set_new(j, "host", bench_host_json());
	json_object_set_new(j, "python",
			    m->suite == BENCH_SUITE_CMD ?
				    json_null() :
				    json_pack("{s:s, s:s?}", "path", m->python, "version", python_version));
	json_object_set_new(libcs, "glibc", json_string(gnu_get_libc_version()));
	for (i = 0; i < m->nallocs; i++)
		for (l = 0; l < BENCH_NLIBCS; l++)
			if (m->allocs[i].by[l].ok && m->allocs[i].by[l].libc_version[0])
				json_object_set_new(libcs, as_libcs[l],
						    json_string(m->allocs[i].by[l].libc_version));
	json_object_set_new(j, "libcs", libcs);
	json_object_set_new(j, "allocators", allocators_json(m));
	json_object_set_new(j, "allocators_by_libc", allocators_by_libc_json(m));
	json_object_set_new(j, "pythons", pythons_json(m, python_version));
	{
		/* the image axis's values, by the name the configs carry */
		json_t *imgs = json_object();
		for (i = 0; i < m->nimages; i++)
			json_object_set_new(imgs, m->axis[BENCH_AX_IMAGE][i],
					    as_launch_image_json(&m->images[i]));
		json_object_set_new(j, "images", imgs);
	}
	json_object_set_new(j, "libswap", m->libswap[0] ? json_string(m->libswap) : json_null());
	json_object_set_new(j, "environment", bench_env_json());
	json_object_set_new(suite_info, "name", json_string(bench_suites[m->suite].name));
	json_object_set(j, "suite", suite_info);
	json_object_set_new(j, "matrix", matrix_json(m));
	if (m->shard) /* one shard of a bigger matrix (bench_shard.c) */
		json_object_set(j, "shard", m->shard);
	return j;
}
