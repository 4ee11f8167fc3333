/* bench_progress: the progress line and its ETA (see bench.h).
 *
 * On a terminal (stderr is a TTY): one line, redrawn with \r before each
 * process: "[ 37/312]  12%  ETA 6m12s  json_dumps  jemalloc pymalloc=off" (a
 * configuration by its allocator and the axes that vary in this matrix; cut
 * at the terminal's width).
 * Otherwise (a log file, CI): one line per finished round, nothing redrawn.
 * The ETA sums, over the processes still to run, the mean time of the
 * processes of the same benchmark so far (the mean of all processes for a
 * benchmark not yet seen).
 */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

const char *bench_fmt_dur(double s, char *buf, size_t cap)
{
	long t = (long)(s + 0.5);
	if (s < 0)
		snprintf(buf, cap, "?");
	else if (t < 60)
		snprintf(buf, cap, "%lds", t);
	else if (t < 3600)
		snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
	return buf;
}

void bench_progress_init(struct bench_progress *p, size_t total, int quiet)
{
	struct winsize ws;
	memset(p, 0, sizeof *p);
	p->total = total;
	p->quiet = quiet;
	p->tty = isatty(2);
	p->width = 80;
	if (p->tty && ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		p->width = ws.ws_col;
	p->t0_ns = bench_now_ns();
	p->last_round = -1000000;
}

static double eta(const struct bench_matrix *m, const struct bench_slot *slots, size_t from,
		  size_t total)
{
	double sum = 0, all = 0, mean;
	unsigned n = 0;
	size_t b, j;
	for (b = 0; b < m->nbenches; b++) {
		all += m->benches[b].sum_s;
		n += m->benches[b].n_s;
	}
	if (!n)
		return -1;
	mean = all / n;
	for (j = from; j < total; j++) {
		const struct bench_bench *bb = &m->benches[slots[j].bench];
		sum += bb->n_s ? bb->sum_s / bb->n_s : mean;
	}
	return sum;
}

void bench_progress_start(struct bench_progress *p, const struct bench_matrix *m,
			  const struct bench_slot *slots, size_t i)
{
	char line[1024], e[32];
	const struct bench_slot *s = &slots[i];
	int w = (int)(p->total ? 100 * p->done / p->total : 100), n;
	if (!p->tty || p->quiet)
		return;
	n = snprintf(line, sizeof line, "[%*zu/%zu] %3d%%  ETA %s  %s  %s%s",
		     (int)snprintf(NULL, 0, "%zu", p->total), p->done, p->total, w,
		     bench_fmt_dur(eta(m, slots, i, p->total), e, sizeof e),
		     m->benches[s->bench].name, m->cfgs[s->cfg].label,
		     s->memory ? " (memory)" : s->run < 0 ? " (warm-up)" : "");
	if (n >= p->width)
		line[p->width - 1] = 0;
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->shown = 1;
}

void bench_progress_end(struct bench_progress *p, const struct bench_matrix *m,
			const struct bench_slot *slots, size_t i, int failed)
{
	const struct bench_slot *s = &slots[i];
	char el[32], e[32];
	p->done++;
	p->failed += failed != 0;
	if (p->tty || p->quiet)
		return;
	/* not a terminal: one line when a round ends */
	if (i + 1 < p->total && slots[i + 1].run == s->run && slots[i + 1].memory == s->memory)
		return;
	if (s->memory)
		fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: memory round %ld/%lu done", s->run + 1,
			m->memory_runs);
	else if (s->run >= (long)m->runs)
		fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: adaptive round (run %ld) done", s->run + 1);
	else if (s->run < 0)
		fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: warm-up round %ld/%lu done",
			s->run + (long)m->warmup_runs + 1, m->warmup_runs);
	else
		fprintf(stderr, ALLOCSWAP_CLI_NAME " bench: round %ld/%lu done", s->run + 1, m->runs);
	fprintf(stderr, ", %zu/%zu processes (%zu failed), %s elapsed, ETA %s\n", p->done,
		p->total, p->failed,
		bench_fmt_dur((double)(bench_now_ns() - p->t0_ns) / 1e9, el, sizeof el),
		bench_fmt_dur(eta(m, slots, i + 1, p->total), e, sizeof e));
}

void bench_progress_note(struct bench_progress *p, const char *fmt, ...)
{
	va_list ap;
	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = 0;
	}
	fputs(ALLOCSWAP_CLI_NAME " bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_progress_done(struct bench_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}
