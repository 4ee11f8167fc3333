/* cmd_report: `allocswap report DIR`: DIR/report.md and DIR/summary.json
 * (built by summary.c; its contract is in summary.h), and DIR/report.html
 * through as_report_html(). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as_file.h"
#include "cli.h"
#include "axes.h"
#include "factors.h"
#include "reference.h"
#include "report_out.h"
#include "image_report.h"
#include "report_flame.h"
#include "report_html.h"
#include "report_hosts.h"
#include "results.h"
#include "summary.h"

static double jdbl(const json_t *j)
{
	return as_jnum(j, "");
}

static void oom(void)
{
	as_err("out of memory");
	exit(1);
}

/* ---- report.md ---------------------------------------------------------------------------- */

static const json_t *summary_cell(const json_t *s, const char *bench, const char *config)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		if (as_same_str(as_jstr(c, "bench"), bench) && as_same_str(as_jstr(c, "config"), config))
			return c;
	}
	return NULL;
}

/* Markdown table cells must not hold a '|' or a newline. */
static void md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void md_header_row(FILE *f, const json_t *s, const char *first)
{
	const json_t *c;
	size_t i;
	fprintf(f, "| %s |", first);
	json_array_foreach(json_object_get(s, "configs"), i, c)
	{
		fputc(' ', f);
		md_text(f, as_jstr(c, "label"));
		fputs(" |", f);
	}
	fputs("\n|---|", f);
	for (i = 0; i < json_array_size(json_object_get(s, "configs")); i++)
		fputs("---:|", f);
	fputc('\n', f);
}

