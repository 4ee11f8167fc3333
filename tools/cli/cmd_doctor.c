/* cmd_doctor: what can and cannot be measured here, why, and what to do.
 *
 * It probes nothing of its own: it reads as_probe_here() (the object
 * `allocswap list --format json` prints), and turns each piece into one "ok"
 * or "no" line with the reason, and for a "no" a line saying what to do
 * about it.  Before that it mounts tracefs where it is not mounted and may
 * be, as run and bench do (as_tracefs.h), and says which it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_tracefs.h"
#include "cli.h"

const struct as_usage as_usage_doctor = {
	"usage: allocswap doctor\n"
	"\n"
	"Says what can and cannot be measured on this machine, and why: libswap\n"
	"for each libc, which allocators load (each is probed now, as in\n"
	"'allocswap list'), the Python the benchmarks run, the libc axis (which musl\n"
	"allocators and Python builds 'allocswap build' has made), the images runs\n"
	"can use (--image: built or not, and whether libswap.so loads in each), perf\n"
	"events (software events for page faults, syscall tracepoints through\n"
	"tracefs, hardware counters), perf_event_paranoid, the seccomp mode, and\n"
	"the runners, and the batch engines of bench --engine (is sbatch or kubectl\n"
	"there, does squeue or kubectl version get an answer).\n"
	"Each item is one line starting with \"ok\" or \"no\", with the reason; a\n"
	"\"no\" is followed by a line starting with \"->\" saying what to do.\n"
	"tracefs: where it is not mounted, doctor mounts it at /sys/kernel/tracing\n"
	"as perf does and as run and bench do for --stats full (root or\n"
	"CAP_SYS_ADMIN; it stays mounted), says so on stderr, and its line says\n"
	"whether tracefs was mounted, was mounted now, or cannot be (and what to\n"
	"run then).\n"
	"\n"
	"options:\n",
	NULL, 0,
	"\n"
	"Exit status: 0 when runs can be measured here (libswap for glibc and its\n"
	"system allocator work), 1 when they cannot, 2 for bad usage.\n",
	AS_OPTS_IN_ORDER,
};

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int avail(const json_t *o)
{
	return json_is_true(json_object_get(o, "available"));
}

static void item(int ok, const char *what, const char *why, const char *todo)
{
	printf("%s  %s%s%s\n", ok ? "ok" : "no", what, why && *why ? ": " : "", why ? why : "");
	if (!ok && todo && *todo)
		printf("    -> %s\n", todo);
}

/* Joins "name version" (available) or "name" (not) of the allocator rows
 * of one libc whose availability is ok and whose reason is reason (any
 * reason when NULL); marks the rows it took in done[]. */
static void join_rows(const json_t *allocs, const char *libc, int ok, const char *reason,
		      char *done, char *buf, size_t cap)
{
	const json_t *e;
	size_t i, n = 0;
	char ver[64];
	buf[0] = 0;
	json_array_foreach(allocs, i, e) {
		if (done[i] || strcmp(jstr(e, "libc"), libc) || avail(e) != ok ||
		    (reason && strcmp(jstr(e, "reason"), reason)))
			continue;
		done[i] = 1;
		n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s%s%s", n ? ", " : "",
				      jstr(e, "name"), ok ? " " : "",
				      ok ? as_version_short(jstr(e, "version"), ver, sizeof ver) : "");
	}
}

