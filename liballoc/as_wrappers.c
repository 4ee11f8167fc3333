/* as_wrappers: counting GOT slots for libc's mmap family.  No calls to malloc in this file. */
#include "as_wrappers.h"

#include <errno.h>
#include <stdarg.h>
#include <dlfcn.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "as_sys.h"

#if defined(__x86_64__)
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#endif

/* Objects are walked once each, recognized by their load address; a
 * process with more objects than this at start-up gets the rest walked
 * again by the second walk, which only finds its own wrappers there. */
#define MAX_SEEN 512
#define NAMES 7

static struct {
	int active;
	uint64_t calls[AS_WRAP_N];
	unsigned objects, slots, skipped;
	size_t nseen;
	uintptr_t seen[MAX_SEEN];
	uintptr_t page;
	uintptr_t avoid[4]; /* an address inside each object left alone */
	uintptr_t real[NAMES]; /* per name of targets[]: what a slot bound to libc holds */
} W;

/* ---- the wrappers ------------------------------------------------------------------ */

/* Each calls the function through libswap's own slot, which is never
 * rewritten: the call is not counted twice and does not come back here. */

static void count(int k)
{
	__atomic_fetch_add(&W.calls[k], 1, __ATOMIC_RELAXED);
}

/* off_t is 64-bit on every target this builds for, so mmap64 is mmap. */
_Static_assert(sizeof(off_t) == 8, "mmap64 and mmap share one wrapper");

static void *w_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
	count(AS_WRAP_MMAP);
	return mmap(a, n, prot, flags, fd, off);
}

static int w_munmap(void *a, size_t n)
{
	count(AS_WRAP_MUNMAP);
	return munmap(a, n);
}

/* mremap's fifth argument exists only with MREMAP_FIXED (libc reads it the same way). */
static void *w_mremap(void *old, size_t old_n, size_t n, int flags, ...)
{
	void *to = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		to = va_arg(ap, void *);
		va_end(ap);
	}
	count(AS_WRAP_MREMAP);
	return mremap(old, old_n, n, flags, to);
}

static int w_brk(void *end)
{
	count(AS_WRAP_BRK);
	return brk(end);
}

static void *w_sbrk(intptr_t delta)
{
	count(AS_WRAP_BRK);
	return sbrk(delta);
}

static int w_madvise(void *a, size_t n, int advice)
{
	count(AS_WRAP_MADVISE);
	return madvise(a, n, advice);
}

typedef void (*as_fn)(void);

struct target {
	const char *name;
	int key;
	as_fn wrapper;
};

static const struct target targets[] = {
	{"mmap", AS_WRAP_MMAP, (as_fn)w_mmap},
	{"mmap64", AS_WRAP_MMAP, (as_fn)w_mmap},
	{"munmap", AS_WRAP_MUNMAP, (as_fn)w_munmap},
	{"mremap", AS_WRAP_MREMAP, (as_fn)w_mremap},
	{"brk", AS_WRAP_BRK, (as_fn)w_brk},
	{"sbrk", AS_WRAP_BRK, (as_fn)w_sbrk},
	{"madvise", AS_WRAP_MADVISE, (as_fn)w_madvise},
};
#define NTARGETS (sizeof targets / sizeof targets[0])
_Static_assert(NTARGETS == NAMES, "one real function per name");

#if defined(__x86_64__)

/* ---- one object ---------------------------------------------------------------------- */

struct obj {
	uintptr_t base;
	const Elf64_Phdr *ph;
	size_t nph;
	const Elf64_Sym *symtab;
	const char *strtab;
	size_t strsz;
};

/* The PT_LOAD segment of o that holds [a, a + n), or NULL. */
static const Elf64_Phdr *segment(const struct obj *o, uintptr_t a, size_t n)
{
	size_t i;
	for (i = 0; i < o->nph; i++) {
		const Elf64_Phdr *p = &o->ph[i];
		uintptr_t lo = o->base + p->p_vaddr;
		if (p->p_type == PT_LOAD && a >= lo && a - lo <= p->p_memsz &&
		    n <= p->p_memsz - (a - lo))
			return p;
	}
	return NULL;
}

/* glibc relocates the d_ptr values of a writable dynamic section in place,
 * musl leaves them as offsets from the load address: an offset is always
 * below the load address of the object it belongs to. */
