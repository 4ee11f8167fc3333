/* cmd_image: the built-in images (root filesystems runs can use), listed,
 * built, removed, and where they are.
 *
 * Everything about an image (the table, its recipe, key, status and
 * build.json) comes from images.h and cross/build.sh; this file adds how
 * long building one takes here and the command's output.
 *
 * `allocswap image list --json` prints, per image, what as_image_json
 * says of it under "image" (null when not built); the key names are the
 * contract:
 *
 *   {"schema": "allocswap.images/1", "cache", "script",
 *    "images": [{"name", "libc", "suite", "description", "built", "root",
 *                "buildable", "reason", "todo", "estimate_seconds",
 *                "image", "info"}, ...]}
 *
 * built: whether it is in the store; root: its rootfs directory (null when
 * not built); buildable and reason: whether it can be built here and why
 * not; todo and estimate_seconds: the command that builds it and about how
 * long that takes here (null when built); info: its build.json as it is.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builds.h"
#include "cli.h"
#include "images.h"
#include "summary.h"

/* X(ID, LONG, COMMAND, HELP): the options, each a flag of one command. */
#define IMAGE_OPTIONS(X)                                                                     \
	X(OPT_JSON, "--json", "list", "one JSON object (schema allocswap.images/1)")          \
	X(OPT_FORCE, "--force", "build",                                                        \
	  "build anew even when cached; the image there stays in use until the new one is "    \
	  "complete")

#define IMAGE_OPT_ENUM(id, lng, cmd, help) id,
enum image_opt { IMAGE_OPTIONS(IMAGE_OPT_ENUM) IMAGE_NOPTS };
#define IMAGE_OPT_ROW(id, lng, cmd, help) {0, lng, "", "(" cmd ") " help, 0, NULL},
static const struct as_opt image_opts[] = {IMAGE_OPTIONS(IMAGE_OPT_ROW)};
#define IMAGE_OPT_CMD(id, lng, cmd, help) cmd,
static const char *const image_opt_cmd[] = {IMAGE_OPTIONS(IMAGE_OPT_CMD)};

const struct as_usage as_usage_image = {
	"usage: allocswap image list [--json]\n"
	"       allocswap image build NAME... [--force]\n"
	"       allocswap image rm NAME...\n"
	"       allocswap image path NAME\n"
	"\n"
	"An image is a root filesystem that runs can use instead of the host's\n"
	"(with bwrap, or chroot): the libc, its version, the Python and the\n"
	"allocator packages are then those of a real distribution.  The built-in\n"
	"images (cross/build.sh's table):\n"
	"\n"
	"  bullseye bookworm trixie  Debian 11, 12, 13: debootstrap --variant=minbase\n"
	"                            with python3, plus the allocator packages of the\n"
	"                            suite's own archive, as that suite names them\n"
	"                            (bullseye has no mimalloc; trixie's is\n"
	"                            libmimalloc.so.3).  Needs root and the Debian\n"
	"                            mirror apt uses here ($ALLOCSWAP_MIRROR\n"
	"                            overrides it).  Here (2 cores): 28 to 48 s and\n"
	"                            152 to 160 MiB each, apt's lists and caches removed.\n"
	"  musl                      the musl builds (python-musl-os, musl-jemalloc,\n"
	"                            musl-mimalloc: 'allocswap build musl', made first\n"
	"                            when missing), musl's loader and busybox (static)\n"
	"                            for /bin/sh: a minimal rootfs, 48 MiB, 2 s here\n"
	"                            once the builds are there.\n"
	"\n"
	"Every image has python3 at /usr/bin/python3 and an empty /opt/allocswap,\n"
	"where the runner mounts libswap.  Images are cached with the builds\n"
	"($ALLOCSWAP_CACHE, else $XDG_CACHE_HOME/allocswap, else\n"
	"~/.cache/allocswap), keyed by the recipe, the suite and the package list:\n"
	"an update of the archive does not rebuild an image; --force does.  A\n"
	"build that fails leaves nothing behind.  Where an image is asked for\n"
	"('allocswap run --image'), the path of a root filesystem of your own (a\n"
	"directory with usr/bin/python3) works too.\n"
	"\n"
	"commands:\n"
	"  list            every built-in image: whether it is built, and for a built\n"
	"                  one its libc and version, Python version, size on disk, file\n"
	"                  count, how long it took and when, and the allocators in it;\n"
	"                  for the others the command that builds it and about how\n"
	"                  long that takes here, or why it cannot be built here\n"
	"  build NAME...   builds each image unless it is cached (progress lines on\n"
	"                  stderr); prints one line each: its rootfs directory, size\n"
	"                  and file count, and whether it was built now or cached\n"
	"  rm NAME...      removes each image from the cache: every directory the\n"
	"                  store made for it, nothing else, and never while a runner\n"
	"                  has something mounted inside it\n"
	"  path NAME       prints the rootfs directory of a built image, for scripts:\n"
	"                    tar -C \"$(allocswap image path bookworm)\" -c . |\n"
	"                      docker import - allocswap/bookworm\n"
	"\n"
	"options:\n",
	image_opts, IMAGE_NOPTS,
	"\n"
	"Exit status: 0; 1 when an image cannot be built here, a build failed, or\n"
	"path's image is not built; 2 for bad usage (an unknown image or command\n"
	"among them).\n",
	0,
};

