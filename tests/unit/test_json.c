/* as_json: exact output, escaping, UTF-8 repair, numbers, errors, the fd
 * sink; documents parsed back with jansson (native builds). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_json.h"
#include "harness.h"

#ifdef ALLOCSWAP_HAVE_JANSSON
#include <jansson.h>
#endif

static struct as_json J;
static char mem[1 << 16];

/* A compact writer into mem (cap bytes). */
static struct as_json *compact(size_t cap)
{
	_as_json_init_mem(&J, mem, cap);
	J.pretty = 0;
	return &J;
}

/* One string value at the top level, compared with want (quotes included). */
static void str_is(const char *in, size_t n, const char *want)
{
	struct as_json *j = compact(sizeof mem);
	_as_json_strn(j, NULL, in, n);
	T_EQ(_as_json_finish(j), 0);
	if (strcmp(mem, want))
		t_say("string of %zu bytes: got %s, want %s", n, mem, want);
	T_STREQ(mem, want);
}

#define STR_IS(lit, want) str_is(lit, sizeof lit - 1, want)

static void test_escapes(void)
{
	STR_IS("", "\"\"");
	STR_IS("plain text", "\"plain text\"");
	STR_IS("a\"b", "\"a\\\"b\"");
	STR_IS("back\\slash", "\"back\\\\slash\"");
	STR_IS("/", "\"/\"");
	STR_IS("\n\t\r", "\"\\n\\t\\r\"");
	STR_IS("\x01", "\"\\u0001\"");
	STR_IS("\b\f\x1f", "\"\\u0008\\u000c\\u001f\"");
	STR_IS("a\0b", "\"a\\u0000b\"");
	STR_IS("\x7f", "\"\x7f\"");
	STR_IS(" ~", "\" ~\"");
}

