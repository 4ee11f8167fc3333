/* as_sym: names for sampled frames, with elfutils' libdwfl.  See as_sym.h. */
#include "as_sym.h"

#include <ctype.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define INLINE_MAX 16 /* inlined frames kept per address */

struct mod {
	char *path;  /* as the frames name it */
	char *file;  /* what was opened: root + path */
	Dwfl *dwfl;  /* NULL: could not be read (err) */
	Dwfl_Module *m;
	Dwarf_Addr start; /* where an offset counts from, in dwfl's addresses (mod_start) */
	int err;
	int has_dwarf, has_symtab;
	int changed; /* its build-id is not the run's: nothing named from it */
	const char *debugfile; /* dwfl's, or NULL */
	unsigned frames, named, lines;
	char detail[1700];
};

struct frame {
	const char *func, *file;
	unsigned line;
	int inlined;
};

struct entry {
	struct mod *m; /* NULL: empty slot */
	uint64_t off;
	unsigned n;
	struct frame *f;
};

struct as_sym {
	char *root;
	int nowhere; /* root "": the modules are not on this machine */
	struct mod **mods;
	size_t nmods, capmods;
	struct entry *tab; /* open addressing, a power of two */
	size_t ntab, captab;
	char *debuginfo_path;
	Dwfl_Callbacks cb;
	char **expect; /* path, build-id hex, path, ...: what the run saw (as_sym_expect) */
	size_t nexpect, capexpect;
	char **strs; /* strings made here (absolute file names, dynamic symbols), freed at close */
	size_t nstrs, capstrs;
};

struct as_sym *as_sym_open(const char *root)
{
	struct as_sym *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->root = root && *root ? strdup(root) : NULL;
	s->nowhere = root && !*root;
	s->captab = 1024;
	s->tab = calloc(s->captab, sizeof *s->tab);
	/* the standard search: the file's build-id under /usr/lib/debug/.build-id,
	 * its .gnu_debuglink beside it, in .debug/ and under /usr/lib/debug (an
	 * image's own, under its root) */
	if (s->root && asprintf(&s->debuginfo_path, ":.debug:%s/usr/lib/debug", s->root) < 0)
		s->debuginfo_path = NULL;
	if ((root && *root && (!s->root || !s->debuginfo_path)) || !s->tab) {
		as_sym_close(s);
		return NULL;
	}
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	return s;
}

void as_sym_close(struct as_sym *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->nmods; i++) {
		if (s->mods[i]->dwfl)
			dwfl_end(s->mods[i]->dwfl);
		free(s->mods[i]->path);
		free(s->mods[i]->file);
		free(s->mods[i]);
	}
	for (i = 0; s->tab && i < s->captab; i++)
		free(s->tab[i].f);
	for (i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	for (i = 0; i < s->nexpect; i++)
		free(s->expect[i]);
	free(s->expect);
	free(s->strs);
	free(s->mods);
	free(s->tab);
	free(s->root);
	free(s->debuginfo_path);
	free(s);
}

/* ---- parsing -------------------------------------------------------------------------------- */

/* "MODULE+0xHEX" over [t, t + n): 1 and the parts, or 0. */
static int module_offset(const char *t, size_t n, char *module, size_t cap, uint64_t *offset)
{
	size_t i = n, k;
	uint64_t v = 0;
	while (i > 0 && t[i - 1] != '+')
		i--;
	if (i < 2 || n - i < 3 || t[i] != '0' || t[i + 1] != 'x' || n - i > 18)
		return 0;
	for (k = i + 2; k < n; k++) {
		char c = t[k];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		v = v << 4 | (uint64_t)d;
	}
	if (i - 1 >= cap)
		return 0;
	memcpy(module, t, i - 1);
	module[i - 1] = 0;
	*offset = v;
	return 1;
}

