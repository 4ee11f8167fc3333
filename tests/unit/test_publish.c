/* _as_publish (as_sys.h) where neither RENAME_NOREPLACE nor hard links
 * are there: a seccomp filter makes renameat2 fail with EPERM or ENOSYS
 * (a container runtime's profile, an old kernel) and link/linkat with
 * EPERM (a file system without hard links).  In a child under the filter:
 * a new name gets the file, byte for byte, and the temporary file is gone;
 * an existing name is left as it was (EEXIST) and the temporary file stays
 * for the caller; a symlink planted at the name is not followed.  And
 * without the filter, the same three through renameat2. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_sys.h"
#include "harness.h"

#if __has_include(<linux/seccomp.h>)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#define HAVE_SECCOMP 1
#endif

static char dir[] = "/tmp/as_publish.XXXXXX";

static void put_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");
	T_CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int file_is(const char *name, const char *text)
{
	char buf[64 * 1024];
	FILE *f = fopen(name, "r");
	size_t n;
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strcmp(buf, text) == 0;
}

/* renameat2 fails with rename_err, link and linkat with EPERM */
static int filter(int rename_err)
{
#ifndef HAVE_SECCOMP
	(void)rename_err;
	return ENOSYS; /* musl-gcc: no kernel headers */
#else
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_renameat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)rename_err),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_link, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_linkat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return errno;
	return 0;
#endif
}

/* The three cases, in dir/TAG-* */
static void cases(const char *tag)
{
	char tmp[256], to[256], link_to[256], target[256], big[40000];
	int rc;

	memset(big, 'x', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = 0;
	snprintf(tmp, sizeof tmp, "%s/%s-a.tmp", dir, tag);
	snprintf(to, sizeof to, "%s/%s-a", dir, tag);
	put_file(tmp, big);
	T_EQ(_as_publish(tmp, to), 0);
	T_CHECK(file_is(to, big));
	T_EQ(access(tmp, F_OK), -1);

	put_file(tmp, "new\n");
	put_file(to, "old\n");
	T_EQ(_as_publish(tmp, to), EEXIST);
	T_CHECK(file_is(to, "old\n"));
	T_CHECK(file_is(tmp, "new\n"));

	snprintf(link_to, sizeof link_to, "%s/%s-link", dir, tag);
	snprintf(target, sizeof target, "%s/%s-target", dir, tag);
	T_EQ(symlink(target, link_to), 0);
	T_EQ(_as_publish(tmp, link_to), EEXIST);
	rc = access(target, F_OK);
	T_EQ(rc, -1); /* the dangling link's target not made */
	unlink(tmp);
}

static void clean(void)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	T_EQ(system(cmd), 0);
}

static void in_child(int rename_err, const char *tag)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		int rc = filter(rename_err);
		if (rc) {
			printf("SKIP: no seccomp filter here (%s): the fallbacks are not checked\n",
			       rc == ENOSYS ? "no linux/seccomp.h for this compiler" : strerror(rc));
			_exit(77);
		}
		cases(tag);
		_exit(t_failed ? 1 : 0);
	}
	T_CHECK(pid > 0);
	T_EQ(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		clean();
		exit(t_failed ? 1 : 77);
	}
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	T_CHECK(mkdtemp(dir) != NULL);
	cases("plain");
	in_child(EPERM, "eperm");
	in_child(ENOSYS, "enosys");
	if (!t_failed)
		clean(); /* kept to look at otherwise */
	return t_done();
}
