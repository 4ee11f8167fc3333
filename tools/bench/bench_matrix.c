/* bench_matrix: the axes, the configurations and the order (see bench.h). */
#include "bench.h"
#include "images.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_backend.h"

/* One value an axis knows.  why_not is NULL for a value that runs here;
 * otherwise it says what is missing.  prefix: the value is a prefix
 * ("docker:" takes any image after it). */
struct axis_value {
	const char *value;
	const char *why_not;
	int prefix;
};

static const struct axis_value libc_values[] = {
	{"glibc", NULL, 0},
	{"musl", NULL, 0},
	{NULL, NULL, 0},
};

/* Pythons are names or paths, checked by bench_pythons_resolve; any word
 * passes here. */
static const struct axis_value python_values[] = {
	{"", NULL, 1},
	{NULL, NULL, 0},
};

/* Images are resolved by bench_images_resolve (launch.h): host, a built-in
 * image, a root filesystem directory, docker:REF or podman:REF. */
static const struct axis_value image_values[] = {
	{"host", NULL, 0},
	{"docker:", NULL, 1},
	{"podman:", NULL, 1},
	{"", NULL, 1},
	{NULL, NULL, 0},
};

static const struct axis_value pymalloc_values[] = {
	{"on", NULL, 0},
	{"off", NULL, 0},
	{NULL, NULL, 0},
};

/* none: the runner's own (no filter on the host or in a rootfs; an
 * engine's own default profile); default and unconfined: launch.h. */
static const struct axis_value seccomp_values[] = {
	{"none", NULL, 0},
	{"default", NULL, 0},
	{"unconfined", NULL, 0},
	{NULL, NULL, 0},
};

/* libswap's ALLOCSWAP_STATS (DESIGN.md section 2): what a process pays for
 * being measured, as an axis, so that its cost is a result like any other. */
static const struct axis_value stats_values[] = {
	{"off", NULL, 0},
	{"counters", NULL, 0},
	{"full", NULL, 0},
	{NULL, NULL, 0},
};

/* results.h: libswap; direct, the allocator preloaded by itself */
static const struct axis_value preload_values[] = {
	{"libswap", NULL, 0},
	{"direct", NULL, 0},
	{NULL, NULL, 0},
};

static const struct axis {
	const char *name;
	const struct axis_value *values;
} axes[] = {
	[BENCH_AX_LIBC] = {"libc", libc_values},
	[BENCH_AX_IMAGE] = {"image", image_values},
	[BENCH_AX_PYMALLOC] = {"pymalloc", pymalloc_values},
	[BENCH_AX_SECCOMP] = {"seccomp", seccomp_values},
	[BENCH_AX_PYTHON] = {"python", python_values},
	[BENCH_AX_PRELOAD] = {"preload", preload_values},
	[BENCH_AX_STATS] = {"stats", stats_values},
};
_Static_assert(sizeof axes / sizeof axes[0] == BENCH_NAXES, "one table row per axis");

const char *bench_axis_name(enum bench_axis_id a)
{
	return (unsigned)a < BENCH_NAXES ? axes[a].name : NULL;
}

/* --quick's image axis: the host, and every built-in image that can be
 * built here ("host,bookworm,trixie,musl"); one that turns out not to run
 * here is dropped later, with a note (bench_images_resolve). */
static const char *quick_images(void)
{
	static char buf[512];
	struct as_image *v = NULL;
	size_t n = 0, i, len;
	len = (size_t)snprintf(buf, sizeof buf, "host");
	if (as_build_script() && as_images_list(&v, &n) == 0)
		for (i = 0; i < n; i++)
			if (!v[i].why_not[0] && len + strlen(v[i].name) + 2 < sizeof buf)
				len += (size_t)snprintf(buf + len, sizeof buf - len, ",%s", v[i].name);
	as_images_free(v, n);
	return buf;
}

