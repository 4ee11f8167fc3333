#!/bin/sh
# A benchmark that crashes is recorded as failed in its cell, with the
# signal, and the rest of the matrix goes on (exit 0: failed runs are
# results).
. "$(dirname "$0")/lib.sh"

A=$(two_allocators)
# (the "ok" command also checks that glibc's MALLOC_* knobs and stray
# ALLOCSWAP_* settings of the caller do not reach the benchmark)
MALLOC_PERTURB_=7 ALLOCSWAP_SUMMARY=1 "$ALLOCSWAP" bench -a "$A" --cmd 'kill -SEGV $$' \
	--name segv --cmd 'test -z "${MALLOC_PERTURB_-}${ALLOCSWAP_SUMMARY-}"' --name ok \
	--runs 3 --warmup-runs 0 --memory-runs 0 -o "$T/out" >"$T/stdout" 2>"$T/stderr" ||
	fail "bench exited $?: $(cat "$T/stderr")"
grep -q "12 runs (6 failed)" "$T/stdout" || fail "summary: $(cat "$T/stdout")"
grep -q "FAILED segv on system/glibc/host/pymalloc=on/seccomp=none/stats=off, run 0: killed by signal 11" \
	"$T/stderr" || fail "no FAILED line: $(cat "$T/stderr")"
json_check "$T/out/runs.jsonl" <<'PY'
assert len(data) == 12
for r in data:
    if r["bench"] == "segv":
        assert r["status"] == "failed" and "signal 11" in r["error"], r
        assert r["values"] == [] and r["proc"]["signal"] == 11 and r["proc"]["exit"] is None
    else:
        assert r["bench"] == "ok" and r["status"] == "ok", r
        assert len(r["values"]) == 1 and abs(r["values"][0] - r["proc"]["wall_ns"] / 1e9) < 1e-9
# both kinds in every round: the crash did not stop the matrix
assert [r["run"] for r in data] == [0] * 4 + [1] * 4 + [2] * 4
PY
json_check "$T/out/meta.json" <<'PY'
assert data["results"] == {"ok": 6, "failed": 6, "memory_ok": 0, "memory_failed": 0}, data["results"]
assert data["matrix"]["suite"] == "cmd" and data["python"] is None
assert [b["cmd"] for b in data["matrix"]["benchmarks"]][0] == "kill -SEGV $$"
assert "MALLOC_PERTURB_" in data["environment"]["removed"], data["environment"]
PY

# a benchmark that fails in every run and every configuration: still exit 0
# if others succeed; exit 1 when nothing succeeded at all
if "$ALLOCSWAP" bench -a system --cmd 'exit 3' --runs 2 -o "$T/all" >"$T/stdout" 2>"$T/stderr"; then
	fail "every run failed, yet exit 0"
fi
grep -q "every run failed" "$T/stderr" || fail "$(cat "$T/stderr")"
grep -q '"error":"exited 3"' "$T/all/runs.jsonl" || fail "$(cat "$T/all/runs.jsonl")"
echo "ok: fail"