static const char *const subcommands[] = {"list", "build", "rm", "path", NULL};

/* How long an image takes here (2 cores, Debian 12) when no image of the
 * same libc has been built on this machine yet to tell; measured with
 * `allocswap image build` (bookworm 36-47 s, trixie 28-38 s, bullseye
 * 39-42 s, most of it debootstrap's downloads; musl 1-2 s once its builds
 * are there). */
static const struct {
	const char *libc;
	long seconds;
} typical[] = {
	{"glibc", 40},
	{"musl", 2},
};
#define NTYPICAL (sizeof typical / sizeof typical[0])

/* ---- how long, and what to run ------------------------------------------------------ */

/* Seconds v[i] takes here: the longest an image of the same libc took, else
 * the table above; plus the builds it is made of that are not built
 * (*with_builds set then).  -1 when unknown. */
static long estimate(const struct as_image *v, size_t n, size_t i, const struct as_build *b,
		     size_t nb, int *with_builds)
{
	long s = -1;
	size_t k;
	*with_builds = 0;
	for (k = 0; k < n; k++)
		if (k != i && !strcmp(v[k].libc, v[i].libc) && as_built_seconds(v[k].info) > s)
			s = as_built_seconds(v[k].info);
	for (k = 0; s < 0 && k < NTYPICAL; k++)
		if (!strcmp(typical[k].libc, v[i].libc))
			s = typical[k].seconds;
	for (k = 0; s >= 0 && k < nb; k++) {
		int deps;
		long e;
		if (b[k].built || !as_has_word(v[i].needs, b[k].name))
			continue;
		e = as_build_estimate(b, nb, k, &deps);
		*with_builds = 1;
		s = e < 0 ? -1 : s + e;
	}
	return s;
}

const char *as_image_todo(const struct as_image *v, size_t n, size_t i, const struct as_build *b,
			  size_t nb, char *buf, size_t cap)
{
	int wb;
	long s = estimate(v, n, i, b, nb, &wb);
	const char *with = wb ? ", with the builds it is made of" : "";
	if (s < 0)
		snprintf(buf, cap, ALLOCSWAP_CLI_NAME " image build %s", v[i].name);
	else if (s < 90)
		snprintf(buf, cap, ALLOCSWAP_CLI_NAME " image build %s (about %ld s here%s)",
			 v[i].name, s, with);
	else
		snprintf(buf, cap, ALLOCSWAP_CLI_NAME " image build %s (about %ld min here%s)",
			 v[i].name, (s + 30) / 60, with);
	return buf;
}

/* The builds' statuses, when an image made of builds is not built (to say
 * how long those take); none otherwise.  0, or 1 after an error line. */
static int builds_if_needed(const struct as_image *v, size_t n, struct as_build **b, size_t *nb)
{
	size_t i;
	*b = NULL;
	*nb = 0;
	for (i = 0; i < n; i++)
		if (!v[i].built && v[i].needs[0])
			return as_builds_list(b, nb, 1);
	return 0;
}

/* ---- the list --------------------------------------------------------------------------- */

/* "jemalloc mimalloc tcmalloc" (the allocators as_image_json found). */
static const char *alloc_names(const json_t *j, char *buf, size_t cap)
{
	json_t *a;
	size_t i, len = 0;
	buf[0] = 0;
	json_array_foreach(json_object_get(j, "allocators"), i, a)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? " " : "",
					json_string_value(json_object_get(a, "name")));
	return buf[0] ? buf : "-";
}

