/* as_seccomp: Docker's default profile as a libseccomp filter, with runc's
 * -ENOSYS stub in front (contract in as_seccomp.h). */
#include "as_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h> /* libseccomp's */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *const as_seccomp_profiles[] = {"unconfined", "default", NULL};

/* ---- the profile: moby v20.10.24, profiles/seccomp/default.json ------------ */

/* One block of the JSON's "syscalls", in its order.  The conditions say when
 * dockerd keeps the block: arches are Go's names (runtime.GOARCH, "amd64"),
 * caps are checked against the container's bounding set. */
struct _as_rule {
	const char *const *names;
	int errno_ret;              /* 0: SCMP_ACT_ALLOW; else SCMP_ACT_ERRNO(errno_ret) */
	int has_arg;                /* one condition on the arguments: */
	unsigned arg;               /*   args[arg] op value (the JSON's index, op, value) */
	enum scmp_compare op;
	uint64_t value;
	const char *arches, *caps;         /* includes: space-separated, all needed */
	const char *not_arches, *not_caps; /* excludes: any one drops the block */
	int min_kernel[2];                 /* includes.minKernel, {0, 0}: none */
};

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PERSONALITY(v) \
	{.names = NAMES("personality"), .has_arg = 1, .arg = 0, .op = SCMP_CMP_EQ, .value = (v)}
/* CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
 * CLONE_NEWNET | CLONE_NEWCGROUP: clone without any of them */
#define CLONE_NS_FLAGS 2114060288u

static const struct _as_rule _as_rules[] = {
	{.names = NAMES(
		"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget",
		"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
		"clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
		"clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
		"close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
		"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
		"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
		"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
		"fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod",
		"fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
		"fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
		"fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
		"ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu",
		"getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
		"geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
		"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
		"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
		"getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname",
		"getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
		"getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
		"inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
		"io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
		"io_setup", "io_submit", "io_uring_enter", "io_uring_register",
		"io_uring_setup", "ipc", "kill", "landlock_add_rule",
		"landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
		"lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
		"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
		"membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat",
		"mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
		"mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
		"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
		"mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
		"munlockall", "munmap", "nanosleep", "newfstatat", "_newselect", "open",
		"openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
		"pipe2", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv",
		"preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
		"pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
		"readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64",
		"recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
		"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
		"rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
		"rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
		"rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
		"sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
		"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
		"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
		"seccomp", "select", "semctl", "semget", "semop", "semtimedop",
		"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
		"sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid",
		"setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
		"setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
		"setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
		"setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
		"setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
		"sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
		"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
		"statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
		"sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
		"timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
		"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
		"timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
		"truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
		"utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
		"waitid", "waitpid", "write", "writev"
	)},
	{.names = NAMES("ptrace"), .min_kernel = {4, 8}},
	PERSONALITY(0),
	PERSONALITY(8),
	PERSONALITY(131072),
	PERSONALITY(131080),
	PERSONALITY(4294967295u),
	{.names = NAMES("sync_file_range2"), .arches = "ppc64le"},
	{.names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
			"cacheflush", "set_tls"),
	 .arches = "arm arm64"},
	{.names = NAMES("arch_prctl"), .arches = "amd64 x32"},
	{.names = NAMES("modify_ldt"), .arches = "amd64 x32 x86"},
	{.names = NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
	 .arches = "s390 s390x"},
	{.names = NAMES("open_by_handle_at"), .caps = "CAP_DAC_READ_SEARCH"},
	{.names = NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
			"fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount",
			"name_to_handle_at", "open_tree", "perf_event_open", "quotactl",
			"quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
			"umount2", "unshare"),
	 .caps = "CAP_SYS_ADMIN"},
	{.names = NAMES("clone"), .has_arg = 1, .arg = 0, .op = SCMP_CMP_MASKED_EQ,
	 .value = CLONE_NS_FLAGS, .not_caps = "CAP_SYS_ADMIN", .not_arches = "s390 s390x"},
	/* "s390 parameter ordering for clone is different" */
	{.names = NAMES("clone"), .has_arg = 1, .arg = 1, .op = SCMP_CMP_MASKED_EQ,
	 .value = CLONE_NS_FLAGS, .arches = "s390 s390x", .not_caps = "CAP_SYS_ADMIN"},
	{.names = NAMES("clone3"), .errno_ret = ENOSYS, .not_caps = "CAP_SYS_ADMIN"},
	{.names = NAMES("reboot"), .caps = "CAP_SYS_BOOT"},
	{.names = NAMES("chroot"), .caps = "CAP_SYS_CHROOT"},
	{.names = NAMES("delete_module", "init_module", "finit_module"), .caps = "CAP_SYS_MODULE"},
	{.names = NAMES("acct"), .caps = "CAP_SYS_PACCT"},
	{.names = NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
			"process_vm_writev", "ptrace"),
	 .caps = "CAP_SYS_PTRACE"},
	{.names = NAMES("iopl", "ioperm"), .caps = "CAP_SYS_RAWIO"},
	{.names = NAMES("settimeofday", "stime", "clock_settime"), .caps = "CAP_SYS_TIME"},
	{.names = NAMES("vhangup"), .caps = "CAP_SYS_TTY_CONFIG"},
	{.names = NAMES("get_mempolicy", "mbind", "set_mempolicy"), .caps = "CAP_SYS_NICE"},
	{.names = NAMES("syslog"), .caps = "CAP_SYSLOG"},
};

