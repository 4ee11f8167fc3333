/* report_html_page: the text of the HTML report around its charts.
 *
 * Everything inserted into the page from the summary (benchmark names,
 * configuration ids, errors, the command line, host names) goes through
 * sb_html.  The style sheet is inline; there is no script.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axes.h"
#include "cli.h"
#include "factors.h"
#include "image_report.h"
#include "report_html.h"
#include "report_html_int.h"
#include "reference.h"
#include "report_out.h"

/* ---- text buffer --------------------------------------------------------------- */

void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;
		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

void sb_puts(struct sb *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512], *big;
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sb_putn(b, tmp, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_putn(b, big, (size_t)n);
	free(big);
}

void sb_html(struct sb *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				sb_putn(b, s, 1);
		}
	}
}

void sb_gp(struct sb *b, const char *s)
{
	sb_putn(b, "'", 1);
	for (; s && *s; s++) {
		if (*s == '\'')
			sb_putn(b, "''", 2);
		else if ((unsigned char)*s >= 0x20)
			sb_putn(b, s, 1);
	}
	sb_putn(b, "'", 1);
}

/* ---- formatting ------------------------------------------------------------------ */

static const char *fmt_time(double s, char *buf, size_t cap)
{
	if (!(s >= 0))
		snprintf(buf, cap, "?");
	else if (s < 1e-3)
		snprintf(buf, cap, "%.1f \xc2\xb5s", s * 1e6);
	else if (s < 1)
		snprintf(buf, cap, "%.1f ms", s * 1e3);
	else
		snprintf(buf, cap, "%.2f s", s);
	return buf;
}

static const char *fmt_bytes(double v, char *buf, size_t cap)
{
	if (!(v >= 0))
		snprintf(buf, cap, "?");
	else if (v < 1024 * 1024)
		snprintf(buf, cap, "%.1f KiB", v / 1024);
	else if (v < 1024.0 * 1024 * 1024)
		snprintf(buf, cap, "%.1f MiB", v / 1048576);
	else
		snprintf(buf, cap, "%.2f GiB", v / 1073741824);
	return buf;
}

/* An argv as a shell would take it back: 'quoted' when needed. */
static void shell_words(struct sb *b, const json_t *argv)
{
	size_t i;
	const json_t *v;
	json_array_foreach(argv, i, v) {
		const char *s = json_string_value(v), *p;
		if (!s)
			continue;
		if (i)
			sb_puts(b, " ");
		if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				    "_-+=/.,:@%") == strlen(s)) {
			sb_html(b, s);
			continue;
		}
		sb_puts(b, "&#39;");
		for (p = s; *p; p++) {
			char one[2] = {*p, 0};
			if (*p == '\'')
				sb_puts(b, "&#39;\\&#39;&#39;");
			else
				sb_html(b, one);
		}
		sb_puts(b, "&#39;");
	}
}

/* A configuration id that may wrap after each '/'. */
static void html_id(struct sb *b, const char *id)
{
	const char *p;
	for (p = id; p && *p; p++) {
		char one[2] = {*p, 0};
		sb_html(b, one);
		if (*p == '/')
			sb_puts(b, "<wbr>");
	}
}

static void swatch(struct sb *b, const struct rh_cfg *c)
{
	sb_printf(b, "<span class=\"sw\" style=\"background:%s\"></span>", c->color);
}

void rh_note(struct rh *r, const char *text)
{
	sb_puts(&r->page, "<p class=\"note\">");
	sb_html(&r->page, text);
	sb_puts(&r->page, "</p>\n");
}

