/* secure: in secure-execution mode (AT_SECURE: a setuid or setgid program)
 * libswap writes no report and takes no allocator path from the
 * environment.
 *
 *   secure HELLO_LINKED ALLOCATOR_SO
 *
 * The dynamic loader ignores LD_PRELOAD paths for secure programs, so
 * HELLO_LINKED is hello linked against libswap itself (DT_NEEDED, absolute
 * RUNPATH).  As root, this program copies it twice into a fresh
 * world-writable directory: one plain copy, one owned by nobody with the
 * set-user-ID bit.  Run by root, the setuid copy has uid 0 and euid
 * nobody: the kernel sets AT_SECURE.  The plain copy must write its report
 * (the control: the check can fail), the setuid copy must not, though
 * nobody could write to the directory; and a path in ALLOCSWAP_ALLOCATOR
 * must be refused there (exit 127, one line).  ALLOCSWAP_SUMMARY=1 prints
 * the heap and RSS summary for the plain copy; the setuid copy prints
 * nothing (the caller's environment is no trusted source for it).
 *
 * Skips (77) when not run as root, or when the file system ignores the
 * setuid bit (nosuid).
 */
#include <dirent.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "spawn.h"

static char dir[256], suid[400];

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, ok = 1;
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		ok &= write(out, buf, (size_t)n) == n;
	ok &= n == 0;
	close(in);
	ok &= close(out) == 0;
	return ok && chmod(to, mode) == 0 ? 0 : -1;
}

/* Number of directory entries starting with prefix. */
static int count(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static void run_with(const char *prog, const char *report, const char *alloc, const char *more,
		     struct sp_result *r)
{
	char e_rep[600], e_alloc[600];
	char *argv[] = {(char *)prog, (char *)"--secure", NULL};
	char *envp[] = {e_rep, e_alloc, (char *)more, NULL};
	snprintf(e_rep, sizeof e_rep, "ALLOCSWAP_REPORT=%s/%s", dir, report);
	snprintf(e_alloc, sizeof e_alloc, "ALLOCSWAP_ALLOCATOR=%s", alloc);
	T_EQ(sp_run(prog, argv, envp, NULL, NULL, r), 0);
}

static void run(const char *prog, const char *report, const char *alloc, struct sp_result *r)
{
	run_with(prog, report, alloc, NULL, r);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(path);
}

static int finish(int rc)
{
	unlink(suid); /* never leave a setuid program behind */
	if (t_failed)
		t_say("files kept in %s", dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char plain[400];
	struct passwd *pw;
	uid_t nobody = 65534;
	gid_t nogroup = 65534;
	struct sp_result r;
	if (argc != 3) {
		t_say("usage: secure HELLO_LINKED ALLOCATOR_SO");
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: needs root to make a setuid copy owned by another user\n");
		return 77;
	}
	pw = getpwnam("nobody");
	if (pw) {
		nobody = pw->pw_uid;
		nogroup = pw->pw_gid;
	}
	snprintf(dir, sizeof dir, "%s/as_secure.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || chmod(dir, 0777)) {
		t_say("cannot make a world-writable directory %s", dir);
		return 1;
	}
	snprintf(plain, sizeof plain, "%s/hello-plain", dir);
	snprintf(suid, sizeof suid, "%s/hello-setuid", dir);
	T_EQ(copy_file(argv[1], plain, 0755), 0);
	T_EQ(copy_file(argv[1], suid, 0755), 0);
	T_EQ(chown(suid, nobody, nogroup), 0);
	T_EQ(chmod(suid, 04755), 0); /* after chown, which clears the bit */
	if (t_failed)
		return finish(t_done());

	/* the control: same program, not setuid, writes its report */
	run(plain, "plain-%p.json", "system", &r);
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\nsecure=0\n");
	T_STREQ(r.err, "");
	T_EQ(count("plain-"), 1);
	sp_free(&r);

	run(suid, "suid-%p.json", "system", &r);
	if (!strcmp(r.out, "hello\nsecure=0\n")) {
		printf("SKIP: the setuid bit has no effect in %s (nosuid mount?)\n", dir);
		sp_free(&r);
		return finish(77);
	}
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\nsecure=1\n");
	T_STREQ(r.err, "");
	T_EQ(count("suid-"), 0);
	sp_free(&r);

	/* the summary: the plain copy prints it, the setuid one nothing (it
	 * printed its heap and RSS figures to the caller's stderr) */
	run_with(plain, "plain-sum-%p.json", "system", "ALLOCSWAP_SUMMARY=1", &r);
	T_EQ(sp_exit_code(&r), 0);
	T_CHECK(strstr(r.err, "allocswap: hello-plain [pid ") == r.err);
	T_CHECK(strstr(r.err, "allocswap:   rss   peak ") != NULL);
	sp_free(&r);
	run_with(suid, "suid-sum-%p.json", "system", "ALLOCSWAP_SUMMARY=1", &r);
	T_EQ(sp_exit_code(&r), 0);
	T_STREQ(r.out, "hello\nsecure=1\n");
	T_STREQ(r.err, "");
	T_EQ(count("suid-sum-"), 0);
	sp_free(&r);

	/* an allocator path from the environment is not loaded */
	run(suid, "suid-path-%p.json", argv[2], &r);
	T_EQ(sp_exit_code(&r), 127);
	T_STREQ(r.out, "");
	T_EQ(sp_lines(r.err), 1);
	T_CHECK(strstr(r.err, "allocswap: ") == r.err);
	T_CHECK(strstr(r.err, "secure-execution") != NULL);
	T_EQ(count("suid-path-"), 0);
	sp_free(&r);

	return finish(t_done());
}
