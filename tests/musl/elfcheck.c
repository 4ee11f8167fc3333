/* elfcheck: what libc an ELF file was built for, from its headers alone.
 *
 *   elfcheck FILE [--interp PATH] [--needs NAME]... [--not-needs NAME]...
 *            [--no-version PREFIX]...
 *
 * Reads FILE (ELF64, little-endian) and prints its ELF interpreter
 * (PT_INTERP), its DT_NEEDED entries and the symbol versions it requires
 * (DT_VERNEED), one a line.  Then checks: --interp, that PT_INTERP is PATH;
 * --needs / --not-needs, that NAME is / is not a DT_NEEDED entry;
 * --no-version, that no required version starts with PREFIX (GLIBC_: a
 * glibc object requires GLIBC_2.x versions of libc's symbols, a musl one
 * requires none).  Exit status 0 when every check held, 1 when one did not,
 * 2 when FILE is not an ELF64 file it can read.
 *
 * Debian's musl: programs have PT_INTERP /lib/ld-musl-x86_64.so.1, and
 * musl-gcc links against /usr/lib/x86_64-linux-musl/libc.so, which has no
 * DT_SONAME, so objects need "libc.so" (Alpine's libc has the soname
 * libc.musl-x86_64.so.1); the musl loader answers "libc.so" with itself.
 * glibc objects need libc.so.6.  A native program: it runs on the build
 * machine and reads files built for either libc.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 64

static unsigned char *img;
static size_t img_len;
static Elf64_Ehdr *eh;

static void bad(const char *file, const char *why)
{
	fprintf(stderr, "elfcheck: %s: %s\n", file, why);
	exit(2);
}

static const void *at(size_t off, size_t n)
{
	return off <= img_len && n <= img_len - off ? img + off : NULL;
}

/* File offset of a virtual address, through the PT_LOAD segments. */
static size_t vaddr_off(Elf64_Addr va)
{
	int i;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = at(eh->e_phoff + (size_t)i * sizeof *ph, sizeof *ph);
		if (ph && ph->p_type == PT_LOAD && va >= ph->p_vaddr &&
		    va - ph->p_vaddr < ph->p_filesz)
			return (size_t)(ph->p_offset + (va - ph->p_vaddr));
	}
	return (size_t)-1;
}

static const char *str_at(size_t strtab, size_t i)
{
	const char *s = at(strtab + i, 1);
	return s && memchr(s, 0, img_len - (strtab + i)) ? s : "?";
}

int main(int argc, char **argv)
{
	const char *file, *interp = NULL, *needed[MAXN], *versions[MAXN];
	size_t nneeded = 0, nversions = 0, strtab = (size_t)-1, verneed = (size_t)-1, vernum = 0;
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0, i, j;
	int failed = 0, a;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: elfcheck FILE [--interp PATH] [--needs NAME]... "
				"[--not-needs NAME]... [--no-version PREFIX]...\n");
		return 2;
	}
	file = argv[1];
	f = fopen(file, "rb");
	if (!f)
		bad(file, "cannot open");
	if (fseek(f, 0, SEEK_END) || (long)(img_len = (size_t)ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		bad(file, "cannot size");
	img = malloc(img_len ? img_len : 1);
	if (!img || fread(img, 1, img_len, f) != img_len)
		bad(file, "cannot read");
	fclose(f);
	eh = (Elf64_Ehdr *)img;
	if (img_len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		bad(file, "not a little-endian ELF64 file");

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = at(eh->e_phoff + i * sizeof *ph, sizeof *ph);
		if (!ph)
			bad(file, "program headers out of the file");
		if (ph->p_type == PT_INTERP) {
			interp = at(ph->p_offset, ph->p_filesz);
			if (!interp || !ph->p_filesz || interp[ph->p_filesz - 1])
				bad(file, "bad PT_INTERP");
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = at(ph->p_offset, ph->p_filesz);
			ndyn = ph->p_filesz / sizeof *dyn;
		}
	}
	for (i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = vaddr_off(dyn[i].d_un.d_ptr);
		else if (dyn[i].d_tag == DT_VERNEED)
			verneed = vaddr_off(dyn[i].d_un.d_ptr);
		else if (dyn[i].d_tag == DT_VERNEEDNUM)
			vernum = dyn[i].d_un.d_val;
	}
	if (dyn && strtab == (size_t)-1)
		bad(file, "no DT_STRTAB");
	for (i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_NEEDED && nneeded < MAXN)
			needed[nneeded++] = str_at(strtab, dyn[i].d_un.d_val);
	for (i = 0; verneed != (size_t)-1 && i < vernum; i++) {
		const Elf64_Verneed *vn = at(verneed, sizeof *vn);
		size_t aux;
		if (!vn)
			bad(file, "DT_VERNEED out of the file");
		aux = verneed + vn->vn_aux;
		for (j = 0; j < vn->vn_cnt; j++) {
			const Elf64_Vernaux *va = at(aux, sizeof *va);
			if (!va)
				bad(file, "Vernaux out of the file");
			if (nversions < MAXN)
				versions[nversions++] = str_at(strtab, va->vna_name);
			aux += va->vna_next;
		}
		verneed += vn->vn_next;
	}

	printf("interp %s\n", interp ? interp : "(none)");
	for (i = 0; i < nneeded; i++)
		printf("needed %s\n", needed[i]);
	for (i = 0; i < nversions; i++)
		printf("version %s\n", versions[i]);

	for (a = 2; a < argc; a++) {
		const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
		int found = 0;
		if (!val) {
			fprintf(stderr, "elfcheck: %s needs a value\n", opt);
			return 2;
		}
		a++;
		if (!strcmp(opt, "--interp")) {
			if (!interp || strcmp(interp, val)) {
				printf("FAIL: interpreter %s, want %s\n", interp ? interp : "(none)", val);
				failed = 1;
			}
			continue;
		}
		if (!strcmp(opt, "--needs") || !strcmp(opt, "--not-needs")) {
			for (i = 0; i < nneeded; i++)
				found |= !strcmp(needed[i], val);
			if (found != !strcmp(opt, "--needs")) {
				printf("FAIL: %s %s in DT_NEEDED\n", val, found ? "is" : "is not");
				failed = 1;
			}
			continue;
		}
		if (!strcmp(opt, "--no-version")) {
			for (i = 0; i < nversions; i++)
				if (!strncmp(versions[i], val, strlen(val))) {
					printf("FAIL: requires version %s\n", versions[i]);
					failed = 1;
				}
			continue;
		}
		fprintf(stderr, "elfcheck: unknown option %s\n", opt);
		return 2;
	}
	free(img);
	return failed;
}
