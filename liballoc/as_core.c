/* as_core: start-up, dispatch head, fork, exit.  No calls to malloc in this file. */
#include "as_core.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "as_bootstrap.h"
#include "as_perf.h"
#include "as_counters.h"
#include "as_report.h"
#include "as_sample.h"
#include "as_stats.h"
#include "as_sys.h"
#include "as_timeline.h"

extern char **environ;

enum { ST_NONE, ST_INIT, ST_READY };

static struct {
	int state;
	struct as_options opt;
	struct as_backend_state backend;
	struct as_core_info info;
	char err[768];
	char report[4096]; /* ALLOCSWAP_REPORT made absolute at start-up */
	int fini_done;
} core;

/* ---- bootstrap functions: the head until the backend is ready ---------------- */

static int ready(void)
{
	return __atomic_load_n(&core.state, __ATOMIC_ACQUIRE) == ST_READY;
}

/* The arena is out of room before the constructor ran: initialize now,
 * unless this thread is the one initializing. */
static int try_init_now(void)
{
	if (__atomic_load_n(&core.state, __ATOMIC_ACQUIRE) == ST_NONE)
		_as_init();
	return ready();
}

static void *boot_malloc(size_t n)
{
	void *p;
	if (ready())
		return _as_head.malloc(n);
	p = _as_boot_alloc(0, n);
	if (!p && try_init_now())
		return _as_head.malloc(n);
	if (!p)
		errno = ENOMEM;
	return p;
}

static void boot_free(void *p)
{
	/* arena pointers never get here (the export checks); anything else can
	 * only come from the backend once it is ready */
	if (p && ready())
		_as_head.free(p);
}

static void *boot_calloc(size_t n, size_t size)
{
	/* .bss memory is zero and never reused */
	return boot_malloc(n * size);
}

static void *boot_realloc(void *p, size_t n)
{
	void *q;
	if (ready())
		return _as_head.realloc(p, n);
	q = boot_malloc(n);
	if (q && p) {
		size_t old = _as_boot_usable(p);
		_as_memcpy(q, p, old < n ? old : n);
	}
	return q;
}

static void *boot_aligned(size_t align, size_t n)
{
	void *p;
	if (ready())
		return _as_head.aligned(align, n);
	p = _as_boot_alloc(align, n);
	if (!p && try_init_now())
		return _as_head.aligned(align, n);
	if (!p)
		errno = ENOMEM;
	return p;
}

static size_t boot_usable(void *p)
{
	if (ready())
		return _as_head.usable(p);
	return 0; /* not an arena pointer (those are handled by the export) */
}

/* The head has a 64-byte line of its own: every call of every thread reads
 * it, and it is written only while the chain is set up.  Left to the linker,
 * its second line (aligned, usable) was shared with as_stats.c's totals,
 * which counters and full mode write whenever a thread's block is folded. */
_Static_assert(sizeof(struct as_dispatch) <= 64, "the dispatch head fits one cache line");
static union {
	struct as_dispatch d;
	unsigned char line[64];
} head_line __attribute__((aligned(64))) = {
	.d = {
		.malloc = boot_malloc,
		.free = boot_free,
		.calloc = boot_calloc,
		.realloc = boot_realloc,
		.aligned = boot_aligned,
		.usable = boot_usable,
	},
};
extern struct as_dispatch _as_head __attribute__((alias("head_line")));

/* ---- fork ---------------------------------------------------------------------- */

/* The sampling tables' lock is held across fork, so the child never
 * inherits it taken by a thread that does not exist there. */
static void atfork_prepare(void)
{
	_as_sample_prepare_fork();
}

static void atfork_parent(void)
{
	_as_sample_parent_after_fork();
}

static void atfork_child(void)
{
	_as_sample_child_after_fork();
	_as_counters_after_fork_child();
	if (core.opt.stats != AS_STATS_OFF)
		_as_stats_after_fork_child();
	if (core.opt.stats == AS_STATS_FULL)
		_as_perf_after_fork_child();
	core.info.start_ns = _as_now_ns();
	_as_timeline_after_fork_child(core.info.start_ns, _as_stats_live());
}

