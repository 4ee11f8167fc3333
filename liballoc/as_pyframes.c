/* as_pyframes: the Python frames of a sampled allocation.  See
 * as_pyframes.h.
 * No calls to malloc in this file. */
#include "as_pyframes.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "as_sys.h"

#define POOL (256 * 1024)       /* bytes of interned names */
#define STRS 16384              /* name index slots */
#define STRS_MAX (STRS / 4 * 3) /* names: the index stays 3/4 full at most */
_Static_assert(STRS_MAX < 1 << 15, "a name id fits struct as_pyframe's file");
#define CODES 4096              /* code cache entries (direct-mapped) */
#define LINES 8192              /* line cache entries (direct-mapped) */
#define NAME_BYTES 512          /* a longer name is cut here */
#define LINETABLE (64 * 1024)   /* a longer line table is not read without the GIL */

struct str {
	uint32_t off, len;
	uint64_t hash;
};

/* What a code object's names were interned as, and what it looked like
 * then: a code object freed and another one made at its address is told
 * apart by its name objects, their lengths or its first line. */
struct code {
	const char *code, *qualname, *filename;
	int64_t qlen, flen;
	int firstlineno;
	uint32_t name, file;
	uint32_t gen; /* this filling of the entry: the line cache's key */
};

/* PyCode_Addr2Line walks the line table from its start (three quarters
 * of the time a walk took on a 60-frame recursion): lines are cached by
 * code cache filling and byte offset. */
struct line {
	uint32_t gen;
	int32_t offset, line;
};

static struct {
	int on;
	unsigned long version; /* Py_Version: 0xMMmmppXX */
	void *(*this_tstate)(void);
	void *(*gil_tstate)(void); /* _PyThreadState_UncheckedGet: the GIL holder's state */
	int (*finalizing)(void);   /* _Py_IsFinalizing */
	const void *code_type, *str_type, *bytes_type;
	uintptr_t eval;
	const char *why; /* NULL: not a Python program */
	char whybuf[96];
	uint64_t bad, cut_names, pool_full;
	/* below: under the caller's lock */
	uint32_t str_slot[STRS]; /* entry + 1; 0: empty */
	unsigned nstrs;
	uint32_t pool_used;
	struct str strs[STRS_MAX];
	struct code codes[CODES];
	uint32_t gens;
	struct line lines[LINES];
	char tmp[NAME_BYTES * 4];
	char pool[POOL];
	/* copies read without the GIL (safe_read), under the caller's lock */
	char strcopy[AS_PY_str_compact_data + NAME_BYTES * 4];
	unsigned char linetable[LINETABLE];
} P;

#define LD(base, field) (*(const char *const *)((base) + AS_PY_##field))
#define LD_I64(base, field) (*(const int64_t *)((base) + AS_PY_##field))
#define LD_INT(base, field) (*(const int *)((base) + AS_PY_##field))

/* Reads of memory that may be gone: a thread that released the GIL reads
 * its own frames, which nobody else changes, but Py_FinalizeEx frees a
 * daemon thread's state and frames under it (see as_pyframes.h).  The
 * kernel copies (process_vm_readv on this process): memory unmapped since
 * is EFAULT, not a crash.  0 when all n bytes were read. */
static int safe_read(void *dst, const void *src, size_t n)
{
	struct iovec l = {dst, n}, r = {(void *)(uintptr_t)src, n};
	return !src || process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)n;
}

/* n bytes of the object at o, where they can be read: o itself with the
 * GIL held, else a copy in buf; NULL when they cannot be read. */
static const char *view(const char *o, size_t n, char *buf, int nogil)
{
	if (!nogil)
		return o;
	return safe_read(buf, o, n) ? NULL : buf;
}

/* ---- start-up ----------------------------------------------------------------------------- */

/* v in decimal at p (NUL-terminated); returns the end */
static char *put_dec(char *p, unsigned long v)
{
	return p + _as_u64_dec(p, v);
}

