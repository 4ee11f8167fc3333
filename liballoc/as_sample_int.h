/* as_sample_int: the sampling tables, shared by as_sample.c (recording) and
 * as_sample_out.c (the report and the folded file).  Not for other files. */
#ifndef ALLOCSWAP_AS_SAMPLE_INT_H
#define ALLOCSWAP_AS_SAMPLE_INT_H

#include <stdint.h>
#include <ucontext.h>

#include "as_pyframes.h"
#include "as_sample.h"

/* Python frames of all sites (as_pyframes.h): room for every site's, 1.5 MiB
 * of .bss touched only as used; a late, hot stack must not find it full */
#define PYFRAMES (SITES_MAX * AS_PY_DEPTH)

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

struct as_sample_state {
	int on;
	const char *why; /* NULL: sampling is on, or only stats=full would turn it on */
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
	uint64_t py_truncated, py_unmatched, py_short;
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
};

extern struct as_sample_state _as_sample_S; /* zero-initialized: .bss, never in the file */
#define S _as_sample_S

/* why sampling is not on (or has no native stacks) */
static inline const char *_as_sample_why(void)
{
	return S.why ? S.why : "sampling runs only with ALLOCSWAP_STATS=full";
}

#endif