static const char rh_css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#fff;color:#1a1a1a;"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\n"
	"main{max-width:1120px;margin:0 auto;padding:12px 24px 40px}\n"
	"h1{font-size:26px;margin:10px 0 2px}\n"
	"h2{font-size:20px;margin:34px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd}\n"
	"h3{font-size:16px;margin:22px 0 6px}\n"
	"p{margin:6px 0}\n"
	"nav{font-size:13px;margin:6px 0 0}nav a{margin-right:14px;color:#0b57a4}\n"
	".lead{font-size:15px;color:#333}\n"
	"table{border-collapse:collapse;width:100%;table-layout:fixed;margin:8px 0 14px;"
	"font-size:13px}\n"
	"th,td{border:1px solid #e2e2e2;padding:4px 6px;text-align:left;vertical-align:top;"
	"overflow-wrap:anywhere}\n"
	"thead th{background:#f4f4f4;font-weight:600}\n"
	"tbody th{font-weight:500;background:#fafafa}\n"
	"table.meta th{width:16%;background:#fafafa;font-weight:600}\n"
	"table.cfgs col.n{width:2.5em}\n"
	"td.faster{background:#e2f3e5;color:#17521d;font-weight:600}\n"
	"td.slower{background:#fbe3e3;color:#8a1a1a;font-weight:600}\n"
	"td.ns{color:#666}\n"
	"td.base{background:#f4f4f4;color:#333}\n"
	"td.failed{background:#c62828;color:#fff;font-weight:600}\n"
	"td.best{font-weight:600}\n"
	"tr.geo th,tr.geo td{border-top:2px solid #888}\n"
	".sub{display:block;font-size:11px;font-weight:400;color:#666}\n"
	"td.failed .sub{color:#fde}\n"
	".warn{display:block;font-size:11px;color:#a04b00}\n"

	".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;"
	"vertical-align:-1px}\n"
	"code{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
	"font-size:12px;overflow-wrap:anywhere}\n"
	"figure{margin:14px 0 22px}\n"
	"figcaption{font-size:13px;color:#444;margin-top:4px}\n"
	"svg.chart{display:block;width:100%;height:auto}\n"
	".note{background:#fff7df;border-left:4px solid #e0a800;padding:6px 10px}\n"
	"ul.fail li{margin:4px 0}\n"
	"footer{margin-top:36px;font-size:12px;color:#777}\n";

/* ---- header ------------------------------------------------------------------------ */

static void meta_row(struct sb *b, const char *name)
{
	sb_puts(b, "<tr><th>");
	sb_html(b, name);
	sb_puts(b, "</th><td>");
}

static void or_unknown(struct sb *b, const char *s)
{
	sb_html(b, s && *s ? s : "unknown");
}

