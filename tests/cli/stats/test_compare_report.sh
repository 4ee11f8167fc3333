#!/bin/sh
# `allocswap compare` and `allocswap report` on synthetic bench directories
# written by gen_bench (a fixed-seed PRNG, so every run of this test sees
# the same numbers):
# - A/A: two configurations with the same distribution read "not significant"
#   everywhere, geometric mean included; over 40 seeds, few datasets show any
#   significant row (the false-positive control of Holm + Welch);
# - a clear difference (x1.5 and x0.5 with 0.05% noise) reads
#   "1.50x slower (+50%)" and "2.00x faster (-50%)", in both directions;
# - failed runs are shown and counted, runs on the wrong allocator are
#   flagged, too few runs say so;
# - bad usage exits 2 with one line on stderr;
# - the help texts list every option.
#
# usage: test_compare_report.sh ALLOCSWAP GEN_BENCH
set -u
A=$1
G=$2
T_NAME=stats
. "$(dirname "$0")/lib.sh"

# ---- help ------------------------------------------------------------------------
run "$T/h" "$A" report --help
for opt in --baseline --format -h --help DIR md html json; do expect_in "$T/h" "(^| )$opt([ ,=]|$)" "report --help lists $opt"; done
run "$T/h" "$A" compare --help
for opt in -h --help DIR FILE.jsonl summary.json :CONFIG; do expect_in "$T/h" "$opt" "compare --help lists $opt"; done

# ---- A/A -------------------------------------------------------------------------
"$G" "$T/aa" -s 1 -b 8 -r 6 -n 0.05 system=1 jemalloc=1 || exit 1
run "$T/out" "$A" report "$T/aa" --format md,json
expect_in "$T/out" "summary.json" "report says what it wrote"
[ -s "$T/aa/report.md" ] && [ -s "$T/aa/summary.json" ] && ok || fail "report.md and summary.json written"
[ -e "$T/aa/report.html" ] && fail "--format md,json wrote report.html" || ok
expect_not_in "$T/aa/report.md" '^\|.*x (faster|slower) \(' "A/A report: no significant row"
expect_in "$T/aa/report.md" '^\| \*\*Geometric mean\*\* \| baseline \| not significant' "A/A report: geometric mean"
expect_count "$T/aa/report.md" '^\| bench_[0-9] \| baseline: [0-9.]+ (ms|us) ± [0-9.]+ (ms|us) \| not significant \|$' 8 "A/A report rows"
expect_in "$T/aa/report.md" '^\| kernel \| 6\.1\.0-test \|' "report says where it came from"
expect_in "$T/aa/report.md" '^\| command \| `gen_bench ' "report shows the command line"
expect_in "$T/aa/report.md" 'Holm' "report explains the correction"
run "$T/cmp" "$A" compare "$T/aa:system" "$T/aa:jemalloc"
expect_count "$T/cmp" '^\| bench_[0-9] \| [0-9.]+ (ms|us) \| [0-9.]+ (ms|us): not significant \|$' 8 "A/A compare rows"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| not significant \|$' "A/A compare: geometric mean"
expect_in "$T/cmp" '^0 of 8 benchmarks significant .*Holm' "A/A compare: count and correction"
# the summary parses: read it back, through jansson and (when there) Python
run "$T/cmp2" "$A" compare "$T/aa/summary.json:system" "$T/aa/summary.json:jemalloc"
if cmp -s "$T/cmp" "$T/cmp2"; then ok; else
	# only the A/B legend lines name the inputs
	if diff "$T/cmp" "$T/cmp2" | grep '^[<>]' | grep -vq '^[<>] \(| Benchmark\|A = \|B = \)'; then
		fail "compare from summary.json differs:"
		diff "$T/cmp" "$T/cmp2" >&2
	else ok; fi
fi
if command -v python3 >/dev/null; then
	if python3 - "$T/aa/summary.json" <<'EOF'; then ok; else fail "summary.json contract"; fi
import json, sys
s = json.load(open(sys.argv[1]))
assert s["schema"] == "allocswap.summary/1"
assert s["meta"]["host"]["kernel"] == "6.1.0-test"
assert s["baseline"] == "system/glibc/host/pymalloc=on/seccomp=none"
assert [c["label"] for c in s["configs"]] == ["system", "jemalloc"]
assert len(s["cells"]) == 16 and len(s["benchmarks"]) == 8
for c in s["cells"]:
    for k in ("bench", "config", "n", "failed", "errors", "mean", "std", "median", "min", "max",
              "ci95", "samples", "ratio", "time_change", "p_value", "p_adjusted", "significant",
              "verdict", "rss_peak", "peak_live", "fragmentation_at_peak", "syscalls"):
        assert k in c, k
    assert c["n"] == 6 and len(c["samples"]) == 6 and c["failed"] == 0
    assert c["min"] <= c["median"] <= c["max"] and c["ci95"][0] < c["mean"] < c["ci95"][1]
    if c["config"].startswith("jemalloc"):
        assert c["verdict"] == "not significant" and not c["significant"]
        assert c["p_adjusted"] >= c["p_value"]
    else:
        assert c["verdict"] == "baseline" and c["ratio"] == 1
