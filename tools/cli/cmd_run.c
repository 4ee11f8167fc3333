/* cmd_run: one command under libswap, summarized like `perf stat`.
 *
 *   allocswap run [-a ALLOC] [--libc L] [--stats MODE] [--report FILE] -- CMD...
 *
 * The environment is as_env_preload's (libswap first in LD_PRELOAD, the
 * caller's other ALLOCSWAP_* variables removed, static TLS raised so that
 * jemalloc needs no re-exec), with reports written pid-named into a fresh
 * temporary directory.  as_launch measures wall, user and sys time, max
 * RSS (wait4) and the signs of contention (launch.h).  The report of CMD's own process is the one whose ppid is
 * this process (a fork of CMD has CMD as parent; an exec keeps the pid, and
 * only the last image writes a report); the others are counted.  The exit
 * status is CMD's, or 128+N when signal N killed it.
 *
 * Before anything runs, CMD is looked up as execvp would, and its ELF
 * interpreter read: a statically linked program cannot be preloaded into,
 * and a glibc libswap cannot be loaded into a musl process (nor the other
 * way round).  --libc defaults to CMD's own libc.
 *
 * --json writes this object (add fields freely, rename none):
 *   {"schema": "allocswap.run-summary/1", "command": [argv...],
 *    "config": {"allocator", "libc", "stats", "pymalloc": "on"|"off"|null},
 *    "proc": {"wall_ns", "user_ns", "sys_ns", "maxrss", "minflt", "majflt",
 *             "exit", "signal": "SIGTERM"|null, "source", and the signs of
 *             contention: "nvcsw", "nivcsw", "runq_wait_ns", "steal_ns",
 *             "running_start", "running_end" (launch.h)},
 *    "report": the report of CMD's process (allocswap.report/1) or null;
 *              under --timeline its "timeline" is replaced by the points
 *              sampled here, [[t_ms, live_bytes, rss_bytes], ...], and its
 *              "timeline_info" says {"source": "outside", "interval_ms",
 *              "points"} (with --stats full and no --timeline, libswap
 *              records a timeline itself: liballoc/as_timeline.h),
 *    "report_path": where --report kept it, or null,
 *    "other_reports": reports of other processes (CMD's children)}
 * "proc" has the fields of results.h's run records; "exit" is the status
 * allocswap run exits with.
 *
 * --timeline MS: CMD's libswap maps a counters page (ALLOCSWAP_COUNTERS,
 * as_counters.h) in the temporary directory and this process samples it
 * and /proc/PID/statm every MS ms while it waits (timeline.h).
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_backend.h"
#include "builds.h"
#include "launch.h"
#include "as_seccomp.h"
#include "as_tracefs.h"
#include "as_sites.h"
#include "as_file.h"
#include "cli.h"
#include "summary.h"
#include "timeline.h"

#define AS_NAME_WORD(id, soname, usable, libcs, desc) " " #id

/* The options: X(ID, SHORT, LONG, ARG, FLAGS, HELP) (cli.h's columns). */
#define RUN_OPTIONS(X)                                                                      \
	X(OPT_ALLOCATOR, 'a', "--allocator", " NAME|PATH", 0,                                 \
	  "allocator to run CMD on (default: system), one of" AS_BACKENDS(AS_NAME_WORD)       \
	  ", or a path to a .so that exports malloc and free ('allocswap list' shows "       \
	  "which are installed)")                                                             \
	X(OPT_LIBC, 0, "--libc", " glibc|musl", 0,                                              \
	  "the libswap.so build to use; default: CMD's own libc (read from its ELF "         \
	  "interpreter), else glibc.  musl needs the musl build of libswap; musl's "         \
	  "jemalloc and mimalloc are built first when missing")                              \
	X(OPT_PYTHON, 0, "--python", " NAME", 0,                                                \
	  "run CMD's words with this Python: host, a build (musl-os, glibc-o3lto; "          \
	  "allocswap build lists them; built first when missing), a flag set with --libc "   \
	  "(os, o3lto), or an interpreter's path.  --libc defaults to its libc")             \
	X(OPT_IMAGE, 0, "--image", " NAME|DIR|docker:REF|podman:REF", 0,                        \
	  "run CMD inside an image instead of on this machine: a built image (allocswap "    \
	  "image list), a root filesystem directory (run with bwrap, or chroot), or an "     \
	  "engine's image (docker run / podman run; CMD replaces its entrypoint).  libswap " \
	  "is mounted read-only at /opt/allocswap; --libc is the image's")                   \
	X(OPT_SECCOMP, 0, "--seccomp", " default|unconfined", 0,                                \
	  "default: Docker's default seccomp profile (with an engine, its own; otherwise "   \
	  "allocswap's mirror of it, installed with libseccomp just before CMD starts); "    \
	  "unconfined: no filter (an engine's seccomp=unconfined).  Default: none given "    \
	  "(the runner's own)")                                                               \
	X(OPT_STATS, 0, "--stats", " off|counters|full", 0,                                     \
	  "off: pure dispatch, no heap figures; counters (default): calls, bytes, live and " \
	  "peak heap; full: counters plus perf events (syscalls, page faults, task clock; "  \
	  "see allocswap doctor), sampled allocation sites and a timeline of live heap and " \
	  "RSS recorded by libswap itself")                                                   \
	X(OPT_REPORT, 0, "--report", " FILE", 0,                                                \
	  "keep the JSON report of CMD's process (allocswap.report/1) at FILE, replacing "   \
	  "it; otherwise reports go to a temporary directory that is removed")               \
	X(OPT_TIMELINE, 0, "--timeline", " MS", 0,                                              \
	  "every MS milliseconds while CMD runs, sample its live heap (a counters page its " \
	  "libswap shares) and RSS (/proc/PID/statm); the points go into the report as "     \
	  "\"timeline\": [[t_ms, live_bytes, rss_bytes], ...] (--json, --report).  Live "    \
	  "bytes lag by at most 64 KiB per thread")                                           \
	X(OPT_PYMALLOC, 0, "--pymalloc", " on|off", 0,                                          \
	  "for Python: off sets PYTHONMALLOC=malloc (every object through malloc), on "      \
	  "removes PYTHONMALLOC; default: the environment is left as it is")                 \
	X(OPT_OUTPUT, 'o', "--output", " FILE", 0,                                              \
	  "write the summary to FILE instead of standard error")                             \
	X(OPT_JSON, 0, "--json", "", 0,                                                         \
	  "write the summary as one JSON object (allocswap.run-summary/1)")                  \
	X(OPT_QUIET, 'q', "--quiet", "", 0, "no summary on standard error (-o still writes one)")

