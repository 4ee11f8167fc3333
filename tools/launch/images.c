/* images: the built-in images in the build store, and root filesystems
 * given by path (contract in images.h).  cross/build.sh has the table, the
 * recipes, the keys and the lock; this file asks it and reads what it
 * wrote. */
#include "images.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_backend.h"
#include "builds.h"
#include "cli.h"

/* build.sh's target of an image is "image-" and its name */
#define AS_IMAGE_TARGET "image-"

/* Where a library is looked for in a root filesystem given by path. */
static const char *const lib_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib",
	"/usr/local/lib",           "/usr/lib64",             "/lib64",   NULL,
};

/* ---- running a program ---------------------------------------------------- */

/* Runs argv with stdout (and stderr too, when merge) into *out (malloc'd,
 * NUL-terminated), stdin from /dev/null.  The exit status (128 + signal when
 * killed), or -1 with errno set when it cannot be started. */
static int capture(char *const argv[], char **out, int merge)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status, e;
	pid_t pid;
	*out = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(p[1], 1);
		if (merge)
			dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t r;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 8192);
			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		r = read(p[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf)
		buf[len] = 0;
	*out = buf ? buf : calloc(1, 1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the built-in images ---------------------------------------------------------- */

void as_image_clear(struct as_image *img)
{
	json_decref(img->info);
	memset(img, 0, sizeof *img);
}

void as_images_free(struct as_image *v, size_t n)
{
	size_t i;
	for (i = 0; v && i < n; i++)
		as_image_clear(&v[i]);
	free(v);
}

static void copy_str(char *dst, size_t cap, const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s)
		snprintf(dst, cap, "%s", s);
}

/* What build.sh says of one image: "built DIR" (the store's directory:
 * rootfs/ and build.json) or "missing KEY[ WHY]" (WHY: it cannot be built
 * here, and why). */
static void read_status(struct as_image *img, const char *s)
{
	char path[PATH_MAX + 16];
	size_t n;
	img->built = 0;
	img->why_not[0] = 0;
	if (!strncmp(s, "missing ", 8)) {
		const char *why = strchr(s + 8, ' ');
		if (why) {
			n = strcspn(why + 1, "\n");
			snprintf(img->why_not, sizeof img->why_not, "%.*s", (int)n, why + 1);
		}
		return;
	}
	if (strncmp(s, "built ", 6))
		return;
	s += 6;
	n = strcspn(s, "\n");
	if (n + sizeof "/build.json" > sizeof img->root)
		return;
	snprintf(path, sizeof path, "%.*s/build.json", (int)n, s);
	json_decref(img->info);
	img->info = json_load_file(path, 0, NULL);
	if (!img->info)
		return;
	snprintf(img->root, sizeof img->root, "%.*s/rootfs", (int)n, s);
	copy_str(img->libc_version, sizeof img->libc_version, img->info, "libc_version");
	copy_str(img->python, sizeof img->python, img->info, "python");
	copy_str(img->python_version, sizeof img->python_version, img->info, "python_version");
	img->built = 1;
}

/* The table's images (build.sh list image: name, kind, libc, suite,
 * description, the builds it is made of), not built yet.  0, or 1 after
 * an error line. */
static int table(struct as_image **out, size_t *n)
{
	const char *args[] = {"list", "image", NULL};
	char *text = NULL, *line, *save = NULL;
	struct as_image *v = NULL;
	size_t k = 0;
	int rc = as_build_sh(args, &text);
	*out = NULL;
	*n = 0;
	if (rc != 0) {
		if (rc > 0)
			as_err("%s list image failed (exit %d)", as_build_script(), rc);
		free(text);
		return 1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *s = line;
		struct as_image *nv;
		size_t i;
		for (i = 0; i < 6; i++) {
			f[i] = s;
			s = s ? strchr(s, '\t') : NULL;
			if (s)
				*s++ = 0;
		}
		if (!f[4] || strncmp(f[0], AS_IMAGE_TARGET, strlen(AS_IMAGE_TARGET)))
			continue;
		if (!(nv = realloc(v, (k + 1) * sizeof *v)))
			break;
		v = nv;
		memset(&v[k], 0, sizeof v[k]);
		snprintf(v[k].name, sizeof v[k].name, "%s", f[0] + strlen(AS_IMAGE_TARGET));
		snprintf(v[k].libc, sizeof v[k].libc, "%s", f[2]);
		snprintf(v[k].suite, sizeof v[k].suite, "%s", strcmp(f[3], "-") ? f[3] : "");
		snprintf(v[k].desc, sizeof v[k].desc, "%s", f[4]);
		snprintf(v[k].needs, sizeof v[k].needs, "%s", f[5] ? f[5] : "");
		snprintf(v[k].python, sizeof v[k].python, "/usr/bin/python3");
		k++;
	}
	free(text);
	*out = v;
	*n = k;
	return 0;
}

int as_images_list(struct as_image **out, size_t *n)
{
	const char *args[] = {"status-all", "image", NULL};
	char *text = NULL, *line, *save = NULL;
	int rc;
	if (table(out, n))
		return 1;
	rc = as_build_sh(args, &text);
	if (rc != 0) {
		if (rc > 0)
			as_err("%s status-all image failed (exit %d)", as_build_script(), rc);
		free(text);
		as_images_free(*out, *n);
		*out = NULL;
		*n = 0;
		return 1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t i, nl = strcspn(line, " "), p = strlen(AS_IMAGE_TARGET);
		for (i = 0; i < *n; i++)
			if (nl == p + strlen((*out)[i].name) && !strncmp(line, AS_IMAGE_TARGET, p) &&
			    !strncmp(line + p, (*out)[i].name, nl - p) && line[nl])
				read_status(&(*out)[i], line + nl + 1);
	}
	free(text);
	return 0;
}

/* ---- a root filesystem given by path ------------------------------------------------ */

/* path (absolute, inside root) as a host path, following symbolic links
 * inside root component by component (an absolute link stays in root).
 * 0, or an errno value (ENOENT: something on the way is missing). */
static int in_root(const char *root, const char *path, char *out, size_t cap)
{
	char rest[PATH_MAX], done[PATH_MAX] = "";
	int hops = 0;
	snprintf(rest, sizeof rest, "%s", path);
	while (rest[0]) {
		char comp[NAME_MAX + 1], host[2 * PATH_MAX], link[PATH_MAX], tail[PATH_MAX];
		const char *r = rest;
		struct stat st;
		size_t n;
		ssize_t ln;
		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (!n)
			break;
		if (n > NAME_MAX)
			return ENAMETOOLONG;
		memcpy(comp, r, n);
		comp[n] = 0;
		snprintf(tail, sizeof tail, "%s", r + n);
		if (!strcmp(comp, ".")) {
			snprintf(rest, sizeof rest, "%s", tail);
			continue;
		}
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(done, '/');
			if (slash)
				*slash = 0;
			snprintf(rest, sizeof rest, "%s", tail);
			continue;
		}
		snprintf(host, sizeof host, "%s%s/%s", root, done, comp);
		if (lstat(host, &st))
			return errno;
		if (!S_ISLNK(st.st_mode)) {
			size_t dl = strlen(done);
			snprintf(done + dl, sizeof done - dl, "/%s", comp);
			snprintf(rest, sizeof rest, "%s", tail);
			continue;
		}
		if (++hops > 32)
			return ELOOP;
		ln = readlink(host, link, sizeof link - 1);
		if (ln < 0)
			return errno;
		link[ln] = 0;
		if (link[0] == '/')
			done[0] = 0;
		if ((size_t)snprintf(rest, sizeof rest, "%s%s", link, tail) >= sizeof rest)
			return ENAMETOOLONG;
	}
	if ((size_t)snprintf(out, cap, "%s%s", root, done[0] ? done : "/") >= cap)
		return ENAMETOOLONG;
	return 0;
}

