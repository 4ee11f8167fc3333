/* as_pyframes on a real interpreter: this program embeds CPython 3.11
 * (libpython3.11), and a built-in module's walk() reads the calling
 * thread's Python stack with _as_py_walk and _as_py_resolve, as libswap
 * does inside malloc.  Checked, frame by frame: qualnames and file names
 * (ASCII, and 1-, 2- and 4-byte kind str objects encoded to UTF-8), the
 * exact lines, and which frames are entry frames: Python-to-Python calls
 * run inline in one _PyEval_EvalFrameDefault, a call through C (map, a
 * generator's next) starts a new one.  Also: a thread Python did not
 * create has no frames, the names outlive their code objects, and the
 * JSON object the report gets.  The rule of as_pyframes.h "Whose stack":
 * the same frames with the GIL released (read through copies), none once
 * Py_FinalizeEx has begun (a __del__ run by it), none for a thread whose
 * key holds a state that another thread runs (PyThreadState_New binds it
 * to the creating thread).  And the line table as as_pyframes.c reads it
 * against PyCode_Addr2Line, at every instruction of the code objects of
 * five standard modules (compiled, not imported), in place and through
 * copies. */
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "as_json.h"
#include "as_pyframes.h"
#include "harness.h"

#define SNAPS 4
#define FILE_NAME "/nowhere/\xf0\x9f\x98\x80\xc3\xa9-pyframes.py" /* U+1F600, e-acute */

static struct {
	int n;
	struct as_pyframe f[AS_PY_DEPTH];
} snap[SNAPS];
static int nsnap;

static PyObject *walk(PyObject *self, PyObject *arg)
{
	struct as_pyraw raw[AS_PY_DEPTH];
	int cut, n;
	(void)self;
	(void)arg;
	n = _as_py_walk(raw, AS_PY_DEPTH, &cut);
	T_EQ(cut, 0);
	if (nsnap < SNAPS) {
		_as_py_resolve(raw, n, snap[nsnap].f);
		snap[nsnap++].n = n;
	}
	Py_RETURN_NONE;
}

static int n_nogil = -1, n_fin = -1, n_other = -1, nogil_flag = -1;
static struct as_pyframe nogil_f[AS_PY_DEPTH];

static PyObject *walk_nogil(PyObject *self, PyObject *arg)
{
	struct as_pyraw raw[AS_PY_DEPTH];
	int cut;
	(void)self;
	(void)arg;
	Py_BEGIN_ALLOW_THREADS
	n_nogil = _as_py_walk(raw, AS_PY_DEPTH, &cut);
	if (n_nogil > 0) {
		nogil_flag = raw[0].nogil;
		_as_py_resolve(raw, n_nogil, nogil_f);
	}
	Py_END_ALLOW_THREADS
	Py_RETURN_NONE;
}

static PyObject *walk_fin(PyObject *self, PyObject *arg)
{
	struct as_pyraw raw[AS_PY_DEPTH];
	int cut;
	(void)self;
	(void)arg;
	n_fin = _as_py_walk(raw, AS_PY_DEPTH, &cut);
	Py_RETURN_NONE;
}

/* The dispatcher of an embedding: makes a thread state (bound to its own
 * key) that the main thread then runs; walks while it runs. */
static PyThreadState *handed;
static int go, walked;