enum run_opt { RUN_OPTIONS(AS_OPT_ENUM) RUN_NOPTS };
static const struct as_opt run_opts[] = {RUN_OPTIONS(AS_OPT_ROW)};

const struct as_usage as_usage_run = {
	"usage: allocswap run [OPTIONS] [--] CMD [ARGS...]\n"
	"\n"
	"Runs CMD once with libswap.so preloaded and the allocator swapped, then\n"
	"prints a summary on standard error, like perf stat: wall, user and sys\n"
	"time, the time CMD waited for a CPU (run-queue wait) and its context\n"
	"switches, max RSS (wait4), peak live heap and what was requested, the\n"
	"fragmentation at peak (peak RSS / peak live), page faults, and syscalls\n"
	"when they were counted.  The heap figures come from the libswap report of\n"
	"CMD's own process; processes CMD starts write reports too, and are\n"
	"counted.  A process that ends without exit handlers (_exit, a crash, a\n"
	"signal) writes no report: the summary says so and keeps the rest.\n"
	"\n"
	"options:\n",
	run_opts, RUN_NOPTS,
	"\n"
	"CMD starts at the first argument that is not an option, or after '--'.\n"
	"Other ALLOCSWAP_* variables in the environment are ignored: the options\n"
	"above are the whole configuration.\n"
	"\n"
	"Exit status: CMD's; 128+N when signal N killed it; 127 when CMD is not\n"
	"found and 126 when it cannot be executed (as env(1)); 2 for bad usage, with\n"
	"one line on standard error; 1 when allocswap itself failed.\n",
	AS_OPTS_IN_ORDER,
};

static const char *const stats_modes[] = {"off", "counters", "full", NULL};
static const char *const on_off[] = {"on", "off", NULL};

struct run_args {
	struct as_optval v[RUN_NOPTS];
	char **cmd;
};

