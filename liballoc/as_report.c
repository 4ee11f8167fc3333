/* as_report: JSON report and summary at exit.  No calls to malloc in this file. */
#include "as_report.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "as_bootstrap.h"
#include "as_perf.h"
#include "as_native.h"
#include "as_sample.h"
#include "as_sys.h"
#include "as_timeline.h"

#define ALLOCSWAP_VERSION_STR "0.1.0"

static struct {
	char cmdline[65536];
	long cmdlen;
	char status[8192];
	char exe[1024];
	char path[1024];
	char used[1100];
	char tmp[1100];
	char sites[1024];
	char version[128];
	char summary[2048];
	char maps_line[4096];
	struct as_json json;
} R;

/* ---- path ------------------------------------------------------------------------ */

static const char *prog_name(void)
{
	const char *base = _as_basename(R.cmdline);
	if (R.cmdlen <= 0)
		return "unknown";
	return *base ? base : "unknown";
}

int _as_report_expand(const char *pat, pid_t pid, const char *prog, char *out, size_t cap)
{
	size_t n = 0;
	char num[24];
	const char *s;
	for (s = pat; *s; s++) {
		const char *add = NULL;
		size_t alen;
		char one[2] = {*s, 0};
		int clean = 0;
		if (*s == '%') {
			s++;
			if (*s == 'p') {
				_as_u64_dec(num, (uint64_t)pid);
				add = num;
			} else if (*s == 'e') {
				add = prog;
				clean = 1;
			} else if (*s == '%') {
				add = "%";
			} else {
				return EINVAL;
			}
		} else {
			add = one;
		}
		alen = _as_strlen(add);
		if (n + alen + 1 > cap)
			return ENAMETOOLONG;
		_as_memcpy(out + n, add, alen);
		if (clean) {
			size_t i;
			for (i = n; i < n + alen; i++) {
				char c = out[i];
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
					out[i] = '_';
			}
		}
		n += alen;
	}
	out[n] = 0;
	return 0;
}

int _as_report_publish(const char *tmp, const char *path, pid_t pid, char *used, size_t cap)
{
	int rc, i;
	size_t k;
	_as_strlcpy(used, path, cap);
	rc = _as_publish(tmp, path);
	/* exists: never clobber; add .PID (and .PID.N if needed) */
	for (i = 0; rc == EEXIST && i < 100; i++) {
		k = _as_strlcpy(used, path, cap);
		if (k + 32 > cap) {
			rc = ENAMETOOLONG;
			break;
		}
		used[k++] = '.';
		k += _as_u64_dec(used + k, (uint64_t)pid);
		if (i) {
			used[k++] = '.';
			_as_u64_dec(used + k, (uint64_t)i);
		}
		rc = _as_publish(tmp, used);
	}
	if (rc)
		(void)unlink(tmp);
	return rc;
}

/* A maps line: "start-end perms offset MAJ:MIN inode path". */
static int maps_line_is(const char *l, dev_t dev, ino_t ino)
{
	unsigned long f[3] = {0, 0, 0};
	int field = 0, i;
	for (i = 0; field < 3 && *l; field++) {
		/* skip to the 4th field (dev) on the first pass */
		if (field == 0)
			for (i = 0; i < 3; i++) {
				while (*l && *l != ' ')
					l++;
				while (*l == ' ')
					l++;
			}
		while (*l && *l != ' ' && *l != ':') {
			char c = *l++;
			int base = field == 2 ? 10 : 16;
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0 || d >= base)
				return 0;
			f[field] = f[field] * (unsigned long)base + (unsigned long)d;
		}
		if (*l == ':' || *l == ' ')
			l++;
		while (field == 1 && *l == ' ')
			l++;
	}
	return f[2] == (unsigned long)ino && f[0] == major(dev) && f[1] == minor(dev);
}

/* ---- data ------------------------------------------------------------------------ */

void _as_report_memory(struct as_memory *m)
{
	struct rusage ru;
	m->rss_peak = m->rss_end = m->anon_end = -1;
	m->minor_faults = m->major_faults = -1;
	if (_as_read_file("/proc/self/status", R.status, sizeof R.status) > 0) {
		m->rss_peak = _as_proc_field(R.status, "VmHWM");
		m->rss_end = _as_proc_field(R.status, "VmRSS");
		m->anon_end = _as_proc_field(R.status, "RssAnon");
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		m->minor_faults = ru.ru_minflt;
		m->major_faults = ru.ru_majflt;
	}
}