int as_sym_parse(const char *text, int form, char *module, size_t cap, uint64_t *offset,
		 const char **dynsym, size_t *dynsym_len)
{
	size_t n = strlen(text);
	const char *open;
	if (form == AS_SYM_FOLDED) {
		/* a path: the frame names no function (a symbol has no '/'); a
		 * space may be in it ("/home/u/my app/prog+0x10"): the line's count
		 * was after its last space, its frames split on ';' */
		if (!n || !strchr(text, '/'))
			return 0;
		return module_offset(text, n, module, cap, offset);
	}
	if (n < 4 || text[n - 1] != ')')
		return 0;
	open = strstr(text, " (");
	if (!open || !module_offset(open + 2, (size_t)(text + n - 1 - (open + 2)), module, cap,
				    offset))
		return 0;
	if (dynsym) {
		size_t len = (size_t)(open - text);
		const char *plus = memchr(text, '+', len);
		if (plus)
			len = (size_t)(plus - text);
		*dynsym = len && strncmp(text, "??", len) ? text : NULL;
		if (dynsym_len)
			*dynsym_len = *dynsym ? len : 0;
	}
	return 1;
}

/* ---- modules -------------------------------------------------------------------------------- */

static int has_section(Elf *elf, Elf64_Word type, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *nm;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		nm = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == type && (!name || (nm && !strcmp(nm, name))))
			return 1;
	}
	return 0;
}

/* Where the module's offsets count from, in dwfl's addresses.  libswap
 * (liballoc/as_sample_out.c, symbolize) writes a frame as module+offset with
 * offset = address - dladdr's dli_fbase: from the module's first mapping,
 * its lowest PT_LOAD p_vaddr rounded down to the page (4 KiB on x86-64),
 * plus its load bias.  The same here: that p_vaddr, rounded, plus dwfl's
 * bias, which is 0 for a non-PIE program (ET_EXEC: where its headers say,
 * 0x400000 for gcc -no-pie) and base less the first p_vaddr for a shared
 * object or PIE (dwfl_report_elf at base, add_p_vaddr false).  Not dwfl's
 * own start of the module, which rounds down to p_align, not to the page
 * (the same for almost every file, where the first p_vaddr is 0 or
 * 0x400000).  The page is 4 KiB: x86-64, the only unwinder libswap has. */
static Dwarf_Addr mod_start(Dwfl_Module *mod)
{
	Dwarf_Addr bias = 0, lo;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t n = 0, i;
	int seen = 0;
	GElf_Addr low = 0;
	if (elf && !elf_getphdrnum(elf, &n))
		for (i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    (!seen || ph.p_vaddr < low)) {
				low = ph.p_vaddr;
				seen = 1;
			}
		}
	if (seen)
		return bias + (low & ~(GElf_Addr)0xfff);
	dwfl_module_info(mod, NULL, &lo, NULL, NULL, NULL, NULL, NULL);
	return lo & ~(Dwarf_Addr)0xfff;
}

/* Opens root + path for reading with path resolved inside root, as if root
 * were "/": an absolute link (Debian's /lib64/ld-linux-x86-64.so.2) or ".."
 * stays in the image.  openat2 RESOLVE_IN_ROOT where the kernel has it (5.6),
 * else the links followed here, one component at a time.  An fd, or -errno. */