/* The first NUL-terminated string in the file that starts with prefix and
 * goes on with digits, dots and letters ("3.11." -> "3.11.2", "3.13.0rc1"),
 * into buf; after marker when marker is non-NULL ("release version "). */
static int scan_version(const char *file, const char *prefix, const char *marker, char *buf,
			size_t cap)
{
	size_t len = 0, pl = strlen(prefix);
	char *data = as_read_all(file, &len), *p;
	int found = 0;
	if (!data)
		return 0;
	for (p = data; !found && (p = memmem(p, len - (size_t)(p - data),
					       marker ? marker : prefix,
					       marker ? strlen(marker) : pl));
	     p++) {
		char *v = marker ? p + strlen(marker) : p;
		size_t n;
		if (!marker && p > data && p[-1])
			continue;
		if (strncmp(v, prefix, pl))
			continue;
		n = pl + strspn(v + pl, "0123456789.abcrc+");
		if (!marker && v[n])
			continue;
		while (n > pl && v[n - 1] == '.')
			n--;
		snprintf(buf, cap, "%.*s", (int)n, v);
		found = 1;
	}
	free(data);
	return found;
}

/* libc and its version from python3's ELF interpreter; python3's version
 * from its own version string (in the interpreter or its libpython). */
static int read_path_image(const char *root, const char *py, struct as_image *img)
{
	char interp[PATH_MAX], file[2 * PATH_MAX], pre[32];
	const char *libc = as_elf_libc(py, interp, sizeof interp), *base;
	size_t i;
	if (!libc) {
		as_err("%s: its usr/bin/python3 is not a dynamically linked ELF program: libswap "
		       "cannot be preloaded into it (give a root filesystem whose Python is)",
		       root);
		return 1;
	}
	snprintf(img->libc, sizeof img->libc, "%s", libc);
	if (!strcmp(libc, "musl")) {
		char *argv[] = {file, (char *)"--version", NULL}, *out = NULL, *v;
		if (!in_root(root, interp, file, sizeof file) && capture(argv, &out, 1) >= 0 && out &&
		    (v = strstr(out, "\nVersion ")))
			snprintf(img->libc_version, sizeof img->libc_version, "%.*s",
				 (int)strcspn(v + 9, "\n"), v + 9);
		free(out);
	} else {
		for (i = 0; lib_dirs[i] && !img->libc_version[0]; i++) {
			char p[PATH_MAX];
			snprintf(p, sizeof p, "%s/libc.so.6", lib_dirs[i]);
			if (!in_root(root, p, file, sizeof file))
				scan_version(file, "", "release version ", img->libc_version,
					     sizeof img->libc_version);
		}
	}
	/* python3.11 -> "3.11."; a python3 that is no link: the 3.N of its
	 * standard library's directory */
	base = strrchr(py, '/') ? strrchr(py, '/') + 1 : py;
	snprintf(pre, sizeof pre, "%s.", strncmp(base, "python", 6) ? "3" : base + 6);
	for (i = 40; strlen(pre) < 4 && i-- > 0;) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "/usr/lib/python3.%zu/os.py", i);
		if (!in_root(root, p, file, sizeof file))
			snprintf(pre, sizeof pre, "3.%zu.", i);
		snprintf(p, sizeof p, "/usr/local/lib/python3.%zu/os.py", i);
		if (strlen(pre) < 4 && !in_root(root, p, file, sizeof file))
			snprintf(pre, sizeof pre, "3.%zu.", i);
	}
	if (!scan_version(py, pre, NULL, img->python_version, sizeof img->python_version)) {
		for (i = 0; lib_dirs[i] && !img->python_version[0]; i++) {
			char p[PATH_MAX];
			snprintf(p, sizeof p, "%s/libpython%.*s.so.1.0", lib_dirs[i],
				 (int)strlen(pre) - 1, pre);
			if (!in_root(root, p, file, sizeof file))
				scan_version(file, pre, NULL, img->python_version,
					     sizeof img->python_version);
		}
	}
	return 0;
}

