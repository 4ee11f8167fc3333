/* as_sample: sampled allocation sites.  See as_sample.h.
 * No calls to malloc in this file. */
#include "as_sample.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#include "as_buildid.h"
#include "as_pyframes.h"
#include "as_sys.h"

#define SKIP_MAX 16 /* libswap's own frames above the caller, at most */
/* Python frames of all sites (as_pyframes.h): room for every site's, 1.5 MiB
 * of .bss touched only as used; a late, hot stack must not find it full */
#define PYFRAMES (SITES_MAX * AS_PY_DEPTH)

unsigned char _as_sample_filter[1u << AS_SAMPLE_FILTER_BITS];

struct site {
	uint64_t hash; /* 0: empty slot */
	uint32_t depth;
	uint32_t live_samples;
	uint32_t py_start;  /* its Python frames: S.pyf[py_start..+py_n], leaf first */
	uint16_t py_n;
	uint8_t native_cut; /* the native stack went on past depth */
	uint8_t py_cut;     /* the Python stack went on past AS_PY_DEPTH */
	uint64_t samples;
	double bytes, count;           /* estimates since start (or fork) */
	double live_bytes, live_count; /* estimates of what is still live */
	uintptr_t ip[AS_SAMPLE_DEPTH];
};

struct live {
	uintptr_t p; /* 0: empty slot */
	uint32_t site;
	float bytes, count; /* this sample's weights */
};

struct sym {
	uintptr_t addr; /* 0: empty slot */
	const char *sname, *fname;
	uintptr_t saddr, fbase;
};

#define SYMS 16384                      /* symbol cache index slots */
#define SYMS_MAX (SYMS / 4 * 3)          /* entries: the index stays 3/4 full at most */
#define SITES_MAX (AS_SAMPLE_SITES / 4 * 3)

static struct {
	int on;
	int native; /* 1: native stacks (libunwind); 0: Python frames only */
	double mean;
	/* libunwind's local unwinder (libunwind.h names, x86-64) */
	int (*getcontext)(ucontext_t *);
	int (*init_local)(void *cursor, ucontext_t *ctx);
	int (*step)(void *cursor);
	int (*get_reg)(void *cursor, int reg, uint64_t *val);
	int (*backtrace)(void **buf, int max); /* unw_backtrace: the fast path */
	uintptr_t self_lo, self_hi; /* libswap's text, skipped in stacks */
	/* The program: where it is mapped, dladdr's dli_fbase for it (its
	 * first mapping, which for a non-PIE program is its lowest PT_LOAD
	 * address, not the load bias of 0), and its full path (dladdr names it
	 * by argv[0]).  exe_lazy: /proc was not there at start-up, exe is
	 * AT_EXECFN's guess, and /proc/self/exe is tried again at report time. */
	uintptr_t main_lo, main_hi, main_base;
	int exe_lazy;
	char exe[1024];
	int lock;
	uint64_t samples, dropped_samples, dropped_live, reentrant, reentrant_boot;
	uint64_t py_truncated, py_unmatched;
	unsigned nsites, nlive, npyf;
	/* Hash indexes (entry + 1; 0: empty) over entries kept in the order
	 * they came: a lookup touches one index slot, and the report walks
	 * only the entries in use, so untouched .bss stays untouched. */
	uint16_t site_slot[AS_SAMPLE_SITES];
	struct site sites[SITES_MAX];
	struct live live[AS_SAMPLE_LIVE];
	uint16_t sym_slot[SYMS];
	unsigned nsyms;
	struct sym syms[SYMS_MAX];
	struct as_pyframe pyf[PYFRAMES];
	char line[32768]; /* one frame or one folded line */
	char frame[8192]; /* one frame of a folded line */
	char out[65536];  /* folded-file buffer */
} S; /* zero-initialized: .bss, never in the file */

static const char *why = "sampling runs only with ALLOCSWAP_STATS=full"; /* when off */

/* ---- small maths without libm ------------------------------------------------------ */

/* ln(x) for x > 0: x = m * 2^e with m in [1, 2); ln(m) = 2 atanh((m-1)/(m+1)),
 * whose series in s <= 1/3 converges to double precision in 12 terms. */
