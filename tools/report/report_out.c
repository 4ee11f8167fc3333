/* report_out: the Markdown and HTML writers the report's sections share
 * (contract in report_out.h). */
#include "report_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_html_int.h"
#include "summary.h"

void as_out_raw(struct as_out *o, const char *md, const char *html)
{
	if (o->f && md)
		fputs(md, o->f);
	if (o->b && html)
		sb_puts(o->b, html);
}

void as_out_text(struct as_out *o, const char *s)
{
	if (o->b) {
		sb_html(o->b, s);
		return;
	}
	for (; s && *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' || *s == '\r' ? " " : (char[2]){*s, 0}, o->f);
}

void as_out_para(struct as_out *o, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	as_out_raw(o, "", "<p>");
	as_out_text(o, buf);
	as_out_raw(o, "\n\n", "</p>\n");
}

void as_out_heading(struct as_out *o, const char *text, const char *label)
{
	char buf[512];
	snprintf(buf, sizeof buf, label && *label ? "%s (%s)" : "%s", text, label);
	as_out_raw(o, "### ", "<h3>");
	as_out_text(o, buf);
	as_out_raw(o, "\n\n", "</h3>\n");
}

void as_out_item(struct as_out *o, const char *text)
{
	as_out_raw(o, "- ", "<li>");
	as_out_text(o, text);
	as_out_raw(o, "\n", "</li>\n");
}

void as_out_status(struct as_out *o, const json_t *list)
{
	const json_t *e;
	size_t i;
	json_array_foreach(list, i, e)
	{
		json_int_t n = json_integer_value(json_object_get(e, "comparisons"));
		char line[1200];
		if (n)
			snprintf(line, sizeof line, "%s: %lld comparison%s", as_jstr(e, "name"),
				 (long long)n, n > 1 ? "s" : "");
		else
			snprintf(line, sizeof line, "%s: %s", as_jstr(e, "name"), as_jstr(e, "reason"));
		as_out_item(o, line);
	}
}

void as_out_table(struct as_out *o, const char *first, const char *const *cols, size_t n,
		  const char *align)
{
	size_t i;
	as_out_raw(o, "| ", "<table>\n<thead><tr><th>");
	as_out_text(o, first);
	for (i = 0; i < n; i++) {
		as_out_raw(o, " | ", "</th><th>");
		as_out_text(o, cols[i]);
	}
	as_out_raw(o, " |\n|---|", "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++)
		as_out_raw(o, !align || align[i] == 'r' ? "---:|" : "---|", NULL);
	as_out_raw(o, "\n", NULL);
}

void as_out_row(struct as_out *o, const char *head, int geo)
{
	as_out_raw(o, geo ? "| **" : "| ", geo ? "<tr class=\"geo\"><th>" : "<tr><th>");
	as_out_text(o, head);
	as_out_raw(o, geo ? "** |" : " |", "</th>");
}

void as_out_cell(struct as_out *o, const char *text, const char *cls)
{
	if (o->b)
		sb_printf(o->b, cls ? "<td class=\"%s\">" : "<td>", cls);
	as_out_raw(o, " ", NULL);
	as_out_text(o, text && *text ? text : o->empty);
	as_out_raw(o, " |", "</td>");
}

void as_out_end_row(struct as_out *o)
{
	as_out_raw(o, "\n", "</tr>\n");
}

void as_out_end_table(struct as_out *o)
{
	as_out_raw(o, "\n", "</tbody></table>\n");
}

const char *as_out_ratio(const json_t *e, char *buf, size_t cap, const char **cls)
{
	const json_t *ci = json_object_get(e, "ci95");
	const char *v = as_jstr(e, "verdict");
	char c[96];
	double ratio = as_jnum(e, "ratio");
	*cls = !json_is_true(json_object_get(e, "significant")) ? "ns" : ratio >= 1 ? "faster" : "slower";
	if (!json_is_array(ci)) {
		snprintf(buf, cap, "%s", v ? v : "-");
		return buf;
	}
	snprintf(buf, cap, "%s, CI %s", v ? v : "-",
		 as_fmt_ci(as_jnum(json_array_get(ci, 0), ""), as_jnum(json_array_get(ci, 1), ""), c,
			   sizeof c));
	return buf;
}

void as_out_build_cells(struct as_out *o, const json_t *built)
{
	double s = as_jnum(built, "build_seconds");
	char buf[64];
	as_out_cell(o, as_fmt_bytes(as_jnum(built, "size_bytes"), buf, sizeof buf), NULL);
	snprintf(buf, sizeof buf, "%.0f", as_jnum(built, "files"));
	as_out_cell(o, isfinite(as_jnum(built, "files")) ? buf : "-", NULL);
	if (!isfinite(s))
		snprintf(buf, sizeof buf, "-");
	else if (s >= 59.5)
		snprintf(buf, sizeof buf, "%ld min %02ld s", lround(s) / 60, lround(s) % 60);
	else
		snprintf(buf, sizeof buf, "%.1f s", s);
	as_out_cell(o, buf, NULL);
}

static const json_t *bench_entry(const json_t *comp, size_t b)
{
	return json_array_get(json_object_get(comp, "benchmarks"), b);
}

void as_out_comp_table(struct as_out *o, const json_t *const *comps, const char *const *cols,
		       size_t n, int base_time)
{
	size_t b, i, nb = json_array_size(json_object_get(comps[0], "benchmarks"));
	char buf[300];
	const char *cls;
	as_out_table(o, "Benchmark", cols, n + (size_t)base_time, NULL);
	for (b = 0; b < nb; b++) {
		as_out_row(o, as_jstr(bench_entry(comps[0], b), "bench"), 0);
		if (base_time)
			as_out_cell(o,
				    as_fmt_time_pm(as_jnum(bench_entry(comps[0], b), "base_mean"),
						   as_jnum(bench_entry(comps[0], b), "base_std"), buf,
						   sizeof buf),
				    NULL);
		for (i = 0; i < n; i++) {
			as_out_ratio(bench_entry(comps[i], b), buf, sizeof buf, &cls);
			as_out_cell(o, buf, cls);
		}
		as_out_end_row(o);
	}
	as_out_row(o, "Geometric mean", 1);
	if (base_time)
		as_out_cell(o, "", NULL);
	for (i = 0; i < n; i++) {
		as_out_ratio(json_object_get(comps[i], "geomean"), buf, sizeof buf, &cls);
		as_out_cell(o, buf, cls);
	}
	as_out_end_row(o);
	as_out_end_table(o);
}

void as_out_comp_tables(struct as_out *o, const json_t *list, const char *factor,
			const char *title, const char *label)
{
	const json_t *c, *comps[6];
	const char *cols[6];
	size_t i, n = 0;
	int shown = 0;
	json_array_foreach(list, i, c)
	{
		if (factor && !as_same_str(as_jstr(c, "factor"), factor))
			continue;
		if (!shown++ && title)
			as_out_heading(o, title, label);
		comps[n] = c;
		cols[n++] = as_jstr(c, "label");
		if (n == 6) {
			as_out_comp_table(o, comps, cols, n, 0);
			n = 0;
		}
	}
	if (n)
		as_out_comp_table(o, comps, cols, n, 0);
}

void as_out_clock(struct as_out *o, const json_t *cells)
{
	const json_t *c;
	const char *prev = NULL;
	size_t i, cpu = 0, wall = 0, timed = 0, hit = 0, n;
	char b1[1024] = "", b2[1024] = "";
	json_array_foreach(cells, i, c)
	{
		const char *bench = as_jstr(c, "bench");
		int is_cpu = as_same_str(as_jstr(c, "clock"), "cpu");
		char *list = is_cpu ? b1 : b2;
		timed += (size_t)json_integer_value(json_object_get(c, "contention_known"));
		hit += (size_t)json_integer_value(json_object_get(c, "contended"));
		/* cells are benchmark-major, and one clock serves a benchmark */
		if (!bench || as_same_str(bench, prev))
			continue;
		prev = bench;
		n = strlen(list);
		if (n + strlen(bench) + 3 < sizeof b1)
			snprintf(list + n, sizeof b1 - n, "%s%s", n ? ", " : "", bench);
		++*(is_cpu ? &cpu : &wall);
	}
	if (cpu)
		as_out_para(o, "Times are the benchmark thread's CPU time for %zu benchmark%s (it leaves "
			       "out the time a process waited for a CPU, which other tasks cause and the "
			       "allocator does not)%s%s%s. report --time wall compares wall times "
			       "instead.",
			    cpu, cpu == 1 ? "" : "s", wall ? "; wall time for " : "", wall ? b2 : "",
			    wall ? " (their CPU time does not cover all of their work)" : "");
	if (timed)
		as_out_para(o, "Contention: %zu of %zu timed processes waited for a CPU (run queue or "
			       "steal) more than %.0f%% of their wall time%s.",
			    hit, timed, 100 * AS_CONTENDED,
			    hit * 10 > timed ? ": the machine was busy, and wall times are inflated "
					       "where it was"
			    : hit	     ? " (their wall times are inflated, their CPU times not)"
					     : "");
}

/* "2", or "1-2" */
static void span(char *buf, size_t cap, const json_int_t *r)
{
	if (r[0] == r[1])
		snprintf(buf, cap, "%lld", (long long)r[0]);
	else
		snprintf(buf, cap, "%lld-%lld", (long long)r[0], (long long)r[1]);
}

const char *as_report_pyperf_matrix(const json_t *cells, char *buf, size_t cap, int *too_few)
{
	static const char *const keys[] = {"invocations", "workers", "values", "warmups"};
	json_int_t r[4][2];
	char t[4][48];
	const json_t *c;
	size_t i, k, seen = 0;
	*too_few = 0;
	buf[0] = 0;
	json_array_foreach(cells, i, c)
	{
		const json_t *p = json_object_get(c, "pyperf");
		if (!json_is_object(p))
			continue;
		for (k = 0; k < 4; k++) {
			const json_t *v = json_object_get(p, keys[k]);
			json_int_t lo = json_integer_value(json_is_array(v) ? json_array_get(v, 0) : v);
			json_int_t hi = json_integer_value(json_is_array(v) ? json_array_get(v, 1) : v);
			if (!seen || lo < r[k][0])
				r[k][0] = lo;
			if (!seen || hi > r[k][1])
				r[k][1] = hi;
		}
		seen++;
	}
	if (!seen)
		return buf;
	for (k = 0; k < 4; k++)
		span(t[k], sizeof t[k], r[k]);
	*too_few = r[0][0] < 2;
	snprintf(buf, cap,
		 "%s pyperformance invocation%s per cell (the samples), each of %s pyperf worker%s "
		 "x %s value%s after %s warm-up%s, averaged into its sample%s",
		 t[0], r[0][1] == 1 ? "" : "s", t[1], r[1][1] == 1 ? "" : "s", t[2],
		 r[2][1] == 1 ? "" : "s", t[3], r[3][1] == 1 ? "" : "s",
		 *too_few ? ". With 1 invocation in a cell nothing is compared (n/a: too few runs): "
			    "the workers of one invocation ran back to back, not interleaved with the "
			    "other configurations, so they are not independent samples; run bench "
			    "with --runs 2 or more (5 or more for narrow intervals)"
			  : "");
	return buf;
}
