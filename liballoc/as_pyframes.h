/* as_pyframes: the Python frames of a sampled allocation (CPython 3.11).
 *
 * libswap does not link libpython.  At start-up (sampling, full mode) it
 * looks the interpreter up with dlsym(RTLD_DEFAULT, ...): a program that
 * exports Py_Version 3.11.x, PyGILState_GetThisThreadState,
 * _PyThreadState_UncheckedGet, _Py_IsFinalizing, PyCode_Type, PyBytes_Type
 * and PyUnicode_Type (Debian's python3
 * does, and so does the musl CPython of cross/build.sh) has its Python
 * stack read beside the native one; any other version is said in the
 * report ("Python frames: CPython 3.12 not supported, only 3.11").
 *
 * Whose stack (inside malloc, no allocation, no lock): the walk reads
 * PyGILState_GetThisThreadState() (this thread's pthread key; NULL in a
 * thread Python did not create) and walks it only when all of these hold:
 *   - the interpreter is not finalizing (_Py_IsFinalizing()): from there
 *     Py_FinalizeEx frees daemon threads' states while their keys still
 *     return them, and such a thread may still malloc (C code without the
 *     GIL, PyThread_exit_thread's dlopen);
 *   - with the GIL held (that state is _PyThreadState_UncheckedGet(), an
 *     atomic load) its memory is read in place: nobody frees or changes a
 *     state while its thread holds the GIL.  Without it (C code between
 *     Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS: a ctypes call,
 *     sqlite3's own allocations) the thread's frames are still its own,
 *     and the code objects on them alive (each frame holds its code), but
 *     Py_FinalizeEx may free a daemon thread's state and frames between the
 *     check above and the reads: every read of a walk without the GIL (the
 *     state, frames, code objects, names, line tables) is a copy made by
 *     the kernel (process_vm_readv on this thread), so memory unmapped since
 *     is an error, never a fault, and memory freed but mapped is garbage
 *     that the type checks reject; the walk is bounded (WALK_STEPS) and so
 *     is every table read.  Three copies a frame (frame, code, name
 *     lengths), about 0.9 us each here; names and line tables only on a
 *     cache miss, 256 bytes of a table at a time.  A seccomp profile that
 *     refuses process_vm_readv leaves such allocations without Python
 *     frames, and the report says so (python.without_gil false, with the
 *     reason).
 *   - its tstate->cframe (a local of the innermost _PyEval_EvalFrameDefault)
 *     lies on this thread's stack, above this frame: PyThreadState_New
 *     binds a new state to the key of the thread that calls it, so a
 *     dispatcher thread that makes states for workers would otherwise walk
 *     a worker's frames while the worker changes them.  The stack is the
 *     /proc/self/maps mapping holding the stack pointer, read once per
 *     thread with system calls; without /proc the first two rules alone.
 * A thread that runs a state made by another thread (PyEval_RestoreThread)
 * has no Python frames: its own key is empty.
 * tstate->cframe->current_frame starts a chain of
 * _PyInterpreterFrame (f_code, prev_instr, is_entry, owner, previous);
 * frames CPython calls incomplete (_PyFrame_IsIncomplete: not owned by a
 * generator and before the code's first traceable instruction) are left
 * out as CPython's tracebacks leave them out, but an incomplete entry
 * frame still ends its group (see below).  The line is read from the
 * code's co_linetable at the byte offset of prev_instr, as
 * PyCode_Addr2Line reads it (the unit test holds the two together at
 * every instruction of five standard modules); once per code object and
 * offset (a cache), under the caller's lock.  Code objects are checked
 * against PyCode_Type, line tables against PyBytes_Type and names against
 * PyUnicode_Type before they are read.
 *
 * Names: co_qualname and co_filename are read straight from their
 * PyUnicode objects (compact ASCII, or compact kind 1/2/4 encoded to UTF-8
 * here; never PyUnicode_AsUTF8, which allocates) and copied into a static
 * string pool (names outlive their code objects: the report is written at
 * exit).  A cache keyed by the code object, checked against its name
 * objects, their lengths and co_firstlineno, spares the copying on the
 * next sample of the same code.
 *
 * Groups: each C-level call of _PyEval_EvalFrameDefault pushes one entry
 * frame (is_entry) and runs Python-to-Python calls inline, so the Python
 * frames from the leaf up to and including the next entry frame are what
 * one native _PyEval_EvalFrameDefault frame was running.  as_sample.c
 * writes mixed stacks with that (as memray does).
 *
 * The struct layouts are one table below (AS_PY311_LAYOUT);
 * tests/unit/test_pylayout.c compiles against CPython 3.11's internal
 * headers and checks every entry with offsetof.
 *
 * No calls to malloc in this file.
 */
#ifndef ALLOCSWAP_AS_PYFRAMES_H
#define ALLOCSWAP_AS_PYFRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "as_json.h"

#define AS_PY_DEPTH 64 /* Python frames kept per stack */

/* CPython 3.11 on x86-64, from Include/cpython/pystate.h, code.h,
 * unicodeobject.h and Include/internal/pycore_frame.h:
 * X(name, C type, member, offset); S(name, C type, size); V(name, C
 * constant, value).  The unicode state bits (interned:2, kind:3,
 * compact:1, ascii:1, ready:1 from bit 0) are checked by the test too. */
