/* test_opts: the option parser and --help writer of tools/cli/cli.c
 * (as_opts_parse, as_opts_help), under ASan/UBSan.  Each form of an option,
 * the operands in both modes, "--", repeatable options, and every error
 * with its exact line on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* cli.c's as_help reads the command table; this program has none */
const struct as_cmd as_cmds[1];
const size_t as_ncmds = 0;

static int fails, checks;

#define CHECK(c)                                                                             \
	do {                                                                                 \
		checks++;                                                                    \
		if (!(c)) {                                                                  \
			fails++;                                                             \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c);     \
		}                                                                            \
	} while (0)

static int str_eq(const char *a, const char *b)
{
	if (a == b || (a && b && !strcmp(a, b)))
		return 1;
	fprintf(stderr, "  got:  %s\n  want: %s\n", a ? a : "(null)", b ? b : "(null)");
	return 0;
}

enum { O_ALLOC, O_LIBC, O_QUIET, O_CMD, O_OUTPUT, NOPTS };
static const struct as_opt opts[] = {
	[O_ALLOC] = {'a', "--allocators", " LIST", "the allocators", 0, NULL},
	[O_LIBC] = {0, "--libc", " LIST", "the libcs", 0, NULL},
	[O_QUIET] = {'q', "--quiet", "", "no progress", 0, NULL},
	[O_CMD] = {0, "--cmd", " 'CMD'", "a command", AS_OPT_MANY, NULL},
	[O_OUTPUT] = {'o', "--output", " DIR", "where", 0, NULL},
};
static const struct as_usage mixed = {"", opts, NOPTS, "", 0};
static const struct as_usage in_order = {"", opts, NOPTS, "", AS_OPTS_IN_ORDER};
static const char *cmds[2];
static struct as_optval v[NOPTS];
static char err[4096];

/* as_opts_parse of the NULL-terminated words after "t", stderr into err;
 * *argv_out is the (reordered) argv.  With cmdline set, as_opts_cmdline. */
static char ***cmdline;
static int parse(const struct as_usage *u, int *first, char ***argv_out, ...)
{
	static char *argv[32];
	const char *w;
	int argc = 0, rc, fd, saved;
	va_list ap;
	FILE *f = tmpfile();
	argv[argc++] = "t";
	va_start(ap, argv_out);
	while ((w = va_arg(ap, const char *)))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	memset(v, 0, sizeof v);
	v[O_CMD].all = cmds;
	v[O_CMD].cap = 2;
	v[O_LIBC].val = "stale"; /* reset by the parser */
	*first = -1;
	fflush(stderr);
	fd = fileno(f);
	saved = dup(2);
	dup2(fd, 2);
	if (cmdline) /* the CMD ARGS... form */
		rc = as_opts_cmdline("t", u, argc, argv, v, cmdline);
	else
		rc = as_opts_parse("t", u, argc, argv, v, first);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	err[fread(err, 1, sizeof err - 1, f)] = 0;
	fclose(f);
	if (argv_out)
		*argv_out = argv;
	return rc;
}

#define SEE " (see 'allocswap t --help')\n"

/* the error (rc 2) that the words give, as one exact line */
#define ERROR(line, ...)                                                                     \
	do {                                                                                 \
		int first_;                                                                  \
		CHECK(parse(&mixed, &first_, NULL, __VA_ARGS__, NULL) == 2);                  \
		CHECK(str_eq(err, "allocswap t: " line SEE));                                \
	} while (0)