int _as_py_init(void)
{
	const unsigned long *ver;
	void *ts = dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
	char *p;

	if (!ts)
		return 0; /* not a Python program: nothing to say */
	ver = dlsym(RTLD_DEFAULT, "Py_Version");
	if (!ver) {
		P.why = "Python frames: CPython before 3.11 (no Py_Version) not supported, only 3.11";
		return 0;
	}
	P.version = *ver;
	if ((P.version >> 24) != 3 || ((P.version >> 16) & 0xff) != 11) {
		p = P.whybuf + _as_strlcpy(P.whybuf, "Python frames: CPython ", sizeof P.whybuf);
		p = put_dec(p, P.version >> 24);
		*p++ = '.';
		p = put_dec(p, (P.version >> 16) & 0xff);
		_as_strlcpy(p, " not supported, only 3.11", sizeof P.whybuf - (size_t)(p - P.whybuf));
		P.why = P.whybuf;
		return 0;
	}
	*(void **)&P.this_tstate = ts;
	P.code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
	P.bytes_type = dlsym(RTLD_DEFAULT, "PyBytes_Type");
	P.str_type = dlsym(RTLD_DEFAULT, "PyUnicode_Type");
	P.eval = (uintptr_t)dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
	*(void **)&P.gil_tstate = dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
	*(void **)&P.finalizing = dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
	if (!P.code_type || !P.bytes_type || !P.str_type || !P.eval || !P.gil_tstate ||
	    !P.finalizing) {
		P.why = "Python frames: this CPython 3.11 does not export PyCode_Type, "
			"PyBytes_Type, PyUnicode_Type, _PyEval_EvalFrameDefault, "
			"_PyThreadState_UncheckedGet and _Py_IsFinalizing";
		return 0;
	}
	__atomic_store_n(&P.on, 1, __ATOMIC_RELEASE);
	return 1;
}

int _as_py_enabled(void)
{
	return __atomic_load_n(&P.on, __ATOMIC_RELAXED);
}

uintptr_t _as_py_eval_addr(void)
{
	return P.on ? P.eval : 0;
}

/* ---- the stack, inside malloc ------------------------------------------------------------------ */

/* This thread's stack mapping, [lo, hi): the /proc/self/maps line holding
 * sp, read with system calls on a stack buffer, once per thread (again
 * when sp has left it: the main thread's stack grows, a signal stack).
 * hi 1: unknown (no /proc). */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));

static void find_stack(uintptr_t sp)
{
	char buf[1024];
	uintptr_t v[2] = {0, 0};
	int fd, field = 0, skip = 0;
	ssize_t r, i;

	stack_lo = 0;
	stack_hi = 1;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < r; i++) {
			char c = buf[i];
			if (c == '\n') {
				v[0] = v[1] = 0;
				field = skip = 0;
			} else if (skip) {
				continue;
			} else if (c == '-' && field == 0) {
				field = 1;
			} else if (c >= '0' && c <= '9') {
				v[field] = v[field] << 4 | (uintptr_t)(c - '0');
			} else if (c >= 'a' && c <= 'f') {
				v[field] = v[field] << 4 | (uintptr_t)(c - 'a' + 10);
			} else {
				skip = 1; /* the rest of the line; field tells where it stopped */
				if (field == 1 && v[0] <= sp && sp < v[1]) {
					stack_lo = v[0];
					stack_hi = v[1];
					close(fd);
					return;
				}
				field = 2;
			}
		}
	}
	close(fd);
}

/* Whether p is on this thread's stack, above sp (a live frame's). */
static int on_my_stack(const void *p, uintptr_t sp)
{
	if (sp < stack_lo || sp >= stack_hi) {
		if (stack_hi != 1)
			find_stack(sp);
	}
	if (stack_hi == 1)
		return 1; /* unknown: the GIL rule alone */
	return (uintptr_t)p > sp && (uintptr_t)p < stack_hi;
}

