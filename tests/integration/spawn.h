/* spawn: runs a program with an exact argv and environment and collects
 * its stdout and stderr, for the integration programs that drive libswap
 * themselves (report files, secure mode, the static-TLS re-exec).
 *
 * The drivers allocate freely: their own accounting is not under test.
 */
#ifndef ALLOCSWAP_SPAWN_H
#define ALLOCSWAP_SPAWN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct sp_result {
	int status;      /* from waitpid; -1 when the program could not be started */
	pid_t pid;
	char *out, *err; /* NUL-terminated, malloc'd */
	size_t outlen, errlen;
};

#define SP_FN static __attribute__((unused))

/* Runs in the child between fork and execve (chdir, plant files...). */
typedef void (*sp_hook)(void *arg);

SP_FN void sp_append(char **buf, size_t *len, const char *data, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);
	if (!b)
		abort();
	memcpy(b + *len, data, n);
	*len += n;
	b[*len] = 0;
	*buf = b;
}

SP_FN int sp_run(const char *path, char *const argv[], char *const envp[], sp_hook hook,
		  void *hook_arg, struct sp_result *r)
{
	int op[2], ep[2], open_fds = 2;
	struct pollfd pf[2];
	memset(r, 0, sizeof *r);
	r->status = -1;
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if (!r->out || !r->err || pipe(op) || pipe(ep))
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		dup2(op[1], 1);
		dup2(ep[1], 2);
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		if (hook)
			hook(hook_arg);
		execve(path, argv, envp);
		_exit(126);
	}
	close(op[1]);
	close(ep[1]);
	pf[0].fd = op[0];
	pf[1].fd = ep[0];
	pf[0].events = pf[1].events = POLLIN;
	while (open_fds) {
		int k;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (k = 0; k < 2; k++) {
			char tmp[4096];
			ssize_t n;
			if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[k].fd, tmp, sizeof tmp);
			if (n > 0) {
				if (k == 0)
					sp_append(&r->out, &r->outlen, tmp, (size_t)n);
				else
					sp_append(&r->err, &r->errlen, tmp, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(pf[k].fd);
				pf[k].fd = -1;
				open_fds--;
			}
		}
	}
	if (waitpid(r->pid, &r->status, 0) < 0)
		r->status = -1;
	return 0;
}

SP_FN void sp_free(struct sp_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Exit code of a normal exit, or -1. */
SP_FN int sp_exit_code(const struct sp_result *r)
{
	return r->status >= 0 && WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

/* Number of lines in s (a last line without '\n' counts). */
SP_FN unsigned sp_lines(const char *s)
{
	unsigned n = 0;
	const char *c;
	for (c = s; *c; c++)
		n += *c == '\n';
	return n + (*s && s[strlen(s) - 1] != '\n');
}

/* Reads a whole (small) file into a malloc'd, NUL-terminated buffer; NULL
 * when it cannot be opened.  Does not follow a symlink at path. */
SP_FN char *sp_slurp(const char *path)
{
	char *buf = calloc(1, 1), tmp[4096];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		sp_append(&buf, &len, tmp, (size_t)n);
	close(fd);
	return buf;
}

SP_FN int sp_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t n = strlen(text);
	int ok;
	if (fd < 0)
		return -1;
	ok = write(fd, text, n) == (ssize_t)n;
	return close(fd) == 0 && ok ? 0 : -1;
}

SP_FN int sp_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

#endif