static void md_provenance(FILE *f, const json_t *s, const char *dir)
{
	const json_t *m = json_object_get(s, "meta"), *v;
	const char *k;
	char pyb[1024];
	size_t i;
	int few;
	fprintf(f, "# allocswap report\n\n");
	fprintf(f, "Results in `%s`, summarized by allocswap %s (commit %s) on %s.\n\n", dir,
		as_jstr(s, "allocswap.version"), as_jstr(s, "allocswap.commit"), as_jstr(s, "generated"));
	if (!m) {
		fprintf(f, "**No meta.json was found: where these results came from is "
			   "unknown.**\n\n");
		return;
	}
	fprintf(f, "## Where these results came from\n\n| | |\n|---|---|\n");
	fprintf(f, "| command | `");
	json_array_foreach(json_object_get(m, "command"), i, v)
	{
		fprintf(f, "%s", i ? " " : "");
		md_text(f, json_string_value(v));
	}
	fprintf(f, "` |\n");
	fprintf(f, "| started | %s |\n| finished | %s |\n", as_jstr(m, "started") ? as_jstr(m, "started") : "-",
		as_jstr(m, "finished") ? as_jstr(m, "finished") : "not finished (interrupted?)");
	fprintf(f, "| allocswap | %s (commit %s) |\n",
		as_jstr(m, "allocswap.version") ? as_jstr(m, "allocswap.version") : "?",
		as_jstr(m, "allocswap.commit") ? as_jstr(m, "allocswap.commit") : "?");
	if (json_is_object(json_object_get(m, "adaptive"))) {
		const json_t *a = json_object_get(m, "adaptive"), *w;
		fprintf(f, "| adaptive | until every speed ratio's 95%% CI is within ±%g%%, budget %gs: "
			   "%lld more round%s; stopped: %s",
			100 * json_number_value(json_object_get(a, "until")),
			json_number_value(json_object_get(a, "budget_s")),
			(long long)json_integer_value(json_object_get(a, "rounds")),
			json_integer_value(json_object_get(a, "rounds")) == 1 ? "" : "s",
			as_jstr(a, "stopped") ? as_jstr(a, "stopped") : "?");
		if (json_array_size(json_object_get(a, "wide"))) {
			fprintf(f, "; still wider:");
			json_array_foreach(json_object_get(a, "wide"), i, w)
				fprintf(f, "%s %s", i ? "," : "", json_string_value(w));
		}
		fprintf(f, " |\n");
	}
	fprintf(f, "| host | %s |\n", as_jstr(m, "host.hostname") ? as_jstr(m, "host.hostname") : "?");
	fprintf(f, "| kernel | %s |\n", as_jstr(m, "host.kernel") ? as_jstr(m, "host.kernel") : "?");
	fprintf(f, "| CPU | %s", as_jstr(m, "host.cpu") ? as_jstr(m, "host.cpu") : "?");
	if (json_is_integer(as_jpath(m, "host.nproc")))
		fprintf(f, ", %lld CPUs", (long long)json_integer_value(as_jpath(m, "host.nproc")));
	if (json_is_number(as_jpath(m, "host.mem_bytes"))) {
		char b[32];
		fprintf(f, ", %s memory",
			as_fmt_bytes(json_number_value(as_jpath(m, "host.mem_bytes")), b, sizeof b));
	}
	fprintf(f, " |\n");
	fprintf(f, "| Python | %s %s |\n", as_jstr(m, "python.path") ? as_jstr(m, "python.path") : "?",
		as_jstr(m, "python.version") ? as_jstr(m, "python.version") : "");
	fprintf(f, "| libc |");
	i = 0;
	json_object_foreach((json_t *)json_object_get(m, "libcs"), k, v)
		fprintf(f, "%s %s %s", i++ ? "," : "", k,
			json_string_value(v) ? json_string_value(v) : "?");
	fprintf(f, " |\n| allocators |");
	i = 0;
	json_object_foreach((json_t *)json_object_get(m, "allocators"), k, v)
	{
		fprintf(f, "%s %s %s", i++ ? "," : "", k,
			as_jstr(v, "version") ? as_jstr(v, "version") : "(version unknown)");
		if (as_jstr(v, "libc"))
			fprintf(f, " (%s)", as_jstr(v, "libc"));
	}
	/* the same allocators' builds for the other libcs */
	json_object_foreach((json_t *)json_object_get(m, "allocators_by_libc"), k, v)
	{
		const char *name;
		json_t *a;
		json_object_foreach((json_t *)v, name, a) {
			const char *shown = as_jstr(json_object_get(json_object_get(m, "allocators"),
								     name), "libc");
			if (shown && !strcmp(shown, k))
				continue;
			fprintf(f, "%s %s %s (%s)", i++ ? "," : "", name,
				as_jstr(a, "version") ? as_jstr(a, "version") : "(version unknown)", k);
		}
	}
	fprintf(f, " |\n");
	if ((v = json_object_get(m, "matrix"))) {
		const char *suite = as_jstr(v, "suite") ? as_jstr(v, "suite") : "?";
		fprintf(f, "| matrix | suite %s, %lld configurations x %lld benchmarks, ", suite,
			(long long)json_array_size(json_object_get(v, "configs")),
			(long long)json_array_size(json_object_get(v, "benchmarks")));
		/* pyperformance runs its own workers: each of its invocations gives
		 * several samples, with pyperf's own values and warm-ups */
		if (!strcmp(suite, "pyperformance")) /* pyperf's counts, from the records */
			fprintf(f, "%s |\n", *as_report_pyperf_matrix(json_object_get(s, "cells"), pyb,
								       sizeof pyb, &few) ? pyb
				   : "no pyperformance invocation gave values");
		else
			fprintf(f, "%lld runs (processes) of %lld values after %lld warm-up(s) |\n",
				(long long)json_integer_value(json_object_get(v, "runs")),
				(long long)json_integer_value(json_object_get(v, "values")),
				(long long)json_integer_value(json_object_get(v, "warmups")));
	}
	fputc('\n', f);
}