/* Is the file at path mapped in this process?  Compares device and inode
 * with each /proc/self/maps line, so /lib and /usr/lib (merged /usr) or a
 * symlinked name still match.  -1 when it cannot tell. */
static int mapped(const char *path)
{
	struct stat st;
	size_t have = 0;
	int fd, found = 0;
	if (!path[0] || stat(path, &st))
		return -1;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (!found) {
		ssize_t r = read(fd, R.maps_line + have, sizeof R.maps_line - 1 - have);
		char *line = R.maps_line, *e;
		if (r <= 0)
			break;
		have += (size_t)r;
		R.maps_line[have] = 0;
		while ((e = line) && !found) {
			while (*e && *e != '\n')
				e++;
			if (!*e)
				break;
			*e = 0;
			found = maps_line_is(line, st.st_dev, st.st_ino);
			line = e + 1;
		}
		have = _as_strlen(line);
		_as_memcpy(R.maps_line, line, have);
		if (have >= sizeof R.maps_line - 1)
			have = 0; /* absurdly long line */
	}
	close(fd);
	return found;
}

static const char *mode_name(int m)
{
	return m == AS_STATS_OFF ? "off" : m == AS_STATS_COUNTERS ? "counters" : "full";
}

static void mem_field(struct as_json *j, const char *k, int64_t v)
{
	if (v < 0)
		_as_json_null(j, k);
	else
		_as_json_i64(j, k, v);
}

/* The writers of AS_STATS' put column. */
static void put_u64(struct as_json *j, const char *k, uint64_t v)
{
	_as_json_u64(j, k, v);
}

static void put_i64(struct as_json *j, const char *k, int64_t v)
{
	_as_json_i64(j, k, v);
}

static void put_calls(struct as_json *j, const char *k, const uint64_t *v)
{
	unsigned i;
	(void)k;
	for (i = 0; i < AS_NCALLS; i++)
		_as_json_u64(j, _as_call_names[i], v[i]);
}

/* Up to the last bucket that counted anything. */
static void put_hist(struct as_json *j, const char *k, const uint64_t *v)
{
	unsigned i, top = 0;
	(void)k;
	for (i = 0; i < AS_HIST_BUCKETS; i++)
		if (v[i])
			top = i + 1;
	for (i = 0; i < top; i++) {
		_as_json_obj(j, NULL);
		/* the last bucket's bound (2^64-1) is past what JSON readers
		 * take as an integer: "no bound" is null */
		if (_as_hist_le(i) <= INT64_MAX)
			_as_json_u64(j, "le", _as_hist_le(i));
		else
			_as_json_null(j, "le");
		_as_json_u64(j, "count", v[i]);
		_as_json_end_obj(j);
	}
}

