#!/bin/sh
# runner_overhead.sh: what `allocswap bench` adds to each process it runs.
#
# The plain command: CMD run as `/bin/sh -c CMD` (as bench runs it) R times
# in a tight posix_spawn + waitpid loop (Python's os.posix_spawn), each
# timed; the median and mean per process.
#
# Under the runner: `allocswap bench --suite cmd --cmd CMD -a none` (no
# preload: the same process as the plain one) with R and with 2R runs; the
# difference of the two total wall times over R is the marginal cost of one
# process under the runner (spawning it, reading its output and report,
# building the record, appending it to runs.jsonl with an fsync), free of
# the fixed start-up (probe, meta.json).  Overhead = that minus the plain
# command's mean.  The same with -a system shows what the libswap preload
# itself adds to a process start (a property of the configuration, not of
# the runner), against the plain command run with libswap preloaded by hand.
#
# The target (issue 3): the runner's own overhead per run is under 5 ms plus
# the benchmark.  This is a benchmark, not a timed test: it prints figures.
set -eu

build=build
runs=200
cmd=/bin/true
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--cmd) cmd=$2; shift 2 ;;
	-h | --help)
		cat <<EOF
usage: bench/runner_overhead.sh [--build DIR] [--runs R] [--cmd CMD]
  --build DIR   meson build directory (default: build)
  --runs R      processes per measurement (default: 200)
  --cmd CMD     the command (default: /bin/true)
EOF
		exit 0 ;;
	*) echo "runner_overhead.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

exe=$build/tools/allocswap
libswap=$build/preload/libswap.so
py=/usr/bin/python3
[ -x "$exe" ] || { echo "runner_overhead.sh: $exe not built" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runner-overhead.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# plain R: per-process wall times (ns), one a line
plain() {
	"$py" - "$runs" "$cmd" "$@" <<'EOF'
import os, sys, time
n, cmd, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
env = dict(os.environ)
for kv in extra:
    k, v = kv.split("=", 1)
    env[k] = v
argv = ["/bin/sh", "-c", cmd]
for _ in range(20):  # warm the page cache and the allocator
    os.waitpid(os.posix_spawn(argv[0], argv, env), 0)
for _ in range(n):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env)
    os.waitpid(pid, 0)
    print(time.perf_counter_ns() - t0)
EOF
}

# runner ALLOC N: total wall ns of `allocswap bench` with N runs; the child
# walls go to $tmp/walls.ALLOC.N
runner() {
	rm -rf "$tmp/out"
	t0=$("$py" -c 'import time; print(time.perf_counter_ns())')
	"$exe" bench --suite cmd --cmd "$cmd" -a "$1" --runs "$2" --warmup-runs 0 -q \
		-o "$tmp/out" >/dev/null
	t1=$("$py" -c 'import time; print(time.perf_counter_ns())')
	"$py" -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["proc"]["wall_ns"])' "$tmp/out/runs.jsonl" >"$tmp/walls.$1.$2"
	echo $((t1 - t0))
}

stats() { # file -> "median mean" in ms
	"$py" -c 'import statistics, sys
v = [int(l) for l in open(sys.argv[1])]
print("%.3f %.3f" % (statistics.median(v) / 1e6, statistics.mean(v) / 1e6))' "$1"
}

echo "command: /bin/sh -c '$cmd', $runs processes per measurement, $(nproc) CPUs"
printf '%-10s %14s %14s %14s %14s %12s\n' alloc "plain median" "plain mean" "child median" \
	"per process" "overhead"
for alloc in none system; do
	if [ $alloc = none ]; then
		plain >"$tmp/plain"
	else
		plain LD_PRELOAD="$libswap" ALLOCSWAP_ALLOCATOR=system ALLOCSWAP_STATS=counters \
			ALLOCSWAP_REPORT="$tmp/r-%p.json" >"$tmp/plain"
	fi
	t1=$(runner $alloc "$runs")
	t2=$(runner $alloc $((2 * runs)))
	set -- $(stats "$tmp/plain")
	pmed=$1 pmean=$2
	set -- $(stats "$tmp/walls.$alloc.$((2 * runs))")
	cmed=$1
	"$py" -c 'import sys
t1, t2, n, pmed, pmean, cmed = map(float, sys.argv[1:7])
per = (t2 - t1) / n / 1e6
print("%-10s %11.3f ms %11.3f ms %11.3f ms %11.3f ms %9.3f ms" % (sys.argv[7], pmed, pmean, cmed, per, per - pmean))' \
		"$t1" "$t2" "$runs" "$pmed" "$pmean" "$cmed" "$alloc"
done
echo "per process: the marginal wall time of one more run under allocswap bench (2R runs - R runs, over R)"
echo "overhead: per process - plain mean (the runner's own cost per run; the target is < 5 ms)"