/* Docker's default capabilities (moby oci/caps/defaults.go): the bounding
 * set of a container started without --cap-add. */
static const char _as_docker_caps[] =
	"CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID "
	"CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL "
	"CAP_AUDIT_WRITE";

/* The profile's archMap entries for the architectures allocswap runs on:
 * the native one (Go's name for it) and the ones added to the filter. */
struct _as_archmap {
	uint32_t native;
	const char *go;
	uint32_t sub[2];
};
static const struct _as_archmap _as_archmaps[] = {
	{SCMP_ARCH_X86_64, "amd64", {SCMP_ARCH_X86, SCMP_ARCH_X32}},
	{SCMP_ARCH_AARCH64, "arm64", {SCMP_ARCH_ARM, 0}},
};

/* ---- state --------------------------------------------------------------------- */

static struct {
	char describe[512];
} _as_seccomp;

/* ---- which blocks apply ---------------------------------------------------------- */

/* Is word one of the words of the space-separated list? */
static int _as_word_in(const char *list, const char *word, size_t len)
{
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n == len && !strncmp(p, word, len))
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/* How many words of list are in set. */
static size_t _as_words_in(const char *list, const char *set)
{
	const char *p = list;
	size_t hits = 0;
	while (*p) {
		size_t n = strcspn(p, " ");
		hits += _as_word_in(set, p, n);
		p += n;
		p += strspn(p, " ");
	}
	return hits;
}

static size_t _as_nwords(const char *list)
{
	size_t n = 0;
	list += strspn(list, " ");
	while (*list) {
		n++;
		list += strcspn(list, " ");
		list += strspn(list, " ");
	}
	return n;
}

/* dockerd's kernelGreaterEqualThan: the running kernel's major.minor. */
static int _as_kernel_at_least(const int v[2])
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > v[0] || (major == v[0] && minor >= v[1]);
}

/* dockerd's setupSeccomp: does the block apply to a container on arch (Go's
 * name) with Docker's default capabilities? */
static int _as_applies(const struct _as_rule *r, const char *arch)
{
	if (r->not_arches && _as_word_in(r->not_arches, arch, strlen(arch)))
		return 0;
	if (r->not_caps && _as_words_in(r->not_caps, _as_docker_caps))
		return 0;
	if (r->arches && !_as_word_in(r->arches, arch, strlen(arch)))
		return 0;
	if (r->caps && _as_words_in(r->caps, _as_docker_caps) != _as_nwords(r->caps))
		return 0;
	if ((r->min_kernel[0] || r->min_kernel[1]) && !_as_kernel_at_least(r->min_kernel))
		return 0;
	return 1;
}

