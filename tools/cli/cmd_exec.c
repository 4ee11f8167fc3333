/* cmd_exec: a container's entrypoint.
 *
 *   allocswap exec [-a ALLOC] [--stats MODE] [--report DIR/|FILE] [--pymalloc on|off]
 *                  [--print-env] -- CMD...
 *
 * Checks the configuration, builds CMD's environment and replaces this
 * process with CMD (execvpe): no parent stays behind, so the pid (PID 1 in
 * a container), the exit status, signals, stdin, stdout and stderr are
 * CMD's own.  Nothing is written to stdout before the exec.
 *
 * The configuration is the environment, as libswap reads it
 * (ALLOCSWAP_ALLOCATOR, ALLOCSWAP_STATS, ALLOCSWAP_REPORT and the other
 * variables of liballoc's option table), with the options overriding it.
 * It is checked by the same parser libswap runs (_as_options_parse), so a
 * value libswap would refuse at CMD's first malloc is refused here, before
 * CMD starts, with one line and exit status 2.  On top of that:
 *   - a named allocator must be one of liballoc's backend table for CMD's
 *     libc, and its library must be where the dynamic loader looks
 *     (LD_LIBRARY_PATH, /etc/ld.so.cache, the system directories; musl:
 *     LD_LIBRARY_PATH, /etc/ld-musl-ARCH.path or its defaults).  The file is
 *     looked up, not loaded: no process is started and nothing runs in this
 *     one.  A library the allocator itself needs is not checked: libswap
 *     says so when CMD starts (one line, exit 127, before CMD's main);
 *   - the libswap.so build for CMD's libc (read from CMD's ELF interpreter;
 *     a script counts as this program's libc, glibc) must be found beside
 *     this allocswap (as_libswap_path); a statically linked CMD is refused,
 *     as LD_PRELOAD cannot load anything into it;
 *   - the report directory is made (mkdir -p) and must be writable;
 *   - LD_PRELOAD must not already load one of the table's allocators (it
 *     would serve malloc behind libswap's back: libswap's "system" backend
 *     takes the next malloc in line).
 *
 * The environment: as_env_preload's (libswap first in LD_PRELOAD, the old
 * entries after it; glibc.rtld.optional_static_tls added to GLIBC_TUNABLES
 * so that libswap never re-executes CMD), except that the other ALLOCSWAP_*
 * variables are kept: here they are the user's configuration.  The CLI's
 * own ALLOCSWAP_CLI_* variables are removed (they are the CLI's, not CMD's;
 * libswap ignores them), and so is an old libswap.so entry of LD_PRELOAD.  libswap goes
 * first because the malloc family binds to the first object in the lookup
 * order that defines it: an allocator preloaded ahead of libswap would
 * serve every call and libswap would see none.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as_backend.h"
#include "as_options.h"
#include "as_report.h"
#include "builds.h"
#include "cli.h"

#define EXEC_NAME_WORD(id, soname, usable, libcs, desc) " " #id
#define EXEC_ENV_LINE(field, env, type, def, help) "  " env "\n        " help "\n"

/* The options: X(ID, SHORT, LONG, ARG, VARIABLE, HELP), VARIABLE the one of
 * libswap's each overrides (NULL: none). */