double _as_sample_ln(double x)
{
	union {
		double d;
		uint64_t u;
	} v = {.d = x};
	int e = (int)((v.u >> 52) & 0x7ff) - 1023;
	double m, s, s2, term, sum = 0;
	int k;
	if (x <= 0)
		return -1e308;
	v.u = (v.u & ((1ull << 52) - 1)) | (1023ull << 52);
	m = v.d;
	s = (m - 1) / (m + 1);
	s2 = s * s;
	term = s;
	for (k = 1; k <= 25; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return e * 0.69314718055994530942 + 2 * sum;
}

/* p(n) = 1 - exp(-n/mean): a series for small x, else exp by halving. */
double _as_sample_p(double n, double mean)
{
	double x = n / mean, e, term;
	int k, halvings = 0;
	if (x >= 40)
		return 1;
	if (x < 1e-3)
		return x - x * x / 2 + x * x * x / 6;
	while (x > 0.5) {
		x /= 2;
		halvings++;
	}
	e = 1;
	term = 1;
	for (k = 1; k < 16; k++) {
		term *= -x / k;
		e += term;
	}
	while (halvings--)
		e *= e;
	return 1 - e;
}

/* ---- the per-thread countdown --------------------------------------------------------- */

static uint64_t rng_next(struct as_sample_tls *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Exponential with mean S.mean: -ln(U) * mean, U uniform in (0, 1]. */
static int64_t draw(struct as_sample_tls *s)
{
	double u = (double)((rng_next(s) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double d = -_as_sample_ln(u) * S.mean;
	return d > 4e18 ? (int64_t)4e18 : (int64_t)d;
}

/* ---- tables (under S.lock) ------------------------------------------------------------ */

static void lock(void)
{
	while (__atomic_exchange_n(&S.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&S.lock, __ATOMIC_RELAXED))
			sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&S.lock, 0, __ATOMIC_RELEASE);
}

/* A sample's stack: native return addresses and Python frames (names
 * interned), both leaf first.  Two Python functions calling the same C
 * path are two stacks. */
struct stack {
	const uintptr_t *ip;
	unsigned depth, npy;
	const struct as_pyframe *py;
	int native_cut, py_cut;
};

static uint64_t stack_hash(const struct stack *st)
{
	uint64_t h = 0xcbf29ce484222325ull ^ st->depth ^ (uint64_t)st->npy << 32;
	unsigned i;
	for (i = 0; i < st->depth; i++)
		h = (h ^ st->ip[i]) * 0x100000001b3ull;
	for (i = 0; i < st->npy; i++) {
		h = (h ^ (st->py[i].name | (uint64_t)st->py[i].file << 32)) * 0x100000001b3ull;
		h = (h ^ ((uint32_t)st->py[i].line | (uint64_t)st->py[i].entry << 32)) *
		    0x100000001b3ull;
	}
	return h ? h : 1;
}

static int same_py(const struct as_pyframe *a, const struct as_pyframe *b, unsigned n)
{
	unsigned k;
	for (k = 0; k < n; k++)
		if (a[k].name != b[k].name || a[k].file != b[k].file || a[k].line != b[k].line ||
		    a[k].entry != b[k].entry)
			return 0;
	return 1;
}

static struct site *site_get(const struct stack *st)
{
	uint64_t h = stack_hash(st);
	unsigned i = (unsigned)h & (AS_SAMPLE_SITES - 1), n, depth = st->depth;
	for (n = 0; n < AS_SAMPLE_SITES; n++, i = (i + 1) & (AS_SAMPLE_SITES - 1)) {
		struct site *s;
		unsigned k;
		if (!S.site_slot[i]) {
			/* keep probes short: no new stacks */
			if (S.nsites >= SITES_MAX || S.npyf + st->npy > PYFRAMES)
				return NULL;
			s = &S.sites[S.nsites++];
			S.site_slot[i] = (uint16_t)S.nsites;
			s->hash = h;
			s->depth = depth;
			_as_memcpy(s->ip, st->ip, depth * sizeof *st->ip);
			s->py_start = S.npyf;
			s->py_n = (uint16_t)st->npy;
			s->native_cut = (uint8_t)st->native_cut;
			s->py_cut = (uint8_t)st->py_cut;
			_as_memcpy(S.pyf + S.npyf, st->py, st->npy * sizeof *st->py);
			S.npyf += st->npy;
			return s;
		}
		s = &S.sites[S.site_slot[i] - 1];
		if (s->hash != h || s->depth != depth || s->py_n != st->npy)
			continue;
		for (k = 0; k < depth && s->ip[k] == st->ip[k]; k++)
			;
		if (k == depth && same_py(S.pyf + s->py_start, st->py, st->npy))
			return s;
	}
	return NULL;
}

static unsigned live_home(uintptr_t p)
{
	return (unsigned)((p >> 4) * 0xff51afd7ed558ccdull >> 40) & (AS_SAMPLE_LIVE - 1);
}

static void live_put(void *p, unsigned site, float bytes, float count)
{
	unsigned i = live_home((uintptr_t)p), f = _as_sample_hash_ptr(p);
	if (S.nlive >= AS_SAMPLE_LIVE / 4 * 3) {
		S.dropped_live++;
		return;
	}
	while (S.live[i].p)
		i = (i + 1) & (AS_SAMPLE_LIVE - 1);
	S.live[i].p = (uintptr_t)p;
	S.live[i].site = site;
	S.live[i].bytes = bytes;
	S.live[i].count = count;
	S.nlive++;
	S.sites[site].live_bytes += bytes;
	S.sites[site].live_count += count;
	S.sites[site].live_samples++;
	/* a saturated filter byte stays set: a false "maybe", never a miss */
	if (_as_sample_filter[f] < 255)
		__atomic_store_n(&_as_sample_filter[f], _as_sample_filter[f] + 1, __ATOMIC_RELAXED);
}

/* Linear probing with backward-shift deletion: no tombstones, so lookups
 * stay short however many blocks come and go. */
static void live_del(unsigned i)
{
	unsigned j = i, mask = AS_SAMPLE_LIVE - 1;
	for (;;) {
		unsigned k;
		j = (j + 1) & mask;
		if (!S.live[j].p)
			break;
		k = live_home(S.live[j].p);
		if (j > i ? (k <= i || k > j) : (k <= i && k > j)) {
			S.live[i] = S.live[j];
			i = j;
		}
	}
	S.live[i].p = 0;
	S.nlive--;
}

/* ---- stacks ----------------------------------------------------------------------------- */

#define UNW_CURSOR_WORDS 127 /* UNW_TDEP_CURSOR_LEN on x86-64 */
#define UNW_REG_IP 16        /* UNW_X86_64_RIP */

/* unw_backtrace first: its fast path follows frames through a per-thread
 * cache of frame layouts, with no lock and no signal mask changes (the
 * step-by-step unwinder below takes a lock and blocks signals, two system
 * calls, for every frame: 9 us a sample on a deep Python stack).  Its first
 * use in a thread makes glibc allocate libunwind's 16 bytes of dynamic TLS
 * with malloc: calls made while a stack is taken come from libswap's
 * bootstrap arena (as_stats.c), not from the backend.  Stepping stays as
 * the fallback when the fast path gives up. */
static __attribute__((noinline)) int step_stack(void **buf, int max)
{
	ucontext_t ctx;
	uint64_t cursor[UNW_CURSOR_WORDS];
	int n = 0;
	if (S.getcontext(&ctx) || S.init_local(cursor, &ctx))
		return 0;
	while (n < max) {
		uint64_t ip;
		if (S.get_reg(cursor, UNW_REG_IP, &ip) || !ip)
			break;
		buf[n++] = (void *)(uintptr_t)ip;
		if (S.step(cursor) <= 0)
			break;
	}
	return n;
}

static __attribute__((noinline)) int take_stack(void **buf, int max)
{
	int n = S.backtrace ? S.backtrace(buf, max) : 0;
	return n > 0 ? n : step_stack(buf, max);
}

/* ---- hooks from the counting layer ------------------------------------------------------ */

int64_t _as_sample_alloc(struct as_sample_tls *s, void *p, size_t n)
{
	void *buf[AS_SAMPLE_DEPTH + SKIP_MAX];
	uintptr_t ip[AS_SAMPLE_DEPTH];
	struct as_pyraw raw[AS_PY_DEPTH];
	struct as_pyframe py[AS_PY_DEPTH];
	struct stack sk = {ip, 0, 0, py, 0, 0};
	int got = 0, i = 0, npy;
	unsigned depth = 0;
	double pr;
	struct site *st;
	int64_t next;

	if (!s->rng) {
		/* first allocation of this thread: start its process here */
		s->rng = (_as_now_ns() ^ (uintptr_t)s) | 1;
		next = draw(s) - (int64_t)n;
		if (next >= 0)
			return next;
	}
	next = draw(s);
	if (!p || !__atomic_load_n(&S.on, __ATOMIC_RELAXED))
		return next;

	if (S.native)
		got = take_stack(buf, (int)(sizeof buf / sizeof buf[0]));
	for (i = 0; i < got && depth < AS_SAMPLE_DEPTH; i++) {
		uintptr_t a = (uintptr_t)buf[i];
		if (!depth && a >= S.self_lo && a < S.self_hi)
			continue; /* libswap's own frames, above the caller */
		ip[depth++] = a;
	}
	sk.depth = depth;
	sk.native_cut = i < got || got == (int)(sizeof buf / sizeof buf[0]);
	npy = _as_py_walk(raw, AS_PY_DEPTH, &sk.py_cut);
	pr = _as_sample_p((double)n, S.mean);

	lock();
	S.samples++;
	if (npy) {
		_as_py_resolve(raw, npy, py);
		sk.npy = (unsigned)npy;
		S.py_truncated += (uint64_t)sk.py_cut;
	}
	st = site_get(&sk);
	if (st) {
		st->samples++;
		st->bytes += (double)n / pr;
		st->count += 1 / pr;
		live_put(p, (unsigned)(st - S.sites), (float)((double)n / pr), (float)(1 / pr));
	} else {
		S.dropped_samples++;
	}
	unlock();
	return next;
}

void _as_sample_free(void *p)
{
	unsigned i = live_home((uintptr_t)p), f = _as_sample_hash_ptr(p);
	lock();
	while (S.live[i].p) {
		if (S.live[i].p == (uintptr_t)p) {
			struct site *st = &S.sites[S.live[i].site];
			st->live_bytes -= S.live[i].bytes;
			st->live_count -= S.live[i].count;
			st->live_samples--;
			live_del(i);
			if (_as_sample_filter[f] < 255)
				__atomic_store_n(&_as_sample_filter[f], _as_sample_filter[f] - 1,
						 __ATOMIC_RELAXED);
			break;
		}
		i = (i + 1) & (AS_SAMPLE_LIVE - 1);
	}
	unlock();
}

void _as_sample_reentered(uint64_t calls)
{
	__atomic_add_fetch(&S.reentrant, calls, __ATOMIC_RELAXED);
}

void _as_sample_boot_served(void)
{
	__atomic_add_fetch(&S.reentrant_boot, 1, __ATOMIC_RELAXED);
}

/* ---- fork ------------------------------------------------------------------------------------ */

void _as_sample_prepare_fork(void)
{
	if (S.on)
		lock();
}

void _as_sample_parent_after_fork(void)
{
	if (S.on)
		unlock();
}

void _as_sample_child_after_fork(void)
{
	unsigned i;
	if (!S.on)
		return;
	for (i = 0; i < S.nsites; i++) {
		S.sites[i].samples = 0;
		S.sites[i].bytes = S.sites[i].count = 0;
	}
	S.samples = S.dropped_samples = S.reentrant = S.reentrant_boot = 0;
	unlock();
}

/* ---- start-up ------------------------------------------------------------------------------- */

struct range_arg {
	uintptr_t base, lo, hi;
};

/* The first object dl_iterate_phdr reports is the program itself: where
 * its PT_LOAD segments are. */
static int find_main(struct dl_phdr_info *info, size_t size, void *data)
{
	struct range_arg *r = data;
	int i;
	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (ph->p_type != PT_LOAD)
			continue;
		if (!r->lo || lo < r->lo)
			r->lo = lo;
		if (hi > r->hi)
			r->hi = hi;
	}
	return 1;
}

/* path made absolute against the working directory (leading "./" dropped)
 * into S.exe; S.exe "" when that cannot be done. */
static void exe_absolute(const char *path)
{
	size_t n = 0;
	S.exe[0] = 0;
	if (!path || !path[0])
		return;
	if (path[0] != '/') {
		if (!getcwd(S.exe, sizeof S.exe - 1) || S.exe[0] != '/') {
			S.exe[0] = 0;
			return;
		}
		n = _as_strlen(S.exe);
		if (S.exe[n - 1] != '/')
			S.exe[n++] = '/';
		while (path[0] == '.' && path[1] == '/')
			path += 2;
	}
	/* cut short, it would be another file's name (a working directory of
	 * sizeof S.exe - 2 bytes left room for the '/' alone): none */
	if (_as_strlen(path) >= sizeof S.exe - n)
		S.exe[0] = 0;
	else
		_as_strlcpy(S.exe + n, path, sizeof S.exe - n);
}

/* The program's full path, as the process sees it (inside an image: the
 * image's own path), for its frames: `allocswap sites` reads the module by
 * it.  /proc/self/exe, which is the program only when the kernel started
 * it with its interpreter (AT_BASE, the interpreter's base, is not 0);
 * started by the dynamic loader as a command (ld.so PROG), /proc/self/exe
 * is the loader, and dladdr's name for the program (main_name, the path
 * ld.so was given) is used.  Without /proc (a chroot that has none yet),
 * AT_EXECFN, the path execve was given, stands in until the report tries
 * /proc/self/exe again (exe_lazy).  Both made absolute against the working
 * directory, which is still the one the program was started in. */
static void find_exe(const char *main_name)
{
	ssize_t n;
	if (!getauxval(AT_BASE)) {
		exe_absolute(main_name);
		return;
	}
	n = readlink("/proc/self/exe", S.exe, sizeof S.exe - 1);
	if (n > 0 && n < (ssize_t)sizeof S.exe - 1) { /* not possibly cut */
		S.exe[n] = 0;
		return;
	}
	exe_absolute((const char *)getauxval(AT_EXECFN));
	S.exe_lazy = 1;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	struct range_arg *r = data;
	int i;
	(void)size;
	if (info->dlpi_addr != r->base)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (!r->lo || lo < r->lo)
			r->lo = lo;
		if (hi > r->hi)
			r->hi = hi;
	}
	return 1;
}

/* No native stacks (why says why): Python frames alone, if this is a
 * CPython 3.11. */
static int python_only(void)
{
	if (!_as_py_enabled())
		return 0;
	__atomic_store_n(&S.on, 1, __ATOMIC_RELEASE);
	return 1;
}

int _as_sample_init(uint64_t mean)
{
	static const char lib[] = "libunwind.so.8";
	Dl_info self;
	struct range_arg r = {0, 0, 0};
	void *h, *warm[4];

	if (!mean) {
		why = "ALLOCSWAP_SAMPLE_BYTES=0 turns sampling off";
		return 0;
	}
	S.mean = (double)mean;
	(void)_as_py_init(); /* Python frames beside the native ones (or alone) */
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
#ifdef __GLIBC__
		why = "libunwind.so.8 (Debian libunwind8) could not be loaded: install it to "
			"sample allocation sites (glibc only; there is no musl build of it here)";
#else
		/* a musl build of libunwind (Alpine's) in the library path would do */
		why = "libunwind.so.8 could not be loaded: there is no musl build of it here "
		      "(Debian's libunwind8 is for glibc), so allocation sites are not sampled "
		      "under musl; counters, perf counts and the timeline do not need it";
#endif
		return python_only();
	}
	*(void **)&S.backtrace = dlsym(h, "unw_backtrace");
	*(void **)&S.getcontext = dlsym(h, "_Ux86_64_getcontext");
	*(void **)&S.init_local = dlsym(h, "_ULx86_64_init_local");
	*(void **)&S.step = dlsym(h, "_ULx86_64_step");
	*(void **)&S.get_reg = dlsym(h, "_ULx86_64_get_reg");
	if (!S.getcontext || !S.init_local || !S.step || !S.get_reg) {
		why = "libunwind.so.8 lacks the x86-64 local unwinder (_ULx86_64_init_local...)";
		return python_only();
	}
	if (!dladdr((void *)(uintptr_t)&_as_sample_init, &self)) {
		why = "dladdr cannot find libswap itself";
		return 0;
	}
	r.base = (uintptr_t)self.dli_fbase;
	dl_iterate_phdr(find_self, &r);
	/* dl_iterate_phdr gives the load bias; for a shared object that is
	 * dli_fbase.  Retry with the bias of 0 for a non-PIE executable
	 * (liballoc linked into a test program). */
	if (!r.hi) {
		r.base = 0;
		dl_iterate_phdr(find_self, &r);
	}
	S.self_lo = r.lo;
	S.self_hi = r.hi;
	r.lo = r.hi = 0;
	dl_iterate_phdr(find_main, &r);
	S.main_lo = r.lo;
	S.main_hi = r.hi;
	if (r.lo && dladdr((void *)r.lo, &self)) {
		S.main_base = (uintptr_t)self.dli_fbase;
		find_exe(self.dli_fname);
	}
	/* libunwind sets itself up on its first call: do it now, not inside
	 * the program's first sampled malloc */
	(void)take_stack(warm, 4);
	S.native = 1;
	__atomic_store_n(&S.on, 1, __ATOMIC_RELEASE);
	return 1;
}

