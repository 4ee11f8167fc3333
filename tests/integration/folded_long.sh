#!/bin/sh
# folded_long.sh LIBSWAP: a folded line longer than libswap's 32 KiB line
# buffer (70 Python frames, each named by a 500-character function in a
# 500-character file name) keeps its count and its newline: the frames
# between those from the root that fit and the leaf read "[...]".  Every
# line is "frames COUNT", one per site of the report (no line merged into
# another).
set -eu
lib=$1
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit 77; }
"$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
	{ echo "SKIP: $py is not CPython 3.11 (Python frames are read for 3.11 only)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/long.py" <<'PY'
name = "f" * 500
src = f"""
def {name}(n):
    if n == 0:
        return [bytearray(1 << 16) for _ in range(64)]
    return {name}(n - 1)
"""
ns = {}
exec(compile(src, "/nowhere/" + "d" * 490 + ".py", "exec"), ns)
for _ in range(20):
    ns[name](70)
PY
env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=64K \
	ALLOCSWAP_SITES="$dir/f" ALLOCSWAP_REPORT="$dir/r.json" "$py" "$dir/long.py"
bad=$(grep -cvE '^[^ ].* [0-9]+$' "$dir/f" || true)
cut=$(grep -c ';\[\.\.\.\];' "$dir/f" || true)
long=$(awk 'length($0) > 30000' "$dir/f" | wc -l)
fails=0
[ "$bad" -eq 0 ] || { echo "folded_long.sh: $bad lines without a count"; fails=1; }
[ "$cut" -ge 1 ] && [ "$long" -ge 1 ] || { echo "folded_long.sh: no long line cut with [...] ($cut cut, $long long)"; fails=1; }
"$py" - "$dir/f" "$dir/r.json" <<'PY' || fails=1
import json, sys
counts = [int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[1])]
lines = sum(1 for _ in open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
if lines != r["sampling"]["sites"]:
    sys.exit("folded_long.sh: %d lines for %d sites" % (lines, r["sampling"]["sites"]))
PY
[ $fails -eq 0 ] || { head -c 2000 "$dir/f"; exit 1; }
echo "folded_long.sh: ok ($cut lines cut)"
