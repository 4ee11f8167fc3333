/* as_pyframes: the Python frames of a sampled allocation.  See
 * as_pyframes.h.
 * No calls to malloc in this file. */
#include "as_pyframes.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/syscall.h>
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
#define WINDOW 256              /* bytes of a line table copied at a time without the GIL */
#define WALK_STEPS (4 * AS_PY_DEPTH + 16) /* frames looked at in one walk, at most */

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
	int nogil_ok;           /* process_vm_readv works: frames are read without the GIL */
	const char *nogil_why;  /* when it does not */
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
	char strcopy[NAME_BYTES * 4];
} P;

#define LD(base, field) (*(const char *const *)((base) + AS_PY_##field))
#define LD_I64(base, field) (*(const int64_t *)((base) + AS_PY_##field))
#define LD_INT(base, field) (*(const int *)((base) + AS_PY_##field))

/* Reads of memory that may be gone: a thread that released the GIL reads
 * its own frames, which nobody else changes, but Py_FinalizeEx frees a
 * daemon thread's state and frames under it (see as_pyframes.h).  The
 * kernel copies (process_vm_readv on this process): memory unmapped since
 * is EFAULT, not a crash.  0 when all n bytes were read. */
static __thread pid_t my_tid __attribute__((tls_model("initial-exec")));

/* This thread's id (process_vm_readv takes any task of the process: the
 * main thread may have gone with pthread_exit), asked once per thread. */
static pid_t tid(void)
{
	if (!my_tid)
		my_tid = (pid_t)syscall(SYS_gettid);
	return my_tid;
}

void _as_py_after_fork(void)
{
	my_tid = 0;
}

static int safe_readv(const struct iovec *l, const struct iovec *r, unsigned long n, size_t total)
{
	return process_vm_readv(tid(), l, n, r, n, 0) != (ssize_t)total;
}

