#!/bin/sh
# Timed processes in stats off, memory figures from memory processes
# (bench.h, DESIGN.md section 8): by default each cell timed off gets one
# process in counters mode, interleaved with the timed ones, recorded with
# "role": "memory" and never used as a time sample; the report takes live
# heap and fragmentation from them, times and peak RSS from the timed ones,
# and says so.  --memory-runs N sets how many (0: none), goes only with
# stats off, and --resume runs the memory processes still missing.
. "$(dirname "$0")/lib.sh"

# the plan: after timed round (k + 1) * runs / (N + 1) - 1, one memory round
"$ALLOCSWAP" bench --dry-run -a system,none --bench nbody,json_dumps --runs 3 \
	--warmup-runs 0 --pymalloc on --memory-runs 2 >"$T/plan" || fail "dry-run"
"$PY" - "$T/plan" <<'PY' || fail "plan: $(cat "$T/plan")"
import sys
lines = [l.split() for l in open(sys.argv[1])]
assert "(+ 2 memory processes per cell timed in stats off)" in " ".join(lines[0]), lines[0]
order = [(l[0], int(l[1]), l[3].split("/")[0]) for l in lines if l[0] in ("run", "memory")]
# rounds: run 0, memory 0 (after round 3/3-1 = 0), run 1, memory 1 (6/3-1 = 1), run 2
kinds = []
for k, r, a in order:
    if not kinds or kinds[-1] != (k, r):
        kinds.append((k, r))
assert kinds == [("run", 0), ("memory", 0), ("run", 1), ("memory", 1), ("run", 2)], kinds
# memory processes only where libswap runs (none has no libswap to count with)
assert {a for k, r, a in order if k == "memory"} == {"system"}, order
assert sum(1 for k, r, a in order if k == "memory") == 2 * 2, order
PY

# refused where it means nothing, one line each
rc=0
"$ALLOCSWAP" bench --dry-run -a system --stats counters --memory-runs 1 >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "^allocswap bench: --memory-runs goes with --stats off" "$T/err" ||
	fail "--memory-runs with --stats counters: exit $rc: $(cat "$T/err")"
"$ALLOCSWAP" bench --dry-run -a system --stats counters --bench nbody --runs 1 >"$T/plan" ||
	fail "--stats counters dry-run"
! grep -q "^memory " "$T/plan" || fail "memory processes with counters: $(cat "$T/plan")"

# a real matrix: timed processes off, memory processes counters
D=$T/res
"$ALLOCSWAP" bench -a system --bench nbody,dict_churn --runs 2 --loops 1 --values 1 --warmups 0 --warmup-runs 0 --pymalloc on -o "$D" \
	>"$T/stdout" 2>"$T/stderr" || fail "bench exited $?: $(cat "$T/stderr")"
grep -q "4 runs (0 failed) of 1 configurations x 2 benchmarks, 2 memory processes (0 failed) in " "$T/stdout" || fail "summary: $(cat "$T/stdout")"
json_check "$D/meta.json" <<'PY'
assert data["matrix"]["memory_runs"] == 1, data["matrix"]
assert data["results"] == {"ok": 4, "failed": 0, "memory_ok": 2, "memory_failed": 0}, data["results"]
assert [c["stats"] for c in data["matrix"]["configs"]] == ["off"], data["matrix"]["configs"]
PY
json_check "$D/runs.jsonl" <<'PY'
timed = [r for r in data if "role" not in r]
mem = [r for r in data if r.get("role") == "memory"]
assert len(timed) == 4 and len(mem) == 2, data
for r in timed:
    assert r["status"] == "ok" and r["stats"] == "off", r
    assert r["report"]["stats_mode"] == "off" and "bytes" not in r["report"], r["report"]
for r in mem:
    assert r["status"] == "ok" and r["stats"] == "counters" and r["run"] == 0, r
    assert r["report"]["stats_mode"] == "counters", r["report"]
    assert r["report"]["bytes"]["peak_live"] > 0, r["report"]["bytes"]
# interleaved: the memory round comes after timed round 0 (2 / 2 - 1), before round 1
seq = {(r["bench"], r.get("role", "t"), r["run"]): r["seq"] for r in data}
for b in ("nbody", "dict_churn"):
    assert seq[(b, "t", 0)] < seq[(b, "memory", 0)] < seq[("nbody", "t", 1)], seq