/* The counters of AS_STATS in one group, in the list's order. */
static void stats_group(struct as_json *j, const struct as_totals *t, const char *group)
{
#define PUT_SUM(field, dims, grp, key, put) \
	if (_as_streq(group, #grp))         \
		put_##put(j, key, t->field);
#define PUT_LIVE(field, tfield, grp, key, put) PUT_SUM(field, , grp, key, put)
#define PUT_ONCE(field, grp, key, put) PUT_SUM(field, , grp, key, put)
	AS_STATS(PUT_SUM, PUT_LIVE, PUT_ONCE)
#undef PUT_SUM
#undef PUT_LIVE
#undef PUT_ONCE
}

void _as_report_json(struct as_json *j, const struct as_core_info *ci, const struct as_totals *t,
		     const struct as_memory *m)
{
	const struct as_backend_state *b = ci->backend;
	long k;
	uint64_t boot_bytes, boot_blocks, boot_refused;

	_as_json_obj(j, NULL);
	_as_json_str(j, "schema", "allocswap.report/1");
	_as_json_str(j, "allocswap_version", ALLOCSWAP_VERSION_STR);
	_as_json_str(j, "stats_mode", mode_name(ci->opt->stats));

	_as_json_obj(j, "process");
	_as_json_u64(j, "pid", (uint64_t)getpid());
	_as_json_u64(j, "ppid", (uint64_t)getppid());
	_as_json_arr(j, "argv");
	for (k = 0; k < R.cmdlen; k += (long)_as_strlen(R.cmdline + k) + 1)
		_as_json_str(j, NULL, R.cmdline + k);
	_as_json_end_arr(j);
	_as_json_str(j, "exe", R.exe);
	_as_json_u64(j, "wall_ns", ci->start_ns ? _as_now_ns() - ci->start_ns : 0);
	_as_json_end_obj(j);

	_as_json_obj(j, "libc");
#ifdef __GLIBC__
	_as_json_str(j, "name", "glibc");
#else
	_as_json_str(j, "name", "musl");
#endif
	_as_libc_version(R.version, sizeof R.version);
	if (R.version[0])
		_as_json_str(j, "version", R.version);
	else
		_as_json_null(j, "version");
	_as_json_end_obj(j);

	_as_json_obj(j, "allocator");
	_as_json_str(j, "name", b->name);
	_as_json_str(j, "requested", b->spec);
	_as_json_str(j, "path", b->path);
	_as_backend_version(b, R.version, sizeof R.version);
	if (R.version[0])
		_as_json_str(j, "version", R.version);
	else
		_as_json_null(j, "version");
	k = mapped(b->path);
	if (k < 0)
		_as_json_null(j, "mapped");
	else
		_as_json_bool(j, "mapped", (int)k);
	_as_json_bool(j, "wrapped", b->wrapped);
	_as_json_bool(j, "fallback", ci->fallback_used);
	if (ci->fallback_used)
		_as_json_str(j, "fallback_reason", ci->fallback_why);
	_as_json_bool(j, "reexec", b->reexec);
	_as_json_end_obj(j);

	if (t) {
		_as_json_obj(j, "calls");
		stats_group(j, t, "calls");
		_as_json_end_obj(j);
		_as_json_obj(j, "bytes");
		stats_group(j, t, "bytes");
		_as_json_end_obj(j);
	}

	_as_json_obj(j, "memory");
	mem_field(j, "rss_peak", m->rss_peak);
	mem_field(j, "rss_end", m->rss_end);
	mem_field(j, "anon_end", m->anon_end);
	if (t && t->live > 0 && m->anon_end >= 0)
		_as_json_ratio(j, "fragmentation", (uint64_t)m->anon_end, (uint64_t)t->live);
	else
		_as_json_null(j, "fragmentation");
	/* at exit a program may have freed nearly everything, which makes
	 * anon/live meaningless; the two maxima tell the overhead at peak */
	if (t && t->peak_live > 0 && m->rss_peak >= 0)
		_as_json_ratio(j, "fragmentation_at_peak", (uint64_t)m->rss_peak,
			       (uint64_t)t->peak_live);
	else
		_as_json_null(j, "fragmentation_at_peak");
	_as_json_end_obj(j);

	_as_native_json(j, b);

	if (t) {
		_as_json_arr(j, "histogram");
		stats_group(j, t, "histogram");
		_as_json_end_arr(j);
		_as_json_obj(j, "threads");
		stats_group(j, t, "threads");
		_as_json_u64(j, "slack_bytes", ci->opt->slack);
		_as_json_end_obj(j);
	}

	/* "syscalls", "faults", "perf" */
	_as_perf_json(j, ci->opt->stats == AS_STATS_FULL, m->minor_faults, m->major_faults);

	/* "sampling", "sites", "sites_by_live" */
	_as_sample_json(j, ci->opt->stats == AS_STATS_FULL);

	/* "timeline", "timeline_info"; the last point is taken now */
	_as_timeline_json(j, ci->opt, t ? t->live : 0);

	_as_boot_usage(&boot_bytes, &boot_blocks, &boot_refused);
	_as_json_obj(j, "bootstrap");
	_as_json_u64(j, "bytes", boot_bytes);
	_as_json_u64(j, "blocks", boot_blocks);
	_as_json_u64(j, "refused", boot_refused);
	_as_json_u64(j, "capacity", ALLOCSWAP_BOOT_SIZE);
	_as_json_end_obj(j);

	_as_json_end_obj(j);
}

/* ---- summary ---------------------------------------------------------------------- */

struct sb {
	char *b;
	size_t cap, n;
};

static void s_str(struct sb *s, const char *str)
{
	s->n += _as_strlcpy(s->b + s->n, str, s->cap - s->n);
}

/* 1234567 -> "1,234,567" */
static void s_count(struct sb *s, uint64_t v)
{
	char d[24], o[32];
	size_t n = _as_u64_dec(d, v), i, k = 0;
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			o[k++] = ',';
		o[k++] = d[i];
	}
	o[k] = 0;
	s_str(s, o);
}

/* bytes -> "45.2 MiB"; memory figures of -1 (unknown) -> "n/a" */
static void s_mem(struct sb *s, int64_t v);
static void s_bytes(struct sb *s, int64_t v)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	char d[24];
	uint64_t a, x10;
	unsigned u = 0;
	if (v < 0) {
		s_str(s, "-");
		v = -v;
	}
	a = (uint64_t)v;
	x10 = a * 10;
	while (a >= 1024 && u < 4) {
		x10 = (a * 10 + 512) / 1024;
		a /= 1024;
		u++;
	}
	if (u == 0) {
		_as_u64_dec(d, a);
		s_str(s, d);
	} else {
		_as_u64_dec(d, x10 / 10);
		s_str(s, d);
		s_str(s, ".");
		_as_u64_dec(d, x10 % 10);
		s_str(s, d);
	}
	s_str(s, " ");
	s_str(s, unit[u]);
}