static int open_in_root(const char *root, const char *path)
{
	const int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC; /* a FIFO must not block */
	char cur[PATH_MAX] = "", rest[PATH_MAX], full[2 * PATH_MAX], target[PATH_MAX];
	struct open_how how = {.flags = flags, .resolve = RESOLVE_IN_ROOT};
	int dfd, fd, links = 0;
	if (!root)
		return (fd = open(path, flags)) < 0 ? -errno : fd;
	if ((dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) {
		fd = fd < 0 ? -errno : fd;
		close(dfd);
		return fd;
	}
	close(dfd);
	/* cur: the part resolved so far (no links in it), relative to root */
	snprintf(rest, sizeof rest, "%s", path);
	while (rest[0]) {
		char *p = rest, *end, comp[NAME_MAX + 1];
		size_t n;
		ssize_t k;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = 0;
		end = p + n;
		memmove(rest, end, strlen(end) + 1);
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *sl = strrchr(cur, '/');
			*(sl ? sl : cur) = 0; /* never above root */
			continue;
		}
		if (strlen(cur) + n + 2 > sizeof cur)
			return -ENAMETOOLONG;
		strcat(cur, "/");
		strcat(cur, comp);
		snprintf(full, sizeof full, "%s%s", root, cur);
		if ((k = readlink(full, target, sizeof target - 1)) < 0)
			continue; /* not a link (or not there: open says) */
		if (++links > 40)
			return -ELOOP;
		target[k] = 0;
		*strrchr(cur, '/') = 0; /* the link's directory */
		if (target[0] == '/')
			cur[0] = 0;
		if ((size_t)k + strlen(rest) + 2 > sizeof rest)
			return -ENAMETOOLONG;
		memmove(rest + k + 1, rest, strlen(rest) + 1);
		memcpy(rest, target, (size_t)k);
		rest[k] = '/';
	}
	snprintf(full, sizeof full, "%s%s", root, cur[0] ? cur : "/");
	return (fd = open(full, flags | O_NOFOLLOW)) < 0 ? -errno : fd;
}

/* The build-id the run recorded for path, or NULL. */
static const char *expected(struct as_sym *s, const char *path)
{
	size_t i;
	for (i = 0; i + 1 < s->nexpect; i += 2)
		if (!strcmp(s->expect[i], path))
			return s->expect[i + 1];
	return NULL;
}

int as_sym_expect(struct as_sym *s, const char *path, const char *build_id)
{
	char *p, *b;
	if (expected(s, path))
		return 0;
	if (s->nexpect + 2 > s->capexpect) {
		size_t cap = s->capexpect ? 2 * s->capexpect : 32;
		char **v = realloc(s->expect, cap * sizeof *v);
		if (!v)
			return ENOMEM;
		s->expect = v;
		s->capexpect = cap;
	}
	p = strdup(path);
	b = strdup(build_id);
	if (!p || !b) {
		free(p);
		free(b);
		return ENOMEM;
	}
	s->expect[s->nexpect++] = p;
	s->expect[s->nexpect++] = b;
	return 0;
}

/* A module's build-id, as hex into hex (cap >= 2 * 20 + 1 for SHA-1): "" when none. */
static void build_id_of(Dwfl_Module *mod, char *hex, size_t cap)
{
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr), i;
	hex[0] = 0;
	for (i = 0; n > 0 && (size_t)(2 * i + 2) < cap && i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
}

static struct mod *mod_get(struct as_sym *s, const char *path)
{
	struct mod *m;
	size_t i, len;
	int fd;
	struct stat st;
	for (i = 0; i < s->nmods; i++)
		if (!strcmp(s->mods[i]->path, path))
			return s->mods[i];
	if (s->nmods == s->capmods) {
		size_t cap = s->capmods ? 2 * s->capmods : 16;
		struct mod **v = realloc(s->mods, cap * sizeof *v);
		if (!v)
			return NULL;
		s->mods = v;
		s->capmods = cap;
	}
	m = calloc(1, sizeof *m);
	len = (s->root ? strlen(s->root) : 0) + strlen(path) + 1;
	if (!m || !(m->path = strdup(path)) || !(m->file = malloc(len))) {
		if (m)
			free(m->path);
		free(m);
		return NULL;
	}
	snprintf(m->file, len, "%s%s", s->root ? s->root : "", path);
	s->mods[s->nmods++] = m;
	if (s->nowhere) {
		m->err = ENOENT;
		snprintf(m->detail, sizeof m->detail, "not read: it is inside an engine's image, "
			 "not on this machine");
		return m;
	}
	if (path[0] != '/') {
		/* libswap names the program by its argv[0] when it cannot tell
		 * its path (as_sample.c): a name without a directory, nothing
		 * to open (another file of that name would give wrong names) */
		m->err = ENOENT;
		snprintf(m->detail, sizeof m->detail, "not a full path (the program as its argv[0] "
			 "named it): nothing to read its symbols from");
		return m;
	}

