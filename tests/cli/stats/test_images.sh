#!/bin/sh
# The Images section of `allocswap report` (tools/report/image_report.c) on synthetic
# matrices written by gen_bench with known effects (0.5% noise per process, 6
# processes a cell, 3 benchmarks):
# - images host, alpha (rootfs, glibc 2.36, Python 3.11.2), beta (rootfs, musl
#   1.2.5, Python 3.13.1) and docker:img/x:1 (an engine) x system, jemalloc x
#   seccomp none, default; beta 1.5x slower than everything else at every
#   allocator and seccomp, with 25% more peak RSS; seccomp default 1.2x slower
#   on bench_0 only, everywhere;
# - the baseline image is alpha (the first that is not host), and every
#   comparison reads what the model says, with beta's Python and libc stated
#   beside it; docker's seccomp=none (its own default profile) is not
#   compared with alpha's (no filter), and its seccomp cost is refused (no
#   unconfined cell), each in one line;
# - the facts table (size, files, build time, date, allocators; "-" where a
#   fact is missing);
# - --baseline-image names another baseline, or exits 2 with one line listing
#   the images;
# - a matrix of one image and one seccomp value refuses both comparisons; a
#   missing cell is refused with its reason; a directory whose meta.json does
#   not describe its images says so;
# - report.html has the section, its nav link and its charts.
#
# usage: test_images.sh ALLOCSWAP GEN_BENCH
set -u
A=$1
G=$2
T_NAME=images
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
	echo "test_images: python3 is needed to read summary.json"
	exit 77
fi

IMG_ALPHA='alpha|rootfs|glibc|2.36|3.11.2|157286400|6000|45|2026-12-01T10:00:00Z|jemalloc,mimalloc'
IMG_BETA='beta|rootfs|musl|1.2.5|3.13.1|52428800|1200|-|2026-12-02T10:00:00Z|jemalloc'
IMG_DOCKER='docker:img/x:1|docker|glibc|2.36|3.11.2|134217728|-|-|-|-'

# ---- the model ------------------------------------------------------------------------
set --
for img in host alpha beta docker:img/x:1; do
	for alloc in system jemalloc; do
		for sc in none default; do
			case $img in
			beta) set -- "$@" "$alloc,image=$img,libc=musl,seccomp=$sc,rss=1.25=1.5" ;;
			*) set -- "$@" "$alloc,image=$img,seccomp=$sc,rss=1=1" ;;
			esac
		done
	done
done
"$G" "$T/m" -s 21 -b 3 -r 6 -n 0.005 -I "$IMG_ALPHA" -I "$IMG_BETA" -I "$IMG_DOCKER" \
	-e seccomp=default:0:1.2 "$@" >/dev/null || exit 1
run "$T/out" "$A" report "$T/m" --format md,json
R="$T/m/report.md"
sed -n '/^## Images/,/^## Memory/p' "$R" | sed '$d' >"$T/section.md"
[ -n "${IMAGES_SECTION_OUT:-}" ] && cp "$T/section.md" "$IMAGES_SECTION_OUT"
S="$T/section.md"

