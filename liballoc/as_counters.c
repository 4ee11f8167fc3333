/* as_counters: the shared counters page.  No calls to malloc in this file. */
#include "as_counters.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as_report.h"
#include "as_stats.h"
#include "as_sys.h"

extern char *program_invocation_short_name;

static struct {
	const char *pattern;
	char path[1024];
	struct as_counters_page *page;
} C;

static int has_pid(const char *s)
{
	for (; *s; s++) {
		if (*s == '%' && s[1] == 'p')
			return 1;
		if (*s == '%' && s[1])
			s++;
	}
	return 0;
}

/* An existing file is taken only when it is this process's own page: an
 * exec keeps the pid and comes back here for the file that the program
 * before it created (and a reader may still have mapped). */
static int own_page(int fd, const struct stat *st)
{
	struct as_counters_page h;
	if (!S_ISREG(st->st_mode) || st->st_size != AS_COUNTERS_SIZE || st->st_uid != geteuid())
		return 0;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		return 0;
	return h.magic == AS_COUNTERS_MAGIC && h.version == AS_COUNTERS_VERSION &&
	       h.pid == (int64_t)getpid();
}

int _as_counters_open(const char *pattern)
{
	struct as_counters_page *p;
	struct stat st;
	int fd, rc, created = 0;
	if (!pattern || !pattern[0])
		return 0;
	C.pattern = pattern;
	rc = _as_report_expand(pattern, getpid(),
			       program_invocation_short_name ? program_invocation_short_name : "",
			       C.path, sizeof C.path);
	if (rc)
		goto fail;
	/* never a file someone else made, never through a symlink */
	fd = open(C.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* blocks allocated now: on a full file system a sparse page
		 * would be a SIGBUS at the first store, not an error here */
		rc = posix_fallocate(fd, 0, AS_COUNTERS_SIZE);
		if (rc == EOPNOTSUPP || rc == ENOSYS || rc == EINVAL)
			rc = ftruncate(fd, AS_COUNTERS_SIZE) ? errno : 0;
		created = 1;
	} else if (errno == EEXIST) {
		fd = open(C.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = errno == ELOOP ? ELOOP : EEXIST;
			goto fail;
		}
		rc = fstat(fd, &st) ? errno : own_page(fd, &st) ? 0 : EEXIST;
	} else {
		rc = errno;
		goto fail;
	}
	p = rc ? MAP_FAILED
	       : mmap(NULL, AS_COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!rc && p == MAP_FAILED)
		rc = errno;
	close(fd);
	if (rc && created)
		(void)unlink(C.path); /* ours: nothing half-made stays */
	if (rc)
		goto fail;
	__atomic_store_n(&p->magic, 0, __ATOMIC_RELAXED);
	p->version = AS_COUNTERS_VERSION;
	p->size = sizeof *p;
	p->pid = getpid();
	p->slack = 0;
	p->live = p->peak = 0;
	p->folds = 0;
	_as_stats_set_page(p); /* fills slack, live and peak */
	__atomic_store_n(&p->magic, AS_COUNTERS_MAGIC, __ATOMIC_RELEASE);
	C.page = p;
	return 0;
fail:
	C.path[0] = 0;
	return rc;
}

void _as_counters_after_fork_child(void)
{
	if (!C.page)
		return;
	_as_stats_set_page(NULL);
	munmap(C.page, AS_COUNTERS_SIZE);
	C.page = NULL;
	C.path[0] = 0;
	if (has_pid(C.pattern))
		(void)_as_counters_open(C.pattern);
}

const char *_as_counters_path(void)
{
	return C.path;
}