g = s["geomean"][1]
assert g["verdict"] == "not significant" and g["ci95"][0] < 1 < g["ci95"][1]
EOF
fi

# over 40 seeds: at most a few A/A datasets with any significant row (Holm keeps
# the family-wise error near 5%, so about 2 are expected)
any=0
geo=0
for seed in $(seq 100 139); do
	rm -rf "$T/cal"
	"$G" "$T/cal" -s "$seed" -b 8 -r 5 -n 0.1 system=1 jemalloc=1 || exit 1
	"$A" compare "$T/cal:system" "$T/cal:jemalloc" >"$T/out" 2>&1 || fail "compare seed $seed"
	grep -Eq '^\| bench.*x (faster|slower) \(' "$T/out" && any=$((any + 1))
	grep -Eq '^\| Geometric mean \| \(ref\) \| not significant' "$T/out" || geo=$((geo + 1))
done
[ "$any" -le 6 ] && ok || fail "A/A over 40 seeds: $any datasets with a significant row"
[ "$geo" -le 4 ] && ok || fail "A/A over 40 seeds: $geo significant geometric means"

# ---- a clear difference --------------------------------------------------------------
"$G" "$T/x" -s 7 -b 6 -r 6 -n 0.0005 system=1 jemalloc=1.5 mimalloc=0.5 || exit 1
run "$T/cmp" "$A" compare "$T/x:system" "$T/x:jemalloc"
expect_count "$T/cmp" '^\| bench_[0-9] \| [0-9.]+ (ms|us) \| [0-9.]+ (ms|us): 1\.50x slower \(\+50%\) \|$' 6 "x1.5 rows"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 1\.50x slower \(\+50%\) \|$' "x1.5 geometric mean"
expect_in "$T/cmp" '^6 of 6 benchmarks significant' "x1.5 count"
run "$T/cmp" "$A" compare "$T/x:jemalloc" "$T/x:system"
expect_count "$T/cmp" ': 1\.50x faster \(-33%\) \|$' 6 "x1.5 reversed"
run "$T/cmp" "$A" compare "$T/x/runs.jsonl:system" "$T/x/meta.json:mimalloc"
expect_count "$T/cmp" ': 2\.00x faster \(-50%\) \|$' 6 "x0.5 rows (runs.jsonl and meta.json paths)"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 2\.00x faster \(-50%\) \|$' "x0.5 geometric mean"
run "$T/out" "$A" report "$T/x" --format json,md
expect_count "$T/x/report.md" '^\| bench_[0-9] \| baseline: .* \| 1\.50x slower \(\+50%\) \| 2\.00x faster \(-50%\) \|$' 6 "report rows"
expect_in "$T/x/report.md" '^\| \*\*Geometric mean\*\* \| baseline \| 1\.50x slower \(\+50%\) \(95% CI: 1\.50x-1\.50x slower\) \| 2\.00x faster \(-50%\) \(95% CI: 2\.00x-2\.00x faster\) \|$' "report geometric means"
expect_in "$T/x/report.md" '^\| bench_0 \| 28\.6 MiB \| 42\.9 MiB \(\+50%\) \| 14\.3 MiB \(-50%\) \|$' "peak RSS table"
run "$T/out" "$A" report "$T/x" --baseline=jemalloc --format md
expect_count "$T/x/report.md" '^\| bench_[0-9] \| 1\.50x faster \(-33%\) \| baseline: .* \| 3\.00x faster \(-67%\) \|$' 6 "--baseline jemalloc"
run "$T/out" "$A" report "$T/x" --baseline mimalloc/glibc/host/pymalloc=on/seccomp=none --format md
expect_count "$T/x/report.md" '^\| bench_[0-9] \| 2\.00x slower \(\+100%\) \| 3\.00x slower \(\+200%\) \| baseline: ' 6 "--baseline CONFIG"

