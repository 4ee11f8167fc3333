#!/bin/sh
# py_daemon_exit.sh LIBSWAP CHURN_SO: a daemon thread in native code
# (ctypes, the GIL released) allocates while Py_FinalizeEx frees the
# daemon threads' states; their pthread keys still return the freed states
# until the end of finalization.  libswap, sampling every allocation with
# Python frames, must not fault on them (liballoc/as_pyframes.h, "Whose
# stack": no walk once finalizing, and a walk without the GIL reads only
# through copies): each of 4 runs ends with status 0 and prints "main done".  Freed
# memory is filled (MALLOC_PERTURB_) and glibc's tcache is off, so a read
# of a freed state faults (before the fix: 8 of 8 runs, SIGSEGV).
set -eu
lib=$1
churn=$2
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit 77; }
"$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
	{ echo "SKIP: $py is not CPython 3.11 (Python frames are read for 3.11 only)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/daemon_exit.py" <<'PY'
import ctypes, sys, threading, time
lib = ctypes.CDLL(sys.argv[1])
threading.Thread(target=lib.churn, daemon=True).start()
time.sleep(0.2)
junk = [bytearray(300) for _ in range(20000)]  # for finalization to free
d = {i: str(i) * 20 for i in range(20000)}
print("main done", flush=True)
PY
fails=0
for i in 1 2 3 4; do
	rc=0
	out=$(env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=64 \
		ALLOCSWAP_REPORT="$dir/r-$i.json" MALLOC_PERTURB_=65 \
		GLIBC_TUNABLES=glibc.malloc.tcache_count=0 "$py" "$dir/daemon_exit.py" "$churn") || rc=$?
	if [ $rc -ne 0 ] || [ "$out" != "main done" ]; then
		echo "py_daemon_exit.sh: run $i: exit status $rc, output '$out'"
		fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ] || exit 1
echo "py_daemon_exit.sh: ok"