static void allocators(const json_t *all)
{
	const json_t *allocs = json_object_get(all, "allocators"), *lc, *e;
	size_t k, i, n = json_array_size(allocs);
	char *done = calloc(n + 1, 1), names[1024], what[1200];
	if (!done)
		return;
	json_array_foreach(json_object_get(all, "libcs"), k, lc) {
		const char *libc = jstr(lc, "name");
		if (!avail(lc))
			continue;
		join_rows(allocs, libc, 1, NULL, done, names, sizeof names);
		snprintf(what, sizeof what, "allocators under %s", libc);
		if (names[0])
			item(1, what, names, NULL);
		/* the unavailable ones, one line per reason */
		json_array_foreach(allocs, i, e) {
			const char *reason = jstr(e, "reason");
			const char *todo =
				strstr(reason, "not built yet")
					? "run the command above (allocswap build musl builds every "
					  "musl allocator and the musl Python the default matrix runs)"
				: strstr(reason, "glibc-only") || strstr(reason, "built for")
					? "nothing to build here: measure under glibc, or give -a "
					  "the path of a .so built for this libc"
				: strstr(reason, "not probed")
					? "install musl-tools (./run.sh deps does)"
					: "install the library (the README's backend table names the "
					  "Debian package; ./run.sh deps installs them all)";
			if (done[i] || strcmp(jstr(e, "libc"), libc))
				continue;
			join_rows(allocs, libc, 0, reason, done, names, sizeof names);
			snprintf(what, sizeof what, "%s under %s", names, libc);
			item(0, what, reason, todo);
		}
	}
	free(done);
}

/* The Python the benchmarks run: the list's "host" Python. */
static void python(const json_t *all)
{
	const json_t *e;
	size_t i;
	char what[PATH_MAX + 16], why[96];
	json_array_foreach(json_object_get(all, "pythons"), i, e) {
		if (strcmp(jstr(e, "name"), "host"))
			continue;
		snprintf(what, sizeof what, "python %s", jstr(e, "path"));
		snprintf(why, sizeof why, "Python %s", jstr(e, "version"));
		item(avail(e), what, avail(e) ? why : jstr(e, "reason"),
		     "install python3, or set ALLOCSWAP_CLI_PYTHON to another interpreter");
	}
}

/* Appends ", name" (or "name" to an empty buf). */
static void add_name(char *buf, size_t cap, const char *name)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", name);
}

/* The libc axis: the musl builds of the allocators and the Python builds
 * that 'allocswap build' makes.  ok when the musl cells of a matrix can run:
 * no musl allocator waits for its build and a musl Python is built. */
static void libc_axis(const json_t *all)
{
	const json_t *e;
	size_t i;
	char ab[256] = "", am[256] = "", pb[512] = "", pm[512] = "", why[1400], todo[512],
	     first[128] = "";
	int musl_py = 0, nbuilds = 0;
	json_int_t est = -1;
	json_array_foreach(json_object_get(all, "allocators"), i, e) {
		if (strcmp(jstr(e, "libc"), "musl") || !strcmp(jstr(e, "name"), "system"))
			continue;
		if (avail(e))
			add_name(ab, sizeof ab, jstr(e, "name"));
		else if (strstr(jstr(e, "reason"), "not built yet"))
			add_name(am, sizeof am, jstr(e, "name"));
	}
	json_array_foreach(json_object_get(all, "pythons"), i, e) {
		if (!json_is_string(json_object_get(e, "build")))
			continue;
		nbuilds++;
		if (avail(e)) {
			add_name(pb, sizeof pb, jstr(e, "name"));
			musl_py |= !strcmp(jstr(e, "libc"), "musl");
			continue;
		}
		add_name(pm, sizeof pm, jstr(e, "name"));
		if (!first[0] && !strcmp(jstr(e, "libc"), "musl")) {
			snprintf(first, sizeof first, "%s", jstr(e, "build"));
			est = json_integer_value(json_object_get(e, "estimate_seconds"));
		}
	}
	if (!nbuilds) {
		item(0, "libc axis", "no Python builds are known: cross/build.sh was not found beside "
				     "this allocswap",
		     "run allocswap from its build tree, or install it (cross/build.sh goes to "
		     "share/allocswap)");
		return;
	}
	json_array_foreach(json_object_get(all, "libcs"), i, e)
		if (!strcmp(jstr(e, "name"), "musl") && !avail(e))
			snprintf(ab, sizeof ab, "not probed without libswap for musl (above)");
	snprintf(why, sizeof why, "musl allocators built: %s%s%s%s; Pythons built: %s%s%s%s",
		 ab[0] ? ab : "none", am[0] ? " (not yet: " : "", am, am[0] ? ")" : "",
		 pb[0] ? pb : "none", pm[0] ? " (not yet: " : "", pm, pm[0] ? ")" : "");
	if (!am[0] && musl_py) {
		if (pm[0])
			snprintf(why + strlen(why), sizeof why - strlen(why),
				 "; allocswap build all builds the rest");
		item(1, "libc axis", why, NULL);
		return;
	}
	if (first[0] && est > 0)
		snprintf(todo, sizeof todo,
			 "allocswap build musl: the musl allocators and %s, what the default matrix's "
			 "musl cells run (about %lld min here); allocswap build all for every Python",
			 first, (long long)(est + 30) / 60);
	else
		snprintf(todo, sizeof todo, "allocswap build musl (what the default matrix's musl "
					    "cells run); allocswap build all for every Python");
	item(0, "libc axis", why, todo);
}

