/* as_buildid: a loaded object's GNU build-id (as_buildid.h).
 * No calls to malloc in this file, no stdio. */
#include "as_buildid.h"

#include <elf.h>
#include <link.h>

#include "as_sys.h"

struct find {
	uintptr_t addr;
	char *hex;
	size_t cap, len;
};

/* The NT_GNU_BUILD_ID note in [p, p + n), notes aligned to align: hex, or 0. */
static size_t note_id(const unsigned char *p, size_t n, size_t align, char *hex, size_t cap)
{
	size_t at = 0, i;
	while (at + sizeof(ElfW(Nhdr)) <= n) {
		const ElfW(Nhdr) *h = (const void *)(p + at);
		size_t name = at + sizeof *h, desc = name + ((h->n_namesz + align - 1) & ~(align - 1));
		size_t next = desc + ((h->n_descsz + align - 1) & ~(align - 1));
		if (desc > n || desc + h->n_descsz > n)
			return 0;
		if (h->n_type == NT_GNU_BUILD_ID && h->n_namesz == 4 && p[name] == 'G' &&
		    p[name + 1] == 'N' && p[name + 2] == 'U' && !p[name + 3]) {
			if (!h->n_descsz || 2 * (size_t)h->n_descsz + 1 > cap)
				return 0;
			for (i = 0; i < h->n_descsz; i++) {
				hex[2 * i] = "0123456789abcdef"[p[desc + i] >> 4];
				hex[2 * i + 1] = "0123456789abcdef"[p[desc + i] & 15];
			}
			hex[2 * i] = 0;
			return 2 * i;
		}
		at = next;
	}
	return 0;
}

static int find(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find *f = data;
	int i, in = 0;
	(void)size;
	for (i = 0; i < info->dlpi_phnum && !in; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		in = ph->p_type == PT_LOAD && f->addr >= lo && f->addr - lo < ph->p_memsz;
	}
	if (!in)
		return 0;
	for (i = 0; i < info->dlpi_phnum && !f->len; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_NOTE)
			f->len = note_id((const unsigned char *)(info->dlpi_addr + ph->p_vaddr),
					 ph->p_memsz, ph->p_align == 8 ? 8 : 4, f->hex, f->cap);
	}
	return 1; /* the object that holds addr: done */
}

size_t _as_build_id(uintptr_t addr, char *hex, size_t cap)
{
	struct find f = {addr, hex, cap, 0};
	if (cap)
		hex[0] = 0;
	dl_iterate_phdr(find, &f);
	return f.len;
}

void _as_modules_add(struct _as_modules *m, const char *path, uintptr_t addr)
{
	unsigned i;
	for (i = 0; i < m->n; i++)
		if (m->path[i] == path || _as_streq(m->path[i], path))
			return;
	if (m->n < AS_MODULES_MAX) {
		m->path[m->n] = path;
		m->addr[m->n++] = addr;
	}
}

void _as_modules_json(struct as_json *j, const struct _as_modules *m)
{
	char hex[130];
	unsigned i;
	_as_json_obj(j, "modules");
	for (i = 0; i < m->n; i++)
		if (_as_build_id(m->addr[i], hex, sizeof hex))
			_as_json_str(j, m->path[i], hex);
	_as_json_end_obj(j);
}
