/* sites: sampled allocation sites name the functions that allocated, in the
 * right proportions (ALLOCSWAP_STATS=full, ALLOCSWAP_SAMPLE_BYTES=64K).
 *
 *   site_a      192 MiB in 4 KiB blocks, each freed at once
 *   site_b       64 MiB the same way, in a second thread: a/b is 3:1
 *   site_c       16 MiB in 4 KiB blocks kept to the end: its live bytes
 *   site_d       32 MiB in a forked child, which writes its own report:
 *                site_d's bytes, no site_a (estimates start afresh at the
 *                fork) and site_c's inherited live blocks
 *
 * Each estimate is a sum over samples of n / p(n) (as_sample.h), so its
 * relative standard deviation is about 1/sqrt(samples): 1.8% for site_a,
 * 3.1% for site_b, 6.3% for site_c, 4.4% for site_d.  The bounds below
 * are four to five of those: a correct sampler fails them about once in
 * 10^4 runs, a wrong weight or a lost thread fails them every time.
 * "unsampled" as argv[1] only allocates (no libunwind in the library path).
 * Exact checks: all of site_a's and site_b's sampled blocks were freed
 * (live 0), nothing was dropped, no malloc call made while a stack was
 * taken reached the backend.
 *
 * Built with -rdynamic (the site functions are in the dynamic symbol table,
 * which is what dladdr reads) and without malloc builtins, so the compiler
 * keeps every malloc/free pair.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define BLOCK 4096
#define MIB (1024 * 1024)
#define KEEP (16 * MIB / BLOCK)

static void *kept[KEEP];

static void churn(unsigned blocks)
{
	unsigned i;
	for (i = 0; i < blocks; i++) {
		volatile char *p = malloc(BLOCK);
		if (!p)
			exit(3);
		p[0] = (char)i;
		free((void *)p);
	}
}

__attribute__((noinline)) void site_a(void)
{
	churn(192 * (MIB / BLOCK));
}

__attribute__((noinline)) void site_b(void)
{
	churn(64 * (MIB / BLOCK));
}

__attribute__((noinline)) void site_c(void)
{
	unsigned i;
	for (i = 0; i < KEEP; i++) {
		kept[i] = malloc(BLOCK);
		if (!kept[i])
			exit(3);
	}
}

__attribute__((noinline)) void site_d(void)
{
	churn(32 * (MIB / BLOCK));
}

void *thread_b(void *arg);
void *thread_b(void *arg)
{
	(void)arg;
	site_b();
	return NULL;
}

/* EXPECT lines: est within [lo%, hi%] of want bytes. */
static void within(long pid, const char *field, uint64_t want, unsigned pct)
{
	uint64_t lo = want / 100 * (100 - pct), hi = want / 100 * (100 + pct);
	if (pid) {
		it_expect_child(pid, "%s >= %llu", field, (unsigned long long)lo);
		it_expect_child(pid, "%s <= %llu", field, (unsigned long long)hi);
	} else {
		t_expect("%s >= %llu", field, (unsigned long long)lo);
		t_expect("%s <= %llu", field, (unsigned long long)hi);
	}
}

int main(int argc, char **argv)
{
	int sampled = !(argc > 1 && !strcmp(argv[1], "unsampled"));
	pthread_t th;
	pid_t pid;
	int st = 0;

	site_a();
	T_EQ(pthread_create(&th, NULL, thread_b, NULL), 0);
	T_EQ(pthread_join(th, NULL), 0);
	site_c();

	pid = fork();
	T_CHECK(pid >= 0);
	if (pid == 0) {
		site_d();
		exit(0);
	}
	T_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!sampled)
		return t_done(); /* as_check checks that the report says why */

	t_expect("sampling.source == libunwind");
	t_expect("sampling.mean_bytes == 65536");
	t_expect("sampling.reentrant == 0");
	/* glibc allocating libunwind's TLS for thread_b, from libswap's arena */
	t_expect("sampling.reentrant_boot <= 2");
	t_expect("sampling.dropped_samples == 0");
	t_expect("sampling.dropped_live == 0");
	within(0, "sites.frames~site_a.bytes", 192ull * MIB, 9);
	within(0, "sites.frames~site_b.bytes", 64ull * MIB, 15);
	within(0, "sites.frames~site_c.bytes", 16ull * MIB, 30);
	within(0, "sites_by_live.frames~site_c.live_bytes", 16ull * MIB, 30);
	within(0, "sites.frames~site_a.count", 192ull * MIB / BLOCK, 9);
	t_expect("sites.frames~site_a.live_bytes == 0");
	t_expect("sites.frames~site_b.live_bytes == 0");
	/* the caller of each site is named too: main, or the thread's start */
	t_expect("sites.frames~site_a.frames.1 has main+0x");
	t_expect("sites.frames~site_b.frames.1 has thread_b+0x");
	/* symbol+offset, then the module and the offset addr2line takes */
	t_expect("sites.frames~site_a.frames.0 has sites+0x");
	t_expect("sites_by_live.0.frames.0 has site_c+0x");

	it_expect_child(pid, "sampling.reentrant == 0");
	within(pid, "sites.frames~site_d.bytes", 32ull * MIB, 20);
	it_expect_child(pid, "sites.0.frames.0 has site_d+0x");
	within(pid, "sites_by_live.frames~site_c.live_bytes", 16ull * MIB, 30);
	return t_done();
}