/* "allocswap run: <msg>" on stderr, for what goes wrong after the usage was good. */
static void run_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run_err(const char *fmt, ...)
{
	va_list ap;
	fputs(ALLOCSWAP_CLI_NAME " run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- CMD -------------------------------------------------------------------------- */

/* The ELF interpreter of path into buf: 0; 1 for an ELF file without one
 * (statically linked); -1 when it cannot tell (not 64-bit ELF, unreadable). */
static int elf_interp(const char *path, char *buf, size_t cap)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1, i;
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof eh, 0) != sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof ph)
		goto out;
	rc = 1;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) !=
		    sizeof ph) {
			rc = -1;
			break;
		}
		if (ph.p_type == PT_INTERP) {
			size_t n = ph.p_filesz < cap ? ph.p_filesz : cap - 1;
			rc = pread(fd, buf, n, (off_t)ph.p_offset) == (ssize_t)n ? 0 : -1;
			buf[n] = 0;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

/* A "#!" script's interpreter (following "/usr/bin/env NAME"), into buf; 0 or -1. */
static int script_interp(const char *path, char *buf, size_t cap)
{
	char line[256], *p, *name;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
	if (fd >= 0)
		close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return -1;
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	p = line + 2 + strspn(line + 2, " \t");
	name = strtok(p, " \t");
	if (!name)
		return -1;
	if (!strcmp(strrchr(name, '/') ? strrchr(name, '/') + 1 : name, "env")) {
		name = strtok(NULL, " \t");
		if (!name || name[0] == '-')
			return -1;
		return as_find_program(name, buf, cap) ? -1 : 0;
	}
	snprintf(buf, cap, "%s", name);
	return 0;
}

/* Checks that libswap can be preloaded into CMD; *libc is set from CMD's
 * interpreter when NULL.  0, or 2 after an error line. */
static int check_cmd(const char *cmd, const char *path, const char **libc)
{
	char interp[PATH_MAX], script[PATH_MAX], next[PATH_MAX];
	const char *prog = path, *its;
	int rc = elf_interp(path, interp, sizeof interp), depth;
	/* a script runs its interpreter, which may be a script too (pyenv's
	 * shims are bash scripts run through env); the kernel follows 4 levels */
	for (depth = 0; rc < 0 && depth < 4 && script_interp(prog, next, sizeof next) == 0;
	     depth++) {
		memcpy(script, next, sizeof script);
		prog = script;
		rc = elf_interp(prog, interp, sizeof interp);
	}
	if (rc < 0) /* cannot tell: let the run show what happens */
		return 0;
	if (rc == 1)
		return as_usage_err("run", "'%s' is statically linked: LD_PRELOAD cannot load "
					   "libswap into it", prog);
	its = strstr(interp, "ld-musl") ? "musl" : "glibc";
	if (!*libc)
		*libc = its;
	else if (strcmp(*libc, its))
		return as_usage_err("run", "'%s' is a %s program (interpreter %s): the %s build "
					   "of libswap cannot be loaded into it; use --libc %s",
				    prog == path ? cmd : prog, its, interp, *libc, its);
	return 0;
}

/* 0 and *alloc set (a table name, or the real path of a file), or 2. */
static int check_allocator(const char *spec, const char *libc, char *buf, size_t cap,
			   const char **alloc)
{
	char names[256];
	size_t i, n = 0;
	if (strchr(spec, '/')) {
		char *real = realpath(spec, NULL);
		if (!real || access(real, R_OK)) {
			free(real);
			return as_usage_err("run", "allocator file '%s': %s", spec, strerror(errno));
		}
		snprintf(buf, cap, "%s", real);
		free(real);
		*alloc = buf;
		return 0;
	}
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		if (strcmp(spec, b->name))
			continue;
		if (!as_has_word(b->libcs, libc))
			return as_usage_err("run", "allocator '%s' is built for %s only; under %s use "
						   "system or a path to a %s-built .so",
					    spec, b->libcs, libc, libc);
		*alloc = b->name;
		return 0;
	}
	names[0] = 0;
	for (i = 0; i < _as_backend_count; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
				      _as_backend_table[i].name);
	return as_usage_err("run", "unknown allocator '%s'; choose one of: %s, or a path to a .so "
				   "that exports malloc and free", spec, names);
}

/* Can FILE be created (its directory exists and is writable)?  0 or 2. */
static int check_writable(const char *opt, const char *file)
{
	char dir[PATH_MAX], *slash;
	snprintf(dir, sizeof dir, "%s", file);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		snprintf(dir, sizeof dir, ".");
	if (!*file || access(dir, W_OK | X_OK))
		return as_usage_err("run", "%s '%s': cannot write in '%s': %s", opt, file, dir,
				    *file ? strerror(errno) : "empty name");
	return 0;
}

/* ---- reports ---------------------------------------------------------------------- */

/* Writes the report to dest through a temporary name: 0 or errno. */
static int write_report(const json_t *rep, const char *dest)
{
	return as_file_write_json(dest, rep, JSON_COMPACT);
}

/* ---- summary ---------------------------------------------------------------------- */

/* as_fmt_bytes split for the columns: "64.0 MiB" -> "64.0" and "MiB". */
static const char *bytes_col(double v, char *buf, size_t cap, const char **unit)
{
	char *sp;
	as_fmt_bytes(v, buf, cap);
	sp = strchr(buf, ' ');
	*unit = sp ? sp + 1 : "";
	if (sp)
		*sp = 0;
	return buf;
}

