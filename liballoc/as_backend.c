/* as_backend: backend table, loading, the malloc/free-only wrapper and the
 * static-TLS re-exec.  Runs while the bootstrap arena serves malloc; calls
 * no malloc itself (dlopen and dlsym may). */
#include "as_backend.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h> /* abort */
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "as_stats.h"
#include "as_sys.h"

#define AS_BACKEND_INFO(id, so, usable, libcs, desc) {#id, so, usable, libcs, desc},
const struct as_backend_info _as_backend_table[] = {AS_BACKENDS(AS_BACKEND_INFO)};
#undef AS_BACKEND_INFO
const size_t _as_backend_count = sizeof _as_backend_table / sizeof _as_backend_table[0];

struct as_dispatch _as_backend;

extern char **environ;

void _as_backend_names(char *buf, size_t cap)
{
	size_t n = 0, i;
	buf[0] = 0;
	for (i = 0; i < _as_backend_count; i++) {
		if (i)
			n += _as_strlcpy(buf + n, " ", cap - n);
		n += _as_strlcpy(buf + n, _as_backend_table[i].name, cap - n);
	}
}

const char *_as_backend_soname(const struct as_backend_info *b, size_t k, char *buf, size_t cap)
{
	const char *s = b->sonames, *e;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return NULL;
		for (e = s; *e && *e != ' '; e++)
			;
		if (!k--) {
			if ((size_t)(e - s) >= cap)
				return NULL;
			_as_memcpy(buf, s, (size_t)(e - s));
			buf[e - s] = 0;
			return buf;
		}
		s = e;
	}
}

/* ---- the wrapper for backends that export only malloc and free ---------- */

static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
} raw;

struct wrap_hdr {
	size_t size;   /* bytes requested */
	size_t offset; /* from the raw block to the user pointer */
};

