/* as_json: allocation-free JSON writer.  No calls to malloc in this file. */
#include "as_json.h"

#include <errno.h>

#include "as_sys.h"

static void flush(struct as_json *j)
{
	if (j->fd >= 0 && j->n && !j->err)
		j->err = _as_write_all(j->fd, j->buf, j->n);
	j->n = 0;
}

static void put(struct as_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->fd < 0) {
		if (j->memlen + n >= j->memcap) {
			j->err = ENOSPC;
			return;
		}
		_as_memcpy(j->mem + j->memlen, s, n);
		j->memlen += n;
		return;
	}
	while (n) {
		size_t k = sizeof j->buf - j->n;
		if (k > n)
			k = n;
		_as_memcpy(j->buf + j->n, s, k);
		j->n += k;
		s += k;
		n -= k;
		if (j->n == sizeof j->buf)
			flush(j);
	}
}

static void putc1(struct as_json *j, char c)
{
	put(j, &c, 1);
}

static void init(struct as_json *j)
{
	j->n = 0;
	j->err = 0;
	j->depth = 0;
	j->first[0] = 1;
	j->pretty = 1;
}

void _as_json_init_fd(struct as_json *j, int fd)
{
	j->fd = fd;
	j->mem = NULL;
	j->memcap = j->memlen = 0;
	init(j);
}

void _as_json_init_mem(struct as_json *j, char *mem, size_t cap)
{
	j->fd = -1;
	j->mem = mem;
	j->memcap = cap;
	j->memlen = 0;
	init(j);
}

int _as_json_finish(struct as_json *j)
{
	if (j->depth && !j->err)
		j->err = EINVAL; /* unbalanced */
	if (j->fd >= 0) {
		if (j->pretty)
			putc1(j, '\n');
		flush(j);
	} else if (j->mem && j->memcap) {
		j->mem[j->memlen < j->memcap ? j->memlen : j->memcap - 1] = 0;
	}
	return j->err;
}

/* Containers up to depth 2 get one element a line; deeper ones stay inline. */
static void newline(struct as_json *j)
{
	int i;
	if (!j->pretty || j->depth > 2)
		return;
	putc1(j, '\n');
	for (i = 0; i < j->depth; i++)
		put(j, "  ", 2);
}

static void string(struct as_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	putc1(j, '"');
	while (p < end) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(j, e, 2);
			p++;
		} else if (c < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			if (c == '\n')
				put(j, "\\n", 2);
			else if (c == '\t')
				put(j, "\\t", 2);
			else if (c == '\r')
				put(j, "\\r", 2);
			else
				put(j, e, 6);
			p++;
		} else if (c < 0x80) {
			putc1(j, (char)c);
			p++;
		} else {
			/* validate one UTF-8 sequence: lead byte, length, continuation
			 * bytes, no overlong forms, no surrogates, <= U+10FFFF */
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
			uint32_t cp = len == 4 ? c & 7u : len == 3 ? c & 15u : c & 31u;
			size_t k;
			int ok = len >= 2 && c <= 0xf4 && (size_t)(end - p) >= len;
			for (k = 1; ok && k < len; k++) {
				if ((p[k] & 0xc0) != 0x80)
					ok = 0;
				else
					cp = (cp << 6) | (p[k] & 0x3fu);
			}
			if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
				   (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
				   (cp >= 0xd800 && cp <= 0xdfff)))
				ok = 0;
			if (ok) {
				put(j, (const char *)p, len);
				p += len;
			} else {
				put(j, "\\ufffd", 6);
				p++;
			}
		}
	}
	putc1(j, '"');
}

static void key(struct as_json *j, const char *k)
{
	if (!j->first[j->depth])
		putc1(j, ',');
	j->first[j->depth] = 0;
	if (j->depth)
		newline(j);
	if (k) {
		string(j, k, _as_strlen(k));
		put(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
	}
}

static void open_(struct as_json *j, const char *k, char c)
{
	key(j, k);
	putc1(j, c);
	if (j->depth + 1 >= AS_JSON_DEPTH) {
		if (!j->err)
			j->err = EOVERFLOW;
		return;
	}
	j->first[++j->depth] = 1;
}

static void close_(struct as_json *j, char c)
{
	int empty;
	if (j->depth <= 0) {
		if (!j->err)
			j->err = EINVAL;
		return;
	}
	empty = j->first[j->depth];
	if (!empty && j->depth <= 2) {
		j->depth--;
		newline(j);
	} else {
		j->depth--;
	}
	putc1(j, c);
}

void _as_json_obj(struct as_json *j, const char *k)
{
	open_(j, k, '{');
}

void _as_json_arr(struct as_json *j, const char *k)
{
	open_(j, k, '[');
}

void _as_json_end_obj(struct as_json *j)
{
	close_(j, '}');
}

void _as_json_end_arr(struct as_json *j)
{
	close_(j, ']');
}

void _as_json_strn(struct as_json *j, const char *k, const char *s, size_t n)
{
	key(j, k);
	string(j, s, n);
}

void _as_json_str(struct as_json *j, const char *k, const char *s)
{
	if (!s) {
		_as_json_null(j, k);
		return;
	}
	_as_json_strn(j, k, s, _as_strlen(s));
}

void _as_json_u64(struct as_json *j, const char *k, uint64_t v)
{
	char b[24];
	key(j, k);
	put(j, b, _as_u64_dec(b, v));
}

void _as_json_i64(struct as_json *j, const char *k, int64_t v)
{
	char b[24];
	key(j, k);
	if (v < 0) {
		putc1(j, '-');
		put(j, b, _as_u64_dec(b, (uint64_t)0 - (uint64_t)v));
	} else {
		put(j, b, _as_u64_dec(b, (uint64_t)v));
	}
}

void _as_json_ratio(struct as_json *j, const char *k, uint64_t num, uint64_t den)
{
	char b[24];
	__extension__ typedef unsigned __int128 u128;
	u128 scaled;
	uint64_t whole, frac;
	size_t n;
	if (!den) {
		_as_json_null(j, k);
		return;
	}
	scaled = ((u128)num * 10000u + den / 2) / den;
	whole = (uint64_t)(scaled / 10000u);
	frac = (uint64_t)(scaled % 10000u);
	key(j, k);
	put(j, b, _as_u64_dec(b, whole));
	putc1(j, '.');
	b[0] = (char)('0' + frac / 1000);
	b[1] = (char)('0' + frac / 100 % 10);
	b[2] = (char)('0' + frac / 10 % 10);
	b[3] = (char)('0' + frac % 10);
	n = 4;
	put(j, b, n);
}

void _as_json_bool(struct as_json *j, const char *k, int v)
{
	key(j, k);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void _as_json_null(struct as_json *j, const char *k)
{
	key(j, k);
	put(j, "null", 4);
}
