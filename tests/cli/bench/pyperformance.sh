#!/bin/sh
# --suite pyperformance: without pyperformance, exit 2 and how to install it;
# with a stand-in (fake_pyperformance/, pyperf's JSON format) the worker
# runs become records, and LD_PRELOAD and ALLOCSWAP_* reach the workers;
# pyperformance's venv is made once before the matrix and reused; a
# sub-benchmark (fake_multi_y of fake_multi) can be asked for by name; the
# report takes an invocation as one sample (its workers are not
# independent), has no row for a -b name that gave sub-benchmarks, and says
# pyperf's own counts.
. "$(dirname "$0")/lib.sh"
# pyperformance's venv goes to the cache; the fake logs what it does with it
export ALLOCSWAP_CACHE="$T/cache" FAKE_PYPERF_VENV_LOG="$T/venv.log"

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
import os
assert data["suite"]["name"] == "pyperformance" and data["suite"]["version"] == "0.0-fake"
assert "LD_PRELOAD" in data["suite"]["inherit_environ"]
assert data["matrix"]["fast"] is True
# the venv: made before the matrix, in the cache, recorded
home = os.environ["ALLOCSWAP_CACHE"] + "/pyperformance"
v = data["suite"]["venvs"]["host"]
assert data["suite"]["venv_home"] == home, data["suite"]
assert v["created"] is True and v["path"].startswith(home + "/venv/"), v
PY
# one `venv create`, then every invocation (2 runs x 2 configurations x 3
# benchmarks) found it: none made its own
[ "$(grep -c '^create ' "$T/venv.log")" -eq 1 ] || fail "venv made more than once: $(cat "$T/venv.log")"
[ "$(grep -c '^run-reuse ' "$T/venv.log")" -eq 12 ] || fail "venv not reused: $(cat "$T/venv.log")"
grep -q '^run-create' "$T/venv.log" && fail "an invocation made its venv: $(cat "$T/venv.log")"
[ "$(cut -d' ' -f2 "$T/venv.log" | sort -u | wc -l)" -eq 1 ] || fail "several venvs: $(cat "$T/venv.log")"
[ -e venv ] && fail "a venv in the working directory"

# The report: an invocation is one sample (2 per cell), fake_multi (the -b
# name of fake_multi_x and fake_multi_y) is no row, and the header gives
# pyperf's own counts: 2 workers x 3 values after 1 warm-up.
"$ALLOCSWAP" report "$T/out" >/dev/null 2>"$T/stderr" || fail "report: $(cat "$T/stderr")"
json_check "$T/out/summary.json" <<'PY'
names = [b["name"] for b in data["benchmarks"]]
assert names == ["fake_a", "fake_multi_x", "fake_multi_y", "fake_crash"], names
ok = [c for c in data["cells"] if c["bench"] != "fake_crash"]
assert len(ok) == 6
for c in ok:
    assert c["n"] == 2 and len(c["samples"]) == 2, c
    assert c["pyperf"] == {"invocations": 2, "workers": [2, 2], "values": [3, 3],
                           "warmups": [1, 1]}, c["pyperf"]
PY
HEAD="2 pyperformance invocations per cell (the samples), each of 2 pyperf workers x 3 values after 1 warm-up"
grep -q "^| matrix | .*$HEAD" "$T/out/report.md" || fail "report.md header: $(grep matrix "$T/out/report.md")"
grep -q "<th>matrix</th><td>$HEAD" "$T/out/report.html" ||
	fail "report.html header: $(grep -o '<th>matrix</th><td>[^<]*' "$T/out/report.html")"
grep -q '<th[^>]*>fake_multi<' "$T/out/report.html" && fail "report.html has a fake_multi row"
grep -q '^| fake_multi |' "$T/out/report.md" && fail "report.md has a fake_multi row"
grep -q 'fake_multi_y' "$T/out/report.html" || fail "report.html has no fake_multi_y"
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
# a second matrix finds the venv: made by none
json_check "$T/out2/meta.json" <<'PY'
assert data["suite"]["venvs"]["host"]["created"] is False, data["suite"]["venvs"]
PY
[ "$(grep -c '^create ' "$T/venv.log")" -eq 1 ] || fail "venv made again: $(cat "$T/venv.log")"