static json_t *list_json(const struct as_image *v, size_t n, const struct as_build *b, size_t nb)
{
	json_t *arr = json_array();
	size_t i;
	for (i = 0; i < n; i++) {
		const struct as_image *img = &v[i];
		char t[256];
		int wb;
		long est = estimate(v, n, i, b, nb, &wb);
		int can = img->built || !img->why_not[0];
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:o, s:s, s:b, s:o, s:b, s:o, s:o, s:o, s:o, s:O}",
				  "name", img->name, "libc", img->libc, "suite",
				  img->suite[0] ? json_string(img->suite) : json_null(), "description",
				  img->desc, "built", img->built, "root",
				  img->built ? json_string(img->root) : json_null(), "buildable", can,
				  "reason", can ? json_null() : json_string(img->why_not), "todo",
				  img->built || !can
					  ? json_null()
					  : json_string(as_image_todo(v, n, i, b, nb, t, sizeof t)),
				  "estimate_seconds",
				  img->built || !can || est < 0 ? json_null() : json_integer(est),
				  "image", img->built ? as_image_json(img) : json_null(), "info",
				  img->built ? img->info : json_null()));
	}
	return json_pack("{s:s, s:s, s:s?, s:o}", "schema", "allocswap.images/1", "cache",
			 as_build_cache(), "script", as_build_script(), "images", arr);
}

static void list_text(const struct as_image *v, size_t n, const struct as_build *b, size_t nb)
{
	size_t i;
	printf("images (cross/build.sh; cached in %s)\n", as_build_cache());
	printf("  %-9s %-6s %-6s %-8s %-8s %-10s %5s  %-10s %-16s  %s\n", "name", "libc", "built",
	       "version", "python", "size", "files", "took", "built at (UTC)", "allocators");
	for (i = 0; i < n; i++) {
		const struct as_image *img = &v[i];
		char size[32], took[32], d[32], t[256], al[256];
		json_t *j;
		printf("  %-9s %-6s ", img->name, img->libc);
		if (!img->built && img->why_not[0]) {
			printf("no     cannot be built here: %s\n", img->why_not);
			continue;
		}
		if (!img->built) {
			printf("no     %s\n", as_image_todo(v, n, i, b, nb, t, sizeof t));
			continue;
		}
		j = as_image_json(img);
		printf("yes    %-8s %-8s %-10s %5lld  %-10s %-16s  %s\n", img->libc_version,
		       img->python_version,
		       as_fmt_bytes((double)json_integer_value(json_object_get(img->info, "size_bytes")),
				    size, sizeof size),
		       json_integer_value(json_object_get(img->info, "files")),
		       as_fmt_took(as_built_seconds(img->info), took, sizeof took),
		       as_built_when(img->info, d, sizeof d),
		       alloc_names(j, al, sizeof al));
		json_decref(j);
	}
}

static int cmd_list(int json)
{
	struct as_image *v;
	struct as_build *b;
	size_t n, nb;
	int rc = 0;
	if (as_images_list(&v, &n))
		return 1;
	if (builds_if_needed(v, n, &b, &nb)) {
		as_images_free(v, n);
		return 1;
	}
	if (json) {
		/* a failed write shows at the flush in main */
		json_t *j = list_json(v, n, b, nb);
		if (!j) {
			as_err("image: out of memory");
			rc = 1;
		} else if (json_dumpf(j, stdout, JSON_INDENT(2)) == 0) {
			putchar('\n');
		}
		json_decref(j);
	} else {
		list_text(v, n, b, nb);
	}
	as_builds_free(b, nb);
	as_images_free(v, n);
	return rc;
}

/* ---- build, rm, path ---------------------------------------------------------------------- */

static int cmd_build(char **names, int n, int force)
{
	int i;
	for (i = 0; i < n; i++) {
		struct as_image img;
		struct timespec start;
		char dir[PATH_MAX + 4];
		clock_gettime(CLOCK_REALTIME, &start);
		if (as_image_build(names[i], force, &img)) {
			as_image_clear(&img);
			return 1;
		}
		snprintf(dir, sizeof dir, "%s/..", img.root); /* build.json is beside rootfs/ */
		as_build_done(img.name, img.root, dir, img.info, &start);
		as_image_clear(&img);
	}
	return 0;
}

static int cmd_rm(char **names, int n)
{
	int i, removed;
	for (i = 0; i < n; i++) {
		if (as_image_rm(names[i], &removed))
			return 1;
		if (removed)
			printf("%s: removed (%d director%s)\n", names[i], removed,
			       removed == 1 ? "y" : "ies");
		else
			printf("%s: not built; nothing to remove\n", names[i]);
	}
	return 0;
}

