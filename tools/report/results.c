/* results: reading and writing a bench directory (contract in results.h). */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *stats_of(const struct as_config *c)
{
	return c->stats[0] ? c->stats : AS_STATS_DEFAULT;
}

static const char *python_of(const struct as_config *c)
{
	return c->python[0] ? c->python : AS_PYTHON_DEFAULT;
}

static const char *preload_of(const struct as_config *c)
{
	return c->preload[0] ? c->preload : AS_PRELOAD_DEFAULT;
}

void as_config_id(const struct as_config *c, char *buf, size_t cap)
{
	/* counters is left out: ids written before the stats axis stay valid */
	int n = snprintf(buf, cap, "%s/%s/%s/pymalloc=%s/seccomp=%s", c->allocator, c->libc,
			 c->image, c->pymalloc, c->seccomp);
	if (strcmp(stats_of(c), AS_STATS_DEFAULT) && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "/stats=%s", c->stats);
	if (strcmp(python_of(c), AS_PYTHON_DEFAULT) && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "/python=%s", c->python);
	if (strcmp(preload_of(c), AS_PRELOAD_DEFAULT) && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, "/preload=%s", c->preload);
}

json_t *as_config_json(const struct as_config *c)
{
	char id[256];
	as_config_id(c, id, sizeof id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "allocator",
			 c->allocator, "libc", c->libc, "image", c->image, "pymalloc", c->pymalloc,
			 "seccomp", c->seccomp, "stats", stats_of(c), "python", python_of(c),
			 "preload", preload_of(c));
}

static int get(const json_t *j, const char *k, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(j, k));
	if (!s)
		return EINVAL;
	snprintf(out, cap, "%s", s);
	return 0;
}

int as_config_from_json(const json_t *j, struct as_config *c)
{
	if (get(j, "allocator", c->allocator, sizeof c->allocator) ||
	    get(j, "libc", c->libc, sizeof c->libc) || get(j, "image", c->image, sizeof c->image) ||
	    get(j, "pymalloc", c->pymalloc, sizeof c->pymalloc) ||
	    get(j, "seccomp", c->seccomp, sizeof c->seccomp))
		return EINVAL;
	if (get(j, "stats", c->stats, sizeof c->stats))
		snprintf(c->stats, sizeof c->stats, AS_STATS_DEFAULT);
	if (get(j, "python", c->python, sizeof c->python))
		snprintf(c->python, sizeof c->python, AS_PYTHON_DEFAULT);
	if (get(j, "preload", c->preload, sizeof c->preload))
		snprintf(c->preload, sizeof c->preload, AS_PRELOAD_DEFAULT);
	return 0;
}

int as_runs_append(const char *dir, const json_t *rec)
{
	char path[4096];
	char *line = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(17));
	size_t len, off = 0;
	int fd, rc = 0;
	if (!line)
		return ENOMEM;
	snprintf(path, sizeof path, "%s/runs.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = errno;
		free(line);
		return rc;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps leaves room: we overwrite the NUL */
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = errno;
			break;
		}
		off += (size_t)w;
	}
	if (!rc && fsync(fd))
		rc = errno;
	if (close(fd) && !rc)
		rc = errno;
	free(line);
	return rc;
}

int as_runs_read(const char *dir, int (*fn)(json_t *rec, void *arg), void *arg)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/runs.jsonl", dir);
	return as_jsonl_read(path, fn, arg);
}

int as_jsonl_read(const char *path, int (*fn)(json_t *rec, void *arg), void *arg)
{
	char *buf, *p, *nl;
	size_t len;
	int rc = 0;
	buf = as_read_all(path, &len);
	if (!buf)
		return errno ? errno : EIO;
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		json_error_t e;
		json_t *rec;
		*nl = 0;
		if (!*p)
			continue;
		rec = json_loads(p, 0, &e);
		if (!rec) /* a damaged line in the middle: skip it, say so */
			as_err("%s: line skipped: %s", path, e.text);
		if (rec) {
			rc = fn(rec, arg);
			json_decref(rec);
			if (rc)
				break;
		}
	}
	/* anything after the last newline is a truncated record: ignored */
	free(buf);
	return rc;
}

int as_json_write_file(const char *dir, const char *name, const json_t *j)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
	if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(17)))
		return errno ? errno : EIO;
	if (rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		return e;
	}
	return 0;
}