static void header(struct rh *r)
{
	struct sb *b = &r->page;
	const json_t *m = r->meta, *host = json_object_get(m, "host"),
		     *py = json_object_get(m, "python"), *mx = json_object_get(m, "matrix"),
		     *as = json_object_get(m, "allocswap"), *v;
	const char *k, *suite = rh_str(mx, "suite");
	double runs = rh_num(mx, "runs");
	char buf[64], pyperf[1024];
	int too_few;
	int first = 1;

	as_report_pyperf_matrix(r->cells, pyperf, sizeof pyperf, &too_few);
	sb_puts(b, "<header>\n<h1>allocswap report</h1>\n<p class=\"lead\">");
	sb_printf(b, "%zu benchmark%s", r->nb, r->nb == 1 ? "" : "s");
	if (*suite) {
		sb_puts(b, " (suite <b>");
		sb_html(b, suite);
		sb_puts(b, "</b>)");
	}
	sb_printf(b, " &times; %zu configuration%s", r->nc, r->nc == 1 ? "" : "s");
	if (runs > 0 && !strcmp(suite, "pyperformance"))
		sb_printf(b, ", %.0f pyperformance invocation%s per cell", runs, runs == 1 ? "" : "s");
	else if (runs > 0)
		sb_printf(b, ", %.0f process%s per cell", runs, runs == 1 ? "" : "es");
	if (r->nbase > 1) {
		size_t c, n = 0;
		sb_puts(b, "; baselines");
		for (c = 0; c < r->nc; c++)
			if (r->cfg[c].is_base) {
				sb_puts(b, n++ ? ", <b>" : " <b>");
				sb_html(b, r->cfg[c].label);
				sb_puts(b, "</b>");
			}
	} else if (r->base < r->nc) {
		sb_puts(b, "; baseline <b>");
		sb_html(b, r->cfg[r->base].label);
		sb_puts(b, "</b>");
	}
	if (*rh_str(host, "hostname")) {
		sb_puts(b, "; on <b>");
		sb_html(b, rh_str(host, "hostname"));
		sb_puts(b, "</b>");
	}
	sb_puts(b, ".</p>\n<nav><a href=\"#speed\">speed</a>");
	if (r->factors)
		sb_puts(b, "<a href=\"#factors\">factors</a>");
	if (r->images)
		sb_puts(b, "<a href=\"#images\">images</a>");
	sb_puts(b, "<a href=\"#memory\">memory</a>"
		   "<a href=\"#syscalls\">syscalls</a><a href=\"#timeline\">memory over time</a>"
		   "<a href=\"#failures\">failures</a><a href=\"#read\">how to read this</a></nav>\n");

	sb_puts(b, "<table class=\"meta\">\n");
	meta_row(b, "host");
	or_unknown(b, rh_str(host, "hostname"));
	sb_puts(b, ", Linux ");
	or_unknown(b, rh_str(host, "kernel"));
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "CPU");
	or_unknown(b, rh_str(host, "cpu"));
	if (rh_num(host, "nproc") > 0)
		sb_printf(b, ", %.0f CPUs", rh_num(host, "nproc"));
	if (rh_num(host, "mem_bytes") > 0)
		sb_printf(b, ", %s memory", fmt_bytes(rh_num(host, "mem_bytes"), buf, sizeof buf));
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "Python");
	or_unknown(b, rh_str(py, "version"));
	if (*rh_str(py, "path")) {
		sb_puts(b, " <code>");
		sb_html(b, rh_str(py, "path"));
		sb_puts(b, "</code>");
	}
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "libc");
	json_object_foreach((json_t *)json_object_get(m, "libcs"), k, v) {
		sb_puts(b, first ? "" : ", ");
		sb_html(b, k);
		sb_puts(b, " ");
		or_unknown(b, json_string_value(v));
		first = 0;
	}
	if (first)
		sb_puts(b, "unknown");
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "allocators");
	first = 1;
	json_object_foreach((json_t *)json_object_get(m, "allocators"), k, v) {
		sb_puts(b, first ? "" : "<br>");
		sb_puts(b, "<b>");
		sb_html(b, k);
		sb_puts(b, "</b> ");
		or_unknown(b, rh_str(v, "version"));
		if (*rh_str(v, "libc")) {
			sb_puts(b, " (");
			sb_html(b, rh_str(v, "libc"));
			sb_puts(b, ")");
		}
		if (*rh_str(v, "path")) {
			sb_puts(b, " <code>");
			sb_html(b, rh_str(v, "path"));
			sb_puts(b, "</code>");
		}
		first = 0;
	}
	/* the same allocators' builds for the other libcs */
	json_object_foreach((json_t *)json_object_get(m, "allocators_by_libc"), k, v) {
		const char *name;
		json_t *a;
		json_object_foreach((json_t *)v, name, a) {
			const char *shown =
				rh_str(json_object_get(json_object_get(m, "allocators"), name), "libc");
			if (!strcmp(shown, k))
				continue;
			sb_puts(b, first ? "" : "<br>");
			sb_puts(b, "<b>");
			sb_html(b, name);
			sb_puts(b, "</b> ");
			or_unknown(b, rh_str(a, "version"));
			sb_puts(b, " (");
			sb_html(b, k);
			sb_puts(b, ")");
			if (*rh_str(a, "path")) {
				sb_puts(b, " <code>");
				sb_html(b, rh_str(a, "path"));
				sb_puts(b, "</code>");
			}
			first = 0;
		}
	}
	if (first)
		sb_puts(b, "unknown");
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "allocswap");
	or_unknown(b, rh_str(as, "version"));
	if (*rh_str(as, "commit")) {
		sb_puts(b, " (commit ");
		sb_html(b, rh_str(as, "commit"));
		sb_puts(b, ")");
	}
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "command");
	sb_puts(b, "<code>");
	if (json_array_size(json_object_get(m, "command")))
		shell_words(b, json_object_get(m, "command"));
	else
		sb_puts(b, "unknown");
	sb_puts(b, "</code></td></tr>\n");
	meta_row(b, "matrix");
	if (*pyperf) /* pyperformance: its invocations and pyperf's counts, from the records */
		sb_html(b, pyperf);
	else if (runs > 0)
		sb_printf(b, "%.0f timed processes per cell", runs);
	if (rh_num(mx, "memory_runs") > 0)
		sb_printf(b, " (+%.0f in counters mode for the memory figures, not timed)",
			  rh_num(mx, "memory_runs"));
	if (rh_num(mx, "values") > 0 && !*pyperf)
		sb_printf(b, ", %.0f values per process", rh_num(mx, "values"));
	if (rh_num(mx, "warmups") >= 0 && !*pyperf)
		sb_printf(b, ", %.0f warm-up%s", rh_num(mx, "warmups"),
			  rh_num(mx, "warmups") == 1 ? "" : "s");
	if (!(runs > 0) && !*pyperf)
		sb_puts(b, "unknown");
	sb_puts(b, "</td></tr>\n");
	meta_row(b, "date");
	or_unknown(b, rh_str(m, "started"));
	sb_puts(b, " to ");
	sb_html(b, *rh_str(m, "finished") ? rh_str(m, "finished") : "(unfinished)");
	sb_puts(b, "</td></tr>\n</table>\n</header>\n");
}