static void *wrap_aligned(size_t align, size_t n)
{
	unsigned char *r, *u;
	struct wrap_hdr *h;
	if (align < sizeof(struct wrap_hdr))
		align = sizeof(struct wrap_hdr);
	if (n > SIZE_MAX - align - sizeof *h) {
		errno = ENOMEM;
		return NULL;
	}
	r = raw.malloc(n + align + sizeof *h - 1);
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	u = (unsigned char *)(((uintptr_t)r + sizeof *h + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct wrap_hdr *)u - 1;
	h->size = n;
	h->offset = (size_t)(u - r);
	return u;
}

static void *wrap_malloc(size_t n)
{
	return wrap_aligned(16, n);
}

static void wrap_free(void *p)
{
	struct wrap_hdr *h;
	if (!p)
		return;
	h = (struct wrap_hdr *)p - 1;
	raw.free((unsigned char *)p - h->offset);
}

static size_t wrap_usable(void *p)
{
	return p ? ((struct wrap_hdr *)p - 1)->size : 0;
}

static void *wrap_calloc(size_t n, size_t size)
{
	void *p = wrap_malloc(n * size); /* overflow checked by the normalization layer */
	if (p)
		_as_memset(p, 0, n * size);
	return p;
}

static void *wrap_realloc(void *p, size_t n)
{
	size_t old = wrap_usable(p);
	void *q = wrap_malloc(n);
	if (!q)
		return NULL;
	_as_memcpy(q, p, old < n ? old : n);
	wrap_free(p);
	return q;
}

/* ---- ENOMEM for backends given as a path -------------------------------------- */

/* The exported malloc tail-jumps into the head and so relies on the backend
 * to set errno.  The named backends all do; an arbitrary object may not. */
static void *(*path_malloc_fn)(size_t);

static void *path_malloc(size_t n)
{
	void *p = path_malloc_fn(n);
	if (!p)
		errno = ENOMEM;
	return p;
}

/* ---- musl's calloc --------------------------------------------------------- */

#ifndef __GLIBC__
/* musl's calloc calls the public malloc, which is libswap's: the system
 * backend's calloc would count a second, nested malloc and add the block's
 * live bytes twice (free subtracts them once).  Once malloc is replaced,
 * musl's calloc clears the whole block anyway, so doing it here costs
 * nothing more. */
static void *musl_calloc(size_t n, size_t size)
{
	void *p = _as_backend.malloc(n * size); /* overflow checked by the shim */
	if (p)
		memset(p, 0, n * size);
	return p;
}
#endif

/* ---- posix_memalign as aligned() ----------------------------------------- */

static int (*raw_posix_memalign)(void **, size_t, size_t);

static void *pm_aligned(size_t align, size_t n)
{
	void *p = NULL;
	int rc = raw_posix_memalign(&p, align, n);
	if (rc) {
		errno = rc;
		return NULL;
	}
	return p;
}

/* ---- symbol resolution ---------------------------------------------------- */

/* dlsym on a handle searches the object's dependencies too, so a symbol the
 * backend lacks would silently resolve to libc's: keep only symbols whose
 * object is the backend's own. */
static void *own_sym(void *handle, const char *name, const void *base)
{
	Dl_info info;
	void *s = dlsym(handle, name);
	if (!s || !base)
		return s;
	if (!dladdr(s, &info) || info.dli_fbase != base)
		return NULL;
	return s;
}

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, ISO C does not: go through an integer. */
#define AS_FN(type, p) ((type)(uintptr_t)(p))

/* The C library's load address.  Not dlsym(RTLD_NEXT, "malloc"): after
 * musl's re-exec (see reexec) the backend is preloaded right after libswap,
 * and the next malloc is the backend's own.  getauxval lives in libc on
 * glibc and musl, and nothing interposes it. */
static const void *libc_base(void)
{
	Dl_info info;
	if (!dladdr((void *)(uintptr_t)&getauxval, &info))
		return NULL;
	return info.dli_fbase;
}

/* Whether malloc(n)'s usable size is _as_size_class(n) for every n up to
 * AS_CLASS_MAX, by the backend's own size function, which allocates
 * nothing: jemalloc's nallocx (its manual: the real size of the same
 * request), or mimalloc 2's mi_good_size (equal to mi_usable_size of
 * mi_malloc up to 128 KiB; mimalloc 3 is not trusted unchecked).  It must
 * agree at both ends of every class; both functions only ever grow with n.
 * tests/unit/test_classes.c checks every size against the real thing. */
static int has_classes(void *handle, const void *base)
{
	size_t (*nallocx)(size_t, int) =
		AS_FN(size_t(*)(size_t, int), own_sym(handle, "nallocx", base));
	size_t (*good)(size_t) = AS_FN(size_t(*)(size_t), own_sym(handle, "mi_good_size", base));
	int (*mi_version)(void) = AS_FN(int (*)(void), own_sym(handle, "mi_version", base));
	size_t lo = 1, c;
	if (!nallocx && (!good || !mi_version || mi_version() >= 300))
		return 0;
	for (c = 8; c <= AS_CLASS_MAX; lo = c + 1, c = _as_size_class(c + 1)) {
		size_t a = nallocx ? nallocx(lo, 0) : good(lo);
		size_t b = nallocx ? nallocx(c, 0) : good(c);
		if (a != c || b != c)
			return 0;
	}
	return 1;
}

static int fill(void *handle, struct as_backend_state *st)
{
	Dl_info info;
	void *m = dlsym(handle, "malloc");
	const void *base = NULL;
	if (!m || !dladdr(m, &info))
		return ENOEXEC;
	if (info.dli_fname)
		_as_strlcpy(st->path, info.dli_fname, sizeof st->path);
	if (handle != RTLD_NEXT) {
		/* malloc must be the object's own, not libc's found below it */
		base = info.dli_fbase;
		if (base == libc_base())
			return ENOEXEC;
	}
	_as_backend.malloc = AS_FN(void *(*)(size_t), m);
	_as_backend.free = AS_FN(void (*)(void *), own_sym(handle, "free", base));
	if (!_as_backend.free)
		return ENOEXEC;
	_as_backend.calloc = AS_FN(void *(*)(size_t, size_t), own_sym(handle, "calloc", base));
	_as_backend.realloc = AS_FN(void *(*)(void *, size_t), own_sym(handle, "realloc", base));
	_as_backend.usable = AS_FN(size_t(*)(void *), own_sym(handle, "malloc_usable_size", base));
	_as_backend.aligned = AS_FN(void *(*)(size_t, size_t), own_sym(handle, "aligned_alloc", base));
	if (!_as_backend.aligned)
		_as_backend.aligned = AS_FN(void *(*)(size_t, size_t), own_sym(handle, "memalign", base));
	if (!_as_backend.aligned) {
		raw_posix_memalign =
			AS_FN(int (*)(void **, size_t, size_t), own_sym(handle, "posix_memalign", base));
		if (raw_posix_memalign)
			_as_backend.aligned = pm_aligned;
	}
#ifndef __GLIBC__
	if (handle == RTLD_NEXT)
		_as_backend.calloc = musl_calloc;
#endif
	if (!_as_backend.calloc || !_as_backend.realloc || !_as_backend.usable ||
	    !_as_backend.aligned) {
		raw.malloc = _as_backend.malloc;
		raw.free = _as_backend.free;
		_as_backend.malloc = wrap_malloc;
		_as_backend.free = wrap_free;
		_as_backend.calloc = wrap_calloc;
		_as_backend.realloc = wrap_realloc;
		_as_backend.aligned = wrap_aligned;
		_as_backend.usable = wrap_usable;
		st->wrapped = 1;
	}
	st->classes = base && !st->wrapped && has_classes(handle, base);
	return 0;
}

/* ---- mimalloc before 2.1: misaligned small blocks -------------------------- */

/* mimalloc 2.0.9 (Debian 12's) returns misaligned blocks of 256 to 1024
 * bytes when the size is a power of two at least as large as the
 * alignment: its fast path takes such blocks to be naturally aligned, and
 * they are not (microsoft/mimalloc#700, fixed in 2.1).  For mimalloc the
 * aligned result is checked; a misaligned block is freed and asked for
 * again one byte larger, which goes down mimalloc's general aligned path. */
static void *(*mi_raw_aligned)(size_t, size_t);

static void *mi_checked_aligned(size_t align, size_t n)
{
	void *p = mi_raw_aligned(align, n);
	if (p && ((uintptr_t)p & (align - 1))) {
		_as_backend.free(p);
		p = mi_raw_aligned(align, n + 1);
		if (p && ((uintptr_t)p & (align - 1))) {
			_as_backend.free(p);
			errno = ENOMEM;
			p = NULL;
		}
	}
	return p;
}

/* mimalloc returns NULL without setting errno for a request it refuses as
 * too large (over PTRDIFF_MAX: EOVERFLOW in its own words), and its
 * out-of-memory path relies on mmap having set it.  In off mode the
 * exports jump straight to it: its error callback, which it calls only on
 * error paths, sets ENOMEM, so the fast path pays nothing.  Registering a
 * callback replaces mimalloc's default one (options.c, mi_error_default),
 * which aborts on EFAULT (a corrupted free list, a heap block overflow)
 * in debug and secure builds, the only ones that detect it: this one
 * aborts too.  mimalloc has printed its message already (_mi_error_message
 * shows it, then calls the handler).  EAGAIN (a double free) and EINVAL
 * (an invalid pointer) go on, as with the default.  Lost: an XMALLOC
 * build's abort on ENOMEM (no build here is one; nothing says which is). */
void _as_mi_on_error(int err, void *arg)
{
	(void)arg;
	if (err == EFAULT)
		abort();
	if (err == ENOMEM || err == EOVERFLOW)
		errno = ENOMEM;
}

/* ---- static TLS ----------------------------------------------------------- */

#ifdef __GLIBC__
/* PT_TLS memsz + alignment of an ELF file, 0 if none or unreadable. */
static unsigned long elf_tls_need(const char *path)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;
	unsigned long need = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;
	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || eh.e_ident[0] != 0x7f ||
	    eh.e_ident[1] != 'E' || eh.e_phentsize != sizeof ph)
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (size_t)i * sizeof ph)) !=
		    (ssize_t)sizeof ph)
			break;
		if (ph.p_type == PT_TLS)
			need = ph.p_memsz + ph.p_align;
	}
