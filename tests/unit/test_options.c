/* as_options: defaults, booleans, sizes, unknown and internal variables,
 * the error lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as_options.h"
#include "harness.h"

#define ERRCAP 768

static int parse(const char *const *envp, struct as_options *o, char *err)
{
	memset(o, 0xa5, sizeof *o);
	memset(err, 'x', ERRCAP);
	return _as_options_parse(envp, o, err, ERRCAP);
}

static void test_defaults(void)
{
	struct as_options o;
	char err[ERRCAP];
	const char *const empty[] = {NULL};
	const char *const other[] = {"PATH=/bin", "allocswap_stats=off", "ALLOCSWAPX=1", NULL};

	T_EQ(parse(NULL, &o, err), 0);
	T_STREQ(err, "");
	T_STREQ(o.allocator, "system");
	T_EQ(o.stats, AS_STATS_COUNTERS);
	T_STREQ(o.report, "");
	T_EQ(o.summary, 0);
	T_EQ(o.fallback, AS_FALLBACK_NONE);
	T_EQ(o.children, 1);
	T_EQ(o.slack, 65536);

	/* an empty environment and unrelated variables give the same */
	T_EQ(parse(empty, &o, err), 0);
	T_STREQ(o.allocator, "system");
	T_EQ(o.slack, 65536);
	T_EQ(parse(other, &o, err), 0);
	T_STREQ(err, "");
	T_EQ(o.stats, AS_STATS_COUNTERS);
}

static void test_values(void)
{
	struct as_options o;
	char err[ERRCAP];
	const char *const env[] = {
		"ALLOCSWAP_ALLOCATOR=jemalloc", "ALLOCSWAP_STATS=off",
		"ALLOCSWAP_REPORT=/tmp/r-%p.json", "ALLOCSWAP_SUMMARY=yes",
		"ALLOCSWAP_FALLBACK=system", "ALLOCSWAP_CHILDREN=off",
		"ALLOCSWAP_SLACK=1M", NULL,
	};
	const char *const twice[] = {"ALLOCSWAP_SLACK=1K", "ALLOCSWAP_SLACK=2K", NULL};
	const char *const empty_report[] = {"ALLOCSWAP_REPORT=", "ALLOCSWAP_STATS=counters",
					    "ALLOCSWAP_FALLBACK=none", NULL};

	T_EQ(parse(env, &o, err), 0);
	T_STREQ(err, "");
	T_STREQ(o.allocator, "jemalloc");
	/* values point into the environment strings: nothing is copied */
	T_CHECK(o.allocator == env[0] + strlen("ALLOCSWAP_ALLOCATOR="));
	T_EQ(o.stats, AS_STATS_OFF);
	T_STREQ(o.report, "/tmp/r-%p.json");
	T_EQ(o.summary, 1);
	T_EQ(o.fallback, AS_FALLBACK_SYSTEM);
	T_EQ(o.children, 0);
	T_EQ(o.slack, 1 << 20);

	/* the last of two settings wins */
	T_EQ(parse(twice, &o, err), 0);
	T_EQ(o.slack, 2048);

	/* an empty path is allowed (no report) */
	T_EQ(parse(empty_report, &o, err), 0);
	T_STREQ(o.report, "");
	T_EQ(o.stats, AS_STATS_COUNTERS);
	T_EQ(o.fallback, AS_FALLBACK_NONE);
}

