/* bench_libc: the libc axis of a matrix (see bench.h): which allocator runs
 * under which libc, the Pythons of each libc, the builds they need, and
 * the probes per libc. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_backend.h"

int bench_libc_index(const char *libc)
{
	int i;
	for (i = 0; as_libcs[i] && i < BENCH_NLIBCS; i++)
		if (!strcmp(as_libcs[i], libc))
			return i;
	return -1;
}

int bench_alloc_runs_on(const struct bench_alloc *a, const char *libc)
{
	int l = bench_libc_index(libc);
	size_t i;
	if (l < 0)
		return 0;
	if (a->by[l].probed && !a->by[l].ok)
		return 0;
	if (!a->spec[0] || strchr(a->spec, '/'))
		return 1;
	for (i = 0; i < _as_backend_count; i++)
		if (!strcmp(_as_backend_table[i].name, a->spec))
			return as_has_word(_as_backend_table[i].libcs, libc);
	return 0;
}

int bench_pythons_resolve(struct bench_matrix *m)
{
	char **pv = m->axis[BENCH_AX_PYTHON], **lv = m->axis[BENCH_AX_LIBC];
	size_t v, nv = 0, k;
	free(m->pythons);
	free(m->pymap);
	m->pythons = NULL;
	m->pymap = NULL;
	m->npythons = 0;
	while (pv[nv])
		nv++;
	m->pymap = malloc((nv ? nv : 1) * BENCH_NLIBCS * sizeof *m->pymap);
	m->pythons = calloc(nv * BENCH_NLIBCS + 1, sizeof *m->pythons);
	if (!m->pymap || !m->pythons)
		return ENOMEM;
	for (v = 0; v < nv * BENCH_NLIBCS; v++)
		m->pymap[v] = -1;
	if (m->suite == BENCH_SUITE_CMD) {
		if (strcmp(pv[0], "default") || pv[1])
			return as_usage_err("bench", "--python does not apply to --suite cmd (the "
						     "commands say what they run)");
		return 0;
	}
	for (v = 0; v < nv; v++) {
		char why[1024] = "";
		int used = 0;
		for (k = 0; lv[k]; k++) {
			struct as_python py;
			const char *want = pv[v];
			int l = bench_libc_index(lv[k]), rc;
			size_t j;
			if (!strcmp(want, "default"))
				want = !strcmp(lv[k], "musl") ? "os" : "host";
			rc = as_python_resolve(want, lv[k], &py, why, sizeof why);
			if (rc == EXDEV)
				continue; /* a Python of the other libc: not this cell */
			if (rc) {
				bench_err("%s", why);
				return 2;
			}
			for (j = 0; j < m->npythons; j++)
				if (!strcmp(m->pythons[j].name, py.name))
					m->pymap[v * BENCH_NLIBCS + (size_t)l] = (long)j;
			if (m->pymap[v * BENCH_NLIBCS + (size_t)l] < 0) {
				m->pythons[m->npythons] = py;
				m->pymap[v * BENCH_NLIBCS + (size_t)l] = (long)m->npythons++;
			}
			used = 1;
		}
		if (!used) {
			bench_err("%s, and --libc has no other", why);
			return 2;
		}
	}
	if (m->npythons)
		snprintf(m->python, sizeof m->python, "%s", m->pythons[0].path);
	return 0;
}

static int axis_has(const struct bench_matrix *m, int axis, const char *value)
{
	size_t i;
	for (i = 0; m->axis[axis][i]; i++)
		if (!strcmp(m->axis[axis][i], value))
			return 1;
	return 0;
}

static int has_musl(const struct bench_matrix *m)
{
	return axis_has(m, BENCH_AX_LIBC, "musl");
}

/* A dry run's word on a build target a real run would make first. */
static void note_unbuilt(const char *target)
{
	struct as_build b;
	if (as_build_get(target, &b) == 0 && !b.built)
		bench_err("note: %s is not built yet; a real run builds it first", target);
	as_build_clear(&b);
}

int bench_builds_ready(struct bench_matrix *m, int dry_run)
{
	size_t i;
	if (has_musl(m) && axis_has(m, BENCH_AX_STATS, "full")) {
		/* libunwind for the sampled sites of full-mode processes; without
		 * it they run all the same, their reports say why there are no
		 * native stacks */
		if (dry_run)
			note_unbuilt("musl-libunwind");
		else if (as_build_musl_unwind())
			bench_err("note: going on without musl-libunwind: sampled sites under musl will "
				  "have no native stacks");
	}
	if (has_musl(m)) {
		/* the musl builds of the named allocators that have one */
		for (i = 0; i < m->nallocs; i++) {
			char target[96];
			if (!bench_alloc_runs_on(&m->allocs[i], "musl") ||
			    !as_build_musl_target(m->allocs[i].spec, target, sizeof target))
				continue;
			if (!dry_run) {
				if (as_build_musl_alloc(m->allocs[i].spec))
					return 1;
				continue;
			}
			note_unbuilt(target);
		}
	}
	for (i = 0; i < m->npythons; i++) {
		if (dry_run) {
			if (m->pythons[i].build[0] && access(m->pythons[i].path, X_OK))
				bench_err("note: Python %s is not built yet; a real run builds it "
					  "first (allocswap build %s)",
					  m->pythons[i].name, m->pythons[i].build);
			continue;
		}
		if (as_python_ready(&m->pythons[i]))
			return 1;
	}
	/* the Python that lists and calibrates the suite: the first one that
	 * is there (a dry run does not build), else the host's */
	m->python[0] = 0;
	for (i = 0; i < m->npythons && !m->python[0]; i++)
		if (access(m->pythons[i].path, X_OK) == 0)
			snprintf(m->python, sizeof m->python, "%s", m->pythons[i].path);
	if (!m->python[0] && m->suite != BENCH_SUITE_CMD)
		snprintf(m->python, sizeof m->python, "%s", as_python_path());
	return 0;
}

