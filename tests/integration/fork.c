/* fork: children of a preloaded process keep working and write reports of
 * their own.
 *
 * Phase 1: the parent holds some blocks and forks; the child reads and
 * frees half of the inherited blocks, allocates a known pattern and leaves
 * with exit().  Its report (ALLOCSWAP_REPORT has %p) is its own: its pid,
 * the parent as ppid, and counters that start afresh at the fork.
 * Phase 2: a thread keeps allocating while the parent forks several
 * children, which allocate and exit too (no deadlock on allocator locks).
 * "single" as argv[1] forks them with no other thread running: oneTBB's
 * tbbmalloc registers no fork handlers, and a child forked while another
 * thread is inside it can spin forever in tbbmalloc's exit-time cleanup
 * (seen on 2 loaded cores within 300 runs with plain
 * LD_PRELOAD=libtbbmalloc_proxy.so.2, libswap not loaded).
 *
 * as_check --reports 2+CHILDREN2 checks that every process wrote one.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define HELD 10
#define CHILD_BLOCKS 100
#define CHILD_KEEP 40
#define CHILDREN2 5

static void *held[HELD];
static volatile int stop;

static size_t child_size(unsigned i)
{
	return 16 + (size_t)i * 37;
}

/* The first child: works on inherited blocks, then its own. */
static void child_a(void)
{
	void *mine[CHILD_BLOCKS];
	unsigned i, ok = 1;
	for (i = 0; i < HELD; i++)
		ok &= it_check(held[i], 1000, i);
	for (i = 0; i < HELD / 2; i++)
		free(held[i]);
	for (i = 0; i < CHILD_BLOCKS; i++) {
		mine[i] = malloc(child_size(i));
		ok &= mine[i] != NULL;
		if (mine[i])
			it_fill(mine[i], child_size(i), i);
	}
	for (i = CHILD_KEEP; i < CHILD_BLOCKS; i++) {
		ok &= it_check(mine[i], child_size(i), i);
		free(mine[i]);
	}
	exit(ok ? 0 : 3);
}

static void child_b(unsigned k)
{
	unsigned i;
	for (i = 0; i < 200; i++) {
		void *p = malloc(100 + i * k);
		if (!p)
			exit(3);
		memset(p, (int)i, 100 + i * k);
		if (i % 2)
			free(p);
	}
	exit(0);
}

static void *churn(void *arg)
{
	unsigned i = 0;
	(void)arg;
	while (!stop) {
		void *p = malloc(64 + i % 5000);
		if (p)
			memset(p, 1, 64 + i % 5000);
		free(p);
		i++;
	}
	return NULL;
}

static void wait_ok(pid_t pid)
{
	int st = 0;
	T_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st));
	T_EQ(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
	pid_t a, b[CHILDREN2];
	pthread_t th;
	const char *alloc = getenv("ALLOCSWAP_ALLOCATOR");
	uint64_t requested = 0;
	unsigned i;
	int threaded = !(argc > 1 && strcmp(argv[1], "single") == 0);

	for (i = 0; i < HELD; i++) {
		held[i] = malloc(1000);
		T_CHECK(held[i] != NULL);
		if (!held[i])
			return t_done();
		it_fill(held[i], 1000, i);
	}
	a = fork();
	T_CHECK(a >= 0);
	if (a == 0)
		child_a();
	wait_ok(a);
	for (i = 0; i < CHILD_BLOCKS; i++)
		requested += child_size(i);
	it_expect_child(a, "process.pid == %ld", (long)a);
	it_expect_child(a, "process.ppid == %ld", (long)getpid());
	if (alloc)
		it_expect_child(a, "allocator.requested == %s", alloc);
	/* counters start afresh in the child: its own calls only */
	it_expect_child(a, "calls.malloc == %u", CHILD_BLOCKS);
	it_expect_child(a, "calls.free == %u", CHILD_BLOCKS - CHILD_KEEP + HELD / 2);
	it_expect_child(a, "bytes.requested == %llu", (unsigned long long)requested);
	it_expect_child(a, "calls.failed == 0");

	/* the parent's blocks are untouched by the child's frees */
	for (i = 0; i < HELD; i++) {
		T_CHECK(it_check(held[i], 1000, i));
		free(held[i]);
	}

	if (threaded)
		T_EQ(pthread_create(&th, NULL, churn, NULL), 0);
	for (i = 0; i < CHILDREN2; i++) {
		b[i] = fork();
		T_CHECK(b[i] >= 0);
		if (b[i] == 0)
			child_b(i + 1);
		usleep(1000);
	}
	stop = 1;
	if (threaded)
		T_EQ(pthread_join(th, NULL), 0);
	for (i = 0; i < CHILDREN2; i++) {
		wait_ok(b[i]);
		it_expect_child(b[i], "process.pid == %ld", (long)b[i]);
		it_expect_child(b[i], "calls.malloc == 200");
		it_expect_child(b[i], "calls.free == 100");
	}
	return t_done();
}
