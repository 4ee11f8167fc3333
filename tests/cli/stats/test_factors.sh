#!/bin/sh
# The factors section of `allocswap report` (tools/report/factors.c) on synthetic
# matrices written by gen_bench with known multiplicative effects and known
# noise (2% per process, 8 processes a cell, 6 benchmarks):
#   time = L(libc) x A(libc, allocator) x F(flags) x I
#   L: glibc 1, musl 1.10
#   A: glibc: system 1, jemalloc 0.95, mimalloc 1 (no effect: an A/A pair)
#      musl:  system 1.25 (mallocng), jemalloc 0.95, mimalloc 1
#   F: -Os 1, -O3 lto 0.85 (Pythons glibc-os, musl-os, glibc-o3lto, musl-o3lto)
#   I: 0.95 for musl + jemalloc + -O3 lto (the planted interaction), else 1
# - every comparison's geometric mean is within 0.02 of the truth in log
#   space with its CI around the truth, every benchmark's within 0.05, and
#   at least 85% of the per-benchmark CIs hold the truth;
# - no effect reads "not significant" (mimalloc on glibc; the interaction
#   when it is not planted); the planted interaction is found;
# - over 10 more seeds, at least 90% of all geometric-mean CIs hold the truth;
# - a matrix without musl refuses the libc comparisons, and one where musl
#   runs only system refuses libc alone, each with its reason line;
# - report.md shows the section (stock against tuned, each factor, the
#   Pythons' sizes and build times), report.html its section, and
#   --baseline CONFIG / --tuned CONFIG name the cells.
#
# usage: test_factors.sh ALLOCSWAP GEN_BENCH
set -u
A=$1
G=$2
T_NAME=factors
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
	echo "test_factors: python3 is needed to read summary.json"
	exit 77
fi

# gen DIR GEN_BENCH_ARGS...: gen_bench with the four Pythons in meta.json
gen() {
	d=$1
	shift
	"$G" "$d" -P "glibc-os:glibc:-Os:41943040:95.5" -P "glibc-o3lto:glibc:-O3 lto:44040192:301" \
		-P "musl-os:musl:-Os:37748736:610" -P "musl-o3lto:musl:-O3 lto:39845888:842" "$@" >/dev/null
}

# matrix DIR SEED INTERACTION [LIBCS] [ALLOCATORS]: gen_bench over the model above
matrix() {
	dir=$1 seed=$2 inter=$3 libcs=${4:-glibc musl} allocs=${5:-system jemalloc mimalloc}
	set --
	for libc in $libcs; do
		for flags in os o3lto; do
			for alloc in $allocs; do
				scale=$(awk -v l="$libc" -v a="$alloc" -v f="$flags" -v i="$inter" 'BEGIN {
					s = (l == "musl") ? 1.10 : 1
					if (a == "jemalloc") s *= 0.95
					if (a == "system" && l == "musl") s *= 1.25
					if (f == "o3lto") s *= 0.85
					if (l == "musl" && a == "jemalloc" && f == "o3lto") s *= i
					printf "%.10g", s }')
				set -- "$@" "$alloc,libc=$libc,python=$libc-$flags=$scale"
			done
		done
	done
	gen "$dir" -s "$seed" -b 6 -r 8 -n 0.02 "$@"
}

