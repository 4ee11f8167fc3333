/* Unit tests of tools/launch/as_seccomp.c, under ASan/UBSan.
 *
 * Each filter is installed in a child of its own (a filter cannot be
 * removed); the child runs its checks with the harness and exits with the
 * number that failed.  Expected results are moby v20.10.24's default
 * profile for a container without extra capabilities on x86_64:
 *   - denied (EPERM): keyctl, add_key, request_key, acct, mount, swapon,
 *     unshare(CLONE_NEWUSER), clone(CLONE_NEWUSER), perf_event_open, bpf,
 *     userfaultfd, pkey_alloc, personality(READ_IMPLIES_EXEC), a number in
 *     the table's gap (400);
 *   - clone3: ENOSYS (the profile's errnoRet), and set_mempolicy_home_node
 *     (450, above the profile's newest) ENOSYS from runc's stub;
 *   - allowed: getpid, write, mmap, fork, a thread (glibc's clone3 gets
 *     ENOSYS and falls back to clone), personality(0xffffffff), exec of
 *     /bin/true, and no_new_privs set.
 * "unconfined" changes nothing (seccomp mode and no_new_privs as in the
 * parent; clone3(NULL, 0) reaches the kernel: EFAULT or EINVAL); an unknown
 * name is refused with EINVAL.  as_seccomp_export writes the program that
 * install loads.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "as_seccomp.h"

/* the raw syscall's errno, 0 when it succeeded */
static int sys_errno(long nr, long a0, long a1, long a2, long a3, long a4)
{
	errno = 0;
	return syscall(nr, a0, a1, a2, a3, a4) < 0 ? errno : 0;
}

/* "Seccomp:" of /proc/self/status: 0 none, 2 filter */
static int seccomp_mode(void)
{
	char line[256];
	int mode = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode;
}

/* Runs fn in a child (which prints its own count); 0 when all its checks
 * passed. */
static int in_child(void (*fn)(void), const char *name)
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		t_checks = t_failed = 0;
		fn();
		_exit(t_done_named(name));
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *thread_fn(void *arg)
{
	return (char *)arg + 1;
}

/* fork, then exec argv in the child; its exit status, or -1 */
static int run_exec(const char *path)
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void default_profile(void)
{
	pid_t me = getpid();
	int fd[2];
	char buf[4];
	void *p, *ret = NULL;
	pthread_t t;
	pid_t pid;
	int st;

	T_EQ(as_seccomp_install("default"), 0);
	T_EQ(seccomp_mode(), 2);
	T_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);

	/* denied: EPERM, whatever the arguments */
	T_EQ(sys_errno(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_add_key, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_request_key, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_acct, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_mount, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_swapon, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_unshare, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_perf_event_open, 0, 0, -1, -1, 0), EPERM);
	T_EQ(sys_errno(SYS_bpf, -1, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_userfaultfd, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_pkey_alloc, 0, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_personality, READ_IMPLIES_EXEC, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(400, 0, 0, 0, 0, 0), EPERM);
	/* clone with a namespace flag: EPERM (no process is created) */
	T_EQ(sys_errno(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
	T_EQ(sys_errno(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	/* the profile's own errno, and runc's stub above its newest syscall */
	T_EQ(sys_errno(SYS_clone3, 0, 0, 0, 0, 0), ENOSYS);
	T_EQ(sys_errno(450, 0, 0, 0, 0, 0), ENOSYS);
	T_EQ(sys_errno(1000, 0, 0, 0, 0, 0), ENOSYS);

	/* allowed */
	T_EQ(syscall(SYS_getpid), me);
	T_EQ(sys_errno(SYS_personality, 0xffffffffL, 0, 0, 0, 0), 0);
	T_EQ(pipe(fd), 0);
	T_EQ(write(fd[1], "abc", 3), 3);
	T_EQ(read(fd[0], buf, sizeof buf), 3);
	close(fd[0]);
	close(fd[1]);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		memset(p, 1, 1 << 20);
		T_EQ(munmap(p, 1 << 20), 0);
	}
	/* a thread: glibc tries clone3 (ENOSYS) and falls back to clone */
	T_EQ(pthread_create(&t, NULL, thread_fn, buf), 0);
	T_EQ(pthread_join(t, &ret), 0);
	T_CHECK(ret == buf + 1);
	pid = fork();
	if (pid == 0)
		_exit(7);
	T_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	T_EQ(run_exec("/bin/true"), 0);
	T_EQ(run_exec("/bin/false"), 1);
}

static int parent_mode, parent_nnp;

static void unconfined_profile(void)
{
	T_EQ(as_seccomp_install("unconfined"), 0);
	T_EQ(seccomp_mode(), parent_mode);
	T_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), parent_nnp);
	T_EQ(syscall(SYS_getpid), getpid());
	/* reaches the kernel: a bad pointer or size, not a filter's verdict */
	T_CHECK(sys_errno(SYS_clone3, 0, 0, 0, 0, 0) != ENOSYS || parent_mode != 0);
	T_EQ(run_exec("/bin/true"), 0);
}

static void unknown_profile(void)
{
	T_EQ(as_seccomp_install("nope"), EINVAL);
	T_EQ(as_seccomp_install(""), EINVAL);
	T_EQ(as_seccomp_install(NULL), EINVAL);
	T_EQ(as_seccomp_install("Default"), EINVAL);
	/* nothing installed */
	T_EQ(seccomp_mode(), parent_mode);
	T_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), parent_nnp);
}

