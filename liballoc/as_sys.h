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
/* Writes the NUL-terminated strings (NULL ones skipped), then a newline, to
 * stderr: the whole line, whatever its length, in one writev when the
 * kernel takes it at once. */
void _as_say(const char *a, const char *b, const char *c, const char *d);

/* Files that appear whole or not at all.  _as_tmp_open creates a temporary
 * file beside path ("<path>.<pid>.tmp", then "<path>.<pid>.<n>.tmp" while
 * one exists; O_EXCL|O_NOFOLLOW, mode 0644), puts its name in tmp (cap
 * bytes) and returns its fd, or -errno.  _as_tmp_finish closes fd and, when
 * rc is 0 and path is not NULL, renames the temporary file to path
 * (replacing what is there, a symlink itself rather than its target);
 * whenever the result is not 0 the temporary file is removed.  With a NULL
 * path the file is left for the caller to _as_publish (or unlink).
 * Returns rc, or the errno of close or rename. */
int _as_tmp_open(const char *path, char *tmp, size_t cap);
int _as_tmp_finish(int fd, int rc, const char *tmp, const char *path);
/* Targets a temporary file must not be renamed over: *fd is an fd open
 * for writing on path (no O_CREAT; written in place, not whole) when path
 * is a character device or a FIFO, or a symlink owned by root or by this
 * user (geteuid) naming one, or naming /proc/self/fd/N or /dev/fd/N
 * (/dev/stdout: a duplicate of N, whatever it is, a socket too), or naming a
 * regular file, any when regular is set, an empty one otherwise (opened
 * O_APPEND: what is there stays, as after a shell's "> file" that
 * /dev/stdout names).  *fd is -1, and 0 returned, for what goes the
 * temporary way: nothing there, a regular file, a directory, a dangling
 * symlink, a symlink owned by someone else (not followed), a link to a
 * non-empty file without regular.
 * Returns ENODEV for a block device or a socket, ENXIO for a FIFO without
 * a reader, EBADF for a /proc/self/fd/N not open, or the errno of open
 * (EACCES, EPERM, ELOOP). */
int _as_open_target(const char *path, int regular, int *fd);
/* Renames from to to unless to exists (as a file, a directory or a
 * symlink, dangling or not): 0, EEXIST, or another errno.  renameat2
 * RENAME_NOREPLACE; link + unlink where the file system or a seccomp
 * filter refuses it (EINVAL, ENOSYS, EOPNOTSUPP, EPERM); where links are
 * refused too, to is made with O_CREAT|O_EXCL|O_NOFOLLOW and from's bytes
 * copied in (not whole at once), then from removed. */
int _as_publish(const char *from, const char *to);

/* Reads up to cap-1 bytes of a (proc) file into buf, NUL-terminates it.
 * Returns the number of bytes read, or -errno. */
long _as_read_file(const char *path, char *buf, size_t cap);

/* Finds "Key:" at the start of a line in a /proc status-style buffer and
 * returns its value in bytes (values given in kB are scaled), or -1. */
int64_t _as_proc_field(const char *buf, const char *key);

#endif