static void test_bool(void)
{
	static const char *const yes[] = {"1", "true", "on", "yes"};
	static const char *const no[] = {"0", "false", "off", "no"};
	static const char *const bad[] = {"", "2", "TRUE", "On", "y", "n", "yes ", " 1", "01", "-1",
					  "tru", "nope"};
	size_t i;
	int v;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		v = -1;
		T_EQ(_as_parse_bool(yes[i], &v), 0);
		T_EQ(v, 1);
		v = -1;
		T_EQ(_as_parse_bool(no[i], &v), 0);
		T_EQ(v, 0);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = -1;
		T_EQ(_as_parse_bool(bad[i], &v), EINVAL);
		T_EQ(v, -1); /* untouched on failure */
	}

	/* through the environment, each spelling sets ALLOCSWAP_SUMMARY */
	for (i = 0; i < 4; i++) {
		char on[64], off[64];
		const char *env_on[] = {on, NULL}, *env_off[] = {off, NULL};
		struct as_options o;
		char err[ERRCAP];
		snprintf(on, sizeof on, "ALLOCSWAP_SUMMARY=%s", yes[i]);
		snprintf(off, sizeof off, "ALLOCSWAP_CHILDREN=%s", no[i]);
		T_EQ(parse(env_on, &o, err), 0);
		T_EQ(o.summary, 1);
		T_EQ(parse(env_off, &o, err), 0);
		T_EQ(o.children, 0);
	}
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int rc = _as_parse_size(s, &v);
	if (rc || v != want)
		t_say("size '%s': rc %d, value %llu, want %llu", s, rc, (unsigned long long)v,
		      (unsigned long long)want);
	T_EQ(rc, 0);
	T_CHECK(v == want);
}

static void size_bad(const char *s, int err)
{
	uint64_t v = 12345;
	int rc = _as_parse_size(s, &v);
	if (rc != err)
		t_say("size '%s': rc %d, want %d", s, rc, err);
	T_EQ(rc, err);
	T_EQ(v, 12345); /* untouched on failure */
}

static void test_size(void)
{
	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("65536", 65536);
	size_ok("007", 7);
	size_ok("64K", 64 << 10);
	size_ok("64k", 64 << 10);
	size_ok("64KiB", 64 << 10);
	size_ok("64KB", 64 << 10);
	size_ok("3M", 3 << 20);
	size_ok("3m", 3 << 20);
	size_ok("3MiB", 3 << 20);
	size_ok("3MB", 3 << 20);
	size_ok("2G", 2ULL << 30);
	size_ok("2g", 2ULL << 30);
	size_ok("2GiB", 2ULL << 30);
	size_ok("2GB", 2ULL << 30);
	size_ok("0K", 0);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("17179869183G", (17179869183ULL) << 30); /* (2^34 - 1) GiB */
	size_ok("17592186044415K", 17592186044415ULL << 10);

	size_bad("18446744073709551616", ERANGE);   /* UINT64_MAX + 1 */
	size_bad("99999999999999999999999", ERANGE);
	size_bad("17179869184G", ERANGE);           /* 2^64 */
	size_bad("17592186044416M", ERANGE);        /* 2^64 */
	size_bad("18014398509481984K", ERANGE);     /* 2^64 */

	size_bad("", EINVAL);
	size_bad("K", EINVAL);
	size_bad("-1", EINVAL);
	size_bad("+1", EINVAL);
	size_bad(" 1", EINVAL);
	size_bad("1 ", EINVAL);
	size_bad("1.5M", EINVAL);
	size_bad("0x10", EINVAL);
	size_bad("1T", EINVAL);
	size_bad("1B", EINVAL);   /* a unit needs a multiplier */
	size_bad("1iB", EINVAL);
	size_bad("1Ki", EINVAL);
	size_bad("1KiBB", EINVAL);
	size_bad("1KBB", EINVAL);
	size_bad("1kib", EINVAL);
	size_bad("1Kb", EINVAL);
	size_bad("1KK", EINVAL);
	size_bad("12abc", EINVAL);
}