int _as_py_walk(struct as_pyraw *raw, int max, int *truncated)
{
	const char *ts, *cf, *f, *v;
	char frbuf[AS_PY_fr_owner + 1], cobuf[AS_PY_co_code_adaptive];
	int n = 0, nogil;
	volatile char here = 0;

	*truncated = 0;
	if (!P.on || P.finalizing())
		return 0;
	ts = P.this_tstate();
	if (!ts)
		return 0;
	nogil = ts != P.gil_tstate();
	if (!(v = view(ts + AS_PY_ts_cframe, sizeof cf, (char *)&cf, nogil)))
		return 0;
	cf = *(const char *const *)v;
	if (!cf || !on_my_stack(cf, (uintptr_t)&here))
		return 0;
	if (!(v = view(cf + AS_PY_cf_current_frame, sizeof f, (char *)&f, nogil)))
		return 0;
	for (f = *(const char *const *)v; f; f = LD(v, fr_previous)) {
		const char *code, *co, *first, *prev;
		int entry, owner;
		if (n == max) {
			*truncated = 1;
			break;
		}
		v = view(f, sizeof frbuf, frbuf, nogil);
		code = v ? LD(v, fr_code) : NULL;
		co = code ? view(code, sizeof cobuf, cobuf, nogil) : NULL;
		if (!co || LD(co, ob_type) != (const char *)P.code_type) {
			__atomic_add_fetch(&P.bad, 1, __ATOMIC_RELAXED);
			*truncated = 1;
			break;
		}
		first = code + AS_PY_co_code_adaptive;
		prev = LD(v, fr_prev_instr);
		entry = *(const unsigned char *)(v + AS_PY_fr_is_entry) != 0;
		owner = *(const signed char *)(v + AS_PY_fr_owner);
		raw[n].code = code;
		raw[n].qualname = LD(co, co_qualname);
		raw[n].filename = LD(co, co_filename);
		raw[n].firstlineno = LD_INT(co, co_firstlineno);
		raw[n].entry = entry;
		raw[n].nogil = nogil;
		/* _PyFrame_IsIncomplete */
		if (owner != AS_PY_owned_by_generator &&
		    prev < first + (ptrdiff_t)LD_INT(co, co_firsttraceable) * AS_PY_code_unit) {
			if (!entry)
				continue;
			raw[n].offset = -1; /* left out, but it ends its group */
		} else {
			raw[n].offset = (int)(prev - first);
		}
		n++;
	}
	return n;
}

/* ---- names (under the caller's lock) ------------------------------------------------------------ */