#define EXEC_OPTIONS(X)                                                                      \
	X(OPT_ALLOCATOR, 'a', "--allocator", " NAME|PATH", "ALLOCSWAP_ALLOCATOR",               \
	  "ALLOCSWAP_ALLOCATOR: the allocator to run CMD on (default: system), one of"        \
	  AS_BACKENDS(EXEC_NAME_WORD) ", or a path to a .so that exports malloc and free.  "   \
	  "A named one's library must be where the dynamic loader looks: LD_LIBRARY_PATH, "    \
	  "/etc/ld.so.cache, the system directories (Debian: apt-get install libjemalloc2, "  \
	  "libmimalloc2.0, libtcmalloc-minimal4, ...)")                                        \
	X(OPT_STATS, 0, "--stats", " off|counters|full", "ALLOCSWAP_STATS",                      \
	  "ALLOCSWAP_STATS: off, pure dispatch, no heap figures; counters (default): calls, "  \
	  "bytes, live and peak heap; full: counters plus perf events, sampled allocation "     \
	  "sites and a timeline")                                                              \
	X(OPT_REPORT, 0, "--report", " DIR/|FILE", "ALLOCSWAP_REPORT",                           \
	  "ALLOCSWAP_REPORT: where each process of CMD writes its JSON report at exit "        \
	  "(allocswap.report/1).  A directory (one that exists, or a name ending in '/') "     \
	  "gets one report a process, named %e-%p-TIME.json: program, pid, and when exec ran " \
	  "(UTC, to the millisecond), so that runs of a container, whose CMD is pid 1 each "   \
	  "time, do not collide; anything else is a file name in which %p is the pid and %e "  \
	  "the program name.  The directory is made when missing and must be writable.  "      \
	  "Default: no report")                                                                \
	X(OPT_PYMALLOC, 0, "--pymalloc", " on|off", NULL,                                        \
	  "PYTHONMALLOC: off sets PYTHONMALLOC=malloc (every Python object through malloc, "   \
	  "so through the allocator), on removes PYTHONMALLOC; default: PYTHONMALLOC is left " \
	  "as the environment has it")                                                         \
	X(OPT_PRINT_ENV, 0, "--print-env", "", NULL,                                             \
	  "check everything, print the environment CMD would get (NAME=VALUE, one a line) on " \
	  "standard output and exit 0 without running CMD")

#define EXEC_OPT_ENUM(id, shrt, lng, arg, env, help) id,
enum exec_opt { EXEC_OPTIONS(EXEC_OPT_ENUM) EXEC_NOPTS };
#define EXEC_OPT_ROW(id, shrt, lng, arg, env, help) {shrt, lng, arg, help, 0, NULL},
static const struct as_opt exec_opts[] = {EXEC_OPTIONS(EXEC_OPT_ROW)};
#define EXEC_OPT_ENV(id, shrt, lng, arg, env, help) env,
static const char *const exec_env[] = {EXEC_OPTIONS(EXEC_OPT_ENV)};

const struct as_usage as_usage_exec = {
	"usage: allocswap exec [OPTIONS] [--] CMD [ARGS...]\n"
	"\n"
	"Becomes CMD (execvp) with libswap.so preloaded and the allocator swapped:\n"
	"the entrypoint of a container.  No parent process stays: the pid (PID 1 in\n"
	"a container), the exit status, signals, stdin, stdout and stderr are CMD's\n"
	"own.  The configuration is the environment, read as libswap reads it, and\n"
	"the options below override it.  It is checked before CMD starts: a bad one\n"
	"is one line on standard error and exit status 2, and CMD does not run.\n"
	"\n"
	"options (each overrides the variable it names):\n",
	exec_opts, EXEC_NOPTS,
	"\n"
	"CMD starts at the first argument that is not an option, or after '--'.\n"
	"\n"
	"environment: libswap's variables, checked here and passed on to CMD:\n" AS_OPTIONS(
		EXEC_ENV_LINE)
	"  LD_PRELOAD\n"
	"        kept, after libswap.so: libswap comes first so that it serves the\n"
	"        malloc family (an allocator already in it is refused: use -a)\n"
	"  GLIBC_TUNABLES\n"
	"        kept; glibc.rtld.optional_static_tls is added when it is not set,\n"
	"        so that initial-exec TLS allocators (jemalloc) load without a\n"
	"        re-exec\n"
	"  PYTHONMALLOC\n"
	"        kept, unless --pymalloc says otherwise\n"
	"  ALLOCSWAP_CLI_LIBSWAP, ALLOCSWAP_CLI_PYTHON\n"
	"        the CLI's own (ALLOCSWAP_CLI_LIBSWAP: the glibc libswap.so to use);\n"
	"        removed from CMD's environment\n"
	"\n"
	"libswap.so is the build for CMD's libc (from its ELF interpreter; a script\n"
	"counts as glibc), found beside this allocswap: installed (meson install\n"
	"puts it there), at PREFIX/lib/allocswap/libswap.so for\n"
	"PREFIX/bin/allocswap (musl: PREFIX/lib/allocswap/musl/libswap.so); in a\n"
	"build tree, build/preload/.\n"
	"The allocswap binary needs libjansson.so.4, libdw.so.1 and libelf.so.1\n"
	"(Debian: libjansson4, libdw1, libelf1).\n"
	"\n"
	"In a Dockerfile (the README has a whole one, tested):\n"
	"  COPY --from=allocswap /usr/local/ /usr/local/\n"
	"  ENV ALLOCSWAP_ALLOCATOR=jemalloc ALLOCSWAP_REPORT=/reports/\n"
	"  ENTRYPOINT [\"allocswap\", \"exec\", \"--\"]\n"
	"  CMD [\"python3\", \"/app/main.py\"]\n"
	"A process that is PID 1 ignores SIGTERM unless it handles it: give CMD a\n"
	"handler, or run with --init (allocswap exec then runs under docker-init).\n"
	"\n"
	"Exit status: CMD's, as it is CMD; 2 for bad usage or a bad configuration,\n"
	"before CMD starts; 127 when CMD is not found and 126 when it cannot be\n"
	"executed (as env(1)).\n",
	AS_OPTS_IN_ORDER,
};

