#!/bin/sh
# Where results go, and a failed write is an error, never silence.
. "$(dirname "$0")/lib.sh"

# -o under a regular file: cannot be created (root can write anywhere else)
: >"$T/file"
rc=0
"$ALLOCSWAP" bench -a system --cmd true --runs 1 -o "$T/file/out" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || fail "unwritable -o: exit $rc: $(cat "$T/err")"
grep -q "cannot create the results directory $T/file/out: Not a directory" "$T/err" ||
	fail "$(cat "$T/err")"

# a directory that already holds a matrix is not overwritten
"$ALLOCSWAP" bench -a system --cmd true --runs 1 --warmup-runs 0 -q -o "$T/done" >/dev/null ||
	fail "first run"
rc=0
"$ALLOCSWAP" bench -a system --cmd true --runs 1 -o "$T/done" 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "reused -o: exit $rc"
grep -q "already holds a matrix (meta.json); continue it with --resume $T/done" "$T/err" ||
	fail "$(cat "$T/err")"
# (one timed run and its cell's memory process)
[ "$(wc -l <"$T/done/runs.jsonl")" -eq 2 ] || fail "the old matrix was touched"

# the default directory: results/<date-time> under the current directory
(cd "$T" && "$ALLOCSWAP" bench -a system --cmd true --runs 1 --warmup-runs 0 -q >"$T/stdout") ||
	fail "default -o"
ls "$T"/results/2*-*/runs.jsonl >/dev/null 2>&1 || fail "no results/<date-time>/: $(ls -R "$T")"

# a relative -o, and a command that changes directory before it runs: its
# libswap report is still found (the report path is absolute)
(cd "$T" && "$ALLOCSWAP" bench -a system --cmd "cd / && /usr/bin/python3 -c pass" --runs 1 \
	--warmup-runs 0 --memory-runs 0 -q -o rel >/dev/null) || fail "relative -o"
json_check "$T/rel/runs.jsonl" <<'PY'
(r,) = data
assert r["status"] == "ok" and r["report"]["allocator"]["name"] == "system", r
PY

# runs.jsonl cannot grow (a file size limit: writes fail with EFBIG): the
# error is reported, the exit status is 1, and meta.json says unfinished
(
	trap '' XFSZ
	ulimit -f 8 # 4 KiB: meta.json (2 KiB) fits, 40 records (15 KiB) do not
	exec "$ALLOCSWAP" bench -a none --cmd true --runs 40 --warmup-runs 0 -q -o "$T/full"
) >/dev/null 2>"$T/err" && fail "a failed write went unnoticed"
grep -q "cannot append to $T/full/runs.jsonl: File too large" "$T/err" || fail "$(cat "$T/err")"
json_check "$T/full/meta.json" <<'PY'
assert data["finished"] is None and data["interrupted"] == "write error", data
PY
echo "ok: output"
