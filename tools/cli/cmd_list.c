/* cmd_list: what allocswap can use on this machine, probed now.
 *
 * Nothing is cached and nothing is guessed from file names: each backend of
 * liballoc's table runs a small program under libswap, once per libc whose
 * libswap is found, and the report it leaves says which file really served
 * malloc and its version.  A backend that fails to load is unavailable, with
 * the first line libswap printed as the reason.  About 10 ms a backend here.
 *
 * The probe programs: for glibc the allocswap binary itself (`--version`);
 * for musl a two-line program built on the spot with musl-gcc (there is no
 * musl program on the host otherwise).  Without musl-gcc the musl rows say so.
 * A musl process finds the musl builds of jemalloc and mimalloc (made by
 * `allocswap build`, cross/build.sh) through LD_LIBRARY_PATH; a backend that
 * liballoc's table gives musl but whose build is not made yet says which
 * command makes it, and one the table keeps to glibc says why.
 *
 * The Pythons: the host's (the one `bench` runs by default) and each Python
 * build of cross/build.sh, built or not, with what builds.h knows of it.
 *
 * `allocswap list --format json` prints this object; the key names are the
 * contract (add fields freely, rename none).  "reason" is null when the
 * thing is available, a sentence otherwise.
 *
 *   {"schema": "allocswap.list/1",
 *    "allocators": [{"name", "libc", "available", "version", "path",
 *                    "reason", "description"}, ...],
 *    "libcs":   [{"name", "available", "version", "libswap", "reason"}, ...],
 *    "pythons": [{"name", "build", "path", "libc", "version", "flags",
 *                 "available", "reason", "build_command", "estimate_seconds",
 *                 "size_bytes", "files", "build_seconds", "built"}, ...],
 *               name as --python takes it ("host", "musl-os"); build the
 *               target (null for host); path where the interpreter is (or
 *               will be); available: it exists; build_command and
 *               estimate_seconds when it is not built; the rest from the
 *               build's build.json (as_python_json: "built" is its date)
 *    "images":  [{"name", "available", "built", "libc", "libc_version",
 *                 "python_version", "size_bytes", "reason"}, ...],
 *               "host" (the host's own root filesystem, its glibc and the
 *               host Python's version) first, then every built-in image of
 *               images.h (as_images_list), built or not; the versions and
 *               size_bytes (of the rootfs) are null until it is built;
 *               available: a run can use it now (built, and libswap.so for
 *               its libc is built and can load there: a glibc older than
 *               the one libswap.so was built against cannot); reason: "not
 *               built yet: allocswap image build NAME (about ...)",
 *               "cannot be built here: ..." or "cannot run here: ..."
 *    "runners": [{"name", "available", "program", "reason", "description"}, ...],
 *    "perf": {"usable",                      software events open (true/false)
 *             "paranoid", "privileged",      perf_event_paranoid; CAP_PERFMON or
 *                                            CAP_SYS_ADMIN in effect
 *             "software":    {"available", "reason"},        page faults
 *             "tracefs":     {"available", "path", "reason"},
 *             "tracepoints": {"available", "ids": {"mmap": 174, ...}, "reason"},
 *             "hardware":    {"available", "errno", "reason"}, instructions
 *             "seccomp":     {"mode", "name", "filters"}}}
 */
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <jansson.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "as_backend.h"
#include "builds.h"
#include "cli.h"
#include "images.h"
#include "launch.h"
#include "summary.h"

static const struct as_opt list_opts[] = {
	{0, "--format", " text|json", "text tables (default) or one JSON object (schema "
	 "allocswap.list/1)", 0, NULL},
};

const struct as_usage as_usage_list = {
	"usage: allocswap list [--format text|json]\n"
	"\n"
	"Lists what allocswap can use on this machine, probed now (nothing is cached):\n"
	"  allocators  every backend, per libc whose libswap.so is found: whether it\n"
	"              loads, its version and the file that serves malloc (each one\n"
	"              runs a small program under libswap and reads its report);\n"
	"              under musl, jemalloc and mimalloc are the builds 'allocswap\n"
	"              build' makes, and the C++ ones (tcmalloc, tbbmalloc) are\n"
	"              glibc-only: Debian has no musl C++ toolchain\n"
	"  libcs       glibc and musl: version and the libswap.so built for each\n"
	"  pythons     the host's Python and each Python build ('allocswap build'):\n"
	"              libc, version, flags, and when built its size on disk and how\n"
	"              long it took; when not, the command that builds it\n"
	"  images      the root filesystems runs can use (run --image): the host's own,\n"
	"              and each built-in image ('allocswap image'), built or not: its\n"
	"              libc and version, Python version and size on disk; when not\n"
	"              built, the command that builds it or why it cannot be built\n"
	"              here; when built, whether it can run here (a glibc older than\n"
	"              the one libswap.so was built against cannot)\n"
	"  runners     how a process is started: host, rootfs (bwrap or chroot),\n"
	"              docker and podman (whether the engine answers)\n"
	"  perf        whether perf events count here: software events (page faults),\n"
	"              syscall tracepoints (tracefs), hardware counters, and seccomp\n"
	"\n"
	"options:\n",
	list_opts, sizeof list_opts / sizeof list_opts[0],
	"\n"
	"'allocswap doctor' explains each missing piece and what to do about it.\n"
	"Exit status: 0, 1 when writing the output failed, 2 for bad usage.\n",
	AS_OPTS_IN_ORDER,
};


