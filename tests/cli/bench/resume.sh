#!/bin/sh
# SIGINT in the middle of a matrix: the finished runs stay in runs.jsonl,
# meta.json says unfinished, the exit status is 130 and stderr says how to
# resume; --resume then runs exactly the missing ones.  A --resume whose
# options disagree with meta.json is refused.
. "$(dirname "$0")/lib.sh"

A=$(two_allocators)
D=$T/out
"$ALLOCSWAP" bench -a "$A" --bench nbody,json_dumps --runs 6 $FAST -o "$D" \
	>"$T/stdout" 2>"$T/stderr" &
pid=$!
i=0
while [ "$(cat "$D/runs.jsonl" 2>/dev/null | wc -l)" -lt 3 ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "no records after 30 s: $(cat "$T/stderr")"
	sleep 0.05
done
kill -INT $pid
rc=0
wait $pid || rc=$?
[ $rc -eq 130 ] || fail "exit $rc after SIGINT, not 130: $(cat "$T/stderr")"
grep -q "resume with: allocswap bench --resume $D" "$T/stderr" || fail "$(cat "$T/stderr")"
n=$(wc -l <"$D/runs.jsonl")
[ "$n" -ge 3 ] && [ "$n" -lt 24 ] || fail "$n records after the interruption"
json_check "$D/meta.json" <<'PY'
assert data["finished"] is None and data["interrupted"] == "INT", data
PY
json_check "$D/runs.jsonl" <<'PY'
# the process that was running when the signal came is not recorded
assert all(r["status"] == "ok" for r in data), [r.get("error") for r in data]
PY
[ ! -e "$D/tmp" ] || fail "DIR/tmp was left behind"

# options that disagree with meta.json
if "$ALLOCSWAP" bench --resume "$D" --runs 5 2>"$T/err"; then fail "--runs 5 accepted"; fi
grep -q "asks for --runs 5, but .*meta.json has 6" "$T/err" || fail "$(cat "$T/err")"
if "$ALLOCSWAP" bench --resume "$D" --bench nbody 2>"$T/err"; then fail "--bench accepted"; fi
[ "$(wc -l <"$D/runs.jsonl")" -eq "$n" ] || fail "a refused resume wrote records"

# resume: exactly the missing runs
"$ALLOCSWAP" bench --resume "$D" --runs 6 -a "$A" >"$T/stdout" 2>"$T/stderr" ||
	fail "resume exited $?: $(cat "$T/stderr")"
grep -q "resuming $D: $n of 24 runs recorded, $((24 - n)) processes to go" "$T/stderr" ||
	fail "$(cat "$T/stderr")"
[ "$(wc -l <"$D/runs.jsonl")" -eq 24 ] || fail "$(wc -l <"$D/runs.jsonl") records after resume"
json_check "$D/runs.jsonl" <<'PY'
ids = [(r["bench"], r["config"], r["run"]) for r in data]
assert len(set(ids)) == 24 == len(ids), "duplicates"
assert all(r["status"] == "ok" for r in data)
PY
json_check "$D/meta.json" <<'PY'
assert data["finished"] and "interrupted" not in data
assert len(data["resumed"]) == 1 and data["resumed"][0]["command"][:3] == ["allocswap", "bench", "--resume"]
PY

# resuming a finished matrix runs nothing
"$ALLOCSWAP" bench --resume "$D" >"$T/stdout" 2>"$T/stderr" || fail "$(cat "$T/stderr")"
grep -q "0 processes to go" "$T/stderr" || fail "$(cat "$T/stderr")"
[ "$(wc -l <"$D/runs.jsonl")" -eq 24 ] || fail "records added to a finished matrix"

# a record cut off mid-write (no newline) is done again, not glued to the next
"$PY" - "$D/runs.jsonl" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
open(sys.argv[1], "w").write("".join(lines[:-1]) + lines[-1][:50])
PY
"$ALLOCSWAP" bench --resume "$D" >"$T/stdout" 2>"$T/stderr" || fail "$(cat "$T/stderr")"
grep -q "cut off mid-write" "$T/stderr" || fail "$(cat "$T/stderr")"
grep -q "1 processes to go" "$T/stderr" || fail "$(cat "$T/stderr")"
"$PY" - "$D/runs.jsonl" <<'PY' || fail "after the cut-off record"
import json, sys
good, bad = [], 0
for line in open(sys.argv[1]):
    try:
        good.append(json.loads(line))
    except ValueError:
        bad += 1
assert bad == 1, bad  # the cut-off line, closed with a newline, nothing glued to it
assert len({(r["bench"], r["config"], r["run"]) for r in good}) == 24 == len(good)
PY
echo "ok: resume"