/* ---- children ------------------------------------------------------------------- */

/* ALLOCSWAP_CHILDREN=0: take libswap out of LD_PRELOAD, in place, so that
 * programs this process starts run without it.  The entry is recognized by
 * the file that holds this function. */
static void strip_preload(const char *self_path)
{
	char **e;
	const char *base = _as_basename(self_path);
	for (e = environ; e && *e; e++) {
		char *v, *out, *tok;
		if (!_as_prefix(*e, "LD_PRELOAD=", (const char **)&v))
			continue;
		out = v;
		tok = v;
		while (*tok) {
			char *end = tok, *tb = tok, *p;
			size_t len;
			int drop;
			while (*end && *end != ':' && *end != ' ')
				end++;
			len = (size_t)(end - tok);
			for (p = tok; p < end; p++)
				if (*p == '/')
					tb = p + 1;
			drop = (size_t)(end - tb) == _as_strlen(base) && _as_prefix(tb, base, NULL);
			if (!drop && len) {
				if (out != v)
					*out++ = ':';
				if (out != tok)
					for (p = tok; p < end; p++)
						*out++ = *p;
				else
					out += len;
			}
			tok = *end ? end + 1 : end;
		}
		*out = 0;
	}
}

/* ---- init ------------------------------------------------------------------------ */

static void fail(const char *msg)
{
	_as_say("allocswap: ", msg, NULL, NULL);
	_exit(127);
}

