/* cmd_build: the libc axis's builds (cross/build.sh's targets), listed and
 * built.
 *
 * Everything about a target (its recipe, cache key, status, build.json)
 * comes from builds.h; this file adds the aliases people type (musl, all),
 * how long a build that is not there yet takes here (as_build_todo, which
 * `list` and `doctor` use too), and the command's output.
 *
 * `allocswap build --json` prints, per target, build.json as it is under
 * "info" (null when not built); the key names are the contract:
 *
 *   {"schema": "allocswap.builds/1", "cache", "script",
 *    "builds":  [{"name", "kind", "libc", "flags", "description", "built",
 *                 "prefix", "todo", "estimate_seconds", "info"}, ...],
 *    "aliases": [{"name", "targets": [...], "description"}, ...]}
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builds.h"
#include "cli.h"
#include "summary.h"

enum build_opt { OPT_JSON, OPT_PATH, BUILD_NOPTS };
static const struct as_opt build_opts[] = {
	[OPT_JSON] = {0, "--json", "", "the list as one JSON object (schema allocswap.builds/1)", 0,
		      NULL},
	[OPT_PATH] = {0, "--path", " TARGET", "print the directory of TARGET's build (its install "
		      "prefix: lib/, bin/python3, build.json); exit 1 when not built", 0, NULL},
};
_Static_assert(sizeof build_opts / sizeof build_opts[0] == BUILD_NOPTS, "one row an option");

const struct as_usage as_usage_build = {
	"usage: allocswap build [--json]\n"
	"       allocswap build TARGET...\n"
	"       allocswap build --path TARGET\n"
	"\n"
	"The libc axis needs programs Debian does not ship: jemalloc, mimalloc and\n"
	"libunwind built for musl, and CPython built for musl (and, with the same\n"
	"source and flags, for glibc).  cross/build.sh builds them from Debian's\n"
	"source packages (apt-get source; it adds a deb-src entry when there is\n"
	"none) and caches each build, keyed by the source versions, the flags and\n"
	"the recipe, so a second run takes no time.  The cache is $ALLOCSWAP_CACHE, else\n"
	"$XDG_CACHE_HOME/allocswap, else ~/.cache/allocswap.  'allocswap run' and\n"
	"'allocswap bench' build what a cell needs on their own; this command\n"
	"builds ahead of time and shows what is there.\n"
	"\n"
	"With no target: every target with its kind, libc and flags, whether it is\n"
	"built, and for a built one its size on disk, file count, how long it took\n"
	"and when (from its build.json); for the others the command that builds it\n"
	"and about how long that takes here.\n"
	"\n"
	"With targets: builds each one, and what it needs, unless it is cached.\n"
	"Progress lines go to stderr; a failed build names the step that failed\n"
	"and its log.  Here (2 cores): musl-mimalloc 2 s, musl-libunwind 16 s,\n"
	"musl-jemalloc 23 s, the libraries of a libc (musl-deps, glibc-deps) 2.5\n"
	"to 3.5 min, a -Os Python 2 min more; the list says how long each one not\n"
	"built yet will take.\n"
	"\n"
	"targets (as 'allocswap build' lists them):\n"
	"  musl-jemalloc musl-mimalloc        allocators for musl processes\n"
	"  musl-libunwind                     native stacks for sampled sites under musl\n"
	"  musl-deps glibc-deps               zlib, libffi, xz, bzip2, sqlite, OpenSSL\n"
	"  python-musl-os python-musl-o3lto   CPython 3.11, -Os or -O3 with LTO\n"
	"  python-glibc-os python-glibc-o3lto the same for glibc\n"
	"  musl                               musl-jemalloc musl-mimalloc musl-libunwind\n"
	"                                     python-musl-os:\n"
	"                                     what the musl side of the default matrix needs\n"
	"  all                                every target\n"
	"\n"
	"options:\n",
	build_opts, BUILD_NOPTS,
	"\n"
	"Exit status: 0; 1 when a build failed or --path's target is not built;\n"
	"2 for bad usage (an unknown target among them).\n",
	0,
};

/* Names that stand for several targets: NULL targets means every one. */
static const struct alias {
	const char *name, *targets, *desc;
} aliases[] = {
	{"musl", "musl-jemalloc musl-mimalloc musl-libunwind python-musl-os",
	 "what the musl side of the default matrix needs"},
	{"all", NULL, "every target"},
};
#define NALIASES (sizeof aliases / sizeof aliases[0])

