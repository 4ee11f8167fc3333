# slurm.sh: bench --engine slurm on a real single-node Slurm cluster started
# here (cluster.sh).  A matrix of 2 allocators x 3 commands, run locally
# and as a job array of 3 shards (--wait): the merged report has the same
# cells, counts and runs as the local one, none missing or twice.  Then a
# second array with one task cancelled mid-run (scancel): --resume DIR
# submits that shard alone, the shard resumes, and nothing is lost or run
# twice.  Then --partition test,other: one array a partition, every shard
# in each, and the report has two host classes and compares them.  Then
# --nodes-per-class 1: the array and its resubmission throttled (%1), the
# second after the first.
# Skipped only when slurmctld cannot start.
set -eu
ALLOCSWAP=$1
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-slurm-test.XXXXXX")
skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*" >&2
	[ ! -f "$T/slurm/slurmctld.log" ] || tail -n 5 "$T/slurm/slurmctld.log" >&2
	exit 1
}
cancel_task() { # $1: job, $2: array task; scancel, then until squeue has it no more
	scancel "${1}_$2" || fail "scancel ${1}_$2"
	c=0
	while squeue -h -r -j "$1" -o %K 2>/dev/null | grep -q "^$2\$"; do
		[ $c -lt 600 ] || fail "task $2 is still queued after scancel"
		sleep 0.1
		c=$((c + 1))
	done
}
. "$HERE/cluster.sh"
trap 'cluster_stop; rm -rf "$T"' EXIT
cluster_start
"$ALLOCSWAP" doctor >"$T/doctor.out" 2>&1 || true
grep -q "^ok  engine slurm: .*/sbatch (squeue) answers$" "$T/doctor.out" ||
	fail "doctor does not see the cluster: $(grep engine "$T/doctor.out")"

# each shard: 2 configurations x 3 runs + 1 memory process, 0.3 s each.
# ./nap (benchmark b, so shard 1, the one cancelled below) is relative: every
# task runs where the matrix was submitted ($T), even one that --resume
# submits from elsewhere
cd "$T"
printf '#!/bin/sh\nexec sleep "$1"\n' >nap
chmod +x nap
set -- -a system,none --cmd 'sleep 0.3' --cmd './nap 0.2' --cmd 'sleep 0.25' \
	--name a --name b --name c --runs 3 --memory-runs 1
"$ALLOCSWAP" bench "$@" -q -o "$T/local" >/dev/null || fail "the local matrix"
"$ALLOCSWAP" report "$T/local" --format json >/dev/null || fail "report of the local matrix"

# ---- the array, followed to its end -------------------------------------------------------
"$ALLOCSWAP" bench "$@" --shards 3 --engine slurm -o "$T/arr" --wait >"$T/wait.out" 2>"$T/wait.err" ||
	fail "bench --engine slurm --wait: $(cat "$T/wait.out" "$T/wait.err")"
grep -q '^submitted Slurm job [0-9]*: array tasks 0-2 of ' "$T/wait.out" || fail "no submission line: $(cat "$T/wait.out")"
grep -q '^every shard finished; next: allocswap report ' "$T/wait.out" || fail "no end line: $(cat "$T/wait.out")"
grep -q '^3 shards: 3 finished, 0 running, 0 pending; 21 of 21 processes' "$T/wait.err" ||
	fail "no final progress line: $(cat "$T/wait.err")"
grep -q 'sacct does not answer here' "$T/wait.err" || fail "the missing accounting is not said"
for k in 0 1 2; do
	[ -f "$T/arr/shards/$k/meta.json" ] || fail "shard $k has no meta.json"
done
grep -q -- '--exclusive' "$T/arr/slurm/job.sh" || fail "job.sh does not ask for a node of its own"
[ -x "$T/arr/slurm/job.sh" ] && ! ls "$T/arr/slurm" | grep -q '\.tmp\.' ||
	fail "job.sh is not executable, or its temporary file is left: $(ls -l "$T/arr/slurm")"
