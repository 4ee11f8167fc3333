/* perf_exit: how long a process under libswap in full mode takes to go,
 * with and without the syscall tracepoints held open elsewhere
 * (bench/perf_exit.sh runs it, with tracefs mounted).
 *
 *     perf_exit --libswap PATH [--runs N] [--reports DIR] -- CMD [ARGS...]
 *
 * Ways, each N times, interleaved (each round runs every way once, the
 * order rotated from round to round):
 *   counters   ALLOCSWAP_STATS=counters: no perf events (the reference)
 *   full       ALLOCSWAP_STATS=full with nothing else holding the five
 *              tracepoints: when its counters are freed at exit, the kernel
 *              unregisters each tracepoint from perf and waits for RCU grace
 *              periods (what every process paid before the fix)
 *   full-held  ALLOCSWAP_STATS=full while another process holds the five
 *              tracepoints with _as_perf_hold_tracepoints(), as allocswap run
 *              and bench do: the process's counters are never the last
 * The holder is a child started before the round's full-held run and ended
 * (and waited for: its own exit pays the unregistration) after it, so the
 * full runs find the tracepoints unregistered.
 *
 * A run's time is the wall time (CLOCK_MONOTONIC) from fork to wait4
 * returning the child: what a parent waits for.  CMD's standard output goes
 * to /dev/null.  Each run writes its report to DIR (default: a temporary
 * directory), removed after the run.
 *
 * Output: per way the median, the quartiles, min and max in ms, then the
 * delay removed (full - full-held, medians), one line each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "as_perf.h"

enum { W_COUNTERS, W_FULL, W_HELD, W_N };
static const char *const way_names[W_N] = {"counters", "full", "full-held"};

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* the q-quantile of sorted v[0..n), linear between neighbours, in ms */
static double quantile_ms(const int64_t *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double f = pos - (double)i;
	if (i + 1 >= n)
		return (double)v[n - 1] / 1e6;
	return ((double)v[i] * (1 - f) + (double)v[i + 1] * f) / 1e6;
}

/* A holder: a child holding the tracepoints until its pipe closes.  0 and
 * *pid, *fd, or -1 after a message. */
static int holder_start(pid_t *pid, int *fd)
{
	int up[2], down[2];
	char c;
	if (pipe(up) || pipe(down))
		return perror("perf_exit: pipe"), -1;
	*pid = fork();
	if (*pid < 0)
		return perror("perf_exit: fork"), -1;
	if (*pid == 0) {
		const char *why = NULL;
		close(up[0]);
		close(down[1]);
		if (_as_perf_hold_tracepoints(&why)) {
			fprintf(stderr, "perf_exit: cannot hold the tracepoints: %s\n", why);
			_exit(1);
		}
		if (write(up[1], "h", 1) != 1)
			_exit(1);
		while (read(down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		close(up[0]);
		close(down[1]);
		waitpid(*pid, NULL, 0);
		return -1;
	}
	close(up[0]);
	*fd = down[1];
	return 0;
}

static void holder_stop(pid_t pid, int fd)
{
	close(fd);
	waitpid(pid, NULL, 0);
}

/* One run of argv in way w; its wall time in ns, or -1. */
static int64_t run_once(char **argv, const char *libswap, const char *dir, int w)
{
	char report[4096];
	int64_t t0;
	int st;
	pid_t pid;
	snprintf(report, sizeof report, "%s/perf_exit.%%p.json", dir);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return perror("perf_exit: fork"), -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0 && null != STDOUT_FILENO) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		setenv("LD_PRELOAD", libswap, 1);
		setenv("ALLOCSWAP_STATS", w == W_COUNTERS ? "counters" : "full", 1);
		setenv("ALLOCSWAP_REPORT", report, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "perf_exit: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return perror("perf_exit: waitpid"), -1;
	t0 = now_ns() - t0;
	snprintf(report, sizeof report, "%s/perf_exit.%d.json", dir, (int)pid);
	unlink(report);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "perf_exit: %s failed in way %s (status 0x%x)\n", argv[0],
			way_names[w], st);
		return -1;
	}
	return t0;
}

static int usage(void)
{
	fprintf(stderr, "usage: perf_exit --libswap PATH [--runs N] [--reports DIR] -- CMD "
			"[ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *libswap = NULL, *dir = NULL;
	char tmpl[] = "/tmp/perf_exit.XXXXXX";
	long runs = 21;
	int64_t *t[W_N];
	int i, w, r, rc = 1, made = 0;

	for (i = 1; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--libswap") && i + 1 < argc) {
			libswap = argv[++i];
		} else if (!strcmp(argv[i], "--reports") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = strtol(argv[++i], &end, 10);
			if (*end || runs < 1 || runs > 100000) {
				fprintf(stderr, "perf_exit: --runs takes 1 to 100000, not '%s'\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			return usage();
		}
	}
	if (!libswap || i >= argc)
		return usage();
	if (!dir) {
		dir = mkdtemp(tmpl);
		if (!dir)
			return perror("perf_exit: mkdtemp"), 1;
		made = 1;
	}
	for (w = 0; w < W_N; w++)
		if (!(t[w] = calloc((size_t)runs, sizeof *t[w])))
			return perror("perf_exit"), 1;
	for (r = 0; r < runs; r++) {
		for (int k = 0; k < W_N; k++) {
			pid_t hp = 0;
			int hfd = -1;
			w = (k + r) % W_N;
			if (w == W_HELD && holder_start(&hp, &hfd))
				goto out;
			t[w][r] = run_once(argv + i, libswap, dir, w);
			if (w == W_HELD)
				holder_stop(hp, hfd);
			if (t[w][r] < 0)
				goto out;
		}
	}
	printf("%-10s %9s %9s %9s %9s %9s  (ms, %ld runs a way, fork to wait4)\n", "way", "median",
	       "p25", "p75", "min", "max", runs);
	for (w = 0; w < W_N; w++) {
		qsort(t[w], (size_t)runs, sizeof *t[w], cmp_i64);
		printf("%-10s %9.2f %9.2f %9.2f %9.2f %9.2f\n", way_names[w],
		       quantile_ms(t[w], (size_t)runs, 0.5), quantile_ms(t[w], (size_t)runs, 0.25),
		       quantile_ms(t[w], (size_t)runs, 0.75), (double)t[w][0] / 1e6,
		       (double)t[w][runs - 1] / 1e6);
	}
	printf("delay removed by holding the tracepoints: %.2f ms a process (full - full-held, "
	       "medians)\n",
	       quantile_ms(t[W_FULL], (size_t)runs, 0.5) - quantile_ms(t[W_HELD], (size_t)runs, 0.5));
	printf("left over full mode: %.2f ms a process (full-held - counters, medians)\n",
	       quantile_ms(t[W_HELD], (size_t)runs, 0.5) -
		       quantile_ms(t[W_COUNTERS], (size_t)runs, 0.5));
	rc = ferror(stdout) ? 1 : 0;
out:
	if (made)
		rmdir(dir);
	return rc;
}