#define AS_PY311_LAYOUT(X, S, V)                                      \
	X(ts_cframe, PyThreadState, cframe, 56)                       \
	X(cf_current_frame, _PyCFrame, current_frame, 8)              \
	X(fr_code, _PyInterpreterFrame, f_code, 32)                   \
	X(fr_previous, _PyInterpreterFrame, previous, 48)             \
	X(fr_prev_instr, _PyInterpreterFrame, prev_instr, 56)         \
	X(fr_is_entry, _PyInterpreterFrame, is_entry, 68)             \
	X(fr_owner, _PyInterpreterFrame, owner, 69)                   \
	X(ob_type, PyObject, ob_type, 8)                              \
	X(co_firstlineno, PyCodeObject, co_firstlineno, 72)           \
	X(co_filename, PyCodeObject, co_filename, 112)                \
	X(co_qualname, PyCodeObject, co_qualname, 128)                \
	X(co_linetable, PyCodeObject, co_linetable, 136)              \
	X(co_firsttraceable, PyCodeObject, _co_firsttraceable, 168)   \
	X(co_code_adaptive, PyCodeObject, co_code_adaptive, 184)      \
	X(bytes_size, PyVarObject, ob_size, 16)                       \
	X(bytes_sval, PyBytesObject, ob_sval, 32)                     \
	X(str_length, PyASCIIObject, length, 16)                      \
	X(str_state, PyASCIIObject, state, 32)                        \
	X(str_utf8_length, PyCompactUnicodeObject, utf8_length, 48)   \
	X(str_utf8, PyCompactUnicodeObject, utf8, 56)                 \
	S(str_ascii_data, PyASCIIObject, 48)                          \
	S(str_compact_data, PyCompactUnicodeObject, 72)               \
	S(code_unit, _Py_CODEUNIT, 2)                                 \
	V(owned_by_generator, FRAME_OWNED_BY_GENERATOR, 1)            \
	V(kind_1byte, PyUnicode_1BYTE_KIND, 1)                        \
	V(kind_2byte, PyUnicode_2BYTE_KIND, 2)                        \
	V(kind_4byte, PyUnicode_4BYTE_KIND, 4)

#define AS_PY_X(name, type, member, off) AS_PY_##name = off,
#define AS_PY_S(name, type, size) AS_PY_##name = size,
#define AS_PY_V(name, cname, value) AS_PY_##name = value,
enum { AS_PY311_LAYOUT(AS_PY_X, AS_PY_S, AS_PY_V) };
#undef AS_PY_X
#undef AS_PY_S
#undef AS_PY_V

/* PyASCIIObject.state, as a 32-bit word */
#define AS_PY_STATE_KIND_SHIFT 2
#define AS_PY_STATE_KIND_MASK 7u
#define AS_PY_STATE_COMPACT (1u << 5)
#define AS_PY_STATE_ASCII (1u << 6)
#define AS_PY_STATE_READY (1u << 7)

/* One frame as read inside malloc (no lock). */
struct as_pyraw {
	const char *code, *qualname, *filename; /* the objects */
	int64_t qlen, flen; /* their lengths, -1 when unreadable (the code cache's check) */
	int offset; /* prev_instr's byte offset in the code; -1: incomplete (hidden) */
	int firstlineno;
	int entry;
	int nogil; /* read without the GIL: resolved from copies (as_pyframes.c) */
};

/* One frame of a site, names interned: what the report prints.  8 bytes:
 * every site's frames are kept (as_sample.c). */
struct as_pyframe {
	uint32_t name : 16; /* string ids (_as_py_str; fewer than 2^15) */
	uint32_t file : 15;
	uint32_t entry : 1; /* the first frame of a _PyEval_EvalFrameDefault call */
	int32_t line;       /* -1: an incomplete entry frame, only ends a group */
};

/* Start-up: finds a CPython 3.11 in the process.  1 when Python frames
 * will be read, 0 otherwise (the report says why, or nothing for a
 * program that is not Python). */
int _as_py_init(void);
/* 1 when _as_py_init found a supported interpreter. */
int _as_py_enabled(void);
/* _PyEval_EvalFrameDefault's address (0 when not Python). */
uintptr_t _as_py_eval_addr(void);

/* This thread's Python stack, leaf first, at most max frames; *truncated
 * set when more were there.  No allocation, no lock. */
int _as_py_walk(struct as_pyraw *raw, int max, int *truncated);
/* Names interned into out: the caller serializes calls (as_sample.c's
 * lock).  A name the pool has no room for, or that is not a compact str,
 * is "?" (id 0; the report counts the first kind). */
void _as_py_resolve(const struct as_pyraw *raw, int n, struct as_pyframe *out);
/* The string of an id (never NULL). */
const char *_as_py_str(uint32_t id);
/* The line of byte offset addr in a code object, from its co_linetable as
 * _as_py_resolve reads it (nogil: through copies); -1 for none.  For the
 * tests, which hold it against PyCode_Addr2Line. */
int _as_py_addr2line(const void *code, int addr, int nogil);

/* Report: the "python" object inside "sampling"; unmatched is the number
 * of sites whose eval frames and groups did not pair up (as_sample.c). */
void _as_py_json(struct as_json *j, uint64_t unmatched, uint64_t short_native, uint64_t truncated);
/* In the child after fork: this thread's cached id is its parent's. */
void _as_py_after_fork(void);

#endif