/* How long a build takes here (2 cores, Debian 12, sources already
 * fetched), for when no build of the same kind and flags has been made on
 * this machine yet to tell: measured with build.sh.  A Python needs its
 * libc's libraries (deps) too. */
static const struct {
	const char *what;  /* a target's name, else its kind */
	const char *flags; /* NULL: any */
	long seconds;
} typical[] = {
	{"musl-mimalloc", NULL, 2},
	{"musl-jemalloc", NULL, 23},
	{"musl-libunwind", NULL, 16},
	{"deps", NULL, 180},    /* musl 153 s, glibc 206 s; OpenSSL most of it */
	{"python", "-Os", 125}, /* python-musl-os: 124 s */
	{"python", NULL, 240},  /* -O3 with LTO: not measured yet, a guess */
};
#define NTYPICAL (sizeof typical / sizeof typical[0])

/* ---- how long, and what to run ---------------------------------------------------- */

/* Seconds all[i] alone takes here: what a built target of the same kind
 * and flags took (the other libc's) when there is one, else the table
 * above. */
static long own_seconds(const struct as_build *all, size_t n, size_t i)
{
	size_t k;
	for (k = 0; k < n; k++)
		if (k != i && as_built_seconds(all[k].info) >= 0 &&
		    !strcmp(all[k].kind, all[i].kind) && !strcmp(all[k].flags, all[i].flags) &&
		    strcmp(all[i].kind, "allocator"))
			return as_built_seconds(all[k].info);
	for (k = 0; k < NTYPICAL; k++)
		if (!strcmp(typical[k].what, all[i].name))
			return typical[k].seconds;
	for (k = 0; k < NTYPICAL; k++)
		if (!strcmp(typical[k].what, all[i].kind) &&
		    (!typical[k].flags || !strcmp(typical[k].flags, all[i].flags)))
			return typical[k].seconds;
	return -1;
}

/* The deps target a Python of all[i]'s libc is built on (build.sh's "needs"
 * column: the deps of the same libc), or n. */
static size_t needs_of(const struct as_build *all, size_t n, size_t i)
{
	size_t k;
	if (strcmp(all[i].kind, "python"))
		return n;
	for (k = 0; k < n; k++)
		if (!strcmp(all[k].kind, "deps") && !strcmp(all[k].libc, all[i].libc))
			return k;
	return n;
}

long as_build_estimate(const struct as_build *all, size_t n, size_t i, int *with_deps)
{
	size_t d = needs_of(all, n, i);
	long s = own_seconds(all, n, i), ds;
	*with_deps = 0;
	if (s < 0 || d == n || all[d].built)
		return s;
	ds = own_seconds(all, n, d);
	*with_deps = 1;
	return ds < 0 ? -1 : s + ds;
}

/* "2 s", "25 s", "4 min", "10 min" (an estimate: whole minutes past 90 s). */
static const char *about(long s, char *buf, size_t cap)
{
	if (s < 90)
		snprintf(buf, cap, "%ld s", s);
	else
		snprintf(buf, cap, "%ld min", (s + 30) / 60);
	return buf;
}

const char *as_fmt_took(long s, char *buf, size_t cap)
{
	if (s < 60)
		snprintf(buf, cap, "%ld s", s);
	else if (s < 3600)
		snprintf(buf, cap, "%ld min %ld s", s / 60, s % 60);
	else
		snprintf(buf, cap, "%ld h %ld min", s / 3600, s / 60 % 60);
	return buf;
}

void as_build_done(const char *name, const char *path, const char *dir, const json_t *info,
		   const struct timespec *start)
{
	char size[32], t[32], d[32];
	long long files = json_integer_value(json_object_get(info, "files"));
	printf("%s: %s (%s, %lld file%s; ", name, path,
	       as_fmt_bytes((double)json_integer_value(json_object_get(info, "size_bytes")), size,
			    sizeof size),
	       files, files == 1 ? "" : "s");
	if (as_built_since(dir, start))
		printf("built now in %s)\n", as_fmt_took(as_built_seconds(info), t, sizeof t));
	else
		printf("cached: built %s UTC in %s)\n", as_built_when(info, d, sizeof d),
		       as_fmt_took(as_built_seconds(info), t, sizeof t));
	fflush(stdout);
}

