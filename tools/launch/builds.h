/* builds: the libc axis's builds, as the CLI sees them.
 *
 * cross/build.sh holds the table of targets and their recipes (musl-built
 * jemalloc, mimalloc and libunwind, the static libraries the Pythons link, and named
 * CPython builds per libc and flag set) and the cache they go to
 * ($ALLOCSWAP_CACHE, else $XDG_CACHE_HOME/allocswap, else ~/.cache/allocswap).
 * This module lists the targets, asks whether each is built, builds one
 * (its progress lines go to stderr as they come), and reads the build.json
 * each build leaves:
 *   {"schema": "allocswap.build/1", "name", "kind": "allocator"|"library"|"deps"|"python",
 *    "libc", "flags", "key", "sources": {PKG: VERSION}, "needs": {TARGET: DIR},
 *    "python_version", "build_seconds", "size_bytes", "files", "built", "description"}
 *
 * Pythons, as the --python axis names them:
 *   host            the host's Python (as_python_path(), glibc)
 *   os, o3lto       a flag set: the build python-LIBC-FLAGS of the cell's libc
 *   musl-os, ...    a build by its short name (python-musl-os)
 *   PATH            any interpreter; its libc is read from its ELF interpreter
 */
#ifndef ALLOCSWAP_BUILDS_H
#define ALLOCSWAP_BUILDS_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

struct as_build {
	char name[64];  /* "python-musl-os" */
	char kind[16];  /* "allocator", "deps", "python" */
	char libc[16];  /* "glibc", "musl" */
	char flags[32]; /* "-Os", "-O3 lto" */
	char desc[200];
	int built;             /* the build for the current sources and recipe is cached */
	char prefix[PATH_MAX]; /* its directory, when built */
	json_t *info;          /* its build.json, when built (owned) */
};

/* cross/build.sh, found beside the build tree or the installed CLI; NULL
 * when missing. */
const char *as_build_script(void);
/* The cache directory build.sh uses. */
const char *as_build_cache(void);
/* Runs `sh build.sh ARGS...` (args NULL-terminated, at most 5), stdin from
 * /dev/null, its stdout into *out (malloc'd, NUL-terminated; NULL when it
 * could not be run), its stderr passed through (progress lines).  Returns
 * its exit status (128 + the signal when killed), or -1 after an error line
 * (build.sh not found, or it cannot be started). */
int as_build_sh(const char *const *args, char **out);

/* Every target, in the table's order, with its status when status is set
 * (that asks apt for source versions: about 0.2 s a target).  0, or 1 after
 * an error line.  Free with as_builds_free. */
int as_builds_list(struct as_build **out, size_t *n, int status);
void as_builds_free(struct as_build *b, size_t n);
/* One target, with its status.  0, ENOENT (no such target: an error line
 * names the targets), or 1 after another error line. */
int as_build_get(const char *name, struct as_build *b);
void as_build_clear(struct as_build *b);

/* Builds name (and what it needs) unless cached; build.sh's progress lines
 * go to stderr.  Fills b.  0, or 1 after an error line naming the failed
 * step and its log. */
int as_build_ensure(const char *name, struct as_build *b);

/* The build target of a named allocator's musl build ("musl-jemalloc")
 * into buf: 1, or 0 when it has none (system, a path, "none"). */
int as_build_musl_target(const char *allocator, char *buf, size_t cap);
/* Builds allocator's musl build when it has one and it is missing.  0, or
 * 1 after an error line. */
int as_build_musl_alloc(const char *allocator);

/* Builds musl-libunwind when it is missing (full mode under musl: libswap's
 * sampled sites need it for native stacks).  0, or 1 after an error line. */
int as_build_musl_unwind(void);

/* The directories of the musl-built libraries that are built (jemalloc,
 * mimalloc, libunwind for libswap's sampled sites), for LD_LIBRARY_PATH:
 * "dir1:dir2...", or "" when none is.  cap: AS_MUSL_LIBPATH_MAX. */
#define AS_MUSL_LIBPATH_MAX (3 * (PATH_MAX + 64))
void as_build_musl_libpath(char *buf, size_t cap);

struct as_env;
/* A musl process's environment, after as_env_preload: LD_LIBRARY_PATH gets
 * the musl allocator builds (as_build_musl_libpath) in front, and a named
 * allocator's musl build goes into LD_PRELOAD right after libswap.  musl
 * gives objects loaded after start-up dynamic TLS only, so an allocator
 * built with initial-exec TLS (jemalloc) cannot be dlopen-ed by libswap;
 * libswap would re-execute the process with it preloaded (one process
 * start more); preloaded from the start, it needs none.  libswap comes
 * first, so the malloc family is still libswap's. */
void as_env_musl(struct as_env *e, const char *allocator);

/* ---- Pythons ---------------------------------------------------------------- */

struct as_python {
	char name[256];        /* what the config records: "host", "musl-os", or the path */
	char build[64];        /* the build target ("python-musl-os"), "" for host or a path */
	char path[PATH_MAX];   /* the interpreter */
	char libc[16];         /* "glibc" or "musl" */
	char flags[32];        /* "-Os", "-O3 lto", "distribution" (host), "unknown" (a path) */
};

/* Resolves one --python value for a cell of libc (NULL: any).  Returns 0;
 * ENOENT when value names nothing (why says so, with the valid names);
 * EXDEV when it is a Python of another libc (why says which); the build need
 * not exist yet (py->path is where it will be: see as_python_ready). */
int as_python_resolve(const char *value, const char *libc, struct as_python *py, char *why,
		      size_t cap);
/* Makes sure the Python exists, building it if it is a build that is not
 * cached (progress on stderr).  0, or 1 after an error line. */
int as_python_ready(struct as_python *py);
/* Its description for meta.json: {"path", "libc", "version", "flags",
 * "build", "size_bytes", "files", "build_seconds"} (what is known). */
json_t *as_python_json(const struct as_python *py);

/* "musl" or "glibc" from an ELF program's interpreter (PT_INTERP); NULL
 * when path is not a dynamic ELF program.  interp (may be NULL) gets the
 * interpreter's path. */
const char *as_elf_libc(const char *path, char *interp, size_t cap);

#endif