static uintptr_t dyn_addr(const struct obj *o, uintptr_t v)
{
	return v < o->base ? o->base + v : v;
}

/* Rounded as both loaders do when they make PT_GNU_RELRO read-only. */
static int in_relro(const struct obj *o, uintptr_t a)
{
	size_t i;
	for (i = 0; i < o->nph; i++) {
		const Elf64_Phdr *p = &o->ph[i];
		uintptr_t lo = (o->base + p->p_vaddr) & ~(W.page - 1);
		uintptr_t hi = (o->base + p->p_vaddr + p->p_memsz) & ~(W.page - 1);
		if (p->p_type == PT_GNU_RELRO && a >= lo && a < hi)
			return 1;
	}
	return 0;
}

static int write_slot(const struct obj *o, uintptr_t a, uintptr_t v)
{
	const Elf64_Phdr *p = segment(o, a, sizeof v);
	void *page = (void *)(a & ~(W.page - 1));
	if (!in_relro(o, a)) {
		if (!p || !(p->p_flags & PF_W))
			return EACCES;
		__atomic_store_n((uintptr_t *)a, v, __ATOMIC_RELAXED);
		return 0;
	}
	if (mprotect(page, W.page, PROT_READ | PROT_WRITE))
		return errno;
	__atomic_store_n((uintptr_t *)a, v, __ATOMIC_RELAXED);
	/* back to what the loader left: RELRO is read-only once relocated */
	(void)mprotect(page, W.page, PROT_READ);
	return 0;
}

static const struct target *target_of(const char *name)
{
	size_t i;
	for (i = 0; i < NTARGETS; i++)
		if (_as_streq(name, targets[i].name))
			return &targets[i];
	return NULL;
}

static int is_wrapper(uintptr_t v)
{
	size_t i;
	for (i = 0; i < NTARGETS; i++)
		if (v == (uintptr_t)targets[i].wrapper)
			return 1;
	return 0;
}

/* A slot is hooked when it holds the function libswap would call, or, for
 * a symbol the object does not define, its own PLT code (lazy binding has
 * not resolved it yet; the wrapper calls what it would have resolved to). */
static void hook_slot(const struct obj *o, uintptr_t a, const Elf64_Sym *s,
		      const struct target *t)
{
	uintptr_t v = __atomic_load_n((uintptr_t *)a, __ATOMIC_RELAXED);
	uintptr_t real = W.real[t - targets];
	const Elf64_Phdr *p = segment(o, v, 1);
	int lazy = s->st_shndx == SHN_UNDEF && p && (p->p_flags & PF_X);
	if (is_wrapper(v))
		return;
	/* bound to something else (an interposer, the object's own definition),
	 * or the slot cannot be written: left as it is, and said */
	if (!real || (v != real && !lazy) || write_slot(o, a, (uintptr_t)t->wrapper)) {
		W.skipped++;
		return;
	}
	W.slots++;
}

static void hook_table(const struct obj *o, uintptr_t table, size_t size)
{
	const Elf64_Rela *r = (const Elf64_Rela *)table;
	size_t i, n = size / sizeof *r;
	if (!table || !segment(o, table, size))
		return;
	for (i = 0; i < n; i++) {
		unsigned long type = ELF64_R_TYPE(r[i].r_info);
		const Elf64_Sym *s = o->symtab + ELF64_R_SYM(r[i].r_info);
		const struct target *t;
		uintptr_t a = o->base + r[i].r_offset;
		if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
			continue;
		if (type == R_X86_64_GLOB_DAT && r[i].r_addend)
			continue;
		if (!ELF64_R_SYM(r[i].r_info) || !segment(o, (uintptr_t)s, sizeof *s) ||
		    s->st_name >= o->strsz || !segment(o, a, sizeof(uintptr_t)))
			continue;
		t = target_of(o->strtab + s->st_name);
		if (t)
			hook_slot(o, a, s, t);
	}
}