PY
"$ALLOCSWAP" report "$D" --format md,json >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
"$PY" - "$D" <<'PY' || fail "summary.json does not take figures from the right processes"
import json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
recs = [json.loads(l) for l in open(d + "/runs.jsonl")]
for c in s["cells"]:
    t = [r for r in recs if r["bench"] == c["bench"] and "role" not in r]
    m = [r for r in recs if r["bench"] == c["bench"] and r.get("role") == "memory"]
    # samples: the timed processes' means, exactly (their CPU time: the
    # benchmark thread's, single-threaded benchmarks)
    assert c["clock"] == "cpu", c
    assert sorted(c["samples"]) == sorted(sum(r["cpu_values"]) / len(r["cpu_values"]) for r in t), c
    assert sorted(c["samples"]) != sorted(sum(r["values"]) / len(r["values"]) for r in t), c
    assert c["n"] == 2 and c["memory_n"] == 1 and c["memory_failed"] == 0, c
    # peak live: the memory process's; peak RSS: the timed ones' median
    assert c["peak_live"] == m[0]["report"]["bytes"]["peak_live"], c
    rss = sorted(r["report"]["memory"]["rss_peak"] for r in t)
    assert c["rss_peak"] == (rss[0] + rss[1]) / 2, (c["rss_peak"], rss)
src = s["sources"]
assert src["memory_processes"] == 2, src
assert src["time"] == "the timed processes (ALLOCSWAP_STATS=off)", src
assert src["counted"].startswith("2 memory processes (ALLOCSWAP_STATS=counters"), src
PY
grep -q "^Times: the timed processes (ALLOCSWAP_STATS=off)\. Peak RSS: the kernel's peak RSS (VmHWM) of the timed processes\. Peak live heap, fragmentation and syscalls: 2 memory processes" "$D/report.md" ||
	fail "report.md does not say where the memory figures come from: $(cat "$D/report.md")"

# --resume: a memory process lost is run again, and only it
"$PY" - "$D" <<'PY'
import json, sys
p = sys.argv[1] + "/runs.jsonl"
recs = [json.loads(l) for l in open(p)]
recs = [r for r in recs if not (r.get("role") == "memory" and r["bench"] == "nbody")]
open(p, "w").write("".join(json.dumps(r) + "\n" for r in recs))
PY
"$ALLOCSWAP" bench --resume "$D" >"$T/stdout" 2>"$T/err" || fail "resume: $(cat "$T/err")"
grep -q "5 of 6 runs recorded, 1 processes to go" "$T/err" || fail "resume: $(cat "$T/err")"
json_check "$D/runs.jsonl" <<'PY'
mem = [r for r in data if r.get("role") == "memory"]
assert sorted(r["bench"] for r in mem) == ["dict_churn", "nbody"], mem
PY
rc=0
"$ALLOCSWAP" bench --resume "$D" --memory-runs 3 >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "asks for --memory-runs 3, but .*meta.json has 1" "$T/err" ||
	fail "resume --memory-runs 3: exit $rc: $(cat "$T/err")"

# a failed memory process is said apart, not counted as a failed timed run
"$PY" - "$D" <<'PY'
import json, sys
p = sys.argv[1] + "/runs.jsonl"
recs = [json.loads(l) for l in open(p)]
for r in recs:
    if r.get("role") == "memory" and r["bench"] == "nbody":
        r["status"], r["error"], r["values"] = "failed", "killed by signal 11 (Segmentation fault)", []
open(p, "w").write("".join(json.dumps(r) + "\n" for r in recs))
PY
"$ALLOCSWAP" report "$D" --format json >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
json_check "$D/summary.json" <<'PY'
(c,) = [c for c in data["cells"] if c["bench"] == "nbody"]
assert c["failed"] == 0 and c["memory_failed"] == 1 and c["n"] == 2, c
assert c["errors"] == ["memory process: killed by signal 11 (Segmentation fault)"], c
assert c["peak_live"] is None and "FAILED" not in c["verdict"], c
PY
# the clock: report --time wall compares wall times; a bad value is one line
"$ALLOCSWAP" report "$D" --time wall --format json,md >/dev/null 2>"$T/err" || fail "report --time wall: $(cat "$T/err")"
"$PY" - "$D" <<'PY' || fail "report --time wall"
import json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
recs = [json.loads(l) for l in open(d + "/runs.jsonl")]
for c in s["cells"]:
    t = [r for r in recs if r["bench"] == c["bench"] and "role" not in r and r["status"] == "ok"]
    assert c["clock"] == "wall", c
    assert sorted(c["samples"]) == sorted(sum(r["values"]) / len(r["values"]) for r in t), c
PY
! grep -q "CPU time for" "$D/report.md" || fail "report.md speaks of CPU time under --time wall"
rc=0
"$ALLOCSWAP" report "$D" --time thread >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] && [ "$(cat "$T/err")" = "allocswap report: time 'thread' is not one of: auto, wall, cpu" ] ||
	fail "--time thread: exit $rc: $(cat "$T/err")"
echo "ok: memory"
