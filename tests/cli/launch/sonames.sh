#!/bin/sh
# sonames.sh ALLOCSWAP: a backend's sonames in real images.  liballoc's table
# gives mimalloc two, tried in order: libmimalloc.so.2 (mimalloc 2, Debian
# 12's libmimalloc2.0) and libmimalloc.so.3 (mimalloc 3, Debian 13's
# libmimalloc3).  In the trixie image, which has only the second, mimalloc
# runs and the report names libmimalloc.so.3 and mimalloc 3; in bookworm,
# libmimalloc.so.2 and mimalloc 2; `image list` shows mimalloc in both.
# The images are built once and cached (about 40 s each the first time);
# skips when they cannot be built here.  Exit 0 pass, 1 fail, 77 skip.
set -eu
A=$1
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-sonames.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL (launch-sonames): $*" >&2
	exit 1
}

for img in trixie bookworm; do
	if ! "$A" image build "$img" >"$T/build.out" 2>"$T/build.err"; then
		echo "SKIP (launch-sonames): the $img image cannot be built here: $(tail -n 1 "$T/build.err")"
		exit 77
	fi
done

# check IMAGE SONAME MAJOR: mimalloc in IMAGE is served by SONAME, version MAJOR.x
check() {
	"$A" run --image "$1" -a mimalloc --json -o "$T/$1.json" -- python3 -c pass \
		2>"$T/$1.err" || fail "run --image $1 -a mimalloc: $(cat "$T/$1.err")"
	"$PY" - "$T/$1.json" "$2" "$3" <<'EOF' || fail "run --image $1 -a mimalloc: see above"
import json, os, sys
j = json.load(open(sys.argv[1]))
a = j['report']['allocator']
assert j['proc']['exit'] == 0, j['proc']
assert (a['name'], a['requested'], a['mapped'], a['fallback'], a['wrapped']) == \
    ('mimalloc', 'mimalloc', True, False, False), a
assert os.path.basename(a['path']) == sys.argv[2], (a['path'], sys.argv[2])
assert a['version'].split('.')[0] == sys.argv[3], a['version']
EOF
	"$PY" - "$T/images.json" "$1" "$2" <<'EOF' || fail "image list: mimalloc in $1"
import json, os, sys
img = [i for i in json.load(open(sys.argv[1]))['images'] if i['name'] == sys.argv[2]][0]
m = [a for a in img['image']['allocators'] if a['name'] == 'mimalloc']
assert len(m) == 1 and os.path.basename(m[0]['path']) == sys.argv[3], img['image']['allocators']
EOF
}

"$A" image list --json >"$T/images.json" || fail "image list --json"
check trixie libmimalloc.so.3 3
check bookworm libmimalloc.so.2 2
echo "OK (launch-sonames): trixie's mimalloc is libmimalloc.so.3, bookworm's libmimalloc.so.2"