/* ---- small helpers -------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* First line of a file, without "allocswap: " and libswap's "; available: ..." tail. */
static void first_line(const char *path, char *buf, size_t cap)
{
	char *s = as_read_all(path, NULL), *p = s, *e;
	buf[0] = 0;
	if (!s)
		return;
	if (!strncmp(p, ALLOCSWAP_CLI_NAME ": ", strlen(ALLOCSWAP_CLI_NAME) + 2))
		p += strlen(ALLOCSWAP_CLI_NAME) + 2;
	if ((e = strchr(p, '\n')))
		*e = 0;
	if ((e = strstr(p, "; available: ")))
		*e = 0;
	snprintf(buf, cap, "%s", p);
	free(s);
}

/* as_spawn with stdout to /dev/null and stderr to the file errpath. */
static int spawn_quiet(char *const argv[], char *const envp[], const char *errpath,
		       struct as_proc *r)
{
	int null_fd = -1, err_fd = -1, saved = -1, rc;
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	err_fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (null_fd < 0 || err_fd < 0 || saved < 0) {
		rc = errno;
		goto out;
	}
	fflush(stderr);
	dup2(err_fd, 2);
	rc = as_spawn(argv, envp, null_fd, 1, r);
	dup2(saved, 2);
out:
	if (null_fd >= 0)
		close(null_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (saved >= 0)
		close(saved);
	return rc;
}

/* ---- libcs ---------------------------------------------------------------------- */

/* musl's dynamic loader, which is also its libc.so. */
static const char *musl_loader(char *buf, size_t cap)
{
	struct utsname u;
	snprintf(buf, cap, "/lib/ld-musl-%.32s.so.1", uname(&u) == 0 ? u.machine : "x86_64");
	return buf;
}

/* musl has no version call; its loader, run bare, prints "Version 1.2.3". */
static void musl_version(const char *dir, char *buf, size_t cap)
{
	char loader[64], err[PATH_MAX], *s, *v;
	char *argv[2];
	struct as_proc r;
	buf[0] = 0;
	argv[0] = (char *)musl_loader(loader, sizeof loader);
	argv[1] = NULL;
	snprintf(err, sizeof err, "%s/musl-loader.err", dir);
	if (access(loader, X_OK) || spawn_quiet(argv, NULL, err, &r))
		return;
	s = as_read_all(err, NULL);
	if (s && (v = strstr(s, "Version ")))
		snprintf(buf, cap, "%.*s", (int)strcspn(v + 8, "\n"), v + 8);
	free(s);
}

/* The program run under libswap to probe a backend, into buf; NULL if none
 * (reason says why).  glibc: this binary.  musl: there is no musl program on
 * the host, so one is built now with musl-gcc, the compiler that built the
 * musl libswap (about 25 ms). */
static const char *probe_program(const char *libc, const char *dir, char *buf, size_t cap,
				 char *reason, size_t rcap)
{
	char cc[PATH_MAX], src[PATH_MAX], err[PATH_MAX];
	char *argv[5];
	struct as_proc r;
	FILE *f;
	if (!strcmp(libc, "glibc")) {
		ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
		if (n <= 0)
			return NULL;
		buf[n] = 0;
		return buf;
	}
	if (as_find_program("musl-gcc", cc, sizeof cc)) {
		snprintf(reason, rcap, "not probed: building the musl probe program needs musl-gcc "
				       "(Debian: musl-tools)");
		return NULL;
	}
	snprintf(src, sizeof src, "%s/probe.c", dir);
	snprintf(err, sizeof err, "%s/probe.err", dir);
	snprintf(buf, cap, "%s/probe-musl", dir);
	f = fopen(src, "w");
	if (f) {
		fputs("#include <stdlib.h>\nint main(void) { free(malloc(1)); return 0; }\n", f);
		if (fclose(f))
			f = NULL;
	}
	if (!f) {
		snprintf(reason, rcap, "not probed: cannot write %.300s: %s", src, strerror(errno));
		return NULL;
	}
	argv[0] = cc;
	argv[1] = "-o";
	argv[2] = buf;
	argv[3] = src;
	argv[4] = NULL;
	if (spawn_quiet(argv, NULL, err, &r) || r.status) {
		char line[256];
		first_line(err, line, sizeof line);
		snprintf(reason, rcap, "not probed: musl-gcc failed to build the probe program: %s",
			 line);
		return NULL;
	}
	return buf;
}

static json_t *libc_entry(const char *libc, const char *libswap, const char *dir)
{
	char version[64] = "", loader[64], reason[512] = "";
	if (!strcmp(libc, "glibc")) {
		snprintf(version, sizeof version, "%s", gnu_get_libc_version());
	} else if (access(musl_loader(loader, sizeof loader), X_OK)) {
		snprintf(reason, sizeof reason, "musl's loader %s is not installed (Debian: musl)",
			 loader);
	} else {
		musl_version(dir, version, sizeof version);
	}
	if (!libswap && !reason[0])
		snprintf(reason, sizeof reason,
			 "no %s build of libswap.so found (%s)", libc,
			 strcmp(libc, "musl") ? "ninja -C build"
					      : "meson setup build-musl --cross-file "
						"cross/musl-x86_64.ini && ninja -C build-musl");
	return json_pack("{s:s, s:b, s:o, s:o, s:o}", "name", libc, "available", !reason[0],
			 "version", str_or_null(version), "libswap", str_or_null(libswap), "reason",
			 str_or_null(reason));
}

/* ---- allocators ------------------------------------------------------------------ */

/* What probing the backends of one libc needs. */
struct probe {
	const char *libc, *libswap;
	const char *prog, *noprog; /* the probe program, or why there is none */
	const char *dir;           /* a scratch directory */
	const struct as_build *builds; /* cross/build.sh's targets, with status */
	size_t nbuilds;
};

/* Backends liballoc keeps to glibc that have no musl build here, and why. */
static const struct {
	const char *backend, *project;
} cxx_only[] = {
	{"tcmalloc", "gperftools"},
	{"tcmalloc_minimal", "gperftools"},
	{"tbbmalloc", "oneTBB"},
};

/* Why b cannot be probed under p->libc, into reason ("" when it can):
 * liballoc's table keeps it to other libcs, or its build for this libc
 * (the target LIBC-NAME of cross/build.sh) is not made yet. */
static void not_here(const struct as_backend_info *b, const struct probe *p, char *reason,
		     size_t cap)
{
	char target[96], todo[256];
	size_t i;
	reason[0] = 0;
	if (!as_has_word(b->libcs, p->libc)) {
		for (i = 0; i < sizeof cxx_only / sizeof cxx_only[0]; i++)
			if (!strcmp(cxx_only[i].backend, b->name) && !strcmp(p->libc, "musl")) {
				snprintf(reason, cap,
					 "glibc-only here: %s is C++, and Debian has no musl C++ "
					 "toolchain to build it with",
					 cxx_only[i].project);
				return;
			}
		snprintf(reason, cap, "built for %s only: a %s .so cannot be loaded into a %s process",
			 b->libcs, b->libcs, p->libc);
		return;
	}
	snprintf(target, sizeof target, "%s-%s", p->libc, b->name);
	for (i = 0; i < p->nbuilds; i++)
		if (!strcmp(p->builds[i].name, target) && !p->builds[i].built)
			snprintf(reason, cap, "not built yet: %s",
				 as_build_todo(p->builds, p->nbuilds, i, todo, sizeof todo));
}

static json_t *probe_backend(const struct as_backend_info *b, const struct probe *p)
{
	char err[PATH_MAX], reason[512] = "", st[64];
	const char *version = NULL, *path = NULL, *libc = p->libc, *dir = p->dir;
	json_t *rep = NULL, *out;
	struct as_launcher L;
	struct as_launch_cfg cfg;
	struct as_launch_result r;
	char *argv[3];
	int rc;

	not_here(b, p, reason, sizeof reason);
	if (reason[0])
		goto out;
	if (!p->prog) {
		snprintf(reason, sizeof reason, "%s", p->noprog);
		goto out;
	}
	snprintf(err, sizeof err, "%s/%s-%s.err", dir, libc, b->name);
	argv[0] = (char *)p->prog;
	argv[1] = !strcmp(libc, "glibc") ? "--version" : NULL;
	argv[2] = NULL;
	memset(&cfg, 0, sizeof cfg);
	cfg.libc = libc;
	cfg.allocator = b->name;
	cfg.stats = "off";
	cfg.argv = argv;
	cfg.in = cfg.out = "/dev/null";
	cfg.err = err;
	as_launcher_init(&L, dir, NULL);
	rc = as_launch(&L, &cfg, &r);
	as_launcher_free(&L);
	if (rc) {
		snprintf(reason, sizeof reason, "cannot start %.300s: %s", p->prog, strerror(rc));
		goto out;
	}
	rep = json_incref(r.report);
	as_launch_result_free(&r);
	if (!rep) {
		first_line(err, reason, sizeof reason);
		if (!reason[0])
			snprintf(reason, sizeof reason, "%s and wrote no report",
				 as_status_str(r.status, st, sizeof st));
		goto out;
	}
	if (json_unpack(rep, "{s:{s?s, s?s}}", "allocator", "version", &version, "path", &path))
		snprintf(reason, sizeof reason, "its report has no allocator section");
	else if (json_is_false(as_jpath(rep, "allocator.mapped")))
		snprintf(reason, sizeof reason, "loaded, but %s is not mapped in the process", path);
out:
	out = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:s}", "name", b->name, "libc", libc,
			"available", !reason[0], "version", str_or_null(reason[0] ? NULL : version),
			"path", str_or_null(reason[0] ? NULL : path), "reason",
			str_or_null(reason), "description", b->desc);
	json_decref(rep);
	return out;
}

