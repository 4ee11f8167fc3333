/* allocswap: the command-line tool.  One table of commands, one file each. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int as_cmd_list(int argc, char **argv);
int as_cmd_run(int argc, char **argv);
int as_cmd_bench(int argc, char **argv);
int as_cmd_report(int argc, char **argv);
int as_cmd_compare(int argc, char **argv);
int as_cmd_doctor(int argc, char **argv);
int as_cmd_build(int argc, char **argv);
int as_cmd_image(int argc, char **argv);
int as_cmd_exec(int argc, char **argv);
int as_cmd_sites(int argc, char **argv);

extern const struct as_usage as_usage_list, as_usage_run, as_usage_bench, as_usage_report,
	as_usage_compare, as_usage_doctor, as_usage_build, as_usage_image, as_usage_exec,
	as_usage_sites;

const struct as_cmd as_cmds[] = {
	{"list", as_cmd_list, "allocators per libc, runners, and whether perf counting works",
	 &as_usage_list},
	{"run", as_cmd_run, "run one command under an allocator and summarize it", &as_usage_run},
	{"bench", as_cmd_bench, "run a benchmark matrix (allocators x pymalloc x ...)",
	 &as_usage_bench},
	{"sites", as_cmd_sites, "name the sampled allocation sites of a run: function, file:line",
	 &as_usage_sites},
	{"report", as_cmd_report, "write Markdown, HTML and JSON reports of a bench directory",
	 &as_usage_report},
	{"compare", as_cmd_compare, "compare two results: \"1.32x faster (-24%)\"",
	 &as_usage_compare},
	{"doctor", as_cmd_doctor, "what can and cannot be measured here, and why", &as_usage_doctor},
	{"build", as_cmd_build, "build the musl allocators and the Pythons (cached), or list them",
	 &as_usage_build},
	{"image", as_cmd_image, "build, list and remove the images (root filesystems runs can use)",
	 &as_usage_image},
	{"exec", as_cmd_exec, "become CMD with libswap preloaded: a container's entrypoint",
	 &as_usage_exec},
};
const size_t as_ncmds = sizeof as_cmds / sizeof as_cmds[0];

static void usage(FILE *f)
{
	size_t i;
	fprintf(f, "usage: " ALLOCSWAP_CLI_NAME " COMMAND [OPTIONS]\n\n"
		   "Which allocator, libc and image make a Python workload fastest and leanest.\n\n"
		   "commands:\n");
	for (i = 0; i < as_ncmds; i++)
		fprintf(f, "  %-9s %s\n", as_cmds[i].name, as_cmds[i].summary);
	fprintf(f, "\nRun '" ALLOCSWAP_CLI_NAME " COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (as_is_help(argv[1])) {
		usage(stdout);
		return as_flush_stdout();
	}
	if (!strcmp(argv[1], "--version")) {
		printf(ALLOCSWAP_CLI_NAME " %s\n", ALLOCSWAP_CLI_VERSION);
		return as_flush_stdout();
	}
	for (i = 0; i < as_ncmds; i++) {
		if (!strcmp(argv[1], as_cmds[i].name)) {
			int rc;
			if (argc > 2 && as_is_help(argv[2]))
				return as_help(as_cmds[i].name);
			rc = as_cmds[i].run(argc - 1, argv + 1);
			if (as_flush_stdout() && rc == 0)
				rc = 1;
			return rc;
		}
	}
	fprintf(stderr, ALLOCSWAP_CLI_NAME ": unknown command '%s'; commands:", argv[1]);
	for (i = 0; i < as_ncmds; i++)
		fprintf(stderr, " %s", as_cmds[i].name);
	fputc('\n', stderr);
	return 2;
}