/* 1234567 -> "1,234,567" */
static const char *fmt_count(double v, char *buf, size_t cap)
{
	char d[32];
	size_t n = (size_t)snprintf(d, sizeof d, "%.0f", v > 0 ? v : 0), i, k = 0;
	for (i = 0; i < n && k + 2 < cap; i++) {
		if (i && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = d[i];
	}
	buf[k] = 0;
	return buf;
}

/* The string at path in the report, or "". */
static const char *rstr(const json_t *rep, const char *path)
{
	const char *s = as_jstr(rep, path);
	return s ? s : "";
}

struct run_result {
	char **cmd;
	const char *allocator, *libc, *stats, *pymalloc;
	const char *python; /* --python's name, or NULL */
	const char *image, *seccomp; /* --image's name ("host"), --seccomp's or "none" */
	const char *proc_source; /* "process", or "engine client" */
	struct as_proc proc;
	const struct as_launch_result *launch; /* its contention figures */
	int exit;
	json_t *report;
	const char *report_path; /* where --report kept it */
	int others;
	unsigned long every_ms;  /* --timeline, or 0 */
	json_t *timeline;        /* its points */
	const char *sym_root;    /* where the sites' modules are: NULL here, an image's root
				  * filesystem, or "" (an engine's image: not readable here) */
};

/* "qualname (file.py:12)" with the file's last name only */
static void python_short(const char *t, FILE *f)
{
	const char *open = strrchr(t, '('), *slash;
	if (!open) {
		fputs(t, f);
		return;
	}
	slash = memrchr(open, '/', strlen(open));
	fprintf(f, "%.*s(%s", (int)(open - t), t, slash ? slash + 1 : open + 1);
}

/* full mode: the top sampled sites by bytes, leaf frame first, one line
 * each, named after the run (as_sites.h: function (file:line), inlined
 * functions as frames of their own), and a line per module that has no
 * file:line to give (the report has the whole stacks and the sites by live
 * bytes; allocswap sites lists them). */
static void sites_summary(FILE *f, const json_t *rep, const char *root)
{
	const json_t *sites = as_jpath(rep, "sites");
	size_t i, n = json_array_size(sites);
	const char *source = rstr(rep, "sampling.source");
	char num[32], text[512];
	const char *unit;
	struct as_sym *sym;
	struct as_sites v = {0};
	if (!strcmp(source, "none") && json_is_string(as_jpath(rep, "sampling.reason")) &&
	    !strcmp(rstr(rep, "stats_mode"), "full")) {
		fprintf(f, "        allocation sites: not sampled: %s\n", rstr(rep, "sampling.reason"));
		return;
	}
	if (!n)
		return;
	fprintf(f, "        allocation sites (%s, one sample per %s on average; top %zu of %.0f by "
		   "bytes):\n", source, as_fmt_bytes(as_jnum(rep, "sampling.mean_bytes"), num,
						      sizeof num),
		n < 5 ? n : 5, as_jnum(rep, "sampling.sites"));
	if (root && !*root) {
		/* an engine's image: its files are not here to name frames from */
		for (i = 0; i < n && i < 5; i++) {
			const json_t *s = json_array_get(sites, i), *fr = json_object_get(s, "frames");
			size_t k;
			bytes_col(json_number_value(json_object_get(s, "bytes")), num, sizeof num, &unit);
			fprintf(f, "%16s %-6s", num, unit);
			for (k = 0; k < json_array_size(fr) && k < 3; k++)
				fprintf(f, "%s%s", k ? " < " : " ", json_string_value(json_array_get(fr, k)));
			fprintf(f, "\n");
		}
		fprintf(f, "        symbols: not named here: the modules are inside the engine's image\n");
		return;
	}
	sym = as_sym_open(root);
	if (!sym || as_sites_from_report(sym, rep, "sites", &v)) {
		fprintf(f, "        (out of memory naming them)\n");
		goto out;
	}
	for (i = 0; i < v.n && i < 5; i++) {
		const struct as_site *s = &v.v[i];
		size_t k, py;
		bytes_col(s->bytes, num, sizeof num, &unit);
		fprintf(f, "%16s %-6s", num, unit);
		/* the leaf and its two callers, then the innermost Python frame
		 * and the first of the program's own (where a Python developer
		 * looks) */
		for (k = 0; k < s->n && k < 3; k++) {
			fputs(k ? " < " : " ", f);
			if (as_sym_python(&s->f[k]))
				python_short(s->f[k].text, f);
			else
				fputs(as_sym_text(&s->f[k], AS_SYM_SHORT, text, sizeof text), f);
		}
		for (py = 0; k < s->n; k++) {
			if (!as_sym_python(&s->f[k]))
				continue;
			if (!py++) {
				fputs(" ... ", f);
				python_short(s->f[k].text, f);
				if (!strstr(s->f[k].text, "/lib/python3"))
					break;
			} else if (!strstr(s->f[k].text, "/lib/python3")) {
				/* the first frame outside the standard library and
				 * site-packages: the program's own code */
				fputs(" < ... < ", f);
				python_short(s->f[k].text, f);
				break;
			}
		}
		fprintf(f, "\n");
	}
	as_sym_notes(sym, f, NULL, "        symbols: ", 1, 0);
out:
	as_sites_free(&v);
	as_sym_close(sym);
}

/* How much CMD waited for a CPU: the run-queue wait, the context
 * switches, and the machine's steal time when there was any (launch.h). */
static void contention_line(FILE *f, const struct as_launch_result *l, const char *of)
{
	if (l->runq_wait_ns >= 0)
		fprintf(f, "%16.3f s      run-queue wait  (", (double)l->runq_wait_ns / 1e9);
	else
		fprintf(f, "%16s        run-queue wait  (not known: bwrap's process, or no "
			   "schedstat; ", "-");
	fprintf(f, "%lld involuntary, %lld voluntary context switches", (long long)l->nivcsw,
		(long long)l->nvcsw);
	if (l->steal_ns > 0)
		fprintf(f, "; steal %.3f s", (double)l->steal_ns / 1e9);
	fprintf(f, ")%s\n", of);
}

static void text_summary(FILE *f, const struct run_result *r)
{
	const json_t *rep = r->report;
	const char *unit, *source = rstr(rep, "syscalls.source");
	const char *sig = WIFSIGNALED(r->proc.status) ? sigabbrev_np(WTERMSIG(r->proc.status)) : NULL;
	char cmdline[96], v[64], num[32], ver[64];
	size_t n = 0, i;
	double ncalls;

	for (i = 0; r->cmd[i] && n < sizeof cmdline; i++)
		n += (size_t)snprintf(cmdline + n, sizeof cmdline - n, "%s%s", i ? " " : "", r->cmd[i]);
	if (n >= sizeof cmdline)
		memcpy(cmdline + sizeof cmdline - 4, "...", 4);

	fprintf(f, "\nallocswap run: %s  (allocator ", cmdline);
	if (rep)
		fprintf(f, "%s %s, %s %s", rstr(rep, "allocator.name"),
			as_version_short(rstr(rep, "allocator.version"), ver, sizeof ver),
			rstr(rep, "libc.name"), rstr(rep, "libc.version"));
	else
		fprintf(f, "%s, %s", r->allocator, r->libc);
	fprintf(f, ", stats %s%s%s%s%s%s%s%s%s)\n\n", r->stats, r->pymalloc ? ", pymalloc " : "",
		r->pymalloc ? r->pymalloc : "", r->python ? ", python " : "",
		r->python ? r->python : "", strcmp(r->image, "host") ? ", image " : "",
		strcmp(r->image, "host") ? r->image : "", strcmp(r->seccomp, "none") ? ", seccomp " : "",
		strcmp(r->seccomp, "none") ? r->seccomp : "");

	{
		/* with an engine, wait4 sees its client: say so on each line */
		const char *of = r->proc_source && strcmp(r->proc_source, "process") ?
					 "  (of the engine's client)" : "";
		fprintf(f, "%16.3f s      wall\n", (double)r->proc.wall_ns / 1e9);
		fprintf(f, "%16.3f s      user%s\n", (double)r->proc.user_ns / 1e9, of);
		fprintf(f, "%16.3f s      sys%s\n", (double)r->proc.sys_ns / 1e9, of);
		contention_line(f, r->launch, of);
		bytes_col((double)r->proc.maxrss, num, sizeof num, &unit);
		fprintf(f, "%16s %-6s max RSS%s\n", num, unit, of);
	}
	if (!rep) {
		fprintf(f, "%16s        no report from CMD's process: it ended without running exit "
			   "handlers\n%16s        (_exit, a crash, a signal, or an exec that failed), so "
			   "no heap figures\n", "-", "");
	} else if (!as_jpath(rep, "bytes")) {
		fprintf(f, "%16s        peak live heap  (not counted: stats off)\n", "-");
	} else {
		bytes_col(as_jnum(rep, "bytes.peak_live"), num, sizeof num, &unit);
		fprintf(f, "%16s %-6s peak live heap  (requested ", num, unit);
		ncalls = as_jnum(rep, "calls.malloc") + as_jnum(rep, "calls.calloc") +
			 as_jnum(rep, "calls.realloc") + as_jnum(rep, "calls.aligned");
		fprintf(f, "%s in %s call%s)\n",
			as_fmt_bytes(as_jnum(rep, "bytes.requested"), num, sizeof num),
			fmt_count(ncalls, v, sizeof v), ncalls == 1 ? "" : "s");
		if (json_is_number(as_jpath(rep, "memory.fragmentation_at_peak")))
			fprintf(f, "%16.2f        fragmentation at peak  (peak RSS / peak live)\n",
				as_jnum(rep, "memory.fragmentation_at_peak"));
		else
			fprintf(f, "%16s        fragmentation at peak  (no peak heap)\n", "-");
	}
	fprintf(f, "%16s        page faults  (%s major)\n",
		fmt_count((double)(r->proc.minflt + r->proc.majflt), v, sizeof v),
		fmt_count((double)r->proc.majflt, num, sizeof num));
	if (!rep) {
		fprintf(f, "        syscalls: not counted: no report\n");
	} else if (!*source || !strcmp(source, "none")) {
		fprintf(f, "        syscalls: not counted: %s\n", rstr(rep, "syscalls.reason"));
	} else {
		fprintf(f, "        syscalls (%s%s):", source,
			json_is_false(as_jpath(rep, "syscalls.complete")) ? ", incomplete: see the report"
									   : "");
		for (i = 0; as_syscall_names[i]; i++) {
			snprintf(v, sizeof v, "syscalls.%s", as_syscall_names[i]);
			if (json_is_integer(as_jpath(rep, v)))
				fprintf(f, " %s %s", as_syscall_names[i],
					fmt_count(as_jnum(rep, v), num, sizeof num));
		}
		fprintf(f, "\n");
	}
	sites_summary(f, rep, r->sym_root);
	if (r->others)
		fprintf(f, "        %d other process%s (children of CMD) wrote reports too; the heap "
			   "figures above are CMD's own\n", r->others, r->others == 1 ? "" : "es");
	if (json_is_false(as_jpath(rep, "allocator.mapped")))
		fprintf(f, "        warning: %s is not mapped in CMD's process\n",
			rstr(rep, "allocator.path"));
	if (r->every_ms)
		fprintf(f, "        timeline: %zu points, one every %lu ms (in --json and --report)\n",
			json_array_size(r->timeline), r->every_ms);
	else if (!strcmp(rstr(rep, "timeline_info.source"), "fold"))
		fprintf(f, "        timeline: %zu points, one every %.0f ms at most, recorded by libswap "
			   "(in --json and --report)\n",
			json_array_size(as_jpath(rep, "timeline")),
			as_jnum(rep, "timeline_info.interval_ms"));
	if (r->report_path)
		fprintf(f, "        report: %s\n", r->report_path);
	if (WIFSIGNALED(r->proc.status))
		fprintf(f, "\nCMD was killed by signal %d (SIG%s): exit status %d\n",
			WTERMSIG(r->proc.status), sig ? sig : "?", r->exit);
	else
		fprintf(f, "\nexit status %d\n", r->exit);
}

static json_t *json_summary(const struct run_result *r)
{
	json_t *cmd = json_array();
	char sig[32] = "";
	size_t i;
	for (i = 0; r->cmd[i]; i++)
		json_array_append_new(cmd, json_string(r->cmd[i]));
	if (WIFSIGNALED(r->proc.status) && sigabbrev_np(WTERMSIG(r->proc.status)))
		snprintf(sig, sizeof sig, "SIG%s", sigabbrev_np(WTERMSIG(r->proc.status)));
	json_t *j = json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:o, s:s?, s:s, s:s}, "
			      "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:o, s:s}, s:O, s:o, s:i}",
			      "schema", "allocswap.run-summary/1", "command", cmd, "config", "allocator",
			      r->allocator, "libc", r->libc, "stats", r->stats, "pymalloc",
			      r->pymalloc ? json_string(r->pymalloc) : json_null(), "python", r->python,
			      "image", r->image, "seccomp", r->seccomp,
			      "proc", "wall_ns",
			      (json_int_t)r->proc.wall_ns, "user_ns", (json_int_t)r->proc.user_ns,
			      "sys_ns", (json_int_t)r->proc.sys_ns, "maxrss", (json_int_t)r->proc.maxrss,
			      "minflt", (json_int_t)r->proc.minflt, "majflt", (json_int_t)r->proc.majflt,
			      "exit", r->exit, "signal", sig[0] ? json_string(sig) : json_null(), "source",
			      r->proc_source ? r->proc_source : "process", "report",
			      r->report ? r->report : json_null(), "report_path",
			      r->report_path ? json_string(r->report_path) : json_null(), "other_reports",
			      r->others);
	if (j)
		as_launch_contention_json(json_object_get(j, "proc"), r->launch);
	return j;
}