static void s_mem(struct sb *s, int64_t v)
{
	if (v < 0)
		s_str(s, "n/a");
	else
		s_bytes(s, v);
}

void _as_report_summary(char *buf, size_t cap, const struct as_core_info *ci,
			const struct as_totals *t, const struct as_memory *m, const char *path)
{
	struct sb s = {buf, cap, 0};
	const struct as_backend_state *b = ci->backend;
	char d[24];
	unsigned i;
	buf[0] = 0;
	s_str(&s, "allocswap: ");
	s_str(&s, prog_name());
	s_str(&s, " [pid ");
	_as_u64_dec(d, (uint64_t)getpid());
	s_str(&s, d);
	s_str(&s, "] on ");
	s_str(&s, b->name);
	_as_backend_version(b, R.version, sizeof R.version);
	if (R.version[0]) {
		s_str(&s, " ");
		s_str(&s, R.version);
	}
	s_str(&s, ci->fallback_used ? " (FALLBACK)" : "");
	s_str(&s, ", stats ");
	s_str(&s, mode_name(ci->opt->stats));
	s_str(&s, "\n");
	if (t) {
		s_str(&s, "allocswap:   calls ");
		for (i = 0; i < AS_NCALLS; i++) {
			if (i)
				s_str(&s, "  ");
			s_str(&s, _as_call_names[i]);
			s_str(&s, " ");
			s_count(&s, t->calls[i]);
		}
		s_str(&s, "\nallocswap:   heap  requested ");
		s_bytes(&s, (int64_t)t->requested);
		s_str(&s, ", peak live ");
		s_bytes(&s, t->peak_live);
		s_str(&s, ", live at exit ");
		s_bytes(&s, t->live);
		s_str(&s, "\n");
	}
	s_str(&s, "allocswap:   rss   peak ");
	s_mem(&s, m->rss_peak);
	s_str(&s, ", at exit ");
	s_mem(&s, m->rss_end);
	s_str(&s, ", anon at exit ");
	s_mem(&s, m->anon_end);
	if (t && t->live > 0 && m->anon_end >= 0) {
		uint64_t r = ((uint64_t)m->anon_end * 100 + (uint64_t)t->live / 2) / (uint64_t)t->live;
		s_str(&s, ", anon/live ");
		_as_u64_dec(d, r / 100);
		s_str(&s, d);
		s_str(&s, ".");
		d[0] = (char)('0' + r / 10 % 10);
		d[1] = (char)('0' + r % 10);
		d[2] = 0;
		s_str(&s, d);
	}
	s_str(&s, "\n");
	if (path) {
		s_str(&s, "allocswap:   report ");
		s_str(&s, path);
		s_str(&s, "\n");
	}
}

/* ---- at exit ------------------------------------------------------------------------ */

