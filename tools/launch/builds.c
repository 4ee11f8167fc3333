/* builds: cross/build.sh's targets and the Pythons (contract in builds.h). */
#include "builds.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_backend.h"
#include "cli.h"

const char *as_build_script(void)
{
	static char path[PATH_MAX];
	static const char *const c[] = {"../../cross/build.sh", "../share/allocswap/build.sh", NULL};
	size_t i;
	for (i = 0; c[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", as_self_dir(), c[i]);
		if (access(path, R_OK) == 0) {
			char *real = realpath(path, NULL);
			if (real) {
				snprintf(path, sizeof path, "%s", real);
				free(real);
			}
			return path;
		}
	}
	return NULL;
}

const char *as_build_cache(void)
{
	static char dir[PATH_MAX];
	const char *c = getenv("ALLOCSWAP_CACHE"), *x = getenv("XDG_CACHE_HOME"),
		   *h = getenv("HOME");
	if (c && *c)
		snprintf(dir, sizeof dir, "%s", c);
	else if (x && *x)
		snprintf(dir, sizeof dir, "%s/allocswap", x);
	else
		snprintf(dir, sizeof dir, "%s/.cache/allocswap", h && *h ? h : "/root");
	return dir;
}

int as_build_sh(const char *const *args, char **out)
{
	const char *sh = as_build_script();
	char *argv[8];
	char tmpl[] = "/tmp/allocswap-build-XXXXXX";
	struct as_proc p;
	size_t i, n = 0;
	off_t len;
	int fd, rc;
	*out = NULL;
	if (!sh) {
		as_err("cross/build.sh not found beside this allocswap (looked in %s/../../cross and "
		       "%s/../share/allocswap): run allocswap from its build tree or install it",
		       as_self_dir(), as_self_dir());
		return -1;
	}
	argv[n++] = (char *)"/bin/sh";
	argv[n++] = (char *)sh;
	for (i = 0; args[i] && n < 7; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	fd = mkstemp(tmpl);
	if (fd < 0) {
		as_err("cannot create a temporary file in /tmp: %s", strerror(errno));
		return -1;
	}
	unlink(tmpl);
	rc = as_spawn(argv, NULL, fd, 1, &p);
	if (rc) {
		close(fd);
		as_err("cannot run %s: %s", sh, strerror(rc));
		return -1;
	}
	len = lseek(fd, 0, SEEK_END);
	*out = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
	if (*out && len > 0 && pread(fd, *out, (size_t)len, 0) != len)
		(*out)[0] = 0;
	close(fd);
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
}

void as_build_clear(struct as_build *b)
{
	json_decref(b->info);
	memset(b, 0, sizeof *b);
}

void as_builds_free(struct as_build *b, size_t n)
{
	size_t i;
	for (i = 0; b && i < n; i++)
		as_build_clear(&b[i]);
	free(b);
}

/* "built DIR" from status or build: fills prefix and info. */
static void read_built(struct as_build *b, const char *out)
{
	const char *l = out ? strstr(out, "built ") : NULL;
	char path[PATH_MAX + 16];
	size_t n;
	b->built = 0;
	if (!l)
		return;
	/* the last such line */
	while (strstr(l + 1, "\nbuilt "))
		l = strstr(l + 1, "\nbuilt ") + 1;
	l += 6;
	n = strcspn(l, "\n");
	if (n >= sizeof b->prefix)
		return;
	memcpy(b->prefix, l, n);
	b->prefix[n] = 0;
	snprintf(path, sizeof path, "%s/build.json", b->prefix);
	json_decref(b->info);
	b->info = json_load_file(path, 0, NULL);
	b->built = b->info != NULL;
}

static int status_of(struct as_build *b)
{
	const char *args[] = {"status", b->name, NULL};
	char *out = NULL;
	int rc = as_build_sh(args, &out);
	if (rc < 0) {
		free(out);
		return 1;
	}
	if (rc == 0)
		read_built(b, out);
	free(out);
	return 0;
}

/* Every target's status from one `build.sh status-all` ("NAME built DIR"
 * or "NAME missing KEY" a line).  0, or 1 after an error line. */
static int statuses(struct as_build *v, size_t k)
{
	const char *args[] = {"status-all", NULL};
	char *out = NULL, *line, *save = NULL;
	int rc = as_build_sh(args, &out);
	if (rc != 0) {
		free(out);
		if (rc > 0)
			as_err("%s status-all failed (exit %d)", as_build_script(), rc);
		return 1;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t i, nl = strcspn(line, " ");
		for (i = 0; i < k; i++)
			if (strlen(v[i].name) == nl && !strncmp(line, v[i].name, nl))
				read_built(&v[i], line + nl + 1);
	}
	free(out);
	return 0;
}

int as_builds_list(struct as_build **out, size_t *n, int status)
{
	const char *args[] = {"list", NULL};
	char *text = NULL, *line, *save = NULL;
	struct as_build *v = NULL;
	size_t k = 0;
	int rc = as_build_sh(args, &text);
	*out = NULL;
	*n = 0;
	if (rc != 0) {
		free(text);
		if (rc > 0)
			as_err("%s list failed (exit %d)", as_build_script(), rc);
		return 1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *s = line;
		size_t i;
		struct as_build *nv;
		for (i = 0; i < 5; i++) {
			f[i] = s;
			s = s ? strchr(s, '\t') : NULL;
			if (s)
				*s++ = 0;
		}
		if (!f[4])
			continue;
		nv = realloc(v, (k + 1) * sizeof *v);
		if (!nv)
			break;
		v = nv;
		memset(&v[k], 0, sizeof v[k]);
		snprintf(v[k].name, sizeof v[k].name, "%s", f[0]);
		snprintf(v[k].kind, sizeof v[k].kind, "%s", f[1]);
		snprintf(v[k].libc, sizeof v[k].libc, "%s", f[2]);
		snprintf(v[k].flags, sizeof v[k].flags, "%s", f[3]);
		snprintf(v[k].desc, sizeof v[k].desc, "%s", f[4]);
		k++;
	}
	free(text);
	if (status && statuses(v, k)) {
		as_builds_free(v, k);
		return 1;
	}
	*out = v;
	*n = k;
	return 0;
}

int as_build_get(const char *name, struct as_build *b)
{
	struct as_build *all;
	size_t n, i;
	char names[1024] = "";
	memset(b, 0, sizeof *b);
	if (as_builds_list(&all, &n, 0))
		return 1;
	for (i = 0; i < n; i++) {
		if (!strcmp(all[i].name, name)) {
			*b = all[i];
			memset(&all[i], 0, sizeof all[i]);
			as_builds_free(all, n);
			return status_of(b);
		}
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
			 all[i].name);
	}
	as_builds_free(all, n);
	as_err("no build named '%s'; the builds: %s", name, names);
	return ENOENT;
}

int as_build_ensure(const char *name, struct as_build *b)
{
	const char *args[] = {"build", name, NULL};
	char *out = NULL;
	int rc = as_build_get(name, b);
	if (rc)
		return rc == ENOENT ? 1 : rc;
	if (b->built)
		return 0;
	fprintf(stderr, ALLOCSWAP_CLI_NAME ": building %s (%s); cached in %s afterwards\n", name,
		b->desc, as_build_cache());
	rc = as_build_sh(args, &out);
	if (rc == 0)
		read_built(b, out);
	free(out);
	if (rc != 0 || !b->built) {
		if (rc >= 0)
			as_err("building %s failed (the step and its log are named above)", name);
		return 1;
	}
	return 0;
}

int as_build_musl_target(const char *allocator, char *buf, size_t cap)
{
	size_t i;
	buf[0] = 0;
	for (i = 0; i < _as_backend_count; i++)
		if (!strcmp(_as_backend_table[i].name, allocator) &&
		    _as_backend_table[i].sonames[0] &&
		    as_has_word(_as_backend_table[i].libcs, "musl")) {
			snprintf(buf, cap, "musl-%s", allocator);
			return 1;
		}
	return 0;
}

/* as_build_ensure, for its status alone */
static int ensure(const char *target)
{
	struct as_build b;
	int rc = as_build_ensure(target, &b);
	as_build_clear(&b);
	return rc;
}

int as_build_musl_alloc(const char *allocator)
{
	char target[96];
	return as_build_musl_target(allocator, target, sizeof target) ? ensure(target) : 0;
}

int as_build_musl_unwind(void)
{
	return ensure("musl-libunwind");
}

void as_build_musl_libpath(char *buf, size_t cap)
{
	static const char *const allocs[] = {"musl-jemalloc", "musl-mimalloc", "musl-libunwind", NULL};
	size_t i, n = 0;
	buf[0] = 0;
	for (i = 0; allocs[i]; i++) {
		char dir[PATH_MAX + 64], so[PATH_MAX + 96];
		struct stat st;
		snprintf(dir, sizeof dir, "%s/builds/%s/lib", as_build_cache(), allocs[i]);
		snprintf(so, sizeof so, "%s/../build.json", dir);
		if (stat(so, &st))
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ":" : "", dir);
		if (n >= cap) {
			buf[0] = 0; /* cut: none rather than a wrong one */
			return;
		}
	}
}