/* ---- perf and seccomp -------------------------------------------------------------- */

static int perf_try(uint32_t type, uint64_t config)
{
	struct perf_event_attr a;
	long fd;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = type;
	a.config = config;
	a.disabled = 1;
	/* allowed at paranoid 2; syscall tracepoints still count (their
	 * registers are the user's), seen here: 10 of 10 mmap calls */
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

/* "Name:\tvalue" of /proc/self/status as a number, or -1. */
static long status_field(const char *status, const char *name)
{
	const char *p = status;
	size_t n = strlen(name);
	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ':')
			return strtol(p + n + 1, NULL, 0);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -1;
}

static int privileged(const char *status)
{
	const char *p = status ? strstr(status, "CapEff:") : NULL;
	unsigned long long caps = p ? strtoull(p + 7, NULL, 16) : 0;
	return (caps >> 38 & 1) || (caps >> 21 & 1); /* CAP_PERFMON, CAP_SYS_ADMIN */
}

/* Why perf_event_open failed with e; seccomp is the process's mode. */
static const char *perf_why(int e, long seccomp, char *buf, size_t cap)
{
	if ((e == EPERM || e == EACCES) && seccomp == 2) {
		snprintf(buf, cap, "not permitted (%s), most likely by this process's seccomp filter "
				   "(Docker's default profile blocks perf_event_open)",
			 strerrorname_np(e));
		return buf;
	}
	switch (e) {
	case ENOENT:
	case EOPNOTSUPP:
		snprintf(buf, cap, "unsupported (%s: the kernel has no such event here)",
			 strerrorname_np(e));
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, cap,
			 "not permitted (%s: perf_event_paranoid, missing CAP_PERFMON, or a seccomp "
			 "filter such as Docker's default profile)", strerrorname_np(e));
		break;
	case ENOSYS:
		snprintf(buf, cap, "perf_event_open does not exist here (ENOSYS)");
		break;
	default:
		snprintf(buf, cap, "perf_event_open failed: %s (%s)", strerror(e),
			 strerrorname_np(e) ? strerrorname_np(e) : "?");
	}
	return buf;
}