const char *bench_axis_default(enum bench_axis_id a, enum bench_suite_id s, int quick)
{
	switch (a) {
	case BENCH_AX_LIBC:
		/* the quick matrix answers "glibc or musl?" too (DESIGN.md 4);
		 * with the built-in suite, the only one a musl Python runs here */
		return quick && s == BENCH_SUITE_BUILTIN ? "glibc,musl" : "glibc";
	case BENCH_AX_PYTHON:
		return "default";
	case BENCH_AX_PRELOAD:
		return AS_PRELOAD_DEFAULT;
	case BENCH_AX_IMAGE:
		return quick && s == BENCH_SUITE_BUILTIN ? quick_images() : "host";
	case BENCH_AX_PYMALLOC:
		/* pymalloc hides objects <= 512 B from malloc: off is half the
		 * story for Python, and meaningless for an arbitrary command */
		return quick || s == BENCH_SUITE_CMD ? "on" : "on,off";
	case BENCH_AX_SECCOMP:
		return "none";
	case BENCH_AX_STATS:
		/* the timed processes pay nothing for being measured; memory
		 * processes count (bench.h, bench_cfg_memory) */
		return "off";
	case BENCH_NAXES:
		break;
	}
	return "";
}

static const struct axis_value *axis_find(const struct axis *ax, const char *v)
{
	const struct axis_value *x;
	for (x = ax->values; x->value; x++) {
		size_t n = strlen(x->value);
		if (x->prefix ? !strncmp(v, x->value, n) && v[n] : !strcmp(v, x->value))
			return x;
	}
	return NULL;
}

int bench_axis_check(enum bench_axis_id a, char *const *list)
{
	const struct axis *ax = &axes[a];
	size_t i, j;
	if (!list[0] || (!list[0][0] && !list[1]))
		return as_usage_err("bench", "--%s needs at least one value", ax->name);
	for (i = 0; list[i]; i++) {
		const struct axis_value *x = axis_find(ax, list[i]);
		if (!x) {
			fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: %s '%s' is not one of:", ax->name,
				list[i]);
			for (x = ax->values; x->value; x++)
				fprintf(stderr, "%s %s%s", x == ax->values ? "" : ",", x->value,
					x->prefix ? "NAME" : "");
			fputc('\n', stderr);
			return 2;
		}
		if (x->why_not) {
			bench_err("--%s %s: %s", ax->name, list[i], x->why_not);
			return 2;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(list[i], list[j]))
				return as_usage_err("bench", "--%s lists '%s' twice", ax->name,
						    list[i]);
	}
	return 0;
}

/* ---- the allocators -------------------------------------------------------------- */

int bench_label_valid(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.' || *s == '+'))
			return 0;
	return 1;
}

static void alloc_choices_err(const char *bad)
{
	size_t i;
	fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: allocator '%s' is not one of:", bad);
	for (i = 0; i < _as_backend_count; i++)
		fprintf(stderr, "%s %s", i ? "," : "", _as_backend_table[i].name);
	fprintf(stderr, ", none, or a path to a .so that exports malloc and free (LABEL=PATH)\n");
}

/* One -a entry into a; 0 or 2. */
static int alloc_parse(const char *s, struct bench_alloc *a)
{
	const char *eq = strchr(s, '='), *slash = strchr(s, '/');
	size_t i;
	memset(a, 0, sizeof *a);
	if (slash) {
		const char *path = eq && eq < slash ? eq + 1 : s;
		if (eq && eq < slash) {
			snprintf(a->name, sizeof a->name, "%.*s", (int)(eq - s), s);
		} else {
			const char *base = strrchr(s, '/') + 1, *dot = strstr(base, ".so");
			snprintf(a->name, sizeof a->name, "%.*s",
				 (int)(dot && dot > base ? (size_t)(dot - base) : strlen(base)), base);
			if (!strncmp(a->name, "lib", 3) && a->name[3])
				memmove(a->name, a->name + 3, strlen(a->name) - 2);
		}
		if (!bench_label_valid(a->name))
			return as_usage_err("bench", "allocator label '%s' (from '%s') must be letters, "
						     "digits, and _ - . +; name it with LABEL=PATH",
					    a->name, s);
		if (access(path, R_OK)) {
			bench_err("allocator %s: cannot read %s: %s", a->name, path,
			       strerror(errno));
			return 2;
		}
		snprintf(a->spec, sizeof a->spec, "%s", path);
		return 0;
	}
	if (!strcmp(s, "none")) {
		snprintf(a->name, sizeof a->name, "none");
		return 0;
	}
	for (i = 0; i < _as_backend_count; i++)
		if (!strcmp(s, _as_backend_table[i].name)) {
			snprintf(a->name, sizeof a->name, "%s", s);
			snprintf(a->spec, sizeof a->spec, "%s", s);
			return 0;
		}
	alloc_choices_err(s);
	return 2;
}