	/* inside the root (links too), never blocking (a FIFO), a regular file only */
	fd = open_in_root(s->root, path);
	if (fd < 0) {
		m->err = -fd;
		snprintf(m->detail, sizeof m->detail, "cannot read %s: %s", m->file, strerror(-fd));
		return m;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		m->err = EINVAL;
		snprintf(m->detail, sizeof m->detail, "not read: %s is not a regular file (%s)",
			 m->file, S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
			 "a device or socket");
		return m;
	}
	m->dwfl = dwfl_begin(&s->cb);
	if (m->dwfl) {
		dwfl_report_begin(m->dwfl);
		/* ET_DYN: its first mapping at 0x10000000; ET_EXEC: where its
		 * headers say (an offset counts from its first mapping: mod_start).
		 * dwfl keeps fd (closed at dwfl_end) when it reports the module. */
		m->m = dwfl_report_elf(m->dwfl, path, m->file, fd, 0x10000000, false);
		dwfl_report_end(m->dwfl, NULL, NULL);
	}
	if (!m->m)
		close(fd);
	if (!m->m) {
		m->err = EINVAL;
		snprintf(m->detail, sizeof m->detail, "cannot read %s: %s", m->file,
			 dwfl_errmsg(-1) ? dwfl_errmsg(-1) : "not an ELF file");
		if (m->dwfl)
			dwfl_end(m->dwfl);
		m->dwfl = NULL;
		return m;
	}
	{
		Dwarf_Addr bias;
		Elf *elf = dwfl_module_getelf(m->m, &bias);
		const char *main_file = NULL;
		m->start = mod_start(m->m);
		m->has_dwarf = dwfl_module_getdwarf(m->m, &bias) != NULL;
		dwfl_module_info(m->m, NULL, NULL, NULL, NULL, NULL, &main_file, &m->debugfile);
		m->has_symtab = has_section(elf, SHT_SYMTAB, NULL);
		if (m->debugfile && main_file && !strcmp(m->debugfile, main_file))
			m->debugfile = NULL;
		(void)dwfl_module_getsymtab(m->m); /* loads .symtab, or .dynsym */
	}
	if (expected(s, path)) {
		char now[130];
		build_id_of(m->m, now, sizeof now);
		if (strcmp(now, expected(s, path))) {
			m->changed = 1;
			snprintf(m->detail, sizeof m->detail, "changed since the run (build-id %s, the "
				 "file now has %s): not named", expected(s, path), now[0] ? now : "none");
		}
	}
	return m;
}

/* ---- lookups -------------------------------------------------------------------------------- */

/* p (malloc'd) kept until as_sym_close; NULL (p freed) when out of memory. */
static char *keep(struct as_sym *s, char *p);

/* C++ names as people read them ("ns::Cls::grow(unsigned long)", not
 * "_ZN2ns3Cls4growEm"), as addr2line -C and perf print them: libstdc++'s
 * __cxa_demangle, loaded with dlopen on the first mangled name (without
 * libstdc++ names stay as the symbol tables have them).  Anything that is
 * not a mangled name comes back as it was. */
static const char *demangle(struct as_sym *s, const char *name)
{
	static char *(*cxa_demangle)(const char *, char *, size_t *, int *);
	static int tried;
	char *out;
	int st = -1;
	if (!name || name[0] != '_' || name[1] != 'Z')
		return name;
	if (!tried) {
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		tried = 1;
		if (h)
			*(void **)&cxa_demangle = dlsym(h, "__cxa_demangle");
	}
	if (!cxa_demangle || !(out = cxa_demangle(name, NULL, NULL, &st)))
		return name;
	if (st) {
		free(out);
		return name;
	}
	{
		/* Rust's legacy mangling ends in a hash: "...::h0123456789abcdef" */
		size_t n = strlen(out), i;
		for (i = n; i > 0 && isxdigit((unsigned char)out[i - 1]); i--)
			;
		if (n - i == 16 && i >= 3 && !strncmp(out + i - 3, "::h", 3))
			out[i - 3] = 0;
	}
	return keep(s, out) ? out : name;
}

