/* timeline: a heap that rises in steps and falls, for the report's timeline
 * (ALLOCSWAP_STATS=full, as_timeline.h).
 *
 * Allocates 512 blocks of 64 KiB (32 MiB), writing each one so that RSS
 * follows, with a short sleep after each: about 300 ms of growth.  Then it
 * frees them all at once, and for another 50 ms or so keeps allocating a
 * little (blocks above the slack, so that each call folds and leaves a
 * point behind the fall).  meson.build checks the timeline against the
 * report's own figures (as_check's array paths: max:K, increasing:K).
 *
 * With "fork", a child forked at the top frees everything and does the
 * tail itself: its timeline starts afresh at the fork (t = 0) with the
 * 32 MiB it inherited.  The parent checks that with EXPECT[PID] lines.
 *
 * Usage: timeline [fork]
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define BLOCK ((size_t)64 << 10)
#define TAIL ((size_t)96 << 10)
#define NBLOCKS 512

static void nap_us(long us)
{
	struct timespec ts = {0, us * 1000};
	while (nanosleep(&ts, &ts))
		;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void fall(void **blocks)
{
	int i;
	for (i = 0; i < NBLOCKS; i++)
		free(blocks[i]);
	/* the tail: a 96 KiB block crosses the 64 KiB slack both ways, so
	 * each malloc and each free folds */
	for (i = 0; i < 40; i++) {
		void *volatile p = malloc(TAIL);
		T_CHECK(p != NULL);
		free(p);
		nap_us(1000);
	}
}

int main(int argc, char **argv)
{
	static void *blocks[NBLOCKS];
	int forking = argc > 1 && !strcmp(argv[1], "fork"), i;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	it_warm_up();
	for (i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		T_CHECK(blocks[i] != NULL);
		if (blocks[i])
			memset(blocks[i], i & 0xff, BLOCK);
		nap_us(600);
	}
	if (forking) {
		long up_ms = ms_since(&t0);
		int st = 0;
		pid_t pid = fork();
		T_CHECK(pid >= 0);
		if (pid == 0) {
			fall(blocks);
			exit(t_done());
		}
		T_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		/* the child's clock starts at the fork, its heap at what it inherited */
		it_expect_child((long)pid, "timeline_info.source == fold");
		it_expect_child((long)pid, "timeline.0.0 == 0");
		it_expect_child((long)pid, "timeline.0.1 >= %zu", NBLOCKS * BLOCK);
		it_expect_child((long)pid, "timeline.-1.0 < %ld", up_ms);
		it_expect_child((long)pid, "timeline.-1.1 < %d", 1 << 20);
		it_expect_child((long)pid, "timeline.increasing:0 == true");
		it_expect_child((long)pid, "timeline.max:3.3 == field:bytes.peak_live");
	}
	fall(blocks);
	return t_done();
}
