/* as_report: the JSON report and the stderr summary written at exit.
 *
 * No calls to malloc in this file (it runs inside the measured process, in
 * libswap's destructor; the counts must not move while they are written).
 * Key names follow the contract in DESIGN.md ("schema":
 * "allocswap.report/1"); fields may be added, never renamed.
 *
 * The report is written whole under a temporary name beside the path
 * ("<path>.<pid>.tmp", see _as_tmp_open in as_sys.h) and renamed when
 * complete: a reader sees a whole report or none, and a full file system
 * (ENOSPC) or a failed write leaves nothing and one stderr line.  A kill
 * while it is written leaves only the temporary file.  The rename never
 * replaces anything (RENAME_NOREPLACE): not a symlink planted at the path,
 * not an existing file (another process's report in a shared directory,
 * say).  When the path exists, the report goes to "<path>.<pid>" instead
 * and one line on stderr says so; if that fails too, the line says why, so
 * no result is lost silently.  Secure-execution processes write no report
 * and print no summary.
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

/* Renames the finished temporary file tmp to path as described above
 * (path, then path.PID, then path.PID.N for N up to 99); the path really
 * used goes to used (cap bytes).  0, or an errno value (EEXIST when every
 * name is taken, ENAMETOOLONG), and then tmp is removed. */
int _as_report_publish(const char *tmp, const char *path, pid_t pid, char *used, size_t cap);

/* A few words for an errno value of the functions above ("no space left on
 * device"), for libswap's stderr lines. */
const char *_as_errname(int e);

void _as_report_memory(struct as_memory *m);
void _as_report_json(struct as_json *j, const struct as_core_info *ci, const struct as_totals *t,
		     const struct as_memory *m);
/* Formats the human summary into buf (NUL-terminated). */
void _as_report_summary(char *buf, size_t cap, const struct as_core_info *ci,
			const struct as_totals *t, const struct as_memory *m, const char *report_path);

void _as_report_at_exit(const struct as_core_info *ci);

#endif