int _as_sample_enabled(void)
{
	return __atomic_load_n(&S.on, __ATOMIC_RELAXED);
}

/* ---- report ---------------------------------------------------------------------------------- */

/* A frame's symbol and module: dladdr's, the program by its full path
 * (S.exe).  A module offset is addr - fbase, from the module's first
 * mapping: its lowest PT_LOAD p_vaddr rounded down to the page, plus its
 * load bias (0 for a non-PIE program).  tools/sym/as_sym.c maps it back
 * the same way; keep the two together. */
static const struct sym *symbolize(uintptr_t addr)
{
	unsigned i = (unsigned)((addr * 0x9E3779B97F4A7C15ull) >> 50) & (SYMS - 1), n;
	if (S.exe_lazy) {
		/* report time: /proc may be there now (it was not at start-up) */
		char exe[sizeof S.exe];
		ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
		S.exe_lazy = 0;
		if (k > 0 && k < (ssize_t)sizeof exe - 1) {
			exe[k] = 0;
			_as_memcpy(S.exe, exe, (size_t)k + 1);
		}
	}
	for (n = 0; n < SYMS; n++, i = (i + 1) & (SYMS - 1)) {
		struct sym *s;
		Dl_info info;
		int found;
		if (S.sym_slot[i]) {
			if (S.syms[S.sym_slot[i] - 1].addr == addr)
				return &S.syms[S.sym_slot[i] - 1];
			continue;
		}
		if (S.nsyms >= SYMS_MAX)
			return NULL; /* more distinct addresses than entries: printed raw */
		s = &S.syms[S.nsyms++];
		S.sym_slot[i] = (uint16_t)S.nsyms;
		s->addr = addr;
		found = dladdr((void *)addr, &info) != 0;
		if (found) {
			s->sname = info.dli_sname;
			s->saddr = (uintptr_t)info.dli_saddr;
			s->fname = info.dli_fname;
			s->fbase = (uintptr_t)info.dli_fbase;
		}
		if (S.exe[0] && (found ? s->fbase == S.main_base
				       : addr >= S.main_lo && addr < S.main_hi)) {
			/* the program: by its full path, never argv[0] nor "" */
			s->fname = S.exe;
			s->fbase = S.main_base;
		}
		return s;
	}
	return NULL;
}

