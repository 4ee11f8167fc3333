/* report_html: the self-contained HTML page of `allocswap report`.
 *
 * The page is built in memory and written atomically.  Every chart is a
 * gnuplot script with its data inline ($name << EOD blocks), drawn by one
 * gnuplot process with the svg terminal; the SVG is read back, its XML
 * prolog dropped, its ids made unique to the chart (several SVGs share one
 * document), and inlined.  Nothing on the page refers outside it: no
 * scripts, fonts, images, style sheets or links other than #anchors.
 *
 * Layout (report_html_page.c writes the text, this file draws the charts):
 *   header   what ran where (summary.meta), how to read this, configurations
 *   speed    the verdict table with its geometric-mean row, the ratio bars,
 *            box plots of the per-process samples
 *   memory   peak RSS and fragmentation at peak (dot plots and tables)
 *   syscalls median counts per configuration, or why there are none
 *   timeline live heap and RSS over time, when a run recorded a timeline
 *   failures every failed cell with its errors
 */
#include "report_html.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_file.h"
#include "cli.h"
#include "report_html_int.h"
#include "results.h"

/* Okabe-Ito and Tol colours, distinguishable with the common colour-vision
 * deficiencies; the baseline is grey in every chart. */
static const char *const rh_palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
					 "#D55E00", "#56B4E9", "#8C564B", "#332288",
					 "#117733", "#AA4499", "#44AA99", "#999933"};
#define RH_NPALETTE (sizeof rh_palette / sizeof rh_palette[0])
#define RH_BASE_COLOR "#7F7F7F"

/* gnuplot point types for the dot plots, filled shapes; the baseline is an
 * open circle drawn larger, so that a marker on top of it stays visible. */
static const int rh_points[] = {7, 5, 9, 11, 13, 15};
#define RH_NPOINTS (sizeof rh_points / sizeof rh_points[0])

const char *const rh_syscalls[] = {"mmap", "munmap", "mremap", "brk", "madvise", NULL};
static const char *const rh_sys_colors[] = {"#4477AA", "#66CCEE", "#228833", "#CCBB44",
					    "#EE6677"};

/* ---- the summary ------------------------------------------------------------ */