/* A function's name: its linkage name demangled (qualified, with the
 * parameter types), else its DW_AT_name (C, or DWARF without linkage names). */
static const char *die_name(struct as_sym *s, Dwarf_Die *d)
{
	Dwarf_Attribute a;
	const char *link = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_linkage_name, &a));
	const char *n = demangle(s, link);
	if (n && n != link)
		return n;
	n = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_name, &a));
	return n ? n : link;
}

static char *keep(struct as_sym *s, char *p)
{
	if (p && s->nstrs == s->capstrs) {
		size_t cap = s->capstrs ? 2 * s->capstrs : 64;
		char **v = realloc(s->strs, cap * sizeof *v);
		if (!v) {
			free(p);
			return NULL;
		}
		s->strs = v;
		s->capstrs = cap;
	}
	if (p)
		s->strs[s->nstrs++] = p;
	return p;
}

/* file as an absolute path when the compiler named it relative to the
 * CU's directory ("../src/x.c" built in /b: "/src/x.c"), kept in the session;
 * file itself when it is absolute, or on failure. */
static const char *absolute(struct as_sym *s, Dwarf_Die *cu, const char *file)
{
	Dwarf_Attribute a;
	const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	char *p, *r, *w;
	size_t len;
	if (!file || file[0] == '/' || !dir || dir[0] != '/')
		return file;
	len = strlen(dir) + strlen(file) + 2;
	if (!(p = keep(s, malloc(len))))
		return file;
	snprintf(p, len, "%s/%s", dir, file);
	/* drop "." and "dir/.." components, in place */
	for (r = w = p; *r;) {
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || !r[2])) {
			r += 2;
		} else if (r[0] == '/' && r[1] == '.' && r[2] == '.' && (r[3] == '/' || !r[3])) {
			while (w > p && *--w != '/')
				;
			r += 3;
		} else if (r[0] == '/' && r[1] == '/') {
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
	if (!*p)
		strcpy(p, "/");
	return p;
}

static int is_func(Dwarf_Die *d)
{
	int tag = dwarf_tag(d);
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram;
}

/* The inlined frames and the function at addr, from DWARF: how many.  As
 * eu-addr2line -i: the innermost function scope at addr, then the scopes
 * that contain it in the concrete tree (dwarf_getscopes_die: not the
 * inlined function's abstract definition), each inlined one's caller
 * location from its DW_AT_call_file and DW_AT_call_line. */
static unsigned dwarf_frames(struct as_sym *s, struct mod *m, Dwarf_Addr addr, struct frame *f,
			     unsigned max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(m->m, addr, &bias), *scopes = NULL, *chain = NULL;
	Dwfl_Line *l = dwfl_module_getsrc(m->m, addr);
	const char *file = NULL;
	int line = 0, n, i;
	unsigned k = 0;
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	Dwarf_Die inner;
	if (!cu)
		return 0;
	if (l)
		file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	n = dwarf_getscopes(cu, addr - bias, &scopes);
	for (i = 0; i < n && !is_func(&scopes[i]); i++)
		;
	if (i < n) {
		inner = scopes[i];
		n = dwarf_getscopes_die(&inner, &chain);
	} else {
		n = 0;
	}
	free(scopes);
	for (i = 0; i < n && k < max; i++) {
		Dwarf_Attribute a;
		Dwarf_Word w;
		if (!is_func(&chain[i]))
			continue;
		f[k].func = die_name(s, &chain[i]);
		f[k].file = absolute(s, cu, file);
		f[k].line = line > 0 ? (unsigned)line : 0;
		f[k].inlined = dwarf_tag(&chain[i]) == DW_TAG_inlined_subroutine;
		k++;
		if (!f[k - 1].inlined)
			break;
		/* the caller's location: where this one was inlined */
		file = NULL;
		line = 0;
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &a), &w))
			line = (int)w;
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &a), &w) &&
		    (files || !dwarf_getsrcfiles(cu, &files, &nfiles)) && w < nfiles)
			file = dwarf_filesrc(files, w, NULL, NULL);
	}
	free(chain);
	return k;
}

