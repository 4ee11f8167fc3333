/* probe: tries system calls and prints what each gave, one line each:
 *
 *   probe [--install PROFILE]
 *
 * "ABI NAME=RESULT", where ABI is x86_64, x32 or i386 (int 0x80), NAME is
 * libseccomp's name for the number (nrN when it has none, or a label for a
 * probe with chosen arguments), and RESULT is ok, an errno name (EPERM), or
 * how the process ended (exit 255, signal SIGSEGV).  Each syscall runs in
 * a child of its own, under a 300 ms timer; the arguments are -1 unless the
 * table says otherwise, so that allowed calls fail the same way for root on
 * the host and in a container (EBADF, EFAULT, EINVAL...) and change nothing.
 * A filter's verdict shows as EPERM or ENOSYS.
 *
 * --install installs the profile with as_seccomp_install first (for the run
 * under allocswap's filter); without it the probe runs under whatever filter
 * it inherited (a container's).  Linked statically, so that it runs in an
 * image holding nothing but itself.  x86_64 only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h> /* libseccomp's */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_seccomp.h"

#ifndef __x86_64__
#error "probe: x86_64 only"
#endif

#define NR_SCAN 520           /* x86_64 numbers 0..NR_SCAN-1 */
#define X32 0x40000000L
#define M1 (-1L)

enum abi { ABI_64, ABI_X32, ABI_I386 };
static const char *const abi_names[] = {"x86_64", "x32", "i386"};

struct probe {
	enum abi abi;
	long nr;
	const char *label; /* NULL: libseccomp's name */
	long a[6];
	int forks;         /* may create a process: the new one exits at once */
};

#define ALL_M1 {M1, M1, M1, M1, M1, M1}

/* Numbers whose -1 arguments would differ between the host and a container,
 * or change something outside the child. */