static size_t utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = c < 0x20 ? '?' : (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		if (c >= 0xd800 && c < 0xe000) { /* a lone surrogate */
			out[0] = '?';
			return 1;
		}
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The UTF-8 of a str object into P.tmp (at most NAME_BYTES code points);
 * its length, or -1 when it is not a compact, ready str (or, read without
 * the GIL, cannot be read). */
static long str_utf8(const char *o, int nogil)
{
	char hb[AS_PY_str_state + 4];
	const char *h = o ? view(o, sizeof hb, hb, nogil) : NULL, *data;
	uint32_t state;
	int64_t len, i;
	size_t n = 0;
	unsigned kind;

	if (!h || LD(h, ob_type) != (const char *)P.str_type)
		return -1;
	state = *(const uint32_t *)(h + AS_PY_str_state);
	len = LD_I64(h, str_length);
	if (!(state & AS_PY_STATE_COMPACT) || !(state & AS_PY_STATE_READY) || len < 0)
		return -1;
	if (len > NAME_BYTES) {
		len = NAME_BYTES;
		P.cut_names++;
	}
	kind = (state >> AS_PY_STATE_KIND_SHIFT) & AS_PY_STATE_KIND_MASK;
	if (kind != AS_PY_kind_1byte && kind != AS_PY_kind_2byte && kind != AS_PY_kind_4byte)
		return -1;
	data = view(o + (state & AS_PY_STATE_ASCII ? AS_PY_str_ascii_data : AS_PY_str_compact_data),
		    (size_t)len * kind, P.strcopy, nogil);
	if (!data)
		return -1;
	for (i = 0; i < len; i++) {
		uint32_t c;
		if (kind == AS_PY_kind_1byte)
			c = ((const uint8_t *)data)[i];
		else if (kind == AS_PY_kind_2byte)
			c = ((const uint16_t *)data)[i];
		else
			c = ((const uint32_t *)data)[i];
		n += utf8_put(P.tmp + n, c > 0x10ffff ? '?' : c);
	}
	return (long)n;
}

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static int same(const char *a, const char *b, size_t n)
{
	size_t i;
	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i == n;
}

/* The id of str object o's text: found, or added to the pool. */
static uint32_t intern(const char *o, int nogil)
{
	long n = str_utf8(o, nogil);
	uint64_t h;
	unsigned i, k;

	if (n < 0)
		return 0;
	h = name_hash(P.tmp, (size_t)n);
	i = (unsigned)(h >> 40) & (STRS - 1);
	for (k = 0; k < STRS; k++, i = (i + 1) & (STRS - 1)) {
		struct str *s;
		if (P.str_slot[i]) {
			s = &P.strs[P.str_slot[i] - 1];
			if (s->hash == h && s->len == (uint32_t)n && same(P.pool + s->off, P.tmp, (size_t)n))
				return P.str_slot[i];
			continue;
		}
		if (P.nstrs >= STRS_MAX || P.pool_used + (uint32_t)n + 1 > POOL) {
			P.pool_full++;
			return 0;
		}
		s = &P.strs[P.nstrs++];
		P.str_slot[i] = P.nstrs;
		s->off = P.pool_used;
		s->len = (uint32_t)n;
		s->hash = h;
		_as_memcpy(P.pool + s->off, P.tmp, (size_t)n);
		P.pool[s->off + n] = 0;
		P.pool_used += (uint32_t)n + 1;
		return P.nstrs;
	}
	return 0;
}

const char *_as_py_str(uint32_t id)
{
	return id && id <= P.nstrs ? P.pool + P.strs[id - 1].off : "?";
}

/* CPython 3.11's location table (Objects/locations.md), as
 * PyCode_Addr2Line reads it: entries of one first byte (bit 7 set; bits
 * 3-6 the kind; bits 0-2 the code units covered, minus one) and the bytes
 * after it (bit 7 clear).  Kinds 13 and 14 start with the line delta as a
 * signed varint (6 bits a byte, bit 6: more; bit 0 of the value: the sign),
 * 10-12 are deltas 0-2, 15 is "no line" (-1), the others keep the line.
 * The line of byte offset addr, or -1. */
static int varint(const unsigned char *p, const unsigned char *end, unsigned *out)
{
	unsigned v = 0, shift = 0;
	do {
		if (p >= end || shift > 28)
			return -1;
		v |= (unsigned)(*p & 63) << shift;
		shift += 6;
	} while (*p++ & 64);
	*out = v;
	return 0;
}

static int table_line(const unsigned char *t, size_t n, int firstlineno, int addr)
{
	const unsigned char *end = t + n;
	int line = firstlineno, start = 0;
	while (t < end && (*t & 128)) {
		unsigned kind = (*t >> 3) & 15, u;
		int len = ((*t & 7) + 1) * AS_PY_code_unit;
		if (kind == 13 || kind == 14) {
			if (varint(t + 1, end, &u))
				return -1;
			line += u & 1 ? -(int)(u >> 1) : (int)(u >> 1);
		} else if (kind >= 10 && kind <= 12) {
			line += (int)kind - 10;
		}
		if (addr < start + len)
			return kind == 15 ? -1 : line;
		start += len;
		do
			t++;
		while (t < end && !(*t & 128));
	}
	return -1;
}

/* The line of r's instruction from its code object's co_linetable (a
 * bytes object the code holds; alive while the code is on this thread's
 * stack), read in place with the GIL, else copied. */
static int code_line(const struct as_pyraw *r)
{
	const char *v, *lt, *data;
	char buf[AS_PY_bytes_sval];
	int64_t size;
	v = view(r->code + AS_PY_co_linetable, sizeof lt, (char *)&lt, r->nogil);
	lt = v ? *(const char *const *)v : NULL;
	v = lt ? view(lt, sizeof buf, buf, r->nogil) : NULL;
	if (!v || LD(v, ob_type) != (const char *)P.bytes_type)
		return -1;
	size = LD_I64(v, bytes_size);
	if (size < 0 || (r->nogil && size > LINETABLE))
		return -1;
	data = view(lt + AS_PY_bytes_sval, (size_t)size, (char *)P.linetable, r->nogil);
	return data ? table_line((const unsigned char *)data, (size_t)size, r->firstlineno, r->offset)
		    : -1;
}

int _as_py_addr2line(const void *code, int addr, int nogil)
{
	struct as_pyraw r = {0};
	r.code = code;
	r.offset = addr;
	r.nogil = nogil;
	r.firstlineno = LD_INT((const char *)code, co_firstlineno);
	return code_line(&r);
}

/* code_line, cached by code cache filling and byte offset (a walk of the
 * table from its start was three quarters of a walk of a 60-frame
 * recursion). */
static int line_of(const struct code *c, const struct as_pyraw *r)
{
	struct line *l = &P.lines[(c->gen * 0x9E3779B1u ^ (uint32_t)r->offset * 0x85EBCA77u) >> 19 &
				  (LINES - 1)];
	if (l->gen != c->gen || l->offset != r->offset) {
		l->gen = c->gen;
		l->offset = r->offset;
		l->line = code_line(r);
	}
	return l->line;
}

/* A str object's length, -1 when it cannot be read. */
static int64_t str_len(const char *o, int nogil)
{
	int64_t len;
	const char *v = o ? view(o + AS_PY_str_length, sizeof len, (char *)&len, nogil) : NULL;
	return v ? *(const int64_t *)v : -1;
}

void _as_py_resolve(const struct as_pyraw *raw, int n, struct as_pyframe *out)
{
	int i;
	for (i = 0; i < n; i++) {
		const struct as_pyraw *r = &raw[i];
		struct code *c = &P.codes[((uintptr_t)r->code >> 4) * 0x9E3779B97F4A7C15ull >> 52 &
					  (CODES - 1)];
		int64_t ql = str_len(r->qualname, r->nogil), fl = str_len(r->filename, r->nogil);
		if (c->code != r->code || c->qualname != r->qualname || c->filename != r->filename ||
		    c->qlen != ql || c->flen != fl || c->firstlineno != r->firstlineno) {
			c->code = r->code;
			c->qualname = r->qualname;
			c->filename = r->filename;
			c->qlen = ql;
			c->flen = fl;
			c->firstlineno = r->firstlineno;
			c->name = intern(r->qualname, r->nogil);
			c->file = intern(r->filename, r->nogil);
			c->gen = ++P.gens ? P.gens : ++P.gens;
		}
		out[i].name = c->name;
		out[i].file = c->file;
		out[i].line = r->offset < 0 ? -1 : line_of(c, r);
		out[i].entry = (uint32_t)r->entry;
	}
}

/* ---- report ----------------------------------------------------------------------------------- */

void _as_py_json(struct as_json *j, uint64_t unmatched, uint64_t truncated)
{
	char ver[48], *p = ver;
	if (!P.on && !P.why)
		return; /* not a Python program */
	_as_json_obj(j, "python");
	_as_json_bool(j, "frames", P.on);
	if (!P.on) {
		_as_json_str(j, "reason", P.why);
		_as_json_end_obj(j);
		return;
	}
	p = put_dec(p, P.version >> 24);
	*p++ = '.';
	p = put_dec(p, (P.version >> 16) & 0xff);
	*p++ = '.';
	(void)put_dec(p, (P.version >> 8) & 0xff);
	_as_json_str(j, "version", ver);
	_as_json_u64(j, "depth", AS_PY_DEPTH);
	_as_json_u64(j, "names", P.nstrs);
	_as_json_u64(j, "name_bytes", P.pool_used);
	_as_json_u64(j, "names_dropped", P.pool_full);
	_as_json_u64(j, "names_cut", P.cut_names);
	_as_json_u64(j, "truncated", truncated);
	_as_json_u64(j, "bad_frames", P.bad);
	_as_json_u64(j, "unmatched_sites", unmatched);
	_as_json_end_obj(j);
}