static int cmd_path(const char *name, const struct as_image *v, size_t n)
{
	struct as_build *b;
	char t[256];
	size_t nb, i;
	if (strchr(name, '/')) {
		/* a root filesystem of one's own: its real path, when it is one */
		struct as_image img;
		int rc = as_image_get(name, &img);
		if (!rc)
			printf("%s\n", img.root);
		as_image_clear(&img);
		return rc ? 1 : 0;
	}
	for (i = 0; i < n && strcmp(v[i].name, name); i++)
		;
	if (i == n)
		return 1;
	if (v[i].built) {
		printf("%s\n", v[i].root);
		return 0;
	}
	if (v[i].why_not[0]) {
		as_err("image path: %s is not built, and cannot be built here: %s", name, v[i].why_not);
	} else if (!builds_if_needed(&v[i], 1, &b, &nb)) {
		as_err("image path: %s is not built yet; build it with: %s", name,
		       as_image_todo(v, n, i, b, nb, t, sizeof t));
		as_builds_free(b, nb);
	}
	return 1;
}

/* ---- arguments ----------------------------------------------------------------------------- */

/* Every name must be a built-in image (for path, a directory too).  0, or
 * 2 after an error line naming the images. */
static int check_names(const char *sub, char **names, int n, const struct as_image *v, size_t nv,
		       int dirs)
{
	char list[512];
	size_t i, len = 0;
	int a;
	list[0] = 0;
	for (i = 0; i < nv; i++)
		len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
					i ? ", " : "", v[i].name);
	for (a = 0; a < n; a++) {
		if (strchr(names[a], '/')) {
			if (dirs)
				continue;
			return as_usage_err("image", "%s: '%s' is a directory: only built-in images "
						     "(%s) are %s",
					    sub, names[a], list,
					    !strcmp(sub, "rm") ? "removed" : "built");
		}
		for (i = 0; i < nv && strcmp(v[i].name, names[a]); i++)
			;
		if (i == nv)
			return as_usage_err("image", "%s: unknown image '%s'; images: %s%s", sub,
					    names[a], list,
					    dirs ? ", or a root filesystem's path" : "");
	}
	return 0;
}

/* The options of one command (sub) into given[]: 0, 1 for -h/--help, or 2
 * after an error line ("allocswap image list: unknown option '--force'; ...").
 * On 0 the image names are argv[*first..argc). */
static int parse_sub(int argc, char **argv, const char *sub, int *given, int *first)
{
	struct as_opt opts[IMAGE_NOPTS];
	struct as_optval v[IMAGE_NOPTS];
	struct as_usage u = {"", opts, 0, "", 0};
	size_t map[IMAGE_NOPTS], k;
	char name[32];
	int rc;
	for (k = 0; k < IMAGE_NOPTS; k++)
		if (!strcmp(image_opt_cmd[k], sub)) {
			map[u.nopts] = k;
			opts[u.nopts++] = image_opts[k];
		}
	memset(v, 0, sizeof v);
	snprintf(name, sizeof name, "image %s", sub);
	rc = as_opts_parse(name, &u, argc, argv, v, first);
	for (k = 0; !rc && k < u.nopts; k++)
		given[map[k]] = v[k].val != NULL;
	return rc;
}

int as_cmd_image(int argc, char **argv)
{
	struct as_image *v = NULL;
	size_t nv = 0;
	char **names;
	int given[IMAGE_NOPTS] = {0}, n, sub, rc, first;

	if (argc < 2)
		return as_usage_err("image", "a command is needed: list, build NAME..., rm NAME... "
					     "or path NAME");
	if (argv[1][0] == '-')
		return as_usage_err("image", "the command comes first, then '%s': list, build, rm "
					     "or path",
				    argv[1]);
	sub = as_choice("image", "command", argv[1], subcommands);
	if (sub < 0)
		return 2;
	rc = parse_sub(argc - 1, argv + 1, subcommands[sub], given, &first);
	if (rc)
		return rc == 1 ? as_help("image") : rc;
	names = argv + 1 + first;
	n = argc - 1 - first;
	rc = 0;
	if (sub == 0 && n)
		rc = as_usage_err("image", "list takes no image names ('%s'): it lists them all",
				  names[0]);
	else if (sub != 0 && !n)
		rc = as_usage_err("image", "%s needs an image name, as in: allocswap image %s bookworm",
				  argv[1], argv[1]);
	else if (sub == 3 && n > 1)
		rc = as_usage_err("image", "path takes one image ('%s'), not '%s' too: run it once "
					   "per image",
				  names[0], names[1]);
	if (rc)
		return rc;
	if (sub == 0)
		return cmd_list(given[OPT_JSON]);
	/* the names are checked before anything is built or removed */
	if (as_images_list(&v, &nv))
		return 1;
	rc = check_names(argv[1], names, n, v, nv, sub == 3);
	if (!rc)
		rc = sub == 1 ? cmd_build(names, n, given[OPT_FORCE])
		     : sub == 2 ? cmd_rm(names, n)
				: cmd_path(names[0], v, nv);
	as_images_free(v, nv);
	return rc;
}