static const char *const on_off[] = {"on", "off", NULL};

/* What the allocator check finds: CMD's libc and where its loader looks. */
struct exec_ctx {
	const char *libc;   /* "glibc" or "musl" */
	char interp[PATH_MAX];
	unsigned char elf_class;
	uint16_t elf_machine; /* of this program: a library must match it */
};

/* ---- ELF ------------------------------------------------------------------------------ */

/* The class and machine of an ELF file: 0, or -1 when it is not ELF. */
static int elf_kind(const char *path, unsigned char *cls, uint16_t *machine)
{
	Elf64_Ehdr eh; /* e_machine sits at the same offset in both classes */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, &eh, sizeof eh, 0);
	if (fd >= 0)
		close(fd);
	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -1;
	*cls = eh.e_ident[EI_CLASS];
	*machine = eh.e_machine;
	return 0;
}

/* Is path an ELF object this process's loader could load (same class and machine)? */
static int elf_matches(const struct exec_ctx *c, const char *path)
{
	unsigned char cls;
	uint16_t machine;
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0 &&
	       elf_kind(path, &cls, &machine) == 0 && cls == c->elf_class &&
	       machine == c->elf_machine;
}

/* ---- where the dynamic loader finds a library ------------------------------------------- */

/* Looks for name in each directory of the list (separated by any of seps);
 * 1 and buf set when found. */
static int in_dirs(const struct exec_ctx *c, const char *list, const char *seps,
		   const char *name, char *buf, size_t cap)
{
	const char *p = list;
	while (p && *p) {
		size_t n = strcspn(p, seps);
		if (n) {
			snprintf(buf, cap, "%.*s/%s", (int)n, p, name);
			if (elf_matches(c, buf))
				return 1;
		}
		p += n;
		p += strspn(p, seps);
	}
	return 0;
}

/* glibc's /etc/ld.so.cache, the "glibc-ld.so.cache1.1" format ldconfig has
 * written alone since glibc 2.32 (Debian 12 has 2.36): a header, then
 * entries of {int32 flags; uint32 key, value; uint32 osversion; uint64 hwcap}
 * whose key and value are offsets of the soname and the path from the
 * header's start.  1 and buf set when the cache names name (a file of this
 * machine: a multiarch cache holds other architectures' too). */
static int in_ld_cache(const struct exec_ctx *c, const char *name, char *buf, size_t cap)
{
	static const char magic[] = "glibc-ld.so.cache1.1";
	enum { HDR = 48, ENT = 24 };
	size_t len, i, nlibs;
	char *d = as_read_all("/etc/ld.so.cache", &len);
	int found = 0;
	uint32_t n32, key, value;
	if (!d)
		return 0;
	if (len < HDR || memcmp(d, magic, sizeof magic - 1))
		goto out;
	memcpy(&n32, d + 20, 4);
	nlibs = n32;
	if (nlibs > (len - HDR) / ENT)
		goto out;
	for (i = 0; i < nlibs && !found; i++) {
		const char *e = d + HDR + i * ENT;
		memcpy(&key, e + 4, 4);
		memcpy(&value, e + 8, 4);
		if (key >= len || value >= len || strcmp(d + key, name))
			continue;
		/* d[len] is a NUL (as_read_all), so the strings end */
		snprintf(buf, cap, "%s", d + value);
		found = elf_matches(c, buf);
	}
out:
	free(d);
	return found;
}

