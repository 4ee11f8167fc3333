/* as_sys: libc-free helpers for code that runs before main or inside malloc.
 *
 * No calls to malloc in this file, and nothing here may call anything that
 * might (stdio, getenv, strerror, qsort...).  Everything works on caller
 * buffers and raw file descriptors.  Functions return 0 or an errno value
 * unless stated otherwise.
 */
#ifndef ALLOCSWAP_AS_SYS_H
#define ALLOCSWAP_AS_SYS_H

#include <stddef.h>
#include <stdint.h>

size_t _as_strlen(const char *s);
int _as_streq(const char *a, const char *b);
/* Non-zero when s starts with prefix; *rest (if non-NULL) points past it. */
int _as_prefix(const char *s, const char *prefix, const char **rest);
/* Bounded copy; always NUL-terminates when cap > 0.  Returns the length copied. */
size_t _as_strlcpy(char *dst, const char *src, size_t cap);
void _as_memcpy(void *dst, const void *src, size_t n);
void _as_memset(void *dst, int c, size_t n);
/* What follows the last '/' of path (all of it when there is none). */
const char *_as_basename(const char *path);

/* Decimal formatting into buf (at least 21 bytes); returns the length. */
size_t _as_u64_dec(char *buf, uint64_t v);

/* Value of NAME in envp (the process's environ when envp is NULL), or NULL. */
const char *_as_env(const char *const *envp, const char *name);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t _as_now_ns(void);

/* write(2) until done, retrying EINTR; 0 or errno. */
int _as_write_all(int fd, const void *buf, size_t n);
/* Writes the NUL-terminated strings, then a newline, to stderr in one write. */
void _as_say(const char *a, const char *b, const char *c, const char *d);

/* Reads up to cap-1 bytes of a (proc) file into buf, NUL-terminates it.
 * Returns the number of bytes read, or -errno. */
long _as_read_file(const char *path, char *buf, size_t cap);

/* Finds "Key:" at the start of a line in a /proc status-style buffer and
 * returns its value in bytes (values given in kB are scaled), or -1. */
int64_t _as_proc_field(const char *buf, const char *key);

#endif
