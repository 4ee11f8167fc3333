/* as_sample: sampled allocation sites (ALLOCSWAP_STATS=full).
 *
 * Which allocations: a Poisson process over allocated bytes.  Each thread
 * counts down the bytes it allocates; when the count goes below zero the
 * allocation in hand is sampled and the next distance is drawn from an
 * exponential distribution with mean ALLOCSWAP_SAMPLE_BYTES (512 KiB by
 * default).  An allocation of n bytes is then sampled with probability
 * p(n) = 1 - exp(-n / mean), whatever the sizes around it, so each sample
 * stands for n / p(n) bytes and 1 / p(n) allocations: the estimates per
 * site are unbiased, and large allocations are nearly always seen.
 *
 * What is kept: the call stack (libunwind's unw_backtrace; libswap's own
 * frames are dropped) in a fixed table keyed by a hash of the stack, with
 * the sampled and estimated bytes and counts per stack; and each sampled
 * block that is still live, in a second fixed table keyed by address, so
 * that frees and reallocs take its estimated bytes off its site's live
 * bytes.  A free asks a 64 KiB byte filter first (one load): only when the
 * filter says the address may have been sampled does it take the lock.
 *
 * Nothing here calls malloc.  libunwind is loaded with dlopen at start-up in
 * full mode only (libswap does not link it, so counters mode never maps it).
 * Stacks come from unw_backtrace's fast path (a per-thread cache of frame
 * layouts; no lock, no signal masking), with libunwind's step-by-step
 * unwinder as the fallback.  The one malloc call seen while a stack is
 * taken is glibc allocating libunwind's dynamic TLS (16 bytes) on a
 * thread's first sample: calls made while a stack is taken are served from
 * libswap's bootstrap arena ("reentrant_boot"); only if the arena is
 * exhausted do they reach the backend, unsampled ("reentrant").
 * At exit the top sites by bytes and by live bytes go into the report,
 * symbolized with dladdr (symbol+offset and module+offset, the address one
 * byte before each return address, so that addr2line names the call), and
 * ALLOCSWAP_SITES names a file for every stack in folded form (flame graph
 * tools read it).
 *
 * Python: in a CPython 3.11 process each sample also keeps the thread's
 * Python frames (as_pyframes.h: qualname, file, line, entry frame or not,
 * read without allocating), and they are part of the stack's identity:
 * two Python functions calling the same C path are two sites.  The report
 * and the folded file print mixed stacks, as memray does: each native
 * frame inside _PyEval_EvalFrameDefault (dladdr's symbol address against
 * dlsym's) gives way to the Python frames it was running, "qualname
 * (file:line)", up to and including the next entry frame; a site whose
 * eval frames and Python groups do not pair up prints its native frames,
 * then its Python frames, and is counted (sampling.python.unmatched_sites);
 * one whose native stack ends before its Python groups do (cut at depth,
 * or an unwinder stopped by a function without unwind tables) gets the
 * Python frames left after its last native one (short_native_sites counts
 * the second kind).
 * Without libunwind (musl without allocswap's build of it) a Python process
 * still gets its Python frames alone: sampling.source "python".
 *
 * Threads: the countdown is per thread, the tables are shared under one
 * spin lock, taken only to record a sample or to free a sampled block.
 * fork: the lock is held across fork() (prepare/parent/child handlers); the
 * child keeps the live blocks it inherited and starts its own byte and
 * count estimates, like its other counters.
 */
#ifndef ALLOCSWAP_AS_SAMPLE_H
#define ALLOCSWAP_AS_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "as_json.h"

#define AS_SAMPLE_DEPTH 32        /* frames kept per stack */
#define AS_SAMPLE_SITES 4096      /* stacks */
#define AS_SAMPLE_LIVE 65536      /* sampled blocks still live */
#define AS_SAMPLE_FILTER_BITS 16  /* 64 KiB of free filter */
#define AS_SAMPLE_TOP 20          /* sites per list in the report */

/* Per-thread sampling state, zero-initialized in TLS. */
struct as_sample_tls {
	int64_t left; /* bytes until the next sample (as_stats.c counts it down) */
	uint64_t rng; /* xorshift64* state; 0: not seeded yet */
	int busy;     /* inside _as_sample_alloc (re-entry guard) */
};

extern unsigned char _as_sample_filter[1u << AS_SAMPLE_FILTER_BITS];

static inline unsigned _as_sample_hash_ptr(const void *p)
{
	return (unsigned)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - AS_SAMPLE_FILTER_BITS));
}

/* True when p may be a sampled live block (no false negatives). */
static inline int _as_sample_maybe(const void *p)
{
	return __atomic_load_n(&_as_sample_filter[_as_sample_hash_ptr(p)], __ATOMIC_RELAXED) != 0;
}

/* Start-up, full mode: loads libunwind and finds libswap's own text.  mean
 * is ALLOCSWAP_SAMPLE_BYTES; 0 turns sampling off.  Returns 1 when sampling
 * runs; otherwise the report says why. */
int _as_sample_init(uint64_t mean);
/* 1 when sampling runs (the counting layer then uses its sampling twin). */
int _as_sample_enabled(void);

/* The thread's countdown went below zero while allocating p (n bytes; p
 * NULL: the allocation failed).  Samples p and returns the bytes until the
 * next sample. */
int64_t _as_sample_alloc(struct as_sample_tls *s, void *p, size_t n);
/* p, which the filter flagged, is being freed (or moved by realloc). */
void _as_sample_free(void *p);
/* Calls that reached the backend while a stack was being taken, and calls
 * the bootstrap arena served instead (as_stats.c). */
void _as_sample_reentered(uint64_t calls);
void _as_sample_boot_served(void);

/* fork handlers */
void _as_sample_prepare_fork(void);
void _as_sample_parent_after_fork(void);
void _as_sample_child_after_fork(void);

/* Looks up every sampled frame with dladdr (cached): the report calls it
 * before it reads the perf counters, so that they include this work, as
 * perf stat on the same command would. */
void _as_sample_symbolize(void);
/* Report: "sampling" (how), "sites" (top by bytes), "sites_by_live". */
void _as_sample_json(struct as_json *j, int full);
/* Writes every stack in folded form to path (%p and %e expanded by the
 * caller); 0 or errno. */
int _as_sample_write_folded(const char *path);

/* Exposed for unit tests: the estimate for one sample of n bytes, and
 * 1 - exp(-x), ln(x) without libm. */
double _as_sample_p(double n, double mean);
double _as_sample_ln(double x);

#endif
