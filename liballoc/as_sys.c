/* as_sys: libc-free helpers.  No calls to malloc in this file. */
#include "as_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* RENAME_NOREPLACE, rename: no stream is used */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1 /* linux/fs.h */
#endif

extern char **environ;

size_t _as_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int _as_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const char *_as_basename(const char *path)
{
	const char *s, *b = path;
	for (s = path; *s; s++)
		if (*s == '/')
			b = s + 1;
	return b;
}

int _as_prefix(const char *s, const char *prefix, const char **rest)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	if (rest)
		*rest = s;
	return 1;
}

size_t _as_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	while (src[n] && n + 1 < cap) {
		dst[n] = src[n];
		n++;
	}
	dst[n] = 0;
	return n;
}

void _as_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
}

void _as_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
}

size_t _as_u64_dec(char *buf, uint64_t v)
{
	char tmp[21];
	size_t n = 0, i;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

const char *_as_env(const char *const *envp, const char *name)
{
	const char *rest;
	size_t i;
	if (!envp)
		envp = (const char *const *)environ;
	if (!envp)
		return NULL;
	for (i = 0; envp[i]; i++)
		if (_as_prefix(envp[i], name, &rest) && *rest == '=')
			return rest + 1;
	return NULL;
}

uint64_t _as_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int _as_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (w == 0)
			return EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void _as_say(const char *a, const char *b, const char *c, const char *d)
{
	struct iovec iov[5];
	const char *parts[4] = {a, b, c, d};
	size_t total = 0;
	ssize_t w;
	int n = 0, i, saved = errno;
	for (i = 0; i < 4; i++) {
		if (!parts[i] || !parts[i][0])
			continue;
		iov[n].iov_base = (void *)(uintptr_t)parts[i];
		iov[n].iov_len = _as_strlen(parts[i]);
		total += iov[n++].iov_len;
	}
	iov[n].iov_base = (void *)(uintptr_t)"\n";
	iov[n++].iov_len = 1;
	total++;
	do
		w = writev(2, iov, n);
	while (w < 0 && errno == EINTR);
	/* a short write (a pipe, a signal): the rest, part by part */
	for (i = 0; w >= 0 && (size_t)w < total && i < n; i++) {
		if ((size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			total -= iov[i].iov_len;
			continue;
		}
		if (_as_write_all(2, (const char *)iov[i].iov_base + w, iov[i].iov_len - (size_t)w))
			break;
		total -= iov[i].iov_len;
		w = 0;
	}
	errno = saved;
}

int _as_tmp_open(const char *path, char *tmp, size_t cap)
{
	int fd, i;
	for (i = 0; i < 100; i++) {
		size_t k = _as_strlcpy(tmp, path, cap);
		if (k + 48 > cap)
			return -ENAMETOOLONG;
		tmp[k++] = '.';
		k += _as_u64_dec(tmp + k, (uint64_t)getpid());
		if (i) {
			tmp[k++] = '.';
			k += _as_u64_dec(tmp + k, (uint64_t)i);
		}
		_as_strlcpy(tmp + k, ".tmp", cap - k);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int _as_tmp_finish(int fd, int rc, const char *tmp, const char *path)
{
	if (close(fd) && !rc)
		rc = errno;
	if (!rc && path && rename(tmp, path))
		rc = errno;
	if (rc)
		(void)unlink(tmp);
	return rc;
}

/* A link to /proc/self/fd/N or /dev/fd/N (/dev/stdout is one): a
 * duplicate of descriptor N, as a shell's >&N (a socket cannot be opened
 * through /proc, and a file's offset is shared: written after what the
 * program wrote).  -EINVAL for any other link, -errno when N is not open. */
static int fd_link(const char *path)
{
	char t[64];
	const char *r;
	ssize_t k = readlink(path, t, sizeof t - 1);
	int n = 0, f;
	if (k <= 0)
		return -EINVAL;
	t[k] = 0;
	if (!_as_prefix(t, "/proc/self/fd/", &r) && !_as_prefix(t, "/dev/fd/", &r))
		return -EINVAL;
	if (!*r)
		return -EINVAL;
	for (; *r; r++) {
		if (*r < '0' || *r > '9' || n > 100000000)
			return -EINVAL;
		n = n * 10 + (*r - '0');
	}
	f = fcntl(n, F_DUPFD_CLOEXEC, 0);
	return f < 0 ? -errno : f;
}

int _as_open_target(const char *path, int regular, int *fd)
{
	struct stat st;
	int f, fl;

	*fd = -1;
	if (lstat(path, &st))
		return 0; /* absent (or unreachable: the temporary file says why) */
	if (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
		return ENODEV;
	if (S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return 0; /* not followed: renamed over, or PATH.PID */
		f = fd_link(path);
		if (f >= 0) {
			*fd = f;
			return 0;
		}
		if (f != -EINVAL)
			return -f;
		f = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	} else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		f = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	} else {
		return 0; /* a regular file, a directory */
	}
	if (f < 0)
		/* a FIFO without a reader: ENXIO; a dangling link, a directory: renamed over */
		return errno == ENXIO || errno == EACCES || errno == EPERM || errno == ELOOP ? errno
											    : 0;
	if (fstat(f, &st) || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ||
			       (S_ISREG(st.st_mode) && (regular || !st.st_size)))) {
		close(f);
		return S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode) ? ENODEV : 0;
	}
	fl = fcntl(f, F_GETFL);
	if (fl < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK)) {
		fl = errno;
		close(f);
		return fl;
	}
	*fd = f;
	return 0;
}

/* The last way that never replaces: to made with O_EXCL, from's bytes
 * copied in, from removed.  Not whole at once: a reader may see it grow. */
static int copy_excl(const char *from, const char *to)
{
	char buf[4096];
	int in, out, rc = 0;
	ssize_t r;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = errno;
		close(in);
		return rc;
	}
	while (!rc) {
		r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? errno : 0;
			break;
		}
		rc = _as_write_all(out, buf, (size_t)r);
	}
	close(in);
	if (close(out) && !rc)
		rc = errno;
	if (rc)
		(void)unlink(to); /* ours: made above */
	else
		(void)unlink(from);
	return rc;
}

int _as_publish(const char *from, const char *to)
{
	int rc = 0;
#ifdef SYS_renameat2
	if (!syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	rc = errno;
#endif
	/* no RENAME_NOREPLACE here (EINVAL: NFS, 9p, vboxsf; ENOSYS, EPERM: an
	 * old kernel or a seccomp filter): link fails on any existing name too */
	if (rc && rc != EINVAL && rc != ENOSYS && rc != EOPNOTSUPP && rc != EPERM)
		return rc;
	if (!link(from, to)) {
		(void)unlink(from);
		return 0;
	}
	rc = errno;
	if (rc != EPERM && rc != EOPNOTSUPP && rc != ENOSYS && rc != EMLINK)
		return rc;
	/* no hard links either (vfat, some FUSE file systems, a filter) */
	return copy_excl(from, to);
}

long _as_read_file(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	int fd, err;
	if (!cap)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	close(fd);
	return (long)n;
}

int64_t _as_proc_field(const char *buf, const char *key)
{
	const char *p = buf, *rest;
	while (*p) {
		if (_as_prefix(p, key, &rest) && *rest == ':') {
			int64_t v = 0;
			rest++;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			if (*rest < '0' || *rest > '9')
				return -1;
			while (*rest >= '0' && *rest <= '9')
				v = v * 10 + (*rest++ - '0');
			while (*rest == ' ')
				rest++;
			if (rest[0] == 'k' && rest[1] == 'B')
				v *= 1024;
			return v;
		}
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	return -1;
}