static void md_configs(FILE *f, const json_t *s)
{
	const json_t *c;
	size_t i;
	fprintf(f, "## Configurations\n\n| column | configuration | compared with |\n|---|---|---|\n");
	json_array_foreach(json_object_get(s, "configs"), i, c)
	{
		fputs("| ", f);
		md_text(f, as_jstr(c, "label"));
		fputs(" | `", f);
		md_text(f, as_jstr(c, "id"));
		fputs("` | ", f);
		if (as_same_str(as_jstr(c, "id"), as_jstr(c, "baseline")))
			fputs("(baseline)", f);
		else {
			fputc('`', f);
			md_text(f, as_jstr(c, "baseline"));
			fputc('`', f);
		}
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

/* One writer per table cell: " content |" for benchmark bench under config c. */
typedef void (*md_cell_fn)(FILE *f, const json_t *s, const char *bench, const json_t *c,
			   const void *arg);

/* The benchmark x configuration grid every Markdown table shares. */
static void md_grid(FILE *f, const json_t *s, md_cell_fn cell, const void *arg)
{
	const json_t *b, *c;
	size_t i, j;
	md_header_row(f, s, "Benchmark");
	json_array_foreach(json_object_get(s, "benchmarks"), i, b)
	{
		fputs("| ", f);
		md_text(f, as_jstr(b, "name"));
		fputs(" |", f);
		json_array_foreach(json_object_get(s, "configs"), j, c)
			cell(f, s, as_jstr(b, "name"), c, arg);
		fputc('\n', f);
	}
}

static void speed_cell(FILE *f, const json_t *s, const char *bench, const json_t *c,
		       const void *arg)
{
	char buf[512];
	(void)arg;
	fputc(' ', f);
	md_text(f, as_fmt_cell(summary_cell(s, bench, as_jstr(c, "id")), buf, sizeof buf));
	fputs(" |", f);
}

static void md_speed(FILE *f, const json_t *s)
{
	const json_t *c, *g;
	size_t j;
	fprintf(f, "## Speed\n\nTime per loop. Baseline columns show mean ± standard deviation of "
		   "the per-process means; the other columns compare with their baseline.\n\n");
	{
		struct as_out o = {f, NULL, NULL};
		as_out_clock(&o, json_object_get(s, "cells"));
	}
	md_grid(f, s, speed_cell, NULL);
	fputs("| **Geometric mean** |", f);
	json_array_foreach(json_object_get(s, "geomean"), j, g)
	{
		const json_t *ci = json_object_get(g, "ci95");
		char buf[96];
		fprintf(f, " %s", as_jstr(g, "verdict"));
		if (json_is_array(ci))
			fprintf(f, " (95%% CI: %s)",
				as_fmt_ci(jdbl(json_array_get(ci, 0)), jdbl(json_array_get(ci, 1)), buf,
					  sizeof buf));
		fputs(" |", f);
	}
	fputs("\n\n", f);
	json_array_foreach(json_object_get(s, "configs"), j, c)
	{
		const json_t *x;
		size_t k, tested = 0, sig = 0;
		if (as_same_str(as_jstr(c, "id"), as_jstr(c, "baseline")))
			continue;
		json_array_foreach(json_object_get(s, "cells"), k, x)
		{
			if (!as_same_str(as_jstr(x, "config"), as_jstr(c, "id")))
				continue;
			tested += !json_is_null(json_object_get(x, "p_value"));
			sig += json_is_true(json_object_get(x, "significant"));
		}
		fprintf(f, "- %s: %zu of %zu benchmarks significant.\n", as_jstr(c, "label"), sig,
			tested);
	}
	fputc('\n', f);
}

enum mem_kind { MEM_BYTES, MEM_RATIO };

struct mem_col {
	const char *field;
	enum mem_kind kind;
};

static void mem_cell(FILE *f, const json_t *s, const char *bench, const json_t *c, const void *arg)
{
	const struct mem_col *m = arg;
	const json_t *x = summary_cell(s, bench, as_jstr(c, "id"));
	const json_t *bx = summary_cell(s, bench, as_jstr(c, "baseline"));
	double v = jdbl(json_object_get(x, m->field)), bv = jdbl(json_object_get(bx, m->field));
	char buf[64], pct[32];
	if (!x || !isfinite(v)) {
		fputs(x && json_integer_value(json_object_get(x, "n")) == 0 ? " FAILED |" : " - |", f);
		return;
	}
	if (m->kind == MEM_BYTES)
		as_fmt_bytes(v, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "%.2f", v);
	if (x != bx && isfinite(bv) && bv > 0)
		fprintf(f, " %s (%s) |", buf, as_fmt_pct(v / bv - 1, pct, sizeof pct));
	else
		fprintf(f, " %s |", buf);
}

static void md_memory_table(FILE *f, const json_t *s, const char *title, const char *field,
			    enum mem_kind kind, const char *note)
{
	struct mem_col m = {field, kind};
	fprintf(f, "### %s\n\n%s\n\n", title, note);
	md_grid(f, s, mem_cell, &m);
	fputc('\n', f);
}

static int any_field(const json_t *s, const char *field)
{
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		if (!json_is_null(json_object_get(c, field)) && json_object_get(c, field))
			return 1;
	}
	return 0;
}

static void syscall_cell(FILE *f, const json_t *s, const char *bench, const json_t *c,
			 const void *arg)
{
	const json_t *x = json_object_get(summary_cell(s, bench, as_jstr(c, "id")), "syscalls");
	double sum = 0;
	int k;
	(void)arg;
	if (!json_is_object(x)) {
		fputs(" - |", f);
		return;
	}
	for (k = 0; as_syscall_names[k]; k++)
		if (isfinite(jdbl(json_object_get(x, as_syscall_names[k]))))
			sum += jdbl(json_object_get(x, as_syscall_names[k]));
	fprintf(f, " %.0f (%s) |", sum, as_jstr(x, "source") ? as_jstr(x, "source") : "?");
}

static void md_syscalls(FILE *f, const json_t *s)
{
	fprintf(f, "### System calls\n\n");
	if (!any_field(s, "syscalls")) {
		fprintf(f, "Not counted in these runs (the reports say `\"source\": \"none\"`).\n\n");
		return;
	}
	fprintf(f, "Median per process: mmap + munmap + mremap + brk + madvise, and where they "
		   "were counted from.\n\n");
	md_grid(f, s, syscall_cell, NULL);
	fputc('\n', f);
}

static void md_failures(FILE *f, const json_t *s)
{
	const json_t *c, *e;
	size_t i, k, n = 0;
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		json_int_t wrong = json_integer_value(json_object_get(c, "wrong_allocator"));
		if (wrong <= 0)
			continue;
		if (!n++)
			fprintf(f, "## Wrong allocator\n\nThese processes did not run on the allocator "
				   "their configuration asked for (their libswap report says it fell "
				   "back, or the library was not mapped). Their samples are kept; look "
				   "at the runs before trusting these cells.\n\n");
		fprintf(f, "- %s, `%s`: %lld of %lld processes\n", as_jstr(c, "bench"),
			as_jstr(c, "config"), (long long)wrong,
			(long long)json_integer_value(json_object_get(c, "n")));
	}
	if (n)
		fputc('\n', f);
	n = 0;
	json_array_foreach(json_object_get(s, "cells"), i, c)
	{
		json_int_t failed = json_integer_value(json_object_get(c, "failed"));
		if (failed <= 0)
			continue;
		if (!n++)
			fprintf(f, "## Failed runs\n\nFailed processes are counted, shown here, and "
				   "never used as samples.\n\n");
		fprintf(f, "- %s, `%s`: %lld of %lld runs failed:", as_jstr(c, "bench"), as_jstr(c, "config"),
			(long long)failed,
			(long long)(failed + json_integer_value(json_object_get(c, "n"))));
		json_array_foreach(json_object_get(c, "errors"), k, e)
			fprintf(f, "%s %s", k ? ";" : "", json_string_value(e));
		fputc('\n', f);
	}
	if (n)
		fputc('\n', f);
}