"$ALLOCSWAP" report "$T/arr" >"$T/report.out" || fail "report of the array: $(cat "$T/report.out")"
grep -q "^$T/arr: 3 shards in 1 host class" "$T/report.out" || fail "$(cat "$T/report.out")"

# the merged report and the local one: the same cells, counts and runs
/usr/bin/python3 - "$T" <<'EOF' || fail "the merged report differs from the local run"
import glob, json, sys
t = sys.argv[1]
top = json.load(open(t + "/arr/summary.json"))
assert top["schema"] == "allocswap.hosts/1", top["schema"]
(cls,) = top["classes"]
assert (cls["runs"], cls["expected"], cls["missing"], cls["duplicates"], cls["unfinished"]) == (18, 18, 0, 0, 0), cls
assert len(cls["shards"]) == 3, cls["shards"]
merged = json.load(open(t + "/arr/" + cls["dir"] + "/summary.json"))
local = json.load(open(t + "/local/summary.json"))
cells = lambda s: sorted((c["bench"], c["config"], c["n"], c["failed"]) for c in s["cells"])
assert cells(merged) == cells(local), (cells(merged), cells(local))
assert [c["id"] for c in merged["configs"]] == [c["id"] for c in local["configs"]]
assert [b["name"] for b in merged["benchmarks"]] == ["a", "b", "c"], merged["benchmarks"]
def keys(path):
    ks = [(r["bench"], r["config"], r.get("role", "timed"), r["run"]) for r in map(json.loads, open(path))]
    assert len(ks) == len(set(ks)), "a run twice in " + path
    return set(ks)
assert keys(t + "/arr/" + cls["dir"] + "/runs.jsonl") == keys(t + "/local/runs.jsonl")
assert len(keys(t + "/local/runs.jsonl")) == 21
# the class's provenance: the command that submitted the array
cmd = json.load(open(t + "/arr/" + cls["dir"] + "/meta.json"))["command"]
assert cmd[:2] == ["allocswap", "bench"] and "--engine" in cmd and "--shard" not in cmd, cmd
for k in range(3):
    m = json.load(open("%s/arr/shards/%d/meta.json" % (t, k)))
    e = m["shard"].pop("engine")
    assert m["shard"] == {"index": k, "count": 3, "benchmarks": ["a", "b", "c"]}, m["shard"]
    assert (e["name"], e["partition"], e["task"]) == ("slurm", "test", str(k)), e
    assert [b["name"] for b in m["matrix"]["benchmarks"]] == ["abc"[k]]
    assert m["finished"] and m["host"]["cpu"], m
EOF

# ---- one task cancelled mid-run, then resumed -----------------------------------------------
"$ALLOCSWAP" bench "$@" --shards 3 --engine slurm -o "$T/kill" >"$T/kill.out" 2>&1 ||
	fail "bench --engine slurm: $(cat "$T/kill.out")"
job=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["jobs"][0]["id"])' "$T/kill/engine.json")
i=0
while [ "$(cat "$T/kill/shards/1/runs.jsonl" 2>/dev/null | wc -l)" -lt 2 ]; do
	[ $i -lt 1200 ] || fail "shard 1 never started: $(squeue -r -j "$job" 2>&1)"
	sleep 0.05
	i=$((i + 1))
done
cancel_task "$job" 1
before=$(wc -l <"$T/kill/shards/1/runs.jsonl")
[ "$before" -lt 7 ] || fail "shard 1 finished before it was cancelled ($before records)"
/usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["finished"] is None, m["finished"]' \
	"$T/kill/shards/1/meta.json" || fail "a cancelled shard says it finished"
cp "$T/kill/shards/1/runs.jsonl" "$T/kill1.before"
# the other tasks may still be queued: --resume submits task 1 alone and waits for all;
# from another directory, where ./nap is not
(cd / && "$ALLOCSWAP" bench --resume "$T/kill" --wait) >"$T/resume.out" 2>"$T/resume.err" ||
	fail "bench --resume --wait: $(cat "$T/resume.out" "$T/resume.err")"