static void test_utf8(void)
{
	/* valid sequences are kept byte for byte */
	STR_IS("\xc3\xa9", "\"\xc3\xa9\"");                 /* U+00E9 */
	STR_IS("\xc2\x80", "\"\xc2\x80\"");                 /* U+0080, smallest 2-byte */
	STR_IS("\xe2\x82\xac", "\"\xe2\x82\xac\"");         /* U+20AC */
	STR_IS("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");         /* U+0800, smallest 3-byte */
	STR_IS("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");         /* U+FFFF */
	STR_IS("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""); /* U+1F600 */
	STR_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	STR_IS("a\xc3\xa9z", "\"a\xc3\xa9z\"");

	/* every byte that is not part of a valid sequence becomes U+FFFD */
	STR_IS("\xff", "\"\\ufffd\"");
	STR_IS("\xfe\xf8", "\"\\ufffd\\ufffd\"");
	STR_IS("\x80", "\"\\ufffd\"");                       /* lone continuation */
	STR_IS("a\xe2\x82", "\"a\\ufffd\\ufffd\"");          /* truncated at the end */
	STR_IS("\xe2\x82z", "\"\\ufffd\\ufffdz\"");          /* truncated by an ASCII byte */
	STR_IS("\xc3", "\"\\ufffd\"");
	STR_IS("\xc0\x80", "\"\\ufffd\\ufffd\"");            /* overlong NUL */
	STR_IS("\xc1\xbf", "\"\\ufffd\\ufffd\"");            /* overlong U+007F */
	STR_IS("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\""); /* overlong U+07FF */
	STR_IS("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* overlong U+FFFF */
	STR_IS("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");             /* surrogate U+D800 */
	STR_IS("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");             /* surrogate U+DFFF */
	STR_IS("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* U+110000 */
	STR_IS("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	STR_IS("ok\xffok", "\"ok\\ufffdok\"");
}

static void test_numbers(void)
{
	struct as_json *j = compact(sizeof mem);
	_as_json_arr(j, NULL);
	_as_json_u64(j, NULL, 0);
	_as_json_u64(j, NULL, 1234567890);
	_as_json_u64(j, NULL, UINT64_MAX);
	_as_json_i64(j, NULL, 0);
	_as_json_i64(j, NULL, -1);
	_as_json_i64(j, NULL, -42);
	_as_json_i64(j, NULL, INT64_MAX);
	_as_json_i64(j, NULL, INT64_MIN);
	_as_json_end_arr(j);
	T_EQ(_as_json_finish(j), 0);
	T_STREQ(mem, "[0,1234567890,18446744073709551615,0,-1,-42,9223372036854775807,"
		     "-9223372036854775808]");

	j = compact(sizeof mem);
	_as_json_arr(j, NULL);
	_as_json_ratio(j, NULL, 1, 3);
	_as_json_ratio(j, NULL, 2, 3);
	_as_json_ratio(j, NULL, 2, 1);
	_as_json_ratio(j, NULL, 0, 7);
	_as_json_ratio(j, NULL, 5, 0);
	_as_json_ratio(j, NULL, 0, 0);
	_as_json_ratio(j, NULL, 5, 100000);   /* 0.00005 rounds half up */
	_as_json_ratio(j, NULL, 4, 100000);   /* 0.00004 rounds down */
	_as_json_ratio(j, NULL, 123456, 1000);
	_as_json_ratio(j, NULL, UINT64_MAX, 1);
	_as_json_ratio(j, NULL, UINT64_MAX, UINT64_MAX);
	_as_json_end_arr(j);
	T_EQ(_as_json_finish(j), 0);
	T_STREQ(mem, "[0.3333,0.6667,2.0000,0.0000,null,null,0.0001,0.0000,123.4560,"
		     "18446744073709551615.0000,1.0000]");

	j = compact(sizeof mem);
	_as_json_obj(j, NULL);
	_as_json_bool(j, "t", 1);
	_as_json_bool(j, "f", 0);
	_as_json_bool(j, "t2", 42);
	_as_json_null(j, "n");
	_as_json_str(j, "s", NULL);
	_as_json_ratio(j, "r", 1, 0);
	_as_json_end_obj(j);
	T_EQ(_as_json_finish(j), 0);
	T_STREQ(mem, "{\"t\":true,\"f\":false,\"t2\":true,\"n\":null,\"s\":null,\"r\":null}");
}

/* The document used for the structure tests. */
static void document(struct as_json *j)
{
	_as_json_obj(j, NULL);
	_as_json_str(j, "schema", "allocswap.report/1");
	_as_json_obj(j, "calls");
	_as_json_u64(j, "malloc", 3);
	_as_json_u64(j, "free", 0);
	_as_json_end_obj(j);
	_as_json_i64(j, "neg", -42);
	_as_json_i64(j, "min", INT64_MIN);
	_as_json_i64(j, "max", INT64_MAX);
	_as_json_ratio(j, "ratio", 1, 3);
	_as_json_ratio(j, "none", 1, 0);
	_as_json_bool(j, "yes", 1);
	_as_json_bool(j, "no", 0);
	_as_json_null(j, "nul");
	_as_json_arr(j, "argv");
	_as_json_str(j, NULL, "prog");
	_as_json_str(j, NULL, "a \"quoted\" arg\\");
	_as_json_str(j, NULL, "tab\there\nnl");
	_as_json_str(j, NULL, "\x01" "ctl\x1f");
	_as_json_str(j, NULL, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	_as_json_str(j, NULL, "bad\xff" "x\xc0\x80" "y\xed\xa0\x80");
	_as_json_strn(j, NULL, "a\0b", 3);
	_as_json_end_arr(j);
	_as_json_arr(j, "histogram");
	_as_json_obj(j, NULL);
	_as_json_u64(j, "le", 16);
	_as_json_u64(j, "count", 5);
	_as_json_end_obj(j);
	_as_json_obj(j, NULL);
	_as_json_null(j, "le");
	_as_json_u64(j, "count", 1);
	_as_json_end_obj(j);
	_as_json_end_arr(j);
	_as_json_obj(j, "deep");
	_as_json_obj(j, "a");
	_as_json_obj(j, "b");
	_as_json_arr(j, "c");
	_as_json_u64(j, NULL, 1);
	_as_json_arr(j, NULL);
	_as_json_u64(j, NULL, 2);
	_as_json_arr(j, NULL);
	_as_json_u64(j, NULL, 3);
	_as_json_obj(j, NULL);
	_as_json_end_obj(j);
	_as_json_end_arr(j);
	_as_json_end_arr(j);
	_as_json_arr(j, NULL);
	_as_json_end_arr(j);
	_as_json_end_arr(j);
	_as_json_end_obj(j);
	_as_json_end_obj(j);
	_as_json_end_obj(j);
	_as_json_obj(j, "empty_obj");
	_as_json_end_obj(j);
	_as_json_arr(j, "empty_arr");
	_as_json_end_arr(j);
	_as_json_str(j, "k\"ey\\", "v");
	_as_json_end_obj(j);
}

static void test_pretty_exact(void)
{
	struct as_json *j = compact(sizeof mem);
	j->pretty = 1;
	_as_json_obj(j, NULL);
	_as_json_u64(j, "a", 1);
	_as_json_arr(j, "b");
	_as_json_u64(j, NULL, 1);
	_as_json_u64(j, NULL, 2);
	_as_json_end_arr(j);
	_as_json_obj(j, "c");
	_as_json_obj(j, "d");
	_as_json_u64(j, "e", 1);
	_as_json_str(j, "f", "g");
	_as_json_end_obj(j);
	_as_json_arr(j, "h");
	_as_json_end_arr(j);
	_as_json_end_obj(j);
	_as_json_obj(j, "i");
	_as_json_end_obj(j);
	_as_json_end_obj(j);
	T_EQ(_as_json_finish(j), 0);
	T_STREQ(mem, "{\n"
		     "  \"a\": 1,\n"
		     "  \"b\": [\n"
		     "    1,\n"
		     "    2\n"
		     "  ],\n"
		     "  \"c\": {\n"
		     "    \"d\": {\"e\": 1,\"f\": \"g\"},\n"
		     "    \"h\": []\n"
		     "  },\n"
		     "  \"i\": {}\n"
		     "}");

	/* the default is pretty */
	_as_json_init_mem(&J, mem, sizeof mem);
	_as_json_arr(&J, NULL);
	_as_json_u64(&J, NULL, 7);
	_as_json_end_arr(&J);
	T_EQ(_as_json_finish(&J), 0);
	T_STREQ(mem, "[\n  7\n]");
}

static void test_compact_exact(void)
{
	struct as_json *j = compact(sizeof mem);
	document(j);
	T_EQ(_as_json_finish(j), 0);
	T_STREQ(mem,
		"{\"schema\":\"allocswap.report/1\",\"calls\":{\"malloc\":3,\"free\":0},"
		"\"neg\":-42,\"min\":-9223372036854775808,\"max\":9223372036854775807,"
		"\"ratio\":0.3333,\"none\":null,\"yes\":true,\"no\":false,\"nul\":null,"
		"\"argv\":[\"prog\",\"a \\\"quoted\\\" arg\\\\\",\"tab\\there\\nnl\","
		"\"\\u0001ctl\\u001f\",\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
		"\"bad\\ufffdx\\ufffd\\ufffdy\\ufffd\\ufffd\\ufffd\",\"a\\u0000b\"],"
		"\"histogram\":[{\"le\":16,\"count\":5},{\"le\":null,\"count\":1}],"
		"\"deep\":{\"a\":{\"b\":{\"c\":[1,[2,[3,{}]],[]]}}},"
		"\"empty_obj\":{},\"empty_arr\":[],\"k\\\"ey\\\\\":\"v\"}");
}

#ifdef ALLOCSWAP_HAVE_JANSSON
static void check_parsed(const char *text, size_t len)
{
	json_error_t e;
	json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &e), *v, *a;
	if (!root) {
		t_say("jansson: %s at line %d column %d", e.text, e.line, e.column);
		T_CHECK(root != NULL);
		return;
	}
	T_CHECK(json_is_object(root));
	T_EQ(json_object_size(root), 16);
	T_STREQ(json_string_value(json_object_get(root, "schema")), "allocswap.report/1");
	v = json_object_get(root, "calls");
	T_CHECK(json_is_object(v));
	T_EQ(json_object_size(v), 2);
	T_EQ(json_integer_value(json_object_get(v, "malloc")), 3);
	T_CHECK(json_is_integer(json_object_get(v, "free")));
	T_EQ(json_integer_value(json_object_get(v, "free")), 0);
	T_EQ(json_integer_value(json_object_get(root, "neg")), -42);
	T_CHECK(json_integer_value(json_object_get(root, "min")) == INT64_MIN);
	T_CHECK(json_integer_value(json_object_get(root, "max")) == INT64_MAX);
	v = json_object_get(root, "ratio");
	T_CHECK(json_is_real(v));
	T_CHECK(json_real_value(v) == 0.3333);
	T_CHECK(json_is_null(json_object_get(root, "none")));
	T_CHECK(json_is_true(json_object_get(root, "yes")));
	T_CHECK(json_is_false(json_object_get(root, "no")));
	T_CHECK(json_is_null(json_object_get(root, "nul")));

	a = json_object_get(root, "argv");
	T_CHECK(json_is_array(a));
	T_EQ(json_array_size(a), 7);
	T_STREQ(json_string_value(json_array_get(a, 0)), "prog");
	T_STREQ(json_string_value(json_array_get(a, 1)), "a \"quoted\" arg\\");
	T_STREQ(json_string_value(json_array_get(a, 2)), "tab\there\nnl");
	T_STREQ(json_string_value(json_array_get(a, 3)), "\x01" "ctl\x1f");
	T_STREQ(json_string_value(json_array_get(a, 4)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	T_STREQ(json_string_value(json_array_get(a, 5)),
		"bad\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	v = json_array_get(a, 6);
	T_EQ(json_string_length(v), 3);
	T_CHECK(json_string_value(v) && memcmp(json_string_value(v), "a\0b", 3) == 0);

	a = json_object_get(root, "histogram");
	T_EQ(json_array_size(a), 2);
	T_EQ(json_integer_value(json_object_get(json_array_get(a, 0), "le")), 16);
	T_EQ(json_integer_value(json_object_get(json_array_get(a, 0), "count")), 5);
	T_CHECK(json_is_null(json_object_get(json_array_get(a, 1), "le")));
	T_EQ(json_integer_value(json_object_get(json_array_get(a, 1), "count")), 1);

	v = json_object_get(json_object_get(json_object_get(root, "deep"), "a"), "b");
	a = json_object_get(v, "c");
	T_EQ(json_array_size(a), 3);
	T_EQ(json_integer_value(json_array_get(a, 0)), 1);
	v = json_array_get(a, 1);
	T_EQ(json_array_size(v), 2);
	T_EQ(json_integer_value(json_array_get(v, 0)), 2);
	v = json_array_get(v, 1);
	T_EQ(json_array_size(v), 2);
	T_EQ(json_integer_value(json_array_get(v, 0)), 3);
	T_CHECK(json_is_object(json_array_get(v, 1)));
	T_EQ(json_object_size(json_array_get(v, 1)), 0);
	T_CHECK(json_is_array(json_array_get(a, 2)));
	T_EQ(json_array_size(json_array_get(a, 2)), 0);

	T_EQ(json_object_size(json_object_get(root, "empty_obj")), 0);
	T_CHECK(json_is_array(json_object_get(root, "empty_arr")));
	T_STREQ(json_string_value(json_object_get(root, "k\"ey\\")), "v");
	json_decref(root);
}
#endif

static void test_parse_back(void)
{
	struct as_json *j;
	size_t len;
	int pretty;
	for (pretty = 0; pretty <= 1; pretty++) {
		j = compact(sizeof mem);
		j->pretty = pretty;
		document(j);
		T_EQ(_as_json_finish(j), 0);
		len = strlen(mem);
		T_EQ(j->memlen, len);
#ifdef ALLOCSWAP_HAVE_JANSSON
		check_parsed(mem, len);
#endif
	}
}

static void test_mem_errors(void)
{
	char small[16];
	struct as_json *j;
	size_t i;

	/* "[1]" needs 4 bytes with its NUL */
	memset(small, 'X', sizeof small);
	_as_json_init_mem(&J, small, 4);
	J.pretty = 0;
	_as_json_arr(&J, NULL);
	_as_json_u64(&J, NULL, 1);
	_as_json_end_arr(&J);
	T_EQ(_as_json_finish(&J), 0);
	T_STREQ(small, "[1]");

	memset(small, 'X', sizeof small);
	_as_json_init_mem(&J, small, 3);
	J.pretty = 0;
	_as_json_arr(&J, NULL);
	_as_json_u64(&J, NULL, 1);
	T_EQ(J.err, 0);
	_as_json_end_arr(&J);
	T_EQ(J.err, ENOSPC);
	T_EQ(J.memlen, 2);
	/* sticky: nothing more is written, not even what would fit */
	_as_json_str(&J, NULL, "");
	_as_json_end_arr(&J);
	T_EQ(J.memlen, 2);
	T_EQ(_as_json_finish(&J), ENOSPC);
	T_STREQ(small, "[1");
	for (i = 3; i < sizeof small; i++)
		T_EQ(small[i], 'X');

	/* a long string: ENOSPC, the buffer stays NUL-terminated inside cap */
	memset(small, 'X', sizeof small);
	_as_json_init_mem(&J, small, 8);
	_as_json_str(&J, NULL, "abcdefghijklmnop");
	T_EQ(_as_json_finish(&J), ENOSPC);
	T_STREQ(small, "\"abcdef");
	for (i = 8; i < sizeof small; i++)
		T_EQ(small[i], 'X');

	/* capacity 0: nothing is written at all */
	memset(small, 'X', sizeof small);
	_as_json_init_mem(&J, small, 0);
	_as_json_null(&J, NULL);
	T_EQ(_as_json_finish(&J), ENOSPC);
	T_EQ(small[0], 'X');

	/* unbalanced: an end without a start, a start without an end */
	j = compact(sizeof mem);
	_as_json_end_obj(j);
	T_EQ(j->err, EINVAL);
	T_EQ(_as_json_finish(j), EINVAL);
	j = compact(sizeof mem);
	_as_json_end_arr(j);
	T_EQ(_as_json_finish(j), EINVAL);
	j = compact(sizeof mem);
	_as_json_obj(j, NULL);
	_as_json_end_obj(j);
	_as_json_end_obj(j);
	T_EQ(_as_json_finish(j), EINVAL);
	j = compact(sizeof mem);
	_as_json_obj(j, NULL);
	_as_json_arr(j, "a");
	_as_json_end_arr(j);
	T_EQ(j->err, 0);
	T_EQ(_as_json_finish(j), EINVAL);

	/* nesting: AS_JSON_DEPTH - 1 levels fit, one more is EOVERFLOW */
	j = compact(sizeof mem);
	for (i = 0; i < AS_JSON_DEPTH - 1; i++)
		_as_json_arr(j, NULL);
	for (i = 0; i < AS_JSON_DEPTH - 1; i++)
		_as_json_end_arr(j);
	T_EQ(_as_json_finish(j), 0);
	T_EQ(strlen(mem), 2 * (AS_JSON_DEPTH - 1));
	j = compact(sizeof mem);
	for (i = 0; i < AS_JSON_DEPTH; i++)
		_as_json_arr(j, NULL);
	T_EQ(j->err, EOVERFLOW);
	T_EQ(_as_json_finish(j), EOVERFLOW);
}

/* A document bigger than the 4096-byte buffer: many strings, one longer
 * than the buffer, some multi-byte. */
static char big_string[10000];

static void big_document(struct as_json *j)
{
	char item[64];
	int i;
	memset(big_string, 'q', sizeof big_string - 1);
	big_string[sizeof big_string - 1] = 0;
	_as_json_obj(j, NULL);
	_as_json_arr(j, "items");
	for (i = 0; i < 700; i++) {
		snprintf(item, sizeof item, "item-%04d-\xc3\xa9-\"-\\-\x01-padding", i);
		_as_json_str(j, NULL, item);
	}
	_as_json_end_arr(j);
	_as_json_str(j, "big", big_string);
	_as_json_u64(j, "end", 1);
	_as_json_end_obj(j);
}

struct reader {
	int fd;
	char *buf;
	size_t cap, len;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	ssize_t n;
	while (r->len < r->cap && (n = read(r->fd, r->buf + r->len, r->cap - r->len)) > 0)
		r->len += (size_t)n;
	return NULL;
}

static void test_fd_sink(void)
{
	static char got[1 << 16];
	struct as_json *j = compact(sizeof mem);
	size_t want_len;
	int fds[2], fd;
	pthread_t th;
	struct reader r = {0, got, sizeof got, 0};
	char path[] = "/tmp/allocswap-json-XXXXXX";
	static struct as_json F;

	/* the reference rendering, in memory (pretty, like the report) */
	j->pretty = 1;
	big_document(j);
	T_EQ(_as_json_finish(j), 0);
	want_len = strlen(mem);
	T_CHECK(want_len > 3 * sizeof j->buf);
	T_CHECK(want_len + 1 < sizeof got);

	/* into a pipe, read by another thread */
	T_EQ(pipe(fds), 0);
	r.fd = fds[0];
	T_EQ(pthread_create(&th, NULL, read_all, &r), 0);
	_as_json_init_fd(&F, fds[1]);
	big_document(&F);
	T_EQ(_as_json_finish(&F), 0);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	T_EQ(r.len, want_len + 1); /* the fd sink ends with a newline */
	T_CHECK(memcmp(got, mem, want_len) == 0);
	T_EQ(got[want_len], '\n');

	/* into a file */
	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	_as_json_init_fd(&F, fd);
	big_document(&F);
	T_EQ(_as_json_finish(&F), 0);
	T_EQ(lseek(fd, 0, SEEK_SET), 0);
	r.fd = fd;
	r.len = 0;
	read_all(&r);
	close(fd);
	T_EQ(r.len, want_len + 1);
	T_CHECK(memcmp(got, mem, want_len) == 0);
	T_EQ(got[want_len], '\n');
#ifdef ALLOCSWAP_HAVE_JANSSON
	{
		json_error_t e;
		json_t *root = json_loadb(got, r.len, 0, &e);
		T_CHECK(root != NULL);
		if (root) {
			json_t *items = json_object_get(root, "items");
			T_EQ(json_array_size(items), 700);
			T_STREQ(json_string_value(json_array_get(items, 699)),
				"item-0699-\xc3\xa9-\"-\\-\x01-padding");
			T_EQ(json_string_length(json_object_get(root, "big")),
			     sizeof big_string - 1);
			T_EQ(json_integer_value(json_object_get(root, "end")), 1);
			json_decref(root);
		}
	}
#endif
}

static void test_fd_errors(void)
{
	static struct as_json F;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		_as_json_init_fd(&F, fd);
		_as_json_str(&F, NULL, "x");
		T_EQ(_as_json_finish(&F), ENOSPC);
		close(fd);
	} else {
		t_say("no /dev/full: ENOSPC on write not tested");
	}

	/* a read-only descriptor: EBADF, kept through later calls */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_CHECK(fd >= 0);
	_as_json_init_fd(&F, fd);
	big_document(&F); /* flushes mid-document */
	T_EQ(F.err, EBADF);
	_as_json_u64(&F, "more", 1);
	T_EQ(_as_json_finish(&F), EBADF);
	close(fd);
}

int main(void)
{
	test_escapes();
	test_utf8();
	test_numbers();
	test_pretty_exact();
	test_compact_exact();
	test_parse_back();
	test_mem_errors();
	test_fd_sink();
	test_fd_errors();
	return t_done();
}
