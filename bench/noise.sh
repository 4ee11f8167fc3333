#!/usr/bin/env bash
# noise.sh: does the matrix keep its power on a busy machine?
#
# For each load (0, 1, 2 CPU-bound neighbours by default: `sh -c 'while :;
# do :; done'`, not pinned, started before and killed after), two quick
# matrices of the built-in suite, one after the other:
#
#   effect  allocswap bench -a system,mimalloc --quick --libc glibc --image host
#   A/A     allocswap bench -a jemalloc,jemalloc_b=<the same libjemalloc.so.2>
#           --quick --libc glibc --image host
#
# The A/A's two configurations run the same allocator file behind libswap
# (one by the table's name, one by its path): everything but the label is
# the same, so anything "significant" there is a false positive.  Each
# matrix is reported twice: with report's default clock (auto: the
# benchmark thread's CPU time where it covers the work) and with --time
# wall, so that the table shows what CPU time buys.
#
# Goals (issue 9): bytes_churn's effect (mimalloc ~2x faster on the quiet
# reference run) detected at every load; the A/A at most 1 of the suite's
# benchmarks significant, and its geometric mean within +-1%.
#
# Everything it prints comes from report's own summary.json; nothing is
# recomputed.  Each matrix's directory is kept under -o DIR.
set -eu

prog_name=noise.sh
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
loads="0 1 2"
out=""
report_only=0
extra=()

usage() {
	cat <<EOF
usage: bench/noise.sh [options] [-- BENCH_OPTIONS...]
  -o DIR        where the matrices go (default: results/noise-YYYYmmdd-HHMMSS)
  --loads LIST  numbers of CPU-bound neighbours (default: 0,1,2)
  --build DIR   meson build directory (default: build, at the repo root)
  --report-only -o DIR holds the matrices already: only report them and print the table
  -h, --help    this text
BENCH_OPTIONS go to both allocswap bench commands after --quick.
EOF
}

die() {
	echo "$prog_name: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || die "-o needs a directory"; out=$2; shift 2 ;;
	--loads) [ $# -ge 2 ] || die "--loads needs a list such as 0,1,2"; loads=${2//,/ }; shift 2 ;;
	--loads=*) loads=${1#*=}; loads=${loads//,/ }; shift ;;
	--build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--report-only) report_only=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
for n in $loads; do
	case $n in '' | *[!0-9]*) die "--loads: '$n' is not a number of neighbours" ;; esac
done
A=$build/tools/allocswap
[ -x "$A" ] || die "$A is not built (meson setup build && ninja -C build)"
je=$(ldconfig -p | sed -n 's|.*libjemalloc\.so\.2 (libc6,x86-64) => ||p' | head -n 1)
[ -n "$je" ] || die "libjemalloc.so.2 is not installed (apt-get install libjemalloc2): the A/A needs it"
[ $report_only -eq 0 ] || [ -n "$out" ] || die "--report-only needs -o DIR"
[ -n "$out" ] || out=results/noise-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"

pids=()
stop_neighbours() {
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" 2>/dev/null || true
	pids=()
}
trap stop_neighbours EXIT INT TERM

summary() { # DIR CLOCK -> DIR/summary-CLOCK.json
	"$A" report "$1" --time "$2" --format json >/dev/null
	mv "$1/summary.json" "$1/summary-$2.json"
}

[ $report_only -eq 1 ] ||
	echo "noise.sh at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, $(uptime | sed 's/.*load average/load average/')"
for n in $loads; do
	if [ $report_only -eq 1 ]; then
		for d in "$out/effect-load$n" "$out/aa-load$n"; do
			[ -f "$d/runs.jsonl" ] || die "$d has no runs.jsonl"
			summary "$d" auto
			summary "$d" wall
		done
		continue
	fi
	for ((i = 0; i < n; i++)); do
		sh -c 'while :; do :; done' &
		pids+=($!)
	done
	echo "load $n: ${#pids[@]} neighbours running; $(uptime | sed 's/.*load average/load average/')"
	"$A" bench -a system,mimalloc --quick --libc glibc --image host "${extra[@]}" -q \
		-o "$out/effect-load$n" >/dev/null
	"$A" bench -a "jemalloc,jemalloc_b=$je" --quick --libc glibc --image host "${extra[@]}" -q \
		-o "$out/aa-load$n" >/dev/null
	stop_neighbours
	for d in "$out/effect-load$n" "$out/aa-load$n"; do
		summary "$d" auto
		summary "$d" wall
	done
done

/usr/bin/python3 - "$out" $loads <<'PY'
import json, sys
out, loads = sys.argv[1], sys.argv[2:]
def load(d, clock):
    return json.load(open("%s/summary-%s.json" % (d, clock)))
def other(s):
    return [c for c in s["cells"] if c["config"] != c["baseline"]]
def geo(s):
    (g,) = [g for g in s["geomean"] if g["config"] != g["baseline"]]
    return g
rows = []
print()
print("| load | clock | bytes_churn, mimalloc vs system | effect: significant | A/A: significant | A/A geomean (95% CI) | contended processes |")
print("|---:|---|---|---:|---:|---|---:|")
for n in loads:
    for clock in ("auto", "wall"):
        e = load("%s/effect-load%s" % (out, n), clock)
        a = load("%s/aa-load%s" % (out, n), clock)
        bc = [c for c in other(e) if c["bench"] == "bytes_churn"]
        bc = bc[0]["verdict"] if bc else "-"
        es = sum(1 for c in other(e) if c["significant"])
        aa = sum(1 for c in other(a) if c["significant"])
        g = geo(a)
        cont = sum(c.get("contended", 0) for c in e["cells"] + a["cells"])
        known = sum(c.get("contention_known", 0) for c in e["cells"] + a["cells"])
        clocks = sorted({c.get("clock", "wall") for c in e["cells"]})
        print("| %s | %s (%s) | %s | %d of %d | %d of %d | %.3f (%.3f-%.3f) | %d of %d |" % (
            n, clock, "/".join(clocks), bc, es, len(other(e)), aa, len(other(a)), g["ratio"],
            g["ci95"][0], g["ci95"][1], cont, known))
print()
print("Goals: bytes_churn detected at every load; A/A at most 1 significant, geomean within +-1%.")
PY