grep -q "^submitted Slurm job [0-9]*: array tasks 1 of " "$T/resume.out" || fail "resume: $(cat "$T/resume.out")"
"$ALLOCSWAP" bench --resume "$T/kill" >"$T/again.out" 2>&1 || fail "resume of a finished array: $(cat "$T/again.out")"
grep -q "nothing to submit (0 shards queued, the others finished)" "$T/again.out" || fail "$(cat "$T/again.out")"
"$ALLOCSWAP" report "$T/kill" --format json >/dev/null || fail "report of the resumed array"
/usr/bin/python3 - "$T" <<'EOF' || fail "the resumed array lost or repeated runs"
import json, sys
t = sys.argv[1]
eng = json.load(open(t + "/kill/engine.json"))
assert [j["tasks"] for j in eng["jobs"]] == ["0-2", "1"], eng["jobs"]
before = open(t + "/kill1.before").read().splitlines()
after = open(t + "/kill/shards/1/runs.jsonl").read().splitlines()
# what was recorded before the cancellation is kept as it was (a cut last line
# is closed off and its run done again)
assert after[: len(before) - 1] == before[: len(before) - 1], "records before the kill changed"
recs = [json.loads(l) for l in after if l.strip().endswith("}")]
ks = [(r["bench"], r["config"], r.get("role", "timed"), r["run"]) for r in recs]
assert len(ks) == len(set(ks)) == 7, ks
m = json.load(open(t + "/kill/shards/1/meta.json"))
assert m["finished"] and len(m["resumed"]) == 1, m
(cls,) = json.load(open(t + "/kill/summary.json"))["classes"]
assert (cls["runs"], cls["missing"], cls["duplicates"]) == (18, 0, 0), cls
local = json.load(open(t + "/local/summary.json"))
merged = json.load(open(t + "/kill/" + cls["dir"] + "/summary.json"))
cells = lambda s: sorted((c["bench"], c["config"], c["n"], c["failed"]) for c in s["cells"])
assert cells(merged) == cells(local)
EOF

# ---- two partitions: two host classes, every shard in each --------------------------------------
"$ALLOCSWAP" bench "$@" --shards 3 --engine slurm --partition test,other -o "$T/two" --wait \
	>"$T/two.out" 2>"$T/two.err" || fail "--partition test,other: $(cat "$T/two.out" "$T/two.err")"
grep -q "^submitted Slurm job [0-9]*: array tasks 0-2 of $T/two/slurm/job.sh on test -> " "$T/two.out" &&
	grep -q "^submitted Slurm job [0-9]*: array tasks 0-2 of $T/two/slurm/job.sh on other -> " "$T/two.out" ||
	fail "one array a partition: $(cat "$T/two.out")"
grep -q '^6 shards: 6 finished, 0 running, 0 pending; 42 of 42 processes' "$T/two.err" ||
	fail "$(cat "$T/two.err")"
"$ALLOCSWAP" report "$T/two" >"$T/two-report.out" || fail "report of two partitions"
grep -q "^$T/two: 6 shards in 2 host classes" "$T/two-report.out" || fail "$(cat "$T/two-report.out")"
grep -q "^## Across hosts" "$T/two/report.md" || fail "no Across hosts section"
/usr/bin/python3 - "$T" <<'EOF' || fail "two partitions are not two host classes"
import json, sys
t = sys.argv[1]
s = json.load(open(t + "/two/summary.json"))
names = [c["name"] for c in s["classes"]]
assert sorted(n.split("-")[0] for n in names) == ["other", "test"], names
for c in s["classes"]:
    assert (c["runs"], c["missing"], c["duplicates"], len(c["shards"])) == (18, 0, 0, 3), c
    assert all(d.split("/")[-1].startswith(c["name"].split("-")[0] + "-") for d in c["shards"]), c