static int from_path(const char *path, struct as_image *img)
{
	char *root = realpath(path, NULL), py[2 * PATH_MAX];
	struct stat st;
	int rc = 1;
	if (!root || stat(root, &st) || !S_ISDIR(st.st_mode)) {
		as_err("image %s: %s (give a built-in image's name or a root filesystem directory)",
		       path, root ? "not a directory" : strerror(errno));
		goto out;
	}
	snprintf(img->root, sizeof img->root, "%s", root);
	snprintf(img->python, sizeof img->python, "/usr/bin/python3");
	if (in_root(root, img->python, py, sizeof py) || access(py, X_OK)) {
		as_err("image %s: not a root filesystem with a Python: it has no executable "
		       "usr/bin/python3",
		       path);
		goto out;
	}
	rc = read_path_image(root, py, img);
	img->built = rc == 0;
out:
	free(root);
	return rc;
}

/* ---- one image ----------------------------------------------------------------------- */

/* "bullseye, bookworm, trixie, musl" into buf. */
static const char *names(const struct as_image *v, size_t n, char *buf, size_t cap)
{
	size_t i, len = 0;
	buf[0] = 0;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? ", " : "",
					v[i].name);
	return buf;
}

int as_image_get(const char *name, struct as_image *img)
{
	struct as_image *all;
	char target[96], list[512];
	const char *args[] = {"status", target, NULL};
	char *out = NULL;
	size_t n, i;
	int rc;
	memset(img, 0, sizeof *img);
	if (strchr(name, '/'))
		return from_path(name, img);
	if (table(&all, &n))
		return 1;
	for (i = 0; i < n && strcmp(all[i].name, name); i++)
		;
	if (i == n) {
		as_err("no image named '%s'; the images: %s, or the path of a root filesystem "
		       "(a directory with usr/bin/python3)",
		       name, names(all, n, list, sizeof list));
		as_images_free(all, n);
		return ENOENT;
	}
	*img = all[i];
	memset(&all[i], 0, sizeof all[i]);
	as_images_free(all, n);
	snprintf(target, sizeof target, AS_IMAGE_TARGET "%s", name);
	rc = as_build_sh(args, &out);
	if (rc == 0 || (rc == 1 && out && !strncmp(out, "missing ", 8))) {
		read_status(img, out);
		rc = 0;
	} else {
		if (rc > 0)
			as_err("%s status %s failed (exit %d)", as_build_script(), target, rc);
		rc = 1;
	}
	free(out);
	return rc;
}