/* The images runs can use (--image): one "ok" line for those a run can use
 * now, then one "no" line for each other, with what to do. */
static void images(const json_t *all)
{
	const json_t *list = json_object_get(all, "images"), *e;
	size_t i;
	char ok[1024] = "", what[128], one[160], todo[256];
	json_array_foreach(list, i, e) {
		if (!avail(e))
			continue;
		snprintf(one, sizeof one, "%s (%s %s, Python %s)", jstr(e, "name"), jstr(e, "libc"),
			 jstr(e, "libc_version"), jstr(e, "python_version"));
		add_name(ok, sizeof ok, one);
	}
	item(1, "images", ok, NULL);
	json_array_foreach(list, i, e) {
		const char *reason = jstr(e, "reason"), *name = jstr(e, "name");
		if (avail(e))
			continue;
		if (!strncmp(reason, "not built yet", 13))
			snprintf(todo, sizeof todo,
				 "run the command above (run --image %s builds it first too)", name);
		else if (!strncmp(reason, "cannot be built here", 20))
			snprintf(todo, sizeof todo,
				 "do what the reason says, then allocswap image build %s", name);
		else if (strstr(reason, "libswap.so for musl"))
			snprintf(todo, sizeof todo,
				 "meson setup build-musl --cross-file cross/musl-x86_64.ini && ninja -C "
				 "build-musl (./run.sh build does both builds)");
		else
			snprintf(todo, sizeof todo,
				 "measure in an image with a newer glibc, or build allocswap on a system "
				 "whose glibc is no newer than %s's",
				 name);
		snprintf(what, sizeof what, "image %s", name);
		item(0, what, reason, todo);
	}
}

/* tracefs: found mounted, mounted now, or why not (as_tracefs_mount) */
static void tracefs(const struct as_tracefs *t)
{
	char why[512];
	switch (t->state) {
	case AS_TRACEFS_WAS_MOUNTED:
	case AS_TRACEFS_MOUNTED_NOW:
		snprintf(why, sizeof why,
			 "mounted at %s (%s); run and bench hold the syscall tracepoints open while "
			 "their processes run in full mode (without that, each waited about 0.2 s "
			 "at exit for the kernel to unregister them)",
			 t->path,
			 t->state == AS_TRACEFS_WAS_MOUNTED
				 ? "it was already"
				 : "now, by this doctor, as perf does; it stays mounted");
		item(1, "tracefs", why, NULL);
		break;
	case AS_TRACEFS_NOT_MOUNTED:
		item(0, "tracefs", t->why, t->todo);
		break;
	case AS_TRACEFS_NONE:
		item(0, "tracefs", t->why,
		     "nothing to mount: the reports count calls to libc's wrappers instead "
		     "(incomplete, and said so)");
		break;
	}
}

