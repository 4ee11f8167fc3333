/* cmd_sites: `allocswap sites FILE`: the sampled allocation sites of a run,
 * named after it (as_sym.h): the top sites by bytes and by live bytes, leaf
 * first, or (--folded) every stack as folded text for flame graph tools.
 *
 * FILE is a libswap report (ALLOCSWAP_REPORT, `allocswap run --report`),
 * `allocswap run --json`'s summary, or a folded file (ALLOCSWAP_SITES);
 * "-" reads standard input.  Nothing runs the measured program again.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_file.h"
#include "as_sites.h"
#include "cli.h"
#include "summary.h"

/* The options: X(ID, SHORT, LONG, ARG, FLAGS, HELP) (cli.h's columns). */
#define SITES_OPTIONS(X)                                                                     \
	X(OPT_TOP, 'n', "--top", " N", 0,                                                      \
	  "how many sites each list shows (default 10; 0: all of them)")                     \
	X(OPT_FOLDED, 0, "--folded", "", 0,                                                    \
	  "write every stack as folded text instead, root first, one line each: "            \
	  "\"main (prog.c:40);parse (parse.c:12) BYTES\", the stacks that read the same "    \
	  "merged (flamegraph.pl, speedscope and inferno read it)")                          \
	X(OPT_OUTPUT, 'o', "--output", " FILE", 0,                                              \
	  "write to FILE instead of standard output: a regular file through a temporary "    \
	  "name, renamed when complete; a device, FIFO, link or /dev/fd/N written in place") \
	X(OPT_ROOT, 0, "--root", " DIR", 0,                                                     \
	  "read the modules under DIR, the root filesystem the program ran in (a run with "  \
	  "--image DIR), instead of this machine's /")

enum sites_opt { SITES_OPTIONS(AS_OPT_ENUM) SITES_NOPTS };
static const struct as_opt sites_opts[] = {SITES_OPTIONS(AS_OPT_ROW)};

const struct as_usage as_usage_sites = {
	"usage: allocswap sites [OPTIONS] FILE\n"
	"\n"
	"Names the sampled allocation sites of a run (ALLOCSWAP_STATS=full, or\n"
	"allocswap run --stats full) after it has ended: for each frame, the\n"
	"function, its file:line, and the functions inlined there, from the\n"
	"module's symbol table and DWARF, or its separate debug file (found by\n"
	"build-id or .gnu_debuglink under /usr/lib/debug: Debian's -dbg and\n"
	"-dbgsym packages).  libswap itself writes only what the dynamic linker\n"
	"knows (exported symbols, module+offset), so a program's static functions\n"
	"read '?\?' in the report until this names them.\n"
	"\n"
	"FILE is a libswap report (ALLOCSWAP_REPORT=FILE, allocswap run --report\n"
	"FILE), the summary of allocswap run --json, or a folded-stacks file\n"
	"(ALLOCSWAP_SITES=FILE); '-' reads standard input.  A report has the top\n"
	"sites by bytes allocated and by bytes still live at exit; a folded file\n"
	"has every sampled stack but no live bytes.  Bytes are estimates from\n"
	"byte-sampling: one sample per ALLOCSWAP_SAMPLE_BYTES on average.\n"
	"\n"
	"options:\n",
	sites_opts, SITES_NOPTS,
	"\n"
	"Frames are printed leaf first, \"function (file:line)\"; an inlined\n"
	"function is a frame of its own, marked [inlined].  A frame nothing names\n"
	"stays as it came (module+offset), and the list of modules at the end says\n"
	"why, per module: no symbols (stripped), names but no line (no debug info),\n"
	"or a module that cannot be read here.  Frames of other kinds (Python's\n"
	"\"qualname (file.py:12)\") are left as they are.\n"
	"\n"
	"Exit status: 0; 1 when FILE cannot be read or the output not written; 2\n"
	"for bad usage or a FILE that is neither a report nor folded stacks.\n",
	0,
};

