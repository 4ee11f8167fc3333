/* factors: the libc, the allocator and the Python's build flags taken apart
 * (issue 7, "Take the factors apart").  Implemented in factors.c; `allocswap
 * report` puts the result in summary.json under "factors" and writes it as a
 * section of report.md and report.html.
 *
 * A CELL here is (libc, allocator, flags): the configuration's "libc" and
 * "allocator", and the "flags" of its Python in meta.json's "pythons"
 * (results.h).  Pythons built with the same flags on both libcs share
 * "flags", so flags are held equal when the libc changes.  The host Python
 * is "distribution" when meta.json does not say; a Python whose flags
 * meta.json does not give (or gives as "unknown": an interpreter named by
 * its path) is a flag set of its own, "unknown (NAME)", equal to nothing
 * else.  The other axes (image, pymalloc, seccomp, stats) are held
 * fixed: configurations are grouped into STRATA, one per combination of
 * them, and each stratum is taken apart on its own.  The allocator "none"
 * (no libswap) is left out.  Two configurations of one stratum with the same
 * cell: the first in matrix order is used.
 *
 * The comparisons, each per benchmark and as a geometric mean over the
 * benchmarks:
 *  - libc alone: each other libc against the reference one (glibc when
 *    present, else the first), at the same flags and the same allocator,
 *    for every allocator except system: "system" is the libc's own malloc
 *    (glibc's ptmalloc2, musl's mallocng), so with it the libc is not alone;
 *  - libc with its own allocator: the same at allocator system;
 *  - allocator alone: each allocator against system, same libc and flags;
 *  - flags alone: each flag set against the stratum's least optimised one
 *    at that libc, same libc and allocator;
 *  - the headline, the published table's form (Home Assistant's musl images):
 *    total = the tuned cell against the stock cell, and its decomposition in
 *    log space, total = flags alone (at the stock libc and allocator)
 *    + allocator alone (at the stock libc and flags) + interaction (what is
 *    left: log t_T - log t_A - log t_F + log t_B of the mean times, with the
 *    sign of a speed-up, for tuned T, stock B, A = stock with the tuned
 *    allocator, F = stock with the tuned flags).
 * A factor the matrix cannot measure is refused with its reason ("not
 * measurable: no allocator other than system runs on both glibc and musl in
 * this matrix").
 *
 * The stock and tuned cells (the rule; `report --baseline CONFIG --tuned
 * CONFIG` names them instead, by the cells of those configurations, in every
 * stratum):
 *  - stock: libc musl when the stratum has it (stock Alpine), else the
 *    reference libc; allocator system; the least optimised flags;
 *  - tuned: the same libc; allocator jemalloc when it runs on that libc (the
 *    published table's), else the first other allocator in matrix order that
 *    does, else system; the most optimised flags at that libc.
 * A stock or tuned cell the matrix lacks, or a tuned cell equal to stock,
 * refuses the headline; the decomposition also needs stock and tuned to
 * share the libc and to differ in both allocator and flags, and the cells
 * A and F to be there.
 * Flags are ranked by their -O level (-O0 < -Os, -Oz < -O1 < -O2 < -O3,
 * -Ofast), "distribution" and unknown flags as -O2, plus a half for lto and a
 * half for pgo; ties go to matrix order.
 *
 * Statistics (stats.h): the samples are the per-process means of each cell.
 * A ratio of two cells is as_stats_ratio(): speed-up = mean(base) / mean(new)
 * (> 1: new is faster), a 95% CI by the delta method on the log-means with
 * Welch-Satterthwaite df.  The interaction's log is the difference of two
 * such ratios over four disjoint cells, log(F/T) - log(B/A): its variance is
 * the sum of the four log-means' variances, its df Welch-Satterthwaite over
 * the four.  Per benchmark, p is two-sided on t = log ratio / its standard
 * error, Holm-adjusted over the benchmarks of the comparison; a verdict
 * other than "not significant" needs p_adjusted < 0.05 (so a CI that
 * contains 1 always reads "not significant").  The geometric mean is
 * as_stats_geomean() over the benchmarks with a ratio (for the headline, the
 * benchmarks with all four cells, so that the four add up exactly), and is
 * "not significant" when its CI contains 1.
 *
 * summary.json "factors" (add fields freely, rename none):
 * {"rule": "...",                          how stock and tuned were chosen
 *  "strata": [{"fixed": {"image", "pymalloc", "seccomp", "stats"},
 *              "label": "pymalloc=off" | "",   the fixed axes that vary between strata
 *              "libcs": [...], "allocators": [...], "flags": [...],
 *              "factors": [{"factor": "libc" | "libc_own_allocator" | "allocator" |
 *                                     "flags" | "headline" | "interaction",
 *                           "name": "libc alone", "measurable": bool,
 *                           "comparisons": N, "reason": "not measurable: ..." | null}],
 *              "comparisons": [COMP, ...],      libc, libc_own_allocator, allocator, flags
 *              "headline": null | {"stock": CELL, "tuned": CELL, "k",
 *                                  "total": COMP, "flags": COMP|null,
 *                                  "allocator": COMP|null, "interaction": COMP|null,
 *                                  "reason": why the decomposition is missing | null}}],
 *  "pythons": [meta.json's entry + {"name", "used": a configuration runs it}]}
 *             (its "libc", "version", "flags", "path", "size_bytes", "files",
 *             "build_seconds", as bench wrote them)
 * CELL: {"libc", "allocator", "flags", "python", "config": "<config id>"}
 * COMP: {"factor", "label": "musl vs glibc (jemalloc, -Os)",
 *        "base": CELL, "new": CELL (the interaction: "cells": [F, T, B, A]),
 *        "benchmarks": [{"bench", "base_mean", "base_std", "new_mean", "new_std" (seconds,
 *                        null for the interaction), "ratio", "ci95": [lo, hi],
 *                        "log_ratio", "log_var", "log_df", "p_value", "p_adjusted",
 *                        "significant",
 *                        "verdict": "1.32x faster (-24%)" | "not significant" |
 *                                   "n/a (too few runs)"}]   one per benchmark, in order,
 *        "geomean": {"k", "ratio", "ci95", "significant", "verdict"}}
 * Numbers that are not defined are null.
 */
#ifndef ALLOCSWAP_FACTORS_H
#define ALLOCSWAP_FACTORS_H

#include <jansson.h>
#include <stdio.h>

struct sb;

/* The "factors" object of a summary (summary.h: its "configs", "benchmarks",
 * "cells" with their "samples", and "meta").  stock and tuned are
 * configuration ids that override the rule, or NULL.  Returns 0 with *out
 * set, EINVAL when stock or tuned is not a configuration of the summary, or
 * ENOMEM. */
int as_factors_build(const json_t *summary, const char *stock, const char *tuned, json_t **out);

/* The report.md section ("## Factors ..."); nothing for a NULL factors.
 * Returns 0 or EIO. */
int as_factors_md(FILE *f, const json_t *factors);

/* The report.html section (<h2 id="factors">), appended to b; nothing for
 * a NULL factors.  Returns 0 or ENOMEM. */
int as_factors_html(struct sb *b, const json_t *factors);

#endif
