/* as_sym: names for the frames of sampled allocation sites, found after the
 * run, outside the measured process.
 *
 * libswap writes a frame as the dynamic linker sees it (liballoc/as_sample.c):
 * in the report's "sites", "sym+0xoff (/path/module+0xOFF)" ("??" when the
 * address has no dynamic symbol); in the folded file (ALLOCSWAP_SITES),
 * "sym" for a frame with a dynamic symbol, else "/path/module+0xOFF" (a
 * space in the path is kept; a ';', which separates frames there, reads
 * ',', so such a module is not found from the folded file, only from the
 * report).  OFF
 * is the call instruction's distance from the start of the module's first
 * mapping.  A program's own static functions have no dynamic symbol, so
 * they read "??": this module names them from the module's files, with
 * elfutils' libdwfl: the function from its DWARF (or its .symtab, or its
 * .dynsym), the file:line of the call, and the functions inlined there, each
 * a frame of its own.  The DWARF is the file's own, or a separate debug file
 * found by build-id or .gnu_debuglink (/usr/lib/debug/.build-id/xx/....debug:
 * Debian's -dbg and -dbgsym packages), as dwfl's standard callbacks look.
 * C++ names come demangled (the DWARF linkage name, else the symbol), also
 * a folded file's dynamic symbol alone ("_Znwm": "operator new(unsigned
 * long)").
 *
 * A frame that does not end in "(MODULE+0xHEX)" (report) or is not
 * "MODULE+0xHEX" (folded) is another kind (a Python frame
 * "qualname (file.py:12)", a bare address, a dynamic symbol alone) and is
 * left as it is, mangled names demangled.  A frame whose module cannot be read, or has no symbol
 * for the address, keeps its text too, and the module's note says why.
 *
 * Modules are opened once per struct as_sym and kept (a Dwfl each).
 */
#ifndef ALLOCSWAP_SYM_H
#define ALLOCSWAP_SYM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct as_sym;

/* One frame after symbolizing.  Strings are owned by the struct as_sym (valid
 * until as_sym_close). */
struct as_sym_frame {
	const char *func; /* function name; NULL: not known (text stays as it came) */
	const char *file; /* source file as its DWARF names it (often a full path), or NULL */
	unsigned line;    /* 0: not known */
	int inlined;      /* inlined into the next frame (the caller) */
	const char *text; /* the frame as it came */
	const char *module; /* its module's path as the frame names it, or NULL */
	uint64_t offset;
};

/* A session.  root: a directory module paths are relative to (an image's
 * root filesystem), NULL for this machine, or "" when the modules are
 * nowhere here (an engine's image): then no module is read, every frame
 * stays as it came and the notes say why.  NULL when out of memory. */
struct as_sym *as_sym_open(const char *root);
void as_sym_close(struct as_sym *s);

/* The GNU build-id (lowercase hex) the run saw for the module at path
 * (the report's "modules", libswap's as_sample_out.c), before any frame of it
 * is looked up.  When the file here has another build-id (or none), the
 * program was rebuilt since the run: no frame of it is named from the file
 * (the run's own dynamic symbol names stay), and its note says "changed
 * since the run (build-id X, the file now has Y): not named".  A module
 * without one recorded is read as it is.  0 or ENOMEM. */
int as_sym_expect(struct as_sym *s, const char *path, const char *build_id);

#define AS_SYM_REPORT 0 /* "sym+0xoff (MODULE+0xOFF)" */
#define AS_SYM_FOLDED 1 /* "MODULE+0xOFF" */

/* Splits a frame of the given form into its module and offset: 1, or 0 when
 * it is not of that form (module then untouched).  For a report frame,
 * *dynsym (when non-NULL) is the dynamic symbol's name and its length
 * (*dynsym_len), or NULL for "??". */
int as_sym_parse(const char *text, int form, char *module, size_t cap, uint64_t *offset,
		 const char **dynsym, size_t *dynsym_len);

/* The frames text stands for, innermost first, into out[0..max): the
 * functions inlined at the call, then the function that made it.  Returns
 * how many (at least 1 when max >= 1: the frame as it came when nothing
 * names it). */
size_t as_sym_frames(struct as_sym *s, const char *text, int form, struct as_sym_frame *out,
		     size_t max);

/* Text of a frame:
 *   AS_SYM_LONG   "func (/full/path/file.c:12)", "func (module+0xOFF)" without a
 *                 line, or the text as it came
 *   AS_SYM_SHORT  "func (file.c:12)", "func", or the text as it came (folded
 *                 stacks, one-line summaries)
 * into buf (truncated to cap); returns buf. */
#define AS_SYM_LONG 0
#define AS_SYM_SHORT 1
const char *as_sym_text(const struct as_sym_frame *f, int style, char *buf, size_t cap);

/* Whether f is a Python frame libswap wrote ("qualname (file.py:12)"): no
 * module, and a line number closing the parenthesis. */
int as_sym_python(const struct as_sym_frame *f);

/* Where the names of each module looked up so far came from, one line per
 * module ("  PATH: file:line from DWARF in /usr/lib/debug/.build-id/..."),
 * after the heading when there is any line to write.  only_missing: only
 * the modules without file:line.  hints: for a stripped module, name the
 * Debian package that has it and the debug packages to try (runs
 * dpkg-query, a quarter of a second a module).  Returns the number of
 * modules without file:line. */
size_t as_sym_notes(struct as_sym *s, FILE *f, const char *heading, const char *indent,
		    int only_missing, int hints);

/* Per module, for a caller that writes its own notes: n modules. */
struct as_sym_module {
	const char *path;
	const char *status; /* "dwarf" (file:line), "symtab" (names), "none" (exported
			     * names only), "unreadable", "changed" (build-id differs) */
	const char *detail; /* what the note says after "PATH: " */
	unsigned frames;    /* frames looked up in it */
};
size_t as_sym_modules(struct as_sym *s, struct as_sym_module *out, size_t max);

#endif