double rh_num(const json_t *j, const char *key)
{
	const json_t *v = j ? json_object_get(j, key) : NULL;
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *rh_str(const json_t *j, const char *key)
{
	const char *s = j ? json_string_value(json_object_get(j, key)) : NULL;
	return s ? s : "";
}

const json_t *rh_cell(const struct rh *r, size_t b, size_t c)
{
	return r->cell[b * r->nc + c];
}

int rh_cell_failed(const json_t *cell)
{
	const json_t *n;
	if (!cell)
		return 0;
	if (!strncmp(rh_str(cell, "verdict"), "FAILED", 6))
		return 1;
	n = json_object_get(cell, "n");
	return json_is_integer(n) && json_integer_value(n) == 0;
}

int rh_cell_nfailed(const json_t *cell)
{
	const json_t *f = cell ? json_object_get(cell, "failed") : NULL;
	if (json_is_integer(f))
		return (int)json_integer_value(f);
	return json_is_true(f);
}

/* Labels show only what differs between configurations: "jemalloc" when
 * every configuration runs glibc on the host, "jemalloc musl pymalloc=off"
 * when those vary too.  The summary's own "label" wins. */
static void make_labels(struct rh *r)
{
	static const char *const fields[] = {"allocator", "libc", "image", "pymalloc", "seccomp",
					     "stats"};
	enum { NFIELDS = sizeof fields / sizeof fields[0] };
	int varies[NFIELDS] = {0};
	size_t c, f;
	for (f = 0; f < NFIELDS; f++)
		for (c = 1; c < r->nc; c++)
			if (strcmp(rh_str(r->cfg[c].j, fields[f]), rh_str(r->cfg[0].j, fields[f])))
				varies[f] = 1;
	for (c = 0; c < r->nc; c++) {
		struct rh_cfg *k = &r->cfg[c];
		size_t n = 0;
		k->label[0] = 0;
		if (*rh_str(k->j, "label")) {
			snprintf(k->label, sizeof k->label, "%s", rh_str(k->j, "label"));
			continue;
		}
		for (f = 0; f < NFIELDS; f++) {
			const char *v = rh_str(k->j, fields[f]);
			if (!varies[f] || !*v || n >= sizeof k->label)
				continue;
			n += (size_t)snprintf(k->label + n, sizeof k->label - n, "%s%s%s%s",
					      n ? " " : "", f >= 3 ? fields[f] : "",
					      f >= 3 ? "=" : "", v);
		}
		if (!k->label[0])
			snprintf(k->label, sizeof k->label, "%s",
				 *rh_str(k->j, "allocator") ? rh_str(k->j, "allocator") : k->id);
	}
}

static ssize_t find_bench(const struct rh *r, const char *name)
{
	size_t i;
	for (i = 0; i < r->nb; i++)
		if (!strcmp(r->bench[i].name, name))
			return (ssize_t)i;
	return -1;
}

static ssize_t find_cfg(const struct rh *r, const char *id)
{
	size_t i;
	for (i = 0; i < r->nc; i++)
		if (!strcmp(r->cfg[i].id, id))
			return (ssize_t)i;
	return -1;
}

/* A point of a timeline: [t_ms, live_bytes, rss_bytes], numbers. */
static int point_ok(const json_t *p)
{
	return json_array_size(p) >= 3 && json_is_number(json_array_get(p, 0)) &&
	       json_is_number(json_array_get(p, 1)) && json_is_number(json_array_get(p, 2));
}

static int timeline_ok(const json_t *t)
{
	size_t i, n = 0;
	const json_t *p;
	json_array_foreach(t, i, p)
		n += (size_t)point_ok(p);
	return n >= 2;
}

/* One record of runs.jsonl: keep the first timeline of each cell, and the
 * first reason a report gives for having no syscall counts. */
static int take_run(json_t *rec, void *arg)
{
	struct rh *r = arg;
	const json_t *rep = json_object_get(rec, "report"), *sys, *t;
	ssize_t b = find_bench(r, rh_str(rec, "bench")), c = find_cfg(r, rh_str(rec, "config"));
	if (!json_is_object(rep))
		return 0;
	sys = json_object_get(rep, "syscalls");
	if (!r->sys_reason[0] && json_is_object(sys) && *rh_str(sys, "reason"))
		snprintf(r->sys_reason, sizeof r->sys_reason, "%s (source: %s)",
			 rh_str(sys, "reason"),
			 *rh_str(sys, "source") ? rh_str(sys, "source") : "none");
	t = json_object_get(rep, "timeline");
	if (b < 0 || c < 0 || !timeline_ok(t) || r->timeline[(size_t)b * r->nc + (size_t)c])
		return 0;
	r->timeline[(size_t)b * r->nc + (size_t)c] = json_incref((json_t *)t);
	return 0;
}

static int load(struct rh *r, const json_t *s)
{
	const json_t *cfgs = json_object_get(s, "configs"), *benches = json_object_get(s, "benchmarks");
	const json_t *cells = json_object_get(s, "cells"), *geo = json_object_get(s, "geomean"), *v;
	const char *base = rh_str(s, "baseline");
	size_t i, next = 0;

	r->meta = json_object_get(s, "meta");
	r->cells = cells;
	r->factors = json_object_get(s, "factors");
	r->images = json_object_get(s, "images");
	r->reference = json_object_get(s, "reference");
	r->axes = json_object_get(s, "axes");
	r->nc = json_array_size(cfgs);
	r->nb = json_array_size(benches);
	r->base = r->nc;
	r->cfg = calloc(r->nc + 1, sizeof *r->cfg);
	r->bench = calloc(r->nb + 1, sizeof *r->bench);
	r->cell = calloc(r->nb * r->nc + 1, sizeof *r->cell);
	r->timeline = calloc(r->nb * r->nc + 1, sizeof *r->timeline);
	r->geo = calloc(r->nc + 1, sizeof *r->geo);
	if (!r->cfg || !r->bench || !r->cell || !r->timeline || !r->geo)
		return ENOMEM;
	json_array_foreach(cfgs, i, v) {
		r->cfg[i].j = v;
		r->cfg[i].id = json_is_string(v) ? json_string_value(v) : rh_str(v, "id");
		if (*r->cfg[i].id && !strcmp(r->cfg[i].id, base)) {
			r->base = i;
			r->cfg[i].color = RH_BASE_COLOR;
			r->cfg[i].point = 6;
		} else {
			r->cfg[i].color = rh_palette[next % RH_NPALETTE];
			r->cfg[i].point = rh_points[next % RH_NPOINTS];
			next++;
		}
	}
	/* Each configuration's own baseline; without one, the summary's. */
	for (i = 0; i < r->nc; i++) {
		const char *own = rh_str(r->cfg[i].j, "baseline");
		ssize_t k = find_cfg(r, *own ? own : base);
		r->cfg[i].base = k >= 0 ? (size_t)k : r->nc;
		r->cfg[i].is_base = r->cfg[i].base == i;
		r->nbase += (size_t)r->cfg[i].is_base;
	}
	json_array_foreach(benches, i, v) {
		r->bench[i].name = json_is_string(v) ? json_string_value(v) : rh_str(v, "name");
		r->bench[i].group = rh_str(v, "group");
	}
	json_array_foreach(cells, i, v) {
		ssize_t b = find_bench(r, rh_str(v, "bench")), c = find_cfg(r, rh_str(v, "config"));
		if (b >= 0 && c >= 0)
			r->cell[(size_t)b * r->nc + (size_t)c] = v;
	}
	json_array_foreach(geo, i, v) {
		ssize_t c = find_cfg(r, rh_str(v, "config"));
		if (c >= 0)
			r->geo[c] = v;
	}
	make_labels(r);
	/* Timelines embedded in the summary's cells win over the raw runs. */
	for (i = 0; i < r->nb * r->nc; i++) {
		const json_t *t = r->cell[i] ? json_object_get(r->cell[i], "timeline") : NULL;
		if (timeline_ok(t))
			r->timeline[i] = json_incref((json_t *)t);
	}
	if (r->dir && *r->dir) {
		int rc = as_runs_read(r->dir, take_run, r);
		if (rc && rc != ENOENT)
			as_err("report: reading %s/runs.jsonl: %s (the HTML report goes on without "
			       "timelines)",
			       r->dir, strerror(rc));
	}
	return 0;
}

static void unload(struct rh *r)
{
	size_t i;
	for (i = 0; r->timeline && i < r->nb * r->nc; i++)
		json_decref(r->timeline[i]);
	free(r->timeline);
	free(r->cfg);
	free(r->bench);
	free(r->cell);
	free(r->geo);
	free(r->page.p);
	if (r->tmp) {
		as_rmtree(r->tmp);
		free(r->tmp);
	}
}

/* ---- gnuplot ------------------------------------------------------------------- */

static int in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[4096];
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		snprintf(buf, sizeof buf, "%.*s/%s", (int)(e - p), *p && e > p ? p : ".", prog);
		if (access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The last non-empty line of gnuplot's stderr: its error message. */
static void last_line(const char *path, char *out, size_t cap)
{
	char *text = as_read_all(path, NULL), *line = NULL, *p;
	out[0] = 0;
	if (!text)
		return;
	for (p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
		if (strspn(p, " \t^") != strlen(p))
			line = p;
	if (line)
		snprintf(out, cap, "%s", line);
	free(text);
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	int rc = 0;
	if (!f)
		return errno;
	if (fwrite(text, 1, len, f) != len)
		rc = errno ? errno : EIO;
	if (fclose(f) && !rc)
		rc = errno ? errno : EIO;
	return rc;
}

/* Copies the SVG from its <svg> tag on, with every id and reference to an
 * id prefixed "cN-": gnuplot names its markers gpPt0..., the same in every
 * chart, and ids must be unique in the page. */
static void inline_svg(struct rh *r, const char *svg, const char *name)
{
	static const char *const refs[] = {" id='", " id=\"", "href='#", "href=\"#", "url(#"};
	const char *p = strstr(svg, "<svg"), *q;
	char prefix[16];
	size_t i;
	if (!p)
		return;
	snprintf(prefix, sizeof prefix, "c%d-", r->nchart);
	sb_printf(&r->page, "<svg class=\"chart\" role=\"img\" aria-label=\"");
	sb_html(&r->page, name);
	sb_puts(&r->page, "\"");
	p += 4;
	q = strchr(p, '>');
	if (!q)
		return;
	sb_putn(&r->page, p, (size_t)(q - p + 1));
	sb_puts(&r->page, "\n<title>");
	sb_html(&r->page, name);
	sb_puts(&r->page, "</title>");
	for (p = q + 1; *p;) {
		if (!strncmp(p, "<title>Gnuplot</title>", 22)) {
			p += 22;
			continue;
		}
		for (i = 0; i < sizeof refs / sizeof refs[0]; i++) {
			size_t n = strlen(refs[i]);
			if (!strncmp(p, refs[i], n)) {
				sb_putn(&r->page, p, n);
				sb_puts(&r->page, prefix);
				p += n;
				break;
			}
		}
		if (i == sizeof refs / sizeof refs[0])
			sb_putn(&r->page, p++, 1);
	}
	sb_puts(&r->page, "\n");
}

int rh_plot(struct rh *r, const char *name, const struct sb *script, int width, int height)
{
	char gp[4200], svg[4200], err[4200], msg[512];
	struct sb full = {0};
	char *out = NULL;
	pid_t pid;
	int status, rc = 1;

	r->nchart++;
	snprintf(gp, sizeof gp, "%s/chart%d.gp", r->tmp, r->nchart);
	snprintf(svg, sizeof svg, "%s/chart%d.svg", r->tmp, r->nchart);
	snprintf(err, sizeof err, "%s/chart%d.err", r->tmp, r->nchart);
	sb_printf(&full,
		  "set terminal svg size %d,%d dynamic noenhanced font 'sans,10' "
		  "background '#ffffff'\n"
		  "set encoding utf8\nset output ",
		  width, height);
	sb_gp(&full, svg);
	sb_puts(&full, "\n");
	sb_putn(&full, script->p ? script->p : "", script->n);
	sb_puts(&full, "\nunset output\n");
	if (full.oom || script->oom) {
		as_err("report: out of memory drawing the %s chart", name);
		goto out;
	}
	if ((errno = write_file(gp, full.p, full.n))) {
		as_err("report: cannot write %s: %s", gp, strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		as_err("report: cannot start gnuplot: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDWR), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in >= 0) {
			dup2(in, 0);
			dup2(in, 1);
		}
		if (e >= 0)
			dup2(e, 2);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			as_err("report: waiting for gnuplot: %s", strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char st[64];
		last_line(err, msg, sizeof msg);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			as_err("report: cannot run gnuplot; install it with 'apt-get install "
			       "gnuplot-nox'");
		else
			as_err("report: gnuplot %s drawing the %s chart: %s", as_status_str(status, st, sizeof st),
			       name, msg[0] ? msg : "no message");
		goto out;
	}
	out = as_read_all(svg, NULL);
	if (!out || !strstr(out, "<svg")) {
		as_err("report: gnuplot wrote no SVG for the %s chart", name);
		goto out;
	}
	inline_svg(r, out, name);
	rc = 0;
out:
	free(out);
	free(full.p);
	return rc;
}

/* ---- charts -------------------------------------------------------------------------- */

/* Light lines between rows; a darker one under the first row when it is a
 * summary row. */
static void row_rules(struct sb *s, size_t rows, int summary_row)
{
	size_t i;
	for (i = 0; i + 1 < rows; i++)
		sb_printf(s,
			  "set arrow from graph 0, first %.1f to graph 1, first %.1f nohead back "
			  "lc rgb '%s' lw %s\n",
			  (double)i + 0.5, (double)i + 0.5,
			  summary_row && i == 0 ? "#888888" : "#e4e4e4", summary_row && i == 0 ? "1.2" : "1");
}

/* A chart label: at most 36 bytes (the tables have the whole name), cut on
 * a UTF-8 character boundary. */
static void gp_label(struct sb *s, const char *name)
{
	char buf[48];
	size_t n = strlen(name);
	if (n <= 36) {
		sb_gp(s, name);
		return;
	}
	n = 33;
	while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
		n--;
	snprintf(buf, sizeof buf, "%.*s...", (int)n, name);
	sb_gp(s, buf);
}

/* The benchmark names as y tics (row i at y = i, after `first` at 0), and
 * a left margin that fits the longest. */
static void ytics(struct sb *s, const struct rh *r, const char *first)
{
	size_t i, k = 0, longest = first ? strlen(first) : 0;
	sb_puts(s, "set ytics nomirror scale 0 (");
	if (first) {
		sb_gp(s, first);
		sb_printf(s, " %zu", k++);
	}
	for (i = 0; i < r->nb; i++) {
		size_t n = strlen(r->bench[i].name);
		longest = n > longest ? n : longest;
		sb_puts(s, k ? ", \\\n  " : "");
		gp_label(s, r->bench[i].name);
		sb_printf(s, " %zu", k++);
	}
	sb_printf(s, ")\nset lmargin %d\n", (int)((longest > 36 ? 36 : longest) * 0.75) + 4);
}

void rh_speed_axes(struct sb *b, double lo, double hi, size_t rows)
{
	static const double tics[] = {0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25,
				      1.5, 2, 3, 4, 5, 10}; /* tics[8] is 1 */
	double last, sep;
	size_t i;
	int axis;
	sb_printf(b, "set logscale x\nset xrange [%.6g:%.6g]\nset yrange [%.1f:-0.5]\n", lo, hi,
		  (double)rows - 0.5);
	/* tics from 1 outwards, at least a tenth of the axis apart */
	sep = (log(hi) - log(lo)) / 10;
	for (axis = 0; axis < 2; axis++) {
		sb_puts(b, axis ? "set x2tics out ('1x' 1" : "set xtics nomirror out ('1x' 1");
		for (last = 1, i = 9; i < sizeof tics / sizeof tics[0]; i++)
			if (tics[i] <= hi && log(tics[i]) - log(last) >= sep) {
				sb_printf(b, ", '%gx' %g", tics[i], tics[i]);
				last = tics[i];
			}
		for (last = 1, i = 8; i-- > 0;)
			if (tics[i] >= lo && log(last) - log(tics[i]) >= sep) {
				sb_printf(b, ", '%gx' %g", tics[i], tics[i]);
				last = tics[i];
			}
		sb_puts(b, ")\n");
	}
	sb_printf(b, "set logscale x2\nset x2range [%.6g:%.6g]\n", lo, hi);
}

static int ci_of(const json_t *j, const char *key, double *lo, double *hi)
{
	const json_t *ci = j ? json_object_get(j, key) : NULL;
	if (json_array_size(ci) != 2 || !json_is_number(json_array_get(ci, 0)) ||
	    !json_is_number(json_array_get(ci, 1)))
		return 0;
	*lo = json_number_value(json_array_get(ci, 0));
	*hi = json_number_value(json_array_get(ci, 1));
	return *lo > 0 && *hi > 0;
}

/* Speed ratio per benchmark and configuration: bars from 1 (the baseline)
 * to the ratio on a log axis, so 2x faster and 2x slower are as long;
 * solid when significant, pale when not; a thin whisker for the ratio's
 * 95% CI when the summary has it; the geometric mean on top.  Baselines
 * have no bar. */
int rh_chart_speed(struct rh *r)
{
	struct sb s = {0};
	size_t m = 0, c, b, k, rows = r->nb + 1;
	double lo = 0.9, hi = 1.1, cilo = 1, cihi = 1, slot, half;
	int rc, rowpx;

	for (c = 0; c < r->nc; c++)
		m += !r->cfg[c].is_base;
	if (!m)
		return -1;
	slot = 0.84 / (double)m;
	half = slot * 0.42;
	/* $cN: y ratio significant label ci_lo ci_hi */
	for (c = 0, k = 0; c < r->nc; c++) {
		if (r->cfg[c].is_base)
			continue;
		sb_printf(&s, "$c%zu << EOD\n", c);
		for (b = 0; b <= r->nb; b++) {
			const json_t *j = b ? rh_cell(r, b - 1, c) : r->geo[c];
			double ratio = rh_num(j, "ratio"), l = NAN, h = NAN;
			double y = (double)b + ((double)k - (double)(m - 1) / 2) * slot;
			if (!j || (b && rh_cell_failed(j)) || !(ratio > 0))
				continue;
			lo = fmin(lo, ratio);
			hi = fmax(hi, ratio);
			if (ci_of(j, b ? "ratio_ci95" : "ci95", &l, &h)) {
				cilo = fmin(cilo, l);
				cihi = fmax(cihi, h);
			}
			sb_printf(&s, "%.4f %.6g %d %.2f %.6g %.6g\n", y, ratio,
				  json_is_true(json_object_get(j, "significant")), ratio, l, h);
		}
		sb_puts(&s, "EOD\n");
		k++;
	}
	sb_puts(&s, "$failed << EOD\n");
	for (c = 0, k = 0; c < r->nc; c++) {
		if (r->cfg[c].is_base)
			continue;
		for (b = 0; b < r->nb; b++)
			if (rh_cell_failed(rh_cell(r, b, c)))
				sb_printf(&s, "%.4f\n",
					  (double)b + 1 + ((double)k - (double)(m - 1) / 2) * slot);
		k++;
	}
	sb_puts(&s, "EOD\n");
	/* the bars set the range; whiskers widen it at most 2x (beyond,
	 * they are cut at the border) */
	lo = fmin(lo, fmax(cilo, lo / 2)) / 1.06;
	hi = fmax(hi, fmin(cihi, hi * 2)) * 1.18; /* room for the value labels */
	rh_speed_axes(&s, lo, hi, rows);
	ytics(&s, r, "geometric mean");
	row_rules(&s, rows, 1);
	sb_puts(&s, "set grid xtics back lc rgb '#dddddd'\n"
		    "set arrow from 1, graph 0 to 1, graph 1 nohead front lc rgb '#222222' lw 1.5\n"
		    "set key above horizontal samplen 2 spacing 1.1 maxrows 2\n"
		    "set border 3 lc rgb '#666666'\nset rmargin 4\nset xlabel ");
	{
		char buf[600];
		if (r->nbase == 1 && r->base < r->nc)
			snprintf(buf, sizeof buf, "speed relative to %s (its time / time)",
				 r->cfg[r->base].label);
		else
			snprintf(buf, sizeof buf,
				 "speed relative to each configuration's baseline (its time / time)");
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			 ": right of 1x is faster. Solid: significant; pale: not significant");
		sb_gp(&s, buf);
	}
	sb_printf(&s, "\nH = %.4f\nplot \\\n", half);
	for (c = 0; c < r->nc; c++) {
		if (r->cfg[c].is_base)
			continue;
		sb_printf(&s,
			  "  $c%zu u ($3 > 0 ? $2 : NaN):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):"
			  "($1-H):($1+H) w boxxyerror fs solid 0.9 noborder lc rgb '%s' t ",
			  c, r->cfg[c].color);
		gp_label(&s, r->cfg[c].label);
		sb_printf(&s,
			  ", \\\n  $c%zu u ($3 > 0 ? NaN : $2):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):"
			  "($1-H):($1+H) w boxxyerror fs transparent solid 0.22 border "
			  "lc rgb '%s' notitle, \\\n"
			  "  $c%zu u 2:1:5:6 w xerrorbars pt -1 lw 0.8 lc rgb '#444444' notitle, \\\n"
			  "  $c%zu u (($2 >= 1 ? ($6 > $2 ? $6 : $2) : NaN)):1:4 w labels left "
			  "offset 0.4,0 font ',8' tc rgb '#333333' notitle, \\\n"
			  "  $c%zu u (($2 < 1 ? ($5 < $2 ? $5 : $2) : NaN)):1:4 w labels right "
			  "offset -0.4,0 font ',8' tc rgb '#333333' notitle, \\\n",
			  c, r->cfg[c].color, c, c, c);
	}
	sb_puts(&s, "  $failed u (1):1:('failed') w labels font ',8' tc rgb '#c62828' notitle\n");
	rowpx = (int)m * 11 + 10;
	if (rowpx < 24)
		rowpx = 24;
	rc = rh_plot(r, "speed ratio per benchmark", &s, 1000, 130 + (int)rows * rowpx);
	free(s.p);
	return rc;
}

static double median_of(double *v, size_t n)
{
	size_t i, j;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!n)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Box plots of every process's time, one small panel per benchmark, as
 * speed relative to the baseline's median process (above 1 is faster). */
int rh_chart_boxes(struct rh *r)
{
	struct sb s = {0};
	size_t b, c, i, cols, rows, nsamples = 0, *cell_has;
	double *tmp = NULL;
	int rc;

	if (!r->nb || !r->nc)
		return -1;
	cols = r->nb < 4 ? r->nb : 4;
	rows = (r->nb + cols - 1) / cols;
	tmp = malloc((r->nc + 1) * sizeof *tmp);
	cell_has = malloc((r->nc + 1) * sizeof *cell_has);
	if (!tmp || !cell_has) {
		free(tmp);
		free(cell_has);
		as_err("report: out of memory");
		return 1;
	}
	sb_printf(&s,
		  "set multiplot layout %zu,%zu\n"
		  "set style fill solid 0.35 border\nset style boxplot nooutliers\n"
		  "set border 3 lc rgb '#666666'\n"
		  "set lmargin 6\nset rmargin 1\nset tmargin 1.8\nset bmargin 1.6\n"
		  "set ytics nomirror font ',8'\nset grid ytics lc rgb '#eeeeee'\n",
		  rows, cols);
	sb_puts(&s, "set xtics nomirror scale 0 font ',8' (");
	for (c = 0; c < r->nc; c++)
		sb_printf(&s, "%s'%zu' %zu", c ? ", " : "", c + 1, c);
	sb_printf(&s, ")\nset xrange [-0.7:%.1f]\n", (double)r->nc - 0.3);
	for (b = 0; b < r->nb; b++) {
		double fallback = NAN, lo = 1, hi = 1;
		size_t n = 0;
		int any = 0;
		const char *note = "";
		for (c = 0; c < r->nc; c++) {
			double m = rh_num(rh_cell(r, b, c), "median");
			if (m > 0 && !rh_cell_failed(rh_cell(r, b, c)))
				tmp[n++] = m;
		}
		fallback = median_of(tmp, n);
		memset(cell_has, 0, r->nc * sizeof *cell_has);
		sb_printf(&s, "$b%zu << EOD\n", b);
		for (c = 0; c < r->nc; c++) {
			const json_t *sm = json_object_get(rh_cell(r, b, c), "samples"), *v;
			size_t bc = r->cfg[c].base;
			double norm = NAN;
			if (bc < r->nc && !rh_cell_failed(rh_cell(r, b, bc)))
				norm = rh_num(rh_cell(r, b, bc), "median");
			if (!(norm > 0) && json_array_size(sm)) {
				norm = fallback; /* no baseline: the median of the medians */
				note = " (no baseline)";
			}
			json_array_foreach(sm, i, v) {
				double x = json_is_number(v) ? json_number_value(v) : NAN;
				if (!(x > 0) || !(norm > 0))
					continue;
				x = norm / x;
				lo = fmin(lo, x);
				hi = fmax(hi, x);
				sb_printf(&s, "%zu %.6g %.3f\n", c, x,
					  (double)c + ((double)(i % 5) - 2) * 0.07);
				cell_has[c]++;
				nsamples++;
			}
		}
		sb_puts(&s, "EOD\nunset label\nunset arrow\nset title ");
		{
			char t[300];
			snprintf(t, sizeof t, "%s%s", r->bench[b].name, note);
			gp_label(&s, t);
		}
		sb_printf(&s, " font ',9' offset 0,-0.7\nset yrange [%.6g:%.6g]\n",
			  lo - (hi - lo) * 0.08 - 0.01, hi + (hi - lo) * 0.08 + 0.01);
		sb_puts(&s, "set arrow from graph 0, first 1 to graph 1, first 1 nohead back dt 2 "
			    "lc rgb '#555555'\n");
		for (c = 0; c < r->nc; c++)
			if (rh_cell_failed(rh_cell(r, b, c)) || !rh_cell(r, b, c))
				sb_printf(&s,
					  "set label 'x' at %zu, first 1 center front tc rgb '#c62828' "
					  "font ',11'\n",
					  c);
		sb_puts(&s, "plot ");
		for (c = 0; c < r->nc; c++) {
			if (!cell_has[c])
				continue;
			sb_printf(&s,
				  "%s$b%zu u (%zu):($1 == %zu ? $2 : NaN):(0.62) w boxplot lc rgb '%s' "
				  "notitle, \\\n  $b%zu u ($1 == %zu ? $3 : NaN):2 w p pt 7 ps 0.5 "
				  "lc rgb '%s' notitle",
				  any ? ", \\\n  " : "", b, c, c, r->cfg[c].color, b, c, r->cfg[c].color);
			any = 1;
		}
		if (!any)
			sb_puts(&s, "NaN notitle");
		sb_puts(&s, "\n");
	}
	sb_puts(&s, "unset multiplot\n");
	free(tmp);
	free(cell_has);
	if (!nsamples) {
		free(s.p);
		return -1;
	}
	rc = rh_plot(r, "per-process samples per benchmark", &s, 1000, (int)rows * 165 + 10);
	free(s.p);
	return rc;
}

/* A Cleveland dot plot: one row per benchmark, one marker per
 * configuration (the baseline an open grey ring).  v[b * nc + c], NaN
 * when missing. */
int rh_chart_dots(struct rh *r, const char *name, const double *v, const char *xlabel, int allow_log)
{
	struct sb s = {0};
	size_t b, c;
	double lo = INFINITY, hi = 0;
	int logx, rc, any = 0;

	for (b = 0; b < r->nb * r->nc; b++)
		if (v[b] > 0) {
			lo = fmin(lo, v[b]);
			hi = fmax(hi, v[b]);
		}
	if (!(hi > 0))
		return -1;
	logx = allow_log && hi / lo > 20;
	for (c = 0; c < r->nc; c++) {
		sb_printf(&s, "$d%zu << EOD\n", c);
		for (b = 0; b < r->nb; b++)
			if (v[b * r->nc + c] > 0)
				sb_printf(&s, "%zu %.6g\n", b, v[b * r->nc + c]);
		sb_puts(&s, "EOD\n");
	}
	if (logx)
		sb_printf(&s, "set logscale x\nset logscale x2\nset xrange [%.6g:%.6g]\n"
			      "set x2range [%.6g:%.6g]\n",
			  lo / 1.3, hi * 1.3, lo / 1.3, hi * 1.3);
	else
		sb_printf(&s, "set xrange [0:%.6g]\nset x2range [0:%.6g]\n", hi * 1.06, hi * 1.06);
	sb_printf(&s, "set yrange [%.1f:-0.6]\n", (double)r->nb - 0.4);
	ytics(&s, r, NULL);
	sb_puts(&s, "set grid xtics ytics back lc rgb '#e4e4e4'\nset xtics nomirror out\n"
		    "set x2tics out\nset border 3 lc rgb '#666666'\nset rmargin 4\n"
		    "set key above horizontal samplen 1 spacing 1.1 maxrows 2\n");
	sb_puts(&s, "set xlabel ");
	sb_gp(&s, xlabel);
	sb_puts(&s, "\nplot \\\n");
	/* the baseline first, so that the others are drawn over its ring */
	for (c = 0; c <= r->nc; c++) {
		size_t k = c == 0 ? r->base : c - 1;
		if (k >= r->nc || (c > 0 && k == r->base))
			continue;
		sb_printf(&s, "%s  $d%zu u 2:1 w p pt %d ps %s lc rgb '%s' t ", any ? ", \\\n" : "",
			  k, r->cfg[k].point, k == r->base ? "1.5" : "1.0", r->cfg[k].color);
		gp_label(&s, r->cfg[k].label);
		any = 1;
	}
	sb_puts(&s, "\n");
	rc = rh_plot(r, name, &s, 1000, 110 + (int)r->nb * 20);
	free(s.p);
	return rc;
}

/* Median count of each syscall over the benchmarks, one group of bars per
 * configuration.  Returns -1 when no cell has counts. */
int rh_chart_syscalls(struct rh *r, double *med)
{
	struct sb s = {0};
	size_t c, b, k, nk = 0, longest = 0;
	double *tmp, hi = 0, slot, half;
	int rc, any = 0;

	tmp = malloc((r->nb + 1) * sizeof *tmp);
	if (!tmp)
		return 1;
	for (k = 0; rh_syscalls[k]; k++)
		nk++;
	for (c = 0; c < r->nc; c++)
		for (k = 0; k < nk; k++) {
			size_t n = 0;
			for (b = 0; b < r->nb; b++) {
				const json_t *sys = json_object_get(rh_cell(r, b, c), "syscalls");
				double x = rh_num(sys, rh_syscalls[k]);
				if (x >= 0)
					tmp[n++] = x;
			}
			med[c * RH_NSYS + k] = median_of(tmp, n);
			if (n)
				any = 1;
			if (med[c * RH_NSYS + k] > hi)
				hi = med[c * RH_NSYS + k];
		}
	free(tmp);
	if (!any)
		return -1;
	slot = 0.84 / (double)nk;
	half = slot * 0.42;
	for (k = 0; k < nk; k++) {
		sb_printf(&s, "$s%zu << EOD\n", k);
		for (c = 0; c < r->nc; c++)
			if (med[c * RH_NSYS + k] >= 0)
				sb_printf(&s, "%.4f %.6g\n",
					  (double)c + ((double)k - (double)(nk - 1) / 2) * slot,
					  med[c * RH_NSYS + k]);
		sb_puts(&s, "EOD\n");
	}
	sb_printf(&s, "set xrange [0:%.6g]\nset yrange [%.1f:-0.5]\n", hi > 0 ? hi * 1.15 : 1,
		  (double)r->nc - 0.5);
	sb_puts(&s, "set ytics nomirror scale 0 (");
	for (c = 0; c < r->nc; c++) {
		size_t n = strlen(r->cfg[c].label);
		longest = n > longest ? n : longest;
		sb_puts(&s, c ? ", " : "");
		gp_label(&s, r->cfg[c].label);
		sb_printf(&s, " %zu", c);
	}
	sb_printf(&s, ")\nset lmargin %d\n", (int)((longest > 36 ? 36 : longest) * 0.75) + 4);
	row_rules(&s, r->nc, 0);
	sb_printf(&s,
		  "set grid xtics back lc rgb '#e4e4e4'\nset xtics nomirror out\nset border 3 lc rgb "
		  "'#666666'\nset rmargin 4\nset key above horizontal samplen 2\n"
		  "set xlabel 'median calls per benchmark process'\nH = %.4f\nplot \\\n",
		  half);
	for (k = 0; k < nk; k++)
		sb_printf(&s,
			  "%s  $s%zu u 2:1:(0):2:($1-H):($1+H) w boxxyerror fs solid 0.85 noborder "
			  "lc rgb '%s' t '%s', \\\n  $s%zu u 2:1:(sprintf('%%.0f', $2)) w labels left "
			  "offset 0.4,0 font ',8' tc rgb '#333333' notitle",
			  k ? ", \\\n" : "", k, rh_sys_colors[k], rh_syscalls[k], k);
	sb_puts(&s, "\n");
	rc = rh_plot(r, "allocator syscalls per configuration", &s, 1000,
		     110 + (int)r->nc * ((int)nk * 10 + 12));
	free(s.p);
	return rc;
}

/* Live heap (solid) and RSS (dashed) over time, one panel per benchmark
 * with a timeline.  Returns -1 when there is none. */
int rh_chart_timeline(struct rh *r)
{
	struct sb s = {0};
	size_t b, c, i, n = 0, cols, rows;
	int rc;

	for (b = 0; b < r->nb; b++)
		for (c = 0; c < r->nc; c++)
			if (r->timeline[b * r->nc + c]) {
				n++;
				break;
			}
	if (!n)
		return -1;
	cols = n < 2 ? 1 : 2;
	rows = (n + cols - 1) / cols;
	sb_printf(&s,
		  "set multiplot layout %zu,%zu\nset border 3 lc rgb '#666666'\n"
		  "set grid xtics ytics lc rgb '#eeeeee'\nset xtics nomirror font ',9'\n"
		  "set ytics nomirror font ',9'\nset key below horizontal font ',9' samplen 2\n"
		  "set xlabel 'seconds' font ',9'\nset ylabel 'MiB' font ',9' "
		  "offset 1,0\nset lmargin 8\nset rmargin 3\nset tmargin 2\n"
		  "set yrange [0:*]\n",
		  rows, cols);
	for (b = 0; b < r->nb; b++) {
		double tmax = 0;
		int any = 0;
		for (c = 0; c < r->nc; c++) {
			const json_t *t = r->timeline[b * r->nc + c], *p;
			if (!t)
				continue;
			sb_printf(&s, "$t%zu_%zu << EOD\n", b, c);
			json_array_foreach(t, i, p) {
				double tm = json_number_value(json_array_get(p, 0)),
				       live = json_number_value(json_array_get(p, 1)),
				       rss = json_number_value(json_array_get(p, 2));
				if (!point_ok(p))
					continue;
				tmax = fmax(tmax, tm / 1000);
				sb_printf(&s, "%.6g %.6g %.6g\n", tm / 1000, live / 1048576.0,
					  rss / 1048576.0);
			}
			sb_puts(&s, "EOD\n");
			any = 1;
		}
		if (!any)
			continue;
		sb_printf(&s, "set xrange [0:%.6g]\nset title ", tmax > 0 ? tmax : 1);
		gp_label(&s, r->bench[b].name);
		sb_puts(&s, " font ',10' offset 0,-0.5\nplot ");
		any = 0;
		for (c = 0; c < r->nc; c++) {
			if (!r->timeline[b * r->nc + c])
				continue;
			sb_printf(&s, "%s$t%zu_%zu u 1:2 w l lw 1.6 lc rgb '%s' t ", any ? ", \\\n  " : "",
				  b, c, r->cfg[c].color);
			gp_label(&s, r->cfg[c].label);
			sb_printf(&s, ", \\\n  $t%zu_%zu u 1:3 w l lw 1.2 dt 2 lc rgb '%s' notitle", b, c,
				  r->cfg[c].color);
			any = 1;
		}
		sb_puts(&s, "\n");
	}
	sb_puts(&s, "unset multiplot\n");
	rc = rh_plot(r, "memory over time", &s, 1000, (int)rows * (cols == 1 ? 340 : 300) + 10);
	free(s.p);
	return rc;
}

/* ---- entry point ---------------------------------------------------------------------- */

static int write_out(const char *path, const struct sb *page)
{
	int rc = as_file_write(path, page->p, page->n); /* whole or not at all */
	if (rc) {
		as_err("report: cannot write %s: %s", path, strerror(rc));
		return 1;
	}
	return 0;
}


int as_report_html(const char *dir, const json_t *summary, const char *out_path)
{
	struct rh r = {0};
	int rc = 1;

	if (!in_path("gnuplot")) {
		as_err("report: gnuplot not found; the HTML report draws its charts with it: "
		       "install it with 'apt-get install gnuplot-nox'");
		return 1;
	}
	if (!json_is_object(summary)) {
		as_err("report: the summary is not a JSON object");
		return 1;
	}
	r.dir = dir;
	if (load(&r, summary)) {
		as_err("report: out of memory");
		goto out;
	}
	r.tmp = as_tmpdir("allocswap-html");
	if (!r.tmp) {
		as_err("report: cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	if (rh_page(&r))
		goto out;
	if (r.page.oom) {
		as_err("report: out of memory writing the HTML page");
		goto out;
	}
	rc = write_out(out_path, &r.page);
out:
	unload(&r);
	return rc;
}
