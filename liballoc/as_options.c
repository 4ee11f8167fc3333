/* as_options: parsing of the ALLOCSWAP_* variables.  No calls to malloc in this file. */
#include "as_options.h"

#include <errno.h>
#include <stddef.h>

#include "as_sys.h"

#define AS_OPT_INFO(field, env, type, def, help) {env, offsetof(struct as_options, field), type, def, help},
const struct as_option_info _as_option_table[] = {AS_OPTIONS(AS_OPT_INFO)};
#undef AS_OPT_INFO
const size_t _as_option_count = sizeof _as_option_table / sizeof _as_option_table[0];

int _as_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "true", "on", "yes"};
	static const char *const no[] = {"0", "false", "off", "no"};
	size_t i;
	for (i = 0; i < 4; i++) {
		if (_as_streq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (_as_streq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return EINVAL;
}

/* Milliseconds: a plain decimal number, at most one day. */
int _as_parse_ms(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 86400000u)
			return ERANGE;
	}
	*out = v;
	return 0;
}

int _as_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return EINVAL;
	while (*p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p++ - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ERANGE;
		v = v * 10 + d;
	}
	switch (*p) {
	case 0:
		break;
	case 'k': case 'K':
		mul = 1ULL << 10;
		p++;
		break;
	case 'm': case 'M':
		mul = 1ULL << 20;
		p++;
		break;
	case 'g': case 'G':
		mul = 1ULL << 30;
		p++;
		break;
	default:
		return EINVAL;
	}
	if (*p == 'i' && mul > 1 && p[1] == 'B')
		p += 2; /* accept KiB, MiB, GiB */
	else if (*p == 'B' && mul > 1)
		p++; /* and KB, MB, GB */
	if (*p)
		return EINVAL;
	if (v > UINT64_MAX / mul)
		return ERANGE;
	*out = v * mul;
	return 0;
}

/* What a valid value looks like, per type, for the error line. */
static const char *const _as_opt_expect[] = {
	[AS_OPT_STRING] = "a non-empty value",
	[AS_OPT_PATH] = "a path",
	[AS_OPT_BOOL] = "1/true/on/yes or 0/false/off/no",
	[AS_OPT_SIZE] = "a size such as 65536, 64K or 1M",
	[AS_OPT_MS] = "a whole number of milliseconds such as 10",
	[AS_OPT_STATS] = "off, counters or full",
	[AS_OPT_FALLBACK] = "none or system",
};

static void bad_value(char *err, size_t cap, const char *env, const char *val, const char *why,
		      const char *want)
{
	size_t n = 0;
	n += _as_strlcpy(err + n, "invalid ", cap - n);
	n += _as_strlcpy(err + n, env, cap - n);
	n += _as_strlcpy(err + n, "='", cap - n);
	n += _as_strlcpy(err + n, val, cap - n);
	n += _as_strlcpy(err + n, "': ", cap - n);
	n += _as_strlcpy(err + n, why, cap - n);
	_as_strlcpy(err + n, want, cap - n);
}

static int set_one(struct as_options *o, const struct as_option_info *info, const char *val,
		   char *err, size_t cap)
{
	char *field = (char *)o + info->offset;
	int b;
	uint64_t sz;
	switch (info->type) {
	case AS_OPT_STRING:
		if (!*val)
			break;
		*(const char **)field = val;
		return 0;
	case AS_OPT_PATH:
		*(const char **)field = val;
		return 0;
	case AS_OPT_BOOL:
		if (_as_parse_bool(val, &b))
			break;
		*(int *)field = b;
		return 0;
	case AS_OPT_SIZE:
		b = _as_parse_size(val, &sz);
		if (b == EINVAL)
			break;
		if (b || sz > AS_OPT_SIZE_MAX) {
			/* 2^64-1 read back as 0 ("sampling off"); past 2^53 a
			 * byte count is not exact in the report (a double) */
			bad_value(err, cap, info->env, val, "out of range, expected ",
				  "a size from 0 to " AS_OPT_SIZE_MAX_STR);
			return EINVAL;
		}
		*(uint64_t *)field = sz;
		return 0;
	case AS_OPT_MS:
		if (_as_parse_ms(val, &sz))
			break;
		*(uint64_t *)field = sz;
		return 0;
	case AS_OPT_STATS:
		if (_as_streq(val, "off"))
			*(int *)field = AS_STATS_OFF;
		else if (_as_streq(val, "counters"))
			*(int *)field = AS_STATS_COUNTERS;
		else if (_as_streq(val, "full"))
			*(int *)field = AS_STATS_FULL;
		else
			break;
		return 0;
	case AS_OPT_FALLBACK:
		if (_as_streq(val, "none"))
			*(int *)field = AS_FALLBACK_NONE;
		else if (_as_streq(val, "system"))
			*(int *)field = AS_FALLBACK_SYSTEM;
		else
			break;
		return 0;
	}
	bad_value(err, cap, info->env, val, "expected ", _as_opt_expect[info->type]);
	return EINVAL;
}

/* Is e an ALLOCSWAP_* variable that is no option (AS_OPTIONS_OTHERS)? */
static int other(const char *e)
{
	static const char *const others[] = {AS_OPTIONS_OTHERS};
	size_t i;
	for (i = 0; i < sizeof others / sizeof others[0]; i++)
		if (_as_prefix(e, others[i], NULL))
			return 1;
	return 0;
}

int _as_options_parse(const char *const *envp, struct as_options *o, char *err, size_t cap)
{
	size_t i, j;
	err[0] = 0;
	for (i = 0; i < _as_option_count; i++)
		if (set_one(o, &_as_option_table[i], _as_option_table[i].def, err, cap))
			return EINVAL; /* a bad default is a bug; the unit tests catch it */
	if (!envp)
		return 0;
	for (i = 0; envp[i]; i++) {
		const char *e = envp[i], *rest;
		int known = 0;
		if (!_as_prefix(e, "ALLOCSWAP_", NULL) || other(e))
			continue;
		for (j = 0; j < _as_option_count; j++) {
			if (_as_prefix(e, _as_option_table[j].env, &rest) && *rest == '=') {
				known = 1;
				if (set_one(o, &_as_option_table[j], rest + 1, err, cap))
					return EINVAL;
			}
		}
		if (!known) {
			size_t n = 0;
			n += _as_strlcpy(err + n, "unknown variable ", cap - n);
			for (j = 0; e[j] && e[j] != '=' && n + 1 < cap; j++)
				err[n++] = e[j];
			err[n] = 0;
			n += _as_strlcpy(err + n, ": known are", cap - n);
			for (j = 0; j < _as_option_count; j++) {
				n += _as_strlcpy(err + n, " ", cap - n);
				n += _as_strlcpy(err + n, _as_option_table[j].env, cap - n);
			}
			return EINVAL;
		}
	}
	return 0;
}
