/* run_helper: a program for `allocswap run` to run, doing one known thing.
 *
 *   run_helper alloc MIB     mallocs MIB MiB in one block, touches it, frees it
 *   run_helper exit N        exit(N)
 *   run_helper _exit N       _exit(N): no exit handlers, so no libswap report
 *   run_helper signal N      raise(N) (default action: killed)
 *   run_helper fork N        N children, each mallocs a little and exits
 *   run_helper rise MIB      grows to MIB MiB in 1 MiB blocks (touched) over
 *                            ~300 ms, frees them over ~300 ms, idles 100 ms
 *   run_helper maps TEXT     prints how many /proc/self/maps lines hold TEXT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_us(long us)
{
	struct timespec ts = {us / 1000000, us % 1000000 * 1000};
	while (nanosleep(&ts, &ts))
		;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0, i;
	if (argc < 3) {
		fputs("usage: run_helper alloc|exit|_exit|signal|fork N\n", stderr);
		return 2;
	}
	if (!strcmp(argv[1], "alloc")) {
		char *p = malloc((size_t)n << 20);
		if (!p)
			return 1;
		memset(p, 1, (size_t)n << 20);
		__asm__ volatile("" : : "r"(p) : "memory"); /* the pages are touched */
		free(p);
		return 0;
	}
	if (!strcmp(argv[1], "rise") && n > 0 && n <= 4096) {
		char **b = calloc((size_t)n, sizeof *b);
		for (i = 0; b && i < n; i++) {
			b[i] = malloc(1 << 20);
			if (!b[i])
				return 1;
			memset(b[i], 1, 1 << 20);
			nap_us(300000 / n);
		}
		for (i = 0; b && i < n; i++) {
			free(b[i]);
			nap_us(300000 / n);
		}
		free(b);
		nap_us(100000);
		return b ? 0 : 1;
	}
	if (!strcmp(argv[1], "maps")) {
		char line[4096];
		FILE *f = fopen("/proc/self/maps", "r");
		long found = 0;
		while (f && fgets(line, sizeof line, f))
			found += strstr(line, argv[2]) != NULL;
		if (f)
			fclose(f);
		printf("%ld\n", found);
		return f ? 0 : 1;
	}
	if (!strcmp(argv[1], "exit"))
		exit((int)n);
	if (!strcmp(argv[1], "_exit"))
		_exit((int)n);
	if (!strcmp(argv[1], "signal")) {
		signal((int)n, SIG_DFL);
		raise((int)n);
		return 1;
	}
	if (!strcmp(argv[1], "fork")) {
		for (i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid < 0)
				return 1;
			if (pid == 0) {
				free(malloc(1000));
				exit(0);
			}
			waitpid(pid, NULL, 0);
		}
		return 0;
	}
	fprintf(stderr, "run_helper: unknown mode '%s'\n", argv[1]);
	return 2;
}