void as_env_musl(struct as_env *e, const char *allocator)
{
	char lp[AS_MUSL_LIBPATH_MAX], buf[AS_MUSL_LIBPATH_MAX + 2 * PATH_MAX + 4096], so[PATH_MAX + 128];
	const char *old = as_env_get(e, "LD_LIBRARY_PATH"), *pre;
	size_t i;
	as_build_musl_libpath(lp, sizeof lp);
	if (lp[0]) {
		snprintf(buf, sizeof buf, "%s%s%s", lp, old && *old ? ":" : "", old ? old : "");
		as_env_set(e, "LD_LIBRARY_PATH", buf);
	}
	if (!allocator || strchr(allocator, '/'))
		return;
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		char name[128];
		size_t n, k;
		if (strcmp(b->name, allocator))
			continue;
		/* the first of its sonames that the build has */
		for (k = 0; _as_backend_soname(b, k, name, sizeof name); k++) {
			snprintf(so, sizeof so, "%s/builds/musl-%s/lib/%s", as_build_cache(), b->name,
				 name);
			if (!access(so, R_OK))
				break;
		}
		pre = as_env_get(e, "LD_PRELOAD");
		if (!_as_backend_soname(b, k, name, sizeof name) || !pre)
			return;
		/* after the first entry, libswap's (as_env_preload put it there) */
		n = strcspn(pre, ": ");
		snprintf(buf, sizeof buf, "%.*s:%s%s", (int)n, pre, so, pre + n);
		as_env_set(e, "LD_PRELOAD", buf);
	}
}

