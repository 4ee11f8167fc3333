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

int _as_counters_open(const char *pattern)
{
	struct as_counters_page *p;
	struct stat st;
	int fd, rc;
	if (!pattern || !pattern[0])
		return 0;
	C.pattern = pattern;
	rc = _as_report_expand(pattern, getpid(),
			       program_invocation_short_name ? program_invocation_short_name : "",
			       C.path, sizeof C.path);
	if (rc)
		goto fail;
	fd = open(C.path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = errno;
		goto fail;
	}
	rc = fstat(fd, &st) ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	if (!rc && st.st_size < AS_COUNTERS_SIZE && ftruncate(fd, AS_COUNTERS_SIZE))
		rc = errno;
	p = rc ? MAP_FAILED
	       : mmap(NULL, AS_COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!rc && p == MAP_FAILED)
		rc = errno;
	close(fd);
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
