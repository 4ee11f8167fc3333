/* children: whether programs started by a preloaded process run with
 * libswap too.
 *
 *   children keep            ALLOCSWAP_CHILDREN=1 (the default): the child
 *                            inherits LD_PRELOAD and writes its own report
 *   children strip [PRELOAD] ALLOCSWAP_CHILDREN=0: libswap is gone from
 *                            LD_PRELOAD (PRELOAD: what must remain, exactly;
 *                            default: nothing) and the child runs without it
 *
 * The program forks and execs itself with "--child MODE [PRELOAD]"; the
 * child looks at its own LD_PRELOAD and /proc/self/maps.  as_check counts
 * the reports: 2 when kept, 1 when stripped.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* Is a file whose name ends in /NAME mapped into this process? */
static int mapped(const char *name)
{
	static char buf[1 << 20];
	size_t n = 0, len = strlen(name);
	ssize_t r;
	char *line, *save = NULL;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		if (l > len && !strcmp(line + l - len, name) && line[l - len - 1] == '/')
			return 1;
	}
	return 0;
}

static int has_libswap(const char *preload)
{
	const char *s = preload;
	while (s && *s) {
		const char *e = s + strcspn(s, ": "), *b = s, *c;
		for (c = s; c < e; c++)
			if (*c == '/')
				b = c + 1;
		if ((size_t)(e - b) == strlen("libswap.so") && !strncmp(b, "libswap.so", (size_t)(e - b)))
			return 1;
		s = *e ? e + 1 : e;
	}
	return 0;
}

static int child(int keep, const char *want)
{
	const char *lp = getenv("LD_PRELOAD");
	T_EQ(mapped("libswap.so"), keep);
	T_EQ(has_libswap(lp), keep);
	if (!keep)
		T_STREQ(lp ? lp : "", want);
	if (want && *want) {
		const char *base = strrchr(want, '/');
		T_EQ(mapped(base ? base + 1 : want), 1);
	}
	return t_done_named("children (child)");
}

int main(int argc, char **argv)
{
	int keep, st = 0;
	const char *want;
	pid_t pid;
	if (argc > 2 && !strcmp(argv[1], "--child"))
		return child(!strcmp(argv[2], "keep"), argc > 3 ? argv[3] : "");
	if (argc < 2 || (strcmp(argv[1], "keep") && strcmp(argv[1], "strip"))) {
		t_say("usage: children keep|strip [PRELOAD]");
		return 2;
	}
	keep = !strcmp(argv[1], "keep");
	want = argc > 2 ? argv[2] : "";
	/* this process itself runs under libswap either way */
	T_EQ(mapped("libswap.so"), 1);
	T_EQ(has_libswap(getenv("LD_PRELOAD")), keep);

	pid = fork();
	T_CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {argv[0], (char *)"--child", argv[1], (char *)want, NULL};
		execv("/proc/self/exe", args);
		_exit(126);
	}
	T_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (keep) {
		it_expect_child(pid, "process.pid == %ld", (long)pid);
		it_expect_child(pid, "process.ppid == %ld", (long)getpid());
		it_expect_child(pid, "process.argv.1 == --child");
	}
	return t_done();
}
