/* as_options: the ALLOCSWAP_* environment variables, declared once.
 *
 * AS_OPTIONS is the one list of options.  The struct, the parser, the
 * unknown-name check and the help text are all derived from it.  Parsing
 * reads an envp array directly (no getenv) and allocates nothing, so it can
 * run inside the first malloc call.
 *
 * Values: booleans accept 1/true/on/yes and 0/false/off/no; sizes accept a
 * decimal number with an optional K, M or G suffix (powers of 1024).
 * Two prefixes of ALLOCSWAP_ names are not libswap's options and are never
 * reported as unknown (AS_OPTIONS_OTHERS): ALLOCSWAP__ (two underscores,
 * libswap's internals) and ALLOCSWAP_CLI_ (the CLI's own, such as
 * ALLOCSWAP_CLI_PYTHON and ALLOCSWAP_CLI_LIBSWAP: a process started with one
 * set runs under libswap all the same).
 */
#ifndef ALLOCSWAP_AS_OPTIONS_H
#define ALLOCSWAP_AS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum as_stats_mode { AS_STATS_OFF, AS_STATS_COUNTERS, AS_STATS_FULL };
enum as_fallback { AS_FALLBACK_NONE, AS_FALLBACK_SYSTEM };
enum as_opt_type {
	AS_OPT_STRING,
	AS_OPT_PATH,
	AS_OPT_BOOL,
	AS_OPT_SIZE,
	AS_OPT_MS,
	AS_OPT_STATS,
	AS_OPT_FALLBACK
};

/* X(field, ENV_NAME, type, default, help) */
#define AS_OPTIONS(X)                                                                              \
	X(allocator, "ALLOCSWAP_ALLOCATOR", AS_OPT_STRING, "system",                               \
	  "backend name (see the list) or a path to a .so that exports malloc and free")           \
	X(stats, "ALLOCSWAP_STATS", AS_OPT_STATS, "counters",                                      \
	  "off (pure dispatch), counters (calls, bytes, live/peak, histogram) or full (counters "  \
	  "plus perf events, sampled allocation sites and a timeline)")                           \
	X(report, "ALLOCSWAP_REPORT", AS_OPT_PATH, "",                                           \
	  "path of the JSON report written at exit; %p is the pid, %e the program name")          \
	X(summary, "ALLOCSWAP_SUMMARY", AS_OPT_BOOL, "0", "print a short summary on stderr at exit") \
	X(fallback, "ALLOCSWAP_FALLBACK", AS_OPT_FALLBACK, "none",                                 \
	  "none (bad configuration exits 127) or system (warn and use the system allocator)")     \
	X(children, "ALLOCSWAP_CHILDREN", AS_OPT_BOOL, "1",                                        \
	  "0 removes libswap from LD_PRELOAD so child processes run without it")                  \
	X(slack, "ALLOCSWAP_SLACK", AS_OPT_SIZE, "64K",                                            \
	  "per-thread live-byte delta kept before it is folded into the global count (K/M/G)") \
	X(counters, "ALLOCSWAP_COUNTERS", AS_OPT_PATH, "",                                         \
	  "file mapped shared with live and peak bytes, for sampling from outside; %p is the pid") \
	X(sample_bytes, "ALLOCSWAP_SAMPLE_BYTES", AS_OPT_SIZE, "512K",                             \
	  "full mode: mean bytes between sampled allocation sites (Poisson); 0 turns sampling off") \
	X(sites, "ALLOCSWAP_SITES", AS_OPT_PATH, "",                                               \
	  "full mode: also write the sampled stacks in folded form (flame graphs) to this path; "  \
	  "%p is the pid, %e the program name")                                                     \
	X(timeline_ms, "ALLOCSWAP_TIMELINE_MS", AS_OPT_MS, "10",                                   \
	  "full mode: least milliseconds between two timeline points in the report; 0 turns it off") \
	X(cache, "ALLOCSWAP_CACHE", AS_OPT_PATH, "",                                               \
	  "where `allocswap build` keeps the musl allocators and the Python builds (read by the "  \
	  "CLI; libswap only accepts it)")

/* The prefixes of ALLOCSWAP_* names that are not options (see above). */
#define AS_OPTIONS_OTHERS "ALLOCSWAP__", "ALLOCSWAP_CLI_"

/* The largest value of a size option (1 TiB), and how the error line says it. */
#define AS_OPT_SIZE_MAX (1ULL << 40)
#define AS_OPT_SIZE_MAX_STR "1024G"

struct as_options {
	const char *allocator;
	int stats;
	const char *report;
	int summary;
	int fallback;
	int children;
	uint64_t slack;
	const char *counters;
	uint64_t sample_bytes;
	const char *sites;
	uint64_t timeline_ms;
	const char *cache;
};

struct as_option_info {
	const char *env;
	size_t offset; /* of the field in struct as_options */
	enum as_opt_type type;
	const char *def;
	const char *help;
};

extern const struct as_option_info _as_option_table[];
extern const size_t _as_option_count;

/* Parses every ALLOCSWAP_* variable of envp into *o (defaults first).
 * Returns 0, or EINVAL with a one-line explanation in err. */
int _as_options_parse(const char *const *envp, struct as_options *o, char *err, size_t errcap);

int _as_parse_bool(const char *s, int *out);
int _as_parse_size(const char *s, uint64_t *out);
int _as_parse_ms(const char *s, uint64_t *out);

#endif
