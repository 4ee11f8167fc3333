/* exec_helper: a program for `allocswap exec` to become, doing one known thing.
 *
 *   exec_helper exit N         exit(N)
 *   exec_helper signal N       raise(N) with the default action: killed by N
 *   exec_helper term FILE      handles SIGTERM, writes its pid to FILE, waits
 *                              (at most 30 s); the handler writes "got
 *                              SIGTERM" on stdout and exits 42
 *   exec_helper copy           stdin to stdout, byte for byte, then the
 *                              byte count to stderr as "N bytes"
 *   exec_helper environ        the environment, one NAME=VALUE a line
 *   exec_helper alloc          a few thousand malloc/realloc/free, then exit 0
 *   exec_helper maps TEXT      how many /proc/self/maps lines hold TEXT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void on_term(int sig)
{
	static const char msg[] = "got SIGTERM\n";
	(void)sig;
	(void)!write(1, msg, sizeof msg - 1);
	_exit(42);
}

static int copy(void)
{
	char buf[65536];
	long long total = 0;
	ssize_t n, w, off;
	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (off = 0; off < n; off += w) {
			w = write(1, buf + off, (size_t)(n - off));
			if (w <= 0)
				return 1;
		}
		total += n;
	}
	fprintf(stderr, "%lld bytes\n", total);
	return n < 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0, i;
	if (argc < 2) {
		fputs("usage: exec_helper exit|signal|term|copy|environ|alloc|maps [ARG]\n", stderr);
		return 2;
	}
	if (!strcmp(argv[1], "exit"))
		exit((int)n);
	if (!strcmp(argv[1], "signal")) {
		signal((int)n, SIG_DFL);
		raise((int)n);
		return 1;
	}
	if (!strcmp(argv[1], "term") && argc > 2) {
		struct sigaction sa;
		struct timespec ts = {30, 0};
		FILE *f;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f))
			return 1;
		while (nanosleep(&ts, &ts))
			;
		return 1; /* no SIGTERM came */
	}
	if (!strcmp(argv[1], "copy"))
		return copy();
	if (!strcmp(argv[1], "environ")) {
		for (i = 0; environ[i]; i++)
			puts(environ[i]);
		return fflush(stdout) != 0;
	}
	if (!strcmp(argv[1], "alloc")) {
		void *keep[64] = {0};
		for (i = 0; i < 4096; i++) {
			void **p = &keep[i % 64];
			*p = realloc(*p, (size_t)(i % 700) + 1);
			if (!*p)
				return 1;
			memset(*p, 1, (size_t)(i % 700) + 1);
		}
		for (i = 0; i < 64; i++)
			free(keep[i]);
		return 0;
	}
	if (!strcmp(argv[1], "maps") && argc > 2) {
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
	fprintf(stderr, "exec_helper: unknown mode '%s'\n", argv[1]);
	return 2;
}