/* ---- Pythons ------------------------------------------------------------------ */

const char *as_elf_libc(const char *path, char *interp, size_t cap)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char buf[PATH_MAX];
	const char *libc = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;
	if (interp && cap)
		interp[0] = 0;
	if (fd < 0)
		return NULL;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof ph)
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof ph)) !=
		    (ssize_t)sizeof ph)
			goto out;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= sizeof buf ||
		    pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			goto out;
		buf[ph.p_filesz] = 0;
		if (interp)
			snprintf(interp, cap, "%s", buf);
		libc = strstr(buf, "ld-musl") ? "musl" : "glibc";
		break;
	}
out:
	close(fd);
	return libc;
}

int as_python_resolve(const char *value, const char *libc, struct as_python *py, char *why,
		      size_t cap)
{
	struct as_build *all = NULL;
	size_t n = 0, i, matches = 0;
	char names[512] = "host";
	memset(py, 0, sizeof *py);
	why[0] = 0;
	if (!strcmp(value, "host")) {
		const char *l = as_elf_libc(as_python_path(), NULL, 0);
		snprintf(py->name, sizeof py->name, "host");
		snprintf(py->path, sizeof py->path, "%s", as_python_path());
		snprintf(py->libc, sizeof py->libc, "%s", l ? l : "glibc");
		snprintf(py->flags, sizeof py->flags, "distribution");
		goto check_libc;
	}
	if (strchr(value, '/')) {
		const char *l = as_elf_libc(value, NULL, 0);
		char real[PATH_MAX];
		/* python3 is often a symlink; a script (a pyenv shim) has no
		 * ELF interpreter: say so */
		if (!realpath(value, real) || !(l = as_elf_libc(real, NULL, 0))) {
			snprintf(why, cap, "--python %s: %s", value,
				 access(value, X_OK) ? "no such executable"
						     : "not a dynamically linked ELF program (a "
						       "script or a shim?): give the interpreter itself");
			return ENOENT;
		}
		snprintf(py->name, sizeof py->name, "%s", value);
		snprintf(py->path, sizeof py->path, "%s", value);
		snprintf(py->libc, sizeof py->libc, "%s", l);
		snprintf(py->flags, sizeof py->flags, "unknown");
		goto check_libc;
	}
	/* a build: "python-musl-os", "musl-os", or a flag set "os" for the cell's libc */
	if (as_builds_list(&all, &n, 0))
		return ENOENT;
	for (i = 0; i < n; i++) {
		const char *short_name = all[i].name + strlen("python-");
		const char *flagset;
		if (strcmp(all[i].kind, "python"))
			continue;
		flagset = strchr(short_name, '-') ? strchr(short_name, '-') + 1 : short_name;
		{
			char word[80];
			snprintf(word, sizeof word, ", %s,", flagset);
			snprintf(names + strlen(names), sizeof names - strlen(names), ",");
			if (!strstr(names, word) && strncmp(names, word + 2, strlen(word + 2)))
				snprintf(names + strlen(names), sizeof names - strlen(names), " %s,",
					 flagset);
			names[strlen(names) - 1] = 0;
		}
		snprintf(names + strlen(names), sizeof names - strlen(names), ", %s", short_name);
		/* a flag set (the part after "python-LIBC-") names the build
		 * of the cell's libc */
		if (!strcmp(value, all[i].name) || !strcmp(value, short_name) ||
		    (!strcmp(value, flagset) && (!libc || !strcmp(all[i].libc, libc)))) {
			matches++;
			snprintf(py->name, sizeof py->name, "%s", short_name);
			snprintf(py->build, sizeof py->build, "%s", all[i].name);
			snprintf(py->libc, sizeof py->libc, "%s", all[i].libc);
			snprintf(py->flags, sizeof py->flags, "%s", all[i].flags);
			snprintf(py->path, sizeof py->path, "%s/builds/%s/bin/python3", as_build_cache(),
				 all[i].name);
		}
	}
	as_builds_free(all, n);
	if (matches > 1) {
		snprintf(why, cap,
			 "--python %s names a flag set built for more than one libc: say which with "
			 "--libc, or name the build (musl-%s, glibc-%s)",
			 value, value, value);
		return ENOENT;
	}
	if (!py->build[0]) {
		snprintf(why, cap,
			 "--python: '%s' is not a Python: give host, a flag set or a build (%s), or "
			 "the path of an interpreter",
			 value, names);
		return ENOENT;
	}
check_libc:
	if (libc && strcmp(py->libc, libc)) {
		snprintf(why, cap, "--python %s is a %s Python: it cannot run under %s", value,
			 py->libc, libc);
		return EXDEV;
	}
	return 0;
}

