#!/bin/sh
# The CLI under broken inputs and a full disk:
# - runs.jsonl with a damaged line in the middle and a last line cut off
#   (an interrupted write): `report` warns once about each, with its line
#   number, however many outputs read the file, and summary.json counts them
#   (runs_skipped); the cut-off line used to be dropped silently, the
#   damaged one warned about twice;
# - a runs file with no valid run: `report` and `compare` fail with one line
#   (they exited 0); `compare` of two runs with no benchmark in common fails
#   the same way;
# - a build directory outside the source tree (the binary and libswap.so
#   copied elsewhere): `bench` still finds the built-in suite, in the source
#   tree the binary was configured from (it looked next to the binary only);
# - a full file system (a 64 KiB tmpfs in a mount namespace, root only):
#   `report` fails with a line per file and leaves neither summary.json,
#   report.md, report.html nor a temporary file (json_dump_file left its
#   summary.json.tmp.PID behind).
#
# usage: test_cli_faults.sh ALLOCSWAP GEN_BENCH LIBSWAP
set -u
A=$1
G=$2
L=$3
T_NAME=cli-faults
. "$(dirname "$0")/lib.sh"

# ---- skipped lines ---------------------------------------------------------------------
"$G" "$T/d" -s 1 -b 2 -r 4 system=1 jemalloc=1 >/dev/null || exit 1
lines=$(wc -l <"$T/d/runs.jsonl")
/usr/bin/python3 - "$T/d/runs.jsonl" <<'EOF' || exit 1
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')[:-1]
lines[3] = lines[3][:40]                    # line 4: damaged
text = '\n'.join(lines)[:-30]               # the last line: cut off, no newline
open(p, 'w').write(text)
EOF
"$A" report "$T/d" --format md,json,html >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && ok || fail "report with 2 bad lines: exit $rc"
expect_count "$T/err" "runs.jsonl: line 4 skipped: " 1 "the damaged line, once"
expect_count "$T/err" "runs.jsonl: line $lines skipped: cut off \(no newline at its end" 1 \
	"the cut-off last line, once"
expect_count "$T/err" "skipped" 2 "no other warning"
/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["runs_skipped"] == 2, s["runs_skipped"]
n = {(c["bench"], c["config"].split("/")[0]): c["n"] for c in s["cells"]}
assert sum(n.values()) == 14, n
' "$T/d/summary.json" && ok || fail "summary.json: runs_skipped 2, 14 runs"

# ---- nothing valid ---------------------------------------------------------------------
mkdir "$T/e"
cp "$T/d/meta.json" "$T/e/"
printf '{"schema": "allocswap.run/1", "bench": "b\n' >"$T/e/runs.jsonl"
"$A" report "$T/e" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] && ok || fail "report with no valid run: exit $rc, want 2"
expect_line "$T/err" "allocswap: report: $T/e/runs.jsonl has no valid run record (1 line skipped): nothing to report" \
	"report with no valid run"
[ -e "$T/e/summary.json" ] || [ -e "$T/e/report.md" ] && fail "report wrote files for no run" || ok
: >"$T/e/runs.jsonl"
"$A" compare "$T/e" "$T/d:system" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] && ok || fail "compare with no valid run: exit $rc, want 2"
expect_line "$T/err" "allocswap: compare: $T/e/runs.jsonl has no valid run record (0 lines skipped): nothing to compare" \
	"compare with no valid run"

"$G" "$T/b" -s 2 -b 2 -r 4 system=1 >/dev/null || exit 1
sed -i 's/bench_/other_/g' "$T/b/runs.jsonl" "$T/b/meta.json"
"$A" compare "$T/d:system" "$T/b" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] && ok || fail "compare with no benchmark in common: exit $rc, want 2"
expect_in "$T/err" "^allocswap: compare: $T/d:system and $T/b have no benchmark in common: nothing to compare \(A has bench_0, bench_1; B has other_0, other_1\)$" \
	"compare with no benchmark in common"
[ -s "$T/out" ] && fail "compare printed a table of nothing" || ok

# ---- a build outside the source tree ---------------------------------------------------
mkdir -p "$T/ob/tools" "$T/ob/preload"
cp "$A" "$T/ob/tools/allocswap"
cp "$L" "$T/ob/preload/libswap.so"
"$T/ob/tools/allocswap" bench --dry-run --bench nbody -a system -o "$T/o1" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && ok || { fail "bench from a build outside the tree: exit $rc"; cat "$T/err" >&2; }
expect_in "$T/out" "^benchmark nbody " "bench found the built-in suite"

# ---- a full file system ----------------------------------------------------------------
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "SKIP (full file system part): needs root and unshare -m"
else
	mkdir "$T/full"
	unshare -m sh -c '
		mount --make-rprivate / && mount -t tmpfs -o size=64k allocswap-cli-faults "$1" || exit 99
		cp "$2/meta.json" "$2/runs.jsonl" "$1/" || exit 99
		dd if=/dev/zero of="$1/filler" bs=4096 2>/dev/null
		dd if=/dev/zero of="$1/filler" bs=1 oflag=append conv=notrunc 2>/dev/null
		"$3" report "$1" --format md,json,html >"$4/out" 2>"$4/err"
		echo "rc=$?" >"$4/rc"
		ls -A "$1" >"$4/ls"
	' sh "$T/full" "$T/d" "$A" "$T"
	if [ $? -eq 99 ]; then
		echo "SKIP (full file system part): cannot mount a tmpfs"
	else
		expect_line "$T/rc" "rc=1" "report on a full disk fails"
		expect_in "$T/err" "summary.json: No space left on device" "summary.json: ENOSPC said"
		expect_in "$T/err" "report.md: No space left on device" "report.md: ENOSPC said"
		expect_in "$T/err" "report.html: No space left on device" "report.html: ENOSPC said"
		printf 'filler\nmeta.json\nruns.jsonl\n' >"$T/want"
		if cmp -s "$T/ls" "$T/want"; then ok; else
			fail "a full disk left files behind:"
			cat "$T/ls" >&2
		fi
	fi
fi

t_done cli-faults