int bench_allocs_parse(struct bench_matrix *m, const char *list, int *explicit_)
{
	char **v = NULL;
	size_t n, i, j;
	int rc = 0;
	*explicit_ = list != NULL;
	if (list) {
		v = as_split_list(list);
		if (!v)
			return ENOMEM;
		for (n = 0; v[n]; n++)
			;
	} else {
		n = _as_backend_count;
	}
	m->allocs = calloc(n ? n : 1, sizeof *m->allocs);
	if (!m->allocs) {
		free(v);
		return ENOMEM;
	}
	for (i = 0; i < n; i++) {
		rc = alloc_parse(v ? v[i] : _as_backend_table[i].name, &m->allocs[i]);
		if (rc)
			break;
		for (j = 0; j < i; j++)
			if (!strcmp(m->allocs[i].name, m->allocs[j].name)) {
				rc = as_usage_err("bench", "allocator '%s' is listed twice",
						  m->allocs[i].name);
				break;
			}
		if (rc)
			break;
	}
	if (!rc && n == 0)
		rc = as_usage_err("bench", "--allocators needs at least one allocator");
	m->nallocs = rc ? 0 : n;
	free(v);
	return rc;
}

int bench_add(struct bench_matrix *m, const char *name, const char *group, const char *cmd)
{
	struct bench_bench *nb = realloc(m->benches, (m->nbenches + 1) * sizeof *nb);
	if (!nb)
		return ENOMEM;
	m->benches = nb;
	nb = &m->benches[m->nbenches++];
	memset(nb, 0, sizeof *nb);
	nb->name = strdup(name);
	nb->group = group ? strdup(group) : NULL;
	nb->cmd = cmd ? strdup(cmd) : NULL;
	return nb->name ? 0 : ENOMEM;
}

int bench_has(const struct bench_matrix *m, const char *name)
{
	size_t i;
	for (i = 0; i < m->nbenches; i++)
		if (!strcmp(m->benches[i].name, name))
			return 1;
	return 0;
}

void bench_matrix_free(struct bench_matrix *m)
{
	size_t i;
	int a;
	for (i = 0; i < m->nbenches; i++) {
		free(m->benches[i].name);
		free(m->benches[i].group);
		free(m->benches[i].cmd);
	}
	free(m->benches);
	for (a = 0; a < BENCH_NAXES; a++)
		free(m->axis[a]);
	free(m->allocs);
	free(m->cfgs);
	free(m->pythons);
	free(m->pymap);
	free(m->images);
	free(m->img_ok);
	memset(m, 0, sizeof *m);
}

/* Drops image value i (it came from --quick's default and cannot run here),
 * saying why. */
static void drop_image(struct bench_matrix *m, size_t i, const char *why)
{
	char **v = m->axis[BENCH_AX_IMAGE];
	bench_err("note: the default matrix leaves image %s out: %s", v[i], why);
	for (; v[i]; i++)
		v[i] = v[i + 1];
}

int bench_images_resolve(struct bench_matrix *m, int lenient, int dry_run)
{
	size_t n = 0, i;
	char why[1024];
	while (m->axis[BENCH_AX_IMAGE][n])
		n++;
	free(m->images);
	m->nimages = 0;
	m->images = calloc(n ? n : 1, sizeof *m->images);
	if (!m->images)
		return ENOMEM;
	for (i = 0; i < n;) {
		struct as_launch_image *im = &m->images[i];
		const char *v = m->axis[BENCH_AX_IMAGE][i];
		const char *lib;
		why[0] = 0;
		if (as_launch_image_resolve(v, im, !dry_run, why, sizeof why)) {
			if (lenient && strcmp(v, "host")) {
				drop_image(m, i, why[0] ? why : "it cannot be built here (above)");
				n--;
				continue;
			}
			if (why[0])
				bench_err("--image %s: %s", v, why);
			return 2;
		}
		if (im->runner == AS_RUNNER_HOST || !im->ref[0]) { /* host; not built: dry run */
			i++;
			continue;
		}
		if (m->suite == BENCH_SUITE_PYPERFORMANCE) {
			bench_err("--image %s: pyperformance runs on the host only (it is not in the "
				  "images); use the built-in suite or --suite cmd",
				  v);
			return 2;
		}
		lib = as_libswap_path(im->libc);
		if (!lib)
			snprintf(why, sizeof why, "it is a %s image, and libswap.so for %s is not built",
				 im->libc, im->libc);
		else
			as_launch_libswap_fits(lib, im, why, sizeof why);
		if (why[0] && lenient) {
			drop_image(m, i, why);
			n--;
			continue;
		}
		if (why[0]) {
			bench_err("--image %s: %s", v, why);
			return 2;
		}
		i++;
	}
	m->nimages = n;
	return 0;
}

