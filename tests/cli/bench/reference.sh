#!/bin/sh
# --reference direct (results.h "preload"): every host cell of an allocator
# with a library gets a twin that preloads that library by itself, without
# libswap (system: no preload at all), interleaved in the same run; report
# sets libswap's timed mode against it and says whether the two agree on
# how the allocators compare.
. "$(dirname "$0")/lib.sh"

A=$(two_allocators)
# the plan: a direct twin per host cell, once across the stats axis, none for
# "none" (it has no library) and none in an image
"$ALLOCSWAP" bench --dry-run -a "$A,none" --reference direct --stats off,counters --bench nbody \
	--runs 1 --warmup-runs 0 --pymalloc on >"$T/plan" || fail "dry-run"
"$PY" - "$T/plan" "$A" <<'PY' || fail "plan: $(cat "$T/plan")"
import sys
cfgs = [l.split()[1] for l in open(sys.argv[1]) if l.startswith("config ")]
want = []
for a in sys.argv[2].split(",") + ["none"]:
    base = "%s/glibc/host/pymalloc=on/seccomp=none" % a
    want += [base + "/stats=off", base]  # counters: the mode ids leave out
    if a != "none":
        want += [base + "/stats=off/preload=direct"]
assert cfgs == want, (cfgs, want)
# memory processes: libswap cells timed off only
mem = [l.split()[3] for l in open(sys.argv[1]) if l.startswith("memory ")]
assert sorted(mem) == sorted(c for c in want if c.endswith("/stats=off") and not c.startswith("none/")), mem
PY

rc=0
"$ALLOCSWAP" bench --dry-run -a system --reference libc >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] && [ "$(cat "$T/err")" = "allocswap bench: --reference 'libc': the one reference is direct (each allocator preloaded without libswap) (see 'allocswap bench --help')" ] ||
	fail "--reference libc: exit $rc: $(cat "$T/err")"

# a real matrix: each process says what was preloaded and what is mapped
D=$T/res
"$ALLOCSWAP" bench -a "$A" --reference direct --runs 2 --warmup-runs 0 -o "$D" -q \
	--cmd "printf '%s|%s|%s\n' \"\${ALLOCSWAP_ALLOCATOR-}\" \"\${LD_PRELOAD-}\" \"\$(grep -c -e libswap -e 'lib[a-z_]*malloc' /proc/\$\$/maps)\" >>$T/log" \
	>"$T/stdout" 2>"$T/err" || fail "bench: $(cat "$T/err")"
json_check "$D/runs.jsonl" <<'PY'
for r in data:
    assert r["status"] == "ok", r
    direct = r["config"].endswith("/preload=direct")
    if direct:
        assert r["stats"] is None and r["report"] is None and "role" not in r, r
PY
"$PY" - "$T/log" "$A" <<'PY' || fail "what ran: $(cat "$T/log")"
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
other = sys.argv[2].split(",")[1]
# direct system: nothing preloaded, nothing mapped
assert ["", "", "0"] in rows, rows
if other != "none":
    # direct OTHER: its library alone in LD_PRELOAD, mapped, no libswap
    d = [r for r in rows if r[0] == "" and r[1]]
    assert d and all("libswap" not in r[1] and r[2] != "0" for r in d), rows
# behind libswap: ALLOCSWAP_ALLOCATOR set, libswap preloaded
assert any(r[0] == "system" and "libswap.so" in r[1] for r in rows), rows
PY
"$ALLOCSWAP" report "$D" >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
json_check "$D/summary.json" <<'PY'
ref = data["reference"]
allocs = [r["allocator"] for r in ref["rows"]]
assert allocs[0] == "system" and len(allocs) == len(set(allocs)) >= 1, ref
for r in ref["rows"]:
    assert r["config"] + "/preload=direct" == r["direct"] and r["stats"] == "off", r
    assert r["k"] == 1 and r["ratio"] > 0 and r["ci95"][0] <= r["ratio"] <= r["ci95"][1], r
for a in ref["agreement"]:
    assert a["allocator"] != "system" and a["verdict"] in ("agree", "differ", "not resolved"), a
    # the geometric mean of the per-benchmark ratios of speed-ups: over the
    # same benchmarks, the ratio of the two geometric means
    assert a["k"] == 1, a
    assert abs((1 + a["difference"]) * a["direct_ratio"] - a["libswap_ratio"]) < 1e-9, a
    assert a["ci95"][0] <= a["difference"] <= a["ci95"][1], a
    lo, hi = a["ci95"]
    assert a["verdict"] == ("agree" if -0.02 <= lo and hi <= 0.02 else
                            "differ" if lo > 0.02 or hi < -0.02 else "not resolved"), a
# one ranking: every allocator is compared with the same baseline here
(rk,) = ref["rankings"]
assert rk["group"].startswith("system/") and rk["axes"] == "", rk
assert set(rk["libswap"]) == set(rk["direct"]) == {a["allocator"] for a in ref["agreement"]}, rk
assert rk["same"] == (rk["swapped"] == []), rk
assert rk["resolved"] == all(a["verdict"] != "not resolved" for a in ref["agreement"]), rk
# direct cells compare with system direct, libswap cells with system libswap
base = {c["id"]: c["baseline"] for c in data["configs"]}
for c, b in base.items():
    assert c.endswith("/preload=direct") == b.endswith("/preload=direct"), (c, b)
PY
grep -q "^## libswap against direct$" "$D/report.md" || fail "report.md: $(cat "$D/report.md")"
grep -q '<h2 id="reference">libswap against direct</h2>' "$D/report.html" || fail "report.html has no reference section"
grep -q "^| system | off | 1 | " "$D/report.md" || fail "report.md rows: $(cat "$D/report.md")"
echo "ok: reference"
