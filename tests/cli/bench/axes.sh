#!/bin/sh
# Each axis on its own (tools/report/axes.c): a configuration against its
# twin that differs in one axis alone, the allocator included, as the
# geometric mean over the benchmarks of twin time / its time: summary.json's
# "axes" and report.md's section, pymalloc off against on here.
. "$(dirname "$0")/lib.sh"

D=$T/res
"$ALLOCSWAP" bench -a system --pymalloc on,off --bench nbody,json_dumps --runs 2 --loops 1 \
	--values 1 --warmups 0 --warmup-runs 0 --memory-runs 0 -q -o "$D" >/dev/null 2>"$T/err" ||
	fail "bench: $(cat "$T/err")"
"$ALLOCSWAP" report "$D" >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
json_check "$D/summary.json" <<'PY'
import math
(ax,) = data["axes"]
assert ax["axis"] == "pymalloc" and ax["base"] == "on", ax
(r,) = ax["rows"]
assert r["config"].endswith("/pymalloc=off/seccomp=none/stats=off") and r["value"] == "off", r
assert r["twin"] == r["config"].replace("pymalloc=off", "pymalloc=on"), r
cells = {(c["bench"], c["config"]): c for c in data["cells"]}
logs = [math.log(cells[(b, r["twin"])]["mean"] / cells[(b, r["config"])]["mean"])
        for b in ("nbody", "json_dumps")]
assert r["k"] == 2 and abs(r["ratio"] - math.exp(sum(logs) / 2)) < 1e-9, (r, logs)
assert r["ci95"][0] <= r["ratio"] <= r["ci95"][1], r
assert r["verdict"].startswith("not significant, 95% CI ") or ", 95% CI " in r["verdict"], r
PY
grep -q "^### pymalloc (against pymalloc=on)$" "$D/report.md" || fail "report.md: $(cat "$D/report.md")"
grep -q "^| system pymalloc=off | 2 | " "$D/report.md" || fail "report.md row: $(cat "$D/report.md")"
grep -q '<h2 id="axes">Each axis on its own</h2>' "$D/report.html" || fail "report.html has no axes section"

# one value per axis: no section
"$ALLOCSWAP" bench -a system --pymalloc on --bench nbody --runs 2 --loops 1 --values 1 \
	--warmups 0 --warmup-runs 0 --memory-runs 0 -q -o "$T/one" >/dev/null 2>&1 || fail "bench one"
"$ALLOCSWAP" report "$T/one" --format md,json >/dev/null 2>&1 || fail "report one"
json_check "$T/one/summary.json" <<'PY'
assert "axes" not in data, data.get("axes")
PY
! grep -q "Each axis on its own" "$T/one/report.md" || fail "a section with one value per axis"
echo "ok: axes"
