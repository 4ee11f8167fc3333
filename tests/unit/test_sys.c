/* as_sys: the libc-free helpers. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_sys.h"
#include "harness.h"

static void test_strings(void)
{
	char buf[8];
	const char *rest = NULL;

	T_EQ(_as_strlen(""), 0);
	T_EQ(_as_strlen("abc"), 3);
	T_CHECK(_as_streq("", ""));
	T_CHECK(_as_streq("abc", "abc"));
	T_CHECK(!_as_streq("abc", "abd"));
	T_CHECK(!_as_streq("abc", "ab"));
	T_CHECK(!_as_streq("ab", "abc"));
	T_CHECK(!_as_streq("", "a"));

	T_CHECK(_as_prefix("ALLOCSWAP_STATS=off", "ALLOCSWAP_", &rest));
	T_STREQ(rest, "STATS=off");
	T_CHECK(_as_prefix("abc", "", &rest));
	T_STREQ(rest, "abc");
	T_CHECK(_as_prefix("abc", "abc", &rest));
	T_STREQ(rest, "");
	rest = "untouched";
	T_CHECK(!_as_prefix("ab", "abc", &rest));
	T_CHECK(!_as_prefix("abd", "abc", &rest));
	T_STREQ(rest, "untouched");
	T_CHECK(_as_prefix("abc", "ab", NULL));

	memset(buf, 'X', sizeof buf);
	T_EQ(_as_strlcpy(buf, "hello", sizeof buf), 5);
	T_STREQ(buf, "hello");
	T_EQ(_as_strlcpy(buf, "truncated", sizeof buf), 7);
	T_STREQ(buf, "truncat");
	T_EQ(_as_strlcpy(buf, "", sizeof buf), 0);
	T_STREQ(buf, "");
	memset(buf, 'X', sizeof buf);
	T_EQ(_as_strlcpy(buf, "abc", 1), 0);
	T_EQ(buf[0], 0);
	T_EQ(buf[1], 'X');
	T_EQ(_as_strlcpy(buf, "abc", 0), 0);
	T_EQ(buf[1], 'X');

	memset(buf, 0, sizeof buf);
	_as_memcpy(buf, "abcdefg", 7);
	T_STREQ(buf, "abcdefg");
	_as_memcpy(buf, "zz", 0);
	T_EQ(buf[0], 'a');
	_as_memset(buf, 'q', 3);
	T_STREQ(buf, "qqqdefg");
	_as_memset(buf + 3, 0x100 + 'r', 1); /* converted to unsigned char */
	T_STREQ(buf, "qqqrefg");
}

static void dec_is(uint64_t v, const char *want)
{
	char buf[24];
	memset(buf, 'X', sizeof buf);
	T_EQ(_as_u64_dec(buf, v), strlen(want));
	T_STREQ(buf, want);
}

static void test_dec(void)
{
	dec_is(0, "0");
	dec_is(1, "1");
	dec_is(9, "9");
	dec_is(10, "10");
	dec_is(1234567890, "1234567890");
	dec_is(UINT32_MAX, "4294967295");
	dec_is(10000000000000000000ULL, "10000000000000000000");
	dec_is(UINT64_MAX, "18446744073709551615");
	{
		/* 21 bytes are enough */
		char *b = malloc(21);
		T_EQ(_as_u64_dec(b, UINT64_MAX), 20);
		T_STREQ(b, "18446744073709551615");
		free(b);
	}
}

static void test_env(void)
{
	const char *const envp[] = {"A=1", "AB=2", "B=", "C=x=y", "NOEQ", "=odd", NULL};
	const char *const empty[] = {NULL};

	T_STREQ(_as_env(envp, "A"), "1");
	T_STREQ(_as_env(envp, "AB"), "2");
	T_STREQ(_as_env(envp, "B"), "");
	T_STREQ(_as_env(envp, "C"), "x=y");
	T_CHECK(_as_env(envp, "D") == NULL);
	T_CHECK(_as_env(envp, "NOEQ") == NULL);
	T_CHECK(_as_env(envp, "a") == NULL);
	T_CHECK(_as_env(envp, "ABC") == NULL);
	T_CHECK(_as_env(empty, "A") == NULL);
	/* the first of two wins, like getenv */
	{
		const char *const twice[] = {"X=first", "X=second", NULL};
		T_STREQ(_as_env(twice, "X"), "first");
	}
	/* NULL: the process environment */
	T_EQ(setenv("ALLOCSWAP_TEST_SYS", "from environ", 1), 0);
	T_STREQ(_as_env(NULL, "ALLOCSWAP_TEST_SYS"), "from environ");
	T_CHECK(_as_env(NULL, "ALLOCSWAP_TEST_SYS_NOT_SET") == NULL);
	T_EQ(unsetenv("ALLOCSWAP_TEST_SYS"), 0);
	T_CHECK(_as_env(NULL, "ALLOCSWAP_TEST_SYS") == NULL);
}