static const char *hw_why(int e, long seccomp, char *buf, size_t cap)
{
	if ((e == ENOENT || e == EOPNOTSUPP) && access("/sys/bus/event_source/devices/cpu", F_OK))
		snprintf(buf, cap, "unsupported (%s): this machine exposes no CPU PMU (there is no "
				   "/sys/bus/event_source/devices/cpu; usual in VMs)",
			 strerrorname_np(e));
	else
		perf_why(e, seccomp, buf, cap);
	return buf;
}

static json_t *perf_json(void)
{
	static const char *const tracefs_dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
						   NULL};
	char *status = as_read_all("/proc/self/status", NULL);
	char *par = as_read_all("/proc/sys/kernel/perf_event_paranoid", NULL);
	char why[PATH_MAX + 320], path[PATH_MAX];
	const char *tracefs = NULL;
	json_t *perf, *ids = json_object();
	int sw, hw, tp = ENOENT, i;
	long mode;

	mode = status ? status_field(status, "Seccomp") : -1;
	sw = perf_try(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	hw = perf_try(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
	perf = json_pack("{s:b, s:o, s:b}", "usable", sw == 0, "paranoid",
			 par ? json_integer(strtol(par, NULL, 10)) : json_null(), "privileged",
			 privileged(status));
	json_object_set_new(perf, "software",
			    json_pack("{s:b, s:o}", "available", sw == 0, "reason",
				      sw ? json_string(perf_why(sw, mode, why, sizeof why)) : json_null()));

	why[0] = 0;
	for (i = 0; tracefs_dirs[i] && !tracefs; i++) {
		snprintf(path, sizeof path, "%s/events", tracefs_dirs[i]);
		if (access(path, X_OK) == 0)
			tracefs = tracefs_dirs[i];
		else if (errno == EACCES && !why[0])
			snprintf(why, sizeof why,
				 "tracefs at %s is not readable by this user (it is root-only by "
				 "default): run as root", tracefs_dirs[i]);
	}
	if (!tracefs && !why[0]) {
		char *fs = as_read_all("/proc/filesystems", NULL);
		snprintf(why, sizeof why, "%s",
			 fs && strstr(fs, "\ttracefs\n")
				 ? "tracefs is not mounted"
				 : "this kernel has no tracefs");
		free(fs);
	}
	json_object_set_new(perf, "tracefs",
			    json_pack("{s:b, s:o, s:o}", "available", tracefs != NULL, "path",
				      str_or_null(tracefs), "reason", str_or_null(why)));
	if (!tracefs) { /* the tracepoints' reason is tracefs' */
		static const char needs[] = "needs tracefs: ";
		memmove(why + strlen(needs), why, strlen(why) + 1);
		memcpy(why, needs, strlen(needs));
	}

	for (i = 0; tracefs && as_syscall_names[i]; i++) {
		char *id;
		snprintf(path, sizeof path, "%s/events/syscalls/sys_enter_%s/id", tracefs,
			 as_syscall_names[i]);
		id = as_read_all(path, NULL);
		if (!id) {
			snprintf(why, sizeof why, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		json_object_set_new(ids, as_syscall_names[i], json_integer(strtol(id, NULL, 10)));
		if (i == 0)
			tp = perf_try(PERF_TYPE_TRACEPOINT, (uint64_t)strtoull(id, NULL, 10));
		free(id);
	}
	if (tracefs && !why[0] && tp)
		perf_why(tp, mode, why, sizeof why);
	json_object_set_new(perf, "tracepoints",
			    json_pack("{s:b, s:o, s:o}", "available", !why[0], "ids", ids, "reason",
				      str_or_null(why)));

	json_object_set_new(perf, "hardware",
			    json_pack("{s:b, s:o, s:o}", "available", hw == 0, "errno",
				      str_or_null(hw ? strerrorname_np(hw) : NULL), "reason",
				      str_or_null(hw ? hw_why(hw, mode, why, sizeof why) : NULL)));

	json_object_set_new(perf, "seccomp",
			    json_pack("{s:o, s:s, s:o}", "mode",
				      mode < 0 ? json_null() : json_integer(mode), "name",
				      mode == 0   ? "disabled"
				      : mode == 1 ? "strict"
				      : mode == 2 ? "filter"
						  : "unknown",
				      "filters",
				      status && status_field(status, "Seccomp_filters") >= 0
					      ? json_integer(status_field(status, "Seccomp_filters"))
					      : json_null()));
	free(status);
	free(par);
	return perf;
}

/* ---- pythons ---------------------------------------------------------------------- */

/* "3.11.2" from `path --version` ("Python 3.11.2"), or "". */
static void python_version(const char *path, const char *dir, char *buf, size_t cap)
{
	char out[PATH_MAX], *argv[] = {(char *)path, "--version", NULL}, *s;
	struct as_proc r;
	int fd;
	buf[0] = 0;
	snprintf(out, sizeof out, "%s/python-version", dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (as_spawn(argv, NULL, fd, 1, &r) == 0 && r.status == 0 &&
	    (s = as_read_all(out, NULL))) {
		if (!strncmp(s, "Python ", 7))
			snprintf(buf, cap, "%.*s", (int)strcspn(s + 7, "\n"), s + 7);
		free(s);
	}
	close(fd);
}

/* The host's Python: the one bench runs unless --python says otherwise. */
static json_t *python_host(const char *dir)
{
	struct as_python py;
	char why[PATH_MAX + 512], ver[64] = "";
	json_t *j;
	if (as_python_resolve("host", NULL, &py, why, sizeof why))
		return json_pack("{s:s, s:n, s:s, s:b, s:s}", "name", "host", "build", "path",
				 as_python_path(), "available", 0, "reason", why);
	j = as_python_json(&py);
	if (access(py.path, X_OK))
		snprintf(why, sizeof why, "%s is not installed: install python3, or set "
					  "ALLOCSWAP_CLI_PYTHON to another interpreter", py.path);
	else if (python_version(py.path, dir, ver, sizeof ver), !ver[0])
		snprintf(why, sizeof why, "%s does not run ('--version' failed): check it, or set "
					  "ALLOCSWAP_CLI_PYTHON to another interpreter", py.path);
	json_object_set_new(j, "name", json_string("host"));
	json_object_set_new(j, "build", json_null());
	json_object_set_new(j, "version", str_or_null(ver));
	json_object_set_new(j, "build_command", json_null());
	json_object_set_new(j, "estimate_seconds", json_null());
	json_object_set_new(j, "available", json_boolean(!why[0]));
	json_object_set_new(j, "reason", str_or_null(why));
	return j;
}

/* The Python build b (all[i]): what builds.h says of it. */
static json_t *python_build(const struct as_build *all, size_t n, size_t i)
{
	const struct as_build *b = &all[i];
	struct as_python py;
	char why[2 * PATH_MAX + 512], todo[256];
	int deps;
	long est;
	json_t *j;
	if (as_python_resolve(b->name, NULL, &py, why, sizeof why))
		return json_pack("{s:s, s:s, s:b, s:s}", "name", b->name, "build", b->name,
				 "available", 0, "reason", why);
	if (b->built) {
		/* build.json's fields, as meta.json records them */
		j = as_python_json(&py);
		if (access(py.path, X_OK))
			snprintf(why, sizeof why, "%s is missing from its build: rebuild it (remove "
						  "%s and run allocswap build %s)",
				 py.path, b->prefix, b->name);
		json_object_set_new(j, "build_command", json_null());
		json_object_set_new(j, "estimate_seconds", json_null());
	} else {
		j = json_pack("{s:s, s:s, s:s, s:s, s:n}", "path", py.path, "libc", py.libc,
			      "flags", py.flags, "build", py.build, "version");
		snprintf(why, sizeof why, "not built yet: %s",
			 as_build_todo(all, n, i, todo, sizeof todo));
		est = as_build_estimate(all, n, i, &deps);
		json_object_set_new(j, "build_command",
				    json_pack("s+", ALLOCSWAP_CLI_NAME " build ", b->name));
		json_object_set_new(j, "estimate_seconds", est < 0 ? json_null() : json_integer(est));
	}
	json_object_set_new(j, "name", json_string(py.name));
	json_object_set_new(j, "available", json_boolean(!why[0]));
	json_object_set_new(j, "reason", str_or_null(why));
	return j;
}

/* ---- images -------------------------------------------------------------------------- */

/* "host", then the built-in images (images.h) with what a run needs of
 * each: built, and libswap.so for its libc built and loadable there.
 * host_python: the host Python's version (NULL when unknown).  builds: the
 * build targets with their statuses (how long the musl image's builds
 * take). */
static json_t *images_json(const char *host_python, const struct as_build *builds,
			   size_t nbuilds)
{
	json_t *arr = json_array();
	struct as_image *v = NULL;
	size_t i, n = 0;
	json_array_append_new(arr, json_pack("{s:s, s:b, s:b, s:s, s:s, s:o, s:n, s:n}", "name",
					     "host", "available", 1, "built", 1, "libc", "glibc",
					     "libc_version", gnu_get_libc_version(),
					     "python_version", str_or_null(host_python),
					     "size_bytes", "reason"));
	/* without build.sh (an error line said so), the host alone */
	if (as_images_list(&v, &n))
		return arr;
	for (i = 0; i < n; i++) {
		const struct as_image *img = &v[i];
		const char *lib = as_libswap_path(img->libc);
		struct as_launch_image li;
		char why[1024] = "", fits[768], todo[256];
		json_t *size = json_object_get(img->info, "size_bytes");
		memset(&li, 0, sizeof li);
		snprintf(li.name, sizeof li.name, "%s", img->name);
		snprintf(li.libc, sizeof li.libc, "%s", img->libc);
		snprintf(li.libc_version, sizeof li.libc_version, "%s", img->libc_version);
		if (!img->built && img->why_not[0])
			snprintf(why, sizeof why, "cannot be built here: %s", img->why_not);
		else if (!img->built)
			snprintf(why, sizeof why, "not built yet: %s",
				 as_image_todo(v, n, i, builds, nbuilds, todo, sizeof todo));
		else if (!lib)
			snprintf(why, sizeof why, "cannot run here: libswap.so for %s is not built",
				 img->libc);
		else if (!as_launch_libswap_fits(lib, &li, fits, sizeof fits))
			snprintf(why, sizeof why, "cannot run here: %s", fits);
		json_array_append_new(
			arr,
			json_pack("{s:s, s:b, s:b, s:s, s:o, s:o, s:o, s:o}", "name", img->name,
				  "available", !why[0], "built", img->built, "libc", img->libc,
				  "libc_version", str_or_null(img->libc_version), "python_version",
				  str_or_null(img->python_version), "size_bytes",
				  img->built && json_is_integer(size)
					  ? json_integer(json_integer_value(size))
					  : json_null(),
				  "reason", str_or_null(why)));
	}
	as_images_free(v, n);
	return arr;
}

/* ---- everything -------------------------------------------------------------------- */

json_t *as_probe_here(void)
{
	json_t *out, *allocs = json_array(), *libcs = json_array(), *runners = json_array(),
		     *pythons = json_array(), *images;
	char *dir = as_tmpdir("allocswap-list");
	char prog_buf[PATH_MAX], where[PATH_MAX], reason[256], noprog[512];
	struct as_build *builds = NULL;
	size_t i, k, nbuilds = 0;

	/* cross/build.sh's targets with their status (about 2 s: build.sh asks
	 * apt for the source versions of each); without build.sh, none */
	if (as_builds_list(&builds, &nbuilds, 1))
		nbuilds = 0;
	for (k = 0; as_libcs[k]; k++) {
		struct probe p = {as_libcs[k], as_libswap_path(as_libcs[k]), NULL, noprog,
				  dir,    builds, nbuilds};
		json_t *lc = libc_entry(p.libc, p.libswap, dir ? dir : "/tmp");
		json_array_append_new(libcs, lc);
		if (!json_is_true(json_object_get(lc, "available")) || !dir)
			continue;
		noprog[0] = 0;
		p.prog = probe_program(p.libc, dir, prog_buf, sizeof prog_buf, noprog, sizeof noprog);
		for (i = 0; i < _as_backend_count; i++)
			json_array_append_new(allocs, probe_backend(&_as_backend_table[i], &p));
	}
	json_array_append_new(pythons, python_host(dir ? dir : "/tmp"));
	for (i = 0; i < nbuilds; i++)
		if (!strcmp(builds[i].kind, "python"))
			json_array_append_new(pythons, python_build(builds, nbuilds, i));
	images = images_json(json_string_value(json_object_get(json_array_get(pythons, 0),
							       "version")),
			     builds, nbuilds);
	as_builds_free(builds, nbuilds);
	if (dir)
		as_rmtree(dir);
	free(dir);

	/* the launcher's table (launch.h); an engine is asked whether it answers */
	for (i = 0; i < as_nrunners; i++) {
		const char *progname = i == AS_RUNNER_ROOTFS ? "bwrap" : as_runners[i].name;
		const char *prog = i != AS_RUNNER_HOST &&
					   !as_find_program(progname, where, sizeof where)
				   ? where
				   : NULL;
		int ok = as_runner_usable((int)i, reason, sizeof reason);
		if (ok && i == AS_RUNNER_ROOTFS && !prog)
			snprintf(reason, sizeof reason, "with chroot (bwrap is not installed: Debian's "
							"bubblewrap)");
		json_array_append_new(runners,
				      json_pack("{s:s, s:b, s:o, s:o, s:s}", "name", as_runners[i].name,
						"available", ok, "program", str_or_null(prog), "reason",
						str_or_null(reason[0] ? reason : NULL), "description",
						as_runners[i].summary));
	}
	out = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema", "allocswap.list/1",
			"allocators", allocs, "libcs", libcs, "pythons", pythons, "images", images,
			"runners", runners, "perf", perf_json());
	return out;
}

/* ---- text -------------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : def;
}

static const char *yes(const json_t *o)
{
	return json_is_true(json_object_get(o, "available")) ? "yes" : "no";
}

static void print_text(const json_t *all)
{
	const json_t *e, *perf = json_object_get(all, "perf"), *ids;
	const char *k;
	size_t i;
	char v[64];
	json_t *val;

	printf("allocators (each probed now under libswap)\n");
	printf("  %-17s %-6s %-9s %-16s %s\n", "name", "libc", "available", "version",
	       "path (or why not)");
	json_array_foreach(json_object_get(all, "allocators"), i, e) {
		const char *reason = jstr(e, "reason", NULL);
		printf("  %-17s %-6s %-9s %-16s %s\n", jstr(e, "name", "?"), jstr(e, "libc", "?"),
		       yes(e), as_version_short(jstr(e, "version", "-"), v, sizeof v),
		       reason ? reason : jstr(e, "path", "-"));
	}
	printf("\nlibcs\n");
	json_array_foreach(json_object_get(all, "libcs"), i, e) {
		const char *reason = jstr(e, "reason", NULL);
		printf("  %-17s %-6s %-9s %s%s\n", jstr(e, "name", "?"), jstr(e, "version", "-"),
		       yes(e), reason ? reason : "libswap ", reason ? "" : jstr(e, "libswap", "-"));
	}
	printf("\npythons (host is the one bench runs unless --python says otherwise; the builds "
	       "are made by 'allocswap build')\n");
	printf("  %-17s %-6s %-9s %-10s %-13s %-10s %-11s %s\n", "name", "libc", "available",
	       "version", "flags", "size", "build took", "path (or why not)");
	json_array_foreach(json_object_get(all, "pythons"), i, e) {
		const char *reason = jstr(e, "reason", NULL);
		const json_t *size = json_object_get(e, "size_bytes"),
			     *secs = json_object_get(e, "build_seconds");
		char sz[32], t[32];
		printf("  %-17s %-6s %-9s %-10s %-13s %-10s %-11s %s\n", jstr(e, "name", "?"),
		       jstr(e, "libc", "?"), yes(e), jstr(e, "version", "-"), jstr(e, "flags", "-"),
		       json_is_integer(size)
			       ? as_fmt_bytes((double)json_integer_value(size), sz, sizeof sz)
			       : "-",
		       json_is_integer(secs)
			       ? as_fmt_took((long)json_integer_value(secs), t, sizeof t)
			       : "-",
		       reason ? reason : jstr(e, "path", "-"));
	}
	printf("\nimages (run --image NAME; host is the host's own root filesystem, the others "
	       "are made by 'allocswap image build')\n");
	printf("  %-17s %-6s %-9s %-6s %-10s %-10s %-10s %s\n", "name", "libc", "available",
	       "built", "version", "python", "size", "why not");
	json_array_foreach(json_object_get(all, "images"), i, e) {
		const json_t *size = json_object_get(e, "size_bytes");
		char sz[32];
		printf("  %-17s %-6s %-9s %-6s %-10s %-10s %-10s %s\n", jstr(e, "name", "?"),
		       jstr(e, "libc", "?"), yes(e),
		       json_is_true(json_object_get(e, "built")) ? "yes" : "no",
		       jstr(e, "libc_version", "-"), jstr(e, "python_version", "-"),
		       json_is_integer(size)
			       ? as_fmt_bytes((double)json_integer_value(size), sz, sizeof sz)
			       : "-",
		       jstr(e, "reason", "-"));
	}
	printf("\nrunners\n");
	json_array_foreach(json_object_get(all, "runners"), i, e) {
		const char *prog = jstr(e, "program", NULL);
		printf("  %-17s %-9s %s%s%s%s\n", jstr(e, "name", "?"), yes(e),
		       jstr(e, "reason", jstr(e, "description", "")), prog ? " (" : "",
		       prog ? prog : "", prog ? ")" : "");
	}
	printf("\nperf\n");
	val = json_object_get(perf, "paranoid");
	printf("  %-27s %s%s\n", "perf_event_paranoid",
	       json_is_integer(val) ? (snprintf(v, sizeof v, "%lld", json_integer_value(val)), v)
				    : "unknown",
	       json_is_true(json_object_get(perf, "privileged"))
		       ? " (this process has CAP_PERFMON or CAP_SYS_ADMIN)"
		       : "");
	{
		static const char *const rows[][2] = {{"software", "software events (faults)"},
						      {"tracefs", "tracefs"},
						      {"tracepoints", "syscall tracepoints"},
						      {"hardware", "hardware counters"}};
		for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
			e = json_object_get(perf, rows[i][0]);
			const char *r = jstr(e, "reason", jstr(e, "path", ""));
			printf("  %-27s %-3s%s%s\n", rows[i][1], yes(e), *r ? " " : "", r);
			ids = json_object_get(e, "ids");
			if (json_object_size(ids)) {
				printf("  %-27s", "  tracepoint ids");
				json_object_foreach((json_t *)ids, k, val)
					printf(" %s=%lld", k, json_integer_value(val));
				printf("\n");
			}
		}
	}
	e = json_object_get(perf, "seccomp");
	val = json_object_get(e, "mode");
	printf("  %-27s %s (mode %s, %lld filters)\n", "seccomp", jstr(e, "name", "?"),
	       json_is_integer(val) ? (snprintf(v, sizeof v, "%lld", json_integer_value(val)), v)
				    : "?",
	       json_integer_value(json_object_get(e, "filters")));
}

int as_cmd_list(int argc, char **argv)
{
	static const char *const formats[] = {"text", "json", NULL};
	struct as_optval v[1] = {{0}};
	int first, format = 0, rc;
	json_t *all;
	rc = as_opts_parse("list", &as_usage_list, argc, argv, v, &first);
	if (rc)
		return rc == 1 ? as_help("list") : rc;
	if (first < argc)
		return as_usage_err("list", "unexpected argument '%s': list takes options only",
				    argv[first]);
	if (v[0].val && (format = as_choice("list", "--format", v[0].val, formats)) < 0)
		return 2;
	all = as_probe_here();
	if (!all) {
		as_err("list: out of memory");
		return 1;
	}
	if (format == 1) {
		if (json_dumpf(all, stdout, JSON_INDENT(2)) == 0)
			putchar('\n');
	} else {
		print_text(all);
	}
	json_decref(all);
	return as_flush_stdout();
}
