/* as_wrappers: counting calls to libc's memory-mapping wrappers, the
 * fallback for the perf syscalls group ("source": "libc-wrappers").
 *
 * libswap exports only the malloc family, so it cannot interpose mmap by
 * defining it.  Instead _as_wrap_hook() walks the loaded objects
 * (dl_iterate_phdr) and rewrites their relocation slots
 * (R_X86_64_JUMP_SLOT and R_X86_64_GLOB_DAT, in the DT_RELA and DT_JMPREL
 * tables) for mmap, mmap64, munmap, mremap, brk, sbrk and madvise so that
 * they point at counting wrappers in this file.  A wrapper adds one to a
 * relaxed atomic counter and calls the function as libswap itself sees it;
 * libswap's own slots are never rewritten, so its calls are neither counted
 * nor recursed.  Left alone: libc (its calls are internal: glibc's and
 * musl's malloc map memory through no slot), the dynamic loader, the vDSO,
 * libswap, the object that defines the real function, and any slot bound
 * to something else than that function (another preload interposing mmap:
 * counted as skipped, not hooked).  A slot still waiting for lazy binding
 * (it points into its own object's PLT) is hooked.  Slots under full
 * RELRO are made writable for the write (mprotect of that one page) and
 * read-only again, as the loader left them.
 *
 * What this cannot see, and the report says so: calls libc makes itself,
 * calls from objects that were not there when the walk ran (dlopen later:
 * Python extension modules), what the allocator's constructors did while
 * it was being dlopen-ed, raw syscall() users, and calls through function
 * pointers stored in static data (R_X86_64_64, not rewritten).  And they
 * count calls, not system calls: glibc's sbrk(0) makes none, a failed call
 * may make none.  Never "complete".
 *
 * x86-64 only: elsewhere _as_wrap_hook() returns ENOSYS and hooks nothing.
 * No calls to malloc in this file: all state is one static struct.
 */
#ifndef ALLOCSWAP_AS_WRAPPERS_H
#define ALLOCSWAP_AS_WRAPPERS_H

#include <stdint.h>

/* Report keys, in the order of perf's syscall tracepoints (sbrk counts
 * under brk, mmap64 under mmap). */
enum { AS_WRAP_MMAP, AS_WRAP_MUNMAP, AS_WRAP_MREMAP, AS_WRAP_BRK, AS_WRAP_MADVISE, AS_WRAP_N };

struct as_wrap_counts {
	uint64_t calls[AS_WRAP_N];
	unsigned objects; /* objects with at least one slot hooked */
	unsigned slots;   /* slots hooked */
	unsigned skipped; /* slots for these names bound elsewhere, or not writable */
};

/* Hooks every loaded object not walked before; the first call arms the
 * counters.  Returns 0, or ENOSYS where this is not implemented. */
int _as_wrap_hook(void);

/* Non-zero once _as_wrap_hook() has walked the objects. */
int _as_wrap_active(void);

/* In a forked child: the slots stay hooked (the memory is a copy), the
 * counts start from zero like every other counter. */
void _as_wrap_after_fork_child(void);

void _as_wrap_read(struct as_wrap_counts *c);

#endif