static struct entry *lookup(struct as_sym *s, struct mod *m, uint64_t off)
{
	size_t mask = s->captab - 1, i;
	uint64_t h = ((uintptr_t)m ^ (off * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
	struct frame f[INLINE_MAX];
	unsigned n = 0;
	for (i = (size_t)(h >> 20) & mask; s->tab[i].m; i = (i + 1) & mask)
		if (s->tab[i].m == m && s->tab[i].off == off)
			return &s->tab[i];
	if (2 * (s->ntab + 1) > s->captab) {
		/* grow, then find the empty slot again */
		struct entry *old = s->tab, *t = calloc(2 * s->captab, sizeof *t);
		size_t oldcap = s->captab, k;
		if (!t)
			return NULL;
		s->tab = t;
		s->captab *= 2;
		mask = s->captab - 1;
		for (k = 0; k < oldcap; k++) {
			uint64_t hk;
			if (!old[k].m)
				continue;
			hk = ((uintptr_t)old[k].m ^ (old[k].off * 0x9E3779B97F4A7C15ull)) *
			     0xff51afd7ed558ccdull;
			for (i = (size_t)(hk >> 20) & mask; t[i].m; i = (i + 1) & mask)
				;
			t[i] = old[k];
		}
		free(old);
		for (i = (size_t)(h >> 20) & mask; s->tab[i].m; i = (i + 1) & mask)
			;
	}
	m->frames++;
	if (m->m && !m->changed) {
		Dwarf_Addr addr = m->start + off;
		n = m->has_dwarf ? dwarf_frames(s, m, addr, f, INLINE_MAX) : 0;
		if (!n || !f[n - 1].func) {
			/* no DWARF for it: the symbol table (.symtab, else .dynsym) */
			GElf_Off so;
			GElf_Sym sym;
			const char *name = dwfl_module_addrinfo(m->m, addr, &so, &sym, NULL, NULL, NULL);
			if (name) {
				if (!n)
					n = 1, f[0].file = NULL, f[0].line = 0, f[0].inlined = 0;
				f[n - 1].func = demangle(s, name);
			}
		}
	}
	s->tab[i].m = m;
	s->tab[i].off = off;
	s->tab[i].n = n;
	s->tab[i].f = n ? malloc(n * sizeof *f) : NULL;
	if (n && !s->tab[i].f)
		s->tab[i].n = 0;
	else if (n)
		memcpy(s->tab[i].f, f, n * sizeof *f);
	s->ntab++;
	if (s->tab[i].n && s->tab[i].f[s->tab[i].n - 1].func)
		m->named++;
	if (s->tab[i].n && s->tab[i].f[0].line)
		m->lines++;
	return &s->tab[i];
}

size_t as_sym_frames(struct as_sym *s, const char *text, int form, struct as_sym_frame *out,
		     size_t max)
{
	char module[4096];
	uint64_t off = 0;
	const char *dyn = NULL;
	size_t dynlen = 0, k, n = 0;
	struct mod *m = NULL;
	struct entry *e = NULL;
	if (!max)
		return 0;
	if (as_sym_parse(text, form, module, sizeof module, &off, &dyn, &dynlen) &&
	    (m = mod_get(s, module)))
		e = lookup(s, m, off);
	if (e && !e->n && dyn && (e->f = calloc(1, sizeof *e->f))) {
		/* nothing in the module's files (or none here): the dynamic
		 * symbol libswap found, kept for the next frame at this address */
		if ((e->f[0].func = keep(s, strndup(dyn, dynlen)))) {
			e->f[0].func = demangle(s, e->f[0].func);
			e->n = 1;
		}
	}
	for (k = 0; e && k < e->n && n < max; k++) {
		if (!e->f[k].func && !e->f[k].line)
			continue;
		out[n].func = e->f[k].func;
		out[n].file = e->f[k].file;
		out[n].line = e->f[k].line;
		out[n].inlined = e->f[k].inlined;
		out[n].text = text;
		out[n].module = m->path;
		out[n].offset = off;
		n++;
	}
	if (n && !out[n - 1].func)
		n--; /* a line without a function: the text as it came says more */
	if (!n) {
		memset(out, 0, sizeof *out);
		out[0].text = text;
		out[0].module = m ? m->path : NULL;
		out[0].offset = off;
		/* a folded file's dynamic symbol, which names no module */
		if (!m && form == AS_SYM_FOLDED) {
			const char *d = demangle(s, text);
			out[0].func = d != text ? d : NULL;
		}
		n = 1;
	}
	return n;
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

int as_sym_python(const struct as_sym_frame *f)
{
	const char *t = f->text, *e;
	size_t n = t ? strlen(t) : 0;
	if (f->module || n < 4 || t[n - 1] != ')')
		return 0;
	for (e = t + n - 2; e > t && isdigit((unsigned char)*e); e--)
		;
	return *e == ':' && e < t + n - 2;
}

const char *as_sym_text(const struct as_sym_frame *f, int style, char *buf, size_t cap)
{
	if (!f->func)
		snprintf(buf, cap, "%s", f->text);
	else if (f->file && f->line)
		snprintf(buf, cap, "%s (%s:%u)", f->func,
			 style == AS_SYM_SHORT ? base_name(f->file) : f->file, f->line);
	else if (style == AS_SYM_SHORT || !f->module)
		snprintf(buf, cap, "%s", f->func);
	else
		snprintf(buf, cap, "%s (%s+0x%llx)", f->func, f->module,
			 (unsigned long long)f->offset);
	return buf;
}

/* ---- notes ---------------------------------------------------------------------------------- */

/* dpkg-query ARGS: its first line of output into line (standard error to
 * /dev/null); 0 when it exited 0 and wrote one. */
static int dpkg_query(char *const argv[], char *line, size_t cap)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc, fd[2];
	size_t n = 0;
	ssize_t got;
	if (pipe2(fd, O_CLOEXEC))
		return -1;
	if (posix_spawn_file_actions_init(&fa)) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, "dpkg-query", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		return -1;
	}
	/* read it all (the rest is dropped), so that it never blocks on a full pipe */
	for (;;) {
		char drop[512];
		got = read(fd[0], n + 1 < cap ? line + n : drop,
			   n + 1 < cap ? cap - 1 - n : sizeof drop);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (n + 1 < cap)
			n += (size_t)got;
	}
	close(fd[0]);
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && !WEXITSTATUS(st) && *line ? 0 : -1;
}

/* The package that has path (dpkg-query -S; tried again with the path's
 * links resolved: /lib is /usr/lib on a merged /usr) and its source
 * package, into pkg and src; 0 or -1.  root: the image's root filesystem,
 * whose own dpkg database is asked (path is inside it), or NULL. */
static int owner(const char *root, const char *path, const char *file, char *pkg, size_t pcap,
		 char *src, size_t scap)
{
	char *argv[8], **a, line[1024], real[PATH_MAX], rroot[PATH_MAX], admin[PATH_MAX + 32];
	char link[PATH_MAX], target[PATH_MAX];
	size_t n;
	int hops;
	argv[0] = "dpkg-query";
	a = argv + 1;
	if (root) {
		snprintf(admin, sizeof admin, "--admindir=%s/var/lib/dpkg", root);
		*a++ = admin;
	}
	/* the file itself: a link by its last name (/usr/bin/python3 is
	 * python3-minimal's link to python3.11) followed to its target */
	snprintf(link, sizeof link, "%s", path);
	for (hops = 0; hops < 8; hops++) {
		ssize_t k;
		snprintf(real, sizeof real, "%s%s", root ? root : "", link);
		k = readlink(real, target, sizeof target - 1);
		if (k <= 0)
			break;
		target[k] = 0;
		if (target[0] == '/')
			snprintf(link, sizeof link, "%s", target);
		else if (strrchr(link, '/'))
			snprintf(strrchr(link, '/') + 1, sizeof link - (size_t)(strrchr(link, '/') + 1 - link),
				 "%s", target);
	}
	a[0] = "-S";
	a[1] = link;
	a[2] = NULL;
	if (dpkg_query(argv, line, sizeof line)) {
		/* file is root + path: its links resolved, then root taken off again */
		if (!realpath(file, real))
			return -1;
		a[1] = real;
		if (root) {
			if (!realpath(root, rroot) || strncmp(real, rroot, n = strlen(rroot)) ||
			    real[n] != '/')
				return -1;
			a[1] = real + n;
		}
		if (!strcmp(a[1], link) || dpkg_query(argv, line, sizeof line))
			return -1;
	}
	if (!strstr(line, ": "))
		return -1;
	*strstr(line, ": ") = 0;
	if (strchr(line, ',') || strchr(line, ' '))
		return -1; /* a path several packages divert or share */
	snprintf(pkg, pcap, "%.*s", (int)pcap - 1, line);
	if (strchr(pkg, ':'))
		*strchr(pkg, ':') = 0;
	snprintf(src, scap, "%s", pkg);
	a[0] = "-W";
	a[1] = "-f";
	a[2] = "${source:Package}";
	a[3] = pkg;
	a[4] = NULL;
	if (!dpkg_query(argv, line, sizeof line))
		snprintf(src, scap, "%.*s", (int)scap - 1, line);
	return 0;
}

static void describe(struct as_sym *s, struct mod *m, int hints)
{
	char pkg[256], src[256], hint[1400] = "";
	if (m->err || m->changed)
		return; /* said when it was opened */
	if (m->has_dwarf) {
		snprintf(m->detail, sizeof m->detail, "file:line from DWARF in %s",
			 m->debugfile ? m->debugfile : "the file itself");
		return;
	}
	if (hints && !owner(s->root, m->path, m->file, pkg, sizeof pkg, src, sizeof src))
		snprintf(hint, sizeof hint, "; its debug symbols are in %s-dbg%s%s%s, or %s-dbgsym "
			 "(Debian's debug archive), whichever exists", pkg, strcmp(src, pkg) ? ", " : "",
			 strcmp(src, pkg) ? src : "", strcmp(src, pkg) ? "-dbg" : "", pkg);
	else if (hints)
		snprintf(hint, sizeof hint, "; build it with -g and keep its debug info, or its "
			 "build-id .debug file under /usr/lib/debug/.build-id/");
	if (m->has_symtab)
		snprintf(m->detail, sizeof m->detail,
			 "function names only (symbol table, no debug info: no file:line%s)", hint);
	else
		snprintf(m->detail, sizeof m->detail,
			 "no symbols (stripped: only exported functions are named, other frames "
			 "stay module+offset%s)", hint);
}

size_t as_sym_modules(struct as_sym *s, struct as_sym_module *out, size_t max)
{
	size_t i;
	for (i = 0; i < s->nmods && i < max; i++) {
		struct mod *m = s->mods[i];
		if (!m->detail[0])
			describe(s, m, 0);
		out[i].path = m->path;
		out[i].status = m->err ? "unreadable" : m->changed ? "changed" : m->has_dwarf ? "dwarf" : m->has_symtab ?
			"symtab" : "none";
		out[i].detail = m->detail;
		out[i].frames = m->frames;
	}
	return i < s->nmods ? i : s->nmods;
}

size_t as_sym_notes(struct as_sym *s, FILE *f, const char *heading, const char *indent,
		    int only_missing, int hints)
{
	size_t i, missing = 0, said = 0;
	for (i = 0; i < s->nmods; i++) {
		struct mod *m = s->mods[i];
		int bad = m->err || m->changed || !m->has_dwarf;
		missing += (size_t)bad;
		if (only_missing && !bad)
			continue;
		describe(s, m, hints && bad);
		if (!said++ && heading)
			fprintf(f, "%s\n", heading);
		fprintf(f, "%s%s: %s\n", indent, m->path, m->detail);
	}
	return missing;
}
