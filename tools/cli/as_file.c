/* as_file: files written whole or not at all (as_file.h). */
#include "as_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "/proc/self/fd/N" or "/dev/fd/N" (N digits only): N, else -1. */
static int fd_link(const char *p)
{
	const char *d = !strncmp(p, "/proc/self/fd/", 14) ? p + 14 :
			!strncmp(p, "/dev/fd/", 8) ? p + 8 : NULL;
	long n = 0;
	if (!d || !*d)
		return -1;
	for (; *d; d++) {
		if (*d < '0' || *d > '9' || n > 1000000)
			return -1;
		n = n * 10 + (*d - '0');
	}
	return (int)n;
}

/* One of this process's descriptors that path names through its links
 * (/dev/stdout -> /proc/self/fd/1, a link to /dev/fd/2, /dev/fd/3 itself),
 * followed by readlink, at most 40 links: N, else -1. */
static int names_fd(const char *path)
{
	char cur[PATH_MAX], target[PATH_MAX];
	int hops, n;
	if ((size_t)snprintf(cur, sizeof cur, "%s", path) >= sizeof cur)
		return -1;
	for (hops = 0; hops < 40; hops++) {
		ssize_t k;
		char *slash;
		if ((n = fd_link(cur)) >= 0)
			return n;
		k = readlink(cur, target, sizeof target - 1);
		if (k <= 0)
			return -1;
		target[k] = 0;
		slash = strrchr(cur, '/');
		if (target[0] == '/' || !slash) {
			memcpy(cur, target, (size_t)k + 1);
		} else if ((size_t)(slash + 1 - cur) + (size_t)k < sizeof cur) {
			memcpy(slash + 1, target, (size_t)k + 1);
		} else {
			return -1;
		}
	}
	return -1;
}

/* Written in place: the descriptor path names (dup), or path opened and
 * truncated as the shell's '>' does. */
static int open_direct(struct as_file *a, const char *path)
{
	int n = names_fd(path), fd;
	a->tmp[0] = 0;
	if (n >= 0)
		fd = fcntl(n, F_DUPFD_CLOEXEC, 0);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	if (!(a->f = fdopen(fd, "w"))) {
		int e = errno;
		close(fd);
		return e;
	}
	return 0;
}

int as_file_open(struct as_file *a, const char *path)
{
	struct stat st;
	int fd;
	a->f = NULL;
	a->tmp[0] = 0;
	if ((size_t)snprintf(a->path, sizeof a->path, "%s", path) >= sizeof a->path)
		return ENAMETOOLONG;
	if (!lstat(path, &st) && !S_ISREG(st.st_mode))
		return open_direct(a, path); /* a device, a FIFO, a link (as_file.h) */
	snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* left by a killed process that had this pid */
		unlink(a->tmp);
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (fd < 0 && (errno == EACCES || errno == EPERM) && !access(path, W_OK))
		return open_direct(a, path); /* its directory is not writable, the file is */
	if (fd < 0)
		return errno;
	a->f = fdopen(fd, "w");
	if (!a->f) {
		int e = errno;
		close(fd);
		unlink(a->tmp);
		return e;
	}
	return 0;
}

int as_file_close(struct as_file *a, int keep)
{
	int rc = 0, direct = !a->tmp[0];
	struct stat st;
	if (!a->f)
		return EBADF;
	if (fflush(a->f) || ferror(a->f))
		rc = errno ? errno : EIO;
	/* fsync: a regular file only (a pipe or a terminal says EINVAL) */
	if (!rc && keep && (!direct || (!fstat(fileno(a->f), &st) && S_ISREG(st.st_mode))) &&
	    fsync(fileno(a->f)))
		rc = errno;
	if (fclose(a->f) && !rc)
		rc = errno ? errno : EIO;
	a->f = NULL;
	if (direct)
		return rc;
	if (!rc && keep && rename(a->tmp, a->path))
		rc = errno;
	if (rc || !keep)
		unlink(a->tmp);
	return rc;
}

int as_file_write(const char *path, const void *data, size_t len)
{
	struct as_file a;
	int rc = as_file_open(&a, path);
	if (rc)
		return rc;
	errno = 0;
	if (fwrite(data, 1, len, a.f) != len) {
		rc = errno ? errno : EIO;
		as_file_close(&a, 0);
		return rc;
	}
	return as_file_close(&a, 1);
}

int as_file_write_json(const char *path, const json_t *j, size_t flags)
{
	char *s = json_dumps(j, flags);
	int rc;
	if (!s)
		return ENOMEM;
	rc = as_file_write(path, s, strlen(s));
	free(s);
	return rc;
}