/* The loader's own search for a library name (no '/'), as CMD's loader
 * will do it: 1 and buf set when found. */
static int find_library(const struct exec_ctx *c, const char *name, char *buf, size_t cap)
{
	const char *lp = getenv("LD_LIBRARY_PATH");
	if (!strcmp(c->libc, "musl")) {
		/* ldso/dynlink.c: LD_LIBRARY_PATH, then /etc/ld-musl-ARCH.path
		 * (newline or colon separated), else /lib:/usr/local/lib:/usr/lib */
		const char *base = strrchr(c->interp, '/'), *dot;
		char pathfile[PATH_MAX];
		char *dirs;
		int found;
		base = base ? base + 1 : c->interp; /* ld-musl-x86_64.so.1 */
		dot = strstr(base, ".so");
		snprintf(pathfile, sizeof pathfile, "/etc/%.*s.path",
			 (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
		if (in_dirs(c, lp, ":", name, buf, cap))
			return 1;
		dirs = as_read_all(pathfile, NULL);
		found = in_dirs(c, dirs ? dirs : "/lib:/usr/local/lib:/usr/lib", ":\n", name, buf,
				cap);
		free(dirs);
		return found;
	}
	if (in_dirs(c, lp, ":;", name, buf, cap) || in_ld_cache(c, name, buf, cap))
		return 1;
	{
		/* the trusted directories: libc's own (the multiarch directory,
		 * not hard-coded), its /usr twin, /lib and /usr/lib */
		char dirs[3 * PATH_MAX + 32];
		Dl_info info;
		const char *f = dladdr((void *)(uintptr_t)&open, &info) && info.dli_fname
					? info.dli_fname : "/lib/libc.so.6";
		int dlen = strrchr(f, '/') ? (int)(strrchr(f, '/') - f) : 0;
		snprintf(dirs, sizeof dirs, "%.*s:%s%.*s:/lib:/usr/lib", dlen, f,
			 strncmp(f, "/usr/", 5) ? "/usr" : "", dlen, f);
		return in_dirs(c, dirs, ":", name, buf, cap);
	}
}

/* ---- checks ---------------------------------------------------------------------------- */

/* CMD's libc from its ELF interpreter.  0, or 2 after an error line for a
 * statically linked program. */
static int cmd_libc(const char *cmd, const char *path, struct exec_ctx *c)
{
	const char *libc = as_elf_libc(path, c->interp, sizeof c->interp);
	unsigned char cls;
	uint16_t machine;
	if (libc) {
		c->libc = libc;
		return 0;
	}
	if (elf_kind(path, &cls, &machine) == 0)
		return as_usage_err("exec", "'%s' is statically linked (no ELF interpreter): "
					    "LD_PRELOAD cannot load libswap into it", cmd);
	c->libc = "glibc"; /* a script: its interpreter is not read; this program's libc */
	return 0;
}

/* Is the file name base (blen bytes) one of b's sonames? */
static int names_backend(const struct as_backend_info *b, const char *base, size_t blen)
{
	char so[128];
	size_t k;
	for (k = 0; _as_backend_soname(b, k, so, sizeof so); k++)
		if (strlen(so) == blen && !strncmp(base, so, blen))
			return 1;
	return 0;
}

/* Whether backend b's library is found as CMD's loader will look: the
 * first of its sonames that is (path into buf), or the C library for
 * system.  libswap tries them in the same order. */
static int find_backend(const struct exec_ctx *c, const struct as_backend_info *b, char *buf,
			size_t cap)
{
	char so[128];
	size_t k;
	if (!b->sonames[0])
		return 1;
	for (k = 0; _as_backend_soname(b, k, so, sizeof so); k++)
		if (find_library(c, so, buf, cap))
			return 1;
	return 0;
}

/* The names of the table's backends for this libc whose library is found
 * here, "system, mimalloc", into buf. */
static void found_list(const struct exec_ctx *c, char *buf, size_t cap)
{
	char path[PATH_MAX];
	size_t i, n = 0;
	buf[0] = 0;
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		if (!as_has_word(b->libcs, c->libc) || !find_backend(c, b, path, sizeof path))
			continue;
		n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "",
				      b->name);
	}
}

