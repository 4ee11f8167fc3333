/* wrap_mmap: the program's own calls to libc's mmap family, a known number
 * of each, for the "libc-wrappers" syscall counts (perf denied), and a
 * check that nothing is rewritten when perf counts.
 *
 *   wrap_mmap exact|more-mmap|more-brk|perf [N [fork]]
 *
 * Maps, touches and unmaps N (default 16) blocks of 1 MiB (every third
 * through a pointer to mmap, on glibc every other one with mmap64, which
 * is what mmap means there with _FILE_OFFSET_BITS=64), grows a block with mremap (MREMAP_MAYMOVE) and
 * moves it with mremap onto a reserved range (MREMAP_FIXED: the wrapper
 * must pass the fifth argument on), advises it 3 times and asks sbrk(0)
 * twice: N + 2 mmap, N + 1 munmap, 2 mremap, 3 madvise, 2 brk.  Then it
 * mallocs and frees 20 blocks of 40 MiB, which the allocator serves as it
 * likes: glibc's and musl's malloc map them inside libc, where no wrapper
 * sees it; other backends call libc's mmap (or sbrk) for them.
 *
 *   exact     syscalls.* are exactly the program's own calls (the system
 *             allocator)
 *   more-mmap mmap is above the program's own count (the backend's own
 *             mappings), the others at least the program's
 *   more-brk  the same with brk (tcmalloc grows its heap with sbrk first)
 *   perf      perf counts: at least the program's own calls, and the
 *             program's GOT entry for mmap still holds libc's mmap
 *
 * fork: then a child maps and unmaps 5 blocks and exits; its report must
 * count exactly those (counters start afresh after fork; the rewritten
 * slots are inherited).
 *
 * In a PIE build, taking mmap's address reads the program's GOT slot
 * (R_X86_64_GLOB_DAT): in every mode but perf it must point into libswap,
 * in perf mode it must be libc's mmap.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define MIB ((size_t)1 << 20)
#define BIG ((size_t)40 << 20)

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

/* Every third call goes through mmap's address: the GOT slot in a PIE, the
 * program's own PLT entry without PIE (whose slot must be hooked then). */
static void *map(size_t n, int prot, int i)
{
	mmap_fn volatile fn = mmap;
	if (i % 3 == 2)
		return fn(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#ifdef __GLIBC__
	if (i & 1)
		return mmap64(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
	return mmap(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int blocks(int n)
{
	int i;
	for (i = 0; i < n; i++) {
		char *p = map(MIB, PROT_READ | PROT_WRITE, i);
		if (p == MAP_FAILED)
			return 3;
		p[MIB / 2] = 1;
		if (munmap(p, MIB))
			return 3;
	}
	return 0;
}

/* 2 mmap, 2 mremap, 3 madvise, 1 munmap; the contents must travel. */
static int remaps(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	unsigned char *a, *b, *r, *c;
	a = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 4;
	for (i = 0; i < 2 * pg; i++)
		a[i] = (unsigned char)(i * 7);
	b = mremap(a, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
	r = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED || r == MAP_FAILED)
		return 4;
	c = mremap(b, 8 * pg, 8 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	if (c != r) {
		fprintf(stderr, "wrap_mmap: mremap(MREMAP_FIXED) gave %p, not %p\n", (void *)c,
			(void *)r);
		return 4;
	}
	for (i = 0; i < 2 * pg; i++)
		if (c[i] != (unsigned char)(i * 7))
			return 4;
	if (madvise(c, 8 * pg, MADV_NORMAL) || madvise(c, 8 * pg, MADV_WILLNEED) ||
	    madvise(c, 8 * pg, MADV_DONTNEED) || munmap(c, 8 * pg))
		return 4;
	return 0;
}

/* Where the program's GOT slot for mmap points, checked against what the mode says. */
static int check_slot(int hooked)
{
#ifdef __PIE__
	uintptr_t mine = (uintptr_t)mmap;
	uintptr_t libc = (uintptr_t)dlsym(RTLD_NEXT, "mmap");
	Dl_info in;
	if (!hooked && mine != libc) {
		fprintf(stderr, "wrap_mmap: perf counts, yet the GOT slot for mmap was rewritten\n");
		return 5;
	}
	if (hooked && (!dladdr((void *)mine, &in) || !in.dli_fname ||
		       !strstr(in.dli_fname, "libswap"))) {
		fprintf(stderr, "wrap_mmap: the GOT slot for mmap does not point into libswap (%s)\n",
			dladdr((void *)mine, &in) && in.dli_fname ? in.dli_fname : "?");
		return 5;
	}
#else
	(void)hooked;
#endif
	return 0;
}

/* The child counts its own calls only. */
static int forked(void)
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		return 7;
	if (pid == 0)
		exit(blocks(5));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 7;
	it_expect_child(pid, "syscalls.source == libc-wrappers");
	it_expect_child(pid, "syscalls.mmap == 5");
	it_expect_child(pid, "syscalls.munmap == 5");
	it_expect_child(pid, "syscalls.mremap == 0");
	it_expect_child(pid, "syscalls.madvise == 0");
	it_expect_child(pid, "syscalls.brk == 0");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exact";
	int n = argc > 2 ? atoi(argv[2]) : 16, i, rc;
	const char *more = "";
	it_warm_up();
	if ((rc = check_slot(strcmp(mode, "perf"))) || (rc = blocks(n)) || (rc = remaps()))
		return rc;
	if (sbrk(0) == (void *)-1 || sbrk(0) == (void *)-1)
		return 6;
	for (i = 0; i < 20; i++) {
		char *volatile p = malloc(BIG);
		if (!p)
			return 3;
		p[BIG / 2] = 1;
		free(p);
	}
	if (argc > 3 && !strcmp(argv[3], "fork") && (rc = forked()))
		return rc;
	if (!strcmp(mode, "exact")) {
		t_expect("syscalls.mmap == %d", n + 2);
		t_expect("syscalls.munmap == %d", n + 1);
		t_expect("syscalls.mremap == 2");
		t_expect("syscalls.madvise == 3");
		t_expect("syscalls.brk == 2");
		return 0;
	}
	(void)t_done_named; /* the report is what is checked */
	if (!strcmp(mode, "more-mmap"))
		more = "mmap";
	else if (!strcmp(mode, "more-brk"))
		more = "brk";
	t_expect("syscalls.mmap %s %d", strcmp(more, "mmap") ? ">=" : ">", n + 2);
	t_expect("syscalls.munmap >= %d", n + 1);
	t_expect("syscalls.mremap >= 2");
	t_expect("syscalls.madvise >= 3");
	/* perf counts brk syscalls, and glibc's sbrk(0) makes none */
	if (strcmp(mode, "perf"))
		t_expect("syscalls.brk %s 2", strcmp(more, "brk") ? ">=" : ">");
	return 0;
}