out:
	close(fd);
	return need;
}

static int join_path(char *buf, size_t cap, const char *dir, size_t dlen, const char *name)
{
	size_t n = dlen < cap - 1 ? dlen : cap - 1;
	_as_memcpy(buf, dir, n);
	if (n + 1 >= cap)
		return 0;
	buf[n++] = '/';
	return _as_strlcpy(buf + n, name, cap - n) == _as_strlen(name);
}

/* Where the loader would find name: LD_LIBRARY_PATH, then libc's own
 * directory and its /usr twin (the multiarch directory, not hard-coded). */
static unsigned long tls_need_of(const char *name)
{
	char path[512];
	const char *lp, *s;
	Dl_info info;
	unsigned long need;
	if (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		return elf_tls_need(name);
	lp = _as_env(NULL, "LD_LIBRARY_PATH");
	while (lp && *lp) {
		for (s = lp; *s && *s != ':'; s++)
			;
		if (s > lp && join_path(path, sizeof path, lp, (size_t)(s - lp), name) &&
		    (need = elf_tls_need(path)))
			return need;
		lp = *s ? s + 1 : s;
	}
	if (dladdr((void *)(uintptr_t)&open, &info) && info.dli_fname) {
		const char *f = info.dli_fname, *slash = NULL;
		for (s = f; *s; s++)
			if (*s == '/')
				slash = s;
		if (slash) {
			if (join_path(path, sizeof path, f, (size_t)(slash - f), name) &&
			    (need = elf_tls_need(path)))
				return need;
			if (!_as_prefix(f, "/usr/", NULL)) {
				char usr[512];
				size_t k = _as_strlcpy(usr, "/usr", sizeof usr);
				if (join_path(usr + k, sizeof usr - k, f, (size_t)(slash - f), name) &&
				    (need = elf_tls_need(usr)))
					return need;
			}
		}
	}
	return 0;
}
#endif

/* glibc: "cannot allocate memory in static TLS block"; musl: "Error
 * relocating FILE: SYM: initial-exec TLS resolves to dynamic definition in
 * FILE" (ldso/dynlink.c, do_relocs: musl gives objects loaded after start-up
 * dynamic TLS only, and refuses initial-exec accesses to it). */
static int is_static_tls_error(const char *msg)
{
	const char *p;
	for (p = msg; p && *p; p++)
		if (_as_prefix(p, "static TLS", NULL) || _as_prefix(p, "initial-exec TLS", NULL))
			return 1;
	return 0;
}

#ifndef __GLIBC__
/* The last LD_PRELOAD entry of env (the one musl's loader reads), or -1. */
static long last_preload(char **env)
{
	long i, last = -1;
	for (i = 0; env && env[i]; i++)
		if (_as_prefix(env[i], "LD_PRELOAD=", NULL))
			last = i;
	return last;
}

/* Does the LD_PRELOAD list v name this library (by file name, as
 * strip_preload in as_core.c matches it)?  Separators: musl's, blanks
 * and colons. */
static int preload_names_self(const char *v)
{
	Dl_info self;
	const char *base, *tok, *end, *tb;
	if (!dladdr((void *)(uintptr_t)&_as_backend_load, &self) || !self.dli_fname)
		return 0;
	base = _as_basename(self.dli_fname);
	for (tok = v; *tok; tok = *end ? end + 1 : end) {
		for (end = tb = tok; *end && *end != ':' && *end != ' ' && *end != '\t' &&
				     *end != '\n';
		     end++)
			if (*end == '/')
				tb = end + 1;
		if ((size_t)(end - tb) == _as_strlen(base) && _as_prefix(tb, base, NULL))
			return 1;
	}
	return 0;
}
#endif

/* Re-executes /proc/self/exe with the same argv and the environment plus the
 * loop guard, and
 *   glibc (tls > 0): GLIBC_TUNABLES=...:glibc.rtld.optional_static_tls=SIZE;
 *   musl (add): the backend appended to the last LD_PRELOAD entry, which
 *     stays where it was, and ALLOCSWAP__PRELOAD=<that entry as it was>, so
 *     that drop_guard can put it back before the program runs.
 * Returns only on failure, with an errno value.  Uses mmap, not malloc. */
static int reexec(unsigned long tls, const char *add)
{
	enum { ARGMAX = 4 << 20 };
	char *mem, *args, *strs, **argv, **envp;
	size_t n = 0, nargs = 0, nenv = 0, i, k;
	const char *old_tun;
	long r, pre = -1;
	int fd;
	mem = mmap(NULL, 3 * (size_t)ARGMAX, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return errno;
	args = mem;
	argv = (char **)(mem + ARGMAX);
	strs = mem + 2 * (size_t)ARGMAX;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	while ((r = read(fd, args + n, ARGMAX - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (n == 0 || n >= ARGMAX - 1) {
		errno = E2BIG;
		goto fail;
	}
	args[n] = 0;
	for (i = 0; i < n; i += _as_strlen(args + i) + 1)
		argv[nargs++] = args + i;
	argv[nargs] = NULL;
	envp = argv + nargs + 1;
	for (i = 0; environ && environ[i]; i++) {
		if ((tls && _as_prefix(environ[i], "GLIBC_TUNABLES=", NULL)) ||
		    _as_prefix(environ[i], "ALLOCSWAP__REEXEC=", NULL) ||
		    _as_prefix(environ[i], "ALLOCSWAP__PRELOAD=", NULL))
			continue;
		if (_as_prefix(environ[i], "LD_PRELOAD=", NULL))
			pre = (long)nenv;
		envp[nenv++] = environ[i];
	}
	if (tls) {
		old_tun = _as_env(NULL, "GLIBC_TUNABLES");
		k = _as_strlcpy(strs, "GLIBC_TUNABLES=", 256);
		if (old_tun && *old_tun) {
			k += _as_strlcpy(strs + k, old_tun, ARGMAX / 2 - k - 128);
			strs[k++] = ':';
		}
		k += _as_strlcpy(strs + k, "glibc.rtld.optional_static_tls=", 64);
		k += _as_u64_dec(strs + k, tls);
		envp[nenv++] = strs;
		strs += k + 1;
	}
	if (add) {
		const char *old = pre >= 0 ? envp[pre] : NULL;
		if (!old || _as_strlen(old) + _as_strlen(add) > ARGMAX / 4) {
			errno = old ? E2BIG : EINVAL;
			goto fail;
		}
		k = _as_strlcpy(strs, old, ARGMAX / 4);
		strs[k++] = ' ';
		k += _as_strlcpy(strs + k, add, ARGMAX / 4);
		envp[pre] = strs;
		strs += k + 1;
		k = _as_strlcpy(strs, "ALLOCSWAP__PRELOAD=", 64);
		k += _as_strlcpy(strs + k, old, ARGMAX / 4);
		envp[nenv++] = strs;
		strs += k + 1;
	}
	k = _as_strlcpy(strs, "ALLOCSWAP__REEXEC=", 64);
	_as_u64_dec(strs + k, (uint64_t)getpid());
	envp[nenv++] = strs;
	envp[nenv] = NULL;
	execve("/proc/self/exe", argv, envp);
fail:
	r = errno;
	munmap(mem, 3 * (size_t)ARGMAX);
	return (int)r;
}

static int reexec_guard_is_ours(void)
{
	char me[24];
	const char *g = _as_env(NULL, "ALLOCSWAP__REEXEC");
	_as_u64_dec(me, (uint64_t)getpid());
	return g && _as_streq(g, me);
}

/* Removes ALLOCSWAP__REEXEC (and ALLOCSWAP__PRELOAD) from environ, in
 * place, so the program and its children never see them.  After musl's
 * re-exec, the LD_PRELOAD entry that got the backend appended is put back as
 * it was: the loader has read it already, and children must not inherit a
 * preloaded backend (ALLOCSWAP_CHILDREN=0 would leave it behind). */
static void drop_guard(void)
{
	size_t i, j;
	const char *saved = _as_env(NULL, "ALLOCSWAP__PRELOAD");
#ifndef __GLIBC__
	long pre = last_preload(environ);
	if (saved && pre >= 0 && _as_prefix(saved, "LD_PRELOAD=", NULL))
		environ[pre] = (char *)(uintptr_t)saved;
#else
	(void)saved;
#endif
	for (i = j = 0; environ && environ[i]; i++)
		if (!_as_prefix(environ[i], "ALLOCSWAP__REEXEC=", NULL) &&
		    !_as_prefix(environ[i], "ALLOCSWAP__PRELOAD=", NULL))
			environ[j++] = environ[i];
	if (environ)
		environ[j] = NULL;
}

/* ---- loading --------------------------------------------------------------- */

static void list_err(char *err, size_t cap, const char *a, const char *b, const char *c)
{
	char names[256];
	size_t n = 0;
	_as_backend_names(names, sizeof names);
	n += _as_strlcpy(err + n, a, cap - n);
	n += _as_strlcpy(err + n, b, cap - n);
	n += _as_strlcpy(err + n, c, cap - n);
	n += _as_strlcpy(err + n, "; available: ", cap - n);
	n += _as_strlcpy(err + n, names, cap - n);
	_as_strlcpy(err + n, ", or a path to a .so that exports malloc and free", cap - n);
}

int _as_backend_load(const char *spec, struct as_backend_state *st, int secure, char *err,
		     size_t cap)
{
	const struct as_backend_info *b = NULL;
	const char *file, *s;
	char so[128], why[512];
	void *h;
	size_t i, k, n = 0;
	int has_slash = 0, rc, tls = 0;

	_as_strlcpy(st->spec, spec, sizeof st->spec);
	st->reexec = reexec_guard_is_ours();
	if (st->reexec)
		drop_guard();
	for (s = spec; *s; s++)
		has_slash |= *s == '/';
	for (i = 0; i < _as_backend_count; i++)
		if (_as_streq(spec, _as_backend_table[i].name))
			b = &_as_backend_table[i];
	if (!b && !has_slash) {
		list_err(err, cap, "unknown allocator '", spec, "'");
		return ENOENT;
	}
	if (has_slash && secure) {
		_as_strlcpy(err, "secure-execution process: allocator paths from the environment are "
				 "not used", cap);
		return EPERM;
	}
	_as_strlcpy(st->name, b ? b->name : "path", sizeof st->name);

	if (b && !b->sonames[0]) {
		rc = fill(RTLD_NEXT, st);
		if (rc)
			_as_strlcpy(err, "the C library's malloc could not be found with dlsym", cap);
		return rc;
	}
	/* a path is itself; a named backend its sonames, in the table's
	 * order, until one loads.  why gathers each one's dlerror. */
	why[0] = 0;
	h = NULL;
	for (k = 0; !h; k++) {
		const char *msg;
		file = b ? _as_backend_soname(b, k, so, sizeof so) : k ? NULL : spec;
		if (!file)
			break;
		h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
		if (h)
			break;
		msg = dlerror();
		tls |= is_static_tls_error(msg);
#ifdef __GLIBC__
		if (msg && is_static_tls_error(msg) && !st->reexec && !secure) {
			unsigned long need = tls_need_of(file);
			unsigned long t = need ? need + 512 : 16384;
			t = (t + 1023) & ~1023UL;
			if (t < 4096)
				t = 4096;
			rc = reexec(t, NULL);
			_as_strlcpy(err, "", cap);
			list_err(err, cap, "re-exec for static TLS failed for '", spec, "'");
			return rc ? rc : EIO;
		}
#else
		/* musl: only objects loaded at start-up get static TLS, so the
		 * backend goes into LD_PRELOAD, after libswap (which keeps
		 * malloc).  Not when libswap is not preloaded itself (linked in):
		 * a preloaded backend would come first and take malloc. */
		if (msg && is_static_tls_error(msg) && !st->reexec && !secure) {
			long pre = last_preload(environ);
			if (pre >= 0 && preload_names_self(environ[pre] + 11)) {
				rc = reexec(0, file);
				_as_strlcpy(err, "", cap);
				list_err(err, cap, "re-exec with the backend preloaded failed for '",
					 spec, "'");
				return rc ? rc : EIO;
			}
		}
#endif
		n += _as_strlcpy(why + n, k ? "; " : "': ", sizeof why - n);
		n += _as_strlcpy(why + n, msg ? msg : "dlopen failed", sizeof why - n);
	}
	if (!h) {
		if (b && !tls)
			_as_strlcpy(why + n, " (is its package installed?)", sizeof why - n);
#ifndef __GLIBC__
		else if (tls)
			_as_strlcpy(why + n,
				    " (musl loads it only at start-up: put it in LD_PRELOAD "
				    "after libswap.so, or build it without initial-exec TLS)",
				    sizeof why - n);
#endif
		list_err(err, cap, "cannot load allocator '", spec, why);
		return ENOENT;
	}
	st->handle = h;
	rc = fill(h, st);
	if (!rc && b && b->usable[0] && !st->wrapped) {
		/* from the backend or a library it depends on, never from libc */
		void *u = dlsym(h, b->usable);
		Dl_info ui;
		if (u && dladdr(u, &ui) && ui.dli_fbase != libc_base())
			_as_backend.usable = AS_FN(size_t(*)(void *), u);
	}
	if (!rc && !st->wrapped && dlsym(h, "mi_version")) {
		void (*on_error)(void (*)(int, void *), void *) =
			AS_FN(void (*)(void (*)(int, void *), void *), dlsym(h, "mi_register_error"));
		mi_raw_aligned = _as_backend.aligned;
		_as_backend.aligned = mi_checked_aligned;
		if (on_error)
			on_error(_as_mi_on_error, NULL);
	}
	if (!rc && !b) {
		path_malloc_fn = _as_backend.malloc;
		_as_backend.malloc = path_malloc;
	}
	if (rc) {
		list_err(err, cap, "'", spec, "' loads but does not export malloc and free of its own");
		return ENOEXEC;
	}
	return 0;
}

/* ---- versions ---------------------------------------------------------------- */

#ifndef __GLIBC__
static int version_at(const unsigned char *p, const unsigned char *end)
{
	int dots = 0, digits = 0;
	for (; p < end && *p; p++) {
		if (*p == '.') {
			if (!digits)
				return 0;
			dots++;
			digits = 0;
		} else if (*p >= '0' && *p <= '9') {
			digits++;
		} else {
			return 0;
		}
	}
	return p < end && dots == 2 && digits;
}
#endif

void _as_libc_version(char *buf, size_t cap)
{
	buf[0] = 0;
#ifdef __GLIBC__
	_as_strlcpy(buf, gnu_get_libc_version(), cap);
#else
	{
		Dl_info info;
		struct stat st;
		const unsigned char *m, *p;
		int fd;
		if (!dladdr((void *)(uintptr_t)&open, &info) || !info.dli_fname)
			return;
		fd = open(info.dli_fname, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		if (fstat(fd, &st) || st.st_size < 16) {
			close(fd);
			return;
		}
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			return;
		for (p = m + 1; p < m + st.st_size - 1; p++) {
			if (p[-1] == 0 && *p >= '1' && *p <= '9' && version_at(p, m + st.st_size)) {
				_as_strlcpy(buf, (const char *)p, cap);
				break;
			}
		}
		munmap((void *)(uintptr_t)m, (size_t)st.st_size);
	}
#endif
}

/* ---- allocator versions --------------------------------------------------------------- */

void _as_backend_version(const struct as_backend_state *st, char *buf, size_t cap)
{
	void *h = st->handle;
	const char *p, *dot = NULL;
	buf[0] = 0;
	if (!h) {
		_as_libc_version(buf, cap);
		return;
	}
	{
		int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
			AS_FN(int (*)(const char *, void *, size_t *, void *, size_t),
			      dlsym(h, "mallctl"));
		const char *(*tc_version)(int *, int *, const char **) =
			AS_FN(const char *(*)(int *, int *, const char **), dlsym(h, "tc_version"));
		int (*mi_version)(void) = AS_FN(int (*)(void), dlsym(h, "mi_version"));
		if (mallctl) {
			const char *v = NULL;
			size_t sz = sizeof v;
			if (mallctl("version", &v, &sz, NULL, 0) == 0 && v) {
				_as_strlcpy(buf, v, cap);
				return;
			}
		}
		if (tc_version) {
			int maj, min;
			const char *v = tc_version(&maj, &min, NULL);
			if (v) {
				_as_strlcpy(buf, v, cap);
				return;
			}
		}
		if (mi_version && cap > 12) {
			int v = mi_version();
			size_t n = _as_u64_dec(buf, (uint64_t)(v / 100));
			buf[n++] = '.';
			n += _as_u64_dec(buf + n, (uint64_t)(v % 100 / 10));
			buf[n++] = '.';
			_as_u64_dec(buf + n, (uint64_t)(v % 10));
			return;
		}
	}
	/* Otherwise the file name's version: libtbbmalloc_proxy.so.2.8 -> 2.8 */
	{
		char real[512];
		ssize_t n = readlink(st->path, real, sizeof real - 1);
		const char *f = st->path;
		if (n > 0) {
			real[n] = 0;
			f = real;
		}
		for (p = f; *p; p++)
			if (_as_prefix(p, ".so.", NULL))
				dot = p + 4;
		if (dot)
			_as_strlcpy(buf, dot, cap);
	}
}