static int safe_read(void *dst, const void *src, size_t n)
{
	struct iovec l = {dst, n}, r = {(void *)(uintptr_t)src, n};
	return !src || safe_readv(&l, &r, 1, n);
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
	{
		/* a seccomp profile may refuse it: then frames are read with the
		 * GIL held only, and the report says why */
		int probe = 1, copy = 0;
		P.nogil_ok = !safe_read(&copy, &probe, sizeof copy) && copy == 1;
		if (!P.nogil_ok)
			P.nogil_why = "process_vm_readv on this process failed (a seccomp profile?): "
				      "allocations made without the GIL have no Python frames";
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

/* Whether p is on this thread's stack, above sp (a live frame's).  With
 * the stack unknown (no /proc): yes for the GIL holder, no without the GIL
 * (its state could be one another thread runs, changing as it is read). */
static int on_my_stack(const void *p, uintptr_t sp, int nogil)
{
	if (sp < stack_lo || sp >= stack_hi) {
		if (stack_hi != 1)
			find_stack(sp);
	}
	if (stack_hi == 1)
		return !nogil;
	return (uintptr_t)p > sp && (uintptr_t)p < stack_hi;
}

/* The lengths of a frame's two names (the code cache checks them): one
 * copy for both without the GIL; -1 where unreadable. */
static void str_lens(struct as_pyraw *r, int nogil)
{
	struct iovec l[2] = {{&r->qlen, 8}, {&r->flen, 8}}, rem[2];
	if (!nogil) {
		r->qlen = r->qualname ? LD_I64(r->qualname, str_length) : -1;
		r->flen = r->filename ? LD_I64(r->filename, str_length) : -1;
		return;
	}
	if (!r->qualname || !r->filename) {
		r->qlen = r->flen = -1;
		return;
	}
	rem[0].iov_base = (void *)(r->qualname + AS_PY_str_length);
	rem[1].iov_base = (void *)(r->filename + AS_PY_str_length);
	rem[0].iov_len = rem[1].iov_len = 8;
	if (safe_readv(l, rem, 2, 16))
		r->qlen = r->flen = -1;
}

int _as_py_walk(struct as_pyraw *raw, int max, int *truncated)
{
	const char *ts, *cf, *f, *v;
	char frbuf[AS_PY_fr_owner + 1], cobuf[AS_PY_co_code_adaptive];
	int n = 0, nogil, steps = 0;
	volatile char here = 0;

	*truncated = 0;
	if (!P.on || P.finalizing())
		return 0;
	ts = P.this_tstate();
	if (!ts)
		return 0;
	nogil = ts != P.gil_tstate();
	if (nogil && !P.nogil_ok)
		return 0;
	if (!(v = view(ts + AS_PY_ts_cframe, sizeof cf, (char *)&cf, nogil)))
		return 0;
	cf = *(const char *const *)v;
	if (!cf || !on_my_stack(cf, (uintptr_t)&here, nogil))
		return 0;
	if (!(v = view(cf + AS_PY_cf_current_frame, sizeof f, (char *)&f, nogil)))
		return 0;
	for (f = *(const char *const *)v; f; f = LD(v, fr_previous)) {
		const char *code, *co, *first, *prev;
		int entry, owner;
		/* bounded even over frames left out, and over a chain read
		 * torn (memory freed under a walk without the GIL) */
		if (n == max || ++steps > WALK_STEPS) {
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
		str_lens(&raw[n], nogil);
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
 *
 * Its bytes are read in place (with the GIL) or through copies of WINDOW
 * bytes at a time (without it): table_byte gives byte i, or -1 past the
 * end or when the copy failed (bad set). */
struct table {
	const unsigned char *src;
	size_t n, base, len;
	int copy, bad;
	unsigned char win[WINDOW];
};

static int table_byte(struct table *t, size_t i)
{
	if (i >= t->n)
		return -1;
	if (!t->copy)
		return t->src[i];
	if (i < t->base || i >= t->base + t->len) {
		t->base = i;
		t->len = t->n - i < WINDOW ? t->n - i : WINDOW;
		if (safe_read(t->win, t->src + i, t->len)) {
			t->len = 0;
			t->bad = 1;
			return -1;
		}
	}
	return t->win[i - t->base];
}

static int varint(struct table *t, size_t i, unsigned *out)
{
	unsigned v = 0, shift = 0;
	int b;
	do {
		if ((b = table_byte(t, i++)) < 0 || shift > 28)
			return -1;
		v |= (unsigned)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	*out = v;
	return 0;
}

/* The line of byte offset addr: the entries before it are read, no more. */
static int table_line(struct table *t, int firstlineno, int addr)
{
	size_t i = 0;
	int line = firstlineno, start = 0, b = table_byte(t, 0);
	while (b >= 0 && (b & 128)) {
		unsigned kind = ((unsigned)b >> 3) & 15, u;
		int len = ((b & 7) + 1) * AS_PY_code_unit;
		if (kind == 13 || kind == 14) {
			if (varint(t, i + 1, &u))
				return -1;
			line += u & 1 ? -(int)(u >> 1) : (int)(u >> 1);
		} else if (kind >= 10 && kind <= 12) {
			line += (int)kind - 10;
		}
		if (addr < start + len)
			return kind == 15 ? -1 : line;
		start += len;
		do
			b = table_byte(t, ++i);
		while (b >= 0 && !(b & 128));
	}
	return -1;
}

/* The line of r's instruction from its code object's co_linetable (a
 * bytes object the code holds; alive while the code is on this thread's
 * stack), read in place with the GIL, else through copies; -2 when a copy
 * failed (not cached: a later sample may read it). */
static int code_line(const struct as_pyraw *r)
{
	const char *v, *lt;
	char buf[AS_PY_bytes_sval];
	struct table t;
	int line;
	v = view(r->code + AS_PY_co_linetable, sizeof lt, (char *)&lt, r->nogil);
	lt = v ? *(const char *const *)v : NULL;
	v = lt ? view(lt, sizeof buf, buf, r->nogil) : NULL;
	if (!v)
		return -2;
	if (LD(v, ob_type) != (const char *)P.bytes_type || LD_I64(v, bytes_size) < 0)
		return -1;
	t.src = (const unsigned char *)lt + AS_PY_bytes_sval;
	t.n = (size_t)LD_I64(v, bytes_size);
	t.base = t.len = 0;
	t.copy = r->nogil;
	t.bad = 0;
	line = table_line(&t, r->firstlineno, r->offset);
	return t.bad ? -2 : line;
}

int _as_py_addr2line(const void *code, int addr, int nogil)
{
	struct as_pyraw r = {0};
	int first;
	const char *v = view((const char *)code + AS_PY_co_firstlineno, sizeof first, (char *)&first,
			     nogil);
	r.code = code;
	r.offset = addr;
	r.nogil = nogil;
	r.firstlineno = v ? *(const int *)v : 0;
	return v ? code_line(&r) : -2;
}

/* code_line, cached by code cache filling and byte offset (a walk of the
 * table from its start was three quarters of a walk of a 60-frame
 * recursion). */
static int line_of(const struct code *c, const struct as_pyraw *r)
{
	struct line *l = &P.lines[(c->gen * 0x9E3779B1u ^ (uint32_t)r->offset * 0x85EBCA77u) >> 19 &
				  (LINES - 1)];
	int line;
	if (l->gen == c->gen && l->offset == r->offset)
		return l->line;
	line = code_line(r);
	if (line == -2)
		return -1;
	l->gen = c->gen;
	l->offset = r->offset;
	l->line = line;
	return line;
}

void _as_py_resolve(const struct as_pyraw *raw, int n, struct as_pyframe *out)
{
	int i;
	for (i = 0; i < n; i++) {
		const struct as_pyraw *r = &raw[i];
		struct code *c = &P.codes[((uintptr_t)r->code >> 4) * 0x9E3779B97F4A7C15ull >> 52 &
					  (CODES - 1)];
		if (c->code != r->code || c->qualname != r->qualname || c->filename != r->filename ||
		    c->qlen != r->qlen || c->flen != r->flen || c->firstlineno != r->firstlineno) {
			c->code = r->code;
			c->qualname = r->qualname;
			c->filename = r->filename;
			c->qlen = r->qlen;
			c->flen = r->flen;
			c->firstlineno = r->firstlineno;
			c->name = intern(r->qualname, r->nogil);
			c->file = intern(r->filename, r->nogil);
			c->gen = ++P.gens ? P.gens : ++P.gens;
		}
		out[i].name = c->name;
		out[i].file = c->file;
		out[i].line = r->offset < 0 ? -1 : line_of(c, r);
		out[i].entry = (uint32_t)r->entry;
		/* a copy that failed is not kept: a later sample reads it again */
		if (r->nogil && (!c->name || !c->file))
			c->code = NULL;
	}
}

/* ---- report ----------------------------------------------------------------------------------- */

void _as_py_json(struct as_json *j, uint64_t unmatched, uint64_t short_native, uint64_t truncated)
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
	_as_json_bool(j, "without_gil", P.nogil_ok);
	if (!P.nogil_ok)
		_as_json_str(j, "without_gil_reason", P.nogil_why);
	_as_json_u64(j, "names", P.nstrs);
	_as_json_u64(j, "name_bytes", P.pool_used);
	_as_json_u64(j, "names_dropped", P.pool_full);
	_as_json_u64(j, "names_cut", P.cut_names);
	_as_json_u64(j, "truncated", truncated);
	_as_json_u64(j, "bad_frames", P.bad);
	_as_json_u64(j, "unmatched_sites", unmatched);
	_as_json_u64(j, "short_native_sites", short_native);
	_as_json_end_obj(j);
}