const char *as_build_todo(const struct as_build *all, size_t n, size_t i, char *buf, size_t cap)
{
	int deps;
	long s = as_build_estimate(all, n, i, &deps);
	char t[32];
	if (s < 0)
		snprintf(buf, cap, ALLOCSWAP_CLI_NAME " build %s", all[i].name);
	else
		snprintf(buf, cap, ALLOCSWAP_CLI_NAME " build %s (about %s here%s)", all[i].name,
			 about(s, t, sizeof t), deps ? ", with its libraries" : "");
	return buf;
}

/* ---- the list ------------------------------------------------------------------------ */

static json_t *list_json(const struct as_build *all, size_t n)
{
	json_t *builds = json_array(), *al = json_array();
	size_t i, k;
	char todo[256];
	for (i = 0; i < n; i++) {
		const struct as_build *b = &all[i];
		int deps;
		long est = as_build_estimate(all, n, i, &deps);
		json_array_append_new(
			builds,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:O}", "name",
				  b->name, "kind", b->kind, "libc", b->libc, "flags", b->flags,
				  "description", b->desc, "built", b->built, "prefix",
				  b->built ? json_string(b->prefix) : json_null(), "todo",
				  b->built ? json_null()
					   : json_string(as_build_todo(all, n, i, todo, sizeof todo)),
				  "estimate_seconds",
				  b->built || est < 0 ? json_null() : json_integer(est), "info",
				  b->built ? b->info : json_null()));
	}
	for (k = 0; k < NALIASES; k++) {
		json_t *t = json_array();
		for (i = 0; i < n; i++)
			if (!aliases[k].targets || as_has_word(aliases[k].targets, all[i].name))
				json_array_append_new(t, json_string(all[i].name));
		json_array_append_new(al, json_pack("{s:s, s:o, s:s}", "name", aliases[k].name,
						    "targets", t, "description", aliases[k].desc));
	}
	return json_pack("{s:s, s:s, s:s?, s:o, s:o}", "schema", "allocswap.builds/1", "cache",
			 as_build_cache(), "script", as_build_script(), "builds", builds,
			 "aliases", al);
}

static void list_text(const struct as_build *all, size_t n)
{
	size_t i, k;
	char size[32], t[32], d[32], todo[256];
	printf("builds (cross/build.sh; cached in %s)\n", as_build_cache());
	printf("  %-19s %-10s %-6s %-8s %-6s %-10s %5s  %-10s %s\n", "target", "kind", "libc",
	       "flags", "built", "size", "files", "took", "built at (UTC)");
	for (i = 0; i < n; i++) {
		const struct as_build *b = &all[i];
		printf("  %-19s %-10s %-6s %-8s ", b->name, b->kind, b->libc, b->flags);
		if (!b->built) {
			printf("no     %s\n", as_build_todo(all, n, i, todo, sizeof todo));
			continue;
		}
		printf("yes    %-10s %5lld  %-10s %s\n",
		       as_fmt_bytes((double)json_integer_value(json_object_get(b->info, "size_bytes")),
				    size, sizeof size),
		       json_integer_value(json_object_get(b->info, "files")),
		       as_fmt_took(as_built_seconds(b->info), t, sizeof t),
		       as_built_when(b->info, d, sizeof d));
	}
	printf("\naliases\n");
	for (k = 0; k < NALIASES; k++)
		printf("  %-19s %s%s%s%s\n", aliases[k].name,
		       aliases[k].targets ? aliases[k].targets : "", aliases[k].targets ? " (" : "",
		       aliases[k].desc, aliases[k].targets ? ")" : " above");
}

/* ---- arguments ----------------------------------------------------------------------- */

/* "a, b, c, or the aliases musl, all" into buf. */
static const char *choices(const struct as_build *all, size_t n, char *buf, size_t cap)
{
	size_t i, k, len = 0;
	buf[0] = 0;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? ", " : "",
					all[i].name);
	for (k = 0; k < NALIASES; k++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
					k ? ", " : "; or the aliases ", aliases[k].name);
	return buf;
}

static ssize_t target_index(const struct as_build *all, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(all[i].name, name))
			return (ssize_t)i;
	return -1;
}

/* Marks want[] with the targets args names (aliases expanded).  0, or 2
 * after an error line. */
static int select_targets(char **args, int nargs, const struct as_build *all, size_t n,
			  char *want)
{
	char names[1024];
	int a;
	for (a = 0; a < nargs; a++) {
		ssize_t i = target_index(all, n, args[a]);
		size_t k;
		if (i >= 0) {
			want[i] = 1;
			continue;
		}
		for (k = 0; k < NALIASES && strcmp(aliases[k].name, args[a]); k++)
			;
		if (k == NALIASES)
			return as_usage_err("build", "unknown target '%s'; targets: %s", args[a],
					    choices(all, n, names, sizeof names));
		for (i = 0; i < (ssize_t)n; i++)
			if (!aliases[k].targets || as_has_word(aliases[k].targets, all[i].name))
				want[i] = 1;
	}
	return 0;
}

