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
#include <stdio.h>
#include <sys/types.h>

#define ALLOCSWAP_CLI_NAME "allocswap"

struct as_usage;

struct as_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;          /* one line, for `allocswap --help` */
	const struct as_usage *usage; /* its options and the text of its --help around them */
};

extern const struct as_cmd as_cmds[];
extern const size_t as_ncmds;

/* ---- options ----------------------------------------------------------------
 *
 * A command declares its options once, as a table of struct as_opt: the
 * parser (as_opts_parse), the error line that lists the valid options and
 * the options block of the command's --help (as_opts_help) all read it, so
 * an option cannot be missing from --help, nor documented but not parsed.
 * -h/--help is every command's and is not in the tables: the parser takes it
 * and the writer adds it last.
 *
 * Forms: --name VALUE, --name=VALUE, -x VALUE, -xVALUE; a flag takes no
 * value (--json=yes, -qx are errors); "--" ends the options; "-" alone is an
 * operand.  A value is the next argument whatever it starts with (--runs -3
 * gives "-3" to --runs to judge).  Long names match exactly, never a prefix.
 * An option given twice keeps the last value, unless it is AS_OPT_MANY.
 */

#define AS_OPT_MANY 1u /* may be given more than once: every value is kept, in order */

struct as_opt {
	char shrt;           /* 'a' for -a, or 0 */
	const char *lng;     /* "--allocator" */
	const char *arg;     /* the value it takes, " NAME|PATH"; "" for a flag */
	const char *help;    /* one paragraph, wrapped by as_opts_help; '\n' breaks a line */
	unsigned flags;      /* AS_OPT_MANY */
	const char *section; /* a heading printed on its own line before it ("Matrix:"), or NULL */
};

/* What the parser found for the option of the same index. */
struct as_optval {
	const char *val;  /* the last value given, "" for a flag; NULL when not given */
	unsigned n;       /* how many times it was given */
	const char **all; /* AS_OPT_MANY: the caller's array, filled with every value */
	unsigned cap;     /* its size: one value more is an error "at most CAP --name" */
};

/* Options end at the first operand, which starts a command line of its own
 * (run and exec: CMD ARGS...).  Otherwise operands and options may come in
 * any order: the operands are moved after the options, in their order. */
#define AS_OPTS_IN_ORDER 1u

/* A command's --help (intro, then the options block written from opts, then
 * outro) and how its arguments are read. */
struct as_usage {
	const char *intro; /* "usage: ...", down to the line that heads the options */
	const struct as_opt *opts;
	size_t nopts;
	const char *outro; /* after the options block: its first line is usually empty */
	unsigned flags;    /* AS_OPTS_IN_ORDER */
};

/* The X-macro columns most tables use: X(ID, SHORT, LONG, ARG, FLAGS, HELP);
 * enum { LIST(AS_OPT_ENUM) N }; static const struct as_opt t[] = {LIST(AS_OPT_ROW)}; */
#define AS_OPT_ENUM(id, shrt, lng, arg, flags, help) id,
#define AS_OPT_ROW(id, shrt, lng, arg, flags, help) {shrt, lng, arg, help, flags, NULL},

/* Parses argv[1..argc) (argv[0] is the command's name) into v[0..u->nopts),
 * indexed as u->opts; v's all and cap are the caller's, the rest is set
 * here.  On 0, the operands are argv[*first_operand..argc) (argv is
 * reordered: the options first, then "--" when given, then the operands).
 * Returns 0, 1 for -h/--help (nothing printed), or 2 after one error line
 * on stderr (as_usage_err's form, cmd naming the command): "unknown option
 * '--frob'; options: -a/--allocators, --libc, ..., -h/--help", "--runs needs
 * a value: N", "--json takes no value", "at most 16 --cmd". */
int as_opts_parse(const char *cmd, const struct as_usage *u, int argc, char **argv,
		  struct as_optval *v, int *first_operand);
/* The option of u that arg ("-x..." or "--name...") names, or -h/--help's
 * own row (not in u->opts); NULL when none does.  *val: the value arg holds
 * (--name=VALUE, -xVALUE), else NULL.  as_opts_parse matches options with
 * it; a caller that reads an argv again (bench's shards) does too. */
const struct as_opt *as_opt_find(const struct as_usage *u, const char *arg, const char **val);

/* as_opts_parse for a command that runs CMD ARGS... (u: AS_OPTS_IN_ORDER):
 * *cmdline is CMD ARGS... (NULL-terminated, in argv); with no CMD, 2 after
 * "no command given: allocswap CMD [OPTIONS] -- CMD [ARGS...]". */
int as_opts_cmdline(const char *cmd, const struct as_usage *u, int argc, char **argv,
		    struct as_optval *v, char ***cmdline);

/* The longest line of a --help text, and the widest option ("-x, --name
 * ARG") whose help starts on its own line rather than beside it. */
#define AS_HELP_WIDTH 79
#define AS_HELP_SPEC 24

/* Writes the options block: each option as "  -a, --allocators LIST  help"
 * (a long-only one as "      --libc LIST"), the help wrapped to
 * AS_HELP_WIDTH in a column that the widest option of at most AS_HELP_SPEC
 * sets (a wider one has its help on the next lines), "May be repeated." for
 * AS_OPT_MANY, sections as headings, and "-h, --help  this text" last. */
void as_opts_help(FILE *f, const struct as_opt *opts, size_t n);
/* The whole --help text on stdout: intro, options block, outro; 0, or 1
 * after an error line when the write failed. */
int as_usage_print(const struct as_usage *u);

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
/* tools/suite/allocswap_suite.py: next to the binary in its build tree,
 * in the installed share dir, then in the source tree the binary was
 * configured from (a build directory outside it); NULL when none has it. */
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

/* ---- JSON: the one getter for reports, meta.json and summaries ------------- */

/* j["a"]["b"]... for a dotted path "a.b" (keys without dots); NULL when
 * absent. */
struct json_t *as_jpath(const struct json_t *j, const char *path);
/* The string there, or NULL. */
const char *as_jstr(const struct json_t *j, const char *path);
/* The number there (integer or real), or NaN. */
double as_jnum(const struct json_t *j, const char *path);

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
