/* perf_env: runs a command where perf events can or cannot count.
 *
 *   perf_env [--tracefs mount|hide|unmount] [--deny SYSCALL]... -- CMD [ARGS...]
 *
 * --tracefs: in a mount namespace of its own (private, so nothing leaks to
 * the host or to tests running beside it), whatever the host has mounted
 * at /sys/kernel/tracing and /sys/kernel/debug:
 *   mount    tracefs at /sys/kernel/tracing (where the host has it mounted
 *            already, that mount is detached here first: mounting tracefs
 *            on itself fails with EBUSY);
 *   hide     an empty read-only tmpfs over /sys/kernel/tracing and
 *            /sys/kernel/debug: nothing can be read or mounted there;
 *   unmount  tracefs and debugfs detached, as on a freshly booted machine:
 *            CMD finds neither mounted but may mount them (in this namespace).
 * --deny SYSCALL (perf_event_open or process_vm_readv): installs a seccomp
 * filter that makes it fail with EPERM, as Docker's default profile does
 * for perf_event_open (no_new_privs, plain BPF, no libseccomp).  All are
 * inherited by CMD and everything it starts.
 *
 * Exits 77 (skip) when it cannot set this up (not root, no tracefs in the
 * kernel, seccomp unavailable), otherwise execs CMD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int skip(const char *what)
{
	fprintf(stderr, "perf_env: skipped: %s: %s\n", what, strerror(errno));
	return 77;
}

static int deny(const char *name)
{
	static const struct {
		const char *name;
		unsigned nr;
	} calls[] = {{"perf_event_open", SYS_perf_event_open}, {"process_vm_readv", SYS_process_vm_readv}};
	unsigned nr = ~0u;
	size_t i;
	for (i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (!strcmp(name, calls[i].name))
			nr = calls[i].nr;
	if (nr == ~0u) {
		fprintf(stderr, "perf_env: --deny takes perf_event_open or process_vm_readv, not '%s'\n",
			name);
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return skip("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return skip("prctl(PR_SET_SECCOMP)");
	return 0;
}

/* Detaches whatever is mounted at path in this namespace (all of the
 * stack); nothing mounted there is fine. */
static int detach(const char *path)
{
	while (umount2(path, MNT_DETACH) == 0)
		;
	char what[128];
	if (errno == EINVAL || errno == ENOENT)
		return 0;
	snprintf(what, sizeof what, "detaching what is mounted at %s", path);
	return skip(what);
}

static int tracefs(const char *how)
{
	if (unshare(CLONE_NEWNS))
		return skip("unshare(CLONE_NEWNS) (needs root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return skip("making / private");
	if (!strcmp(how, "mount")) {
		if (detach("/sys/kernel/tracing"))
			return 77;
		if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
			return skip("mount -t tracefs nodev /sys/kernel/tracing");
		return 0;
	}
	if (!strcmp(how, "unmount")) {
		if (detach("/sys/kernel/tracing") || detach("/sys/kernel/debug"))
			return 77;
		return 0;
	}
	if (!strcmp(how, "hide")) {
		if (mount("none", "/sys/kernel/tracing", "tmpfs", MS_RDONLY, "size=4k"))
			return skip("tmpfs over /sys/kernel/tracing");
		if (access("/sys/kernel/debug", F_OK) == 0 &&
		    mount("none", "/sys/kernel/debug", "tmpfs", MS_RDONLY, "size=4k"))
			return skip("tmpfs over /sys/kernel/debug");
		return 0;
	}
	fprintf(stderr, "perf_env: --tracefs takes mount, hide or unmount, not '%s'\n", how);
	return 2;
}

int main(int argc, char **argv)
{
	int i, rc;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tracefs") && i + 1 < argc) {
			if ((rc = tracefs(argv[++i])))
				return rc;
		} else if (!strcmp(argv[i], "--deny") && i + 1 < argc) {
			if ((rc = deny(argv[++i])))
				return rc;
		} else if (!strcmp(argv[i], "--") && i + 1 < argc) {
			execvp(argv[i + 1], argv + i + 1);
			fprintf(stderr, "perf_env: cannot run %s: %s\n", argv[i + 1], strerror(errno));
			return 2;
		} else {
			fprintf(stderr,
				"usage: perf_env [--tracefs mount|hide|unmount] [--deny SYSCALL]... -- CMD "
				"[ARGS...]\n");
			return 2;
		}
	}
	fprintf(stderr, "perf_env: no command\n");
	return 2;
}