static const struct _as_archmap *_as_archmap_here(void)
{
	uint32_t native = seccomp_arch_native();
	size_t i;
	for (i = 0; i < sizeof _as_archmaps / sizeof _as_archmaps[0]; i++)
		if (_as_archmaps[i].native == native)
			return &_as_archmaps[i];
	return NULL;
}

/* runc's findLastSyscalls: the largest number a kept block names on arch
 * (0 when none).  On x32 the numbers carry __X32_SYSCALL_BIT. */
static uint32_t _as_last_syscall(const char *goarch, uint32_t arch)
{
	uint32_t last = 0;
	size_t i, j;
	for (i = 0; i < sizeof _as_rules / sizeof _as_rules[0]; i++) {
		if (!_as_applies(&_as_rules[i], goarch))
			continue;
		for (j = 0; _as_rules[i].names[j]; j++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, _as_rules[i].names[j]);
			if (nr > 0 && (uint32_t)nr > last)
				last = (uint32_t)nr;
		}
	}
	return last;
}

/* ---- the filter ------------------------------------------------------------------- */

/* The libseccomp filter dockerd's rules give, as runc 1.1.5 builds it:
 * default ERRNO(EPERM), the archMap's architectures, one rule a name and a
 * block, in the JSON's order, names libseccomp does not know skipped. */
static int _as_build(const struct _as_archmap *am, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	size_t i, j;
	int rc = 0;
	if (!ctx)
		return ENOMEM;
	for (i = 0; i < 2 && am->sub[i]; i++) {
		rc = seccomp_arch_add(ctx, am->sub[i]);
		if (rc == -EEXIST)
			rc = 0;
		if (rc)
			goto out;
	}
	for (i = 0; i < sizeof _as_rules / sizeof _as_rules[0]; i++) {
		const struct _as_rule *r = &_as_rules[i];
		uint32_t act = r->errno_ret ? SCMP_ACT_ERRNO((uint32_t)r->errno_ret)
					    : SCMP_ACT_ALLOW;
		if (!_as_applies(r, am->go))
			continue;
		for (j = 0; r->names[j]; j++) {
			int nr = seccomp_syscall_resolve_name(r->names[j]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			if (r->has_arg)
				rc = seccomp_rule_add(ctx, act, nr, 1,
						      SCMP_CMP(r->arg, r->op, r->value, 0));
			else
				rc = seccomp_rule_add(ctx, act, nr, 0);
			if (rc)
				goto out;
		}
	}
out:
	if (rc) {
		seccomp_release(ctx);
		return -rc;
	}
	*out = ctx;
	return 0;
}

/* The stub's length at most: 3 architectures of 5 instructions and 5 more. */
#define _AS_STUB_MAX 20

/* runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): per architecture, a
 * syscall number above the largest one the profile names returns ENOSYS;
 * anything else falls through to the filter that follows.  Into p (room for
 * _AS_STUB_MAX); returns the count. */
static size_t _as_stub(const struct _as_archmap *am, struct sock_filter *p)
{
	/* the stub's architectures as the kernel names them (x32 is x86_64 with
	 * bit 30 of the number set): {audit arch, last, last on x32} */
	struct {
		uint32_t audit, last, last_x32;
	} a[3];
	size_t na = 0, n = 0, i, jump[3], sec[3], ja, enosys;
	uint32_t arches[3] = {am->native, am->sub[0], am->sub[1]};
	for (i = 0; i < 3; i++) {
		uint32_t last;
		if (!arches[i])
			continue;
		last = _as_last_syscall(am->go, arches[i]);
		if (!last)
			continue;
		if (arches[i] == SCMP_ARCH_X32) {
			size_t k;
			for (k = 0; k < na && a[k].audit != AUDIT_ARCH_X86_64; k++)
				;
			if (k == na) {
				a[na].audit = AUDIT_ARCH_X86_64;
				a[na++].last = 0;
			}
			a[k].last_x32 = last;
			continue;
		}
		a[na].audit = arches[i];
		a[na].last = last;
		a[na++].last_x32 = 0;
	}
	/* layout: ld arch; jeq per arch; ja filter; sections; ret ENOSYS */
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	for (i = 0; i < na; i++)
		jump[i] = n++;
	ja = n++;
	for (i = 0; i < na; i++) {
		sec[i] = n;
		n += a[i].audit == AUDIT_ARCH_X86_64 ? 5 : 3;
	}
	enosys = n++;
#define REL(from, to) ((to) - (from)-1)
	for (i = 0; i < na; i++)
		p[jump[i]] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[i].audit,
							  (uint8_t)REL(jump[i], sec[i]), 0);
	p[ja] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)REL(ja, n));
	for (i = 0; i < na; i++) {
		size_t s = sec[i];
		p[s] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, nr));
		if (a[i].audit == AUDIT_ARCH_X86_64) {
			/* jset bit 30 -> x32; jgt last -> ENOSYS, else ja filter;
			 * x32: jgt last_x32 -> ENOSYS; ja filter.  A mode the
			 * rules name nothing of goes straight to the filter. */
			struct sock_filter to_filter3 = BPF_STMT(BPF_JMP | BPF_JA,
								 (uint32_t)REL(s + 2, n));
			struct sock_filter to_filter2 = BPF_STMT(BPF_JMP | BPF_JA,
								 (uint32_t)REL(s + 3, n));
			struct sock_filter x64 = BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[i].last,
							  (uint8_t)REL(s + 2, enosys), 1);
			struct sock_filter x32 = BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[i].last_x32,
							  (uint8_t)REL(s + 3, enosys), 0);
			p[s + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
								0x40000000u, 1, 0);
			p[s + 2] = a[i].last ? x64 : to_filter3;
			p[s + 3] = a[i].last_x32 ? x32 : to_filter2;
			p[s + 4] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA,
								(uint32_t)REL(s + 4, n));
		} else {
			p[s + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
								a[i].last,
								(uint8_t)REL(s + 1, enosys), 0);
			p[s + 2] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA,
								(uint32_t)REL(s + 2, n));
		}
	}