struct buf {
	char *b;
	size_t cap, n;
};

static void put(struct buf *b, const char *s)
{
	b->n += _as_strlcpy(b->b + b->n, s, b->cap - b->n);
}

static void put_hex(struct buf *b, uintptr_t v)
{
	char tmp[20], *p = tmp + sizeof tmp;
	*--p = 0;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put(b, p);
}

/* "sym+0xoff (module+0xoff)" for the call instruction (return address - 1);
 * short: "sym", or "/full/path/module+0xoff" (folded stacks: the full path
 * lets `allocswap sites --folded` find the module's symbols afterwards). */
static void frame_text(struct buf *b, uintptr_t ret, int shrt)
{
	uintptr_t a = ret - 1;
	const struct sym *s = symbolize(a);
	const char *mod = s && s->fname && s->fname[0] ? s->fname : NULL;
	if (shrt) {
		if (s && s->sname) {
			put(b, s->sname);
		} else if (mod) {
			put(b, mod);
			put(b, "+");
			put_hex(b, a - s->fbase);
		} else {
			put_hex(b, a);
		}
		return;
	}
	if (s && s->sname) {
		put(b, s->sname);
		put(b, "+");
		put_hex(b, a - s->saddr);
	} else {
		put(b, "??");
	}
	put(b, " (");
	if (mod) {
		put(b, mod);
		put(b, "+");
		put_hex(b, a - s->fbase);
	} else {
		put_hex(b, a);
	}
	put(b, ")");
}