static void *dispatcher(void *arg)
{
	struct as_pyraw raw[AS_PY_DEPTH];
	int cut;
	(void)arg;
	__atomic_store_n(&handed, PyThreadState_New((PyInterpreterState *)arg), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	n_other = _as_py_walk(raw, AS_PY_DEPTH, &cut);
	__atomic_store_n(&walked, 1, __ATOMIC_RELEASE);
	return NULL;
}

static PyObject *walk_other(PyObject *self, PyObject *arg)
{
	(void)self;
	(void)arg;
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&walked, __ATOMIC_ACQUIRE))
		; /* the GIL held, this Python stack live */
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {{"walk", walk, METH_NOARGS, NULL},
				{"walk_nogil", walk_nogil, METH_NOARGS, NULL},
				{"walk_fin", walk_fin, METH_NOARGS, NULL},
				{"walk_other", walk_other, METH_NOARGS, NULL},
				{NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pyf", NULL, -1, methods,
				    NULL, NULL, NULL, NULL};

static PyObject *init_module(void)
{
	return PyModule_Create(&module);
}

/* Line numbers are the source's, counted from 1. */
static const char src[] =
	"import _pyf\n"                                  /* 1 */
	"def f():\n"                                     /* 2 */
	"    _pyf.walk()\n"                              /* 3 */
	"class \xc3\xa9:\n"                              /* 4: e-acute, a 1-byte kind */
	"    def \xe5\x88\x86\xe9\x85\x8d(self):\n"      /* 5: 2-byte kind */
	"        f()\n"                                  /* 6 */
	"def \xf0\xa0\x80\x80():\n"                      /* 7: U+20000, 4-byte kind */
	"    \xc3\xa9().\xe5\x88\x86\xe9\x85\x8d()\n"    /* 8 */
	"\xf0\xa0\x80\x80()\n"                           /* 9 */
	"list(map(lambda x: _pyf.walk(), [0]))\n"        /* 10 */
	"def gen():\n"                                   /* 11 */
	"    yield _pyf.walk()\n"                        /* 12 */
	"next(gen())\n"                                  /* 13 */
	"def g():\n"                                     /* 14 */
	"    _pyf.walk_nogil()\n"                        /* 15 */
	"g()\n"                                          /* 16 */
	"class D:\n"                                     /* 17 */
	"    def __del__(self, w=_pyf.walk_fin): w()\n"  /* 18 */
	"import builtins\n"                              /* 19 */
	"builtins.kept_to_the_end = D()\n";              /* 20 */

static void frame_is(const struct as_pyframe *f, const char *name, int line, int entry)
{
	T_STREQ(_as_py_str(f->name), name);
	T_STREQ(_as_py_str(f->file), FILE_NAME);
	T_EQ(f->line, line);
	T_EQ(f->entry, entry);
}

static void *no_python(void *arg)
{
	struct as_pyraw raw[4];
	int cut;
	(void)arg;
	T_EQ(_as_py_walk(raw, 4, &cut), 0);
	return NULL;
}

/* Whether this process may copy its own memory with process_vm_readv (a
 * seccomp profile may refuse it): what the walk without the GIL uses. */
static int copies_work(void)
{
	int src = 7, dst = 0;
	struct iovec l = {&dst, sizeof dst}, r = {&src, sizeof src};
	return process_vm_readv(getpid(), &l, 1, &r, 1, 0) == (ssize_t)sizeof dst && dst == 7;
}

int main(void)
{
	PyObject *code, *globals, *res;
	char json[2048];
	struct as_json j;
	pthread_t t;
	int copies = copies_work();

	T_EQ(_as_py_init(), 1); /* the symbols are there before Py_Initialize */
	T_CHECK(_as_py_eval_addr() != 0);
	T_EQ(PyImport_AppendInittab("_pyf", init_module), 0);
	Py_InitializeEx(0);
	code = Py_CompileString(src, FILE_NAME, Py_file_input);
	T_CHECK(code != NULL);
	if (!code) {
		PyErr_Print();
		return t_done();
	}
	globals = PyDict_New();
	PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
	res = PyEval_EvalCode(code, globals, globals);
	if (!res)
		PyErr_Print();
	T_CHECK(res != NULL);
	Py_XDECREF(res);
	Py_DECREF(globals);
	Py_DECREF(code);

	T_EQ(nsnap, 3);
	/* 𠀀 -> é.分配 -> f, all inline in <module>'s eval */
	T_EQ(snap[0].n, 4);
	frame_is(&snap[0].f[0], "f", 3, 0);
	frame_is(&snap[0].f[1], "\xc3\xa9.\xe5\x88\x86\xe9\x85\x8d", 6, 0);
	frame_is(&snap[0].f[2], "\xf0\xa0\x80\x80", 8, 0);
	frame_is(&snap[0].f[3], "<module>", 9, 1);
	/* map calls the lambda from C: a new eval, a new entry frame */
	T_EQ(snap[1].n, 2);
	frame_is(&snap[1].f[0], "<lambda>", 10, 1);
	frame_is(&snap[1].f[1], "<module>", 10, 1);
	/* next() resumes the generator from C */
	T_EQ(snap[2].n, 2);
	frame_is(&snap[2].f[0], "gen", 12, 1);
	frame_is(&snap[2].f[1], "<module>", 13, 1);

	/* the GIL released (C code between Py_BEGIN_ALLOW_THREADS and
	 * Py_END_ALLOW_THREADS): the same frames, read through copies; none
	 * where copies are refused (the report says so, below) */
	if (copies) {
		T_EQ(n_nogil, 2);
		T_EQ(nogil_flag, 1);
		frame_is(&nogil_f[0], "g", 15, 0);
		frame_is(&nogil_f[1], "<module>", 16, 1);
	} else {
		t_say("process_vm_readv is refused here: frames without the GIL checked as absent");
		T_EQ(n_nogil, 0);
	}
	/* a copy that cannot be made is an error, not a fault */
	T_EQ(_as_py_addr2line((const void *)16, 0, 1), -2);

	/* the line table, in place and through copies, against CPython's own */
	{
		static const char collect[] =
			"import os\n"
			"codes = []\n"
			"def add(co):\n"
			"    codes.append(co)\n"
			"    for c in co.co_consts:\n"
			"        if type(c) is type(add.__code__):\n"
			"            add(c)\n"
			"lib = os.path.dirname(os.__file__)\n"
			"for name in ('argparse', 'json/decoder', 'textwrap', 'asyncio/base_events',\n"
			"             'dataclasses'):\n"
			"    path = os.path.join(lib, name + '.py')\n"
			"    with open(path) as f:\n"
			"        add(compile(f.read(), path, 'exec'))\n";
		PyObject *d = PyDict_New(), *codes;
		Py_ssize_t i, k, nbytes;
		long checked = 0, wrong = 0, lines = 0;
		PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
		res = PyRun_String(collect, Py_file_input, d, d);
		if (!res)
			PyErr_Print();
		T_CHECK(res != NULL);
		Py_XDECREF(res);
		codes = PyDict_GetItemString(d, "codes");
		for (i = 0; codes && i < PyList_GET_SIZE(codes); i++) {
			PyCodeObject *co = (PyCodeObject *)PyList_GET_ITEM(codes, i);
			nbytes = Py_SIZE(co) * (Py_ssize_t)sizeof(_Py_CODEUNIT);
			for (k = 0; k < nbytes; k += (Py_ssize_t)sizeof(_Py_CODEUNIT)) {
				int want = PyCode_Addr2Line(co, (int)k);
				int got = _as_py_addr2line(co, (int)k, 0);
				int copied = copies ? _as_py_addr2line(co, (int)k, 1) : want;
				checked++;
				lines += want >= 0;
				if (got != want || copied != want) {
					if (wrong++ < 5)
						t_say("%s at byte %ld: line %d, read %d, copied %d",
						      PyUnicode_AsUTF8(co->co_qualname), (long)k, want, got, copied);
				}
			}
		}
		T_EQ(wrong, 0);
		T_CHECK(checked > 20000 && lines > checked / 2);
		t_say("line table: %ld instructions of %ld code objects, %ld with a line", checked,
		      codes ? (long)PyList_GET_SIZE(codes) : 0L, lines);
		Py_DECREF(d);
	}

	/* a thread state made by another thread, run here: that thread's key
	 * holds it, and it is the GIL holder's, but its frames are on this
	 * thread's stack: not walked from there */
	{
		PyThreadState *mine;
		T_EQ(pthread_create(&t, NULL, dispatcher, PyThreadState_Get()->interp), 0);
		while (!__atomic_load_n(&handed, __ATOMIC_ACQUIRE))
			;
		mine = PyThreadState_Swap(handed);
		res = PyRun_String("(lambda: __import__(\"_pyf\").walk_other())()", Py_eval_input,
				   PyModule_GetDict(PyImport_AddModule("__main__")), NULL);
		if (!res)
			PyErr_Print();
		Py_XDECREF(res);
		PyThreadState_Swap(mine);
		pthread_join(t, NULL);
		PyThreadState_Clear(handed);
		PyThreadState_Delete(handed);
		T_EQ(n_other, 0);
	}

	/* a thread Python does not know: no thread state, no frames */
	T_EQ(pthread_create(&t, NULL, no_python, NULL), 0);
	pthread_join(t, NULL);

	T_EQ(n_fin, -1);
	T_EQ(Py_FinalizeEx(), 0);
	T_EQ(n_fin, 0); /* D.__del__ ran inside Py_FinalizeEx: not walked */
	/* names are copies: still there with the interpreter gone */
	T_STREQ(_as_py_str(snap[0].f[2].name), "\xf0\xa0\x80\x80");
	T_STREQ(_as_py_str(0), "?");

	_as_json_init_mem(&j, json, sizeof json);
	_as_json_obj(&j, NULL);
	_as_py_json(&j, 2, 3, 1);
	_as_json_end_obj(&j);
	T_EQ(_as_json_finish(&j), 0);
	T_CHECK(strstr(json, "\"frames\": true,\n    \"version\": \"3.11.") != NULL);
	T_CHECK(strstr(json, "\"names_dropped\": 0,") != NULL);
	T_CHECK(strstr(json, copies ? "\"without_gil\": true," : "\"without_gil\": false,") != NULL);
	T_CHECK(strstr(json, "\"truncated\": 1,") != NULL);
	T_CHECK(strstr(json, "\"bad_frames\": 0,") != NULL);
	T_CHECK(strstr(json, "\"unmatched_sites\": 2,") != NULL);
	T_CHECK(strstr(json, "\"short_native_sites\": 3\n") != NULL);
	if (t_failed)
		t_say("%s", json);
	return t_done();
}
