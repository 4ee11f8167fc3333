/* as_sample: sampled allocation sites.  See as_sample.h.
 * No calls to malloc in this file. */
#include "as_sample.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#include "as_pyframes.h"
#include "as_sample_int.h"
#include "as_sys.h"

#define SKIP_MAX 16 /* libswap's own frames above the caller, at most */

unsigned char _as_sample_filter[1u << AS_SAMPLE_FILTER_BITS];
struct as_sample_state _as_sample_S;

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
	_as_py_after_fork();
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

/* No native stacks (S.why says why): Python frames alone, if this is a
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
		S.why = "ALLOCSWAP_SAMPLE_BYTES=0 turns sampling off";
		return 0;
	}
	S.mean = (double)mean;
	(void)_as_py_init(); /* Python frames beside the native ones (or alone) */
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
#ifdef __GLIBC__
		S.why = "libunwind.so.8 (Debian libunwind8) could not be loaded: install it to "
			"sample allocation sites with native stacks";
#else
		/* allocswap's musl build, or Alpine's libunwind */
		S.why = "libunwind.so.8 could not be loaded: no musl build of it is in the library "
			"path (Debian's libunwind8 is for glibc; `allocswap build musl-libunwind` "
			"makes one, which allocswap run and bench put there), so allocation sites "
			"have no native stacks under musl; counters, perf counts and the timeline "
			"do not need it";
#endif
		return python_only();
	}
	*(void **)&S.backtrace = dlsym(h, "unw_backtrace");
	*(void **)&S.getcontext = dlsym(h, "_Ux86_64_getcontext");
	*(void **)&S.init_local = dlsym(h, "_ULx86_64_init_local");
	*(void **)&S.step = dlsym(h, "_ULx86_64_step");
	*(void **)&S.get_reg = dlsym(h, "_ULx86_64_get_reg");
	if (!S.getcontext || !S.init_local || !S.step || !S.get_reg) {
		S.why = "libunwind.so.8 lacks the x86-64 local unwinder (_ULx86_64_init_local...)";
		return python_only();
	}
	if (!dladdr((void *)(uintptr_t)&_as_sample_init, &self)) {
		S.why = "dladdr cannot find libswap itself";
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