/* Checks the allocator: a table name whose library is found for CMD's
 * libc, or a readable shared object of this machine (made absolute into
 * buf).  *alloc is what CMD's ALLOCSWAP_ALLOCATOR becomes.  0, or 2. */
static int check_allocator(const struct exec_ctx *c, const char *spec, const char *from,
			   char *buf, size_t cap, const char **alloc)
{
	char names[256], found[256], lib[PATH_MAX];
	size_t i, k, n = 0;
	if (strchr(spec, '/')) {
		char *real = realpath(spec, NULL);
		int e = errno;
		if (!real)
			return as_usage_err("exec", "allocator file '%s' (%s): %s", spec, from,
					    strerror(e));
		snprintf(buf, cap, "%s", real);
		free(real);
		if (!elf_matches(c, buf))
			return as_usage_err("exec", "allocator file '%s' (%s) is not a readable "
						    "shared object for this machine", spec, from);
		*alloc = buf;
		return 0;
	}
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		if (strcmp(spec, b->name))
			continue;
		if (!as_has_word(b->libcs, c->libc))
			return as_usage_err("exec", "allocator '%s' (%s) is built for %s only and "
						    "CMD is a %s program; use system or a path to "
						    "a %s-built .so",
					    spec, from, b->libcs, c->libc, c->libc);
		if (!find_backend(c, b, lib, sizeof lib)) {
			char sonames[256];
			found_list(c, found, sizeof found);
			/* "libmimalloc.so.2 or libmimalloc.so.3" */
			n = 0;
			for (k = 0; n < sizeof sonames && _as_backend_soname(b, k, lib, sizeof lib); k++)
				n += (size_t)snprintf(sonames + n, sizeof sonames - n, "%s%s",
						      k ? " or " : "", lib);
			return as_usage_err("exec", "allocator '%s' (%s): its library %s is not "
						    "installed where the %s loader looks "
						    "(LD_LIBRARY_PATH, %s); install it, or choose "
						    "one that is here: %s",
					    spec, from, sonames, c->libc,
					    strcmp(c->libc, "musl") ? "/etc/ld.so.cache, /lib, "
								      "/usr/lib"
								    : "/etc/ld-musl-*.path, "
								      "/lib, /usr/lib",
					    found);
		}
		*alloc = b->name;
		return 0;
	}
	names[0] = 0;
	for (i = 0; i < _as_backend_count; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
				      _as_backend_table[i].name);
	return as_usage_err("exec", "unknown allocator '%s' (%s); choose one of: %s, or a path "
				    "to a .so that exports malloc and free", spec, from, names);
}

/* The report setting as libswap gets it: a directory becomes
 * DIR/%e-%p-YYYYmmddTHHMMSS.mmmZ.json (in a container CMD is pid 1 every
 * time: the time tells runs apart; CMD's children have pids of their own).
 * Makes the directory and checks it is writable.  0, or 2. */
static int check_report(const char *val, const char *from, char *buf, size_t cap)
{
	char dir[PATH_MAX], probe[PATH_MAX];
	struct stat st;
	size_t n = strlen(val);
	const char *slash;
	int rc;
	if (!n)
		return as_usage_err("exec", "empty report path (%s): give a directory (ending "
					    "in '/') or a file name", from);
	if (n >= PATH_MAX - 16)
		return as_usage_err("exec", "report path (%s) is too long", from);
	if (val[n - 1] == '/' || (stat(val, &st) == 0 && S_ISDIR(st.st_mode))) {
		snprintf(dir, sizeof dir, "%.*s", (int)(n > 1 && val[n - 1] == '/' ? n - 1 : n),
			 val);
		struct timespec now;
		struct tm tm;
		char when[32];
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
		snprintf(buf, cap, "%s%s%%e-%%p-%s.%03ldZ.json", val, val[n - 1] == '/' ? "" : "/",
			 when, now.tv_nsec / 1000000);
	} else {
		slash = strrchr(val, '/');
		snprintf(dir, sizeof dir, "%.*s",
			 slash ? (int)(slash == val ? 1 : slash - val) : 1, slash ? val : ".");
		snprintf(buf, cap, "%s", val);
	}
	/* the pattern as libswap expands it: only %p, %e and %% */
	if (_as_report_expand(buf, 1, "x", probe, sizeof probe) == EINVAL)
		return as_usage_err("exec", "report path '%s' (%s): unknown %%-sequence; %%p is "
					    "the pid, %%e the program name, %%%% a %%", val, from);
	if (strchr(dir, '%'))
		return as_usage_err("exec", "report path '%s' (%s): the directory part cannot "
					    "hold %%-sequences (libswap does not make directories)",
				    val, from);
	rc = as_mkdirs(dir);
	if (rc)
		return as_usage_err("exec", "cannot make the report directory '%s' (%s): %s", dir,
				    from, strerror(rc));
	if (access(dir, W_OK | X_OK))
		return as_usage_err("exec", "the report directory '%s' (%s) is not writable: %s",
				    dir, from, strerror(errno));
	return 0;
}

