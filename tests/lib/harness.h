/* harness: the one tiny test harness shared by unit, integration and stress
 * tests.
 *
 * It allocates nothing (messages go through snprintf into a stack buffer and
 * write(2)), so the exact byte accounting of the integration tests is not
 * disturbed by the harness itself.
 *
 *   T_CHECK(cond)              any condition
 *   T_EQ(a, b)                 integers, both shown on failure
 *   T_ERR(expr, errno_value)   runs expr, then checks errno
 *   return t_done();           prints "name: N checks, M failed", exit status
 */
#ifndef ALLOCSWAP_TEST_HARNESS_H
#define ALLOCSWAP_TEST_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned t_checks, t_failed;

static void t_say(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void t_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

#define T_CHECK(cond)                                                                      \
	do {                                                                               \
		t_checks++;                                                                \
		if (!(cond)) {                                                             \
			t_failed++;                                                        \
			t_say("%s:%d: FAIL: %s", __FILE__, __LINE__, #cond);               \
		}                                                                          \
	} while (0)

#define T_EQ(a, b)                                                                         \
	do {                                                                               \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                    \
		t_checks++;                                                                \
		if (t_a_ != t_b_) {                                                        \
			t_failed++;                                                        \
			t_say("%s:%d: FAIL: %s == %s (%lld != %lld)", __FILE__, __LINE__, #a, \
			      #b, t_a_, t_b_);                                             \
		}                                                                          \
	} while (0)

#define T_STREQ(a, b)                                                                      \
	do {                                                                               \
		const char *t_a_ = (a), *t_b_ = (b);                                       \
		t_checks++;                                                                \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_)) {                                \
			t_failed++;                                                        \
			t_say("%s:%d: FAIL: %s == %s (\"%s\" != \"%s\")", __FILE__, __LINE__, \
			      #a, #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");      \
		}                                                                          \
	} while (0)

/* Evaluates expr with errno cleared, then checks errno. */
#define T_ERR(expr, err)                                                                   \
	do {                                                                               \
		errno = 0;                                                                 \
		(void)(expr);                                                              \
		T_EQ(errno, err);                                                          \
	} while (0)

static int t_done_named(const char *name)
{
	t_say("%s: %u checks, %u failed", name, t_checks, t_failed);
	return t_failed ? 1 : 0;
}

#define t_done() t_done_named(__FILE__)

#endif

/* For programs run by as_check: prints "EXPECT <field> <op> <value>" on
 * stdout without allocating; as_check checks it against the report, e.g.
 *   t_expect("bytes.peak_live == %zu", n);
 * A value of @baseline compares with the same field of a baseline run
 * (the same program with AS_TEST_BASELINE=1 in its environment). */
static void t_vexpect(const char *head, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), unused));
static void t_vexpect(const char *head, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s ", head);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if (write(1, buf, (size_t)n) < 0)
		return;
}

static void t_expect(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void t_expect(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t_vexpect("EXPECT", fmt, ap);
	va_end(ap);
}