static void md_notes(FILE *f)
{
	fprintf(f,
		"## How to read this\n\n"
		"- One sample is one process: the median of the values it measured (load can only "
		"add time, and a median ignores one stretched value). Configurations "
		"are interleaved process by process, so drift of the machine spreads over all of "
		"them instead of favouring one.\n"
		"- \"1.32x faster (-24%%)\": the baseline's mean time divided by this one's is "
		"1.32, and the time changed by -24%%. \"1.10x slower (+10%%)\" likewise.\n"
		"- A difference is reported only when Welch's t-test (two-sided, on the "
		"per-process means) gives p < 0.05 after Holm's correction over all benchmarks "
		"of the configuration; otherwise the cell says \"not significant\", which means "
		"the runs cannot tell the two apart, not that they are equal. With fewer than two "
		"successful processes on either side the cell says \"n/a (too few runs)\".\n"
		"- The geometric mean of the per-benchmark speed-ups (baseline time / time; above "
		"1 is faster) has its own 95%% CI: the wider of the interval from the measurement "
		"noise and, with 3 or more benchmarks, the interval from how much the benchmarks "
		"disagree. It is \"not significant\" when the CI contains 1.\n"
		"- Memory figures are medians over processes: peak RSS (VmHWM) of the timed "
		"processes, peak live heap (bytes the allocator handed out, at their highest) and "
		"fragmentation at peak (peak RSS / peak live heap) from processes that counted "
		"them: the timed processes time only the allocator (stats off) and pay nothing "
		"for counting, so each cell has memory processes in counters mode, interleaved "
		"and never timed (see Memory). The percentage is the change from the baseline.\n"
		"- summary.json holds every number here, with the per-process samples.\n");
}