# check_truth SUMMARY INTERACTION: every comparison against the model
check_truth() {
	python3 - "$1" "$2" <<'EOF'
import json, math, sys
s = json.load(open(sys.argv[1]))
inter = float(sys.argv[2])
fx = s["factors"]
def t(libc, alloc, flags):
    v = (1.10 if libc == "musl" else 1) * (0.95 if alloc == "jemalloc" else 1)
    v *= 1.25 if (alloc, libc) == ("system", "musl") else 1
    v *= 0.85 if flags == "-O3 lto" else 1
    return v * (inter if (libc, alloc, flags) == ("musl", "jemalloc", "-O3 lto") else 1)
def cell(c):
    return t(c["libc"], c["allocator"], c["flags"])
bad, inside, total, geo_in, geo_n = [], 0, 0, 0, 0
def check(c, truth, strict):
    global inside, total, geo_in, geo_n
    g = c["geomean"]
    lo, hi = g["ci95"]
    geo_n += 1
    geo_in += lo <= truth <= hi
    if strict and abs(math.log(g["ratio"] / truth)) > 0.02:
        bad.append("%s: geomean %.4f, truth %.4f" % (c["label"], g["ratio"], truth))
    if strict and not lo <= truth <= hi:
        bad.append("%s: CI [%.4f, %.4f] misses %.4f" % (c["label"], lo, hi, truth))
    for b in c["benchmarks"]:
        total += 1
        inside += b["ci95"][0] <= truth <= b["ci95"][1]
        if strict and abs(math.log(b["ratio"] / truth)) > 0.05:
            bad.append("%s %s: %.4f, truth %.4f" % (c["label"], b["bench"], b["ratio"], truth))
strict = len(sys.argv) < 4
st = fx["strata"][0]
for c in st["comparisons"]:
    check(c, cell(c["base"]) / cell(c["new"]), strict)
h = st["headline"]
for k in ("total", "flags", "allocator"):
    check(h[k], cell(h[k]["base"]) / cell(h[k]["new"]), strict)
check(h["interaction"], 1 / inter, strict)
prod = h["flags"]["geomean"]["ratio"] * h["allocator"]["geomean"]["ratio"] * h["interaction"]["geomean"]["ratio"]
if abs(prod / h["total"]["geomean"]["ratio"] - 1) > 1e-9:
    bad.append("total %.6f != flags x allocator x interaction %.6f" % (h["total"]["geomean"]["ratio"], prod))
if strict and inside < 0.85 * total:
    bad.append("only %d of %d per-benchmark CIs hold the truth" % (inside, total))
print("%d %d %d %d" % (geo_in, geo_n, inside, total))
for b in bad:
    print("BAD", b)
sys.exit(1 if bad else 0)
EOF
}

# ---- the full matrix, interaction planted ------------------------------------------
matrix "$T/m" 11 0.95 || exit 1
run "$T/out" "$A" report "$T/m" --format md,json
if check_truth "$T/m/summary.json" 0.95 >"$T/truth"; then ok; else fail "effects recovered:"; cat "$T/truth" >&2; fi
if python3 - "$T/m/summary.json" <<'EOF'; then ok; else fail "summary.json factors contract"; fi
import json, sys
s = json.load(open(sys.argv[1]))
fx = s["factors"]
assert len(fx["strata"]) == 1
st = fx["strata"][0]
assert st["libcs"] == ["glibc", "musl"] and st["allocators"] == ["system", "jemalloc", "mimalloc"]
assert st["flags"] == ["-Os", "-O3 lto"], st["flags"]
n = {f["factor"]: f for f in st["factors"]}
assert all(f["measurable"] and f["reason"] is None for f in st["factors"]), st["factors"]
assert (n["libc"]["comparisons"], n["libc_own_allocator"]["comparisons"], n["allocator"]["comparisons"],
        n["flags"]["comparisons"]) == (4, 2, 8, 6), n
byl = {c["label"]: c for c in st["comparisons"]}
# the A/A pair: mimalloc on glibc does nothing
for lab in ("mimalloc vs system (glibc, -Os)", "mimalloc vs system (glibc, -O3 lto)"):
    c = byl[lab]
    assert c["geomean"]["verdict"] == "not significant", c["geomean"]
    assert not any(b["significant"] for b in c["benchmarks"]), lab
# clear effects are significant everywhere
c = byl["musl vs glibc (jemalloc, -Os)"]
assert c["geomean"]["verdict"] == "1.10x slower (+10%)", c["geomean"]
assert all(b["significant"] and " slower (+" in b["verdict"] for b in c["benchmarks"]), c["benchmarks"]
h = st["headline"]
assert h["stock"]["config"] == "system/musl/host/pymalloc=on/seccomp=none/python=musl-os"
assert h["tuned"]["config"] == "jemalloc/musl/host/pymalloc=on/seccomp=none/python=musl-o3lto"
assert h["k"] == 6 and h["reason"] is None
assert [x["config"] for x in h["interaction"]["cells"]] == [
    "system/musl/host/pymalloc=on/seccomp=none/python=musl-o3lto", h["tuned"]["config"],
    h["stock"]["config"], "jemalloc/musl/host/pymalloc=on/seccomp=none/python=musl-os"]
assert h["interaction"]["geomean"]["significant"], h["interaction"]["geomean"]
assert h["interaction"]["geomean"]["verdict"] == "1.05x faster (-5%)", h["interaction"]["geomean"]
for b in h["total"]["benchmarks"]:
    assert b["p_adjusted"] >= b["p_value"] and b["base_mean"] > 0 and b["new_mean"] > 0