static void forms(void)
{
	int first;
	char **argv;
	/* each form of a value */
	CHECK(parse(&mixed, &first, &argv, "-a", "x", NULL) == 0 && str_eq(v[O_ALLOC].val, "x"));
	CHECK(first == 3 && v[O_ALLOC].n == 1 && !v[O_LIBC].val && !v[O_QUIET].val);
	CHECK(parse(&mixed, &first, &argv, "-ax,y", NULL) == 0 && str_eq(v[O_ALLOC].val, "x,y"));
	CHECK(parse(&mixed, &first, &argv, "--allocators", "x", NULL) == 0 &&
	      str_eq(v[O_ALLOC].val, "x"));
	CHECK(parse(&mixed, &first, &argv, "--allocators=x=y", NULL) == 0 &&
	      str_eq(v[O_ALLOC].val, "x=y"));
	/* an empty value is a value: the command judges it */
	CHECK(parse(&mixed, &first, &argv, "--allocators=", NULL) == 0 &&
	      str_eq(v[O_ALLOC].val, ""));
	CHECK(parse(&mixed, &first, &argv, "--libc", "", NULL) == 0 && str_eq(v[O_LIBC].val, ""));
	/* a value is the next argument, whatever it starts with */
	CHECK(parse(&mixed, &first, &argv, "--libc", "-3", NULL) == 0 &&
	      str_eq(v[O_LIBC].val, "-3") && first == 3);
	CHECK(parse(&mixed, &first, &argv, "-o", "--", NULL) == 0 && str_eq(v[O_OUTPUT].val, "--"));
	/* flags */
	CHECK(parse(&mixed, &first, &argv, "-q", NULL) == 0 && str_eq(v[O_QUIET].val, "") &&
	      v[O_QUIET].n == 1);
	CHECK(parse(&mixed, &first, &argv, "--quiet", "--quiet", NULL) == 0 &&
	      str_eq(v[O_QUIET].val, "") && v[O_QUIET].n == 2);
	/* given twice: the last value, counted */
	CHECK(parse(&mixed, &first, &argv, "-a", "x", "--allocators=y", NULL) == 0 &&
	      str_eq(v[O_ALLOC].val, "y") && v[O_ALLOC].n == 2);
	/* nothing */
	CHECK(parse(&mixed, &first, &argv, NULL) == 0 && first == 1 && !v[O_LIBC].val);
	CHECK(str_eq(err, ""));
}

static void many(void)
{
	int first;
	char **argv;
	CHECK(parse(&mixed, &first, &argv, "--cmd", "a b", "-q", "--cmd=c", NULL) == 0);
	CHECK(v[O_CMD].n == 2 && str_eq(cmds[0], "a b") && str_eq(cmds[1], "c") &&
	      str_eq(v[O_CMD].val, "c"));
	CHECK(parse(&mixed, &first, &argv, "--cmd", "a", "--cmd", "b", "--cmd", "c", NULL) == 2);
	CHECK(str_eq(err, "allocswap t: at most 2 --cmd" SEE));
}

static void operands(void)
{
	int first;
	char **argv;
	/* mixed: the operands move after the options, in their order */
	CHECK(parse(&mixed, &first, &argv, "x", "-q", "y", "--libc", "z", "w", "-", NULL) == 0);
	CHECK(first == 4 && str_eq(v[O_LIBC].val, "z") && str_eq(v[O_QUIET].val, ""));
	CHECK(str_eq(argv[1], "-q") && str_eq(argv[2], "--libc") && str_eq(argv[3], "z"));
	CHECK(str_eq(argv[4], "x") && str_eq(argv[5], "y") && str_eq(argv[6], "w") &&
	      str_eq(argv[7], "-") && !argv[8]);
	/* "--" ends the options: what follows is operands, however it looks */
	CHECK(parse(&mixed, &first, &argv, "x", "-q", "--", "-a", "--frob", NULL) == 0);
	CHECK(first == 3 && !v[O_ALLOC].val && str_eq(argv[2], "--"));
	CHECK(str_eq(argv[3], "x") && str_eq(argv[4], "-a") && str_eq(argv[5], "--frob"));
	CHECK(parse(&mixed, &first, &argv, "--", NULL) == 0 && first == 2);
	/* in order: options end at the first operand (CMD ARGS...) */
	CHECK(parse(&in_order, &first, &argv, "-q", "cmd", "--libc", "z", "--help", NULL) == 0);
	CHECK(first == 2 && !v[O_LIBC].val && str_eq(argv[2], "cmd") && str_eq(argv[3], "--libc"));
	CHECK(parse(&in_order, &first, &argv, "-a", "x", "--", "-q", NULL) == 0);
	CHECK(first == 4 && !v[O_QUIET].val && str_eq(argv[4], "-q"));
	CHECK(parse(&in_order, &first, &argv, "-", "-q", NULL) == 0 && first == 1);
	CHECK(str_eq(err, ""));
}

static void help(void)
{
	int first;
	CHECK(parse(&mixed, &first, NULL, "-h", NULL) == 1);
	CHECK(parse(&mixed, &first, NULL, "-q", "x", "--help", NULL) == 1);
	CHECK(parse(&in_order, &first, NULL, "-a", "x", "--help", "y", NULL) == 1);
	CHECK(str_eq(err, ""));
	/* the first error wins */
	ERROR("unknown option '--frob'; options: -a/--allocators, --libc, -q/--quiet, --cmd, "
	      "-o/--output, -h/--help", "--frob", "--help");
}