/* LD_PRELOAD without old libswap.so entries; 0, or 2 when it already loads
 * one of the table's allocators. */
static int check_preload(struct as_env *env)
{
	const char *old = as_env_get(env, "LD_PRELOAD"), *p;
	char *kept;
	size_t n = 0, i;
	if (!old)
		return 0;
	kept = malloc(strlen(old) + 1);
	if (!kept)
		return 1;
	for (p = old; *p;) {
		size_t len = strcspn(p, ": \t"), blen;
		const char *base = p;
		for (i = 0; i < len; i++)
			if (p[i] == '/')
				base = p + i + 1;
		blen = len - (size_t)(base - p);
		for (i = 0; len && i < _as_backend_count; i++) {
			if (names_backend(&_as_backend_table[i], base, blen)) {
				free(kept);
				return as_usage_err("exec", "LD_PRELOAD already loads %.*s, which would "
							    "serve malloc behind libswap's back: take "
							    "it out and use --allocator %s "
							    "(ALLOCSWAP_ALLOCATOR=%s)",
						    (int)len, p, _as_backend_table[i].name,
						    _as_backend_table[i].name);
			}
		}
		if (len && !(blen == strlen("libswap.so") && !strncmp(base, "libswap.so", blen)))
			n += (size_t)sprintf(kept + n, "%s%.*s", n ? ":" : "", (int)len, p);
		p += len;
		p += strspn(p, ": \t");
	}
	if (n)
		as_env_set(env, "LD_PRELOAD", kept);
	else
		as_env_unset(env, "LD_PRELOAD");
	free(kept);
	return 0;
}

/* ---- the command ------------------------------------------------------------------------ */

/* The value of an option, else of its variable in env; from says which. */
static const char *setting(const struct as_optval *v, enum exec_opt k,
			   const struct as_env *env, char *from, size_t cap)
{
	if (v[k].val) {
		snprintf(from, cap, "from %s", exec_opts[k].lng);
		return v[k].val;
	}
	snprintf(from, cap, "from %s", exec_env[k]);
	return as_env_get(env, exec_env[k]);
}

/* The environment CMD gets, checked: 0, or 2 after an error line (1 when
 * out of memory).  c->libc is CMD's. */
static int build_env(const struct as_optval *v, const struct exec_ctx *c, struct as_env *env)
{
	const char *alloc = NULL, *val, *libswap;
	char alloc_buf[PATH_MAX], report[PATH_MAX], from[64];
	struct as_env keep;
	size_t i;
	int rc;

	val = setting(v, OPT_ALLOCATOR, env, from, sizeof from);
	if (check_allocator(c, val ? val : "system", val ? from : "the default", alloc_buf,
			    sizeof alloc_buf, &alloc))
		return 2;
	libswap = as_libswap_path(c->libc);
	if (!libswap)
		return as_usage_err("exec", "no %s build of libswap.so beside this allocswap: "
					    "installed, it is %s/../lib/allocswap/%slibswap.so",
				    c->libc, as_self_dir(), strcmp(c->libc, "musl") ? "" : "musl/");
	val = setting(v, OPT_REPORT, env, from, sizeof from);
	report[0] = 0;
	if (val && (*val || v[OPT_REPORT].val) && check_report(val, from, report, sizeof report))
		return 2;
	rc = check_preload(env);
	if (rc)
		return rc;

	/* as_env_preload removes every ALLOCSWAP_* variable (run's configuration
	 * is its options alone); here the others are the user's: kept aside and
	 * put back */
	as_env_init(&keep, (char *[]){NULL});
	for (i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], "ALLOCSWAP_", 10))
			as_env_set(&keep, strndupa(env->v[i], strcspn(env->v[i], "=")),
				   strchr(env->v[i], '=') + 1);
	as_env_preload(env, libswap, alloc, setting(v, OPT_STATS, env, from, sizeof from),
		       report[0] ? report : NULL);
	for (i = 0; i < keep.n; i++) {
		const char *name = strndupa(keep.v[i], strcspn(keep.v[i], "="));
		if (!as_env_get(env, name))
			as_env_set(env, name, strchr(keep.v[i], '=') + 1);
	}
	as_env_free(&keep);
	if (v[OPT_PYMALLOC].val && !strcmp(v[OPT_PYMALLOC].val, "off"))
		as_env_set(env, "PYTHONMALLOC", "malloc");
	else if (v[OPT_PYMALLOC].val)
		as_env_unset(env, "PYTHONMALLOC");
	return 0;
}

