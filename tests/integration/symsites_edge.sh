#!/bin/sh
# symsites_edge.sh LIBSWAP ALLOCSWAP|none PROG: `allocswap sites` and the
# report's flame graph on modules that are not where or what the run saw:
#  - a program rebuilt since the run (another build-id than the report's
#    "modules"): not named, its note says so;
#  - --root with an absolute link (Debian's /lib64/ld-linux-x86-64.so.2) and
#    a link with "..": resolved inside the root, never on this machine;
#  - a module path that is a FIFO: a note, no hang;
#  - a folded file whose module path has a space: named; one with ';': the
#    folded file writes ',' (a frame stays one frame);
#  - report.html: a frame nothing names is grey, a label cut inside a long
#    UTF-8 path is still UTF-8.
# Each check says what failed; exit 1 after all of them.  PROG is
# symsites_main.c + symsites_lib.c (-O1 -g).
set -u
lib=$1 A=$2 prog=$3
PY=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bad=0
no() { echo "symsites_edge.sh: FAIL: $*" >&2; bad=1; }
run() { # NAME CMD...: CMD's report and folded file in $dir
	n=$1
	shift
	env LD_PRELOAD="$lib" ALLOCSWAP_ALLOCATOR=system ALLOCSWAP_STATS=full \
		ALLOCSWAP_SAMPLE_BYTES=64K ALLOCSWAP_REPORT="$dir/$n.json" \
		ALLOCSWAP_SITES="$dir/$n.folded" "$@" >/dev/null || no "$* : exit $?"
}
if [ "$A" = none ]; then
	echo "symsites_edge.sh: skipped: no allocswap CLI in this build (glibc host only)"
	exit 77
fi
cp "$prog" "$dir/prog"
run prog "$dir/prog"
if ! grep -q '"source": *"libunwind"' "$dir/prog.json"; then
	echo "symsites_edge.sh: skipped: libswap sampled no native stacks here"
	exit 77
fi

# 1. rebuilt since the run: the same code, another build-id
id=$(readelf -n "$dir/prog" | sed -n 's/^ *Build ID: *//p')
[ -n "$id" ] || no "$prog has no build-id"
$PY -c 'import json, sys; m = json.load(open(sys.argv[1])).get("modules", {})
sys.exit(0 if m.get(sys.argv[2]) == sys.argv[3] else "report modules: %r" % m)' \
	"$dir/prog.json" "$dir/prog" "$id" || no "the report does not record $dir/prog's build-id $id"