# Workers that follow their invocation (FAKE_PYPERF_CORRELATED: each
# invocation draws a level, 0.5x to 2x, its workers agree to 0.1%): with
# --runs 1 nothing is significant, and bench and the report say why.
FAKE_PYPERF_CORRELATED=1 "$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench fake_a \
	--runs 1 --warmup-runs 0 --memory-runs 0 --quick -o "$T/corr" >/dev/null 2>"$T/stderr" ||
	fail "correlated bench exited $?: $(cat "$T/stderr")"
grep -q 'note: --runs 1: one pyperformance invocation per cell.*use --runs 2 or more' \
	"$T/stderr" || fail "no note from bench: $(cat "$T/stderr")"
"$ALLOCSWAP" report "$T/corr" >/dev/null 2>"$T/stderr" || fail "report: $(cat "$T/stderr")"
json_check "$T/corr/summary.json" <<'PY'
cells = data["cells"]
assert len(cells) == 2 and all(c["n"] == 1 for c in cells), cells
assert [c["verdict"] for c in cells if c["config"] != c["baseline"]] == ["n/a (too few runs)"], cells
assert not any(c["significant"] for c in cells)
assert data["geomean"][-1]["verdict"] in ("baseline", "n/a (too few runs)"), data["geomean"]
PY
NOTE="With 1 invocation in a cell nothing is compared (n/a: too few runs): the workers of one invocation ran back to back"
grep -q "$NOTE" "$T/corr/report.md" || fail "no note in report.md"
grep -q "<p class=\"note\">$NOTE" "$T/corr/report.html" || fail "no note in report.html"
# with 3 invocations a cell has 3 samples, one per invocation
FAKE_PYPERF_CORRELATED=1 "$ALLOCSWAP" bench --suite pyperformance -a "$A" --bench fake_a \
	--runs 3 --warmup-runs 0 --memory-runs 0 --quick -o "$T/corr3" >/dev/null 2>"$T/stderr" ||
	fail "correlated bench exited $?: $(cat "$T/stderr")"
grep -q 'note: --runs' "$T/stderr" && fail "a note with --runs 3: $(cat "$T/stderr")"
"$ALLOCSWAP" report "$T/corr3" --format json >/dev/null 2>"$T/stderr" || fail "report: $(cat "$T/stderr")"
json_check "$T/corr3/summary.json" <<'PY'
assert all(c["n"] == 3 and c["pyperf"]["invocations"] == 3 for c in data["cells"]), data["cells"]
PY

# A sub-benchmark by its name: fake_multi runs, fake_multi_y is kept.
"$ALLOCSWAP" bench --suite pyperformance -a system --bench fake_multi_y --runs 1 \
	--warmup-runs 0 --memory-runs 0 --quick -o "$T/sub" >/dev/null 2>"$T/stderr" ||
	fail "bench --bench fake_multi_y exited $?: $(cat "$T/stderr")"
json_check "$T/sub/runs.jsonl" <<'PY'
assert len(data) == 2, data
assert all(r["status"] == "ok" and r["bench"] == "fake_multi_y" and r["request"] == "fake_multi"
           for r in data), data
PY
json_check "$T/sub/meta.json" <<'PY'
assert data["matrix"]["benchmarks"] == [{"name": "fake_multi", "group": "pyperformance",
                                         "only": "fake_multi_y"}], data["matrix"]["benchmarks"]
PY
# one that its parent does not give: the runs fail and say what it gives
rc=0
"$ALLOCSWAP" bench --suite pyperformance -a system --bench fake_multi_z --runs 1 \
	--warmup-runs 0 --memory-runs 0 --quick -o "$T/subz" >/dev/null 2>"$T/stderr" || rc=$?
[ $rc -eq 1 ] || fail "bench --bench fake_multi_z exited $rc: $(cat "$T/stderr")"
json_check "$T/subz/runs.jsonl" <<'PY'
assert len(data) == 1 and data[0]["bench"] == "fake_multi_z", data
assert data[0]["error"] == ("pyperformance's fake_multi gave no fake_multi_z; it gave: "
                            "fake_multi_x, fake_multi_y"), data[0]["error"]
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