static void errors(void)
{
	const char *all = "options: -a/--allocators, --libc, -q/--quiet, --cmd, -o/--output, "
			  "-h/--help";
	char want[512];
	static const char *const unknown[] = {"--frob", "-x", "--allocatorsx", "--alloc", "---a",
					      "--LIBC", "--frob=1"};
	size_t i;
	int first;
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		CHECK(parse(&mixed, &first, NULL, "-q", unknown[i], NULL) == 2);
		snprintf(want, sizeof want, "allocswap t: unknown option '%s'; %s" SEE, unknown[i], all);
		CHECK(str_eq(err, want));
	}
	ERROR("--libc needs a value: LIST", "-q", "--libc");
	ERROR("-a needs a value: LIST", "-a");
	ERROR("--cmd needs a value: 'CMD'", "--cmd");
	ERROR("--quiet takes no value", "--quiet=yes");
	ERROR("--quiet takes no value", "--quiet=");
	ERROR("-q takes no value ('-qa')", "-qa");
	ERROR("--help takes no value", "--help=1");
	ERROR("-h takes no value ('-hq')", "-hq");
	/* an error after an operand, and in order an option after CMD is CMD's */
	ERROR("unknown option '-x'; options: -a/--allocators, --libc, -q/--quiet, --cmd, "
	      "-o/--output, -h/--help", "x", "-x");
	CHECK(parse(&in_order, &first, NULL, "x", "-x", NULL) == 0 && first == 1);
	/* no options but -h/--help */
	{
		const struct as_usage none = {"", NULL, 0, "", 0};
		CHECK(parse(&none, &first, NULL, "--json", NULL) == 2);
		CHECK(str_eq(err, "allocswap t: unknown option '--json'; options: -h/--help" SEE));
	}
}

/* as_opts_cmdline: CMD ARGS... after the options, required */
static void cmd_line(void)
{
	char **cmd = NULL;
	int first;
	cmdline = &cmd;
	CHECK(parse(&in_order, &first, NULL, "-q", "prog", "-a", "x", NULL) == 0);
	CHECK(cmd && str_eq(cmd[0], "prog") && str_eq(cmd[1], "-a") && str_eq(cmd[2], "x") &&
	      !cmd[3] && str_eq(v[O_QUIET].val, "") && !v[O_ALLOC].val);
	CHECK(parse(&in_order, &first, NULL, "-q", "--", NULL) == 2);
	CHECK(str_eq(err, "allocswap t: no command given: allocswap t [OPTIONS] -- CMD [ARGS...]" SEE));
	CHECK(parse(&in_order, &first, NULL, "--frob", "prog", NULL) == 2);
	CHECK(parse(&in_order, &first, NULL, "-h", "prog", NULL) == 1);
	cmdline = NULL;
}

static void writer(void)
{
	static const struct as_opt t[] = {
		{'a', "--allocators", " LIST", "from liballoc's table, system jemalloc; none, "
		 "or a .so path.  Default: every allocator that loads here (the others are "
		 "skipped with a note)", 0, "Matrix:"},
		{0, "--libc", " LIST", "glibc, musl", 0, NULL},
		{0, "--cmd", " 'CMD'", "benchmark a command.  Implies --suite cmd", AS_OPT_MANY,
		 "Suite:"},
		{0, "--name", " NAME", "names the n-th --cmd.", AS_OPT_MANY, NULL},
		{0, "--pyperformance-args", " 'ARGS'", "more arguments\nfor pyperformance", 0,
		 NULL},
		{0, "--w", "", "averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword x",
		 0, NULL},
	};
	const char *want =
		"Matrix:\n"
		"  -a, --allocators LIST  from liballoc's table, system jemalloc; none, or a .so\n"
		"                         path.  Default: every allocator that loads here (the\n"
		"                         others are skipped with a note)\n"
		"      --libc LIST        glibc, musl\n"
		"Suite:\n"
		"      --cmd 'CMD'        benchmark a command.  Implies --suite cmd; may be\n"
		"                         repeated\n"
		"      --name NAME        names the n-th --cmd.  May be repeated.\n"
		"      --pyperformance-args 'ARGS'\n"
		"                         more arguments\n"
		"                         for pyperformance\n"
		"      --w                "
		"averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword\n"
		"                         x\n"
		"  -h, --help             this text\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	as_opts_help(f, t, sizeof t / sizeof t[0]);
	fclose(f);
	CHECK(str_eq(buf, want));
	free(buf);
	/* no options: -h/--help alone, in a column of its own */
	f = open_memstream(&buf, &len);
	as_opts_help(f, NULL, 0);
	fclose(f);
	CHECK(str_eq(buf, "  -h, --help  this text\n"));
	free(buf);
}

int main(void)
{
	forms();
	many();
	operands();
	help();
	errors();
	cmd_line();
	writer();
	printf("test_opts: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
