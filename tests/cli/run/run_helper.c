/* run_helper: a program for `allocswap run` to run, doing one known thing.
 *
 *   run_helper alloc MIB     mallocs MIB MiB in one block, touches it, frees it
 *   run_helper exit N        exit(N)
 *   run_helper _exit N       _exit(N): no exit handlers, so no libswap report
 *   run_helper signal N      raise(N) (default action: killed)
 *   run_helper fork N        N children, each mallocs a little and exits
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