static int list(FILE *f, struct as_sites *v, int by_live, unsigned long top)
{
	size_t i, k, shown = 0;
	char b1[32], b2[32], text[4096];
	as_sites_sort(v, by_live);
	for (i = 0; i < v->n && (!top || shown < top); i++) {
		const struct as_site *s = &v->v[i];
		if (by_live && !(s->live_bytes > 0))
			break;
		shown++;
		fprintf(f, "  #%zu  %s", shown, as_fmt_bytes(by_live ? s->live_bytes : s->bytes, b1,
							 sizeof b1));
		if (by_live)
			fprintf(f, " live of %s allocated", as_fmt_bytes(s->bytes, b2, sizeof b2));
		else if (s->live_bytes >= 0)
			fprintf(f, " (%s still live)", as_fmt_bytes(s->live_bytes, b2, sizeof b2));
		if (s->count >= 0)
			fprintf(f, ", about %.0f block%s", s->count, s->count == 1 ? "" : "s");
		if (s->samples >= 0)
			fprintf(f, ", %.0f sample%s", s->samples, s->samples == 1 ? "" : "s");
		fputc('\n', f);
		for (k = 0; k < s->n; k++)
			fprintf(f, "      %s%s\n", as_sym_text(&s->f[k], AS_SYM_LONG, text, sizeof text),
				s->f[k].inlined ? " [inlined]" : "");
		if (!s->n)
			fprintf(f, "      [no frames]\n");
	}
	if (!shown)
		fprintf(f, "  none\n");
	return 0;
}

/* The text of FILE ("-": standard input), NUL-terminated; NULL (errno). */
static char *slurp(const char *path)
{
	size_t n = 0, cap = 65536, got;
	char *b;
	if (strcmp(path, "-"))
		return as_read_all(path, NULL);
	b = malloc(cap);
	while (b && (got = fread(b + n, 1, cap - n - 1, stdin)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *p = realloc(b, cap *= 2);
			if (!p) {
				free(b);
				b = NULL;
			}
			b = p;
		}
	}
	if (b)
		b[n] = 0;
	return b;
}