"$A" sites "$dir/prog.json" >"$dir/same.txt" 2>&1
grep -q "fill_table (.*symsites_lib\.c:" "$dir/same.txt" || no "same build-id: fill_table not named"
new=$($PY -c 'import sys
p, old = sys.argv[1], bytes.fromhex(sys.argv[2])
b = open(p, "rb").read()
assert b.count(old) == 1
nb = bytes(x ^ 0xff for x in old)
open(p, "wb").write(b.replace(old, nb))
print(nb.hex())' "$dir/prog" "$id") || no "could not change the build-id"
"$A" sites "$dir/prog.json" >"$dir/changed.txt" 2>&1 || no "sites (changed): exit $?"
grep -qxF "  $dir/prog: changed since the run (build-id $id, the file now has $new): not named" \
	"$dir/changed.txt" || no "rebuilt: no 'changed since the run' note: $(tail -3 "$dir/changed.txt")"
if grep -q "fill_table\|churn_list" "$dir/changed.txt"; then no "rebuilt: named anyway"; fi

# 2. --root: links resolved inside the root.  The root's loader is this
# program (host's ld.so has no fill_table), behind an absolute link as on
# Debian, and behind a relative one that climbs above the root.
R=$dir/root
mkdir -p "$R/lib64" "$R/lib/x86_64-linux-gnu"
cp "$prog" "$R/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/ld-linux-x86-64.so.2"
ln -s ../../../../../../../../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/up.so"
addr=$(nm "$prog" | sed -n 's/^\([0-9a-f]*\) [tT] fill_table$/\1/p')
off=$(printf '0x%x' $((0x$addr + 1)))
printf '{"schema": "allocswap.report/1", "sites": [{"bytes": 4096, "count": 1, "frames": ["?? (/lib64/ld-linux-x86-64.so.2+%s)", "?? (/lib64/up.so+%s)"]}]}\n' \
	"$off" "$off" >"$dir/root.json"
"$A" sites --root "$R" "$dir/root.json" >"$dir/root.txt" 2>&1 || no "sites --root: exit $?"
[ "$(grep -c "^      fill_table (.*symsites_lib\.c:" "$dir/root.txt")" = 2 ] ||
	no "--root: the root's loader (an absolute link, a '..' link) not read inside the root: $(cat "$dir/root.txt")"

# 3. a FIFO where a module was: a note, no hang
mkfifo "$dir/fifo"
printf '{"schema": "allocswap.report/1", "sites": [{"bytes": 4096, "count": 1, "frames": ["?? (%s+0x10)"]}]}\n' \
	"$dir/fifo" >"$dir/fifo.json"
timeout 20 "$A" sites "$dir/fifo.json" >"$dir/fifo.txt" 2>&1 || no "sites on a FIFO module: exit $? (124: it hung)"
grep -qxF "  $dir/fifo: not read: $dir/fifo is not a regular file (a FIFO)" "$dir/fifo.txt" ||
	no "FIFO: no note: $(tail -2 "$dir/fifo.txt")"

# 4. folded files: a space, a ';' in the program's path
mkdir "$dir/my app" "$dir/a;b"
cp "$prog" "$dir/my app/prog"
cp "$prog" "$dir/a;b/prog"
run space "$dir/my app/prog"
"$A" sites "$dir/space.folded" >"$dir/space.txt" 2>&1 || no "sites (space): exit $?"
grep -q "^      fill_table (.*symsites_lib\.c:" "$dir/space.txt" ||
	no "a space in the module path: not named from the folded file: $(tail -3 "$dir/space.txt")"
run semi "$dir/a;b/prog"
grep -qF "/a,b/prog+0x" "$dir/semi.folded" || no "';' in a path: not written as ','"
if grep -qF "a;b" "$dir/semi.folded"; then no "';' in a path split a folded frame"; fi
grep -qF "/a;b/prog+0x" "$dir/semi.json" || no "the report lost the ';' path"

# 5. report.html: grey unnamed boxes, labels cut between UTF-8 characters
e=$($PY -c 'print("\u00e9" * 100)')
mkdir -p "$dir/$e/$e"
cp "$prog" "$dir/$e/$e/stripped"
objcopy --strip-all "$dir/$e/$e/stripped"
"$A" bench -q -a system --stats full --cmd "$dir/$e/$e/stripped" --name strip --runs 1 \
	--warmup-runs 0 --libc glibc -o "$dir/bench" >/dev/null 2>"$dir/bench.err" || no "bench: exit $?"
"$A" report "$dir/bench" >/dev/null 2>&1 || no "report: exit $?"
$PY - "$dir/bench/report.html" <<'PYEOF' || no "report.html flame graph"
import re, sys
raw = open(sys.argv[1], "rb").read()
try:
    page = raw.decode("utf-8")
except UnicodeDecodeError as err:
    sys.exit("report.html is not UTF-8: %s" % err)
boxes = re.findall(r'<g><title>(.*?) \([^()]*\)</title><rect [^>]* fill="([^"]*)"', page)
unnamed = [(t, f) for t, f in boxes if t.startswith("?? (")]
if not unnamed:
    sys.exit("no unnamed box")
wrong = [(t, f) for t, f in unnamed if f != "#c8c8c8"]
if wrong:
    sys.exit("unnamed boxes not grey: %r" % wrong[:2])
cut = [t for t in re.findall(r"<text [^>]*>(.*?)</text>", page) if t.endswith("..") and "\u00e9" in t]
if not cut:
    sys.exit("no label cut inside the UTF-8 path")
PYEOF
[ "$bad" = 0 ] && echo "symsites_edge.sh: ok"
exit "$bad"
