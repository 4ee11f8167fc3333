#!/usr/bin/env bash
# perf_exit.sh: how long a process in full mode (ALLOCSWAP_STATS=full) makes
# its parent wait at exit, with and without the syscall tracepoints held.
#
# In full mode libswap counts mmap, munmap, mremap, brk and madvise with perf
# events on the tracepoints syscalls:sys_enter_* (tracefs mounted).  When a
# process's counters are the last perf users of a tracepoint, freeing them at
# exit unregisters the tracepoint, and the kernel waits for RCU grace periods
# there (kernel/trace/trace_event_perf.c, perf_trace_event_unreg:
# tracepoint_synchronize_unregister), once per tracepoint, before the parent
# can reap the process.  allocswap run and bench hold the five tracepoints
# open in the CLI process (_as_perf_hold_tracepoints, as_tracefs.h), so that a
# process's counters are never the last.
#
# Part 1, bench/perf_exit (a C program): PROG under LD_PRELOAD=libswap.so
# three ways, interleaved: counters, full with nothing held (before the fix),
# full while a holder process holds the tracepoints with the CLI's own code
# (after); the wall time from fork to wait4, median and quartiles of RUNS.
# Part 2, allocswap run --stats full --json: the process's wall time as the
# CLI measures it (proc.wall_ns, fork to wait4) and the whole command's,
# RUNS times; with --cli-before ALLOCSWAP (an allocswap built before the fix)
# the same with it, interleaved.  The whole command also pays the
# unregistration once, when the CLI exits and its held events go.
#
# Needs tracefs: where it is not mounted (or to leave the host as it is), the
# script runs itself again in a private mount namespace (unshare -m, root)
# with tracefs mounted there.  Other perf users of these tracepoints on the
# machine (perf stat, another allocswap run) hold them too and hide the delay:
# the output says which tracepoints had other users before it started.
set -eu

prog_name=perf_exit.sh

usage() {
	cat <<EOF
usage: bench/perf_exit.sh [options] [-- PROG [ARGS...]]
  --build DIR          meson build directory (default: build, at the repo root)
  --runs N             runs a way (default: 21)
  --cli-before PATH    an allocswap built before the fix, compared in part 2
  -o FILE              also write the output to FILE
  -h, --help           this text
PROG defaults to /bin/true.  Part 1 times PROG under libswap (counters, full,
full with the tracepoints held); part 2 under allocswap run --stats full.
EOF
}

die() {
	echo "$prog_name: $*" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=""
runs=21
before=""
out=""
orig_args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift 2 ;;
	--cli-before) [ $# -ge 2 ] || die "--cli-before needs a path"; before=$2; shift 2 ;;
	-o) [ $# -ge 2 ] || die "-o needs a file"; out=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
case $runs in
'' | *[!0-9]*) die "--runs takes a positive integer, got '$runs'" ;;
esac
[ "$runs" -gt 0 ] || die "--runs takes a positive integer, got '$runs'"
[ $# -gt 0 ] || set -- /bin/true
[ -n "$build" ] || build=$root/build
[ -d "$build" ] || die "build directory '$build' not found (meson setup build && ninja -C build)"
build=$(cd "$build" && pwd)
timer=$build/bench/perf_exit
libswap=$build/preload/libswap.so
cli=$build/tools/allocswap
for f in "$timer" "$libswap" "$cli"; do
	[ -e "$f" ] || die "$f not found (run: ninja -C ${build##*/})"
done
[ -z "$before" ] || [ -x "$before" ] || die "--cli-before: '$before' is not an executable"
if [ -n "$out" ]; then
	[ -d "$(dirname "$out")" ] || die "-o: directory '$(dirname "$out")' does not exist"
	out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
fi

is_tracefs() {
	[ "$(stat -f -c %T "$1" 2>/dev/null)" = tracefs ]
}

# tracefs: in a private mount namespace of our own, mounted there
if [ -z "${PERF_EXIT_NS:-}" ] && ! is_tracefs /sys/kernel/tracing; then
	[ "$(id -u)" = 0 ] || die "tracefs is not mounted and mounting it needs root (as root: mount -t tracefs nodev /sys/kernel/tracing)"
	exec env PERF_EXIT_NS=1 unshare -m --propagation private \
		sh -c 'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"' sh "$0" "${orig_args[@]}"
fi
is_tracefs /sys/kernel/tracing || die "tracefs is not mounted at /sys/kernel/tracing"

unset LD_PRELOAD
while IFS='=' read -r name _; do
	case $name in
	ALLOCSWAP_*) unset "$name" ;;
	esac