static int write_md(const char *dir, const json_t *s)
{
	char *buf = NULL, path[4096];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = 0;
	if (!f)
		oom();
	md_provenance(f, s, dir);
	md_configs(f, s);
	md_speed(f, s);
	{
		struct as_out o = {f, NULL, "-"};
		as_reference_out(&o, json_object_get(s, "reference"));
		as_axes_out(&o, json_object_get(s, "axes"));
	}
	as_factors_md(f, json_object_get(s, "factors"));
	as_images_md(f, json_object_get(s, "images"));
	fprintf(f, "## Memory\n\n");
	{
		const json_t *src = json_object_get(s, "sources");
		if (as_jstr(src, "time"))
			fprintf(f, "Times: %s. Peak RSS: %s. Peak live heap, fragmentation and "
				   "syscalls: %s.\n\n",
				as_jstr(src, "time"), as_jstr(src, "rss_peak"), as_jstr(src, "counted"));
	}
	md_memory_table(f, s, "Peak RSS", "rss_peak", MEM_BYTES,
			"Median over processes of the peak resident set size.");
	md_memory_table(f, s, "Peak live heap", "peak_live", MEM_BYTES,
			"Median over processes of the most bytes live in the allocator at once.");
	md_memory_table(f, s, "Fragmentation at peak", "fragmentation_at_peak", MEM_RATIO,
			"Peak RSS / peak live heap (1.00 would be no overhead at all; the "
			"interpreter's own memory counts too).");
	md_syscalls(f, s);
	as_sites_md(f, dir, s);
	md_failures(f, s);
	md_notes(f);
	if (fclose(f))
		oom();
	snprintf(path, sizeof path, "%s/report.md", dir);
	rc = as_file_write(path, buf, len);
	free(buf);
	return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

enum report_opt { OPT_BASELINE, OPT_TUNED, OPT_BASELINE_IMAGE, OPT_TIME, OPT_FORMAT, REPORT_NOPTS };
static const struct as_opt report_opts[] = {
	[OPT_BASELINE] = {0, "--baseline", " ALLOC|CONFIG",
		"the allocator the others are compared with (default: system when the matrix "
		"has it, else the first configuration's).  Each configuration is compared with "
		"the baseline allocator's configuration that has the same libc, image, pymalloc, "
		"seccomp and stats (or shares the most of them).  A stats mode other than "
		"counters (bench --stats) is compared with counters on the same allocator: what "
		"measuring costs, not what the allocator does.\n"
		"Or a full configuration id, such as system/glibc/host/pymalloc=on/seccomp=default: "
		"every configuration is compared with that one.  It is also the stock cell of the "
		"factors section (its libc, allocator and Python flags; by default musl, system, "
		"the least optimised Python).", 0, NULL},
	[OPT_TUNED] = {0, "--tuned", " CONFIG",
		"the tuned cell of the factors section, against stock (by default the stock "
		"libc, jemalloc, the most optimised Python); the section takes the difference "
		"apart into flags alone, allocator alone and their interaction.", 0, NULL},
	[OPT_BASELINE_IMAGE] = {0, "--baseline-image", " NAME",
		"the image the Images section compares the others with, one of the matrix's "
		"image axis (bench --image): host, a built image, a root filesystem's path, "
		"docker:REF or podman:REF (default: the first image of the matrix that is not "
		"host, or host when it is the only one).  Each image is compared in cells that "
		"differ only in the image; the section also says what seccomp=default costs "
		"against no filter, per image.", 0, NULL},
	[OPT_TIME] = {0, "--time", " auto|wall|cpu",
		"which time the speed comparisons use (default: the bench's --time, else "
		"auto).  auto: the benchmark thread's CPU time for a benchmark whose every "
		"timed process measured it over all of its work (the built-in suite's "
		"single-threaded benchmarks), else wall time; wall: wall time everywhere; cpu: "
		"CPU time wherever it was recorded (the cmd suite's is the process's user + "
		"sys: right for a single-threaded command).  CPU time leaves out the time a "
		"process waited for a CPU, which neighbours add and the allocator does not "
		"cause; it keeps page faults, system calls and cache misses, which the "
		"allocator does.", 0, NULL},
	[OPT_FORMAT] = {0, "--format", " LIST",
		"comma-separated, any of md, html, json (default: all).  json is "
		"DIR/summary.json, the numbers behind the other two.", 0, NULL},
};
_Static_assert(sizeof report_opts / sizeof report_opts[0] == REPORT_NOPTS, "one row an option");

const struct as_usage as_usage_report = {
	"usage: allocswap report DIR [--baseline ALLOC|CONFIG] [--tuned CONFIG]\n"
	"                        [--baseline-image NAME] [--format md,html,json]\n"
	"\n"
	"Summarizes a bench directory (written by 'allocswap bench -o DIR') into\n"
	"DIR/report.md, DIR/report.html and DIR/summary.json.\n"
	"A DIR of shards (DIR/shards/K: bench --shards, --engine slurm|k8s) gets a\n"
	"report per host class in DIR/hosts/CLASS/, and DIR/report.md and summary.json\n"
	"say which conclusions hold on every class and which flip.\n"
	"\n"
	"options:\n",
	report_opts, REPORT_NOPTS,
	"\n"
	"Statistics: one sample per process (the median of its values); mean ± std,\n"
	"median, min, max and a 95% CI per cell; Welch's t-test against the baseline,\n"
	"Holm-corrected over the benchmarks of each configuration, at 95%: a cell reads\n"
	"\"1.32x faster (-24%)\", \"1.10x slower (+10%)\" or \"not significant\". The\n"
	"geometric mean of the speed-ups has its own 95% CI. Memory: peak RSS, peak\n"
	"live heap and fragmentation at peak from the processes that counted them (the\n"
	"memory processes of cells timed in stats off).\n"
	"Failed runs are counted and shown, never used as samples.\n"
	"\n"
	"Exit status: 0 when every requested file was written, 1 when writing failed,\n"
	"2 for bad usage (unknown option, missing or unreadable DIR, unknown baseline).\n",
	0,
};

int as_cmd_report(int argc, char **argv)
{
	const char *dir, *baseline, *tuned, *format, *baseline_image;
	struct as_optval v[REPORT_NOPTS] = {{0}};
	int want_md = 0, want_html = 0, want_json = 0, i, rc, first;
	static const char *const formats[] = {"md", "html", "json", NULL};
	struct as_dataset d;
	const char *stock;
	json_t *s, *fx, *im;
	char **list;
	rc = as_opts_parse("report", &as_usage_report, argc, argv, v, &first);
	if (rc)
		return rc == 1 ? as_help("report") : rc;
	for (i = 0; i < REPORT_NOPTS; i++)
		if (v[i].val && !*v[i].val)
			return as_usage_err("report", "%s needs a non-empty value", report_opts[i].lng);
	if (first == argc)
		return as_usage_err("report", "which bench directory? (allocswap report DIR)");
	if (argc - first > 1)
		return as_usage_err("report", "one directory only ('%s' and '%s')", argv[first],
				    argv[first + 1]);
	dir = argv[first];
	baseline = v[OPT_BASELINE].val;
	tuned = v[OPT_TUNED].val;
	baseline_image = v[OPT_BASELINE_IMAGE].val;
	if (v[OPT_TIME].val && as_choice("report", "time", v[OPT_TIME].val, as_clocks) < 0)
		return 2;
	format = v[OPT_FORMAT].val ? v[OPT_FORMAT].val : "md,html,json";
	list = as_split_list(format);
	if (!list)
		oom();
	for (i = 0; list[i]; i++) {
		int k = as_choice("report", "format", list[i], formats);
		if (k < 0) {
			free(list);
			return 2;
		}
		want_md |= k == 0;
		want_html |= k == 1;
		want_json |= k == 2;
	}
	free(list);
	{
		struct stat st;
		if (stat(dir, &st)) {
			as_err("report: %s: %s", dir, strerror(errno));
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			as_err("report: %s: not a directory (give the DIR of 'allocswap bench -o DIR')",
			       dir);
			return 2;
		}
	}
	/* shards of many hosts (bench --shards): a report per host class */
	if ((rc = as_hosts_report(dir, argc, argv, first)) >= 0)
		return rc;
	rc = as_dataset_load("report", dir, v[OPT_TIME].val, &d);
	if (!rc)
		rc = as_dataset_set_baseline(&d, "report", baseline, dir);
	if (rc) {
		as_dataset_free(&d);
		return rc;
	}
	if (tuned && !json_object_get(d.config_index, tuned)) {
		as_dataset_free(&d);
		return as_usage_err("report", "--tuned '%s' is not a configuration of %s", tuned, dir);
	}
	s = as_summary_build(&d);
	/* --baseline CONFIG is the factors' stock cell too (an allocator is no cell) */
	stock = baseline && json_object_get(d.config_index, baseline) ? baseline : NULL;
	as_dataset_free(&d);
	rc = as_factors_build(s, stock, tuned, &fx);
	if (rc == EINVAL) {
		json_decref(s);
		return as_usage_err("report", "the factors section has no cell for %s (allocator none?)",
				    stock ? stock : tuned);
	}
	if (rc)
		oom();
	json_object_set_new(s, "factors", fx);
	rc = as_images_build(s, baseline_image, &im);
	if (rc == EINVAL) {
		char names[2048];
		as_images_names(s, names, sizeof names);
		json_decref(s);
		return as_usage_err("report", "--baseline-image '%s' is not an image of %s (its images: %s)",
				    baseline_image, dir, names);
	}
	if (rc)
		oom();
	json_object_set_new(s, "images", im);
	{
		json_t *ref = as_reference_build(s), *ax = as_axes_build(s);
		if (ref)
			json_object_set_new(s, "reference", ref);
		if (ax)
			json_object_set_new(s, "axes", ax);
	}
	json_object_set_new(s, "source", json_string(dir));
	{
		char rule[600];
		const char *first = as_jstr(s, "baseline");
		const json_t *c = NULL;
		size_t k;
		json_array_foreach(json_object_get(s, "configs"), k, c)
		{
			if (as_same_str(as_jstr(c, "id"), first))
				break;
		}
		if (baseline && as_same_str(baseline, first))
			snprintf(rule, sizeof rule, "config %s", first);
		else
			snprintf(rule, sizeof rule, "allocator %s",
				 as_jstr(c, "allocator") ? as_jstr(c, "allocator") : "?");
		json_object_set_new(s, "baseline_rule", json_string(rule));
	}
	if (want_json) {
		int e = as_json_write_file(dir, "summary.json", s);
		if (e) {
			as_err("report: %s/summary.json: %s", dir, strerror(e));
			rc = 1;
		} else {
			printf("wrote %s/summary.json\n", dir);
		}
	}
	if (want_md) {
		int e = write_md(dir, s);
		if (e) {
			as_err("report: %s/report.md: %s", dir, strerror(e));
			rc = 1;
		} else {
			printf("wrote %s/report.md\n", dir);
		}
	}
	if (want_html) {
		char path[4096];
		snprintf(path, sizeof path, "%s/report.html", dir);
		fflush(stdout);
		if (as_report_html(dir, s, path))
			rc = 1;
		else
			printf("wrote %s\n", path);
	}
	json_decref(s);
	return rc;
}
