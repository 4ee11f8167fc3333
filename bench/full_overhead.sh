#!/usr/bin/env bash
# full_overhead.sh: what ALLOCSWAP_STATS=full costs the built-in Python
# workloads, against counters, per allocator.
#
#   allocswap bench -a system,jemalloc,mimalloc --stats counters,full --quick -o DIR
#   allocswap report DIR
#
# then, from DIR/summary.json, each allocator's geometric mean of the time
# ratios full / counters over the suite's benchmarks, with report's 95% CI,
# against the profiling issue's target: full at most 2% slower than counters.
# report compares a stats mode with counters on the same allocator
# (summary.h), so these are its own figures, not recomputed here.
#
# The verdict goes by the point estimate; whether the CI settles it is said
# next to it (on a noisy machine a quick matrix often cannot tell 1% from 3%).
# What full mode really ran with (perf, syscalls, sampling, timeline) is read
# from the libswap reports in DIR/runs.jsonl and printed, so that a figure
# never hides a part of full mode that was off.
set -eu

prog_name=full_overhead.sh
target=2
allocators=system,jemalloc,mimalloc
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
dir=""
report_only=0
check=0

usage() {
	cat <<EOF
usage: bench/full_overhead.sh [options] [-- BENCH_OPTIONS...]
  -o DIR            results directory (default: results/full-overhead-YYYYmmdd-HHMMSS)
  -a, --allocators LIST  (default: $allocators)
  --target PCT      full may be at most PCT% slower than counters (default: $target)
  --build DIR       meson build directory (default: build, at the repo root)
  --report-only     DIR holds a finished matrix: only report and judge it
  --check           exit 1 when an allocator misses the target
  -h, --help        this text
BENCH_OPTIONS go to allocswap bench after --quick (for example --runs 10).
EOF
}

die() {
	echo "$prog_name: $*" >&2
	exit 2
}

extra=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || die "-o needs a directory"; dir=$2; shift 2 ;;
	-a | --allocators) [ $# -ge 2 ] || die "$1 needs a list"; allocators=$2; shift 2 ;;
	--target) [ $# -ge 2 ] || die "--target needs a percentage"; target=$2; shift 2 ;;
	--build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift 2 ;;
	--report-only) report_only=1; shift ;;
	--check) check=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
case $target in
'' | *[!0-9.]* | *.*.*) die "--target needs a percentage such as 2 or 1.5, got '$target'" ;;
esac
allocswap=$build/tools/allocswap
[ -x "$allocswap" ] || die "$allocswap not found (run: meson setup build && ninja -C build)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed (the suite runs on it too)"
if [ -z "$dir" ]; then
	[ $report_only = 0 ] || die "--report-only needs -o DIR"
	dir=results/full-overhead-$(date +%Y%m%d-%H%M%S)
fi

if [ $report_only = 0 ]; then
	"$allocswap" bench -a "$allocators" --stats counters,full --quick -o "$dir" \
		${extra[@]+"${extra[@]}"}
fi
"$allocswap" report "$dir" --format md,json >/dev/null

python3 - "$dir" "$target" "$check" <<'PYEOF'
import collections, json, statistics, sys

d, target, check = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
s = json.load(open(d + "/summary.json"))
cfg = {c["id"]: c for c in s["configs"]}
geo = {g["config"]: g for g in s["geomean"]}
m = (s.get("meta") or {})
print("%s: %s" % (d, " ".join(m.get("command", []))))
print("host %s, %s CPUs, kernel %s; allocswap commit %s" % (
    m.get("host", {}).get("cpu", "?"), m.get("host", {}).get("nproc", "?"),
    m.get("host", {}).get("kernel", "?"), m.get("allocswap", {}).get("commit", "?")))
print("full vs counters, geometric mean of the per-benchmark time ratios (95%% CI);"
      " target: full at most +%g%%" % target)
failed = 0
rows = 0
for c in s["configs"]:
    if c.get("stats") != "full":
        continue
    base = cfg.get(c.get("baseline"))
    g = geo.get(c["id"])
    if not base or base.get("stats") != "counters" or not g or g.get("ratio") is None:
        print("%-10s no comparison with counters (baseline %s)" % (c["allocator"], c.get("baseline")))
        failed += 1
        continue
    rows += 1
    # report's ratio is a speed-up (counters time / full time): its
    # inverse is full's time over counters'
    t = 1 / g["ratio"]
    lo, hi = (1 / g["ci95"][1], 1 / g["ci95"][0]) if g.get("ci95") else (float("nan"),) * 2
    lim = 1 + target / 100
    verdict = "PASS" if t <= lim else "FAIL"
    if hi <= lim:
        settled = "the whole CI is within the target"
    elif lo > lim:
        settled = "the whole CI is beyond the target"
    else:
        settled = "the CI straddles the target: not settled by this run"
    nsig = sum(1 for x in s["cells"] if x["config"] == c["id"] and x.get("significant"))
    # two decimals: the verdict compares the unrounded ratio with the target
    print("%-10s %.4fx time (%+.2f%%), CI %+.1f%% .. %+.1f%%, %d benchmarks, %d significant:"
          " %s (%s)" % (c["allocator"], t, 100 * (t - 1), 100 * (lo - 1), 100 * (hi - 1),
                         g.get("k", 0), nsig, verdict, settled))
    failed += verdict == "FAIL"

# what full mode ran with, from the processes' own reports
src = collections.defaultdict(collections.Counter)
samples = []
n = 0
for line in open(d + "/runs.jsonl"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    rep = r.get("report") or {}
    if r.get("stats", "counters") != "full" or not rep:
        continue
    n += 1
    for k, v in (("perf", rep.get("perf")), ("hardware", (rep.get("perf") or {}).get("hardware")),
                 ("syscalls", rep.get("syscalls")), ("sampling", rep.get("sampling")),
                 ("timeline", rep.get("timeline_info"))):
        v = v or {}
        why = (v.get("reason") or "").split(";")[0]
        src[k][v.get("source", "?") + (" (" + why[:90] + ")" if why else "")] += 1
    samples.append((rep.get("sampling") or {}).get("samples", 0))
print("full-mode processes: %d; what their reports say:" % n)
for k in ("perf", "hardware", "syscalls", "sampling", "timeline"):
    print("  %-9s %s" % (k, "; ".join("%s x%d" % kv for kv in src[k].most_common())))
if samples:
    print("  samples per process: median %g, max %d" % (statistics.median(samples), max(samples)))
if rows == 0:
    sys.exit(1)
sys.exit(1 if check and failed else 0)
PYEOF