static const struct probe overrides[] = {
	/* kill(-1, -1) tries every process: EINVAL on the host, ESRCH in a
	 * container alone */
	{ABI_64, 62, NULL, {0x3fffffff, 0, 0, 0, 0, 0}, 0},
	/* msgget(-1, -1) would create a queue */
	{ABI_64, 68, NULL, {0x414c5357, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 56, NULL, ALL_M1, 1},  /* clone */
	{ABI_64, 57, NULL, ALL_M1, 1},  /* fork */
	{ABI_64, 58, NULL, ALL_M1, 1},  /* vfork */
	{ABI_64, 435, NULL, ALL_M1, 1}, /* clone3 */
};

static const char slash[] = "/";

/* Probes with arguments of their own: the profile's argument rules, and
 * calls that must work (or fail) for a reason. */
static const struct probe extras[] = {
	{ABI_64, 135, "personality(0)", {0, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(PER_LINUX32)", {8, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(UNAME26)", {0x20000, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(UNAME26|PER_LINUX32)", {0x20008, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(0xffffffff)", {0xffffffffL, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(READ_IMPLIES_EXEC)", {0x0400000, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 135, "personality(ADDR_NO_RANDOMIZE)", {0x0040000, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 56, "clone(SIGCHLD)", {SIGCHLD, 0, 0, 0, 0, 0}, 1},
	{ABI_64, 56, "clone(CLONE_NEWUSER|SIGCHLD)", {CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0}, 1},
	{ABI_64, 56, "clone(CLONE_NEWNET|SIGCHLD)", {CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0, 0}, 1},
	{ABI_64, 56, "clone(CLONE_NEWNS|SIGCHLD)", {CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0, 0}, 1},
	{ABI_64, 435, "clone3(NULL, 0)", {0, 0, 0, 0, 0, 0}, 1},
	{ABI_64, 272, "unshare(CLONE_NEWUSER)", {CLONE_NEWUSER, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 272, "unshare(0)", {0, 0, 0, 0, 0, 0}, 0},
	{ABI_64, 41, "socket(AF_VSOCK, SOCK_STREAM)", {40, SOCK_STREAM, 0, 0, 0, 0}, 0},
	{ABI_64, 41, "socket(AF_UNIX, SOCK_STREAM)", {AF_UNIX, SOCK_STREAM, 0, 0, 0, 0}, 0},
	{ABI_64, 161, "chroot(\"/\")", {0, 0, 0, 0, 0, 0}, 0}, /* a0 set to slash */
	{ABI_64, 1000, NULL, ALL_M1, 0},
	{ABI_64, 0x3fffffffL, NULL, ALL_M1, 0},
	{ABI_64, 0x7fffffffL, NULL, ALL_M1, 0},
	{ABI_64, 0xffffffffL, NULL, ALL_M1, 0},
	/* x32 (bit 30): the filter judges them even where the kernel has no x32 */
	{ABI_X32, 0, NULL, ALL_M1, 0},
	{ABI_X32, 39, NULL, ALL_M1, 0},
	{ABI_X32, 250, NULL, ALL_M1, 0},
	{ABI_X32, 435, NULL, ALL_M1, 0},
	{ABI_X32, 449, NULL, ALL_M1, 0},
	{ABI_X32, 450, NULL, ALL_M1, 0},
	{ABI_X32, 512, NULL, ALL_M1, 0},
	{ABI_X32, 547, NULL, ALL_M1, 0},
	{ABI_X32, 548, NULL, ALL_M1, 0},
	/* i386 through int 0x80 (32-bit arguments) */
	{ABI_I386, 20, NULL, ALL_M1, 0},
	{ABI_I386, 102, NULL, ALL_M1, 0},
	{ABI_I386, 136, NULL, ALL_M1, 0},
	{ABI_I386, 137, NULL, ALL_M1, 0},
	{ABI_I386, 212, NULL, ALL_M1, 0},
	{ABI_I386, 288, NULL, ALL_M1, 0},
	{ABI_I386, 435, NULL, ALL_M1, 0},
	{ABI_I386, 449, NULL, ALL_M1, 0},
	{ABI_I386, 450, NULL, ALL_M1, 0},
	{ABI_I386, 1000, NULL, ALL_M1, 0},
};

/* The syscall itself, with nothing on the stack between it and the exit of
 * a process it creates (a vfork child shares this stack). */
static inline __attribute__((always_inline)) long call64(long nr, const long *a, int forks)
{
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	long ret;
	if (forks)
		__asm__ volatile("syscall\n\t"
				 "test %%rax, %%rax\n\t"
				 "jnz 1f\n\t"
				 "mov $231, %%eax\n\t"
				 "xor %%edi, %%edi\n\t"
				 "syscall\n"
				 "1:"
				 : "=a"(ret)
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
				   "r"(r9)
				 : "rcx", "r11", "memory", "cc");
	else
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8),
				   "r"(r9)
				 : "rcx", "r11", "memory", "cc");
	return ret;
}

static long call32(long nr, const long *a)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret;
}

static void child(const struct probe *p, int wfd)
{
	struct itimerval it = {{0, 0}, {0, 300000}};
	long a[6], r;
	int e;
	memcpy(a, p->a, sizeof a);
	if (p->label && !strncmp(p->label, "chroot", 6))
		a[0] = (long)slash;
	setitimer(ITIMER_REAL, &it, NULL);
	if (p->abi == ABI_I386)
		r = call32(p->nr, a);
	else if (p->forks)
		r = call64(p->abi == ABI_X32 ? p->nr | X32 : p->nr, a, 1);
	else
		r = call64(p->abi == ABI_X32 ? p->nr | X32 : p->nr, a, 0);
	e = r < 0 && r >= -4095 ? (int)-r : 0;
	if (write(wfd, &e, sizeof e) != sizeof e)
		_exit(100);
	_exit(0);
}

static int run(const struct probe *p)
{
	static const unsigned arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_X86};
	char name[96], res[64];
	int fd[2], e, st;
	ssize_t n;
	pid_t pid;
	if (p->label) {
		snprintf(name, sizeof name, "%s", p->label);
	} else {
		int nr = (int)(p->abi == ABI_X32 ? p->nr | X32 : p->nr);
		char *s = seccomp_syscall_resolve_num_arch(arches[p->abi], nr);
		if (s)
			snprintf(name, sizeof name, "%s", s);
		else
			snprintf(name, sizeof name, "nr%ld", p->nr);
		free(s);
	}
	if (pipe2(fd, O_CLOEXEC))
		return errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		close(fd[0]);
		child(p, fd[1]);
	}
	close(fd[1]);
	n = read(fd[0], &e, sizeof e);
	close(fd[0]);
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	if (n == sizeof e && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		snprintf(res, sizeof res, "%s", e ? strerrorname_np(e) : "ok");
	else if (WIFSIGNALED(st))
		snprintf(res, sizeof res, "signal SIG%s", sigabbrev_np(WTERMSIG(st)));
	else
		snprintf(res, sizeof res, "exit %d", WEXITSTATUS(st));
	printf("%s %s=%s\n", abi_names[p->abi], name, res);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i, j;
	int rc;
	if (argc == 3 && !strcmp(argv[1], "--install")) {
		rc = as_seccomp_install(argv[2]);
		if (rc) {
			fprintf(stderr, "probe: installing '%s': %s\n", argv[2], strerror(rc));
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: probe [--install PROFILE]\n");
		return 2;
	}
	for (i = 0; i < NR_SCAN; i++) {
		struct probe p = {ABI_64, (long)i, NULL, ALL_M1, 0};
		for (j = 0; j < sizeof overrides / sizeof overrides[0]; j++)
			if (overrides[j].nr == (long)i)
				p = overrides[j];
		if ((rc = run(&p)))
			goto fail;
	}
	for (i = 0; i < sizeof extras / sizeof extras[0]; i++)
		if ((rc = run(&extras[i])))
			goto fail;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	rc = errno;
fail:
	fprintf(stderr, "probe: %s\n", strerror(rc));
	return 1;
}