static void test_ms(void)
{
	struct as_options o;
	char err[ERRCAP];
	uint64_t v = 7;
	const char *const ok[] = {"ALLOCSWAP_TIMELINE_MS=250", NULL};
	const char *const bad[] = {"ALLOCSWAP_TIMELINE_MS=10ms", NULL};

	T_EQ(_as_parse_ms("0", &v), 0);
	T_EQ(v, 0);
	T_EQ(_as_parse_ms("86400000", &v), 0);
	T_EQ(v, 86400000);
	v = 7;
	T_EQ(_as_parse_ms("86400001", &v), ERANGE);
	T_EQ(_as_parse_ms("99999999999999999999999", &v), ERANGE);
	T_EQ(_as_parse_ms("", &v), EINVAL);
	T_EQ(_as_parse_ms("1s", &v), EINVAL);
	T_EQ(_as_parse_ms("-5", &v), EINVAL);
	T_EQ(_as_parse_ms("1.5", &v), EINVAL);
	T_EQ(v, 7); /* untouched on failure */

	T_EQ(parse(NULL, &o, err), 0);
	T_EQ(o.timeline_ms, 10);
	T_EQ(o.sample_bytes, 512 << 10);
	T_STREQ(o.sites, "");
	T_EQ(parse(ok, &o, err), 0);
	T_EQ(o.timeline_ms, 250);
	T_EQ(parse(bad, &o, err), EINVAL);
	T_STREQ(err, "invalid ALLOCSWAP_TIMELINE_MS='10ms': expected a whole number of "
		     "milliseconds such as 10");
}

/* Expected error for an unknown variable, built from the table. */
static void expect_unknown(const char *name, char *out, size_t cap)
{
	size_t i, n = (size_t)snprintf(out, cap, "unknown variable %s: known are", name);
	for (i = 0; i < _as_option_count; i++)
		n += (size_t)snprintf(out + n, cap - n, " %s", _as_option_table[i].env);
}

static void test_unknown(void)
{
	struct as_options o;
	char err[ERRCAP], want[ERRCAP];
	const char *const foo[] = {"PATH=/bin", "ALLOCSWAP_FOO=1", NULL};
	const char *const noval[] = {"ALLOCSWAP_FOO", NULL};
	const char *const longer[] = {"ALLOCSWAP_STATSX=off", NULL};
	const char *const internal[] = {"ALLOCSWAP__INTERNAL=1", "ALLOCSWAP__REEXEC=123",
					"ALLOCSWAP__=", "ALLOCSWAP_SUMMARY=1", NULL};
	const char *const cli[] = {"ALLOCSWAP_CLI_PYTHON=/usr/bin/python3",
				   "ALLOCSWAP_CLI_LIBSWAP=/opt/libswap.so", "ALLOCSWAP_CLI_=",
				   "ALLOCSWAP_CLI_FUTURE", "ALLOCSWAP_STATS=off", NULL};
	const char *const cli_short[] = {"ALLOCSWAP_CLI=1", NULL};
	const char *const cli_lower[] = {"ALLOCSWAP_cli_PYTHON=1", NULL};
	size_t i;

	T_EQ(parse(foo, &o, err), EINVAL);
	expect_unknown("ALLOCSWAP_FOO", want, sizeof want);
	T_STREQ(err, want);
	T_CHECK(strstr(err, "FOO") != NULL);
	for (i = 0; i < _as_option_count; i++)
		T_CHECK(strstr(err, _as_option_table[i].env) != NULL);
	T_CHECK(strchr(err, '\n') == NULL);

	T_EQ(parse(noval, &o, err), EINVAL);
	T_STREQ(err, want);

	/* a known name as a prefix is not a match */
	T_EQ(parse(longer, &o, err), EINVAL);
	expect_unknown("ALLOCSWAP_STATSX", want, sizeof want);
	T_STREQ(err, want);
	T_CHECK(strchr(err, '\n') == NULL);

	/* ALLOCSWAP__ (two underscores): internal, never reported */
	T_EQ(parse(internal, &o, err), 0);
	T_STREQ(err, "");
	T_EQ(o.summary, 1);

	/* ALLOCSWAP_CLI_: the CLI's own, never reported, and no option is
	 * touched by them */
	T_EQ(parse(cli, &o, err), 0);
	T_STREQ(err, "");
	T_EQ(o.stats, AS_STATS_OFF);
	T_STREQ(o.allocator, "system");
	T_STREQ(o.report, "");
	/* the prefix is the whole of "ALLOCSWAP_CLI_", case and all */
	T_EQ(parse(cli_short, &o, err), EINVAL);
	expect_unknown("ALLOCSWAP_CLI", want, sizeof want);
	T_STREQ(err, want);
	T_EQ(parse(cli_lower, &o, err), EINVAL);
	expect_unknown("ALLOCSWAP_cli_PYTHON", want, sizeof want);
	T_STREQ(err, want);
}

