/* cli: what every allocswap subcommand shares.
 *
 * The CLI is a table of commands (allocswap.c), one file each (cmd_*.c).
 * A command gets argc/argv starting at its own name and returns the
 * process exit status: 0 on success, 1 when the work failed, 2 for bad
 * usage.  Errors are one line on stderr that start with "allocswap: " and
 * say what was wrong and what would be right.  Output to stdout is checked
 * at exit: a failed write is an error, not a shrug.
 *
 * The CLI never links libswap: it starts processes with it.  It links
 * liballoc only for its tables (backends, options), so that the lists are
 * declared once.
 */
#ifndef ALLOCSWAP_CLI_H
#define ALLOCSWAP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ALLOCSWAP_CLI_NAME "allocswap"

struct as_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line, for `allocswap --help` */
	const char *usage;   /* the full --help text of the command */
};

extern const struct as_cmd as_cmds[];
extern const size_t as_ncmds;

/* ---- errors -------------------------------------------------------------- */

/* "allocswap: <msg>" on stderr. */
void as_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "allocswap CMD: <msg>" and "run 'allocswap CMD --help'", returns 2. */
int as_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Index of val in the NULL-terminated list, or -1 after an error line
 * "<what> 'val' is not one of: a, b, c". */
int as_choice(const char *cmd, const char *what, const char *val, const char *const *choices);
/* Prints the command's usage text on stdout; returns 0. */
int as_help(const char *cmd);
/* Is argv[i] -h or --help? */
int as_is_help(const char *arg);

/* Parses a non-negative integer option value; 0 or 2 (after an error). */
int as_parse_uint(const char *cmd, const char *opt, const char *val, unsigned long *out);

/* Splits "a,b,c" into a NULL-terminated array (malloc'd, one block). */
char **as_split_list(const char *s);

/* fflush(stdout) and check it; 0, or 1 after an error line. */
int as_flush_stdout(void);

/* ---- where things are ------------------------------------------------------ */

/* The directory of the running allocswap binary. */
const char *as_self_dir(void);
/* libswap.so for the given libc ("glibc" or "musl"), or NULL.  Looked up
 * next to the binary's build tree (../preload/, ../../build-musl/preload/)
 * and where meson install puts it beside PREFIX/bin/allocswap
 * (PREFIX/lib/allocswap/, and musl/ in it: preload/meson.build);
 * ALLOCSWAP_CLI_LIBSWAP overrides for glibc. */
const char *as_libswap_path(const char *libc);
/* tools/suite/allocswap_suite.py (source tree or installed share dir). */
const char *as_suite_path(void);
/* The Python to benchmark: $ALLOCSWAP_CLI_PYTHON or /usr/bin/python3. */
const char *as_python_path(void);

/* ---- environments ---------------------------------------------------------- */

struct as_env {
	char **v; /* NULL-terminated */
	size_t n, cap;
};

/* A copy of environ (or of src when non-NULL). */
void as_env_init(struct as_env *e, char *const *src);
/* Sets NAME=VALUE, replacing an earlier NAME. */
void as_env_set(struct as_env *e, const char *name, const char *value);
void as_env_unset(struct as_env *e, const char *name);
const char *as_env_get(const struct as_env *e, const char *name);
void as_env_free(struct as_env *e);
/* The environment for running under libswap: LD_PRELOAD gets libswap
 * prepended (keeping what was there), ALLOCSWAP_ALLOCATOR, ALLOCSWAP_STATS,
 * ALLOCSWAP_REPORT, and GLIBC_TUNABLES raised for static-TLS backends so
 * that libswap never needs to re-execute (merged with existing tunables).
 * Every other ALLOCSWAP_* variable is removed first: nothing in the
 * caller's environment changes the experiment behind the CLI's back. */
void as_env_preload(struct as_env *e, const char *libswap, const char *allocator,
		    const char *stats, const char *report);

/* ---- processes --------------------------------------------------------------- */

struct as_proc {
	int status;       /* as from wait4 */
	int64_t wall_ns;  /* fork to reap, CLOCK_MONOTONIC */
	int64_t user_ns, sys_ns;
	int64_t maxrss;   /* bytes, ru_maxrss of the child */
	int64_t minflt, majflt;
};

/* Runs a helper program (rm, musl-gcc, build.sh: never a measured
 * process, which launch.h starts): argv[0] (PATH search) with envp; stdout
 * to out_fd when >= 0 (else inherited); stdin from /dev/null when
 * null_stdin.  Returns 0 or an errno value (the exec failing gives status
 * 127 and returns 0). */