/* ---- mixed stacks ------------------------------------------------------------------------------ */

#define ITEMS (AS_SAMPLE_DEPTH + AS_PY_DEPTH)

/* ret is a return address inside _PyEval_EvalFrameDefault */
static int is_eval(uintptr_t ret)
{
	uintptr_t eval = _as_py_eval_addr();
	const struct sym *sy = eval ? symbolize(ret - 1) : NULL;
	return sy && sy->sname && sy->saddr == eval;
}

/* Mixed: each native frame inside _PyEval_EvalFrameDefault gives way to
 * the Python frames it was running, the next group of them up to and
 * including the next entry frame (an incomplete entry frame ends its group
 * unseen; a group with nothing to show keeps the native frame).  Where the
 * native stack was cut (AS_SAMPLE_DEPTH) before its root, the Python
 * frames left follow it, so that a stack still ends at its <module>.  -1
 * when they do not pair up: an eval frame with no group left, or groups
 * left over although the native stack reached its root (an eval frame
 * that dladdr does not place in _PyEval_EvalFrameDefault, a PEP 523 frame
 * evaluator). */
static int mixed_items(const struct site *s, int *item)
{
	const struct as_pyframe *py = S.pyf + s->py_start;
	unsigned n = 0, k, g = 0, np = s->py_n;
	for (k = 0; k < s->depth; k++) {
		unsigned from = g, shown = 0;
		if (!is_eval(s->ip[k])) {
			item[n++] = (int)k;
			continue;
		}
		if (g == np)
			return -1;
		while (g < np && !py[g].entry)
			g++;
		if (g == np && !s->py_cut)
			return -1; /* the root frame is always an entry frame */
		g += g < np;
		for (; from < g; from++)
			if (py[from].line >= 0) {
				item[n++] = -1 - (int)from;
				shown++;
			}
		if (!shown)
			item[n++] = (int)k;
	}
	if (g < np && !s->native_cut)
		return -1;
	for (; g < np; g++)
		if (py[g].line >= 0)
			item[n++] = -1 - (int)g;
	return (int)n;
}

