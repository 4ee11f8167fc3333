/* launch_image: the runners' side of the launcher (launch.h): whether a
 * runner can start processes here, images resolved and asked about, and
 * whether libswap fits an image.  launch.c starts the processes. */
#include "launch.h"
#include "launch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "images.h"

const struct as_runner_info as_runners[] = {
	[AS_RUNNER_HOST] = {"host", 0, "this machine, as it is"},
	[AS_RUNNER_ROOTFS] = {"rootfs", 0,
			      "a root filesystem directory (allocswap image), with bwrap or chroot"},
	[AS_RUNNER_DOCKER] = {"docker", 1, "a Docker engine, any image it has (docker run)"},
	[AS_RUNNER_PODMAN] = {"podman", 1, "podman, any image it has (podman run)"},
};
const size_t as_nrunners = sizeof as_runners / sizeof as_runners[0];

/* ---- runners ---------------------------------------------------------------------- */

int as_runner_find(const char *name)
{
	size_t i;
	for (i = 0; i < as_nrunners; i++)
		if (!strcmp(as_runners[i].name, name))
			return (int)i;
	return -1;
}

/* (launch_int.h) */
int _as_launch_capture(char *const argv[], char *buf, size_t cap, int both)
{
	int p[2], status = -1;
	size_t n = 0;
	pid_t pid;
	buf[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(p[1], 1);
		dup2(both ? p[1] : nul, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t k = read(p[0], buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == cap - 1) { /* the rest is drained, not kept */
			char sink[512];
			while (read(p[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	close(p[0]);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int as_runner_usable(int r, char *why, size_t cap)
{
	char path[PATH_MAX], out[1024];
	why[0] = 0;
	switch (r) {
	case AS_RUNNER_HOST:
		return 1;
	case AS_RUNNER_ROOTFS:
		if (!as_find_program("bwrap", path, sizeof path) || geteuid() == 0)
			return 1;
		snprintf(why, cap, "needs bwrap (Debian: bubblewrap), or root for chroot");
		return 0;
	case AS_RUNNER_DOCKER:
	case AS_RUNNER_PODMAN: {
		const char *eng = as_runners[r].name;
		char *argv[] = {(char *)eng, "version", "--format", "{{.Server.Version}}", NULL};
		if (r == AS_RUNNER_PODMAN)
			argv[3] = "{{.Version}}";
		if (as_find_program(eng, path, sizeof path)) {
			snprintf(why, cap, "no %s program (Debian: %s)", eng,
				 r == AS_RUNNER_DOCKER ? "docker.io" : "podman");
			return 0;
		}
		if (_as_launch_capture(argv, out, sizeof out, 1) != 0) {
			char *nl = strrchr(out, '\n');
			snprintf(why, cap, "%s does not answer: %.300s", eng,
				 nl ? nl + 1 : out[0] ? out : "no output");
			return 0;
		}
		return 1;
	}
	}
	snprintf(why, cap, "no such runner");
	return 0;
}

/* ---- images ------------------------------------------------------------------------ */

/* What the probe prints: libc, its version, python3's path and version. */
static const char probe_py[] =
	"import glob, platform, subprocess, sys\n"
	"libc, ver = platform.libc_ver()\n"
	"musl = glob.glob('/lib/ld-musl-*.so.1')\n"
	"if musl and libc != 'glibc':\n"
	"    p = subprocess.run([musl[0]], stderr=subprocess.PIPE, text=True)\n"
	"    libc, ver = 'musl', ''\n"
	"    for line in p.stderr.splitlines():\n"
	"        if line.startswith('Version '):\n"
	"            ver = line[8:].strip()\n"
	"print(libc or '?', ver or '?', sys.executable, platform.python_version())\n";

int as_launch_image_probe(int runner, const char *ref, struct as_launch_image *img, char *why,
			  size_t cap)
{
	char out[4096], libc[16], ver[32], py[1024], pyv[32];
	char *argv[] = {(char *)as_runners[runner].name, "run", "--rm", "--network", "none",
			"--entrypoint", "python3", (char *)ref, "-c", (char *)probe_py, NULL};
	int rc;
	memset(img, 0, sizeof *img);
	img->runner = runner;
	snprintf(img->name, sizeof img->name, "%s:%s", as_runners[runner].name, ref);
	snprintf(img->ref, sizeof img->ref, "%s", ref);
	rc = _as_launch_capture(argv, out, sizeof out, 1);
	if (rc != 0 || sscanf(out, "%15s %31s %1023s %31s", libc, ver, py, pyv) != 4) {
		char *nl = strrchr(out, '\n');
		snprintf(why, cap, "cannot ask %s image %s for its libc and python3 (%s run "
				   "--entrypoint python3 failed: %.300s)",
			 as_runners[runner].name, ref, as_runners[runner].name,
			 nl ? nl + 1 : out[0] ? out : "no output");
		return ENOENT;
	}
	if (strcmp(libc, "glibc") && strcmp(libc, "musl")) {
		snprintf(why, cap, "%s image %s: its libc is neither glibc nor musl (%s)",
			 as_runners[runner].name, ref, libc);
		return ENOTSUP;
	}
	snprintf(img->libc, sizeof img->libc, "%s", libc);
	snprintf(img->libc_version, sizeof img->libc_version, "%s", strcmp(ver, "?") ? ver : "");
	snprintf(img->python, sizeof img->python, "%s", py);
	snprintf(img->python_version, sizeof img->python_version, "%s", pyv);
	return 0;
}

int as_launch_image_resolve(const char *value, struct as_launch_image *img, int build,
			    char *why, size_t cap)
{
	struct as_image im;
	size_t i;
	int rc;
	memset(img, 0, sizeof *img);
	why[0] = 0;
	if (!strcmp(value, "host")) {
		snprintf(img->name, sizeof img->name, "host");
		return 0;
	}
	for (i = 0; i < as_nrunners; i++) {
		size_t n = strlen(as_runners[i].name);
		char usable[512];
		if (!as_runners[i].engine || strncmp(value, as_runners[i].name, n) || value[n] != ':')
			continue;
		if (!value[n + 1]) {
			snprintf(why, cap, "image '%s': name the image after '%s:' (%s:python:3.12-alpine)",
				 value, as_runners[i].name, as_runners[i].name);
			return EINVAL;
		}
		if (!as_runner_usable((int)i, usable, sizeof usable)) {
			snprintf(why, cap, "image '%s': %s", value, usable);
			return EHOSTDOWN;
		}
		return as_launch_image_probe((int)i, value + n + 1, img, why, cap);
	}
	/* a built-in image, or a directory (images.h tells them apart) */
	memset(&im, 0, sizeof im);
	rc = strchr(value, '/') || !build ? as_image_get(value, &im) : as_image_ensure(value, &im);
	if (!rc && !im.built && !build && !strchr(value, '/')) {
		img->runner = AS_RUNNER_ROOTFS;
		snprintf(img->name, sizeof img->name, "%s", im.name);
		snprintf(img->libc, sizeof img->libc, "%s", im.libc);
		snprintf(img->python, sizeof img->python, "/usr/bin/python3");
		as_image_clear(&im);
		return 0;
	}
	if (rc || !im.built) { /* images.c said why, in one line */
		as_image_clear(&im);
		return rc == ENOENT ? ENOENT : EIO;
	}
	img->runner = AS_RUNNER_ROOTFS;
	snprintf(img->name, sizeof img->name, "%s", im.name[0] ? im.name : value);
	snprintf(img->ref, sizeof img->ref, "%s", im.root);
	snprintf(img->libc, sizeof img->libc, "%s", im.libc);
	snprintf(img->libc_version, sizeof img->libc_version, "%s", im.libc_version);
	snprintf(img->python, sizeof img->python, "%s", im.python);
	snprintf(img->python_version, sizeof img->python_version, "%s", im.python_version);
	as_image_clear(&im);
	return 0;
}

json_t *as_launch_image_json(const struct as_launch_image *img)
{
	json_t *j = NULL;
	if (img->runner == AS_RUNNER_ROOTFS) {
		struct as_image im;
		memset(&im, 0, sizeof im);
		/* a built-in image by its name, a directory by its path */
		if (!as_image_get(strchr(img->name, '/') ? img->ref : img->name, &im))
			j = as_image_json(&im);
		as_image_clear(&im);
	}
	if (!j)
		j = json_object();
	json_object_set_new(j, "name", json_string(img->name));
	json_object_set_new(j, "runner", json_string(as_runners[img->runner].name));
	json_object_set_new(j, "ref", img->runner == AS_RUNNER_HOST ? json_null()
								    : json_string(img->ref));
	if (img->runner != AS_RUNNER_HOST) {
		json_object_set_new(j, "libc", json_string(img->libc));
		json_object_set_new(j, "libc_version", json_string(img->libc_version));
		json_object_set_new(j, "python", json_string(img->python));
		json_object_set_new(j, "python_version", json_string(img->python_version));
	}
	if (as_runners[img->runner].engine) {
		char out[128], *end;
		char *argv[] = {(char *)as_runners[img->runner].name, "image", "inspect", "--format",
				"{{.Size}}", (char *)img->ref, NULL};
		long long size =
			_as_launch_capture(argv, out, sizeof out, 0) == 0 ? strtoll(out, &end, 10) : -1;
		json_object_set_new(j, "size_bytes", size > 0 ? json_integer(size) : json_null());
	}
	return j;
}

/* "2.36" < "2.4"?  Compares dotted version numbers: <0, 0, >0. */
static int vercmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!*a && !*b)
			break;
		if (!*a || !*b)
			return *a ? 1 : -1;
	}
	return 0;
}

int as_launch_libswap_fits(const char *libswap, const struct as_launch_image *img, char *why,
			   size_t cap)
{
	char need[32] = "", *data, *p;
	size_t len;
	why[0] = 0;
	if (strcmp(img->libc, "glibc") || !img->libc_version[0])
		return 1;
	/* the GLIBC_x.y version names libswap needs are strings of its
	 * .dynstr; the newest of them is what the image must have */
	data = as_read_all(libswap, &len);
	if (!data)
		return 1;
	for (p = data; (p = memmem(p, len - (size_t)(p - data), "GLIBC_2.", 8)); p += 8) {
		char v[32];
		size_t n = strspn(p + 6, "0123456789.");
		if (n >= sizeof v || n < 3)
			continue;
		memcpy(v, p + 6, n);
		v[n] = 0;
		if (!need[0] || vercmp(v, need) > 0)
			snprintf(need, sizeof need, "%s", v);
	}
	free(data);
	if (need[0] && vercmp(img->libc_version, need) < 0) {
		snprintf(why, cap,
			 "%s has glibc %s, and this libswap.so was built against glibc %s (it needs "
			 "GLIBC_%s): build allocswap on a system no newer than the image, or use a "
			 "newer image",
			 img->name, img->libc_version, need, need);
		return 0;
	}
	return 1;
}

