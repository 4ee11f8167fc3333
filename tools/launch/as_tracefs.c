/* as_tracefs: tracefs mounted and the syscall tracepoints held, for full mode. */
#include "as_tracefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "as_perf.h"
#include "cli.h"

#define TRACEFS_MAGIC 0x74726163 /* linux/magic.h */

/* where libswap reads the ids (as_perf.c), in its order */
static const char *const tracefs_dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};

static struct {
	int mounted_asked, ready_asked;
	struct as_tracefs t;
} S;

static int is_tracefs(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == TRACEFS_MAGIC;
}

static int kernel_has_tracefs(void)
{
	char *fs = as_read_all("/proc/filesystems", NULL);
	int yes = !fs || strstr(fs, "\ttracefs\n") != NULL; /* unreadable: try */
	free(fs);
	return yes;
}

const struct as_tracefs *as_tracefs_mount(void)
{
	struct as_tracefs *t = &S.t;
	const char *at = "/sys/kernel/tracing", *type = "tracefs";
	size_t i;
	int e;

	if (S.mounted_asked)
		return t;
	S.mounted_asked = 1;
	for (i = 0; i < sizeof tracefs_dirs / sizeof tracefs_dirs[0]; i++)
		if (is_tracefs(tracefs_dirs[i])) {
			t->state = AS_TRACEFS_WAS_MOUNTED;
			snprintf(t->path, sizeof t->path, "%s", tracefs_dirs[i]);
			return t;
		}
	if (!kernel_has_tracefs()) {
		t->state = AS_TRACEFS_NONE;
		snprintf(t->why, sizeof t->why,
			 "this kernel has no tracefs (/proc/filesystems does not list it)");
		return t;
	}
	/* perf's order: tracefs at its own mount point; a kernel older than
	 * 4.1 has none, and its tracing directory is in debugfs */
	if (access(at, F_OK) && access("/sys/kernel/debug", F_OK) == 0) {
		at = "/sys/kernel/debug";
		type = "debugfs";
	}
	if (mount("nodev", at, type, 0, NULL) == 0 &&
	    is_tracefs(strcmp(type, "tracefs") ? tracefs_dirs[1] : tracefs_dirs[0])) {
		t->state = AS_TRACEFS_MOUNTED_NOW;
		snprintf(t->path, sizeof t->path, "%s",
			 strcmp(type, "tracefs") ? tracefs_dirs[1] : tracefs_dirs[0]);
		as_err("mounted %s at %s (perf needs it for syscall counts)", type, at);
		return t;
	}
	e = errno;
	t->state = AS_TRACEFS_NOT_MOUNTED;
	t->todo = "as root: mount -t tracefs nodev /sys/kernel/tracing (or run allocswap as "
		  "root: run, bench and doctor mount it themselves, as perf does)";
	if (e == EPERM || e == EACCES)
		snprintf(t->why, sizeof t->why,
			 "not mounted, and this process may not mount it (mount -t %s nodev %s: "
			 "%s; it needs root or CAP_SYS_ADMIN)",
			 type, at, strerrorname_np(e) ? strerrorname_np(e) : "?");
	else
		snprintf(t->why, sizeof t->why, "not mounted, and mount -t %s nodev %s failed: %s (%s)",
			 type, at, strerror(e), strerrorname_np(e) ? strerrorname_np(e) : "?");
	return t;
}

/* In a child: every descriptor closed but the perf events and keep. */
static void keep_only_events(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd = d ? dirfd(d) : -1;
	while (d && (e = readdir(d))) {
		char link[64], what[64];
		ssize_t n;
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == keep || fd == dfd)
			continue;
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, what, sizeof what - 1);
		if (n > 0 && (what[n] = 0, !strcmp(what, "anon_inode:[perf_event]")))
			continue;
		close(fd);
	}
	if (d)
		closedir(d);
	else
		for (int fd = 0; fd < 3; fd++)
			if (fd != keep)
				close(fd); /* no /proc: at least the terminal and pipes go */
}

/* At exit the last users of the tracepoints' events make the kernel
 * unregister them, about 0.2 s before this process's exit completes (and
 * its parent, a shell, gets its status).  A child that keeps the events
 * and nothing else (no terminal, no pipe a caller reads to its end) waits
 * for this process to be gone, then exits in its place, detached: the
 * command returns without the wait.  If the child cannot be made, this
 * process pays it as before. */
static void hand_off(void)
{
	int p[2];
	pid_t pid;
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		char c;
		close(p[1]);
		keep_only_events(p[0]);
		setsid();
		/* end of file: every copy of p[1] is gone, the parent with it */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]); /* p[1] goes with this process */
}

const struct as_tracefs *as_tracefs_ready(void)
{
	struct as_tracefs *t = (struct as_tracefs *)as_tracefs_mount();
	const char *why = NULL;

	if (S.ready_asked)
		return t;
	S.ready_asked = 1;
	if (t->state != AS_TRACEFS_WAS_MOUNTED && t->state != AS_TRACEFS_MOUNTED_NOW) {
		snprintf(t->hold_why, sizeof t->hold_why, "tracefs %s", t->why);
		return t;
	}
	t->held = _as_perf_hold_tracepoints(&why) == 0;
	if (!t->held)
		snprintf(t->hold_why, sizeof t->hold_why, "%s", why ? why : "?");
	else
		atexit(hand_off);
	return t;
}

void as_tracefs_ready_for(char *const *stats_modes)
{
	size_t i;
	for (i = 0; stats_modes && stats_modes[i]; i++)
		if (!strcmp(stats_modes[i], "full")) {
			as_tracefs_ready();
			return;
		}
}

const char *as_tracefs_for_image(const char *root)
{
	char dir[4096];
	if (!is_tracefs(tracefs_dirs[0]))
		return NULL;
	snprintf(dir, sizeof dir, "%s/sys", root);
	return access(dir, F_OK) ? NULL : tracefs_dirs[0];
}
