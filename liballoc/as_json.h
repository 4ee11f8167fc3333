/* as_json: a streaming JSON writer that allocates nothing.
 *
 * No calls to malloc in this file: it runs inside the process being
 * measured, at exit.  Output goes through a fixed buffer to a file
 * descriptor, or into a caller's memory buffer (unit tests, the summary).
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so the output is always valid JSON.  Errors are sticky: the first
 * failed write (or a memory buffer that is too small) is kept in ->err and
 * later calls do nothing.
 */
#ifndef ALLOCSWAP_AS_JSON_H
#define ALLOCSWAP_AS_JSON_H

#include <stddef.h>
#include <stdint.h>

#define AS_JSON_DEPTH 16

struct as_json {
	int fd;         /* -1: write into mem */
	char *mem;      /* memory sink */
	size_t memcap;
	size_t memlen;
	char buf[4096]; /* fd sink buffer */
	size_t n;
	int err;        /* first errno seen, 0 if none */
	int depth;
	unsigned char first[AS_JSON_DEPTH]; /* no element written yet at this depth */
	int pretty;
};

void _as_json_init_fd(struct as_json *j, int fd);
void _as_json_init_mem(struct as_json *j, char *mem, size_t cap);
/* Flushes; returns 0 or the first error.  For a memory sink, NUL-terminates. */
int _as_json_finish(struct as_json *j);

/* key may be NULL inside arrays and at the top level. */
void _as_json_obj(struct as_json *j, const char *key);
void _as_json_arr(struct as_json *j, const char *key);
void _as_json_end_obj(struct as_json *j);
void _as_json_end_arr(struct as_json *j);
void _as_json_str(struct as_json *j, const char *key, const char *s);
void _as_json_strn(struct as_json *j, const char *key, const char *s, size_t n);
void _as_json_u64(struct as_json *j, const char *key, uint64_t v);
void _as_json_i64(struct as_json *j, const char *key, int64_t v);
/* A non-negative ratio num/den with 4 decimals; null when den is 0. */
void _as_json_ratio(struct as_json *j, const char *key, uint64_t num, uint64_t den);
void _as_json_bool(struct as_json *j, const char *key, int v);
void _as_json_null(struct as_json *j, const char *key);

#endif