/* The frames of site s to print, leaf first, into item: native frame k
 * (k >= 0) or the site's Python frame -1 - item; their count.  *matched
 * is 0 when native and Python frames could not be paired up: then the
 * native frames come first, the Python frames after them. */
static unsigned site_items(const struct site *s, int *item, int *matched)
{
	const struct as_pyframe *py = S.pyf + s->py_start;
	int n = s->py_n && s->depth ? mixed_items(s, item) : -1;
	unsigned k;
	*matched = n >= 0 || !s->py_n || !s->depth;
	if (n >= 0)
		return (unsigned)n;
	n = 0;
	for (k = 0; k < s->depth; k++)
		item[n++] = (int)k;
	for (k = 0; k < s->py_n; k++)
		if (py[k].line >= 0)
			item[n++] = -1 - (int)k;
	return (unsigned)n;
}

/* "qualname (file:line)" */
static void py_text(struct buf *b, const struct as_pyframe *f)
{
	char num[24];
	put(b, _as_py_str(f->name));
	put(b, " (");
	put(b, _as_py_str(f->file));
	put(b, ":");
	num[_as_u64_dec(num, (uint64_t)f->line)] = 0;
	put(b, num);
	put(b, ")");
}

static void item_text(struct buf *b, const struct site *s, int item, int shrt)
{
	size_t at = b->n;
	if (item >= 0)
		frame_text(b, s->ip[item], shrt);
	else
		py_text(b, &S.pyf[s->py_start + (unsigned)(-1 - item)]);
	/* folded stacks: ';' separates frames, so one in a Python name or a
	 * module's path ("/opt/a;b/prog+0x10") reads ',' there */
	for (; shrt && at < b->n; at++)
		if (b->b[at] == ';')
			b->b[at] = ',';
}

