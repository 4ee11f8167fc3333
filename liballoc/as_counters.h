/* as_counters: the shared counters page, for sampling a process from outside.
 *
 * No calls to malloc in this file.
 *
 * When ALLOCSWAP_COUNTERS names a file (%p is the pid, %e the program name,
 * as in ALLOCSWAP_REPORT) and stats are counted, libswap creates it at
 * start-up, sizes it to AS_COUNTERS_SIZE bytes and maps it MAP_SHARED.
 * Every fold of a thread's live-byte delta into the global count (see
 * as_stats.h: at most once per ALLOCSWAP_SLACK bytes a thread allocates or
 * frees, never on the fast path) then stores the global live bytes and
 * peak into the page with relaxed stores.  Another process (allocswap run
 * --timeline) maps the same file read-only and reads them whenever it
 * likes: no thread in the target, no system call, no clock read.
 *
 * What the page says is the global count, so it lags the truth by what the
 * threads have not folded yet: at most threads x slack bytes (64 KiB per
 * allocating thread by default; ALLOCSWAP_SLACK=0 makes it exact at the cost
 * of one atomic add per call).  Two folds racing each other may leave the
 * older value in the page until the next fold.  Call counts are not in the
 * page: they stay in the per-thread blocks until the report sums them.
 *
 * The file is created with O_CREAT|O_EXCL|O_NOFOLLOW: libswap never writes
 * into a file it did not create, nor through a symlink.  The one existing
 * file it takes is its own page: an exec keeps the pid and reopens the file
 * the program before it created, while a reader may have it mapped (a
 * regular file of AS_COUNTERS_SIZE bytes owned by this user, with the magic
 * and this pid in its header); it is never truncated.  Anything else at
 * the path is left alone: EEXIST (ELOOP for a symlink), and no page.  A
 * reader checks the size and the magic before trusting it.  The header is
 * written before the magic, which is stored last with release order.
 *
 * fork: the child unmaps the parent's page (its folds must not write into
 * it) and, when the pattern has %p, creates its own.  Secure-execution
 * processes map nothing.
 */
#ifndef ALLOCSWAP_AS_COUNTERS_H
#define ALLOCSWAP_AS_COUNTERS_H

#include <stdint.h>

#define AS_COUNTERS_MAGIC 0x31544e4357534c41ULL /* "ALSWCNT1", little-endian */
#define AS_COUNTERS_VERSION 1
#define AS_COUNTERS_SIZE 4096

struct as_counters_page {
	uint64_t magic;    /* AS_COUNTERS_MAGIC once the header is valid */
	uint32_t version;  /* AS_COUNTERS_VERSION */
	uint32_t size;     /* sizeof(struct as_counters_page) */
	int64_t pid;       /* the process that writes this page */
	int64_t slack;     /* ALLOCSWAP_SLACK: live may lag by threads x slack */
	int64_t live;      /* global live bytes (usable sizes), at the last fold */
	int64_t peak;      /* global peak of live bytes */
	uint64_t folds;    /* number of publications: changes when live does */
};

/* Creates and maps the page for pattern (if non-empty) and hands it to the
 * counting layer.  0, or an errno value (the caller says why and goes on
 * without it): EEXIST when the path is taken by another file, ELOOP when
 * it is a symlink, EINVAL or ENAMETOOLONG for the pattern. */
int _as_counters_open(const char *pattern);
/* In a fork child: drop the parent's page; reopen for this pid when the
 * pattern has %p. */
void _as_counters_after_fork_child(void);
/* The path really used, "" when no page is mapped. */
const char *_as_counters_path(void);

#endif