int as_image_build(const char *name, int force, struct as_image *img)
{
	char target[96];
	const char *args[] = {"build", force ? "--force" : target, target, NULL};
	char *out = NULL, *last;
	int rc = as_image_get(name, img);
	if (rc)
		return rc;
	if (!img->name[0]) {
		as_err("image %s is a directory, not a built-in image: there is nothing to build",
		       name);
		return 1;
	}
	if (img->why_not[0] && !img->built) {
		as_err("image %s cannot be built here: %s", name, img->why_not);
		return 1;
	}
	if (!force)
		args[2] = NULL;
	snprintf(target, sizeof target, AS_IMAGE_TARGET "%s", name);
	fprintf(stderr, ALLOCSWAP_CLI_NAME ": building image %s (%s); cached in %s afterwards\n",
		name, img->desc, as_build_cache());
	rc = as_build_sh(args, &out);
	/* the last line is "built DIR" */
	last = out ? strstr(out, "built ") : NULL;
	while (last && strstr(last + 1, "\nbuilt "))
		last = strstr(last + 1, "\nbuilt ") + 1;
	if (rc == 0 && last)
		read_status(img, last);
	free(out);
	if (rc != 0 || !img->built) {
		if (rc >= 0)
			as_err("building image %s failed (the step and its log are named above)", name);
		return 1;
	}
	return 0;
}

int as_image_ensure(const char *name, struct as_image *img)
{
	int rc = as_image_get(name, img);
	if (rc || img->built)
		return rc;
	as_image_clear(img);
	return as_image_build(name, 0, img);
}

int as_image_rm(const char *name, int *removed)
{
	struct as_image img;
	char target[96], *out = NULL, *l;
	const char *args[] = {"rm", target, NULL};
	int rc;
	*removed = 0;
	if (strchr(name, '/')) {
		as_err("image rm: %s is a directory, not a built-in image: the store removes only "
		       "what it made",
		       name);
		return 1;
	}
	rc = as_image_get(name, &img);
	as_image_clear(&img);
	if (rc)
		return rc;
	snprintf(target, sizeof target, AS_IMAGE_TARGET "%s", name);
	rc = as_build_sh(args, &out);
	for (l = out; l && (l = strstr(l, "removed ")); l++)
		if (l == out || l[-1] == '\n')
			(*removed)++;
	free(out);
	if (rc != 0) {
		if (rc > 0)
			as_err("removing image %s failed (the reason is above)", name);
		return 1;
	}
	return 0;
}

/* ---- what is in an image ------------------------------------------------------------- */

static const struct as_backend_info *backend(const char *name)
{
	size_t i;
	for (i = 0; i < _as_backend_count; i++)
		if (!strcmp(_as_backend_table[i].name, name))
			return &_as_backend_table[i];
	return NULL;
}

const char *as_image_allocator(const struct as_image *img, const char *name, char *buf,
			       size_t cap)
{
	const struct as_backend_info *b = backend(name);
	const char *path;
	char so[128];
	json_t *v;
	size_t i, k;
	if (!b || !b->sonames[0] || !img->built || !as_has_word(b->libcs, img->libc))
		return NULL;
	/* its sonames in the order libswap tries them: the first the image has */
	for (k = 0; _as_backend_soname(b, k, so, sizeof so); k++) {
		json_t *files = json_object_get(img->info, "allocator_files");
		if (img->info) {
			json_object_foreach(files, path, v) {
				const char *slash = strrchr(path, '/');
				if (!strcmp(slash ? slash + 1 : path, so)) {
					snprintf(buf, cap, "%s", path);
					return buf;
				}
			}
			continue;
		}
		for (i = 0; lib_dirs[i]; i++) {
			char p[PATH_MAX], host[2 * PATH_MAX];
			snprintf(p, sizeof p, "%s/%s", lib_dirs[i], so);
			if (!in_root(img->root, p, host, sizeof host) && access(host, R_OK) == 0) {
				snprintf(buf, cap, "%s", p);
				return buf;
			}
		}
	}
	return NULL;
}