#undef REL
	p[enosys] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	return n;
}

/* "default" as one cBPF program: runc's stub, then libseccomp's.  *out is
 * malloc'd, *n instructions.  0 or errno. */
static int _as_program(struct sock_filter **out, size_t *n)
{
	const struct _as_archmap *am = _as_archmap_here();
	scmp_filter_ctx ctx = NULL;
	struct sock_filter *prog = NULL;
	size_t nstub, nbpf;
	off_t size;
	int fd = -1, rc;
	if (!am)
		return ENOTSUP;
	rc = _as_build(am, &ctx);
	if (rc)
		return rc;
	/* libseccomp 2.5 exports to a file descriptor only */
	fd = memfd_create("allocswap-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		rc = errno;
		goto out;
	}
	rc = -seccomp_export_bpf(ctx, fd);
	if (rc)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof *prog) {
		rc = size < 0 ? errno : EINVAL;
		goto out;
	}
	nbpf = (size_t)size / sizeof *prog;
	prog = malloc((_AS_STUB_MAX + nbpf) * sizeof *prog);
	if (!prog) {
		rc = ENOMEM;
		goto out;
	}
	nstub = _as_stub(am, prog);
	if (pread(fd, prog + nstub, (size_t)size, 0) != size) {
		rc = errno ? errno : EIO;
		goto out;
	}
	if (nstub + nbpf > BPF_MAXINSNS) {
		rc = E2BIG;
		goto out;
	}
	*out = prog;
	*n = nstub + nbpf;
	prog = NULL;
out:
	free(prog);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

static int _as_install_default(void)
{
	struct sock_filter *prog;
	struct sock_fprog fprog;
	size_t n;
	int rc = _as_program(&prog, &n);
	if (rc)
		return rc;
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0))
		rc = errno;
	free(prog);
	return rc;
}