static void configs_table(struct rh *r)
{
	struct sb *b = &r->page;
	const json_t *allocs = json_object_get(r->meta, "allocators");
	size_t c;
	sb_puts(b, "<h2 id=\"configs\">Configurations</h2>\n"
		   "<p>The number is the one under the box plots; the colour is the same in every "
		   "chart.</p>\n<table class=\"cfgs\"><colgroup><col class=\"n\"><col><col><col>"
		   "</colgroup>\n<thead><tr><th>#</th><th>label</th><th>configuration</th>"
		   "<th>allocator</th></tr></thead>\n<tbody>\n");
	for (c = 0; c < r->nc; c++) {
		const char *a = rh_str(r->cfg[c].j, "allocator");
		const json_t *info = json_object_get(allocs, a);
		sb_printf(b, "<tr><td>%zu</td><td>", c + 1);
		swatch(b, &r->cfg[c]);
		sb_html(b, r->cfg[c].label);
		if (r->cfg[c].is_base) {
			sb_puts(b, " <i>(baseline)</i>");
		} else if (r->nbase > 1 && r->cfg[c].base < r->nc) {
			sb_puts(b, " <i>vs ");
			sb_html(b, r->cfg[r->cfg[c].base].label);
			sb_puts(b, "</i>");
		}
		sb_puts(b, "</td><td><code>");
		html_id(b, r->cfg[c].id);
		sb_puts(b, "</code></td><td>");
		sb_html(b, *a ? a : "?");
		if (*rh_str(info, "version")) {
			sb_puts(b, " ");
			sb_html(b, rh_str(info, "version"));
		}
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</tbody></table>\n");
}

static void how_to_read(struct rh *r)
{
	sb_puts(&r->page,
		"<h2 id=\"read\">How to read this</h2>\n<ul>\n"
		"<li>Every benchmark ran in several processes per configuration, configurations "
		"interleaved process by process. A process's mean time is one sample; the statistics "
		"compare those samples, not the individual loop values.</li>\n"
		"<li><b>1.32x faster (-24%)</b>: the baseline's mean time divided by this "
		"configuration's is 1.32, and the time changed by -24%. A verdict is given only when "
		"the difference is significant at 95% after correcting for the number of comparisons; "
		"otherwise the cell says <b>not significant</b>: the difference is within this "
		"machine's noise, do not act on it.</li>\n"
		"<li>The <b>geometric mean</b> row summarizes all benchmarks, with its own 95% "
		"confidence interval.</li>\n"
		"<li>In the box plots each dot or whisker is one process: the box spans the middle "
		"half of them, the line is their median. Wide boxes mean a noisy cell; overlapping "
		"boxes mean no clear difference.</li>\n"
		"<li><b>Peak RSS</b> is the resident memory of the benchmark process at its highest. "
		"<b>Fragmentation at peak</b> is peak RSS divided by the peak of live heap bytes the "
		"allocator handed out: memory the allocator (and the interpreter) holds beyond what "
		"the program asked for. With pymalloc on, small Python objects never reach malloc, so "
		"compare allocators at the same pymalloc setting.</li>\n"
		"<li>A red <b>FAILED</b> cell has no time: every process failed; the errors are "
		"listed under <a href=\"#failures\">failures</a>.</li>\n"
		"</ul>\n");
}

/* ---- speed ------------------------------------------------------------------------ */

static void th_configs(struct rh *r, const char *first)
{
	struct sb *b = &r->page;
	size_t c;
	sb_puts(b, "<thead><tr><th>");
	sb_html(b, first);
	sb_puts(b, "</th>");
	for (c = 0; c < r->nc; c++) {
		sb_puts(b, "<th title=\"");
		sb_html(b, r->cfg[c].id);
		sb_puts(b, "\">");
		swatch(b, &r->cfg[c]);
		sb_html(b, r->cfg[c].label);
		if (r->cfg[c].is_base) {
			sb_puts(b, "<span class=\"sub\">baseline</span>");
		} else if (r->nbase > 1 && r->cfg[c].base < r->nc) {
			sb_puts(b, "<span class=\"sub\">vs ");
			sb_html(b, r->cfg[r->cfg[c].base].label);
			sb_puts(b, "</span>");
		}
		sb_puts(b, "</th>");
	}
	sb_puts(b, "</tr></thead>\n");
}

static void bench_th(struct rh *r, size_t i)
{
	struct sb *b = &r->page;
	sb_puts(b, "<th>");
	sb_html(b, r->bench[i].name);
	if (*r->bench[i].group) {
		sb_puts(b, "<span class=\"sub\">");
		sb_html(b, r->bench[i].group);
		sb_puts(b, "</span>");
	}
	sb_puts(b, "</th>");
}

static const char *verdict_class(const json_t *j)
{
	double ratio = rh_num(j, "ratio");
	if (!json_is_true(json_object_get(j, "significant")))
		return "ns";
	return ratio > 1 ? "faster" : ratio < 1 ? "slower" : "ns";
}

static void speed_cell(struct rh *r, size_t bi, size_t c)
{
	struct sb *b = &r->page;
	const json_t *j = rh_cell(r, bi, c), *errs;
	char t1[64], t2[64];
	int nf = rh_cell_nfailed(j);
	if (!j) {
		sb_puts(b, "<td class=\"ns\">no data</td>");
		return;
	}
	if (rh_cell_failed(j)) {
		errs = json_object_get(j, "errors");
		sb_puts(b, "<td class=\"failed\">");
		sb_html(b, *rh_str(j, "verdict") ? rh_str(j, "verdict") : "FAILED");
		if (json_is_string(json_array_get(errs, 0)) &&
		    !strstr(rh_str(j, "verdict"), json_string_value(json_array_get(errs, 0)))) {
			sb_puts(b, "<span class=\"sub\">");
			sb_html(b, json_string_value(json_array_get(errs, 0)));
			sb_puts(b, "</span>");
		}
		sb_puts(b, "</td>");
		return;
	}
	int base = r->cfg[c].is_base;
	sb_printf(b, "<td class=\"%s\" title=\"mean %s &#177; %s, n=%.0f", base ? "base" : verdict_class(j),
		  fmt_time(rh_num(j, "mean"), t1, sizeof t1), fmt_time(rh_num(j, "std"), t2, sizeof t2),
		  rh_num(j, "n"));
	if (!base && rh_num(j, "p_value") >= 0)
		sb_printf(b, ", p=%.3g, adjusted %.3g", rh_num(j, "p_value"), rh_num(j, "p_adjusted"));
	sb_puts(b, "\">");
	if (base)
		sb_printf(b, "%s &#177; %s", fmt_time(rh_num(j, "mean"), t1, sizeof t1),
			  fmt_time(rh_num(j, "std"), t2, sizeof t2));
	else
		sb_html(b, *rh_str(j, "verdict") ? rh_str(j, "verdict") : "?");
	if (nf > 0)
		sb_printf(b, "<span class=\"warn\">%d process%s failed</span>", nf, nf == 1 ? "" : "es");
	sb_puts(b, "</td>");
}

static void speed_table(struct rh *r)
{
	struct sb *b = &r->page;
	size_t i, c;
	sb_puts(b, "<table class=\"speed\">\n");
	th_configs(r, "benchmark");
	sb_puts(b, "<tbody>\n");
	for (i = 0; i < r->nb; i++) {
		sb_puts(b, "<tr>");
		bench_th(r, i);
		for (c = 0; c < r->nc; c++)
			speed_cell(r, i, c);
		sb_puts(b, "</tr>\n");
	}
	sb_puts(b, "<tr class=\"geo\"><th>geometric mean</th>");
	for (c = 0; c < r->nc; c++) {
		const json_t *g = r->geo[c], *ci = json_object_get(g, "ci95");
		if (r->cfg[c].is_base) {
			sb_puts(b, "<td class=\"base\">baseline</td>");
			continue;
		}
		if (!g) {
			sb_puts(b, "<td class=\"ns\">no data</td>");
			continue;
		}
		sb_printf(b, "<td class=\"%s\">", verdict_class(g));
		sb_html(b, *rh_str(g, "verdict") ? rh_str(g, "verdict") : "?");
		if (json_is_number(json_array_get(ci, 0)) && json_is_number(json_array_get(ci, 1)))
			sb_printf(b, "<span class=\"sub\">95%% CI %.2fx to %.2fx</span>",
				  json_number_value(json_array_get(ci, 0)),
				  json_number_value(json_array_get(ci, 1)));
		sb_puts(b, "</td>");
	}
	sb_puts(b, "</tr>\n</tbody></table>\n");
}

/* A chart between fig_begin and fig_end, with its caption; the note
 * instead when the chart function had nothing to draw (rc < 0). */
static size_t fig_begin(struct rh *r)
{
	size_t mark = r->page.n;
	sb_puts(&r->page, "<figure>\n");
	return mark;
}

static int fig_end(struct rh *r, size_t mark, int rc, const char *caption, const char *none)
{
	if (rc > 0)
		return 1;
	if (rc < 0) {
		r->page.n = mark;
		if (r->page.p)
			r->page.p[mark] = 0;
		if (none)
			rh_note(r, none);
		return 0;
	}
	sb_puts(&r->page, "<figcaption>");
	sb_html(&r->page, caption);
	sb_puts(&r->page, "</figcaption>\n</figure>\n");
	return 0;
}

static int figure(struct rh *r, int (*draw)(struct rh *), const char *caption, const char *none)
{
	size_t mark = fig_begin(r);
	return fig_end(r, mark, draw(r), caption, none);
}

/* ---- memory -------------------------------------------------------------------------- */

static double *cell_values(struct rh *r, const char *key)
{
	double *v = malloc((r->nb * r->nc + 1) * sizeof *v);
	size_t b, c;
	if (!v)
		return NULL;
	for (b = 0; b < r->nb; b++)
		for (c = 0; c < r->nc; c++)
			v[b * r->nc + c] = rh_num(rh_cell(r, b, c), key);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void memory_table(struct rh *r, const double *rss, const double *live, const double *frag)
{
	struct sb *b = &r->page;
	double *col = malloc((r->nb + 1) * sizeof *col);
	size_t i, c;
	char t1[64], t2[64];
	if (!col) {
		b->oom = 1;
		return;
	}
	sb_puts(b, "<table class=\"memory\">\n");
	th_configs(r, "benchmark");
	sb_puts(b, "<tbody>\n");
	for (i = 0; i < r->nb; i++) {
		double best = INFINITY;
		for (c = 0; c < r->nc; c++)
			if (rss[i * r->nc + c] > 0)
				best = fmin(best, rss[i * r->nc + c]);
		sb_puts(b, "<tr>");
		bench_th(r, i);
		for (c = 0; c < r->nc; c++) {
			size_t k = i * r->nc + c;
			if (rh_cell_failed(rh_cell(r, i, c))) {
				sb_puts(b, "<td class=\"failed\">FAILED</td>");
				continue;
			}
			if (!(rss[k] > 0)) {
				sb_puts(b, "<td class=\"ns\">no data</td>");
				continue;
			}
			sb_printf(b, "<td%s>%s", rss[k] == best && r->nc > 1 ? " class=\"best\"" : "",
				  fmt_bytes(rss[k], t1, sizeof t1));
			if (live[k] > 0 || frag[k] > 0) {
				sb_puts(b, "<span class=\"sub\">");
				if (live[k] > 0)
					sb_printf(b, "live %s", fmt_bytes(live[k], t2, sizeof t2));
				if (frag[k] > 0)
					sb_printf(b, "%s%.2fx", live[k] > 0 ? ", " : "", frag[k]);
				sb_puts(b, "</span>");
			}
			sb_puts(b, "</td>");
		}
		sb_puts(b, "</tr>\n");
	}
	sb_puts(b, "<tr class=\"geo\"><th>median</th>");
	for (c = 0; c < r->nc; c++) {
		size_t n = 0;
		for (i = 0; i < r->nb; i++)
			if (rss[i * r->nc + c] > 0)
				col[n++] = rss[i * r->nc + c];
		qsort(col, n, sizeof *col, cmp_double);
		if (!n)
			sb_puts(b, "<td class=\"ns\">no data</td>");
		else
			sb_printf(b, "<td>%s</td>",
				  fmt_bytes(n % 2 ? col[n / 2] : (col[n / 2 - 1] + col[n / 2]) / 2, t1,
					    sizeof t1));
	}
	sb_puts(b, "</tr>\n</tbody></table>\n");
	free(col);
}

static int memory(struct rh *r)
{
	double *rss = cell_values(r, "rss_peak"), *live = cell_values(r, "peak_live"),
	       *frag = cell_values(r, "fragmentation_at_peak");
	size_t i, mark;
	int rc = 1;
	if (!rss || !live || !frag) {
		as_err("report: out of memory");
		goto out;
	}
	sb_puts(&r->page, "<h2 id=\"memory\">Memory</h2>\n");
	for (i = 0; i < r->nb * r->nc; i++)
		rss[i] /= 1048576.0;
	mark = fig_begin(r);
	if (fig_end(r, mark,
		    rh_chart_dots(r, "peak RSS per benchmark", rss, "peak RSS, MiB (left is leaner)",
				  0),
		    r->base < r->nc ? "Peak resident memory of each benchmark process (median over "
				      "its processes), one marker per configuration; the baseline "
				      "is the grey ring."
				    : "Peak resident memory of each benchmark process (median over "
				      "its processes), one marker per configuration.",
		    "No peak RSS in the summary."))
		goto out;
	mark = fig_begin(r);
	if (fig_end(r, mark,
		    rh_chart_dots(r, "fragmentation at peak per benchmark", frag,
				  "peak RSS / peak live heap bytes (left is tighter)", 1),
		    "Fragmentation at peak: peak RSS over the peak of live heap bytes. 1.0 would "
		    "mean the process held exactly what it had allocated.",
		    "No fragmentation figures in the summary (they need peak live bytes from "
		    "libswap's report)."))
		goto out;
	for (i = 0; i < r->nb * r->nc; i++)
		rss[i] *= 1048576.0;
	for (i = 0; i < r->nb * r->nc && !(rss[i] > 0); i++)
		;
	if (i < r->nb * r->nc) {
		sb_puts(&r->page, "<h3>Peak RSS, peak live heap and fragmentation</h3>\n");
		memory_table(r, rss, live, frag);
	}
	rc = 0;
out:
	free(rss);
	free(live);
	free(frag);
	return rc;
}

/* ---- syscalls ---------------------------------------------------------------------------- */

static int syscalls(struct rh *r)
{
	struct sb *b = &r->page;
	double *med = malloc((r->nc + 1) * RH_NSYS * sizeof *med);
	char sources[256] = "";
	size_t c, k, i, mark;
	int d;
	if (!med) {
		as_err("report: out of memory");
		return 1;
	}
	for (i = 0; i < r->nb * r->nc; i++) {
		const char *src = rh_str(json_object_get(r->cell[i], "syscalls"), "source");
		if (*src && !strstr(sources, src) && strlen(sources) + strlen(src) + 3 < sizeof sources)
			snprintf(sources + strlen(sources), sizeof sources - strlen(sources), "%s%s",
				 sources[0] ? ", " : "", src);
	}
	sb_puts(b, "<h2 id=\"syscalls\">Allocator syscalls</h2>\n");
	mark = fig_begin(r);
	d = rh_chart_syscalls(r, med);
	if (d) {
		char msg[400];
		snprintf(msg, sizeof msg, "syscall counts not available: %s",
			 r->sys_reason[0] ? r->sys_reason : "no run recorded them");
		free(med);
		return fig_end(r, mark, d, "", msg);
	}
	sb_puts(b, "<figcaption>Median number of each memory syscall per benchmark process, "
		   "over the benchmarks.");
	if (sources[0]) {
		sb_puts(b, " Counted by: ");
		sb_html(b, sources);
		sb_puts(b, ".");
	}
	if (strstr(sources, "libc-wrappers"))
		sb_puts(b, " Counts from libc's wrappers miss the calls glibc's own malloc makes "
			   "internally: the system allocator's figures are incomplete.");
	sb_puts(b, "</figcaption>\n</figure>\n<table class=\"sys\"><thead><tr><th>configuration</th>");
	for (k = 0; rh_syscalls[k]; k++)
		sb_printf(b, "<th>%s</th>", rh_syscalls[k]);
	sb_puts(b, "</tr></thead>\n<tbody>\n");
	for (c = 0; c < r->nc; c++) {
		sb_puts(b, "<tr><th>");
		swatch(b, &r->cfg[c]);
		sb_html(b, r->cfg[c].label);
		sb_puts(b, "</th>");
		for (k = 0; rh_syscalls[k]; k++) {
			double v = med[c * RH_NSYS + k];
			if (v >= 0)
				sb_printf(b, "<td>%.0f</td>", v);
			else
				sb_puts(b, "<td class=\"ns\">no data</td>");
		}
		sb_puts(b, "</tr>\n");
	}
	sb_puts(b, "</tbody></table>\n");
	free(med);
	return 0;
}

/* ---- the rest ------------------------------------------------------------------------------ */

static int timeline(struct rh *r)
{
	sb_puts(&r->page, "<h2 id=\"timeline\">Memory over time</h2>\n");
	return figure(r, rh_chart_timeline,
		      "Live heap bytes (solid) and RSS (dashed) of one process per benchmark and "
		      "configuration.",
		      "No run recorded a memory timeline.");
}

static void failures(struct rh *r)
{
	struct sb *b = &r->page;
	size_t i, c, k, n = 0;
	sb_puts(b, "<h2 id=\"failures\">Failures</h2>\n");
	for (i = 0; i < r->nb; i++)
		for (c = 0; c < r->nc; c++) {
			const json_t *j = rh_cell(r, i, c), *errs = json_object_get(j, "errors"), *e;
			if (!rh_cell_failed(j) && rh_cell_nfailed(j) <= 0)
				continue;
			sb_puts(b, n++ ? "" : "<ul class=\"fail\">\n");
			sb_puts(b, "<li><b>");
			sb_html(b, r->bench[i].name);
			sb_puts(b, "</b> on <code>");
			sb_html(b, r->cfg[c].id);
			sb_puts(b, "</code>: ");
			if (rh_cell_failed(j))
				sb_html(b, *rh_str(j, "verdict") ? rh_str(j, "verdict") : "FAILED");
			else
				sb_printf(b, "%d process%s failed, the cell kept the others",
					  rh_cell_nfailed(j), rh_cell_nfailed(j) == 1 ? "" : "es");
			json_array_foreach(errs, k, e) {
				if (k == 5) {
					sb_printf(b, "<br>and %zu more", json_array_size(errs) - 5);
					break;
				}
				sb_puts(b, "<br><code>");
				if (json_is_string(e)) {
					sb_html(b, json_string_value(e));
				} else {
					char *s = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
					sb_html(b, s ? s : "?");
					free(s);
				}
				sb_puts(b, "</code>");
			}
			sb_puts(b, "</li>\n");
		}
	sb_puts(b, n ? "</ul>\n" : "<p>None: every process of every cell succeeded.</p>\n");
}

int rh_page(struct rh *r)
{
	struct sb *b = &r->page;
	const json_t *mx = json_object_get(r->meta, "matrix");
	char note[1024];
	int too_few;
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>allocswap report");
	if (*rh_str(mx, "suite")) {
		sb_puts(b, ": ");
		sb_html(b, rh_str(mx, "suite"));
	}
	sb_printf(b, ", %zu benchmarks &times; %zu configurations</title>\n<style>\n%s</style>\n"
		     "</head>\n<body>\n<main>\n",
		  r->nb, r->nc, rh_css);
	header(r);
	configs_table(r);

	sb_puts(b, "<h2 id=\"speed\">Speed</h2>\n");
	as_report_pyperf_matrix(r->cells, note, sizeof note, &too_few);
	if (too_few && strstr(note, ". With 1 invocation"))
		rh_note(r, strstr(note, ". With 1 invocation") + 2);
	{
		struct as_out o = {NULL, b, NULL};
		as_out_clock(&o, r->cells);
	}
	speed_table(r);
	if (figure(r, rh_chart_speed,
		   "Speed of each configuration relative to its baseline, per benchmark, on a log "
		   "scale: bars right of 1x are faster. Solid bars are significant, pale ones are "
		   "not; whiskers are 95% confidence intervals.",
		   "Every configuration is a baseline: nothing to compare."))
		return 1;
	if (figure(r, rh_chart_boxes,
		   "Every process's speed relative to the median process of its configuration's "
		   "baseline (baseline median time / process time; above the dashed line is "
		   "faster), one panel per benchmark; the numbers are the configurations above. A "
		   "red x marks a failed cell.",
		   "No per-process samples in the summary: no box plots."))
		return 1;
	{
		struct as_out o = {NULL, b, "-"};
		as_reference_out(&o, r->reference);
		as_axes_out(&o, r->axes);
	}
	as_factors_html(b, r->factors); /* an allocation failure shows in b->oom */
	if (as_images_html(r, r->images))
		return 1;
	if (memory(r) || syscalls(r) || timeline(r) || rh_flame(r))
		return 1;
	failures(r);
	how_to_read(r);
	sb_puts(b, "<footer>Written by allocswap report");
#ifdef ALLOCSWAP_CLI_VERSION
	sb_puts(b, " " ALLOCSWAP_CLI_VERSION);
#endif
#ifdef ALLOCSWAP_CLI_COMMIT
	sb_puts(b, " (commit " ALLOCSWAP_CLI_COMMIT ")");
#endif
	sb_puts(b, ". One file: no scripts, no external resources.</footer>\n</main>\n</body>\n"
		   "</html>\n");
	return 0;
}