p = {x["name"]: x for x in fx["pythons"]}
assert p["musl-os"]["size_bytes"] == 37748736 and p["musl-os"]["build_seconds"] == 610
assert p["glibc-o3lto"]["flags"] == "-O3 lto" and p["glibc-o3lto"]["used"]
EOF
R="$T/m/report.md"
expect_in "$R" '^## Factors: libc, allocator, Python build flags$' "section heading"
expect_in "$R" '^- libc alone: 4 comparisons$' "libc alone allowed"
expect_in "$R" '^### Stock against tuned$' "headline heading"
expect_in "$R" '^Stock: musl, system, -Os \(system/musl/host/pymalloc=on/seccomp=none/python=musl-os\); tuned: musl, jemalloc, -O3 lto \(jemalloc/musl/host/pymalloc=on/seccomp=none/python=musl-o3lto\)\. ' "stock and tuned named"
expect_in "$R" '^\| Benchmark \| stock time \| total: tuned vs stock \| flags alone: -O3 lto vs -Os \(musl, system\) \| allocator alone: jemalloc vs system \(musl, -Os\) \| interaction \|$' "headline columns"
expect_in "$R" '^\| \*\*Geometric mean\*\* \|  \| 1\.6[0-9]x faster \(-3[89]%\), CI [0-9.]+x-[0-9.]+x faster \| 1\.1[78]x faster .* \| 1\.3[12]x faster .* \| 1\.05x faster \(-5%\), CI ' "headline geometric means"
expect_in "$R" '^Geometric means over 6 benchmarks: total 1\.6[0-9]x \(log \+0\.4[89][0-9]\) = flags alone 1\.1[78]x .* x interaction 1\.05x ' "decomposition sentence"
expect_in "$R" '^### Libc alone$' "libc table"
expect_in "$R" '^\| bench_0 \| 1\.[01][0-9]x slower \(\+[0-9]+%\), CI ' "libc alone per benchmark"
expect_in "$R" '^### Libc with its own allocator$' "libc with own allocator table"
expect_in "$R" '^### Allocator alone$' "allocator table"
expect_in "$R" '^### Flags alone$' "flags table"
expect_in "$R" '^\| musl-os \| musl \| 3\.11\.2 \| -Os \| 36\.0 MiB \| 4321 \| 10 min 10 s \| yes \|$' "Python sizes and build times"
expect_in "$R" '^Stock and tuned: stock: musl when the stratum has it' "the rule"
# the section sits between Speed and Memory
if awk '/^## Speed/ {s=NR} /^## Factors/ {f=NR} /^## Memory/ {m=NR} END {exit !(s < f && f < m)}' "$R"; then ok; else fail "section order"; fi
sed -n '/^## Factors/,/^## Memory/p' "$R" | sed '$d' >"$T/section.md"
[ -n "${FACTORS_SECTION_OUT:-}" ] && cp "$T/section.md" "$FACTORS_SECTION_OUT"

if command -v gnuplot >/dev/null; then
	run "$T/out" "$A" report "$T/m" --format html
	expect_in "$T/m/report.html" '<h2 id="factors">Factors: libc, allocator, Python build flags</h2>' "HTML section"
	expect_in "$T/m/report.html" '<a href="#factors">factors</a>' "HTML nav link"
	expect_in "$T/m/report.html" '<tr class="geo"><th>Geometric mean</th><td></td><td class="faster">1\.6[0-9]x faster' "HTML headline row"
	expect_in "$T/m/report.html" '<td class="ns">not significant, CI ' "HTML not significant cell"
fi

# ---- no interaction planted: it reads not significant --------------------------------------
matrix "$T/n" 12 1 || exit 1
run "$T/out" "$A" report "$T/n" --format json
if check_truth "$T/n/summary.json" 1 >"$T/truth"; then ok; else fail "effects recovered (no interaction):"; cat "$T/truth" >&2; fi
if python3 - "$T/n/summary.json" <<'EOF'; then ok; else fail "no interaction: not significant"; fi
import json, sys
h = json.load(open(sys.argv[1]))["factors"]["strata"][0]["headline"]
assert h["interaction"]["geomean"]["verdict"] == "not significant", h["interaction"]["geomean"]
lo, hi = h["interaction"]["geomean"]["ci95"]
assert lo < 1 < hi
EOF

