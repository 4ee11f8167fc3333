#!/bin/sh
# CPU time beside wall time, and the signs of contention (launch.h): the
# built-in suite's records carry cpu_values as long as values, each at most
# its wall value (the CPU clock is read inside the wall interval), and proc
# has the context switches, the run-queue wait, steal time and the machine's
# runnable tasks; the cmd suite's cpu value is the process's user + sys, not
# complete (report --time cpu takes it).  Then the same benchmark
# beside a CPU-bound neighbour pinned to the same CPU: it waits in the run
# queue for a large part of its wall time, and its CPU time stays well below
# its wall time.  Only what must hold on a loaded 2-core machine is asserted.
. "$(dirname "$0")/lib.sh"

NB=""
trap '[ -z "$NB" ] || kill "$NB" 2>/dev/null; rm -rf "$T"' EXIT
# whether this kernel has schedstat (CONFIG_SCHED_INFO): runq_wait_ns is null without
[ -r /proc/self/schedstat ] && SCHED=1 || SCHED=0
export SCHED

# the shape of the records, on a quiet or a busy machine alike
"$ALLOCSWAP" bench -a system --bench nbody,threads_alloc --runs 1 --loops 2 --values 3 \
	--warmups 1 --warmup-runs 0 --pymalloc on -q -o "$T/plain" >/dev/null 2>"$T/err" ||
	fail "bench exited $?: $(cat "$T/err")"
json_check "$T/plain/runs.jsonl" <<'PY'
import os
sched = os.environ["SCHED"] == "1"
benches = set()
for r in data:
    assert r["status"] == "ok", r.get("error")
    benches.add(r["bench"])
    v, c = r["values"], r["cpu_values"]
    assert len(v) == len(c) == 3, (v, c)
    assert len(r["cpu_warmups"]) == len(r["warmups"]) == 1, r
    # cpu_complete: whether the benchmark thread does all the timed work
    assert r["cpu_complete"] is (r["bench"] == "nbody"), r["cpu_complete"]
    for wall, cpu in zip(v, c):
        assert cpu > 0, c
        if r["bench"] == "nbody":  # single-threaded
            assert cpu <= wall * 1.05, (wall, cpu)
    p = r["proc"]
    for k in ("nvcsw", "nivcsw"):
        assert isinstance(p[k], int) and p[k] >= 0, (k, p[k])
    if sched:
        assert isinstance(p["runq_wait_ns"], int) and 0 <= p["runq_wait_ns"] <= p["wall_ns"], p
    else:
        assert p["runq_wait_ns"] is None, p
    assert p["steal_ns"] is None or (isinstance(p["steal_ns"], int) and p["steal_ns"] >= 0), p
    for k in ("running_start", "running_end"):
        assert isinstance(p[k], int) and p[k] >= 1, (k, p[k])  # this launcher at least
assert benches == {"nbody", "threads_alloc"}, benches
PY

# --cmd: one process is one value, its CPU value the process's user + sys
"$ALLOCSWAP" bench -a system --cmd true --runs 1 --warmup-runs 0 --memory-runs 0 -q -o "$T/cmd" \
	>/dev/null 2>"$T/err" || fail "bench --cmd exited $?: $(cat "$T/err")"
json_check "$T/cmd/runs.jsonl" <<'PY'
for r in data:
    assert r["status"] == "ok", r.get("error")
    assert r["cpu_complete"] is False, r
    p = r["proc"]
    assert r["cpu_values"] == [(p["user_ns"] + p["sys_ns"]) / 1e9], (r["cpu_values"], p)
    assert isinstance(r["proc"]["nivcsw"], int), r["proc"]
PY

# one sample per process is the median of its values: one value stretched
# 50 times by a burst of load leaves it as it was (a mean would move 17x)
mkdir "$T/stretched"
/usr/bin/python3 - "$T/plain/runs.jsonl" "$T/stretched/runs.jsonl" <<'PY' || fail "could not edit runs.jsonl"
import json, sys
out = open(sys.argv[2], "w")
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["bench"] == "nbody":
        r["values"] = [0.010, 0.011, 0.500]
        r["cpu_values"] = [0.009, 0.010, 0.450]
    out.write(json.dumps(r) + "\n")
PY
cp "$T/plain/meta.json" "$T/stretched/"
for clock in wall cpu; do
	"$ALLOCSWAP" report --time "$clock" "$T/stretched" >/dev/null 2>"$T/err" ||
		fail "report --time $clock exited $?: $(cat "$T/err")"
	CLOCK=$clock json_check "$T/stretched/summary.json" <<'PY'
import os
want = {"wall": 0.011, "cpu": 0.010}[os.environ["CLOCK"]]
cell = next(c for c in data["cells"] if c["bench"] == "nbody")
assert cell["samples"] == [want], (os.environ["CLOCK"], cell["samples"])
PY
done

# a CPU-bound neighbour on the CPU the benchmark is pinned to
if ! command -v taskset >/dev/null 2>&1; then
	echo "ok: cpu (skipped the neighbour: no taskset)"
	exit 0
fi
cpu=$(taskset -pc $$ | sed 's/.*: *//;s/[-,].*//')
taskset -c "$cpu" sh -c 'while :; do :; done' &
NB=$!
# nbody's 16 loops: a value of 80 ms alone, several of the scheduler's slices
taskset -c "$cpu" "$ALLOCSWAP" bench -a system --bench nbody --runs 2 --loops 16 --values 3 \
	--warmups 0 --warmup-runs 0 --pymalloc on -q -o "$T/busy" >/dev/null 2>"$T/err" ||
	fail "bench beside a neighbour exited $?: $(cat "$T/err")"
kill "$NB"
NB=""
json_check "$T/busy/runs.jsonl" <<'PY'
import os
sched = os.environ["SCHED"] == "1"
assert data
for r in data:
    assert r["status"] == "ok", r.get("error")
    p = r["proc"]
    wall, cpu = sum(r["values"]), sum(r["cpu_values"])
    # sharing one CPU with a task that never sleeps: about half of each
    assert cpu <= 0.8 * wall, ("cpu time not below wall", cpu, wall)
    if sched:
        assert p["runq_wait_ns"] > 0.2 * p["wall_ns"], ("run-queue wait", p)
    assert p["nivcsw"] > 0, p  # preempted
PY
echo "ok: cpu"
