/* as_tracefs: tracefs mounted and the syscall tracepoints held, for full mode. */
#include "as_tracefs.h"

#include <errno.h>
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