const char *_as_errname(int e)
{
	switch (e) {
	case EACCES: return "permission denied";
	case ENOENT: return "no such directory";
	case EEXIST: return "file exists";
	case ELOOP: return "is a symbolic link (not followed)";
	case ENOSPC: return "no space left on device";
	case EROFS: return "read-only file system";
	case EPERM: return "operation not permitted";
	case ENAMETOOLONG: return "name too long";
	case ENOTDIR: return "a path component is not a directory";
	case EISDIR: return "is a directory";
	case EINVAL: return "invalid %-sequence (use %p, %e or %%)";
	case EIO: return "input/output error";
	case EFBIG: return "file too large";
	case ENODEV: return "not a regular file, character device or FIFO";
	case ENXIO: return "a FIFO with no reader";
	case EBADF: return "not an open descriptor";
	default: return "error";
	}
}

void _as_report_at_exit(const struct as_core_info *ci)
{
	struct as_totals totals, *t = NULL;
	struct as_memory mem;
	const char *written = NULL;
	ssize_t n;
	int want_report = ci->opt->report && ci->opt->report[0] && !ci->secure;
	int want_sites = ci->opt->sites && ci->opt->sites[0] && !ci->secure && _as_sample_enabled();

	if (!want_report && !(ci->opt->summary && !ci->secure) && !want_sites)
		return;
	_as_sample_symbolize();
	if (ci->opt->stats != AS_STATS_OFF) {
		_as_stats_snapshot(&totals);
		t = &totals;
	}
	_as_report_memory(&mem);
	R.cmdlen = _as_read_file("/proc/self/cmdline", R.cmdline, sizeof R.cmdline);
	n = readlink("/proc/self/exe", R.exe, sizeof R.exe - 1);
	R.exe[n > 0 ? n : 0] = 0;

	if (want_report) {
		/* written whole under a temporary name, then renamed: a reader
		 * never sees half a report, a full disk or a kill leaves none */
		int rc = _as_report_expand(ci->opt->report, getpid(), prog_name(), R.path,
					   sizeof R.path);
		int fd = -1, direct, orc = 0;
		/* a device, a FIFO, /dev/stdout: written in place (as_sys.h) */
		if (!rc)
			orc = _as_open_target(R.path, 0, &fd);
		direct = fd >= 0;
		if (rc || orc)
			fd = -(rc ? rc : orc);
		else if (!direct)
			fd = _as_tmp_open(R.path, R.tmp, sizeof R.tmp);
		if (fd < 0) {
			_as_say("allocswap: cannot write the report to ", rc ? ci->opt->report : R.path,
				": ", _as_errname(-fd));
		} else if (direct) {
			_as_json_init_fd(&R.json, fd);
			_as_report_json(&R.json, ci, t, &mem);
			rc = _as_json_finish(&R.json);
			if (close(fd) && !rc)
				rc = errno;
			if (rc)
				_as_say("allocswap: writing the report to ", R.path, " failed: ",
					_as_errname(rc));
			else
				written = R.path;
		} else {
			_as_json_init_fd(&R.json, fd);
			_as_report_json(&R.json, ci, t, &mem);
			rc = _as_tmp_finish(fd, _as_json_finish(&R.json), R.tmp, NULL);
			if (rc) {
				_as_say("allocswap: writing the report to ", R.path,
					" failed, nothing written: ", _as_errname(rc));
			} else if ((rc = _as_report_publish(R.tmp, R.path, getpid(), R.used,
							    sizeof R.used))) {
				_as_say("allocswap: cannot write the report to ", R.path, ": ",
					_as_errname(rc));
			} else {
				written = R.used;
				if (!_as_streq(R.used, R.path))
					_as_say("allocswap: ", R.path, " exists; report written to ",
						R.used);
			}
		}
	}
	if (want_sites) {
		int rc = _as_report_expand(ci->opt->sites, getpid(), prog_name(), R.sites,
					   sizeof R.sites);
		if (!rc)
			rc = _as_sample_write_folded(R.sites);
		if (rc)
			_as_say("allocswap: cannot write the folded stacks to ", ci->opt->sites, ": ",
				_as_errname(rc));
	}
	/* a secure program's environment is not trusted to ask for it */
	if (ci->opt->summary && !ci->secure) {
		_as_report_summary(R.summary, sizeof R.summary, ci, t, &mem, written);
		(void)_as_write_all(2, R.summary, _as_strlen(R.summary));
	}
}