# ---- coverage over 10 seeds ---------------------------------------------------------------
geo_in=0 geo_n=0
for seed in $(seq 200 209); do
	rm -rf "$T/c"
	matrix "$T/c" "$seed" 0.95 || exit 1
	"$A" report "$T/c" --format json >/dev/null 2>&1 || fail "report seed $seed"
	set -- $(check_truth "$T/c/summary.json" 0.95 loose | head -1)
	geo_in=$((geo_in + $1)) geo_n=$((geo_n + $2))
done
if [ "$geo_n" -gt 0 ] && [ $((geo_in * 100)) -ge $((geo_n * 90)) ]; then ok; else
	fail "geometric-mean CIs over 10 seeds: $geo_in of $geo_n hold the truth"
fi

# ---- what a matrix cannot measure ----------------------------------------------------------
matrix "$T/g" 13 1 glibc "system jemalloc" || exit 1
run "$T/out" "$A" report "$T/g" --format md,json
expect_in "$T/g/report.md" '^- libc alone: not measurable: the matrix has one libc \(glibc\)$' "no musl: libc refused"
expect_in "$T/g/report.md" '^- libc with its own allocator: not measurable: the matrix has one libc \(glibc\)$' "no musl: own allocator refused"
expect_in "$T/g/report.md" '^- flags alone: 2 comparisons$' "no musl: flags measured"
expect_in "$T/g/report.md" '^Stock: glibc, system, -Os ' "no musl: stock on glibc"
if python3 - "$T/g/summary.json" <<'EOF'; then ok; else fail "no musl: summary.json"; fi
import json, sys
st = json.load(open(sys.argv[1]))["factors"]["strata"][0]
f = {x["factor"]: x for x in st["factors"]}
assert not f["libc"]["measurable"] and f["libc"]["comparisons"] == 0
assert f["libc"]["reason"] == "not measurable: the matrix has one libc (glibc)"
assert not any(c["factor"] == "libc" for c in st["comparisons"])
assert f["interaction"]["measurable"]
EOF

# musl with its own allocator only
gen "$T/s" -s 14 -b 3 -r 4 -n 0.02 system,libc=glibc,python=glibc-os=1 \
	jemalloc,libc=glibc,python=glibc-os=0.95 system,libc=musl,python=musl-os=1.375 || exit 1
run "$T/out" "$A" report "$T/s" --format md
expect_in "$T/s/report.md" '^- libc alone: not measurable: no allocator other than system runs on both glibc and musl in this matrix$' "musl on system only: libc alone refused"
expect_in "$T/s/report.md" '^- libc with its own allocator: 1 comparison$' "musl on system only: libc with its own allocator"
expect_in "$T/s/report.md" '^- flags alone: not measurable: every Python here has the same build flags \(-Os\)$' "one flag set"
expect_in "$T/s/report.md" '^- interaction: not measurable: ' "no interaction without a tuned cell"

# an allocator-only matrix: the section is short
"$G" "$T/a" -s 15 -b 3 -r 4 system=1 jemalloc=1.2 >/dev/null || exit 1
run "$T/out" "$A" report "$T/a" --format md
expect_in "$T/a/report.md" '^One libc and one Python build: the Speed table above is the allocator alone\.$' "allocator-only matrix"

# ---- --baseline CONFIG and --tuned CONFIG name the cells -------------------------------------
run "$T/out" "$A" report "$T/m" --format json --baseline system/glibc/host/pymalloc=on/seccomp=none/python=glibc-os \
	--tuned mimalloc/glibc/host/pymalloc=on/seccomp=none/python=glibc-o3lto
if python3 - "$T/m/summary.json" <<'EOF'; then ok; else fail "--baseline/--tuned"; fi
import json, sys
fx = json.load(open(sys.argv[1]))["factors"]
h = fx["strata"][0]["headline"]
assert fx["rule"] == "named by --baseline and --tuned"
assert h["stock"]["config"] == "system/glibc/host/pymalloc=on/seccomp=none/python=glibc-os"
assert h["tuned"]["config"] == "mimalloc/glibc/host/pymalloc=on/seccomp=none/python=glibc-o3lto"
assert h["allocator"]["geomean"]["verdict"] == "not significant"
assert h["interaction"]["geomean"]["verdict"] == "not significant"
EOF
"$A" report "$T/m" --format json --tuned nosuch >"$T/out" 2>"$T/err"
if [ $? -eq 2 ] && grep -q "tuned 'nosuch' is not a configuration" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else
	fail "--tuned nosuch: want exit 2 and one line"; cat "$T/err" >&2
fi
run "$T/h" "$A" report --help
expect_in "$T/h" '--tuned CONFIG' "report --help lists --tuned"

t_done test_factors