int as_python_ready(struct as_python *py)
{
	struct as_build b;
	int rc;
	if (!py->build[0])
		return access(py->path, X_OK) == 0
			       ? 0
			       : (as_err("Python %s: %s is not executable", py->name, py->path), 1);
	rc = as_build_ensure(py->build, &b);
	if (!rc)
		snprintf(py->path, sizeof py->path, "%.*s/bin/python3", (int)sizeof py->path - 16, b.prefix);
	as_build_clear(&b);
	return rc;
}

json_t *as_python_json(const struct as_python *py)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "path", py->path, "libc", py->libc, "flags",
			      py->flags);
	if (py->build[0]) {
		struct as_build b;
		json_object_set_new(j, "build", json_string(py->build));
		if (!as_build_get(py->build, &b) && b.info) {
			static const char *const keys[] = {"size_bytes", "files", "build_seconds",
							   "built", "key", NULL};
			size_t i;
			json_t *v = json_object_get(b.info, "python_version");
			if (json_string_value(v) && *json_string_value(v))
				json_object_set(j, "version", v);
			for (i = 0; keys[i]; i++)
				if ((v = json_object_get(b.info, keys[i])))
					json_object_set(j, keys[i], v);
			if ((v = json_object_get(b.info, "sources")))
				json_object_set(j, "sources", v);
		}
		as_build_clear(&b);
	}
	return j;
}
