/* gen_bench: writes a synthetic bench directory (meta.json + runs.jsonl, the
 * contract in tools/report/results.h) whose true differences are known, for the
 * tests of `allocswap compare` and `allocswap report`.
 *
 *   gen_bench DIR [options] CONFIG=SCALE ...
 *
 * CONFIG is ALLOC, then any of ",pymalloc=off", ",libc=musl", ",python=NAME",
 * ",image=NAME", ",seccomp=VALUE" and ",rss=F" (other axes: image host,
 * seccomp none; libc glibc, python host; rss=F makes the cell's peak RSS
 * F x (30 MB + 1 MB x benchmark) instead of following SCALE);
 * SCALE multiplies every benchmark's true time, so system=1 jemalloc=1.5
 * makes jemalloc 1.5x slower everywhere and system=1 jemalloc=1 is an A/A
 * pair.  Options:
 *   -s SEED     PRNG seed (default 1)
 *   -r RUNS     processes per cell (default 6)
 *   -v VALUES   values per process (default 5)
 *   -b BENCHES  benchmarks (default 6), named bench_0 ... with true times
 *               1, 2, 3 ... ms
 *   -n NOISE    relative standard deviation of a process's mean (default
 *               0.05); each value adds half as much again
 *   -f ALLOC:BENCH:K   K runs (or "all") of that cell fail with SIGSEGV
 *   -w ALLOC:BENCH:K   K runs (or "all") of that cell report that libswap fell
 *                      back to the system allocator
 *   -P NAME:LIBC:FLAGS:SIZE:SECONDS   a Python build in meta.json's "pythons"
 *                      (flags such as "-O3 lto", size on disk in bytes, build
 *                      time in seconds)
 *   -I NAME|RUNNER|LIBC|LIBCVER|PYVER|SIZE|FILES|SECONDS|BUILT|ALLOCS
 *                      an image in meta.json's "images" ('|' between, since
 *                      docker:REF has colons; "-" for a fact it lacks; ALLOCS
 *                      comma-separated)
 *   -e MATCH:BENCH:F   the true time of every config whose id holds MATCH is
 *                      multiplied by F on benchmark BENCH (a number, or "all")
 * Runs are written interleaved (run, benchmark, config), like `bench`.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CONFIGS 32
#define MAX_FAILS 16
#define MAX_PYTHONS 8
#define MAX_IMAGES 8
#define MAX_EFFECTS 8

static uint64_t rng_state;

/* splitmix64: small, seedable, the same everywhere */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_uniform(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* Box-Muller */
static double rng_normal(void)
{
	return sqrt(-2 * log(rng_uniform())) * cos(2 * M_PI * rng_uniform());
}

struct config {
	char alloc[256], pymalloc[8], libc[16], python[64], image[128], seccomp[16];
	double scale, rss; /* rss 0: follows scale */
};

struct image {
	char f[10][128]; /* NAME RUNNER LIBC LIBCVER PYVER SIZE FILES SECONDS BUILT ALLOCS */
};

struct effect {
	char match[128];
	int bench; /* < 0: all */
	double factor;
};

struct python {
	char name[64], libc[16], flags[64];
	double size, seconds;
};

struct fail {
	char alloc[64];
	int bench, count; /* count < 0: all */
	int fallback;     /* -w: the run succeeds on the wrong allocator */
};

static void config_id(const struct config *c, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%.63s/%.15s/%.127s/pymalloc=%.7s/seccomp=%.15s", c->alloc, c->libc,
			 c->image, c->pymalloc, c->seccomp);
	if (strcmp(c->python, "host") && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, "/python=%.63s", c->python);
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_bench DIR [-s SEED] [-r RUNS] [-v VALUES] [-b BENCHES] "
			"[-n NOISE] [-f ALLOC:BENCH:K] [-w ALLOC:BENCH:K] "
			"[-P NAME:LIBC:FLAGS:SIZE:SECONDS] [-I NAME|RUNNER|...] [-e MATCH:BENCH:F] "
			"CONFIG=SCALE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct config cfg[MAX_CONFIGS];
	struct fail fails[MAX_FAILS];
	struct python py[MAX_PYTHONS];
	struct image img[MAX_IMAGES];
	struct effect eff[MAX_EFFECTS];
	int npy = 0, musl = 0, nimg = 0, neff = 0, k;
	int ncfg = 0, nfail = 0, runs = 6, nvalues = 5, nbench = 6, i, r, b, c, v;
	int failed_so_far[MAX_FAILS] = {0};
	double noise = 0.05;
	const char *dir;
	char path[4096], id[256];
	FILE *f;
	rng_state = 1;
	if (argc < 2)
		return usage();
	dir = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && i + 1 < argc) {
			const char *val = argv[++i];
			switch (a[1]) {
			case 's': rng_state = strtoull(val, NULL, 10); break;
			case 'r': runs = atoi(val); break;
			case 'v': nvalues = atoi(val); break;
			case 'b': nbench = atoi(val); break;
			case 'n': noise = atof(val); break;
			case 'f':
			case 'w':
				if (nfail == MAX_FAILS)
					return usage();
				{
					char *copy = strdup(val), *p1 = strchr(copy, ':'), *p2;
					if (!p1 || !(p2 = strchr(p1 + 1, ':')))
						return usage();
					*p1 = *p2 = 0;
					snprintf(fails[nfail].alloc, sizeof fails[nfail].alloc, "%s", copy);
					fails[nfail].bench = atoi(p1 + 1);
					fails[nfail].count = strcmp(p2 + 1, "all") ? atoi(p2 + 1) : -1;
					fails[nfail].fallback = a[1] == 'w';
					nfail++;
					free(copy);
				}
				break;
			case 'P':
				if (npy == MAX_PYTHONS ||
				    sscanf(val, "%63[^:]:%15[^:]:%63[^:]:%lf:%lf", py[npy].name, py[npy].libc,
					   py[npy].flags, &py[npy].size, &py[npy].seconds) != 5)
					return usage();
				npy++;
				break;
			case 'I':
				if (nimg == MAX_IMAGES)
					return usage();
				{
					const char *p = val;
					for (k = 0; k < 10; k++) {
						size_t len = strcspn(p, "|");
						snprintf(img[nimg].f[k], sizeof img[nimg].f[k], "%.*s", (int)len, p);
						if (!p[len] && k < 9)
							return usage();
						p += len + (p[len] != 0);
					}
				}
				nimg++;
				break;
			case 'e':
				if (neff == MAX_EFFECTS)
					return usage();
				{
					const char *p2 = strrchr(val, ':'), *p1;
					if (!p2 || p2 == val)
						return usage();
					for (p1 = p2 - 1; p1 > val && *p1 != ':'; p1--)
						;
					if (p1 == val)
						return usage();
					snprintf(eff[neff].match, sizeof eff[neff].match, "%.*s", (int)(p1 - val), val);
					eff[neff].bench = strncmp(p1 + 1, "all", 3) ? atoi(p1 + 1) : -1;
					eff[neff].factor = atof(p2 + 1);
					neff++;
				}
				break;
			default: return usage();
			}
		} else {
			const char *eq = strrchr(a, '=');
			char *comma, *opt;
			if (!eq || ncfg == MAX_CONFIGS || a[0] == '-')
				return usage();
			snprintf(cfg[ncfg].alloc, sizeof cfg[ncfg].alloc, "%.*s", (int)(eq - a), a);
			snprintf(cfg[ncfg].pymalloc, sizeof cfg[ncfg].pymalloc, "on");
			snprintf(cfg[ncfg].libc, sizeof cfg[ncfg].libc, "glibc");
			snprintf(cfg[ncfg].python, sizeof cfg[ncfg].python, "host");
			snprintf(cfg[ncfg].image, sizeof cfg[ncfg].image, "host");
			snprintf(cfg[ncfg].seccomp, sizeof cfg[ncfg].seccomp, "none");
			cfg[ncfg].rss = 0;
			comma = strchr(cfg[ncfg].alloc, ',');
			for (opt = comma; opt; opt = strchr(opt + 1, ',')) {
				const char *o = opt + 1;
				size_t len = strcspn(o, ",");
				if (!strncmp(o, "pymalloc=off", len) && len == 12)
					snprintf(cfg[ncfg].pymalloc, sizeof cfg[ncfg].pymalloc, "off");
				else if (!strncmp(o, "libc=", 5))
					snprintf(cfg[ncfg].libc, sizeof cfg[ncfg].libc, "%.*s", (int)len - 5, o + 5);
				else if (!strncmp(o, "python=", 7))
					snprintf(cfg[ncfg].python, sizeof cfg[ncfg].python, "%.*s", (int)len - 7,
						 o + 7);
				else if (!strncmp(o, "image=", 6))
					snprintf(cfg[ncfg].image, sizeof cfg[ncfg].image, "%.*s", (int)len - 6,
						 o + 6);
				else if (!strncmp(o, "seccomp=", 8))
					snprintf(cfg[ncfg].seccomp, sizeof cfg[ncfg].seccomp, "%.*s", (int)len - 8,
						 o + 8);
				else if (!strncmp(o, "rss=", 4))
					cfg[ncfg].rss = atof(o + 4);
				else
					return usage();
			}
			if (comma)
				*comma = 0;
			musl |= !strcmp(cfg[ncfg].libc, "musl");
			cfg[ncfg].scale = atof(eq + 1);
			ncfg++;
		}
	}
	if (!ncfg)
		return usage();
	mkdir(dir, 0755);

	snprintf(path, sizeof path, "%s/meta.json", dir);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"schema\": \"allocswap.bench/1\", \"allocswap\": {\"version\": \"0.1.0\", "
		   "\"commit\": \"test\"},\n \"command\": [\"gen_bench\", \"%s\"], "
		   "\"started\": \"2026-01-01T00:00:00Z\", \"finished\": \"2026-01-01T00:10:00Z\",\n"
		   " \"host\": {\"hostname\": \"testhost\", \"kernel\": \"6.1.0-test\", "
		   "\"cpu\": \"Synthetic CPU @ 2.0GHz\", \"nproc\": 2, \"mem_bytes\": 8589934592},\n"
		   " \"python\": {\"path\": \"/usr/bin/python3\", \"version\": \"3.11.2\"},\n"
		   " \"libcs\": {\"glibc\": \"2.36\"%s},\n \"pythons\": {",
		dir, musl ? ", \"musl\": \"1.2.3\"" : "");
	for (i = 0; i < npy; i++)
		fprintf(f, "%s\"%s\": {\"path\": \"/cache/python-%s/bin/python3\", \"libc\": \"%s\", "
			   "\"version\": \"3.11.2\", \"flags\": \"%s\", \"build\": \"python-%s\", "
			   "\"size_bytes\": %.0f, \"files\": 4321, \"build_seconds\": %.1f}",
			i ? ", " : "", py[i].name, py[i].name, py[i].libc, py[i].flags, py[i].name,
			py[i].size, py[i].seconds);
	fprintf(f, "},\n \"allocators\": {");
	for (c = 0; c < ncfg; c++) {
		for (i = 0; i < c && strcmp(cfg[i].alloc, cfg[c].alloc); i++)
			;
		if (i == c)
			fprintf(f, "%s\"%s\": {\"version\": \"%s-test\", \"path\": null, \"libc\": \"glibc\"}",
				c ? ", " : "", cfg[c].alloc, cfg[c].alloc);
	}
	fprintf(f, "},\n \"images\": {");
	for (i = 0; i < nimg; i++) {
		static const char *const keys[] = {"name", "runner", "libc", "libc_version",
						   "python_version", "size_bytes", "files",
						   "build_seconds", "built"};
		const char *a = img[i].f[9];
		fprintf(f, "%s\"%s\": {", i ? ", " : "", img[i].f[0]);
		for (k = 0; k < 9; k++) {
			int num = k >= 5 && k <= 7;
			if (!strcmp(img[i].f[k], "-"))
				fprintf(f, "\"%s\": null, ", keys[k]);
			else
				fprintf(f, num ? "\"%s\": %s, " : "\"%s\": \"%s\", ", keys[k], img[i].f[k]);
		}
		fprintf(f, "\"allocators\": [");
		for (k = 0; *a && strcmp(a, "-"); k++) {
			size_t len = strcspn(a, ",");
			fprintf(f, "%s{\"name\": \"%.*s\", \"path\": \"/usr/lib/lib%.*s.so\"}", k ? ", " : "",
				(int)len, a, (int)len, a);
			a += len + (a[len] != 0);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "},\n \"matrix\": {\"suite\": \"builtin\", \"configs\": [");
	for (c = 0; c < ncfg; c++) {
		config_id(&cfg[c], id, sizeof id);
		fprintf(f, "%s\n  {\"id\": \"%s\", \"allocator\": \"%s\", "
			   "\"image\": \"%s\", \"pymalloc\": \"%s\", \"seccomp\": \"%s\", "
			   "\"libc\": \"%s\", \"python\": \"%s\"}",
			c ? "," : "", id, cfg[c].alloc, cfg[c].image, cfg[c].pymalloc, cfg[c].seccomp,
			cfg[c].libc, cfg[c].python);
	}
	fprintf(f, "],\n  \"benchmarks\": [");
	for (b = 0; b < nbench; b++)
		fprintf(f, "%s{\"name\": \"bench_%d\", \"group\": \"synthetic\"}", b ? ", " : "", b);
	fprintf(f, "],\n  \"runs\": %d, \"values\": %d, \"warmups\": 1, \"loops\": {}}}\n", runs,
		nvalues);
	if (fclose(f))
		return 1;

	snprintf(path, sizeof path, "%s/runs.jsonl", dir);
	f = fopen(path, "w");
	if (!f)
		return 1;
	for (r = 0; r < runs; r++)
		for (b = 0; b < nbench; b++)
			for (c = 0; c < ncfg; c++) {
				double truth = (b + 1) * 1e-3 * cfg[c].scale, proc, rss;
				int fail = 0, fallback = 0;
				config_id(&cfg[c], id, sizeof id);
				for (i = 0; i < neff; i++)
					if (strstr(id, eff[i].match) && (eff[i].bench < 0 || eff[i].bench == b))
						truth *= eff[i].factor;
				proc = truth * (1 + noise * rng_normal());
				rss = cfg[c].rss > 0 ? cfg[c].rss * (30e6 + 1e6 * b)
						     : 30e6 * cfg[c].scale + 1e6 * b;
				for (i = 0; i < nfail; i++)
					if (!strcmp(fails[i].alloc, cfg[c].alloc) && fails[i].bench == b &&
					    (fails[i].count < 0 || failed_so_far[i] < fails[i].count)) {
						failed_so_far[i]++;
						if (fails[i].fallback)
							fallback = 1;
						else
							fail = 1;
					}
				fprintf(f, "{\"schema\": \"allocswap.run/1\", \"bench\": \"bench_%d\", "
					   "\"config\": \"%s\", \"run\": %d, ",
					b, id, r);
				if (fail) {
					fprintf(f, "\"status\": \"failed\", \"error\": \"killed by signal "
						   "11 (Segmentation fault)\", \"loops\": 1, \"values\": [], "
						   "\"warmups\": [], \"report\": null, \"time\": 0}\n");
					continue;
				}
				fprintf(f, "\"status\": \"ok\", \"loops\": 1, \"values\": [");
				for (v = 0; v < nvalues; v++)
					fprintf(f, "%s%.9g", v ? ", " : "",
						proc * (1 + noise / 2 * rng_normal()));
				fprintf(f, "], \"warmups\": [%.9g], \"proc\": {\"wall_ns\": 100000000, "
					   "\"maxrss\": %d}, ",
					proc, 40000000);
				fprintf(f, "\"report\": {\"schema\": \"allocswap.report/1\", "
					   "\"allocator\": {\"name\": \"%s\", \"mapped\": true, "
					   "\"fallback\": %s}, \"bytes\": {\"peak_live\": %.0f}, \"memory\": "
					   "{\"rss_peak\": %.0f, \"fragmentation_at_peak\": %.4f}, "
					   "\"syscalls\": {\"source\": \"none\"}}, \"time\": 0}\n",
					fallback ? "system" : cfg[c].alloc, fallback ? "true" : "false",
					20e6 * cfg[c].scale, rss, rss / (20e6 * cfg[c].scale));
			}
	return fclose(f) ? 1 : 0;
}