/* Is a Python of libc there to run (the cmd suite needs none)? */
static int libc_python_here(const struct bench_matrix *m, const char *libc)
{
	size_t i;
	if (m->suite == BENCH_SUITE_CMD)
		return 1;
	for (i = 0; i < m->npythons; i++)
		if (!strcmp(m->pythons[i].libc, libc) && access(m->pythons[i].path, X_OK) == 0)
			return 1;
	return 0;
}

int bench_probe_allocs(struct bench_matrix *m, int explicit_, int quiet, int dry_run)
{
	size_t i, k = 0, l;
	for (i = 0; i < m->nallocs; i++) {
		struct bench_alloc *a = &m->allocs[i];
		char why[512] = "", whyall[1200] = "";
		int any = 0;
		for (l = 0; m->axis[BENCH_AX_LIBC][l]; l++) {
			const char *libc = m->axis[BENCH_AX_LIBC][l];
			int li = bench_libc_index(libc);
			if (!bench_alloc_runs_on(a, libc))
				continue;
			if (dry_run && !libc_python_here(m, libc)) {
				any = 1; /* not built yet: the table says it will run */
				continue;
			}
			if (!bench_probe(m, a, li, m->scratch, why, sizeof why)) {
				any = 1;
				continue;
			}
			if (as_launch_stopped())
				return 128 + as_launch_stopped();
			snprintf(whyall + strlen(whyall), sizeof whyall - strlen(whyall), "%s%s: %s",
				 whyall[0] ? "; " : "", libc, why);
			if (m->axis[BENCH_AX_LIBC][1] && !quiet)
				bench_err("note: %s does not load under %s, its %s cells are left out: %s",
					  a->name, libc, libc, why);
		}
		if (!any) {
			if (!whyall[0])
				snprintf(whyall, sizeof whyall, "it has no build for --libc %s",
					 m->axis[BENCH_AX_LIBC][0]);
			if (explicit_) {
				bench_err("allocator %s does not load here: %s", a->name, whyall);
				return 2;
			}
			if (!quiet)
				bench_err("note: skipping %s, it does not load here: %s", a->name,
					  whyall);
			continue;
		}
		if (k != i)
			m->allocs[k] = m->allocs[i];
		k++;
	}
	m->nallocs = k;
	if (!k) {
		bench_err("no allocator loads here (is libswap.so built? %s)",
		       m->libswap[0] ? m->libswap : "not found");
		return 2;
	}
	return 0;
}

/* Takes musl out of the libc axis (it came from the default, and cannot
 * run here); say why.  The other values stay in order. */
static void drop_musl(struct bench_matrix *m, const char *why)
{
	char **v = m->axis[BENCH_AX_LIBC];
	size_t i, k = 0;
	for (i = 0; v[i]; i++)
		if (strcmp(v[i], "musl"))
			v[k++] = v[i];
	v[k] = NULL;
	bench_err("note: the default matrix leaves musl out: %s", why);
}

int bench_libc_ready(struct bench_matrix *m, int dry_run, int libc_given)
{
	int rc;
	if (has_musl(m) && m->suite == BENCH_SUITE_CMD) {
		bench_err("--libc musl applies to the Python suites (builtin, pyperformance), "
			  "whose musl Python it runs; a musl program of your own runs "
			  "under allocswap run --libc musl");
		return 2;
	}
	if (has_musl(m) && !m->libswap_musl[0]) {
		if (!libc_given && m->axis[BENCH_AX_LIBC][1]) {
			drop_musl(m, "libswap.so for musl is not built (./run.sh build builds it)");
		} else {
			bench_err("--libc musl: libswap.so for musl is not built (meson setup "
				  "build-musl --cross-file cross/musl-x86_64.ini && ninja -C "
				  "build-musl; ./run.sh build does it)");
			return 2;
		}
	}
	if ((rc = bench_pythons_resolve(m)))
		return rc;
	rc = bench_builds_ready(m, dry_run);
	if (rc && !libc_given && has_musl(m) && m->axis[BENCH_AX_LIBC][1]) {
		/* the default matrix runs what can be built here */
		drop_musl(m, "its builds failed (above)");
		if ((rc = bench_pythons_resolve(m)))
			return rc;
		rc = bench_builds_ready(m, dry_run);
	}
	return rc;
}