expect_line "$S" "## Images" "section heading"
expect_line "$S" "- images against alpha: 10 comparisons" "image comparisons counted"
expect_line "$S" "- seccomp cost: 6 comparisons" "seccomp comparisons counted"
expect_line "$S" "- docker:img/x:1 against alpha: seccomp=none is not compared: it is the engine's default profile in docker:img/x:1 and no filter in alpha" "engine's none refused"
expect_line "$S" "- seccomp cost in docker:img/x:1: not measurable: in an engine seccomp=none is the engine's own default profile, so default is compared with unconfined only, and docker:img/x:1 has no unconfined cell" "engine seccomp cost refused"
# facts
expect_line "$S" "| Image | runner | libc | Python | size on disk | files | build time | built | allocators |" "facts columns"
expect_line "$S" "| host | host | glibc 2.36 | 3.11.2 | - | - | - | - | system, jemalloc |" "host facts"
expect_line "$S" "| alpha | rootfs | glibc 2.36 | 3.11.2 | 150.0 MiB | 6000 | 45.0 s | 2026-12-01 | jemalloc, mimalloc |" "alpha facts"
expect_line "$S" "| beta | rootfs | musl 1.2.5 | 3.13.1 | 50.0 MiB | 1200 | - | 2026-12-02 | jemalloc |" "beta facts"
expect_line "$S" "| docker:img/x:1 | docker | glibc 2.36 | 3.11.2 | 128.0 MiB | - | - | - | - |" "engine facts"
expect_not_in "$S" "does not describe" "every image described"
# speed and memory
expect_line "$S" "### Speed and memory against alpha" "speed heading"
expect_in "$S" "^Baseline image: alpha \\(the first image of the matrix that is not host\\)\\. " "baseline rule said"
expect_line "$S" "| Image | allocator | seccomp | speed (geometric mean over 3 benchmarks) | peak RSS | differs besides the image |" "speed columns"
for alloc in system jemalloc; do
	for sc in none default; do
		expect_in "$S" "^\\| beta \\| $alloc \\| $sc \\| 1\\.50x slower \\(\\+50%\\), CI 1\\.[45][0-9]x-1\\.5[0-9]x slower \\| 25% more memory \\| Python 3\\.13\\.1 vs 3\\.11\\.2; musl 1\\.2\\.5 vs glibc 2\\.36 \\|\$" "beta 1.5x slower ($alloc, $sc)"
		expect_in "$S" "^\\| host \\| $alloc \\| $sc \\| not significant, CI 1\\.0[0-9]x slower to 1\\.0[0-9]x faster \\| the same memory \\| - \\|\$" "host as alpha ($alloc, $sc)"
	done
	expect_in "$S" "^\\| docker:img/x:1 \\| $alloc \\| default \\| not significant, CI [^|]* \\| the same memory \\| - \\|\$" "docker at default ($alloc)"
done
# rows: image by image, system first
if sed -n '/^### Speed/,/^### Seccomp/p' "$S" |
	awk -F'|' '/^\| (host|beta|docker)/ {printf "%s%s", sep, $2 $3 $4; sep=","} END {print ""}' |
	sed 's/  */ /g' | grep -Fxq ' host system none , host system default , host jemalloc none , host jemalloc default , beta system none , beta system default , beta jemalloc none , beta jemalloc default , docker:img/x:1 system default , docker:img/x:1 jemalloc default '; then ok; else
	fail "row order"
	cat "$S" >&2
fi
# seccomp: 1.2x on bench_0 only
expect_line "$S" "### Seccomp: Docker's default profile against no filter" "seccomp heading"
expect_line "$S" "| Benchmark | host, system: default vs none | host, jemalloc: default vs none | alpha, system: default vs none | alpha, jemalloc: default vs none | beta, system: default vs none | beta, jemalloc: default vs none |" "seccomp columns"
expect_in "$S" "^\\| bench_0 \\|( 1\\.(19|2[01])x slower \\(\\+(19|2[01])%\\), CI 1\\.[12][0-9]x-1\\.2[0-9]x slower \\|){6}\$" "seccomp 1.2x on bench_0"
expect_in "$S" "^\\| bench_1 \\|( not significant, CI [0-9.]+x slower to [0-9.]+x faster \\|){6}\$" "seccomp nothing on bench_1"
expect_in "$S" "^\\| bench_2 \\|( not significant, CI [0-9.]+x slower to [0-9.]+x faster \\|){6}\$" "seccomp nothing on bench_2"
expect_in "$S" "^\\| \\*\\*Geometric mean\\*\\* \\|( not significant, CI 1\\.[0-9]+x slower to 1\\.[0-9]+x faster \\|){6}\$" "seccomp geomean over one benchmark's cost"
# the section sits between Factors and Memory
if awk '/^## Factors/ {f=NR} /^## Images/ {i=NR} /^## Memory/ {m=NR} END {exit !(f < i && i < m)}' "$R"; then ok; else fail "section order"; fi