static void perf(const json_t *all)
{
	const json_t *p = json_object_get(all, "perf"), *e, *mode;
	char why[1024];
	json_int_t par = json_integer_value(json_object_get(p, "paranoid"));
	int priv = json_is_true(json_object_get(p, "privileged"));

	snprintf(why, sizeof why, "%s%s",
		 json_is_integer(json_object_get(p, "paranoid"))
			 ? (par <= 1 ? "perf_event_paranoid allows counting other processes"
			    : par == 2
				    ? "perf_event_paranoid 2: user-space counting of own processes"
				    : "perf_event_paranoid above 2 forbids unprivileged perf events")
			 : "perf_event_paranoid unreadable",
		 priv ? "; this process has CAP_PERFMON or CAP_SYS_ADMIN, which overrides it" : "");
	item(1, "perf permissions", why, NULL);

	e = json_object_get(p, "software");
	item(avail(e), "software events (page faults)",
	     avail(e) ? "perf_event_open works for PERF_COUNT_SW_PAGE_FAULTS" : jstr(e, "reason"),
	     "lower /proc/sys/kernel/perf_event_paranoid (sysctl kernel.perf_event_paranoid=2), "
	     "run with CAP_PERFMON, or in a container allow perf_event_open "
	     "(--security-opt seccomp=unconfined)");

	tracefs(as_tracefs_mount());
	e = json_object_get(p, "tracepoints");
	item(avail(e), "syscall tracepoints (mmap, munmap, mremap, brk, madvise)",
	     avail(e) ? "tracefs ids readable and a tracepoint counter opens" : jstr(e, "reason"),
	     strstr(jstr(e, "reason"), "not mounted")
		     ? "as root: mount -t tracefs nodev /sys/kernel/tracing"
		     : strstr(jstr(e, "reason"), "root-only") ? "run as root"
							    : "syscalls cannot be counted "
							      "by perf here");

	e = json_object_get(p, "hardware");
	item(avail(e), "hardware counters (instructions, cycles)",
	     avail(e) ? "PERF_COUNT_HW_INSTRUCTIONS opens" : jstr(e, "reason"),
	     !strcmp(jstr(e, "errno"), "ENOENT") || !strcmp(jstr(e, "errno"), "EOPNOTSUPP")
		     ? "nothing to do on this machine: they need bare metal or a VM with a "
		       "virtual PMU; allocswap reports them as absent, never as zero"
		     : "see the perf permissions above");

	e = json_object_get(p, "seccomp");
	mode = json_object_get(e, "mode");
	if (json_integer_value(mode) == 0 && json_is_integer(mode))
		item(1, "seccomp", "disabled in this process (mode 0): syscalls pay no filter cost; "
				   "--seccomp default installs allocswap's mirror of Docker's default "
				   "profile to measure it",
		     NULL);
	else {
		snprintf(why, sizeof why, "mode %s (%s), %lld filters: syscalls pay the filter's "
					  "cost, and perf_event_open may be blocked",
			 json_is_integer(mode) ? (json_integer_value(mode) == 1 ? "1" : "2") : "?",
			 jstr(e, "name"), json_integer_value(json_object_get(e, "filters")));
		item(0, "seccomp", why,
		     "to measure without it: docker/podman run --security-opt seccomp=unconfined");
	}
}

static void runners(const json_t *all)
{
	const json_t *e;
	size_t i;
	char what[300], why[1200];
	json_array_foreach(json_object_get(all, "runners"), i, e) {
		const char *name = jstr(e, "name"), *prog = jstr(e, "program");
		snprintf(what, sizeof what, "runner %s", name);
		if (avail(e)) {
			snprintf(why, sizeof why, "%s%s%s%s", jstr(e, "description"),
				 *prog ? " (" : "", prog, *prog ? ")" : "");
			if (*jstr(e, "reason"))
				snprintf(why, sizeof why, "%s: %s", jstr(e, "description"),
					 jstr(e, "reason"));
			item(1, what, why, NULL);
		} else {
			item(0, what, jstr(e, "reason"),
			     !strcmp(name, "docker")   ? "install docker.io and start dockerd, or set "
							 "DOCKER_HOST to an engine that answers"
			     : !strcmp(name, "podman") ? "install podman (and runc)"
						       : "install bubblewrap, or run as root (chroot)");
		}
	}
}