int as_cmd_exec(int argc, char **argv)
{
	struct as_optval v[EXEC_NOPTS] = {{0}};
	char **cmd = NULL, path[PATH_MAX], err[512];
	struct exec_ctx c;
	struct as_env env;
	struct as_options opts;
	size_t i;
	int rc;

	rc = as_opts_cmdline("exec", &as_usage_exec, argc, argv, v, &cmd);
	if (rc)
		return rc == 1 ? as_help("exec") : rc;
	if (v[OPT_PYMALLOC].val && as_choice("exec", "--pymalloc", v[OPT_PYMALLOC].val, on_off) < 0)
		return 2;

	as_env_init(&env, NULL);
	rc = 2;
	/* the CLI's own variables are not libswap's */
	for (i = 0; i < env.n;)
		if (!strncmp(env.v[i], "ALLOCSWAP_CLI_", 14))
			as_env_unset(&env, strndupa(env.v[i], strcspn(env.v[i], "=")));
		else
			i++;
	/* the options override the environment; then all of it goes through
	 * libswap's own parser */
	for (i = 0; i < EXEC_NOPTS; i++)
		if (v[i].val && exec_env[i])
			as_env_set(&env, exec_env[i], v[i].val);
	if (_as_options_parse((const char *const *)env.v, &opts, err, sizeof err)) {
		for (i = 0; i < EXEC_NOPTS; i++)
			if (v[i].val && exec_env[i] && strstr(err, exec_env[i]))
				break;
		as_usage_err("exec", "%s%s%s%s", err, i < EXEC_NOPTS ? " (from " : "",
			     i < EXEC_NOPTS ? exec_opts[i].lng : "", i < EXEC_NOPTS ? ")" : "");
		goto out;
	}

	memset(&c, 0, sizeof c);
	if (elf_kind("/proc/self/exe", &c.elf_class, &c.elf_machine)) {
		as_err("exec: cannot read this program's ELF header");
		rc = 1;
		goto out;
	}
	rc = as_find_program(cmd[0], path, sizeof path);
	if (rc) {
		fprintf(stderr, ALLOCSWAP_CLI_NAME " exec: %s: %s\n", cmd[0],
			rc == ENOENT && !strchr(cmd[0], '/') ? "command not found" : strerror(rc));
		rc = rc == ENOENT ? 127 : 126;
		goto out;
	}
	if (cmd_libc(cmd[0], path, &c) || (rc = build_env(v, &c, &env))) {
		rc = rc ? rc : 2;
		goto out;
	}

	if (v[OPT_PRINT_ENV].val) {
		for (i = 0; i < env.n; i++)
			puts(env.v[i]);
		rc = as_flush_stdout();
		goto out;
	}
	/* nothing is buffered (nothing was written to stdout), nothing was
	 * changed that CMD would inherit but the environment */
	execvpe(cmd[0], cmd, env.v);
	rc = errno;
	fprintf(stderr, ALLOCSWAP_CLI_NAME " exec: cannot run '%s': %s\n", cmd[0], strerror(rc));
	rc = rc == ENOENT ? 127 : 126;
out:
	as_env_free(&env);
	return rc;
}
