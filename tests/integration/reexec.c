/* reexec: bare LD_PRELOAD=libswap.so ALLOCSWAP_ALLOCATOR=NAME works, and the
 * static-TLS re-exec (as_backend.h) is invisible to the program.
 *
 *   reexec NAME WANT_REEXEC [GLIBC_TUNABLES]
 *
 * Run by as_check under libswap.  It starts itself again ("--child") with
 * an exact argv and environment: libswap from its own LD_PRELOAD, the
 * ALLOCSWAP_REPORT pattern it was given, ALLOCSWAP_ALLOCATOR=NAME, the
 * optional GLIBC_TUNABLES, and awkward arguments and variables (spaces,
 * newlines, empty strings, '=' in values, an entry without '=', a
 * duplicate name, UTF-8).  The child prints what it sees; this program
 * checks that argv and the environment arrived exactly as sent, in order,
 * with ALLOCSWAP__REEXEC gone.  Allowed differences: when the child was
 * re-executed (WANT_REEXEC 1), its GLIBC_TUNABLES is the one sent (if any)
 * plus ":glibc.rtld.optional_static_tls=N"; and gperftools' tcmalloc sets
 * GLIBCPP_FORCE_NEW and GLIBCXX_FORCE_NEW itself (it does so when preloaded
 * directly, too).  The child's report
 * must say allocator.reexec WANT_REEXEC (EXPECT[PID] lines; execve keeps
 * the pid).  Exits 77 when NAME cannot be loaded here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "spawn.h"

extern char **environ;

static char *const child_args[] = {
	(char *)"reexec child, argv[0] with spaces",
	(char *)"--child",
	(char *)"two words",
	(char *)"",
	(char *)"line one\nline two\n",
	(char *)"  ",
	(char *)"--",
	(char *)"tab\there",
	(char *)"ALLOCSWAP__REEXEC=1",
	(char *)"\xc3\xa4\xe2\x82\xac",
	(char *)"",
	NULL,
};

static const char *const odd_env[] = {
	"AS_T_SPACE=a b  c ",
	"AS_T_NEWLINE=line one\nline two",
	"AS_T_EMPTY=",
	"AS_T_EQUALS=x=y==z",
	"AS_T_NO_EQUALS_SIGN",
	"AS_T_DUP=first",
	"AS_T_DUP=second",
	"AS_T_UTF8=\xc3\xa4\xe2\x82\xac",
	"",
};

static void put_hex(const char *tag, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), i, k = 0;
	char *line = malloc(2 * n + 8);
	if (!line)
		exit(3);
	line[k++] = tag[0];
	line[k++] = ' ';
	for (i = 0; i < n; i++) {
		line[k++] = hex[(unsigned char)s[i] >> 4];
		line[k++] = hex[(unsigned char)s[i] & 15];
	}
	line[k++] = '\n';
	if (write(1, line, k) != (ssize_t)k)
		exit(3);
	free(line);
}

/* The child: its argv and environment, hex-encoded, one per line. */
static int child(int argc, char **argv)
{
	int i;
	for (i = 0; i < argc; i++)
		put_hex("A", argv[i]);
	for (i = 0; environ[i]; i++)
		put_hex("E", environ[i]);
	return 0;
}

static char *unhex(const char *s, size_t n)
{
	char *out = malloc(n / 2 + 1);
	size_t i;
	if (!out)
		exit(3);
	for (i = 0; i + 1 < n; i += 2) {
		unsigned v;
		if (sscanf(s + i, "%2x", &v) != 1)
			v = '?';
		out[i / 2] = (char)v;
	}
	out[n / 2] = 0;
	return out;
}

static int is_tunables(const char *e)
{
	return !strncmp(e, "GLIBC_TUNABLES=", 15);
}

/* Set by the backend itself (gperftools' tcmalloc.cc, at start-up). */
static int set_by_backend(const char *e)
{
	return !strcmp(e, "GLIBCPP_FORCE_NEW=1") || !strcmp(e, "GLIBCXX_FORCE_NEW=1");
}