/* The batch engines bench --engine uses (bench_slurm.c, bench_k8s.c): is
 * the client on PATH, and does its controller answer (the one probe doctor
 * runs itself: squeue, kubectl version, each stopped after 10 s)? */
static void engines(void)
{
	static const struct {
		const char *name, *client, *probe[5], *install, *todo;
	} t[] = {
		{"slurm", "sbatch", {"squeue", "-h", "-o", "%i", NULL}, "install slurm-client",
		 "point SLURM_CONF at the cluster's slurm.conf (or run on a node that has one)"},
		{"k8s", "kubectl", {"kubectl", "version", "--request-timeout=5s", NULL},
		 "install kubectl (Debian: kubernetes-client)",
		 "bench --engine k8s --emit DIR writes the manifest anyway: kubectl apply -f it "
		 "where a cluster answers"},
	};
	char what[64], why[PATH_MAX + 200], path[PATH_MAX];
	size_t i;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *p = getenv("PATH"), *end;
		int found = 0, status = -1;
		pid_t pid;
		for (; p && *p && !found; p = *end ? end + 1 : end) {
			end = strchrnul(p, ':');
			snprintf(path, sizeof path, "%.*s/%s", (int)(end - p), p, t[i].client);
			found = !access(path, X_OK);
		}
		snprintf(what, sizeof what, "engine %s", t[i].name);
		if (!found) {
			snprintf(why, sizeof why, "%s is not on PATH", t[i].client);
			item(0, what, why, t[i].install);
			continue;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int nul = open("/dev/null", O_RDWR);
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			alarm(10);
			execvp(t[i].probe[0], (char *const *)t[i].probe);
			_exit(127);
		}
		if (pid > 0)
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
		snprintf(why, sizeof why, "%s (%s) %s", path, t[i].probe[0],
			 WIFEXITED(status) && !WEXITSTATUS(status) ? "answers"
								   : "finds no controller that answers");
		item(WIFEXITED(status) && !WEXITSTATUS(status), what, why,
		     WIFEXITED(status) && !WEXITSTATUS(status) ? NULL : t[i].todo);
	}
}

int as_cmd_doctor(int argc, char **argv)
{
	const json_t *lc, *e;
	json_t *all;
	size_t i;
	int usable = 0, first, rc;
	char what[128], why[1024];

	rc = as_opts_parse("doctor", &as_usage_doctor, argc, argv, NULL, &first);
	if (rc)
		return rc == 1 ? as_help("doctor") : rc;
	if (first < argc)
		return as_usage_err("doctor", "unexpected argument '%s': doctor takes no arguments",
				    argv[first]);
	as_tracefs_mount(); /* before the probe, which reads it */
	all = as_probe_here();
	if (!all) {
		as_err("doctor: out of memory");
		return 1;
	}
	json_array_foreach(json_object_get(all, "libcs"), i, lc) {
		snprintf(what, sizeof what, "libswap for %s %s", jstr(lc, "name"),
			 jstr(lc, "version"));
		item(avail(lc), what, avail(lc) ? jstr(lc, "libswap") : jstr(lc, "reason"),
		     !strcmp(jstr(lc, "name"), "musl")
			     ? "meson setup build-musl --cross-file cross/musl-x86_64.ini && "
			       "ninja -C build-musl (./run.sh build does both builds)"
			     : "ninja -C build (./run.sh build)");
	}
	allocators(all);
	json_array_foreach(json_object_get(all, "allocators"), i, e)
		if (!strcmp(jstr(e, "name"), "system") && !strcmp(jstr(e, "libc"), "glibc"))
			usable = avail(e);
	python(all);
	libc_axis(all);
	images(all);
	perf(all);
	runners(all);
	engines();
	snprintf(why, sizeof why, "%s",
		 usable ? "runs can be measured here: wall, user and sys time and max RSS "
			  "(wait4), and heap figures from libswap's reports"
			: "libswap does not work under glibc here: nothing can be measured");
	printf("\n%s\n", why);
	json_decref(all);
	return usable ? 0 : 1;
}
