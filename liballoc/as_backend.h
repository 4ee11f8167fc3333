/* as_backend: the allocator backends and the dispatch table they fill.
 *
 * AS_BACKENDS is the one list of named backends.  A backend is found by its
 * soname through the dynamic loader's normal search (no absolute paths), or
 * given as a path to any shared object that exports malloc and free.  A
 * backend may have several sonames, one for each ABI of its library that
 * distributions ship (mimalloc 2 is libmimalloc.so.2, mimalloc 3, Debian 13's,
 * libmimalloc.so.3): they are tried in the table's order and the first that
 * loads serves; the report names the file really loaded.  The
 * backend object is dlopen-ed RTLD_LOCAL; every symbol taken from it is
 * checked with dladdr to really live in that object (a dlsym that falls
 * through to libc would mix two allocators).  A backend that exports only
 * malloc and free is wrapped: each block gets a 16-byte header holding its
 * size and alignment offset, which gives realloc, calloc, aligned
 * allocation and usable size on top.
 *
 * Static TLS: objects built with initial-exec TLS (Debian's jemalloc has a
 * 2632-byte PT_TLS segment and DF_STATIC_TLS) cannot be dlopen-ed once
 * glibc's surplus static TLS (512 bytes by default) is too small.  When that
 * dlopen fails, _as_backend_load re-executes the process, before main, with
 * glibc.rtld.optional_static_tls raised in GLIBC_TUNABLES to fit the
 * object's PT_TLS.  musl gives static TLS only to objects loaded at
 * start-up and refuses an initial-exec access to dynamic TLS ("initial-exec
 * TLS resolves to dynamic definition": jemalloc built by default), so there
 * the process is re-executed with the backend appended to its LD_PRELOAD
 * entry, after libswap, which keeps malloc; before the program runs, that
 * entry is put back as it was (ALLOCSWAP__PRELOAD holds it meanwhile), so
 * children do not inherit a preloaded backend.  Only when libswap itself is
 * in LD_PRELOAD: a backend preloaded ahead of a linked-in libswap would take
 * malloc.  ALLOCSWAP__REEXEC=<pid> guards against loops: execve
 * keeps the pid, so a second failure in the same pid is reported, not
 * retried.  Secure-execution processes are never re-executed.
 *
 * This file calls dlopen/dlsym, which allocate: callers run it while the
 * bootstrap arena serves malloc.
 */
#ifndef ALLOCSWAP_AS_BACKEND_H
#define ALLOCSWAP_AS_BACKEND_H

#include <stddef.h>

/* What a layer or a backend provides.  aligned() is only called with a
 * power-of-two alignment of at least sizeof(void *); the normalization
 * layer in front has already dealt with errno, overflow and odd alignments. */
struct as_dispatch {
	void *(*malloc)(size_t n);
	void (*free)(void *p);
	void *(*calloc)(size_t n, size_t size);
	void *(*realloc)(void *p, size_t n);
	void *(*aligned)(size_t align, size_t n);
	size_t (*usable)(void *p);
};

/* X(id, sonames, unchecked usable-size function or "", libcs, description)
 *
 * sonames: space-separated, in the order they are tried ("" for system);
 * _as_backend_soname reads them one by one.
 *
 * The third column names a usable-size function that skips the "is this
 * pointer mine?" check malloc_usable_size makes; libswap only ever passes
 * the backend its own pointers.  It may live in a library the backend
 * depends on.  oneTBB's proxy checks ownership at 102 instructions a call,
 * scalable_msize answers the same in 36 (callgrind, here). */
#define AS_BACKENDS(X)                                                                    \
	X(system, "", "", "glibc musl",                                                    \
	  "the C library's own malloc (glibc ptmalloc2, musl mallocng)")                  \
	X(jemalloc, "libjemalloc.so.2", "", "glibc musl",                                  \
	  "jemalloc (Debian libjemalloc2; musl: cross/build.sh musl-jemalloc)")            \
	X(mimalloc, "libmimalloc.so.2 libmimalloc.so.3", "", "glibc musl",                 \
	  "mimalloc (Debian 12 libmimalloc2.0, Debian 13 libmimalloc3; musl: cross/build.sh " \
	  "musl-mimalloc)")                                                                \
	X(tcmalloc, "libtcmalloc.so.4", "", "glibc",                                       \
	  "gperftools tcmalloc, with its heap hooks")                                      \
	X(tcmalloc_minimal, "libtcmalloc_minimal.so.4", "", "glibc",                       \
	  "gperftools tcmalloc, minimal")                                                  \
	X(tbbmalloc, "libtbbmalloc_proxy.so.2", "scalable_msize", "glibc",                 \
	  "oneTBB scalable allocator through its malloc-replacing proxy")

struct as_backend_info {
	const char *name;
	const char *sonames; /* space-separated, in the order tried; "" for system */
	const char *usable; /* "" for malloc_usable_size */
	const char *libcs;
	const char *desc;
};

extern const struct as_backend_info _as_backend_table[];
extern const size_t _as_backend_count;

/* What was loaded, for the report. */
struct as_backend_state {
	char name[64];     /* table name, or "path" */
	char spec[256];    /* what ALLOCSWAP_ALLOCATOR said */
	char path[512];    /* file that really serves malloc (dladdr) */
	int wrapped;       /* malloc/free only: header wrapper in use */
	int classes;       /* malloc's usable size is _as_size_class(n) (as_stats.h)
			    * up to AS_CLASS_MAX: checked at load time */
	int reexec;        /* this process was re-executed for static TLS */
	unsigned long static_tls; /* optional_static_tls requested, 0 if none */
	void *handle;
};

/* The backend's real functions; filled by _as_backend_load. */
extern struct as_dispatch _as_backend __attribute__((visibility("hidden")));

/* Loads spec (a table name or a path) into _as_backend.  envp is the
 * process environment (for the re-exec).  Returns 0, or ENOENT (unknown or
 * not found), ENOEXEC (loads but is not an allocator), or another errno,
 * with one line in err naming the problem and the choices. */
int _as_backend_load(const char *spec, struct as_backend_state *st, int secure, char *err,
		     size_t errcap);

/* The allocator's own version string, or "" when it has none. */
void _as_backend_version(const struct as_backend_state *st, char *buf, size_t cap);

/* The running C library's version: glibc asks gnu_get_libc_version();
 * musl has no such call, so the loaded libc file is scanned for its one
 * "N.N.N" string (musl's __libc_version).  "" when unknown. */
void _as_libc_version(char *buf, size_t cap);

/* The error callback libswap gives mimalloc (mi_register_error): ENOMEM
 * into errno, abort() on EFAULT (heap corruption) as mimalloc's own. */
void _as_mi_on_error(int err, void *arg);

/* Fills buf with the names of the table, space separated. */
void _as_backend_names(char *buf, size_t cap);

/* The k-th soname of b (k from 0, in the order they are tried) into buf:
 * buf, or NULL when b has no k-th one (system has none) or it does not fit.
 * Allocates nothing. */
const char *_as_backend_soname(const struct as_backend_info *b, size_t k, char *buf, size_t cap);

#endif