int bench_configs(struct bench_matrix *m)
{
	size_t n = m->nallocs, a, idx[BENCH_NAXES], k;
	int ax;
	for (ax = 0; ax < BENCH_NAXES; ax++) {
		size_t c = 0;
		while (m->axis[ax][c])
			c++;
		n *= c;
	}
	free(m->cfgs);
	m->cfgs = calloc(n ? n : 1, sizeof *m->cfgs);
	if (!m->cfgs)
		return ENOMEM;
	m->ncfgs = 0;
	for (a = 0; a < m->nallocs; a++) {
		memset(idx, 0, sizeof idx);
		for (;;) {
			struct bench_cfg *c = &m->cfgs[m->ncfgs];
			const char *libc = m->axis[BENCH_AX_LIBC][idx[BENCH_AX_LIBC]];
			int l = bench_libc_index(libc);
			long py = m->suite == BENCH_SUITE_CMD
					  ? 0
					  : m->pymap[idx[BENCH_AX_PYTHON] * BENCH_NLIBCS + (size_t)l];
			const struct as_launch_image *im =
				m->nimages ? &m->images[idx[BENCH_AX_IMAGE]] : NULL;
			/* an image brings its own libc and Python: its cells are made
			 * once, at the first value of those axes */
			if (im && im->runner != AS_RUNNER_HOST) {
				libc = im->libc;
				py = idx[BENCH_AX_LIBC] || idx[BENCH_AX_PYTHON] ? -1 : 0;
			}
			if (im && m->img_ok && !m->img_ok[a * m->nimages + idx[BENCH_AX_IMAGE]])
				py = -1; /* the allocator does not load in that image */
			/* direct: host cells of an allocator with a library, once */
			if (!strcmp(m->axis[BENCH_AX_PRELOAD][idx[BENCH_AX_PRELOAD]], "direct") &&
			    (!m->allocs[a].spec[0] || idx[BENCH_AX_STATS] ||
			     (im && im->runner != AS_RUNNER_HOST)))
				py = -1;
			if (bench_alloc_runs_on(&m->allocs[a], libc) && py >= 0) {
				memset(c, 0, sizeof *c);
				snprintf(c->c.allocator, sizeof c->c.allocator, "%s", m->allocs[a].name);
				snprintf(c->c.libc, sizeof c->c.libc, "%s", libc);
				snprintf(c->c.image, sizeof c->c.image, "%s",
					 m->axis[BENCH_AX_IMAGE][idx[BENCH_AX_IMAGE]]);
				snprintf(c->c.pymalloc, sizeof c->c.pymalloc, "%s",
					 m->axis[BENCH_AX_PYMALLOC][idx[BENCH_AX_PYMALLOC]]);
				snprintf(c->c.seccomp, sizeof c->c.seccomp, "%s",
					 m->axis[BENCH_AX_SECCOMP][idx[BENCH_AX_SECCOMP]]);
				snprintf(c->c.stats, sizeof c->c.stats, "%s",
					 m->axis[BENCH_AX_STATS][idx[BENCH_AX_STATS]]);
				snprintf(c->c.preload, sizeof c->c.preload, "%s",
					 m->axis[BENCH_AX_PRELOAD][idx[BENCH_AX_PRELOAD]]);
				snprintf(c->c.python, sizeof c->c.python, "%s",
					 m->suite == BENCH_SUITE_CMD || (im && im->runner != AS_RUNNER_HOST)
						 ? AS_PYTHON_DEFAULT
						 : m->pythons[py].name);
				c->img = im ? idx[BENCH_AX_IMAGE] : 0;
				as_config_id(&c->c, c->id, sizeof c->id);
				c->alloc = a;
				c->py = (size_t)py;
				m->ncfgs++;
			}
			/* odometer over the other axes, the last one fastest */
			for (k = BENCH_NAXES; k-- > 0;) {
				if (m->axis[k][++idx[k]])
					break;
				idx[k] = 0;
			}
			if (k == (size_t)-1)
				break;
		}
	}
	if (!m->ncfgs) {
		bench_err("no configuration of the matrix can run: no allocator has a build for "
			  "the libcs asked for (allocswap list says which run where)");
		return 2;
	}
	/* labels: "jemalloc", or "jemalloc pymalloc=off" when pymalloc varies */
	for (k = 0; k < m->ncfgs; k++) {
		struct bench_cfg *c = &m->cfgs[k];
		const char *vals[BENCH_NAXES] = {c->c.libc,    c->c.image,  c->c.pymalloc,
						 c->c.seccomp, c->c.python, c->c.preload,
						 c->c.stats};
		size_t len = (size_t)snprintf(c->label, sizeof c->label, "%s", c->c.allocator);
		for (ax = 0; ax < BENCH_NAXES; ax++)
			if (m->axis[ax][0] && m->axis[ax][1] && len < sizeof c->label)
				len += (size_t)snprintf(c->label + len, sizeof c->label - len, " %s=%s",
							axes[ax].name, vals[ax]);
	}
	return 0;
}