static void hook_object(struct obj *o)
{
	const Elf64_Dyn *d = NULL;
	uintptr_t rela = 0, jmprel = 0, symtab = 0, strtab = 0;
	size_t relasz = 0, pltsz = 0, i;
	int64_t pltrel = DT_RELA;
	unsigned before = W.slots;
	for (i = 0; i < o->nph; i++)
		if (o->ph[i].p_type == PT_DYNAMIC)
			d = (const Elf64_Dyn *)(o->base + o->ph[i].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_RELA: rela = d->d_un.d_ptr; break;
		case DT_RELASZ: relasz = d->d_un.d_val; break;
		case DT_JMPREL: jmprel = d->d_un.d_ptr; break;
		case DT_PLTRELSZ: pltsz = d->d_un.d_val; break;
		case DT_PLTREL: pltrel = (int64_t)d->d_un.d_val; break;
		case DT_SYMTAB: symtab = d->d_un.d_ptr; break;
		case DT_STRTAB: strtab = d->d_un.d_ptr; break;
		case DT_STRSZ: o->strsz = d->d_un.d_val; break;
		default: break;
		}
	}
	if (!symtab || !strtab || !o->strsz)
		return;
	o->symtab = (const Elf64_Sym *)dyn_addr(o, symtab);
	o->strtab = (const char *)dyn_addr(o, strtab);
	if (!segment(o, (uintptr_t)o->strtab, o->strsz))
		return;
	if (rela)
		hook_table(o, dyn_addr(o, rela), relasz);
	if (jmprel && pltrel == DT_RELA)
		hook_table(o, dyn_addr(o, jmprel), pltsz);
	if (W.slots != before)
		W.objects++;
}

/* ---- the walk -------------------------------------------------------------------------- */

static int seen(uintptr_t base)
{
	size_t i;
	for (i = 0; i < W.nseen; i++)
		if (W.seen[i] == base)
			return 1;
	if (W.nseen < MAX_SEEN)
		W.seen[W.nseen++] = base;
	return 0;
}

static int walk_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct obj o;
	size_t i;
	(void)size;
	(void)arg;
	if (seen(info->dlpi_addr))
		return 0;
	_as_memset(&o, 0, sizeof o);
	o.base = info->dlpi_addr;
	o.ph = info->dlpi_phdr;
	o.nph = info->dlpi_phnum;
	for (i = 0; i < sizeof W.avoid / sizeof W.avoid[0]; i++)
		if (W.avoid[i] && segment(&o, W.avoid[i], 1))
			return 0;
	hook_object(&o);
	return 0;
}

/* The definitions the slots are bound to.  RTLD_NEXT, not the address of
 * mmap taken here: in a program built without PIE that takes mmap's
 * address, that is the program's PLT entry (dlsym may allocate: this runs
 * in _as_init, where the bootstrap arena serves). */
static void find_reals(void)
{
	size_t i;
	for (i = 0; i < NTARGETS; i++)
		W.real[i] = (uintptr_t)dlsym(RTLD_NEXT, targets[i].name);
}

int _as_wrap_hook(void)
{
	if (!W.active) {
		find_reals();
		W.page = getauxval(AT_PAGESZ);
		if (!W.page || (W.page & (W.page - 1)))
			W.page = 4096;
		W.avoid[0] = (uintptr_t)&W;                  /* libswap */
		W.avoid[1] = (uintptr_t)(as_fn)_exit;         /* libc (musl: also the loader) */
		W.avoid[2] = getauxval(AT_BASE);             /* the dynamic loader */
		W.avoid[3] = getauxval(AT_SYSINFO_EHDR);     /* the vDSO */
		W.active = 1;
	}
	dl_iterate_phdr(walk_one, NULL);
	return 0;
}

#else

int _as_wrap_hook(void)
{
	(void)targets;
	return ENOSYS;
}

#endif

int _as_wrap_active(void)
{
	return W.active;
}

void _as_wrap_after_fork_child(void)
{
	size_t i;
	for (i = 0; i < AS_WRAP_N; i++)
		__atomic_store_n(&W.calls[i], 0, __ATOMIC_RELAXED);
}

void _as_wrap_read(struct as_wrap_counts *c)
{
	size_t i;
	for (i = 0; i < AS_WRAP_N; i++)
		c->calls[i] = __atomic_load_n(&W.calls[i], __ATOMIC_RELAXED);
	c->objects = W.objects;
	c->slots = W.slots;
	c->skipped = W.skipped;
}
