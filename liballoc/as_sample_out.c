/* as_sample_out: the sampled sites into the report and the folded file
 * (ALLOCSWAP_SITES), and the symbolizing both use.  See as_sample.h.
 * No calls to malloc in this file. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "as_buildid.h"
#include "as_sample_int.h"
#include "as_sys.h"

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
static int mixed_items(const struct site *s, int *item, int *short_native)
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
	/* Python groups left over: the native stack ended before the
	 * interpreter's frames it holds (they are on this thread's stack,
	 * as_pyframes.h): the unwinder stopped early, in a function without
	 * unwind tables (musl's libc, under a call made without the GIL).
	 * The rest of the Python frames follow the last native one. */
	*short_native = g < np && !s->native_cut;
	for (; g < np; g++)
		if (py[g].line >= 0)
			item[n++] = -1 - (int)g;
	return (int)n;
}

/* The frames of site s to print, leaf first, into item: native frame k
 * (k >= 0) or the site's Python frame -1 - item; their count.  *matched
 * is 0 when native and Python frames could not be paired up (more eval
 * frames than Python groups): then the native frames come first, the
 * Python frames after them.  *short_native: the native stack ended
 * before its Python groups did (mixed_items). */
static unsigned site_items(const struct site *s, int *item, int *matched, int *short_native)
{
	const struct as_pyframe *py = S.pyf + s->py_start;
	int n;
	unsigned k;
	*short_native = 0;
	n = s->py_n && s->depth ? mixed_items(s, item, short_native) : -1;
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
	int item[ITEMS], matched, short_native;
	unsigned i, k;
	if (!S.on)
		return;
	for (i = 0; i < S.nsites; i++)
		for (k = 0; k < S.sites[i].depth; k++)
			(void)symbolize(S.sites[i].ip[k] - 1);
	S.py_unmatched = S.py_short = 0;
	for (i = 0; i < S.nsites; i++) {
		(void)site_items(&S.sites[i], item, &matched, &short_native);
		S.py_unmatched += !matched;
		S.py_short += short_native;
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
	int item[ITEMS], matched, short_native;
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
		nitem = site_items(s, item, &matched, &short_native);
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
			_as_json_str(j, "native_reason", _as_sample_why());
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
		_as_json_str(j, "reason", full ? _as_sample_why() : "sampling runs only with ALLOCSWAP_STATS=full");
	}
	_as_py_json(j, S.py_unmatched, S.py_short, S.py_truncated);
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
	int fd, rc = 0, item[ITEMS], matched, short_native, direct;
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
		nitem = site_items(s, item, &matched, &short_native);
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