int bench_cfg_memory(const struct bench_matrix *m, const struct bench_cfg *c)
{
	return m->memory_runs && m->allocs[c->alloc].spec[0] && !strcmp(c->c.stats, "off") &&
	       !bench_cfg_direct(c);
}

int bench_cfg_direct(const struct bench_cfg *c)
{
	return !strcmp(c->c.preload, "direct");
}

const char *bench_slot_stats(const struct bench_matrix *m, const struct bench_slot *s)
{
	const struct bench_cfg *c = &m->cfgs[s->cfg];
	if (s->memory)
		return BENCH_MEMORY_STATS;
	return c->c.stats[0] ? c->c.stats : AS_STATS_DEFAULT;
}

/* One round of the plan: every benchmark, and for each every configuration
 * once (those that take part: memory rounds only the cells that have memory
 * processes), rotated by round + benchmark so that no configuration is
 * always first, neither within a round nor across rounds.  r is the timed
 * run (< 0 a warm-up), or with memory the memory process's index. */
static size_t plan_round(const struct bench_matrix *m, const unsigned char *done, long r,
			 int memory, const unsigned char *only, struct bench_slot *out)
{
	size_t n = 0, b, k, nc = m->ncfgs, per = bench_cell_slots(m);
	for (b = 0; b < m->nbenches; b++) {
		if (only && !only[b])
			continue;
		size_t rot = (size_t)((((r + (long)b) % (long)nc) + (long)nc) % (long)nc);
		for (k = 0; k < nc; k++) {
			size_t c = (k + rot) % nc;
			const unsigned char *cell = done ? done + (b * nc + c) * per : NULL;
			if (memory) {
				if (!bench_cfg_memory(m, &m->cfgs[c]) ||
				    (cell && cell[m->runs + (size_t)r]))
					continue;
			} else if (r < 0) {
				size_t j;
				int pending = !cell;
				for (j = 0; cell && j < m->runs && !pending; j++)
					pending = !cell[j];
				if (!pending)
					continue;
			} else if (cell && cell[r]) {
				continue;
			}
			out[n].run = r;
			out[n].bench = b;
			out[n].cfg = c;
			out[n].memory = memory;
			n++;
		}
	}
	return n;
}

size_t bench_plan(const struct bench_matrix *m, const unsigned char *done,
		  struct bench_slot *out)
{
	size_t n = 0;
	long r, k = 0, nm = (long)m->memory_runs;
	if (!m->ncfgs)
		return 0;
	for (r = -(long)m->warmup_runs; r < (long)m->runs; r++) {
		n += plan_round(m, done, r, 0, NULL, out + n);
		/* memory round k after timed round (k + 1) * runs / (nm + 1) - 1 */
		for (; r >= 0 && k < nm && (k + 1) * (long)m->runs / (nm + 1) - 1 <= r; k++)
			n += plan_round(m, done, k, 1, NULL, out + n);
	}
	return n;
}