/* ---- the command ----------------------------------------------------------------------- */

/* --path: one target's directory; the list's statuses only when it is
 * not built (to say how long building it takes). */
static int print_path(const char *name, const struct as_build *all, size_t n)
{
	ssize_t i = target_index(all, n, name);
	struct as_build b, *st;
	char names[1024], todo[256];
	size_t k, sn;
	int rc;
	if (i < 0) {
		for (k = 0; k < NALIASES && strcmp(aliases[k].name, name); k++)
			;
		if (k < NALIASES)
			return as_usage_err("build", "--path takes one target, and '%s' is an alias "
						     "of several (%s)", name,
					    aliases[k].targets ? aliases[k].targets : "every target");
		return as_usage_err("build", "unknown target '%s'; targets: %.900s", name,
				    choices(all, n, names, 900));
	}
	rc = as_build_get(name, &b);
	if (rc == 0 && b.built)
		printf("%s\n", b.prefix);
	else if (rc == 0 && !as_builds_list(&st, &sn, 1)) {
		as_err("build: %s is not built yet; build it with: %s", name,
		       as_build_todo(st, sn, (size_t)i, todo, sizeof todo));
		as_builds_free(st, sn);
	}
	rc = rc || !b.built;
	as_build_clear(&b);
	return rc;
}

/* Builds the targets marked in want[], in the table's order (a Python's
 * libraries come before it there), stopping at the first failure.  One line
 * a target on stdout: its directory, size, and whether it was built now or
 * found in the cache. */
static int build_targets(const struct as_build *all, size_t n, const char *want)
{
	size_t i;
	for (i = 0; i < n; i++) {
		struct as_build b;
		struct timespec start;
		if (!want[i])
			continue;
		clock_gettime(CLOCK_REALTIME, &start);
		if (as_build_ensure(all[i].name, &b)) {
			as_build_clear(&b);
			return 1;
		}
		as_build_done(b.name, b.prefix, b.prefix, b.info, &start);
		as_build_clear(&b);
	}
	return 0;
}

int as_cmd_build(int argc, char **argv)
{
	struct as_build *all = NULL;
	size_t n = 0;
	struct as_optval v[BUILD_NOPTS] = {{0}};
	const char *path;
	char **targets, *want = NULL;
	int ntargets, json, rc, first;

	rc = as_opts_parse("build", &as_usage_build, argc, argv, v, &first);
	if (rc)
		return rc == 1 ? as_help("build") : rc;
	targets = argv + first;
	ntargets = argc - first;
	json = v[OPT_JSON].val != NULL;
	path = v[OPT_PATH].val;
	if (path && (!*path || v[OPT_PATH].n > 1))
		return as_usage_err("build", "%s", *path ? "--path takes one target, given once"
							 : "--path needs a target, as in "
							   "--path musl-mimalloc");
	if (json && (path || ntargets))
		return as_usage_err("build", "--json prints the whole list and builds nothing: "
					     "drop %s, or drop --json",
				    path ? "--path" : "the targets");
	if (path && ntargets)
		return as_usage_err("build", "--path prints one target's directory ('%s'), not '%s' "
					     "too: run it once per target", path, targets[0]);
	/* the status of every target only when it is shown; building asks
	 * for each target's status itself */
	if (as_builds_list(&all, &n, !ntargets && !path))
		return 1;
	if (path) {
		rc = print_path(path, all, n);
	} else if (!ntargets) {
		if (json) {
			/* a failed write shows at the flush in main */
			json_t *j = list_json(all, n);
			if (!j) {
				as_err("build: out of memory");
				rc = 1;
			} else if (json_dumpf(j, stdout, JSON_INDENT(2)) == 0) {
				putchar('\n');
			}
			json_decref(j);
		} else {
			list_text(all, n);
		}
	} else if (!(want = calloc(n + 1, 1))) {
		as_err("build: out of memory");
		rc = 1;
	} else if (!(rc = select_targets(targets, ntargets, all, n, want))) {
		rc = build_targets(all, n, want);
	}
	free(want);
	as_builds_free(all, n);
	return rc;
}