if python3 - "$T/m/summary.json" <<'EOF'; then ok; else fail "summary.json images contract"; fi
import json, math, sys
im = json.load(open(sys.argv[1]))["images"]
assert im["baseline"] == "alpha" and im["baseline_rule"] == "the first image of the matrix that is not host"
assert [i["name"] for i in im["images"]] == ["host", "alpha", "beta", "docker:img/x:1"]
assert all(i["described"] for i in im["images"][1:])
st = {s["what"]: s for s in im["status"]}
assert st["images"]["comparisons"] == 10 and st["images"]["measurable"] and st["images"]["reason"] is None
assert st["seccomp"]["comparisons"] == 6
assert [(r["what"], r["image"]) for r in im["refused"]] == [("images", "docker:img/x:1"), ("seccomp", "docker:img/x:1")], im["refused"]
for c in im["comparisons"]:
    g = c["geomean"]
    want = 1 / 1.5 if c["image"] == "beta" else 1
    assert abs(math.log(g["ratio"] / want)) < 0.01, (c["label"], g)
    assert g["ci95"][0] <= want <= g["ci95"][1], (c["label"], g)
    assert c["base_image"] == "alpha" and c["base"]["config"].split("/")[2] == "alpha"
    assert c["new"]["config"].split("/")[0] == c["allocator"]
    assert abs(c["rss"]["ratio"] - (1.25 if c["image"] == "beta" else 1)) < 1e-9, c["rss"]
    assert len(c["benchmarks"]) == 3 and all(b["p_adjusted"] >= b["p_value"] for b in c["benchmarks"])
beta = [c for c in im["comparisons"] if c["image"] == "beta"][0]
assert beta["python"] == {"base": "3.11.2", "new": "3.13.1"}, beta["python"]
assert beta["libc"] == {"base": "glibc 2.36", "new": "musl 1.2.5"}, beta["libc"]
assert beta["label"] == "beta vs alpha (system, seccomp=none)", beta["label"]
for c in im["seccomp"]:
    assert c["base_seccomp"] == "none" and c["new_seccomp"] == "default"
    b0 = c["benchmarks"][0]
    assert abs(math.log(b0["ratio"] * 1.2)) < 0.01 and b0["significant"], b0
    assert not any(b["significant"] for b in c["benchmarks"][1:])
    assert c["geomean"]["verdict"] == "not significant", c["geomean"]
EOF

# ---- --baseline-image ------------------------------------------------------------------
run "$T/out" "$A" report "$T/m" --format md --baseline-image beta
sed -n '/^## Images/,/^## Memory/p' "$R" >"$T/beta.md"
expect_line "$T/beta.md" "- images against beta: 10 comparisons" "--baseline-image beta"
expect_in "$T/beta.md" "^Baseline image: beta \\(named by --baseline-image\\)\\. " "named rule said"
expect_in "$T/beta.md" "^\\| alpha \\| system \\| none \\| 1\\.50x faster \\(-33%\\), CI 1\\.[45][0-9]x-1\\.5[0-9]x faster \\| 20% less memory \\| Python 3\\.11\\.2 vs 3\\.13\\.1; glibc 2\\.36 vs musl 1\\.2\\.5 \\|\$" "alpha against beta"
expect_line "$T/beta.md" "- docker:img/x:1 against beta: seccomp=none is not compared: it is the engine's default profile in docker:img/x:1 and no filter in beta" "engine's none against beta"
run "$T/out" "$A" report "$T/m" --format json --baseline-image host
if python3 -c 'import json,sys; im=json.load(open(sys.argv[1]))["images"]; assert im["baseline"] == "host" and im["baseline_rule"] == "named by --baseline-image"; assert len(im["comparisons"]) == 10, len(im["comparisons"])' "$T/m/summary.json"; then ok; else fail "--baseline-image host"; fi
"$A" report "$T/m" --format md --baseline-image nosuch >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -Fxq "allocswap report: --baseline-image 'nosuch' is not an image of $T/m (its images: host, alpha, beta, docker:img/x:1) (see 'allocswap report --help')" "$T/err"; then ok; else
	fail "--baseline-image nosuch: exit $rc, want 2 and the one line:"
	cat "$T/out" "$T/err" >&2
fi
"$A" report "$T/m" --baseline-image >"$T/out" 2>"$T/err"
if [ $? -eq 2 ] && grep -q "baseline-image needs a value" "$T/err"; then ok; else fail "--baseline-image without a value"; cat "$T/err" >&2; fi

# ---- an engine with unconfined: default against unconfined only ------------------------
"$G" "$T/e" -s 22 -b 2 -r 5 -n 0.005 -I "$IMG_DOCKER" -e seccomp=default:all:1.1 -e seccomp=none:all:1.1 \
	system,image=docker:img/x:1,seccomp=none=1 system,image=docker:img/x:1,seccomp=default=1 \
	system,image=docker:img/x:1,seccomp=unconfined=1 >/dev/null || exit 1
