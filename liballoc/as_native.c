/* as_native: the allocator's own figures.  No calls to malloc in this file. */
#include "as_native.h"

#include <dlfcn.h>
#include <stdint.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "as_sys.h"

/* dlsym returns an object pointer; go through an integer. */
#define AS_NATIVE_FN(type, p) ((type)(uintptr_t)(p))

/* The native names, one table per interface; the JSON key is what follows
 * the last dot. */
static const char *const je_names[] = {
	"stats.allocated", "stats.active",   "stats.resident",
	"stats.mapped",    "stats.retained", "stats.metadata",
};

static const char *const tc_names[] = {
	"generic.current_allocated_bytes",
	"generic.heap_size",
	"generic.total_physical_bytes",
	"tcmalloc.pageheap_free_bytes",
	"tcmalloc.pageheap_unmapped_bytes",
	"tcmalloc.central_cache_free_bytes",
	"tcmalloc.transfer_cache_free_bytes",
	"tcmalloc.thread_cache_free_bytes",
	"tcmalloc.current_total_thread_cache_bytes",
	"tcmalloc.max_total_thread_cache_bytes",
};

/* mi_process_info's out-parameters, in order. */
static const char *const mi_names[] = {
	"elapsed_msecs",  "user_msecs",     "system_msecs", "current_rss",
	"peak_rss",       "current_commit", "peak_commit",  "page_faults",
};

#ifdef __GLIBC__
#define AS_NATIVE_MALLINFO2(X)                                                             \
	X(arena) X(ordblks) X(smblks) X(hblks) X(hblkhd) X(usmblks) X(fsmblks) X(uordblks) \
	X(fordblks) X(keepcost)
#endif

static const char *key_of(const char *name)
{
	const char *k = name, *s;
	for (s = name; *s; s++)
		if (*s == '.')
			k = s + 1;
	return k;
}

/* name from the backend's own object (h is a dlopen handle), else NULL. */
static void *own(void *h, const void *base, const char *name)
{
	Dl_info info;
	void *s = dlsym(h, name);
	if (!s || !dladdr(s, &info) || info.dli_fbase != base)
		return NULL;
	return s;
}

static void jemalloc_json(struct as_json *j, void *fn)
{
	int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
		AS_NATIVE_FN(int (*)(const char *, void *, size_t *, void *, size_t), fn);
	uint64_t epoch = 1;
	size_t sz = sizeof epoch, i, v;
	unsigned narenas;
	_as_json_str(j, "source", "jemalloc mallctl");
	if (mallctl("epoch", &epoch, &sz, &epoch, sz))
		_as_json_str(j, "warning", "epoch refresh failed: figures may be stale");
	for (i = 0; i < sizeof je_names / sizeof je_names[0]; i++) {
		sz = sizeof v;
		if (mallctl(je_names[i], &v, &sz, NULL, 0) == 0 && sz == sizeof v)
			_as_json_u64(j, key_of(je_names[i]), v);
		else
			_as_json_null(j, key_of(je_names[i]));
	}
	sz = sizeof narenas;
	if (mallctl("arenas.narenas", &narenas, &sz, NULL, 0) == 0 && sz == sizeof narenas)
		_as_json_u64(j, "narenas", narenas);
	else
		_as_json_null(j, "narenas");
}

static void mimalloc_json(struct as_json *j, void *fn)
{
	typedef void (*info_fn)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *,
				size_t *, size_t *);
	size_t v[8] = {0}, i;
	AS_NATIVE_FN(info_fn, fn)(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	_as_json_str(j, "source", "mimalloc mi_process_info");
	for (i = 0; i < sizeof mi_names / sizeof mi_names[0]; i++)
		_as_json_u64(j, mi_names[i], v[i]);
}

static void gperftools_json(struct as_json *j, void *fn)
{
	int (*get)(const char *, size_t *) = AS_NATIVE_FN(int (*)(const char *, size_t *), fn);
	size_t i, v;
	_as_json_str(j, "source", "gperftools MallocExtension");
	for (i = 0; i < sizeof tc_names / sizeof tc_names[0]; i++) {
		v = 0;
		if (get(tc_names[i], &v))
			_as_json_u64(j, key_of(tc_names[i]), v);
		else
			_as_json_null(j, key_of(tc_names[i]));
	}
}

static int system_json(struct as_json *j)
{
#ifdef __GLIBC__
	struct mallinfo2 (*mi2)(void) =
		AS_NATIVE_FN(struct mallinfo2 (*)(void), dlsym(RTLD_NEXT, "mallinfo2"));
	struct mallinfo2 m;
	if (!mi2)
		return 0;
	m = mi2();
	_as_json_str(j, "source", "glibc mallinfo2");
#define AS_NATIVE_PUT(f) _as_json_u64(j, #f, m.f);
	AS_NATIVE_MALLINFO2(AS_NATIVE_PUT)
#undef AS_NATIVE_PUT
	/* what the program holds: chunks in the arenas plus mmapped chunks */
	_as_json_u64(j, "in_use", m.uordblks + m.hblkhd);
	return 1;
#else
	(void)j;
	return 0;
#endif
}

void _as_native_json(struct as_json *j, const struct as_backend_state *b)
{
	void *h = b->handle, *fn;
	const void *base = NULL;
	Dl_info info;

	_as_json_obj(j, "allocator_stats");
	if (!h) {
		if (!system_json(j)) {
			_as_json_str(j, "source", "none");
#ifdef __GLIBC__
			_as_json_str(j, "reason", "this glibc has no mallinfo2 (glibc 2.33 and later)");
#else
			_as_json_str(j, "reason", "musl's malloc (mallocng) has no statistics "
						  "interface");
#endif
		}
		_as_json_end_obj(j);
		return;
	}
	fn = dlsym(h, "malloc");
	if (fn && dladdr(fn, &info))
		base = info.dli_fbase;
	if (base && (fn = own(h, base, "mallctl")))
		jemalloc_json(j, fn);
	else if (base && (fn = own(h, base, "mi_process_info")))
		mimalloc_json(j, fn);
	else if (base && (fn = own(h, base, "MallocExtension_GetNumericProperty")))
		gperftools_json(j, fn);
	else if (dlsym(h, "scalable_allocation_command")) {
		_as_json_str(j, "source", "none");
		_as_json_str(j, "reason", "oneTBB exports no statistics (its proxy's mallinfo "
					  "returns zeros; scalable_allocation_command only "
					  "releases memory)");
	} else {
		_as_json_str(j, "source", "none");
		_as_json_str(j, "reason", "the allocator exports none of mallctl, mi_process_info, "
					  "MallocExtension_GetNumericProperty");
	}
	_as_json_end_obj(j);
}