static void table(void)
{
	const char *d;
	T_STREQ(as_seccomp_profiles[0], "unconfined");
	T_STREQ(as_seccomp_profiles[1], "default");
	T_CHECK(as_seccomp_profiles[2] == NULL);
	T_EQ(as_seccomp_known("default"), 1);
	T_EQ(as_seccomp_known("unconfined"), 1);
	T_EQ(as_seccomp_known("none"), 0);
	T_EQ(as_seccomp_known(""), 0);
	T_EQ(as_seccomp_known(NULL), 0);

	d = as_seccomp_describe("default");
	t_say("describe(default): %s", d);
	T_CHECK(!strncmp(d, "Docker's default profile as in moby v20.10.24 (", 47));
	T_CHECK(strstr(d, " syscalls allowed, 2 of them for some arguments only; clone3 fails "
			  "with ENOSYS, syscalls above the profile's newest (449) fail with "
			  "ENOSYS as runc makes them, others with EPERM), installed with "
			  "libseccomp 2.") != NULL);
	T_CHECK(strtoul(d + 47, NULL, 10) > 250); /* 292 on x86_64, libseccomp 2.5.4 */
	d = as_seccomp_describe("unconfined");
	T_CHECK(strstr(d, "no seccomp filter") != NULL);
	T_STREQ(as_seccomp_describe("x"), "unknown seccomp profile 'x'");
}

/* export writes a program that loads: a whole number of instructions,
 * starting with runc's stub (load the architecture). */
static void export(void)
{
	char path[] = "/tmp/allocswap-seccomp-test-XXXXXX";
	struct sock_filter first;
	int fd = mkstemp(path);
	off_t size;
	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	T_EQ(as_seccomp_export("unconfined", fd), EINVAL);
	T_EQ(as_seccomp_export("nope", fd), EINVAL);
	T_EQ(lseek(fd, 0, SEEK_END), 0);
	T_EQ(as_seccomp_export("default", fd), 0);
	size = lseek(fd, 0, SEEK_END);
	T_CHECK(size > 300 * (off_t)sizeof first && size % (off_t)sizeof first == 0);
	T_EQ(pread(fd, &first, sizeof first, 0), sizeof first);
	T_EQ(first.code, BPF_LD | BPF_W | BPF_ABS);
	T_EQ(first.k, 4); /* offsetof(struct seccomp_data, arch) */
	T_EQ(as_seccomp_export("default", -1), EBADF);
	close(fd);
}

int main(void)
{
	parent_mode = seccomp_mode();
	parent_nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	table();
	export();
	T_EQ(in_child(default_profile, "child with \"default\""), 0);
	T_EQ(in_child(unconfined_profile, "child with \"unconfined\""), 0);
	T_EQ(in_child(unknown_profile, "child with an unknown profile"), 0);
	return t_done();
}