size_t bench_plan_round(const struct bench_matrix *m, const unsigned char *only, long r,
			struct bench_slot *out)
{
	return m->ncfgs ? plan_round(m, NULL, r, 0, only, out) : 0;
}

static void unset_prefix(struct as_env *e, const char *prefix)
{
	size_t i, len = strlen(prefix);
	for (i = 0; i < e->n;) {
		if (!strncmp(e->v[i], prefix, len)) {
			char name[256];
			const char *eq = strchr(e->v[i], '=');
			size_t nl = eq ? (size_t)(eq - e->v[i]) : strlen(e->v[i]);
			if (nl >= sizeof name)
				nl = sizeof name - 1;
			memcpy(name, e->v[i], nl);
			name[nl] = 0;
			as_env_unset(e, name);
			continue;
		}
		i++;
	}
}

/* What the caller's environment may not bring into an experiment:
 * PYTHONMALLOC (the pymalloc axis sets it), ALLOCSWAP_* (the allocator axis
 * sets them), and glibc's MALLOC_* knobs (MALLOC_PERTURB_, which meson test
 * sets, memsets every freed block: it would slow the system allocator
 * alone). */
static const char *const removed_prefixes[] = {"PYTHONMALLOC=", "ALLOCSWAP_", "MALLOC_", NULL};

void bench_env_plain(struct as_env *env)
{
	size_t i;
	as_env_init(env, NULL);
	for (i = 0; removed_prefixes[i]; i++)
		unset_prefix(env, removed_prefixes[i]);
}

json_t *bench_env_json(void)
{
	extern char **environ;
	json_t *j = json_object(), *removed = json_array();
	const char *keep[] = {"LD_PRELOAD", "GLIBC_TUNABLES", "PYTHONPATH", "PYTHONHOME", NULL};
	size_t i, k;
	for (i = 0; environ[i]; i++)
		for (k = 0; removed_prefixes[k]; k++)
			if (!strncmp(environ[i], removed_prefixes[k], strlen(removed_prefixes[k]))) {
				const char *eq = strchr(environ[i], '=');
				json_array_append_new(removed,
						      json_stringn(environ[i], eq ? (size_t)(eq - environ[i]) :
										    strlen(environ[i])));
			}
	json_object_set_new(j, "removed", removed);
	for (k = 0; keep[k]; k++) {
		const char *v = getenv(keep[k]);
		if (v)
			json_object_set_new(j, keep[k], json_string(v));
	}
	return j;
}

const char *bench_cfg_python(const struct bench_matrix *m, const struct bench_cfg *c)
{
	if (m->suite == BENCH_SUITE_CMD)
		return NULL;
	if (m->nimages && m->images[c->img].runner != AS_RUNNER_HOST)
		return m->images[c->img].python;
	return m->npythons ? m->pythons[c->py].path : NULL;
}

void bench_launch_cfg(const struct bench_matrix *m, const struct bench_cfg *c,
		      const struct as_env *base, struct as_launch_cfg *cfg)
{
	const struct bench_alloc *a = &m->allocs[c->alloc];
	memset(cfg, 0, sizeof *cfg);
	cfg->image = m->nimages && m->images[c->img].runner != AS_RUNNER_HOST ? &m->images[c->img]
									      : NULL;
	cfg->libc = c->c.libc[0] ? c->c.libc : NULL;
	cfg->allocator = a->spec[0] && !bench_cfg_direct(c) ? a->spec : NULL;
	/* direct: the library the probe loaded under this libc (system: none) */
	if (bench_cfg_direct(c) && strcmp(a->name, "system")) {
		int l = bench_libc_index(c->c.libc);
		cfg->direct = l >= 0 && a->by[l].path[0] ? a->by[l].path : a->path;
	}
	cfg->stats = c->c.stats[0] ? c->c.stats : AS_STATS_DEFAULT;
	cfg->pymalloc = c->c.pymalloc[0] ? c->c.pymalloc : NULL;
	cfg->seccomp = c->c.seccomp[0] ? c->c.seccomp : NULL;
	cfg->env = base ? base->v : NULL;
}