int as_cmd_sites(int argc, char **argv)
{
	struct as_optval v[SITES_NOPTS] = {{0}};
	struct as_sites by = {0}, live = {0};
	struct as_sym *sym = NULL;
	const json_t *rep = NULL;
	json_t *j = NULL;
	unsigned long top = 10;
	const char *path, *out = NULL;
	char *text = NULL;
	struct as_file af;
	FILE *f = stdout;
	int rc, first, folded_in;
	size_t bad = 0;
	struct as_sym_module m;

	rc = as_opts_parse("sites", &as_usage_sites, argc, argv, v, &first);
	if (rc)
		return rc == 1 ? as_help("sites") : rc;
	if (v[OPT_TOP].val && as_parse_uint("sites", "--top", v[OPT_TOP].val, &top))
		return 2;
	if (first == argc)
		return as_usage_err("sites", "which file? a libswap report or a folded-stacks file "
					     "(allocswap sites FILE)");
	if (argc - first > 1)
		return as_usage_err("sites", "one file only ('%s' and '%s')", argv[first],
				    argv[first + 1]);
	path = argv[first];
	out = v[OPT_OUTPUT].val;
	if (out && !*out)
		return as_usage_err("sites", "--output needs a file name");
	if (v[OPT_ROOT].val && !*v[OPT_ROOT].val)
		return as_usage_err("sites", "--root needs a directory");
	if (v[OPT_ROOT].val && access(v[OPT_ROOT].val, X_OK)) {
		as_err("sites: --root %s: %s", v[OPT_ROOT].val, strerror(errno));
		return 2;
	}

	text = slurp(path);
	if (!text) {
		as_err("sites: %s: %s", path, strerror(errno ? errno : ENOMEM));
		return 1;
	}
	folded_in = text[strspn(text, " \t\r\n")] != '{';
	if (!folded_in) {
		json_error_t e;
		j = json_loads(text, 0, &e);
		if (!j) {
			as_err("sites: %s: not valid JSON (line %d: %s); give a libswap report or a "
			       "folded-stacks file", path, e.line, e.text);
			rc = 2;
			goto out;
		}
		rep = as_sites_report_of(j);
		if (!rep) {
			as_err("sites: %s: not a libswap report (no \"schema\": \"allocswap.report/1\", "
			       "nor a run summary around one); give ALLOCSWAP_REPORT's file, allocswap "
			       "run --report's or --json's", path);
			rc = 2;
			goto out;
		}
	}
	sym = as_sym_open(v[OPT_ROOT].val);
	if (!sym) {
		as_err("sites: out of memory");
		rc = 1;
		goto out;
	}
	if (folded_in) {
		rc = as_sites_from_folded(sym, text, &by, &bad);
		if (rc == EINVAL) {
			as_err("sites: %s:%zu: not a folded stack (\"frame;frame;... BYTES\"): give a "
			       "libswap report or a folded-stacks file", path, bad);
			rc = 2;
			goto out;
		}
	} else {
		rc = as_sites_from_report(sym, rep, "sites", &by);
		if (!rc)
			rc = as_sites_from_report(sym, rep, "sites_by_live", &live);
	}
	if (rc) {
		as_err("sites: out of memory");
		rc = 1;
		goto out;
	}

	if (out) {
		rc = as_file_open(&af, out);
		if (rc) {
			as_err("sites: cannot write %s: %s", out, strerror(rc));
			rc = 1;
			goto out;
		}
		f = af.f;
	}
	if (v[OPT_FOLDED].val) {
		rc = as_sites_write_folded(&by, f);
		if (rc)
			as_err("sites: writing the folded stacks: %s", strerror(rc));
		rc = rc ? 1 : 0;
		/* the notes go to standard error: standard output is the folded text */
		as_sym_notes(sym, stderr, "allocswap sites: modules without file:line:", "  ", 1, 1);
	} else {
		char b[32];
		const char *exe = rep ? as_jstr(rep, "process.exe") : NULL;
		if (rep && !json_array_size(json_object_get(rep, "sites")) &&
		    !json_array_size(json_object_get(rep, "sites_by_live"))) {
			const char *why = as_jstr(rep, "sampling.reason");
			fprintf(f, "No sampled allocation sites in %s: %s\n", path,
				why ? why : "the report has none");
		} else {
			fprintf(f, "Allocation sites of %s", exe ? exe : path);
			if (rep && json_is_number(as_jpath(rep, "sampling.mean_bytes")))
				fprintf(f, " (one sample per %s allocated on average, %.0f stacks)",
					as_fmt_bytes(as_jnum(rep, "sampling.mean_bytes"), b, sizeof b),
					as_jnum(rep, "sampling.sites"));
			else if (!rep)
				fprintf(f, " (%zu stacks)", by.n);
			fprintf(f, ", leaf first:\n\nBy bytes allocated:\n");
			list(f, &by, 0, top);
			fprintf(f, "\nBy bytes still live at exit:\n");
			if (rep)
				list(f, &live, 1, top);
			else
				fprintf(f, "  not in a folded file (the report has them)\n");
			fprintf(f, "\nWhere the names come from, per module:\n");
			if (!as_sym_modules(sym, &m, 1))
				fprintf(f, "  no frame names a module\n");
			as_sym_notes(sym, f, NULL, "  ", 0, 1);
		}
	}
	if (out) {
		int e = as_file_close(&af, !rc);
		if (e && !rc) {
			as_err("sites: writing %s: %s (nothing written)", out, strerror(e));
			rc = 1;
		}
	}
out:
	as_sites_free(&by);
	as_sites_free(&live);
	as_sym_close(sym);
	json_decref(j);
	free(text);
	return rc;
}