run "$T/out" "$A" report "$T/e" --format md,json
sed -n '/^## Images/,/^## Memory/p' "$T/e/report.md" >"$T/e.md"
expect_line "$T/e.md" "- images: not measurable: the matrix has one image (docker:img/x:1)" "one image refused"
expect_line "$T/e.md" "- seccomp cost: 1 comparison" "engine: one seccomp comparison"
expect_line "$T/e.md" "| Benchmark | docker:img/x:1, system: default vs unconfined |" "engine: default vs unconfined"
expect_in "$T/e.md" "^\\| \\*\\*Geometric mean\\*\\* \\| 1\\.10x slower \\(\\+10%\\), CI 1\\.[01][0-9]x-1\\.1[0-9]x slower \\|\$" "engine: the profile's cost"

# ---- what a matrix cannot compare ------------------------------------------------------
"$G" "$T/h" -s 23 -b 2 -r 4 system=1 jemalloc=1.2 >/dev/null || exit 1
run "$T/out" "$A" report "$T/h" --format md
sed -n '/^## Images/,/^## Memory/p' "$T/h/report.md" | sed '$d' >"$T/h.md"
expect_line "$T/h.md" "- images: not measurable: the matrix has one image (host)" "host only: images refused"
expect_line "$T/h.md" "- seccomp cost: not measurable: the matrix has one seccomp value (none)" "one seccomp value refused"
expect_not_in "$T/h.md" "^### The images" "host only: no facts table"

# alpha runs jemalloc, gamma does not; gamma is not described
"$G" "$T/x" -s 24 -b 2 -r 4 -n 0.005 -I "$IMG_ALPHA" system,image=alpha=1 jemalloc,image=alpha=1 \
	system,image=gamma=1 system,image=gamma,seccomp=default=1 >/dev/null || exit 1
run "$T/out" "$A" report "$T/x" --format md
sed -n '/^## Images/,/^## Memory/p' "$T/x/report.md" >"$T/x.md"
expect_line "$T/x.md" "- images against alpha: 1 comparison" "missing cells: one comparison"
expect_line "$T/x.md" "- gamma against alpha: alpha has no cell with system, seccomp=default" "missing cell in the baseline"
expect_line "$T/x.md" "- gamma against alpha: gamma has no cell with jemalloc, seccomp=none" "missing cell in the image"
expect_line "$T/x.md" "- seccomp cost in alpha: not measurable: alpha never runs seccomp=default" "no default in alpha"
expect_line "$T/x.md" "| gamma | rootfs | glibc | - | - | - | - | - | - |" "undescribed facts"
expect_in "$T/x.md" "^meta\\.json does not describe gamma \\(" "undescribed image said"
expect_in "$T/x.md" "^\\| gamma \\| system \\| none \\| not significant, CI [^|]* \\| the same memory \\| Python version of gamma unknown \\|\$" "unknown Python said"

# ---- report.html ---------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	run "$T/out" "$A" report "$T/m" --format html
	H="$T/m/report.html"
	expect_in "$H" '<h2 id="images">Images</h2>' "HTML section"
	expect_in "$H" '<a href="#images">images</a>' "HTML nav link"
	expect_in "$H" '<tr><th>beta</th><td>system</td><td>none</td><td class="slower">1\.50x slower \(\+50%\), CI ' "HTML speed row"
	expect_in "$H" '<li>seccomp cost in docker:img/x:1: not measurable: ' "HTML refusal"
	n=$(grep -c '<svg class="chart" role="img" aria-label="images"' "$H")
	if [ "$n" -eq 2 ]; then ok; else fail "HTML: $n image charts, want 2 (images, seccomp)"; fi
	if awk '/<h2 id="factors">/ {f=NR} /<h2 id="images">/ {i=NR} /<h2 id="memory">/ {m=NR} END {exit !(f < i && i < m)}' "$H"; then ok; else fail "HTML section order"; fi
	# a chart of one row (gnuplot 5.4 crashed on a label plot whose one
	# point is undefined: report.html was not written)
	run "$T/out" "$A" report "$T/x" --format html
	expect_in "$T/x/report.html" '<svg class="chart" role="img" aria-label="images"' "one-row image chart"
fi

run "$T/help" "$A" report --help
expect_in "$T/help" '--baseline-image NAME' "report --help lists --baseline-image"

t_done test_images