int main(int argc, char **argv)
{
	const char *name, *tunables = NULL, *preload = getenv("LD_PRELOAD");
	const char *report = getenv("ALLOCSWAP_REPORT"), *libpath = getenv("LD_LIBRARY_PATH");
	char e_pre[1024], e_rep[1024], e_alloc[300], e_tun[600], e_lib[4096];
	char *envp[32], *seen_args[32], *seen_env[64], *line, *save = NULL;
	size_t nenv = 0, nargs = 0, nseen_env = 0, i, j;
	const char *seen_tun = NULL;
	int want_reexec;
	struct sp_result r;

	if (argc > 1 && !strcmp(argv[1], "--child"))
		return child(argc, argv);
	if (argc < 3 || argc > 4 || !preload || !report) {
		t_say("usage: reexec NAME WANT_REEXEC [GLIBC_TUNABLES], under as_check");
		return 2;
	}
	name = argv[1];
	want_reexec = atoi(argv[2]);
	if (argc > 3)
		tunables = argv[3];

	snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", preload);
	snprintf(e_rep, sizeof e_rep, "ALLOCSWAP_REPORT=%s", report);
	snprintf(e_alloc, sizeof e_alloc, "ALLOCSWAP_ALLOCATOR=%s", name);
	envp[nenv++] = (char *)odd_env[0];
	envp[nenv++] = e_pre;
	if (tunables) {
		snprintf(e_tun, sizeof e_tun, "GLIBC_TUNABLES=%s", tunables);
		envp[nenv++] = e_tun;
	}
	envp[nenv++] = e_alloc;
	for (i = 1; i < sizeof odd_env / sizeof odd_env[0]; i++)
		envp[nenv++] = (char *)odd_env[i];
	envp[nenv++] = e_rep;
	/* where the musl builds of the backends are found (tests/meson.build) */
	if (libpath) {
		snprintf(e_lib, sizeof e_lib, "LD_LIBRARY_PATH=%s", libpath);
		envp[nenv++] = e_lib;
	}
	envp[nenv] = NULL;

	T_EQ(sp_run("/proc/self/exe", child_args, envp, NULL, NULL, &r), 0);
	if (sp_exit_code(&r) == 127 && strstr(r.err, "cannot load allocator")) {
		printf("SKIP: %s", r.err);
		return 77;
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.err, "");

	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = unhex(line + 2, strlen(line + 2));
		if (line[0] == 'A' && nargs < 32)
			seen_args[nargs++] = v;
		else if (line[0] == 'E' && nseen_env < 64)
			seen_env[nseen_env++] = v;
		else
			free(v);
	}

	/* argv: exactly */
	for (i = 0; child_args[i]; i++)
		T_STREQ(i < nargs ? seen_args[i] : NULL, child_args[i]);
	T_EQ(nargs, i);

	/* the environment: exactly, in order, GLIBC_TUNABLES aside */
	for (i = j = 0; i < nenv || j < nseen_env;) {
		if (i < nenv && is_tunables(envp[i])) {
			i++;
			continue;
		}
		if (j < nseen_env && is_tunables(seen_env[j])) {
			T_CHECK(seen_tun == NULL);
			seen_tun = seen_env[j++] + 15;
			continue;
		}
		if (j < nseen_env && !strncmp(name, "tcmalloc", 8) && set_by_backend(seen_env[j])) {
			j++;
			continue;
		}
		T_STREQ(j < nseen_env ? seen_env[j] : NULL, i < nenv ? envp[i] : NULL);
		i++;
		j++;
	}
	for (j = 0; j < nseen_env; j++)
		T_CHECK(strncmp(seen_env[j], "ALLOCSWAP__", 11) != 0);

	/* GLIBC_TUNABLES: untouched, or extended by glibc's re-exec (musl's
	 * re-exec preloads the backend instead, and puts LD_PRELOAD back as it
	 * was: checked above with the rest of the environment) */
#ifdef __GLIBC__
	if (want_reexec) {
		char want[700];
		size_t k;
		snprintf(want, sizeof want, "%s%sglibc.rtld.optional_static_tls=", tunables ? tunables : "",
			 tunables ? ":" : "");
		k = strlen(want);
		T_CHECK(seen_tun != NULL && !strncmp(seen_tun, want, k));
		T_CHECK(seen_tun != NULL && strlen(seen_tun) > k &&
			strspn(seen_tun + k, "0123456789") == strlen(seen_tun + k));
	} else
#endif
	if (tunables) {
		T_STREQ(seen_tun, tunables);
	} else {
		T_CHECK(seen_tun == NULL);
	}

	it_expect_child(r.pid, "allocator.reexec == %s", want_reexec ? "true" : "false");
	it_expect_child(r.pid, "allocator.requested == %s", name);
	it_expect_child(r.pid, "allocator.fallback == false");
	it_expect_child(r.pid, "allocator.mapped == true");
	it_expect_child(r.pid, "process.argv.2 == %s", child_args[2]);
	for (i = 0; i < nargs; i++)
		free(seen_args[i]);
	for (j = 0; j < nseen_env; j++)
		free(seen_env[j]);
	sp_free(&r);
	return t_done();
}
