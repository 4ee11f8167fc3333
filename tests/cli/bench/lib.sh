# lib.sh: what the bench tests share.  Sourced with the allocswap binary as $1.
set -eu
ALLOCSWAP=$1
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-bench-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# the suite's benchmarks, as fast as they go (memory processes: memory.sh)
FAST="--loops 1 --values 1 --warmups 0 --warmup-runs 0 --pymalloc on --memory-runs 0"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Two allocators that load here: system and the first other one the
# default matrix keeps (or none, the no-preload baseline).
two_allocators() {
	"$ALLOCSWAP" bench --dry-run --bench nbody --runs 1 --pymalloc on -q 2>/dev/null |
		sed -n 's|^config \([^/]*\)/.*|\1|p' | grep -v '^system$' | head -n 1 |
		sed 's/^/system,/;s/^system,$/system,none/'
}

# Checks a JSON file with a Python expression per line on stdin; $1 the file.
# Each line of the file is a record when it ends in .jsonl.
json_check() {
	"$PY" - "$1" <<PYEOF
import json, sys
path = sys.argv[1]
if path.endswith(".jsonl"):
    data = [json.loads(l) for l in open(path)]
else:
    data = json.load(open(path))
$(cat)
PYEOF
}
