/* image_report: which base image makes a Python workload fastest and
 * leanest, and what Docker's default seccomp profile costs.  Implemented in
 * image_report.c (the "images" object) and image_report_out.c (its
 * report.md and report.html section); `allocswap report` puts the result in
 * summary.json under "images" and writes it as the "Images" section of
 * report.md and report.html.  (launch/images.h is the store of built
 * images; the names differ so that the include path cannot mix them up.)
 *
 * The image axis (results.h): "host", a built image ("bookworm"), a root
 * filesystem's path, or "docker:REF" / "podman:REF".  An image's cells run
 * the image's own libc and Python (their "python" is "host"), so both are
 * part of the image here: Alpine's musl against Debian's glibc is an image
 * question.  What each image is comes from meta.json's "images"; an image
 * meta.json does not describe (a directory written before bench described
 * its images) gets what the configurations say (its libc) and, for the
 * host, meta.json's "python" and "libcs"; its runner is read from the
 * value (host, docker:, podman:, else a root filesystem).
 *
 * Images against a baseline image: `report --baseline-image NAME`, else the
 * first image of the matrix that is not "host" (the host is not an image
 * anyone ships), else host when it is the only one.  Each other image is
 * compared, cell by cell, with the baseline image's cell that has the same
 * allocator, pymalloc, seccomp and stats: cells that differ only in the
 * image.  Cells of the host that run another Python than the host's own
 * ("python": "musl-os") are left out (a Python comparison, not an image
 * one).  seccomp "none" is the runner's own: no filter on the host and in
 * a root filesystem, the engine's default profile in a container; so
 * "none" cells are compared only where it is the same thing (host and
 * rootfs; the same engine).  Two cells of one image with the same
 * allocator, pymalloc, seccomp and stats: the first in matrix order is
 * used.  Rows go image by image (matrix order), allocator system first.
 * Each comparison states where the Pythons or libcs differ ("Python 3.13.5
 * vs 3.11.2"): a 3.13 image against a 3.11 one is not an allocator
 * comparison.  Peak RSS: the ratio of the cells' median rss_peak,
 * geometric-meaned over the benchmarks ("4.1% more memory").
 *
 * Seccomp cost: per image (the host included), default (Docker's default
 * profile) against no filter: "unconfined" when the image has it, else
 * "none" on the host and in a root filesystem, where it is no filter too.
 * In an engine "none" is the engine's own default profile, so there
 * default is compared with unconfined only.  Cells otherwise equal (the
 * same allocator, pymalloc, stats, Python and libc).  Per benchmark (the
 * suite's syscalls benchmark is the heavy one) and as a geometric mean.
 *
 * Statistics: those of the factors section (comp.h, stats.h): per
 * benchmark as_stats_ratio() on the per-process means (speed-up =
 * mean(base) / mean(new), > 1: new is faster; delta-method CI), p two-sided
 * on log ratio / its standard error, Holm over the benchmarks of the
 * comparison; as_stats_geomean() over the benchmarks with a ratio, "not
 * significant" when its CI contains 1.
 *
 * What the matrix cannot compare is refused with a one-line reason, never
 * dropped ("not measurable: the matrix has one seccomp value (none)").
 *
 * summary.json "images" (add fields freely, rename none):
 * {"baseline": "bookworm" | null,            null when the matrix has no image axis
 *  "baseline_rule": "named by --baseline-image" |
 *                   "the first image of the matrix that is not host" |
 *                   "host, the matrix's only image",
 *  "axes": ["pymalloc", "seccomp"],          the axes besides image and allocator that vary
 *                                            in the matrix (the tables and labels name them)
 *  "images": [IMAGE, ...],                   the images the configurations use, matrix order
 *  "status": [{"what": "images" | "seccomp", "name": "images against bookworm" |
 *              "seccomp cost", "measurable": bool, "comparisons": N,
 *              "reason": "not measurable: ..." | null}],
 *  "refused": [{"what": "images" | "seccomp", "image": NAME, "reason": "..."}],
 *                                            comparisons one image cannot make
 *  "comparisons": [COMP + {"image", "cells": "system, seccomp=none" (the allocator
 *                  and the varying axes), "base_image", "allocator", "pymalloc",
 *                  "seccomp", "stats", "python": {"base", "new"} (versions or null),
 *                  "libc": {"base", "new"} ("glibc 2.36", or null),
 *                  "differs": "Python 3.13.5 vs 3.11.2; glibc 2.41 vs 2.36" | null,
 *                  "rss": {"k", "ratio": new / base, "text": "4.1% more memory"} |
 *                         null}],
 *  "seccomp": [COMP + {"image", "cells", "runner", "allocator", "pymalloc", "stats", "python",
 *              "base_seccomp": "unconfined" | "none", "new_seccomp": "default"}]}
 * IMAGE: meta.json's entry as bench wrote it, with "name", "runner", "libc",
 *        "libc_version", "python_version" filled where known (the host's
 *        "allocators" from meta.json's "allocators" of its libc), and
 *        "described": false when meta.json does not describe it.
 * COMP: {"label", "base": {"config"}, "new": {"config"},
 *        "benchmarks": [{"bench", "base_mean", "base_std", "new_mean", "new_std",
 *                        "ratio", "ci95", "log_ratio", "log_var", "log_df",
 *                        "p_value", "p_adjusted", "significant", "verdict"}],
 *        "geomean": {"k", "ratio", "ci95", "significant", "verdict"}}
 *        as in factors.h.  Numbers that are not defined are null.
 */
#ifndef ALLOCSWAP_REPORT_IMAGES_H
#define ALLOCSWAP_REPORT_IMAGES_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The image of configurations that do not name one. */
#define AS_IMAGE_HOST "host"

struct rh;

/* The "images" object of a summary (summary.h: its "configs",
 * "benchmarks", "cells" and "meta").  baseline: an image of the matrix, or
 * NULL for the rule.  Returns 0 with *out set, EINVAL when baseline is not
 * an image of the summary, or ENOMEM. */
int as_images_build(const json_t *summary, const char *baseline, json_t **out);

/* The images of the summary's configurations, matrix order, ", " between:
 * "host, bookworm, docker:allocswap/bookworm:test" (cut to fit cap). */
const char *as_images_names(const json_t *summary, char *buf, size_t cap);

/* The report.md section ("## Images"); nothing for a NULL images.  Returns
 * 0 or EIO. */
int as_images_md(FILE *f, const json_t *images);

/* The report.html section (<h2 id="images">) in r->page, with a chart of
 * each comparison's geometric mean drawn by rh_plot(); nothing for a NULL
 * images.  Returns 0, or 1 after an error line (gnuplot failed). */
int as_images_html(struct rh *r, const json_t *images);

#endif
