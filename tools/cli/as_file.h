/* as_file: the files the CLI writes appear whole or not at all.
 *
 * A report, a summary, a meta.json is written under a temporary name in
 * the same directory ("<path>.tmp.<pid>", created with O_EXCL), flushed,
 * fsynced and renamed over path only when every byte is there.  A reader
 * (a browser reloading report.html, `report` reading meta.json, another
 * shard) sees the old file or the new one, never half of either; a full
 * file system, a write error or a kill leaves the old file as it was, and
 * on an error the temporary file is removed.  (A kill leaves it behind,
 * under its own name.)  Functions return 0 or an errno value.
 *
 * Only a regular file, or a path where nothing is, is replaced that way.
 * Anything else is written in place, as the shell's '>' would:
 *  - a descriptor of this process named through links (/dev/stdout,
 *    /dev/fd/N, /proc/self/fd/N, a link to one of them) is written through a
 *    dup of it, so that a pipe, a terminal or a file the caller opened
 *    (with '>>' too) gets the bytes where the caller's own writes go;
 *  - a character device, a FIFO, a socket: opened and written (a FIFO
 *    waits for its reader, as '>' does);
 *  - a symbolic link (to anything): opened and truncated through the link.
 *    Replacing a link would swap the link itself for a file and leave its
 *    target as it was; renaming over its target instead would need the
 *    target's own directory to be writable and would break the target's
 *    other hard links and /proc magic links, so the link is followed the
 *    way '>' follows it;
 *  - a regular file whose directory does not let us create the temporary
 *    file (EACCES, EPERM) but which we may write: truncated and written in
 *    place, silently, since that is the file the caller asked for.
 * Written in place, a file is not whole-or-nothing: a failed write leaves
 * what got written, and as_file_close(a, 0) cannot take it back.
 *
 * Files appended to as they grow (runs.jsonl, a process's captured output)
 * are not for this: they are written in place on purpose.
 */
#ifndef ALLOCSWAP_AS_FILE_H
#define ALLOCSWAP_AS_FILE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct as_file {
	FILE *f;
	char path[PATH_MAX];
	char tmp[PATH_MAX + 32]; /* "": written in place */
};

/* Opens the temporary file for path; writes go to a->f.  0 or errno. */
int as_file_open(struct as_file *a, const char *path);
/* keep: rename it to path if everything was written (the stream's error
 * flag, fflush, fsync and fclose are checked); otherwise, or when keep is
 * 0, remove it.  Returns 0, or the first errno (EIO when the stream only
 * says it failed).  a->f is closed either way. */
int as_file_close(struct as_file *a, int keep);

/* The whole of data as path. */
int as_file_write(const char *path, const void *data, size_t len);
/* j as path, written with json_dumps and its flags. */
int as_file_write_json(const char *path, const json_t *j, size_t flags);

#endif