int as_spawn(char *const argv[], char *const envp[], int out_fd, int null_stdin,
	     struct as_proc *r);
/* "exited 3", "killed by SIGSEGV", ... into buf. */
const char *as_status_str(int status, char *buf, size_t cap);

/* ---- files ----------------------------------------------------------------------- */

/* Whole file into a NUL-terminated malloc'd buffer, or NULL (errno set). */
char *as_read_all(const char *path, size_t *len);
/* mkdir -p; 0 or errno. */
int as_mkdirs(const char *path);
/* A fresh temporary directory (malloc'd path) under $TMPDIR or /tmp. */
char *as_tmpdir(const char *prefix);
/* rm -r of a directory tree made by as_tmpdir. */
void as_rmtree(const char *path);

/* ---- shared names and formats -------------------------------------------------- */

/* The C libraries libswap is built for, NULL-terminated: "glibc", "musl". */
extern const char *const as_libcs[];

/* Is word one of the words of the space-separated list (liballoc's
 * "glibc musl" columns)? */
int as_has_word(const char *list, const char *word);

/* A version for a one-line display: git describe of a tagged release
 * ("5.3.0-0-g54eaed1d...", jemalloc's) becomes "5.3.0"; anything else is
 * copied.  Returns buf. */
const char *as_version_short(const char *v, char *buf, size_t cap);

struct json_t;
struct timespec;
/* A build.json of the build store (builds.h, images.h): "build_seconds",
 * how long it took, or -1 when info is NULL or has none. */
long as_built_seconds(const struct json_t *info);
/* Its "built", "2026-12-04T18:20:31Z", as "2026-12-04 18:20" (UTC) into
 * buf, or "-" when info is NULL or has none.  Returns buf. */
const char *as_built_when(const struct json_t *info, char *buf, size_t cap);
/* Was DIR/build.json written at or after start (CLOCK_REALTIME): built
 * now, not found in the store?  0 when it is older or missing. */
int as_built_since(const char *dir, const struct timespec *start);

/* name as execvp finds it (a name with a '/' as it is, else the first
 * regular file of that name in a $PATH directory), into buf: 0, ENOENT when
 * there is none, EACCES when there is one but it cannot be executed. */
int as_find_program(const char *name, char *buf, size_t cap);

/* ---- what is here (cmd_list.c) --------------------------------------------------- */

/* Probes this machine now, as `allocswap list --format json` prints it:
 * every backend of liballoc's table under every libc whose libswap is found
 * (each runs a small program under libswap and reads its report), the
 * libcs, images, runners, perf events and seccomp.  The object's contract
 * is in cmd_list.c.  Caller owns it (json_decref); NULL when out of memory. */
struct json_t *as_probe_here(void);

/* ---- builds, as the commands show them (cmd_build.c) ------------------------------ */

struct as_build;
/* About how many seconds building all[i] takes here (with the libraries a
 * Python needs, when they are not built: *with_deps is set then), from the
 * statuses of the n targets of as_builds_list; -1 when unknown. */
long as_build_estimate(const struct as_build *all, size_t n, size_t i, int *with_deps);
/* "1 min 40 s", "23 s", "1 h 5 min": how long a build took. */
const char *as_fmt_took(long seconds, char *buf, size_t cap);
/* "allocswap build NAME (about 10 min here, with its libraries)". */
const char *as_build_todo(const struct as_build *all, size_t n, size_t i, char *buf,
			  size_t cap);
/* The line on stdout for a build or an image just made or found in the
 * store: "NAME: PATH (SIZE, N files; built now in T)", or "...; cached:
 * built DATE UTC in T)" when DIR/build.json (info) is older than start. */
void as_build_done(const char *name, const char *path, const char *dir,
		   const struct json_t *info, const struct timespec *start);

/* ---- images, as the commands show them (cmd_image.c) ------------------------------ */

struct as_image;
/* "allocswap image build NAME (about 40 s here)" for v[i] (not built) of
 * the n images of as_images_list, the estimate from the images built here
 * and, for an image made of builds, the nb builds of as_builds_list (with
 * their statuses; none: nb 0). */
const char *as_image_todo(const struct as_image *v, size_t n, size_t i, const struct as_build *b,
			  size_t nb, char *buf, size_t cap);

#endif
