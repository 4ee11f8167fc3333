/* results: reading and writing a bench directory (contract in results.h). */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "as_file.h"
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

/* The files whose skipped lines were already told (a report reads runs.jsonl
 * once per section): each line is warned about once per process. */
static struct {
	char *told[16];
	unsigned n;
} J;

static int told_before(const char *path)
{
	unsigned i;
	for (i = 0; i < J.n; i++)
		if (!strcmp(J.told[i], path))
			return 1;
	if (J.n < sizeof J.told / sizeof J.told[0] && (J.told[J.n] = strdup(path)))
		J.n++;
	return 0;
}

int as_jsonl_read_counted(const char *path, int (*fn)(json_t *rec, void *arg), void *arg,
			  unsigned *taken, unsigned *skipped)
{
	char *buf, *p, *nl;
	size_t len;
	unsigned line = 0, ok = 0, bad = 0;
	int rc = 0, quiet = told_before(path);
	buf = as_read_all(path, &len);
	if (!buf)
		return errno ? errno : EIO;
	for (p = buf; !rc && *p; p = nl ? nl + 1 : p + strlen(p)) {
		json_error_t e;
		json_t *rec;
		nl = strchr(p, '\n');
		line++;
		if (nl)
			*nl = 0;
		if (!*p)
			continue;
		/* a last line without its newline is whole only if it parses */
		rec = json_loads(p, 0, &e);
		if (!rec || !json_is_object(rec)) {
			bad++;
			if (!quiet)
				as_err("%s: line %u skipped: %s", path, line,
				       !rec && !nl ? "cut off (no newline at its end: an interrupted write?)"
				       : rec ? "not a JSON object" : e.text);
			json_decref(rec);
			continue;
		}
		ok++;
		rc = fn(rec, arg);
		json_decref(rec);
		if (!nl)
			break;
	}
	free(buf);
	if (taken)
		*taken = ok;
	if (skipped)
		*skipped = bad;
	return rc;
}

int as_jsonl_read(const char *path, int (*fn)(json_t *rec, void *arg), void *arg)
{
	return as_jsonl_read_counted(path, fn, arg, NULL, NULL);
}

int as_json_write_file(const char *dir, const char *name, const json_t *j)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	/* json_dump_file left its temporary file behind on a full disk */
	return as_file_write_json(path, j, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
}
