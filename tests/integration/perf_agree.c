/* perf_agree: the report's syscall and fault counts against perf stat's.
 *
 *   perf_agree LIBSWAP PROG [N]
 *
 * Runs  perf stat -x, -e syscalls:sys_enter_{mmap,...},page-faults --
 *       env LD_PRELOAD=LIBSWAP ALLOCSWAP_STATS=full ALLOCSWAP_REPORT=... PROG none N
 * (PROG is perf_mmap: N blocks of 40 MiB, N default 2000) and compares each
 * count with the one in PROG's report.  perf stat counts from the exec of
 * env, libswap from its constructor: the dynamic loader's calls before it
 * (and env's) are in perf's figure only.  So the report may never be above
 * perf, and may be below by at most 3% plus a fixed startup allowance (40
 * calls, 300 faults); mmap and munmap, which the N blocks dominate, must
 * agree within 3%.  MALLOC_PERTURB_ (meson sets it) is removed: glibc would
 * fill every 40 MiB block, which takes minutes under perf.  Needs tracefs (run it under perf_env --tracefs mount)
 * and perf (Debian: linux-perf); skips (77) without perf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const names[] = {"mmap", "munmap", "mremap", "brk", "madvise"};
#define NSYS 5

static int run(char *const argv[])
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The count of event ev in perf's -x, output, or -1. */
static double perf_count(const char *csv, const char *ev)
{
	const char *l = csv;
	char line[512], val[64], name[256];
	while (*l) {
		size_t len = strcspn(l, "\n");
		snprintf(line, sizeof line, "%.*s", (int)len, l);
		l += len + (l[len] == '\n');
		/* value,unit,event,... (the unit is empty for counts) */
		if (sscanf(line, "%63[^,],,%255[^,]", val, name) == 2 && !strcmp(name, ev))
			return val[0] >= '0' && val[0] <= '9' ? strtod(val, NULL) : -1;
	}
	return -1;
}

/* syscalls.KEY of the report, "" when missing */
static const char *jstr(const json_t *rep, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(rep, "syscalls"), key));
	return s ? s : "";
}

static int agree(const char *what, double perf, double rep, double slack, int strict)
{
	double diff = perf - rep, allowed = 0.03 * perf + (strict ? 0 : slack);
	int ok = perf >= 0 && rep >= 0 && diff >= 0 && diff <= allowed;
	printf("%-8s perf %10.0f  report %10.0f  (%+.2f%%, allowed -%.0f)  %s\n", what, perf, rep,
	       perf > 0 ? -100.0 * diff / perf : 0.0, allowed, ok ? "ok" : "FAIL");
	return ok;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/perf_agree.XXXXXX", csv_path[64], rep_path[64], preload[4096];
	char report_env[96], events[512], *csv = NULL, libpath[4200] = "LD_LIBRARY_PATH=";
	const char *lp = getenv("LD_LIBRARY_PATH");
	const char *n = argc > 3 ? argv[3] : "2000";
	json_t *rep;
	json_error_t jerr;
	FILE *f;
	size_t len = 0;
	int i, rc, ok = 1;
	double faults;

	if (argc < 3) {
		fprintf(stderr, "usage: perf_agree LIBSWAP PROG [N]\n");
		return 2;
	}
	/* the musl build's library path (its allocators and libunwind) is for
	 * the measured program alone: perf is a glibc program that links
	 * libunwind.so.8, and would load the musl one from there */
	if (lp) {
		snprintf(libpath + 16, sizeof libpath - 16, "%s", lp);
		unsetenv("LD_LIBRARY_PATH");
	}
	{
		char *const ver[] = {"perf", "--version", NULL};
		if (run(ver) != 0) {
			fprintf(stderr, "perf_agree: skipped: no working perf (Debian: linux-perf)\n");
			return 77;
		}
	}
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 2;
	snprintf(csv_path, sizeof csv_path, "%s/perf.csv", dir);
	snprintf(rep_path, sizeof rep_path, "%s/r.json", dir);
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", argv[1]);
	snprintf(report_env, sizeof report_env, "ALLOCSWAP_REPORT=%s", rep_path);
	events[0] = 0;
	for (i = 0; i < NSYS; i++)
		snprintf(events + strlen(events), sizeof events - strlen(events),
			 "syscalls:sys_enter_%s,", names[i]);
	strcat(events, "page-faults");
	{
		char *cmd[] = {"perf", "stat", "-x,", "-o", csv_path, "-e", events, "--",
			       "env", "-u", "MALLOC_PERTURB_", preload, "ALLOCSWAP_STATS=full",
			       report_env, libpath, argv[2], "none", (char *)n, NULL};
		if (!lp) /* nothing to pass on: leave libpath out */
			memmove(&cmd[14], &cmd[15], 4 * sizeof cmd[0]);
		rc = run(cmd);
	}
	if (rc) {
		fprintf(stderr, "perf_agree: perf stat exited %d\n", rc);
		ok = 0;
		goto out;
	}
	f = fopen(csv_path, "r");
	if (!f || getdelim(&csv, &len, 0, f) < 0) {
		fprintf(stderr, "perf_agree: cannot read %s\n", csv_path);
		ok = 0;
		goto out;
	}
	fclose(f);
	rep = json_load_file(rep_path, 0, &jerr);
	if (!rep) {
		fprintf(stderr, "perf_agree: report %s: %s\n", rep_path, jerr.text);
		ok = 0;
		goto out;
	}
	if (strcmp(jstr(rep, "source"), "perf")) {
		fprintf(stderr, "perf_agree: the report did not count with perf: %s\n",
			jstr(rep, "reason"));
		ok = 0;
	}
	for (i = 0; i < NSYS && ok; i++) {
		char ev[64];
		snprintf(ev, sizeof ev, "syscalls:sys_enter_%s", names[i]);
		ok &= agree(names[i], perf_count(csv, ev),
			    json_number_value(json_object_get(json_object_get(rep, "syscalls"),
							      names[i])),
			    40, i < 2);
	}
	faults = json_number_value(json_object_get(json_object_get(rep, "faults"), "minor")) +
		 json_number_value(json_object_get(json_object_get(rep, "faults"), "major"));
	if (ok)
		ok &= agree("faults", perf_count(csv, "page-faults"), faults, 300, 0);
	json_decref(rep);
out:
	if (!ok && csv)
		fprintf(stderr, "perf stat said:\n%s", csv);
	free(csv);
	unlink(csv_path);
	unlink(rep_path);
	rmdir(dir);
	return ok ? 0 : 1;
}
