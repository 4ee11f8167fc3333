/* as_stats size classes: for every backend that loads here, the load-time
 * check (struct as_backend_state.classes) says yes exactly when
 * _as_size_class(n) is the usable size of the backend's malloc(n) for every
 * n in 0..AS_CLASS_MAX, each size tried; the counting layer then trusts it
 * on every malloc.  jemalloc and Debian's mimalloc 2 are expected to have
 * these classes, the others not (a yes there would be checked all the same).
 *
 * Arguments: the backend names.  One that does not load is skipped (its
 * package may not be installed).  jemalloc's static TLS may make the load
 * re-execute this program with the tunable it needs, which is harmless. */
#include <stdint.h>
#include <string.h>

#include "as_backend.h"
#include "as_stats.h"
#include "harness.h"

/* gperftools' tcmalloc keeps an object it allocates at load time with
 * operator new (MallocExtension::Register): not a leak of liballoc's. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* The first n in 0..max whose usable size is not its class, or SIZE_MAX. */
static size_t first_mismatch(size_t max)
{
	size_t n;
	for (n = 0; n <= max; n++) {
		void *p = _as_backend.malloc(n);
		size_t u = p ? _as_backend.usable(p) : 0;
		_as_backend.free(p);
		if (!p || u != _as_size_class(n)) {
			t_say("malloc(%zu): usable %zu, class %zu", n, u, _as_size_class(n));
			return n;
		}
	}
	return SIZE_MAX;
}

static void test_formula(void)
{
	static const size_t want[][2] = {{0, 8},     {1, 8},     {8, 8},     {9, 16},
					 {16, 16},   {17, 32},   {64, 64},   {65, 80},
					 {128, 128}, {129, 160}, {4097, 5120}, {65536, 65536}};
	size_t i;
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		T_EQ(_as_size_class(want[i][0]), want[i][1]);
}

int main(int argc, char **argv)
{
	int i, loaded = 0;
	test_formula();
	for (i = 1; i < argc; i++) {
		struct as_backend_state st;
		char err[768];
		memset(&st, 0, sizeof st);
		if (_as_backend_load(argv[i], &st, 0, err, sizeof err)) {
			t_say("%s: skipped (%s)", argv[i], err);
			continue;
		}
		loaded++;
		if (!strcmp(argv[i], "jemalloc") ||
		    (!strcmp(argv[i], "mimalloc") && strstr(st.path, "libmimalloc.so.2")))
			T_CHECK(st.classes);
		else if (!strcmp(argv[i], "system") || !strncmp(argv[i], "tcmalloc", 8) ||
			 !strcmp(argv[i], "tbbmalloc"))
			T_CHECK(!st.classes);
		t_say("%s: classes %s", argv[i], st.classes ? "yes" : "no");
		if (st.classes)
			T_EQ(first_mismatch(AS_CLASS_MAX), SIZE_MAX);
	}
	T_CHECK(loaded > 0);
	return t_done();
}
