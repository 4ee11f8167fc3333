/* as_file: files written whole or not at all (as_file.h). */
#include "as_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int as_file_open(struct as_file *a, const char *path)
{
	int fd;
	a->f = NULL;
	if ((size_t)snprintf(a->path, sizeof a->path, "%s", path) >= sizeof a->path)
		return ENAMETOOLONG;
	snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* left by a killed process that had this pid */
		unlink(a->tmp);
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
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
	int rc = 0;
	if (!a->f)
		return EBADF;
	if (fflush(a->f) || ferror(a->f))
		rc = errno ? errno : EIO;
	if (!rc && keep && fsync(fileno(a->f)))
		rc = errno;
	if (fclose(a->f) && !rc)
		rc = errno ? errno : EIO;
	a->f = NULL;
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