m = json.load(open(t + "/two/shards/other-2/meta.json"))
e = m["shard"]["engine"]
assert (e["name"], e["partition"], e["task"], e["node"]) == ("slurm", "other", "2", m["host"]["hostname"]), e
rows = s["across"]
assert {r["bench"] for r in rows} >= {None, "a", "b", "c"}, rows
assert all(set(r["by_class"]) == set(names) for r in rows), rows
EOF
# ---- --nodes-per-class 1: sbatch's throttle, kept by --resume ----------------------------------
# The node is one and each task --exclusive, so one task runs at a time
# anyway: what shows the throttle is Slurm's own word for the waiting tasks
# (JobArrayTaskLimit, not Resources).  Task 2 is cancelled while it waits
# and --resume submits it again at once, with the same throttle and after
# the first array (Dependency): never two tasks at a time.
"$ALLOCSWAP" bench "$@" --shards 3 --engine slurm --nodes-per-class 1 -o "$T/thr" >"$T/thr.out" 2>&1 ||
	fail "--nodes-per-class 1: $(cat "$T/thr.out")"
grep -q "^submitted Slurm job [0-9]*: array tasks 0-2%1 of $T/thr/slurm/job.sh -> $T/thr/shards$" "$T/thr.out" ||
	fail "the array is not throttled: $(cat "$T/thr.out")"
job=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["jobs"][0]["id"])' "$T/thr/engine.json")
scontrol show job "$job" | grep -q 'ArrayTaskThrottle=1' ||
	fail "Slurm does not hold the throttle: $(scontrol show job "$job" | grep -o 'ArrayTask[^ ]*')"
jobs=$job
limited=0
waited=0
i=0
while squeue -h -r -j "$jobs" -o '%i %K %T %r' >"$T/q" 2>/dev/null && [ -s "$T/q" ]; do
	[ "$(grep -c ' RUNNING ' "$T/q")" -le 1 ] || fail "two tasks run at once: $(cat "$T/q")"
	grep -q " PENDING Dependency$" "$T/q" && waited=1
	if [ $limited = 0 ] && grep -q "^${job}_2 2 PENDING JobArrayTaskLimit$" "$T/q"; then
		limited=1
		cancel_task "$job" 2
		"$ALLOCSWAP" bench --resume "$T/thr" >"$T/thr-resume.out" 2>&1 ||
			fail "--resume of a throttled array: $(cat "$T/thr-resume.out")"
		grep -q "^submitted Slurm job [0-9]*: array tasks 2%1 of $T/thr/slurm/job.sh -> $T/thr/shards, after job $job$" \
			"$T/thr-resume.out" || fail "--resume lost the throttle: $(cat "$T/thr-resume.out")"
		jobs=$job,$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["jobs"][1]["id"])' "$T/thr/engine.json")
	fi
	[ $i -lt 1200 ] || fail "the arrays never ended: $(cat "$T/q")"
	sleep 0.1
	i=$((i + 1))
done
[ $limited = 1 ] || fail "no task waited for the throttle (JobArrayTaskLimit)"
[ $waited = 1 ] || fail "the resubmitted array did not wait for the first (Dependency)"
/usr/bin/python3 - "$T" "$job" <<'EOF' || fail "engine.json of a throttled array"
import json, sys
t, job = sys.argv[1:]
eng = json.load(open(t + "/thr/engine.json"))
assert eng["nodes_per_class"] == 1, eng
assert [(j["tasks"], j.get("after")) for j in eng["jobs"]] == [("0-2", None), ("2", job)], eng["jobs"]
for k in range(3):
    assert json.load(open("%s/thr/shards/%d/meta.json" % (t, k)))["finished"], k
EOF
echo "ok: a 3-shard array equals the local matrix; a cancelled task resumed without loss or repeats; two partitions are two host classes; --nodes-per-class 1 throttles the array and its resubmission"