void _as_sample_symbolize(void)
{
	int item[ITEMS], matched;
	unsigned i, k;
	if (!S.on)
		return;
	for (i = 0; i < S.nsites; i++)
		for (k = 0; k < S.sites[i].depth; k++)
			(void)symbolize(S.sites[i].ip[k] - 1);
	S.py_unmatched = 0;
	for (i = 0; i < S.nsites; i++) {
		(void)site_items(&S.sites[i], item, &matched);
		S.py_unmatched += !matched;
	}
}

static uint64_t est(double v)
{
	return v > 0 ? (uint64_t)(v + 0.5) : 0;
}

/* The top AS_SAMPLE_TOP sites by bytes (by_live 0) or live bytes. */
static unsigned top_sites(unsigned *idx, int by_live)
{
	static unsigned char taken[SITES_MAX];
	unsigned n = 0, i;
	_as_memset(taken, 0, sizeof taken);
	while (n < AS_SAMPLE_TOP) {
		double best = 0;
		unsigned bi = SITES_MAX;
		for (i = 0; i < S.nsites; i++) {
			const struct site *s = &S.sites[i];
			double v = by_live ? (s->live_samples ? s->live_bytes : 0) : s->bytes;
			if (s->hash && !taken[i] && v > best) {
				best = v;
				bi = i;
			}
		}
		if (bi == SITES_MAX)
			break;
		taken[bi] = 1;
		idx[n++] = bi;
	}
	return n;
}

static void sites_json(struct as_json *j, const char *key, int by_live)
{
	unsigned idx[AS_SAMPLE_TOP], n = S.on ? top_sites(idx, by_live) : 0, i, k, nitem;
	int item[ITEMS], matched;
	_as_json_arr(j, key);
	for (i = 0; i < n; i++) {
		const struct site *s = &S.sites[idx[i]];
		_as_json_obj(j, NULL);
		_as_json_u64(j, "bytes", est(s->bytes));
		_as_json_u64(j, "count", est(s->count));
		_as_json_u64(j, "live_bytes", s->live_samples ? est(s->live_bytes) : 0);
		_as_json_u64(j, "live_count", s->live_samples ? est(s->live_count) : 0);
		_as_json_u64(j, "samples", s->samples);
		_as_json_u64(j, "live_samples", s->live_samples);
		nitem = site_items(s, item, &matched);
		if (!matched)
			_as_json_bool(j, "python_matched", 0); /* native frames, then Python's */
		_as_json_arr(j, "frames");
		for (k = 0; k < nitem; k++) {
			struct buf b = {S.line, sizeof S.line, 0};
			item_text(&b, s, item[k], 0);
			_as_json_str(j, NULL, S.line);
		}
		_as_json_end_arr(j);
		_as_json_end_obj(j);
	}
	_as_json_end_arr(j);
}

/* "modules": the build-ids of the modules the reported sites' native
 * frames name (as_buildid.h), report time only.  The folded file carries
 * none: flamegraph.pl and inferno read every line of it as a stack. */