static void bad_one(const char *var, const char *want)
{
	struct as_options o;
	char err[ERRCAP];
	const char *const env[] = {"ALLOCSWAP_SUMMARY=1", var, NULL};
	T_EQ(parse(env, &o, err), EINVAL);
	T_STREQ(err, want);
	T_CHECK(strchr(err, '\n') == NULL);
}

static void test_bad_values(void)
{
	struct as_options o;
	char err[ERRCAP];
	const char *const full[] = {"ALLOCSWAP_STATS=full", NULL};

	/* full: counters plus perf events */
	T_EQ(parse(full, &o, err), 0);
	T_EQ(o.stats, AS_STATS_FULL);

	bad_one("ALLOCSWAP_SUMMARY=maybe",
		"invalid ALLOCSWAP_SUMMARY='maybe': expected 1/true/on/yes or 0/false/off/no");
	bad_one("ALLOCSWAP_CHILDREN=",
		"invalid ALLOCSWAP_CHILDREN='': expected 1/true/on/yes or 0/false/off/no");
	bad_one("ALLOCSWAP_SLACK=64X",
		"invalid ALLOCSWAP_SLACK='64X': expected a size such as 65536, 64K or 1M");
	bad_one("ALLOCSWAP_SLACK=99999999999999999999",
		"invalid ALLOCSWAP_SLACK='99999999999999999999': out of range, expected a size from 0 "
		"to 1024G");
	{
		const char *const top[] = {"ALLOCSWAP_SAMPLE_BYTES=1024G", NULL};
		T_EQ(parse(top, &o, err), 0);
		T_CHECK(o.sample_bytes == 1ULL << 40);
	}
	/* 2^64-1 was taken, and the report read it back as mean_bytes 0 */
	bad_one("ALLOCSWAP_SAMPLE_BYTES=18446744073709551615",
		"invalid ALLOCSWAP_SAMPLE_BYTES='18446744073709551615': out of range, expected a size "
		"from 0 to 1024G");
	bad_one("ALLOCSWAP_SAMPLE_BYTES=1025G",
		"invalid ALLOCSWAP_SAMPLE_BYTES='1025G': out of range, expected a size from 0 to 1024G");
	bad_one("ALLOCSWAP_FALLBACK=yes", "invalid ALLOCSWAP_FALLBACK='yes': expected none or system");
	bad_one("ALLOCSWAP_ALLOCATOR=", "invalid ALLOCSWAP_ALLOCATOR='': expected a non-empty value");
	bad_one("ALLOCSWAP_STATS=", "invalid ALLOCSWAP_STATS='': expected off, counters or full");
}

/* A small error buffer truncates, NUL-terminated, without overflowing
 * (the buffers are exactly cap bytes: ASan sees any overrun). */
static void test_small_err(void)
{
	const char *const unknown[] = {"ALLOCSWAP_FOOBARBAZ=1", NULL};
	const char *const bad[] = {"ALLOCSWAP_SLACK=huge", NULL};
	size_t caps[] = {1, 2, 8, 17, 24, 40};
	size_t i;
	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		struct as_options o;
		char *err = malloc(caps[i]);
		T_CHECK(err != NULL);
		if (!err)
			return;
		T_EQ(_as_options_parse(unknown, &o, err, caps[i]), EINVAL);
		T_EQ(strlen(err), caps[i] - 1);
		T_CHECK(strncmp(err, "unknown variable ALLOCSWAP_FOOBARBAZ: known", caps[i] - 1) == 0);
		T_EQ(_as_options_parse(bad, &o, err, caps[i]), EINVAL);
		T_EQ(strlen(err), caps[i] - 1);
		T_CHECK(strncmp(err, "invalid ALLOCSWAP_SLACK='huge': expected a size such as 65536",
				caps[i] - 1) == 0);
		free(err);
	}
}

int main(void)
{
	test_defaults();
	test_values();
	test_bool();
	test_size();
	test_ms();
	test_unknown();
	test_bad_values();
	test_small_err();
	return t_done();
}
