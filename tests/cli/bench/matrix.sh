#!/bin/sh
# A tiny matrix (2 allocators x 2 benchmarks x 2 runs): meta.json as results.h
# says, one runs.jsonl line per process, configurations interleaved, each
# record carrying the report of the allocator its configuration names.
. "$(dirname "$0")/lib.sh"

A=$(two_allocators)
"$ALLOCSWAP" bench -a "$A" --bench nbody,json_dumps --runs 2 $FAST -o "$T/out" \
	>"$T/stdout" 2>"$T/stderr" || fail "bench exited $?: $(cat "$T/stderr")"
grep -q "8 runs (0 failed) of 2 configurations x 2 benchmarks" "$T/stdout" ||
	fail "summary: $(cat "$T/stdout")"
[ ! -e "$T/out/tmp" ] || fail "DIR/tmp was left behind"
[ "$(wc -l <"$T/out/runs.jsonl")" -eq 8 ] || fail "runs.jsonl has $(wc -l <"$T/out/runs.jsonl") lines"

json_check "$T/out/meta.json" <<'PY'
m = data
assert m["schema"] == "allocswap.bench/1", m["schema"]
assert m["allocswap"]["version"] and m["allocswap"]["commit"]
assert m["command"][:2] == ["allocswap", "bench"], m["command"]
assert m["started"].endswith("Z") and m["finished"].endswith("Z")
for k in ("hostname", "kernel", "cpu", "nproc", "mem_bytes"):
    assert k in m["host"], k
assert m["python"]["version"].count(".") == 2
assert m["libcs"]["glibc"]
mx = m["matrix"]
assert mx["suite"] == "builtin"
assert [b["name"] for b in mx["benchmarks"]] == ["nbody", "json_dumps"]
assert mx["loops"] == {"nbody": 1, "json_dumps": 1}
assert (mx["runs"], mx["values"], mx["warmups"]) == (2, 1, 0)
assert len(mx["configs"]) == 2
for c in mx["configs"]:
    assert c["id"] == "%s/%s/%s/pymalloc=%s/seccomp=%s/stats=off" % (
        c["allocator"], c["libc"], c["image"], c["pymalloc"], c["seccomp"]), c
    assert c["allocator"] in m["allocators"]
    assert c["stats"] == "off", c  # the default: timed processes pay nothing
assert m["results"] == {"ok": 8, "failed": 0, "memory_ok": 0, "memory_failed": 0}
PY

json_check "$T/out/runs.jsonl" <<'PY'
ids = []
for r in data:
    assert r["schema"] == "allocswap.run/1"
    assert r["status"] == "ok", r.get("error")
    assert len(r["values"]) == 1 and r["values"][0] > 0 and r["warmups"] == []
    assert r["loops"] == 1
    for k in ("wall_ns", "user_ns", "sys_ns", "maxrss", "minflt", "majflt", "exit"):
        assert k in r["proc"], k
    assert r["proc"]["exit"] == 0
    alloc = r["config"].split("/")[0]
    if alloc == "none":
        assert r["report"] is None and r["stats"] is None
    else:
        assert r["report"]["schema"] == "allocswap.report/1"
        assert r["stats"] == r["report"]["stats_mode"] == "off", r["stats"]
        assert r["report"]["allocator"]["name"] == alloc, (alloc, r["report"]["allocator"])
    assert isinstance(r["time"], int)
    ids.append((r["run"], r["bench"], r["config"]))
assert len(set(ids)) == 8
# interleaved: run 0 of every configuration before any run 1 of a benchmark,
# and the configurations alternate (ABAB, never AA)
for bench in ("nbody", "json_dumps"):
    seq = [(run, cfg) for run, b, cfg in ids if b == bench]
    assert [run for run, _ in seq] == [0, 0, 1, 1], seq
    assert seq[0][1] != seq[1][1] and seq[2][1] != seq[3][1], seq
# the order rotates: not the same configuration first in every round
firsts = [ids[i][2] for i in range(0, 8, 2)]
assert len(set(firsts)) == 2, firsts
PY

# --dry-run shows the same order: per (run, benchmark) each configuration
# once, rotated so that each is first equally often
"$ALLOCSWAP" bench --dry-run -a "$A" --pymalloc on,off --bench nbody,json_dumps --runs 4 \
	--warmup-runs 1 >"$T/plan" || fail "dry-run"
"$PY" - "$T/plan" <<'PY' || fail "dry-run order"
import collections, sys
lines = [l.split() for l in open(sys.argv[1]) if l.startswith(("run ", "warmup "))]
assert len(lines) == 5 * 2 * 4, len(lines)
assert all(l[0] == "warmup" for l in lines[:8]) and all(l[0] == "run" for l in lines[8:])
groups = collections.defaultdict(list)
for kind, run, bench, cfg in lines:
    groups[(kind, run, bench)].append(cfg)
first = collections.Counter()
for key, cfgs in groups.items():
    assert sorted(cfgs) == sorted(set(cfgs)) and len(cfgs) == 4, (key, cfgs)
    if key[0] == "run":
        first[(key[2], cfgs[0])] += 1
assert all(n == 1 for n in first.values()) and len(first) == 8, first
PY
echo "ok: matrix"
