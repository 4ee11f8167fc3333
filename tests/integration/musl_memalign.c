/* musl_memalign: musl's own memalign family under libswap (musl build only).
 *
 *   musl_memalign BACKEND
 *
 * musl 1.2.3 implements the family on top of the public aligned_alloc:
 *   src/malloc/memalign.c        memalign(a, n)  = aligned_alloc(a, n)
 *   src/malloc/posix_memalign.c  a < sizeof(void *): EINVAL; else
 *                                aligned_alloc(a, n), errno on failure
 *   src/legacy/valloc.c          valloc(n)       = memalign(PAGE_SIZE, n)
 * and aligned_alloc and memalign are in musl's dynamic.list, so those calls
 * go through the PLT: with libswap preloaded they land in libswap's
 * aligned_alloc and memalign.  (musl's own aligned_alloc, which libswap's
 * system backend calls, allocates with the internal __libc_malloc_impl, not
 * the public malloc: src/malloc/mallocng/glue.h renames malloc.)
 *
 * A program reaches musl's definitions when a library calls them from inside
 * libc, or looks them up in libc itself; this one does the latter (dlsym on
 * musl's handle, dlopen("libc.so")) and checks that each call
 *   - is served by the backend (its own size/ownership function agrees),
 *     aligned, and freed by the public free;
 *   - counts once, as one aligned call of the size asked: no malloc, no
 *     second aligned call, requested and live bytes exact;
 *   - with a bad alignment fails the way musl's code says: posix_memalign
 *     EINVAL (below sizeof(void *) without calling anything; 24 through
 *     aligned_alloc's EINVAL), memalign(24) NULL with errno EINVAL (musl
 *     does not round the alignment up as glibc does), none of them counted.
 * (libswap's own memalign follows the same rule under musl: errno_edges.)
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

typedef void *(*memalign_fn)(size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*valloc_fn)(size_t);

#define FN(type, h, name) ((type)(uintptr_t)dlsym(h, name))

static const char *backend;
static void *libc, *backend_handle;

/* The backend's own answer for a block of n bytes it handed out. */
static int served_by_backend(void *p, size_t n)
{
	if (!strcmp(backend, "system")) {
		/* musl's own malloc_usable_size: mallocng keeps the size asked */
		size_t (*us)(void *) = FN(size_t(*)(void *), libc, "malloc_usable_size");
		return us && us(p) == n;
	}
	if (!strcmp(backend, "jemalloc")) {
		size_t (*sallocx)(void *, int) =
			backend_handle ? FN(size_t(*)(void *, int), backend_handle, "sallocx") : NULL;
		return sallocx && sallocx(p, 0) >= n;
	}
	if (!strcmp(backend, "mimalloc")) {
		_Bool (*in_heap)(const void *) =
			backend_handle ? FN(_Bool(*)(const void *), backend_handle, "mi_is_in_heap_region")
				       : NULL;
		size_t (*us)(const void *) =
			backend_handle ? FN(size_t(*)(const void *), backend_handle, "mi_usable_size") : NULL;
		return in_heap && us && in_heap(p) && us(p) >= n;
	}
	t_say("unknown backend %s", backend);
	return 0;
}

int main(int argc, char **argv)
{
	void *p;
	memalign_fn m_memalign;
	posix_memalign_fn m_posix_memalign;
	valloc_fn m_valloc;
	Dl_info self_info, fn_info;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t requested = 0;
	unsigned aligned = 0, frees = 0, i;
	int rc;
	static const size_t sizes[] = {1, 24, 100, 1000, 5000, 70000, 300000};
	static const size_t aligns[] = {16, 32, 64, 256, 4096, 65536};

	if (argc != 2) {
		t_say("usage: musl_memalign BACKEND, under as_check");
		return 2;
	}
	backend = argv[1];
	it_warm_up();
	/* musl's libc.so and its loader are one object: this is musl's handle */
	libc = dlopen("libc.so", RTLD_NOW | RTLD_NOLOAD);
	T_CHECK(libc != NULL);
	if (!libc)
		return t_done();
	m_memalign = FN(memalign_fn, libc, "memalign");
	m_posix_memalign = FN(posix_memalign_fn, libc, "posix_memalign");
	m_valloc = FN(valloc_fn, libc, "valloc");
	T_CHECK(m_memalign && m_posix_memalign && m_valloc);
	if (!m_memalign || !m_posix_memalign || !m_valloc)
		return t_done();
	/* really musl's, not libswap's exports */
	T_CHECK(dladdr((void *)(uintptr_t)&malloc, &self_info) != 0);
	T_CHECK(dladdr((void *)(uintptr_t)m_memalign, &fn_info) != 0);
	T_CHECK(fn_info.dli_fbase != self_info.dli_fbase);
	T_CHECK(strstr(fn_info.dli_fname, "musl") != NULL || strstr(fn_info.dli_fname, "libc") != NULL);
	if (strcmp(backend, "system"))
		backend_handle = dlopen(strcmp(backend, "jemalloc") ? "libmimalloc.so.2" : "libjemalloc.so.2",
					RTLD_NOW | RTLD_NOLOAD);

	if (it_baseline())
		return t_done();

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i], a = aligns[i % (sizeof aligns / sizeof aligns[0])];
		p = m_memalign(a, n);
		T_CHECK(p != NULL && it_aligned(p, a) && served_by_backend(p, n));
		if (p)
			it_fill(p, n, 1);
		T_CHECK(p == NULL || it_check(p, n, 1));
		free(p);
		aligned++;
		frees++;
		requested += n;

		p = NULL;
		rc = m_posix_memalign(&p, a, n);
		T_EQ(rc, 0);
		T_CHECK(p != NULL && it_aligned(p, a) && served_by_backend(p, n));
		free(p);
		aligned++;
		frees++;
		requested += n;

		p = m_valloc(n);
		T_CHECK(p != NULL && it_aligned(p, page) && served_by_backend(p, n));
		free(p);
		aligned++;
		frees++;
		requested += n;
	}

	/* bad alignments: musl's answers, nothing counted */
	p = (void *)&rc;
	T_EQ(m_posix_memalign(&p, 4, 10), EINVAL);
	T_CHECK(p == (void *)&rc);
	T_EQ(m_posix_memalign(&p, 24, 10), EINVAL);
	T_CHECK(p == (void *)&rc);
	T_ERR(p = m_memalign(24, 10), EINVAL);
	T_CHECK(p == NULL);
	/* and the ones musl passes on: an alignment of at most sizeof(void *)
	 * is a malloc in libswap's aligned_alloc (the shim) */
	p = m_memalign(8, 40);
	T_CHECK(p != NULL && served_by_backend(p, 40));
	free(p);
	frees++;
	requested += 40;

	t_expect("calls.aligned == @baseline+%u", aligned);
	t_expect("calls.malloc == @baseline+1");
	t_expect("calls.free == @baseline+%u", frees);
	t_expect("calls.calloc == @baseline");
	t_expect("calls.realloc == @baseline");
	t_expect("calls.failed == @baseline");
	t_expect("bytes.requested == @baseline+%llu", (unsigned long long)requested);
	t_expect("bytes.live == @baseline");
	return t_done();
}
