/* as_report: the JSON report and the stderr summary written at exit.
 *
 * No calls to malloc in this file (it runs inside the measured process, in
 * libswap's destructor; the counts must not move while they are written).
 * Key names follow the contract in DESIGN.md ("schema":
 * "allocswap.report/1"); fields may be added, never renamed.
 *
 * The report file is created with O_CREAT|O_EXCL|O_NOFOLLOW: it never
 * follows a symlink planted at the path and never overwrites an existing
 * file (another process's report in a shared directory, say).  When the
 * path exists, the report goes to "<path>.<pid>" instead and one line on
 * stderr says so; if that fails too, the line says why, so no result is
 * lost silently.  Secure-execution processes write no report.
 */
#ifndef ALLOCSWAP_AS_REPORT_H
#define ALLOCSWAP_AS_REPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "as_core.h"
#include "as_json.h"
#include "as_stats.h"

struct as_memory {
	int64_t rss_peak, rss_end, anon_end; /* bytes, -1 when unknown */
	int64_t minor_faults, major_faults;
};

/* Expands %p (pid), %e (program name, with '/' and odd bytes replaced by
 * '_') and %% in pattern.  Returns 0, or ENAMETOOLONG, or EINVAL for an
 * unknown % sequence. */
int _as_report_expand(const char *pattern, pid_t pid, const char *prog, char *out, size_t cap);

/* Opens the report file as described above; returns an fd or -errno, and
 * the path really used in used (cap bytes). */
int _as_report_open(const char *path, pid_t pid, char *used, size_t cap);

void _as_report_memory(struct as_memory *m);
void _as_report_json(struct as_json *j, const struct as_core_info *ci, const struct as_totals *t,
		     const struct as_memory *m);
/* Formats the human summary into buf (NUL-terminated). */
void _as_report_summary(char *buf, size_t cap, const struct as_core_info *ci,
			const struct as_totals *t, const struct as_memory *m, const char *report_path);

void _as_report_at_exit(const struct as_core_info *ci);

#endif