static int _as_export_default(int fd)
{
	struct sock_filter *prog;
	const char *p;
	size_t n, left;
	int rc = _as_program(&prog, &n);
	if (rc)
		return rc;
	p = (const char *)prog;
	left = n * sizeof *prog;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? errno : EIO;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	free(prog);
	return rc;
}

/* ---- the interface ------------------------------------------------------------------ */

static int _as_profile(const char *name)
{
	int i;
	for (i = 0; name && as_seccomp_profiles[i]; i++)
		if (!strcmp(name, as_seccomp_profiles[i]))
			return i;
	return -1;
}

int as_seccomp_known(const char *name)
{
	return _as_profile(name) >= 0;
}

int as_seccomp_install(const char *profile)
{
	switch (_as_profile(profile)) {
	case 0:
		return 0;
	case 1:
		return _as_install_default();
	default:
		return EINVAL;
	}
}

int as_seccomp_export(const char *profile, int fd)
{
	return _as_profile(profile) == 1 ? _as_export_default(fd) : EINVAL;
}

/* What "default" allows on this architecture: syscalls, those allowed for
 * some arguments only, and the blocks that set an errno of their own. */
static const char *_as_describe_default(void)
{
	const struct _as_archmap *am = _as_archmap_here();
	const struct scmp_version *v = seccomp_version();
	unsigned char any[1024] = {0}, always[1024] = {0};
	char errnos[160] = "";
	size_t i, j, len = 0;
	unsigned nany = 0, ncond = 0;
	if (!am) {
		snprintf(_as_seccomp.describe, sizeof _as_seccomp.describe,
			 "Docker's default profile as in moby " ALLOCSWAP_SECCOMP_MOBY
			 ": not available here (libseccomp architecture 0x%x has no archMap entry "
			 "in allocswap's table)",
			 seccomp_arch_native());
		return _as_seccomp.describe;
	}
	for (i = 0; i < sizeof _as_rules / sizeof _as_rules[0]; i++) {
		const struct _as_rule *r = &_as_rules[i];
		if (!_as_applies(r, am->go))
			continue;
		for (j = 0; r->names[j]; j++) {
			int nr = seccomp_syscall_resolve_name(r->names[j]);
			if (nr < 0 || nr >= 1024)
				continue;
			if (r->errno_ret) {
				int n = snprintf(errnos + len, sizeof errnos - len,
						 "%s fails with %s, ", r->names[j],
						 strerrorname_np(r->errno_ret));
				if (n > 0 && (size_t)n < sizeof errnos - len)
					len += (size_t)n;
				continue;
			}
			any[nr] = 1;
			if (!r->has_arg)
				always[nr] = 1;
		}
	}
	for (i = 0; i < 1024; i++) {
		nany += any[i];
		ncond += any[i] && !always[i];
	}
	snprintf(_as_seccomp.describe, sizeof _as_seccomp.describe,
		 "Docker's default profile as in moby " ALLOCSWAP_SECCOMP_MOBY
		 " (%u syscalls allowed, %u of them for some arguments only; %ssyscalls above "
		 "the profile's newest (%u) fail with ENOSYS as runc makes them, others with "
		 "EPERM), installed with libseccomp %u.%u.%u",
		 nany, ncond, errnos, _as_last_syscall(am->go, am->native), v->major, v->minor,
		 v->micro);
	return _as_seccomp.describe;
}

const char *as_seccomp_describe(const char *profile)
{
	switch (_as_profile(profile)) {
	case 0:
		return "no seccomp filter of allocswap's own (the process keeps any filter it "
		       "inherits), as Docker's --security-opt seccomp=unconfined";
	case 1:
		return _as_describe_default();
	default:
		snprintf(_as_seccomp.describe, sizeof _as_seccomp.describe,
			 "unknown seccomp profile '%.64s'", profile ? profile : "(null)");
		return _as_seccomp.describe;
	}
}
