/* timeline: live bytes and RSS of a running child, sampled from outside.
 *
 * The child runs under libswap with ALLOCSWAP_COUNTERS set (as_counters.h):
 * libswap maps a one-page file and publishes its global live bytes there at
 * every fold.  The parent maps the same file read-only and, every MS
 * milliseconds while the child runs, reads the page's live bytes and the
 * child's /proc/PID/statm (resident pages).  Nothing runs in the child, no
 * clock is read and no system call is made on its allocation path.
 *
 * The parent sleeps between samples in poll(2) on a pidfd, which becomes
 * readable the moment the child exits, so the wall time is not stretched
 * by up to MS; without pidfds (kernels before 5.3) it naps 1 ms at a time.
 *
 * Points are [t_ms, live_bytes, rss_bytes] (the report's "timeline"
 * contract), t_ms counted from as_timeline_init.  A sample is taken only
 * once the page exists and carries the child's pid (before libswap's
 * constructor ran there is nothing to read); a child that never maps it
 * (stats off, a static program) leaves the timeline empty.
 */
#ifndef ALLOCSWAP_TIMELINE_H
#define ALLOCSWAP_TIMELINE_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

struct as_counters_page;

struct as_timeline {
	unsigned every_ms;
	char dir[4096];    /* where the pages are: DIR/c-PID */
	pid_t pid;         /* the sampled child, once known */
	int pidfd;         /* -1: none (yet) */
	int64_t t0_ns, next_ns;
	const struct as_counters_page *page;
	json_t *points;    /* [[t_ms, live, rss], ...] */
};

/* The ALLOCSWAP_COUNTERS value to give the child for pages in dir. */
#define AS_TIMELINE_PATTERN "%s/c-%%p"

void as_timeline_init(struct as_timeline *t, unsigned every_ms, const char *dir);
/* Called by a parent waiting for pid with WNOHANG: samples when a sample
 * is due, then sleeps until the next one is due or pid exits (or a signal
 * arrives). */
void as_timeline_wait(struct as_timeline *t, pid_t pid);
/* The same, in the form of as_launch_cfg.watch (arg is the struct as_timeline). */
void as_timeline_watch(pid_t pid, void *arg);
/* The points (a new reference; an empty array when none). */
json_t *as_timeline_points(const struct as_timeline *t);
void as_timeline_free(struct as_timeline *t);

#endif