# each configuration against the baseline allocator's one with the same axes
"$G" "$T/py" -s 3 -b 3 -r 5 -n 0.002 system=1 system,pymalloc=off=1.2 jemalloc=1 jemalloc,pymalloc=off=1.8 || exit 1
run "$T/out" "$A" report "$T/py" --format md
expect_in "$T/py/report.md" '^\| jemalloc pymalloc=off \| `jemalloc/glibc/host/pymalloc=off/seccomp=none` \| `system/glibc/host/pymalloc=off/seccomp=none` \|$' "pymalloc=off compared with pymalloc=off"
expect_count "$T/py/report.md" '^\| bench_[0-9] \| baseline: .* \| baseline: .* \| not significant \| 1\.50x slower \(\+50%\) \|$' 3 "pymalloc rows"

# ---- failures, too few runs --------------------------------------------------------------
"$G" "$T/f" -s 5 -b 4 -r 6 -n 0.002 -f jemalloc:2:all -f system:3:2 -w jemalloc:1:3 system=1 jemalloc=1.5 || exit 1
printf '{"schema": "allocswap.run/1", "bench": "bench_0", "conf' >>"$T/f/runs.jsonl" # killed mid-write
run "$T/out" "$A" report "$T/f" --format md,json
expect_in "$T/f/report.md" '^\| bench_2 \| baseline: .* \| FAILED \(killed by signal 11 \(Segmentation fault\)\) \|$' "failed cell"
expect_in "$T/f/report.md" '^\| bench_3 \| baseline: .* \(2 of 6 runs failed\) \| 1\.50x slower' "partly failed baseline"
expect_in "$T/f/report.md" '^- bench_2, `jemalloc/glibc/host/pymalloc=on/seccomp=none`: 6 of 6 runs failed: killed by signal 11' "failures section"
expect_in "$T/f/report.md" '^\| bench_2 \| [0-9.]+ MiB \| FAILED \|' "failed cell in the memory table"
expect_in "$T/f/report.md" '^- bench_1, `jemalloc/glibc/host/pymalloc=on/seccomp=none`: 3 of 6 processes$' "wrong allocator shown"
expect_in "$T/f/report.md" '^\| \*\*Geometric mean\*\* \| baseline \| 1\.50x slower \(\+50%\)' "geometric mean without the failed benchmark"
run "$T/cmp" "$A" compare "$T/f:system" "$T/f:jemalloc"
expect_in "$T/cmp" '^\| bench_2 \| [0-9.]+ ms \| FAILED \(killed by signal 11' "compare: failed cell"
expect_in "$T/cmp" '^\| bench_3 \| [0-9.]+ ms \(2 of 6 runs failed\) \|' "compare: partly failed"
run "$T/cmp" "$A" compare "$T/f:jemalloc" "$T/f:system"
expect_in "$T/cmp" '^\| bench_2 \| FAILED .* \| [0-9.]+ ms: n/a \(baseline FAILED\) \|$' "compare: failed baseline"

"$G" "$T/one" -s 5 -b 2 -r 1 system=1 jemalloc=2 || exit 1
run "$T/cmp" "$A" compare "$T/one:system" "$T/one:jemalloc"
expect_count "$T/cmp" ': n/a \(too few runs\) \|$' 2 "one run: n/a"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| n/a \(too few runs\) \|$' "one run: geometric mean n/a"

# ---- bad usage: exit 2, one line -------------------------------------------------------------
usage_error "unknown option '--bogus'" "$A" report --bogus "$T/x"
usage_error "which bench directory" "$A" report
usage_error "$T/nonexistent: No such file" "$A" report "$T/nonexistent"
mkdir "$T/empty"
usage_error "no runs.jsonl" "$A" report "$T/empty"
usage_error "baseline 'nosuch' is not an allocator .*: system, jemalloc, mimalloc" "$A" report "$T/x" --baseline nosuch --format md
usage_error "format 'pdf' is not one of: md, html, json" "$A" report "$T/x" --format md,pdf
usage_error "needs a value" "$A" report "$T/x" --baseline
usage_error "one directory only" "$A" report "$T/x" "$T/aa"
usage_error "holds 3 configurations; pick one .*system/glibc/host/pymalloc=on/seccomp=none, jemalloc" "$A" compare "$T/x" "$T/x:system"
usage_error "'nosuch' is neither a configuration id nor an allocator" "$A" compare "$T/x:nosuch" "$T/x:system"
usage_error "matches several configurations" "$A" compare "$T/py:system" "$T/py:jemalloc"
usage_error "needs two results" "$A" compare "$T/x:system"
usage_error "unknown option '--table'" "$A" compare --table "$T/x:system" "$T/x:jemalloc"
usage_error "nonexistent: No such file" "$A" compare "$T/nonexistent" "$T/x:system"

t_done test_compare_report
