#!/bin/sh
# --suite pyperformance: without pyperformance, exit 2 and how to install it;
# with a stand-in (fake_pyperformance/, pyperf's JSON format) the worker
# runs become records, and LD_PRELOAD and ALLOCSWAP_* reach the workers.
. "$(dirname "$0")/lib.sh"

mkdir "$T/empty"
rc=0
PYTHONPATH=$T/empty "$ALLOCSWAP" bench --suite pyperformance -a system 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "exit $rc without pyperformance: $(cat "$T/err")"
grep -q "pyperformance is not installed for .*No module named 'pyperformance'.*-m pip install pyperformance" \
	"$T/err" || fail "$(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "not one line: $(cat "$T/err")"

A=$(two_allocators)
export PYTHONPATH="$HERE/fake_pyperformance"
"$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench nosuch -q 2>"$T/err" && fail "nosuch"
grep -q "benchmark 'nosuch' is not one of: fake_a, fake_multi, fake_crash" "$T/err" ||
	fail "$(cat "$T/err")"
"$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench fake_a,fake_multi,fake_crash \
	--runs 2 --warmup-runs 0 --memory-runs 0 --quick -o "$T/out" >"$T/stdout" 2>"$T/stderr" ||
	fail "bench exited $?: $(cat "$T/stderr")"
json_check "$T/out/runs.jsonl" <<'PY'
import collections
ok = [r for r in data if r["status"] == "ok"]
bad = [r for r in data if r["status"] != "ok"]
# per configuration and run: fake_a 2 workers, fake_multi 2 benchmarks x 2
assert len(ok) == 2 * 2 * 6, len(ok)
assert collections.Counter(r["bench"] for r in ok) == {"fake_a": 8, "fake_multi_x": 8, "fake_multi_y": 8}
for r in ok:
    assert r["request"] in ("fake_a", "fake_multi")
    assert r["worker"] in (0, 1) and r["loops"] == 8
    assert len(r["values"]) == 3 and len(r["warmups"]) == 1
    assert r["proc"]["maxrss"] == 9000000 and r["proc"]["wall_ns"] > 0
    assert r["invocation"]["exit"] == 0
    alloc = r["config"].split("/")[0]
    if alloc != "none":
        # pyperformance itself, and each worker, on the allocator asked for
        assert r["reports"]["processes"] >= 3, r["reports"]
        assert r["reports"]["allocators"] == {alloc: r["reports"]["processes"]}, r["reports"]
# fake_crash: one failed record per configuration and run, with the reason
assert len(bad) == 4 and all(r["bench"] == "fake_crash" for r in bad)
assert all("crashed on purpose" in r["error"] for r in bad), bad[0]["error"]
PY
json_check "$T/out/meta.json" <<'PY'
assert data["suite"]["name"] == "pyperformance" and data["suite"]["version"] == "0.0-fake"
assert "LD_PRELOAD" in data["suite"]["inherit_environ"]
assert data["matrix"]["fast"] is True
PY
# A user's own --inherit-environ adds to allocswap's list: argparse keeps
# only the last one, which passed as-is would drop LD_PRELOAD from the workers.
"$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench fake_a --runs 1 --warmup-runs 0 \
	--quick --pyperformance-args '--inherit-environ FOO_BAR' -o "$T/out2" >/dev/null \
	2>"$T/stderr" || fail "bench with --inherit-environ exited $?: $(cat "$T/stderr")"
json_check "$T/out2/runs.jsonl" <<'PY'
assert data and all(r["status"] == "ok" for r in data), [r.get("error") for r in data]
for r in data:
    alloc = r["config"].split("/")[0]
    if alloc != "none":
        assert r["reports"]["allocators"] == {alloc: r["reports"]["processes"]}, r["reports"]
PY

# Workers the allocator never reached are failed runs, not results of it.
# (every run failing, bench exits 1)
rc=0
FAKE_PYPERF_DROP_PRELOAD=1 "$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench fake_a \
	--runs 1 --warmup-runs 0 --quick -o "$T/out3" >/dev/null 2>"$T/stderr" || rc=$?
[ $rc -eq 1 ] || fail "bench with dropped preload exited $rc: $(cat "$T/stderr")"
json_check "$T/out3/runs.jsonl" <<'PY'
preloaded = [r for r in data if r["config"].split("/")[0] != "none"]
assert preloaded and all(r["status"] == "failed" for r in preloaded), preloaded
assert all("ran without the allocator" in r["error"] for r in preloaded), preloaded[0]["error"]
PY
echo "ok: pyperformance"