/* ---- the command ------------------------------------------------------------------- */

static void ignore_signal(int sig)
{
	(void)sig;
}
/* --python NAME: resolves it (for --libc when given; else --libc becomes
 * its libc), builds it when missing, and makes CMD's words its arguments.
 * 0, 1 (the build failed) or 2 after an error line. */
static int with_python(struct run_args *a, struct run_result *r, struct as_python *py,
		       char ***argvp)
{
	char why[1024];
	size_t n = 0, i;
	int rc = as_python_resolve(a->v[OPT_PYTHON].val, r->libc, py, why, sizeof why);
	if (rc)
		return as_usage_err("run", "%s", why);
	if (as_python_ready(py))
		return 1;
	if (!r->libc)
		r->libc = !strcmp(py->libc, "musl") ? "musl" : "glibc";
	r->python = py->name;
	while (a->cmd[n])
		n++;
	*argvp = calloc(n + 2, sizeof **argvp);
	if (!*argvp)
		return 1;
	(*argvp)[0] = py->path;
	for (i = 0; i < n; i++)
		(*argvp)[i + 1] = a->cmd[i];
	a->cmd = *argvp;
	r->cmd = *argvp;
	return 0;
}

int as_cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct run_result r;
	struct sigaction sa, old_int, old_quit;
	char cmd_path[PATH_MAX], alloc_buf[PATH_MAX], counters[PATH_MAX], why[1024];
	char *dir = NULL;
	FILE *out = NULL;
	struct as_file outf; /* -o: written whole or not at all */
	struct as_timeline tl;
	struct as_python py;
	struct as_launch_image img;
	struct as_launcher L;
	struct as_launch_cfg cfg;
	struct as_launch_result lr;
	char **pyargv = NULL;
	int rc, k, in_image = 0;

	memset(&a, 0, sizeof a);
	rc = as_opts_cmdline("run", &as_usage_run, argc, argv, a.v, &a.cmd);
	if (rc)
		return rc == 1 ? as_help("run") : rc;
	memset(&r, 0, sizeof r);
	memset(&tl, 0, sizeof tl);
	memset(&lr, 0, sizeof lr);
	tl.pidfd = -1;
	r.cmd = a.cmd;
	r.stats = a.v[OPT_STATS].val ? a.v[OPT_STATS].val : "counters";
	r.pymalloc = a.v[OPT_PYMALLOC].val;
	r.libc = a.v[OPT_LIBC].val;
	r.image = "host";
	r.seccomp = a.v[OPT_SECCOMP].val ? a.v[OPT_SECCOMP].val : "none";
	if ((r.libc && as_choice("run", "--libc", r.libc, as_libcs) < 0) ||
	    as_choice("run", "--stats", r.stats, stats_modes) < 0 ||
	    (r.pymalloc && as_choice("run", "--pymalloc", r.pymalloc, on_off) < 0) ||
	    (a.v[OPT_SECCOMP].val && as_choice("run", "--seccomp", r.seccomp, as_seccomp_profiles) < 0))
		return 2;
	if (a.v[OPT_TIMELINE].val) {
		if (as_parse_uint("run", "--timeline", a.v[OPT_TIMELINE].val, &r.every_ms))
			return 2;
		if (r.every_ms < 1 || r.every_ms > 3600000)
			return as_usage_err("run", "--timeline '%s': give 1 to 3600000 milliseconds",
					    a.v[OPT_TIMELINE].val);
		if (!strcmp(r.stats, "off"))
			return as_usage_err("run", "--timeline needs the live-heap count: not with "
						   "--stats off");
	}

	if (a.v[OPT_IMAGE].val && strcmp(a.v[OPT_IMAGE].val, "host")) {
		if (a.v[OPT_PYTHON].val)
			return as_usage_err("run", "--python and --image: an image runs its own "
						   "python3; give one of them");
		why[0] = 0;
		rc = as_launch_image_resolve(a.v[OPT_IMAGE].val, &img, 1, why, sizeof why);
		if (rc && !why[0])
			return rc == ENOENT ? 2 : 1;
		if (rc)
			return rc == ENOENT || rc == EINVAL ? as_usage_err("run", "%s", why)
							    : (run_err("%s", why), 1);
		if (r.libc && img.libc[0] && strcmp(r.libc, img.libc))
			return as_usage_err("run", "--libc %s, and %s is a %s image: leave --libc "
						   "out", r.libc, img.name, img.libc);
		r.libc = img.libc[0] ? img.libc : "glibc";
		r.image = img.name;
		in_image = 1;
		r.sym_root = img.runner == AS_RUNNER_ROOTFS ? img.ref :
			     img.runner == AS_RUNNER_HOST ? NULL : "";
		if (as_runners[img.runner].engine && a.v[OPT_TIMELINE].val)
			return as_usage_err("run", "--timeline samples /proc/PID of CMD, which an "
						   "engine's container hides: not with --image %s",
					    a.v[OPT_IMAGE].val);
	}
	if (a.v[OPT_PYTHON].val && (rc = with_python(&a, &r, &py, &pyargv)))
		return rc;
	if (!in_image) {
		rc = as_find_program(a.cmd[0], cmd_path, sizeof cmd_path);
		if (rc) {
			run_err("%s: %s", a.cmd[0], rc == ENOENT ? "command not found" : strerror(rc));
			return rc == ENOENT ? 127 : 126;
		}
		if (check_cmd(a.cmd[0], cmd_path, &r.libc))
			return 2;
	}
	if (!r.libc)
		r.libc = "glibc";
	if (check_allocator(a.v[OPT_ALLOCATOR].val ? a.v[OPT_ALLOCATOR].val : "system", r.libc, alloc_buf,
			    sizeof alloc_buf, &r.allocator))
		return 2;
	if (in_image && strchr(r.allocator, '/'))
		return as_usage_err("run", "--allocator %s: a path is a file of this machine; "
					   "inside an image, name an allocator the image has",
				    r.allocator);
	/* a named allocator under musl on this machine is one of cross/build.sh's */
	if (!in_image && !strcmp(r.libc, "musl") && as_build_musl_alloc(r.allocator))
		return 1;
	/* and its libunwind, for the sampled sites' native stacks (without it
	 * the process runs all the same, its report says why there are none) */
	if (!in_image && !strcmp(r.libc, "musl") && !strcmp(r.stats, "full") && as_build_musl_unwind())
		as_err("note: going on without musl-libunwind: sampled sites will have no native stacks");
	if (!as_libswap_path(r.libc))
		return as_usage_err("run", "no %s build of libswap.so was found next to this "
					   "allocswap ('allocswap list' shows what there is)", r.libc);
	if (in_image && !as_launch_libswap_fits(as_libswap_path(r.libc), &img, why, sizeof why))
		return as_usage_err("run", "%s", why);
	if (a.v[OPT_REPORT].val && check_writable("--report", a.v[OPT_REPORT].val))
		return 2;
	if (a.v[OPT_OUTPUT].val) {
		int e = as_file_open(&outf, a.v[OPT_OUTPUT].val);
		if (e)
			return as_usage_err("run", "--output '%s': %s", a.v[OPT_OUTPUT].val,
					    strerror(e));
		out = outf.f;
	}

	dir = as_tmpdir("allocswap-run");
	if (!dir) {
		run_err("cannot create a temporary directory: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	as_launcher_init(&L, dir, NULL);
	memset(&cfg, 0, sizeof cfg);
	cfg.image = in_image ? &img : NULL;
	cfg.libc = r.libc;
	cfg.allocator = r.allocator;
	cfg.stats = r.stats;
	cfg.pymalloc = r.pymalloc;
	cfg.seccomp = a.v[OPT_SECCOMP].val;
	cfg.argv = a.cmd;
	if (r.every_ms) {
		snprintf(counters, sizeof counters, AS_TIMELINE_PATTERN, dir);
		cfg.counters = counters;
		as_timeline_init(&tl, (unsigned)r.every_ms, dir);
		cfg.watch = as_timeline_watch;
		cfg.watch_arg = &tl;
	}

	as_tracefs_ready_for((char *[]){(char *)r.stats, NULL}); /* full: tracefs, held */
	/* ^C and ^\ are for CMD; this process stays to report (the handler
	 * is reset to the default by exec, unlike SIG_IGN) */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ignore_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGQUIT, &sa, &old_quit);
	rc = as_launch(&L, &cfg, &lr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (rc) {
		run_err("cannot start '%s': %s", a.cmd[0], strerror(rc));
		rc = 1;
		goto out;
	}
	r.proc.status = lr.status;
	r.proc.wall_ns = lr.wall_ns;
	r.proc.user_ns = lr.user_ns;
	r.proc.sys_ns = lr.sys_ns;
	r.proc.maxrss = lr.maxrss;
	r.proc.minflt = lr.minflt;
	r.proc.majflt = lr.majflt;
	r.proc_source = lr.proc_source;
	r.launch = &lr;
	r.exit = WIFEXITED(r.proc.status)     ? WEXITSTATUS(r.proc.status)
		 : WIFSIGNALED(r.proc.status) ? 128 + WTERMSIG(r.proc.status)
					      : 1;

	r.report = json_incref(lr.report);
	r.others = (int)lr.others;
	if (r.every_ms) {
		r.timeline = as_timeline_points(&tl);
		if (r.report) {
			json_object_set(r.report, "timeline", r.timeline);
			json_object_set_new(r.report, "timeline_info",
					    json_pack("{s:s, s:I, s:I}", "source", "outside",
						      "interval_ms", (json_int_t)r.every_ms, "points",
						      (json_int_t)json_array_size(r.timeline)));
		}
	}
	rc = r.exit;
	if (!r.report && a.v[OPT_REPORT].val)
		run_err("no report to keep at %s: CMD's process wrote none", a.v[OPT_REPORT].val);
	if (r.report && a.v[OPT_REPORT].val) {
		k = write_report(r.report, a.v[OPT_REPORT].val);
		if (k) {
			run_err("cannot keep the report at %s: %s", a.v[OPT_REPORT].val, strerror(k));
			if (!rc)
				rc = 1;
		} else {
			r.report_path = a.v[OPT_REPORT].val;
		}
	}

	if (out || !a.v[OPT_QUIET].val) {
		FILE *f = out ? out : stderr;
		if (a.v[OPT_JSON].val) {
			json_t *j = json_summary(&r);
			if (!j || json_dumpf(j, f, JSON_COMPACT) || fputc('\n', f) == EOF)
				run_err("cannot write the summary");
			json_decref(j);
		} else {
			text_summary(f, &r);
		}
	}
	if (out) {
		int e = as_file_close(&outf, 1);
		if (e) {
			run_err("writing the summary to %s failed: %s", a.v[OPT_OUTPUT].val,
			       strerror(e));
			if (!rc)
				rc = 1;
		}
		out = NULL;
	}
out:
	if (out)
		as_file_close(&outf, 0);
	json_decref(r.report);
	json_decref(r.timeline);
	as_launch_result_free(&lr);
	free(pyargv);
	if (r.every_ms)
		as_timeline_free(&tl);
	if (dir)
		as_rmtree(dir);
	free(dir);
	return rc;
}
