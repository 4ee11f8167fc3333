/* The tables: backends (against the list the integration tests use,
 * passed by meson as arguments), options, call names. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "as_backend.h"
#include "as_options.h"
#include "as_stats.h"
#include "harness.h"

static void test_backends(int argc, char **argv)
{
	char names[512], want[512], so[128], so2[128];
	size_t i, j, k, m, n = 0;

	/* the same names, in the same order, as tests/meson.build's list */
	T_EQ(_as_backend_count, (size_t)(argc - 1));
	for (i = 0; i < _as_backend_count && (int)i + 1 < argc; i++)
		T_STREQ(_as_backend_table[i].name, argv[i + 1]);
	for (i = 1; i < (size_t)argc; i++) {
		int found = 0;
		for (j = 0; j < _as_backend_count; j++)
			found |= strcmp(_as_backend_table[j].name, argv[i]) == 0;
		if (!found)
			t_say("backend '%s' of the meson list is not in the table", argv[i]);
		T_CHECK(found);
	}

	/* system first (the fallback), names unique, sonames look like sonames */
	T_STREQ(_as_backend_table[0].name, "system");
	T_STREQ(_as_backend_table[0].sonames, "");
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		for (j = i + 1; j < _as_backend_count; j++)
			T_CHECK(strcmp(b->name, _as_backend_table[j].name) != 0);
		T_CHECK(b->name[0] != 0);
		T_CHECK(strspn(b->name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(b->name));
		T_CHECK(strstr(b->libcs, "glibc") != NULL);
		/* libcs: words glibc and musl; the musl builds that exist
		 * (cross/build.sh): system, jemalloc, mimalloc (Debian has no musl
		 * C++ compiler for tcmalloc and oneTBB) */
		T_CHECK(!strcmp(b->libcs, "glibc") || !strcmp(b->libcs, "glibc musl"));
		T_EQ(strcmp(b->libcs, "glibc musl") == 0,
		     !strcmp(b->name, "system") || !strcmp(b->name, "jemalloc") ||
			     !strcmp(b->name, "mimalloc"));
		T_CHECK(b->desc && b->desc[0]);
		/* every soname of every other backend, and of no other backend */
		for (k = 0; _as_backend_soname(b, k, so, sizeof so); k++) {
			const struct as_backend_info *o;
			T_CHECK(strncmp(so, "lib", 3) == 0 && strstr(so, ".so.") &&
				!strchr(so, '/'));
			for (j = 0; j < _as_backend_count; j++) {
				o = &_as_backend_table[j];
				for (m = 0; j != i && _as_backend_soname(o, m, so2, sizeof so2); m++)
					T_CHECK(strcmp(so, so2) != 0);
			}
		}
		T_EQ(k > 0, i > 0);
	}

	/* _as_backend_soname: the words of the column, in order */
	for (i = 0; i < _as_backend_count; i++) {
		const struct as_backend_info *b = &_as_backend_table[i];
		if (strcmp(b->name, "mimalloc"))
			continue;
		/* mimalloc 2 (Debian 12) first, then mimalloc 3 (Debian 13) */
		T_STREQ(_as_backend_soname(b, 0, so, sizeof so), "libmimalloc.so.2");
		T_STREQ(_as_backend_soname(b, 1, so, sizeof so), "libmimalloc.so.3");
		T_CHECK(_as_backend_soname(b, 2, so, sizeof so) == NULL);
		/* one that does not fit is not cut */
		T_CHECK(_as_backend_soname(b, 0, so, 16) == NULL);
		T_STREQ(_as_backend_soname(b, 0, so, 17), "libmimalloc.so.2");
	}
	T_CHECK(_as_backend_soname(&_as_backend_table[0], 0, so, sizeof so) == NULL);
	{
		const struct as_backend_info spaced = {"x", "  liba.so.1   libb.so.2 ", "", "glibc",
						       "x"};
		T_STREQ(_as_backend_soname(&spaced, 0, so, sizeof so), "liba.so.1");
		T_STREQ(_as_backend_soname(&spaced, 1, so, sizeof so), "libb.so.2");
		T_CHECK(_as_backend_soname(&spaced, 2, so, sizeof so) == NULL);
	}

	/* _as_backend_names: the table, space separated */
	for (i = 0; i < _as_backend_count; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i ? " " : "",
				      _as_backend_table[i].name);
	_as_backend_names(names, sizeof names);
	T_STREQ(names, want);
	memset(names, 'X', sizeof names);
	_as_backend_names(names, 10);
	T_EQ(strlen(names), 9);
	T_CHECK(strncmp(names, want, 9) == 0);
}

static void test_options(void)
{
	struct as_options o;
	char err[768];
	size_t i, j;

	T_EQ(_as_option_count, 12);
	for (i = 0; i < _as_option_count; i++) {
		const struct as_option_info *a = &_as_option_table[i];
		char var[128];
		const char *envp[] = {var, NULL};

		/* unique, public names */
		for (j = i + 1; j < _as_option_count; j++)
			T_CHECK(strcmp(a->env, _as_option_table[j].env) != 0);
		T_CHECK(strncmp(a->env, "ALLOCSWAP_", 10) == 0);
		T_CHECK(a->env[10] != '_' && a->env[10] != 0);
		T_CHECK(a->help && a->help[0] && !strchr(a->help, '\n'));
		T_CHECK(a->offset < sizeof(struct as_options));

		/* every default parses, alone and as the variable's value */
		T_CHECK(a->def != NULL);
		switch (a->type) {
		case AS_OPT_BOOL: {
			int b;
			T_EQ(_as_parse_bool(a->def, &b), 0);
			break;
		}
		case AS_OPT_SIZE: {
			uint64_t s;
			T_EQ(_as_parse_size(a->def, &s), 0);
			break;
		}
		case AS_OPT_MS: {
			uint64_t ms;
			T_EQ(_as_parse_ms(a->def, &ms), 0);
			break;
		}
		default:
			break;
		}
		snprintf(var, sizeof var, "%s=%s", a->env, a->def);
		T_EQ(_as_options_parse(envp, &o, err, sizeof err), 0);
		if (err[0])
			t_say("%s", err);
	}
	T_EQ(_as_options_parse(NULL, &o, err, sizeof err), 0);
}

static void test_calls(void)
{
	size_t i, j;
	for (i = 0; i < AS_NCALLS; i++) {
		T_CHECK(_as_call_names[i] && _as_call_names[i][0]);
		for (j = i + 1; j < AS_NCALLS; j++)
			T_CHECK(strcmp(_as_call_names[i], _as_call_names[j]) != 0);
	}
}

int main(int argc, char **argv)
{
	T_CHECK(argc > 1); /* meson passes the list */
	test_backends(argc, argv);
	test_options();
	test_calls();
	return t_done();
}
