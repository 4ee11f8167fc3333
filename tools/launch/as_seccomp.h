/* as_seccomp: the seccomp axis's filters, installed by allocswap itself.
 *
 * So that the cost of Docker's default seccomp profile can be measured
 * without an engine, allocswap installs the same filter in the child between
 * fork and exec.  "default" mirrors moby v20.10.24's
 * profiles/seccomp/default.json (the version of Debian 12's docker.io,
 * 20.10.24+dfsg1, which compiles the profile into dockerd and ships no JSON;
 * /usr/share/containers/seccomp.json is podman's, a different profile), as
 * dockerd and runc 1.1.5 turn it into a filter for a container without extra
 * capabilities:
 *   - the rules that apply on this architecture with Docker's default
 *     capability set (CAP_CHOWN ... CAP_AUDIT_WRITE: chroot is allowed, the
 *     CAP_SYS_ADMIN group is not), ptrace's minKernel 4.8 checked with uname;
 *   - the arg-conditional ones: personality(0, 8, 0x20000, 0x20008,
 *     0xffffffff) and clone without namespace flags
 *     (flags & 0x7e020000 == 0);
 *   - clone3 fails with ENOSYS (errnoRet 38), everything else with EPERM;
 *   - the architectures of the profile's archMap entry for this one (on
 *     x86_64: x86 and x32 too), names resolved with libseccomp and skipped
 *     when it does not know them (as runc does);
 *   - runc's -ENOSYS stub in front of libseccomp's program: a syscall number
 *     above the largest the profile names on an architecture (449,
 *     futex_waitv, on x86_64 with libseccomp 2.5.4) fails with ENOSYS, not
 *     EPERM, so that libcs fall back from syscalls newer than the profile.
 * It differs from a container in one way: it sets no_new_privs (needed to
 * install a filter without CAP_SYS_ADMIN); runc sets it only with
 * --security-opt no-new-privileges (the kernel's own answers change:
 * landlock_restrict_self gets EPERM in a container without it).
 * Capabilities, namespaces and the environment are the caller's; only the
 * filter is Docker's.
 * tests/cli/seccomp/ checks it against a real dockerd, syscall by syscall.
 *
 * To refresh it for another moby version: in a clone of github.com/moby/moby,
 *   git show vX.Y.Z:profiles/seccomp/default.json
 * and bring the rule table in as_seccomp.c (_as_rules, one entry per JSON
 * block, in the JSON's order) and ALLOCSWAP_SECCOMP_MOBY in line with it; check
 * oci/caps/defaults.go for the default capabilities and the runc version the
 * engine uses for the stub; then run the tests (meson test -C build cli_seccomp
 * seccomp_docker: the second compares with the engine, syscall by syscall).
 *
 * This module allocates (libseccomp does): call as_seccomp_install in a child
 * of a process with no other threads, between fork and exec.
 */
#ifndef ALLOCSWAP_SECCOMP_H
#define ALLOCSWAP_SECCOMP_H

/* The moby release whose default profile "default" mirrors. */
#define ALLOCSWAP_SECCOMP_MOBY "v20.10.24"

/* The profiles, one table, NULL-terminated names: "unconfined" (no filter)
 * and "default" (Docker's default profile). */
extern const char *const as_seccomp_profiles[];

/* 1 if name is one of them. */
int as_seccomp_known(const char *name);

/* Installs profile's filter in the calling process (call it in a child
 * between fork and exec; it sets no_new_privs).  "unconfined" installs
 * nothing.  0 or an errno value: EINVAL for an unknown profile, ENOTSUP on
 * an architecture the profile has no archMap entry for, else what
 * libseccomp or the kernel said.  Changes nothing but the calling process's
 * filter and no_new_privs (no file, no shared state). */
int as_seccomp_install(const char *profile);

/* Writes profile's filter to fd as a cBPF program (struct sock_filter[],
 * host byte order: what bwrap --seccomp FD and PR_SET_SECCOMP take), at the
 * fd's offset; the same program as_seccomp_install loads.  0 or an errno
 * value; "unconfined" has no program: EINVAL, as for an unknown name. */
int as_seccomp_export(const char *profile, int fd);

/* One line for reports: what the profile is, e.g. "Docker's default profile
 * as in moby v20.10.24 (N syscalls allowed, ...), installed with libseccomp
 * 2.5.4".  A static buffer, valid until the next call; "unknown seccomp
 * profile 'x'" for a name that is not one. */
const char *as_seccomp_describe(const char *profile);

#endif
