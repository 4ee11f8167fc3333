#!/bin/sh
# The stats axis (--stats off,counters,full: libswap's ALLOCSWAP_STATS of the
# timed processes): off by default (memory.sh: the memory processes), the last and
# fastest axis of the order when it has several, given to every process
# (runs.jsonl says which, the embedded libswap report agrees), compared by
# report as full vs counters on the same allocator, refused by --resume when
# it disagrees with meta.json, and results from before it read as counters.
. "$(dirname "$0")/lib.sh"

# the default matrix times in stats off, which its ids name (counters, the
# mode before, is the one they leave out)
"$ALLOCSWAP" bench --dry-run -a system --bench nbody --runs 1 >"$T/plan0" || fail "dry-run"
grep -q "^config system/glibc/host/pymalloc=on/seccomp=none/stats=off$" "$T/plan0" ||
	fail "the default matrix is not stats off: $(cat "$T/plan0")"
! grep -q "^stats " "$T/plan0" || fail "one mode, yet stats lines: $(cat "$T/plan0")"

# several values: stats varies fastest, after pymalloc, and each config says
# its mode (its id leaves counters out, results.h)
A=$(two_allocators)
"$ALLOCSWAP" bench --dry-run -a "$A" --pymalloc on,off --stats counters,full --bench nbody \
	--runs 2 --warmup-runs 0 >"$T/plan" || fail "dry-run --stats"
"$PY" - "$T/plan" "$A" <<'PY' || fail "dry-run with --stats counters,full: $(cat "$T/plan")"
import sys
lines = [l.split() for l in open(sys.argv[1])]
allocs = sys.argv[2].split(",")
cfgs = [l[1] for l in lines if l[0] == "config"]
want = []
for a in allocs:
    for p in ("on", "off"):
        base = "%s/glibc/host/pymalloc=%s/seccomp=none" % (a, p)
        want += [base, base + "/stats=full"]
assert cfgs == want, cfgs
stats = [(l[1], l[2]) for l in lines if l[0] == "stats"]
assert stats == [("full" if c.endswith("/stats=full") else "counters", c) for c in cfgs], stats
assert lines[0][:4] == ["suite", "builtin,", "8", "configurations"], lines[0]
runs = [l for l in lines if l[0] == "run"]
assert len(runs) == 16 and {l[3] for l in runs} == set(cfgs), runs
PY

# a bad value: one line naming the valid ones, exit 2
rc=0
"$ALLOCSWAP" bench --stats counters,verbose >"$T/out" 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "--stats verbose: exit $rc"
[ "$(cat "$T/err")" = "allocswap bench: stats 'verbose' is not one of: off, counters, full" ] ||
	fail "--stats verbose: '$(cat "$T/err")'"

# a real matrix: system in counters and full mode
D=$T/res
"$ALLOCSWAP" bench -a system --stats counters,full --bench nbody,json_dumps --runs 2 $FAST \
	-o "$D" >"$T/stdout" 2>"$T/stderr" || fail "bench exited $?: $(cat "$T/stderr")"
grep -q "8 runs (0 failed) of 2 configurations x 2 benchmarks" "$T/stdout" ||
	fail "summary: $(cat "$T/stdout")"
json_check "$D/meta.json" <<'PY'
cfgs = data["matrix"]["configs"]
assert [(c["id"].split("/", 1)[1], c["stats"]) for c in cfgs] == [
    ("glibc/host/pymalloc=on/seccomp=none", "counters"),
    ("glibc/host/pymalloc=on/seccomp=none/stats=full", "full")], cfgs
PY
json_check "$D/runs.jsonl" <<'PY'
seen = set()
for r in data:
    assert r["status"] == "ok", r.get("error")
    mode = "full" if r["config"].endswith("/stats=full") else "counters"
    assert r["stats"] == mode, (r["config"], r["stats"])
    assert r["report"]["stats_mode"] == mode, (r["config"], r["report"]["stats_mode"])
    seen.add(mode)
assert seen == {"counters", "full"}, seen
PY

# report: full mode against counters on the same allocator, geomean with a CI
"$ALLOCSWAP" report "$D" --format md,json >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
json_check "$D/summary.json" <<'PY'
c = {x["stats"]: x for x in data["configs"]}
assert c["counters"]["label"] == "system stats=counters", c
assert c["full"]["label"] == "system stats=full", c
assert c["counters"]["baseline"] == c["counters"]["id"], c
assert c["full"]["baseline"] == c["counters"]["id"], c
g = [x for x in data["geomean"] if x["config"] == c["full"]["id"]][0]
assert g["k"] == 2 and g["ratio"] > 0 and len(g["ci95"]) == 2, g
cells = [x for x in data["cells"] if x["config"] == c["full"]["id"]]
assert len(cells) == 2 and all(x["ratio"] > 0 for x in cells), cells
PY
grep -q "^| system stats=full | \`system/glibc/host/pymalloc=on/seccomp=none/stats=full\` | \`system/glibc/host/pymalloc=on/seccomp=none\` |$" \
	"$D/report.md" || fail "report.md configurations: $(cat "$D/report.md")"
grep -q "^| \*\*Geometric mean\*\* | baseline | .*95% CI: " "$D/report.md" ||
	fail "report.md geometric mean: $(cat "$D/report.md")"

# --resume: a different set of modes is refused, the same set in another order is not
rc=0
"$ALLOCSWAP" bench --resume "$D" --stats full >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "--resume --stats full: exit $rc"
grep -q "asks for --stats full, but .*meta.json has counters,full" "$T/err" || fail "$(cat "$T/err")"
"$ALLOCSWAP" bench --resume "$D" --stats full,counters >/dev/null 2>"$T/err" ||
	fail "--resume --stats full,counters: $(cat "$T/err")"
grep -q "0 processes to go" "$T/err" || fail "$(cat "$T/err")"

# results from before the axis (no "stats" anywhere) are counters
O=$T/old
"$ALLOCSWAP" bench -a system --stats counters --bench nbody --runs 2 $FAST -q -o "$O" >/dev/null ||
	fail "bench for the old-style directory"
"$PY" - "$O" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
for c in m["matrix"]["configs"]:
    del c["stats"]
json.dump(m, open(d + "/meta.json", "w"))
recs = [json.loads(l) for l in open(d + "/runs.jsonl")]
with open(d + "/runs.jsonl", "w") as f:
    for r in recs:
        del r["stats"]
        f.write(json.dumps(r) + "\n")
PY
"$ALLOCSWAP" bench --resume "$O" >/dev/null 2>"$T/err" || fail "old-style resume: $(cat "$T/err")"
grep -q "0 processes to go" "$T/err" || fail "$(cat "$T/err")"
rc=0
"$ALLOCSWAP" bench --resume "$O" --stats full >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "asks for --stats full, but .*meta.json has counters" "$T/err" ||
	fail "old-style resume --stats full: exit $rc: $(cat "$T/err")"
"$ALLOCSWAP" report "$O" --format json >/dev/null 2>"$T/err" || fail "old-style report: $(cat "$T/err")"
json_check "$O/summary.json" <<'PY'
(c,) = data["configs"]
assert c["stats"] == "counters" and c["label"] == "system", c
assert c["id"] == "system/glibc/host/pymalloc=on/seccomp=none", c
PY
echo "ok: stats"
