/* timeline: sampling a child's live bytes and RSS from outside (see timeline.h). */
#include "timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "as_counters.h"

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void as_timeline_init(struct as_timeline *t, unsigned every_ms, const char *dir)
{
	memset(t, 0, sizeof *t);
	t->every_ms = every_ms ? every_ms : 1;
	snprintf(t->dir, sizeof t->dir, "%s", dir);
	t->pidfd = -1;
	t->t0_ns = t->next_ns = now_ns();
	t->points = json_array();
}

/* Maps DIR/c-PID once libswap has sized it and written its header. */
static const struct as_counters_page *map_page(struct as_timeline *t)
{
	char path[4200];
	struct stat st;
	void *p;
	int fd;
	snprintf(path, sizeof path, "%s/c-%ld", t->dir, (long)t->pid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* a shorter file would fault on reading: libswap sizes it first */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < AS_COUNTERS_SIZE) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, AS_COUNTERS_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int page_ok(const struct as_counters_page *p, pid_t pid)
{
	return __atomic_load_n(&p->magic, __ATOMIC_ACQUIRE) == AS_COUNTERS_MAGIC &&
	       p->version == AS_COUNTERS_VERSION && p->pid == pid;
}

/* Resident bytes of pid from /proc/PID/statm (second field, in pages), or -1. */
static int64_t rss_of(pid_t pid)
{
	char path[64], buf[128];
	long size, res;
	ssize_t n;
	int fd;
	snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%ld %ld", &size, &res) != 2)
		return -1;
	return (int64_t)res * sysconf(_SC_PAGESIZE);
}

static void sample(struct as_timeline *t, int64_t now)
{
	int64_t live, rss;
	if (!t->page)
		t->page = map_page(t);
	if (!t->page || !page_ok(t->page, t->pid))
		return;
	live = __atomic_load_n(&t->page->live, __ATOMIC_RELAXED);
	rss = rss_of(t->pid);
	if (rss <= 0) /* the child is gone (a zombie has no memory) */
		return;
	json_array_append_new(t->points,
			      json_pack("[I, I, I]", (json_int_t)((now - t->t0_ns) / 1000000),
					(json_int_t)(live > 0 ? live : 0), (json_int_t)rss));
}

void as_timeline_wait(struct as_timeline *t, pid_t pid)
{
	int64_t now = now_ns(), step = (int64_t)t->every_ms * 1000000, wait_ms;
	if (t->pid != pid) {
		t->pid = pid;
#ifdef SYS_pidfd_open
		t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	}
	if (now >= t->next_ns) {
		sample(t, now);
		t->next_ns += step;
		if (t->next_ns <= now) /* late (a stopped parent): skip, do not burst */
			t->next_ns = now + step;
	}
	wait_ms = (t->next_ns - now + 999999) / 1000000;
	if (t->pidfd >= 0) {
		struct pollfd pf = {.fd = t->pidfd, .events = POLLIN};
		(void)poll(&pf, 1, (int)wait_ms); /* EINTR: the caller looks again */
	} else {
		struct timespec ts = {0, 1000000};
		(void)nanosleep(&ts, NULL);
	}
}

void as_timeline_watch(pid_t pid, void *arg)
{
	as_timeline_wait(arg, pid);
}

json_t *as_timeline_points(const struct as_timeline *t)
{
	return json_incref(t->points);
}

void as_timeline_free(struct as_timeline *t)
{
	if (t->page)
		munmap((void *)(uintptr_t)t->page, AS_COUNTERS_SIZE);
	if (t->pidfd >= 0)
		close(t->pidfd);
	json_decref(t->points);
	memset(t, 0, sizeof *t);
	t->pidfd = -1;
}