/* du -sb and find -type f of a tree: the apparent size of everything in it
 * (directories and links too, a file with several names once), and the
 * regular files' names.  Stays on dir's file system. */
struct tree_count {
	long long bytes, files;
	struct inode {
		dev_t dev;
		ino_t ino;
	} *seen;
	size_t nseen, cap;
};

static int seen_before(struct tree_count *c, const struct stat *st)
{
	size_t i;
	for (i = 0; i < c->nseen; i++)
		if (c->seen[i].ino == st->st_ino && c->seen[i].dev == st->st_dev)
			return 1;
	if (c->nseen == c->cap) {
		struct inode *n = realloc(c->seen, (c->cap ? c->cap * 2 : 64) * sizeof *n);
		if (!n)
			return 0;
		c->seen = n;
		c->cap = c->cap ? c->cap * 2 : 64;
	}
	c->seen[c->nseen].dev = st->st_dev;
	c->seen[c->nseen++].ino = st->st_ino;
	return 0;
}

static void count_tree(int dfd, dev_t dev, struct tree_count *c)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		int fd;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode))
			c->files++;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && seen_before(c, &st))
			continue;
		c->bytes += st.st_size;
		if (S_ISDIR(st.st_mode) && st.st_dev == dev &&
		    (fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							      O_CLOEXEC)) >= 0)
			count_tree(fd, dev, c);
	}
	closedir(d);
}

static json_t *int_or_null(const json_t *info, const char *key)
{
	json_t *v = json_object_get(info, key);
	return json_is_integer(v) ? json_integer(json_integer_value(v)) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *as_image_json(const struct as_image *img)
{
	const json_t *info = img->info;
	json_t *j, *allocs = json_array();
	size_t i;
	j = json_pack("{s:o, s:o, s:s, s:o, s:s, s:o, s:o}", "name", str_or_null(img->name), "root",
		      str_or_null(img->built ? img->root : NULL), "libc", img->libc, "libc_version",
		      str_or_null(img->libc_version), "python", img->python, "python_version",
		      str_or_null(img->python_version), "suite", str_or_null(img->suite));
	if (!j || !allocs) {
		json_decref(j);
		json_decref(allocs);
		return NULL;
	}
	if (info || !img->built) {
		json_object_set_new(j, "size_bytes", int_or_null(info, "size_bytes"));
		json_object_set_new(j, "files", int_or_null(info, "files"));
	} else {
		struct tree_count c = {0};
		struct stat st;
		int fd = open(img->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && !fstat(fd, &st)) {
			c.bytes = st.st_size;
			count_tree(fd, st.st_dev, &c);
		} else if (fd >= 0) {
			close(fd);
		}
		free(c.seen);
		json_object_set_new(j, "size_bytes", json_integer(c.bytes));
		json_object_set_new(j, "files", json_integer(c.files));
	}
	json_object_set_new(j, "build_seconds", int_or_null(info, "build_seconds"));
	json_object_set_new(j, "built", str_or_null(json_string_value(json_object_get(info, "built"))));
	json_object_set_new(j, "key", str_or_null(json_string_value(json_object_get(info, "key"))));
	for (i = 0; i < _as_backend_count; i++) {
		char path[PATH_MAX];
		const char *pkg = NULL, *ver = NULL;
		if (!as_image_allocator(img, _as_backend_table[i].name, path, sizeof path))
			continue;
		pkg = json_string_value(
			json_object_get(json_object_get(info, "allocator_files"), path));
		if (pkg)
			ver = json_string_value(
				json_object_get(json_object_get(info, "allocator_packages"), pkg));
		json_array_append_new(allocs, json_pack("{s:s, s:s, s:o, s:o}", "name",
							_as_backend_table[i].name, "path", path,
							"package", str_or_null(pkg), "version",
							str_or_null(ver)));
	}
	json_object_set_new(j, "allocators", allocs);
	return j;
}