done < <(env)
export GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096
tmp=$(mktemp -d "${TMPDIR:-/tmp}/perf_exit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -z "$out" ] || exec > >(tee "$out")

# other perf users of the tracepoints: their ids in perf_event fdinfo is not
# shown, so count the processes holding any perf event at all
others=$(for d in /proc/[0-9]*; do
	ls -l "$d/fd" 2>/dev/null | grep -q 'anon_inode:\[perf_event\]' && echo "${d#/proc/}"
done | grep -vx "$$" | tr '\n' ' ' || true)

echo "# bench/perf_exit.sh ${orig_args[*]}"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- liballoc tools bench 2>/dev/null || echo ' (with changes)'), kernel $(uname -r), $(nproc) CPUs, load $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "# PROG: $*"
echo "# processes holding perf events before the start: ${others:-none}"
echo
echo "## 1. PROG under LD_PRELOAD=libswap.so (bench/perf_exit)"
"$timer" --libswap "$libswap" --runs "$runs" --reports "$tmp" -- "$@"

# one report of each full way, to say what was counted
LD_PRELOAD=$libswap ALLOCSWAP_STATS=full ALLOCSWAP_REPORT=$tmp/check.json "$@" >/dev/null
/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["syscalls"]
print("# full mode counted syscalls with: %s (mmap %s, munmap %s)" % (s["source"], s.get("mmap"), s.get("munmap")))
' "$tmp/check.json"

echo
echo "## 2. allocswap run --stats full -- PROG (ms: proc.wall_ns, fork to wait4, and the whole command)"
clis=("$cli")
[ -z "$before" ] || clis=("$before" "$cli")
for c in "${clis[@]}"; do : >"$tmp/$(echo "$c" | md5sum | cut -c1-8).txt"; done
for ((r = 0; r < runs; r++)); do
	for c in "${clis[@]}"; do
		f=$tmp/$(echo "$c" | md5sum | cut -c1-8)
		t0=$(date +%s%N)
		"$c" run -q --stats full --json -o "$f.json" -- "$@" >/dev/null 2>"$f.err" ||
			die "$c run failed: $(cat "$f.err")"
		t1=$(date +%s%N)
		/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["proc"]["wall_ns"], sys.argv[2])' \
			"$f.json" $((t1 - t0)) >>"$f.txt"
	done
done
for c in "${clis[@]}"; do
	f=$tmp/$(echo "$c" | md5sum | cut -c1-8)
	label=after
	[ "$c" != "$before" ] || label=before
	/usr/bin/python3 - "$f.txt" "$label" "$c" <<'EOF'
import statistics, sys
rows = [tuple(int(x) for x in l.split()) for l in open(sys.argv[1])]
proc = sorted(r[0] / 1e6 for r in rows)
cmd = sorted(r[1] / 1e6 for r in rows)
q = lambda v: statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
print("%-6s proc.wall_ns median %8.2f (p25 %.2f, p75 %.2f)   whole command median %8.2f (p25 %.2f, p75 %.2f)   %s"
      % (sys.argv[2], statistics.median(proc), q(proc)[0], q(proc)[2],
         statistics.median(cmd), q(cmd)[0], q(cmd)[2], sys.argv[3]))
EOF
done
echo
echo "# load after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
