#!/bin/sh
# sonames.sh LIBSWAP HELLO: a backend with several sonames (liballoc's
# table: mimalloc is libmimalloc.so.2, then libmimalloc.so.3) loads the first
# one that is there, and the report names the file really loaded.
#
# Here mimalloc 2 is installed; in a bwrap sandbox its file is hidden (a
# bind of /dev/null over it) and a "libmimalloc.so.3" (a copy of it, as a
# system with mimalloc 3 only would have one) is on LD_LIBRARY_PATH.  Then
# with both hidden: exit 127, one line naming both sonames.  Skips without
# bwrap or mimalloc 2.  Exit 0 pass, 1 fail, 77 skip.
set -u
LIBSWAP=$1 HELLO=$2
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-sonames.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL (sonames): $*" >&2
	for f in "$T"/err "$T"/r.json; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 3000 "$f" >&2; }
	done
	exit 1
}
skip() {
	echo "SKIP (sonames): $*"
	exit 77
}

command -v bwrap >/dev/null || skip "no bwrap (Debian: bubblewrap)"
so2=$(/sbin/ldconfig -p | awk '$1 == "libmimalloc.so.2" && $NF ~ /^\// {print $NF; exit}')
[ -n "$so2" ] || skip "libmimalloc.so.2 is not installed (Debian: libmimalloc2.0)"
real2=$(readlink -f "$so2")
bwrap --dev-bind / / --ro-bind /dev/null "$real2" true 2>"$T/err" ||
	skip "bwrap cannot bind over $real2: $(head -n 1 "$T/err")"
mkdir "$T/lib"
cp "$real2" "$T/lib/libmimalloc.so.3"

# run ENV...: hello under libswap with mimalloc asked for, in the sandbox
# where libmimalloc.so.2 is hidden; status in $rc, stderr in $T/err.
run() {
	rm -f "$T/r.json"
	bwrap --dev-bind / / --ro-bind /dev/null "$real2" \
		env LD_PRELOAD="$LIBSWAP" ALLOCSWAP_ALLOCATOR=mimalloc ALLOCSWAP_REPORT="$T/r.json" \
		"$@" "$HELLO" >/dev/null 2>"$T/err"
	rc=$?
}

# outside the sandbox, the first soname serves
env LD_PRELOAD="$LIBSWAP" ALLOCSWAP_ALLOCATOR=mimalloc ALLOCSWAP_REPORT="$T/r.json" \
	"$HELLO" >/dev/null 2>"$T/err" || fail "mimalloc on this machine"
$PY -c "import json, sys; a = json.load(open(sys.argv[1]))['allocator']; sys.exit(a['path'] != sys.argv[2])" \
	"$T/r.json" "$so2" || fail "the report does not name $so2"

# the second soname, when the first is not there
run LD_LIBRARY_PATH="$T/lib"
[ "$rc" = 0 ] || fail "with libmimalloc.so.2 hidden and libmimalloc.so.3 there: exit $rc"
[ ! -s "$T/err" ] || fail "with libmimalloc.so.3: something on stderr"
$PY - "$T/r.json" "$T/lib/libmimalloc.so.3" <<'EOF' || fail "the report does not name libmimalloc.so.3"
import json, sys
a = json.load(open(sys.argv[1]))['allocator']
want = {'name': 'mimalloc', 'requested': 'mimalloc', 'path': sys.argv[2], 'mapped': True,
        'wrapped': False, 'fallback': False}
got = {k: a[k] for k in want}
if got != want:
    sys.exit('%s != %s' % (got, want))
EOF

# neither: one line, each soname's reason, in the table's order
run
[ "$rc" = 127 ] || fail "with neither soname: exit $rc, not 127"
[ ! -e "$T/r.json" ] || fail "with neither soname: a report"
[ "$(wc -l <"$T/err")" = 1 ] || fail "with neither soname: not one line on stderr"
grep -q "^allocswap: cannot load allocator 'mimalloc': libmimalloc.so.2: .*; libmimalloc.so.3: cannot open shared object file: No such file or directory (is its package installed?); available: system " "$T/err" ||
	fail "with neither soname: $(cat "$T/err")"
echo "OK (sonames): $so2, then libmimalloc.so.3; neither: $(cut -c1-60 "$T/err")..."