static void test_proc_field(void)
{
	static const char status[] = "Name:\tcat\n"
				     "VmPeak:\t   10000 kB\n"
				     "VmHWM:\t    1234 kB\n"
				     "VmRSS:\t      10 kB\n"
				     "RssAnon:\t       0 kB\n"
				     "Threads:\t4\n"
				     "VmHWMX:\t  99 kB\n"
				     "Bad:\tabc\n"
				     "Last:  77 kB";
	char buf[4096];
	long n;

	T_EQ(_as_proc_field(status, "VmHWM"), 1263616);
	T_EQ(_as_proc_field(status, "VmRSS"), 10240);
	T_EQ(_as_proc_field(status, "RssAnon"), 0);
	T_EQ(_as_proc_field(status, "VmPeak"), 10000 * 1024);
	T_EQ(_as_proc_field(status, "Threads"), 4); /* no unit: as is */
	T_EQ(_as_proc_field(status, "VmHWMX"), 99 * 1024);
	T_EQ(_as_proc_field(status, "Last"), 77 * 1024); /* no newline at the end */
	T_EQ(_as_proc_field(status, "Bad"), -1);
	T_EQ(_as_proc_field(status, "Name"), -1);
	T_EQ(_as_proc_field(status, "VmSwap"), -1);
	T_EQ(_as_proc_field(status, "HWM"), -1);  /* only at the start of a line */
	T_EQ(_as_proc_field(status, "VmHW"), -1); /* the whole key */
	T_EQ(_as_proc_field("", "VmHWM"), -1);
	T_EQ(_as_proc_field("VmHWM:", "VmHWM"), -1);
	T_EQ(_as_proc_field("VmHWM: 5", "VmHWM"), 5);

	/* this process's own */
	n = _as_read_file("/proc/self/status", buf, sizeof buf);
	T_CHECK(n > 0);
	T_CHECK(_as_proc_field(buf, "VmRSS") > 0);
	T_CHECK(_as_proc_field(buf, "VmHWM") >= _as_proc_field(buf, "VmRSS"));
	T_EQ(_as_proc_field(buf, "Pid"), getpid());
}

static void test_read_file(void)
{
	char path[] = "/tmp/allocswap-sys-XXXXXX";
	char buf[16];
	int fd = mkstemp(path);
	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	T_EQ(write(fd, "0123456789abcdefXYZ", 19), 19);
	close(fd);

	memset(buf, 'x', sizeof buf);
	T_EQ(_as_read_file(path, buf, sizeof buf), 15); /* cap - 1 */
	T_STREQ(buf, "0123456789abcde");
	T_EQ(_as_read_file(path, buf, 4), 3);
	T_STREQ(buf, "012");
	T_EQ(_as_read_file(path, buf, 1), 0);
	T_STREQ(buf, "");
	T_EQ(_as_read_file(path, buf, 0), -EINVAL);
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	T_EQ(_as_read_file(path, buf, sizeof buf), 0);
	T_STREQ(buf, "");
	unlink(path);
	T_EQ(_as_read_file(path, buf, sizeof buf), -ENOENT);
	T_EQ(_as_read_file("/", buf, sizeof buf), -EISDIR);
}

struct drain {
	int fd;
	size_t n;
	unsigned long sum;
};

static void *drain(void *arg)
{
	struct drain *d = arg;
	unsigned char b[4096];
	ssize_t r;
	while ((r = read(d->fd, b, sizeof b)) > 0) {
		ssize_t i;
		for (i = 0; i < r; i++)
			d->sum += b[i];
		d->n += (size_t)r;
	}
	return NULL;
}

static void test_write_all(void)
{
	static unsigned char big[1 << 20]; /* more than a pipe holds */
	unsigned long sum = 0;
	struct drain d = {0, 0, 0};
	pthread_t th;
	int fds[2], fd;
	size_t i;

	for (i = 0; i < sizeof big; i++) {
		big[i] = (unsigned char)(i * 7);
		sum += big[i];
	}
	T_EQ(pipe(fds), 0);
	d.fd = fds[0];
	T_EQ(pthread_create(&th, NULL, drain, &d), 0);
	T_EQ(_as_write_all(fds[1], big, sizeof big), 0);
	T_EQ(_as_write_all(fds[1], big, 0), 0);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	T_EQ(d.n, sizeof big);
	T_CHECK(d.sum == sum);

	fd = open("/dev/null", O_RDONLY);
	T_EQ(_as_write_all(fd, "x", 1), EBADF);
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		T_EQ(_as_write_all(fd, "x", 1), ENOSPC);
		close(fd);
	}
}

/* _as_say: one whole line on stderr, NULL parts skipped, errno kept. */
static void test_say(void)
{
	char buf[2048];
	char longer[1500];
	int fds[2], saved;
	ssize_t n;

	T_EQ(pipe(fds), 0);
	saved = dup(2);
	dup2(fds[1], 2);
	errno = ERANGE;
	_as_say("allocswap: ", "one", NULL, " line");
	T_EQ(errno, ERANGE);
	memset(longer, 'L', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	_as_say(longer, "tail", NULL, NULL);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	T_CHECK(n > 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	T_CHECK(strncmp(buf, "allocswap: one line\n", 20) == 0);
	/* a long message (a long report path) is written whole, one line:
	 * it was cut at 1023 bytes before */
	T_EQ(n, 20 + (ssize_t)strlen(longer) + 4 + 1);
	T_CHECK(strncmp(buf + 20, longer, strlen(longer)) == 0);
	T_CHECK(strcmp(buf + n - 5, "tail\n") == 0);
	T_CHECK(strchr(buf + 20, '\n') == buf + n - 1);
}

int main(void)
{
	test_strings();
	test_dec();
	test_env();
	test_proc_field();
	test_read_file();
	test_write_all();
	test_say();
	return t_done();
}