void _as_init(void)
{
	int expect = ST_NONE, rc;
	const struct as_dispatch *top;
	if (!__atomic_compare_exchange_n(&core.state, &expect, ST_INIT, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return; /* someone else is (or was) initializing; the arena serves meanwhile */
	core.info.start_ns = _as_now_ns();
	core.info.opt = &core.opt;
	core.info.backend = &core.backend;
	core.info.secure = getauxval(AT_SECURE) != 0;

	rc = _as_options_parse((const char *const *)environ, &core.opt, core.err, sizeof core.err);
	if (rc && _as_prefix(core.err, "invalid ALLOCSWAP_ALLOCATOR=", NULL)) {
		char names[256];
		size_t n = _as_strlen(core.err);
		_as_backend_names(names, sizeof names);
		n += _as_strlcpy(core.err + n, "; available: ", sizeof core.err - n);
		_as_strlcpy(core.err + n, names, sizeof core.err - n);
	}
	if (rc) {
		/* Bad options: nothing else is trusted, but the fallback may be. */
		const char *fb = _as_env(NULL, "ALLOCSWAP_FALLBACK");
		if (!fb || !_as_streq(fb, "system"))
			fail(core.err);
		_as_say("allocswap: warning: ", core.err, "; continuing with the system allocator",
			" (ALLOCSWAP_FALLBACK=system)");
		_as_options_parse(NULL, &core.opt, core.err, sizeof core.err);
		/* The report records the fallback, so it is still written: any
		 * string is a valid ALLOCSWAP_REPORT, keep it. */
		if (_as_env(NULL, "ALLOCSWAP_REPORT"))
			core.opt.report = _as_env(NULL, "ALLOCSWAP_REPORT");
		core.opt.fallback = AS_FALLBACK_SYSTEM;
		core.info.fallback_used = 1;
		core.info.fallback_why = "invalid ALLOCSWAP_* setting";
	}
	if (core.info.secure)
		core.opt.report = "";
	/* A relative report path means relative to where the program started,
	 * not to wherever it has chdir-ed by the time it exits. */
	if (core.opt.report[0] && core.opt.report[0] != '/' &&
	    getcwd(core.report, sizeof core.report - 2)) {
		size_t n = _as_strlen(core.report);
		if (n > 1 || core.report[0] != '/')
			core.report[n++] = '/';
		if (_as_strlcpy(core.report + n, core.opt.report, sizeof core.report - n) ==
		    _as_strlen(core.opt.report))
			core.opt.report = core.report;
	}

	/* perf counters first, so that they see what loading the backend costs */
	if (core.opt.stats == AS_STATS_FULL)
		(void)_as_perf_start(); /* a group that cannot count says why in the report */

	rc = _as_backend_load(core.opt.allocator, &core.backend, core.info.secure, core.err,
			      sizeof core.err);
	if (rc) {
		if (core.opt.fallback != AS_FALLBACK_SYSTEM)
			fail(core.err);
		_as_say("allocswap: warning: ", core.err,
			"; continuing with the system allocator (ALLOCSWAP_FALLBACK=system)", NULL);
		core.info.fallback_used = 1;
		core.info.fallback_why = core.err;
		_as_memset(&core.backend, 0, sizeof core.backend);
		if (_as_backend_load("system", &core.backend, 0, core.err, sizeof core.err))
			fail(core.err);
		core.info.fallback_why = "requested allocator could not be loaded";
	}
	if (core.info.fallback_used) {
		/* the report names what was asked for next to what ran */
		const char *asked = _as_env(NULL, "ALLOCSWAP_ALLOCATOR");
		_as_strlcpy(core.backend.spec, asked ? asked : "system", sizeof core.backend.spec);
	}
	/* perf could not count syscalls: hook the backend's libc calls too */
	if (core.opt.stats == AS_STATS_FULL)
		_as_perf_backend_loaded();

	if (core.opt.stats != AS_STATS_OFF && _as_stats_init(core.opt.slack))
		fail("cannot create the thread-exit key for per-thread counters");
	if (core.opt.stats != AS_STATS_OFF && !core.info.secure &&
	    (rc = _as_counters_open(core.opt.counters)))
		_as_say("allocswap: warning: no counters page for ALLOCSWAP_COUNTERS=", core.opt.counters,
			": ", rc == EEXIST ? "the file exists and is not this process's page "
					     "(libswap maps only a file it creates; remove it or use %p)"
					   : _as_errname(rc));
	if (!core.opt.children) {
		Dl_info self;
		if (dladdr((void *)(uintptr_t)&_as_init, &self) && self.dli_fname)
			strip_preload(self.dli_fname);
	}
	/* after the backend, so that libunwind's own start-up allocations go
	 * to the bootstrap arena, not to a backend they did not come from */
	if (core.opt.stats == AS_STATS_FULL && !core.info.secure)
		(void)_as_sample_init(core.opt.sample_bytes); /* if not, the report says why */
	/* the first point: the heap at start-up (nothing counted yet, unless
	 * the arena ran out and this runs inside the first malloc) */
	if (core.opt.stats == AS_STATS_FULL && !core.info.secure)
		_as_timeline_start(core.info.start_ns, core.opt.timeline_ms, _as_stats_live());
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);

	if (core.opt.stats == AS_STATS_OFF)
		top = &_as_backend;
	else if (_as_sample_enabled())
		top = core.backend.classes ? &_as_sampling_classes : &_as_sampling_layer;
	else
		top = core.backend.classes ? &_as_counting_classes : &_as_counting_layer;
	/* Publish: each pointer store is atomic; the bootstrap functions forward
	 * to the head once the state says ready, so a mixed view is harmless. */
	__atomic_store_n(&_as_head.usable, top->usable, __ATOMIC_RELAXED);
	__atomic_store_n(&_as_head.free, top->free, __ATOMIC_RELAXED);
	__atomic_store_n(&_as_head.realloc, top->realloc, __ATOMIC_RELAXED);
	__atomic_store_n(&_as_head.calloc, top->calloc, __ATOMIC_RELAXED);
	__atomic_store_n(&_as_head.aligned, top->aligned, __ATOMIC_RELAXED);
	__atomic_store_n(&_as_head.malloc, top->malloc, __ATOMIC_RELAXED);
	core.info.ready = 1;
	__atomic_store_n(&core.state, ST_READY, __ATOMIC_RELEASE);
}

const struct as_core_info *_as_core_info(void)
{
	return &core.info;
}

void _as_fini(void)
{
	if (!ready() || core.fini_done)
		return;
	core.fini_done = 1;
	_as_report_at_exit(&core.info);
}