static void modules_json(struct as_json *j)
{
	struct _as_modules mods;
	unsigned idx[AS_SAMPLE_TOP], n, i, k;
	int live;
	mods.n = 0;
	for (live = 0; live < 2; live++)
		for (n = top_sites(idx, live), i = 0; i < n; i++)
			for (k = 0; k < S.sites[idx[i]].depth; k++) {
				const struct sym *sy = symbolize(S.sites[idx[i]].ip[k] - 1);
				if (sy && sy->fname && sy->fname[0])
					_as_modules_add(&mods, sy->fname, sy->addr);
			}
	_as_modules_json(j, &mods);
}

void _as_sample_json(struct as_json *j, int full)
{
	_as_json_obj(j, "sampling");
	if (S.on) {
		_as_json_str(j, "source", S.native ? "libunwind" : "python");
		if (!S.native)
			_as_json_str(j, "native_reason", why);
		_as_json_u64(j, "mean_bytes", (uint64_t)S.mean);
		_as_json_u64(j, "samples", S.samples);
		_as_json_u64(j, "sites", S.nsites);
		_as_json_u64(j, "live_samples", S.nlive);
		_as_json_u64(j, "dropped_samples", S.dropped_samples);
		_as_json_u64(j, "dropped_live", S.dropped_live);
		_as_json_u64(j, "reentrant", S.reentrant);
		_as_json_u64(j, "reentrant_boot", S.reentrant_boot);
		_as_json_u64(j, "depth", AS_SAMPLE_DEPTH);
	} else {
		_as_json_str(j, "source", "none");
		_as_json_str(j, "reason", full ? why : "sampling runs only with ALLOCSWAP_STATS=full");
	}
	_as_py_json(j, S.py_unmatched, S.py_truncated);
	_as_json_end_obj(j);
	sites_json(j, "sites", 0);
	sites_json(j, "sites_by_live", 1);
	if (S.on)
		modules_json(j);
}

static int flush(int fd, struct buf *o)
{
	int rc = _as_write_all(fd, o->b, o->n);
	o->n = 0;
	return rc;
}

/* A folded line's frames, root first as flame graph tools expect, ';'
 * between them.  Room is kept for " COUNT\n": when the frames would not
 * fit (64 Python frames with long names), the leaf and as many frames from
 * the root as fit stay, "[...]" stands for the ones between. */
#define CUT "[...]"
static void folded_frames(struct buf *l, const struct site *s, const int *item, unsigned nitem)
{
	struct buf f = {S.frame, sizeof S.frame, 0};
	size_t room = l->cap - 32, leaf;
	int k;
	if (!nitem) {
		put(l, "[unknown]");
		return;
	}
	item_text(&f, s, item[0], 1);
	leaf = f.n;
	for (k = (int)nitem - 1; k > 0; k--) {
		f.n = 0;
		item_text(&f, s, item[k], 1);
		if (l->n + f.n + 1 + sizeof CUT + leaf >= room) {
			put(l, CUT ";");
			break;
		}
		put(l, S.frame);
		put(l, ";");
	}
	f.n = 0;
	item_text(&f, s, item[0], 1);
	put(l, S.frame);
}

int _as_sample_write_folded(const char *path)
{
	struct buf o = {S.out, sizeof S.out, 0};
	unsigned i, nitem;
	char tmp[1100]; /* written whole, then renamed (as_sys.h) */
	int fd, rc = 0, item[ITEMS], matched, direct;
	if (!S.on)
		return 0;
	/* a device, a FIFO, /dev/stdout: written in place, never renamed over */
	rc = _as_open_target(path, 1, &fd);
	if (rc)
		return rc;
	direct = fd >= 0;
	if (!direct)
		fd = _as_tmp_open(path, tmp, sizeof tmp);
	if (fd < 0)
		return -fd;
	for (i = 0; i < S.nsites && !rc; i++) {
		const struct site *s = &S.sites[i];
		struct buf l = {S.line, sizeof S.line, 0};
		char num[24];
		if (!s->hash || !s->samples)
			continue;
		nitem = site_items(s, item, &matched);
		folded_frames(&l, s, item, nitem);
		put(&l, " ");
		num[_as_u64_dec(num, est(s->bytes))] = 0;
		put(&l, num);
		put(&l, "\n");
		if (o.n + l.n > o.cap - 1)
			rc = flush(fd, &o);
		_as_memcpy(o.b + o.n, l.b, l.n);
		o.n += l.n;
	}
	if (!rc)
		rc = flush(fd, &o);
	if (direct)
		return close(fd) && !rc ? errno : rc;
	return _as_tmp_finish(fd, rc, tmp, path);
}
