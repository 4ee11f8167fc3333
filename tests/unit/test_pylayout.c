/* as_pyframes: the CPython 3.11 layout table (AS_PY311_LAYOUT in
 * liballoc/as_pyframes.h) against the interpreter's own headers, internal
 * ones included (Py_BUILD_CORE): every offset with offsetof, every size
 * with sizeof, every constant, and the bits of PyASCIIObject.state set one
 * field at a time.  Built only where python3.11's headers are (meson says
 * why not otherwise). */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "as_pyframes.h"
#include "harness.h"

#define CHECK_OFF(name, type, member, off)                                                  \
	do {                                                                               \
		if (offsetof(type, member) != (size_t)(off))                               \
			t_say("%s: offsetof(%s, %s) is %zu, the table says %d", #name, #type, \
			      #member, offsetof(type, member), (int)(off));                \
		T_EQ(offsetof(type, member), AS_PY_##name);                                \
	} while (0);
#define CHECK_SIZE(name, type, size) T_EQ(sizeof(type), AS_PY_##name);
#define CHECK_VALUE(name, cname, value) T_EQ(cname, AS_PY_##name);

static uint32_t state_word(const PyASCIIObject *o)
{
	uint32_t w;
	memcpy(&w, (const char *)o + AS_PY_str_state, sizeof w);
	return w;
}

int main(void)
{
	PyASCIIObject o;

	T_EQ(PY_MAJOR_VERSION, 3);
	T_EQ(PY_MINOR_VERSION, 11);
	AS_PY311_LAYOUT(CHECK_OFF, CHECK_SIZE, CHECK_VALUE)
	T_EQ(sizeof(((_PyInterpreterFrame *)0)->is_entry), 1);
	T_EQ(sizeof(((_PyInterpreterFrame *)0)->owner), 1);
	T_EQ(sizeof(((PyCodeObject *)0)->_co_firsttraceable), sizeof(int));
	T_EQ(sizeof(((PyCodeObject *)0)->co_firstlineno), sizeof(int));
	T_EQ(sizeof(((PyASCIIObject *)0)->state), sizeof(uint32_t));

	memset(&o, 0, sizeof o);
	o.state.kind = 7;
	T_EQ(state_word(&o), AS_PY_STATE_KIND_MASK << AS_PY_STATE_KIND_SHIFT);
	memset(&o, 0, sizeof o);
	o.state.kind = PyUnicode_2BYTE_KIND;
	T_EQ(state_word(&o) >> AS_PY_STATE_KIND_SHIFT & AS_PY_STATE_KIND_MASK, 2);
	memset(&o, 0, sizeof o);
	o.state.compact = 1;
	T_EQ(state_word(&o), AS_PY_STATE_COMPACT);
	memset(&o, 0, sizeof o);
	o.state.ascii = 1;
	T_EQ(state_word(&o), AS_PY_STATE_ASCII);
	memset(&o, 0, sizeof o);
	o.state.ready = 1;
	T_EQ(state_word(&o), AS_PY_STATE_READY);
	return t_done();
}
