# engine.sh: bench --engine slurm against a fake sbatch, squeue and sacct on
# PATH (each a few lines of sh: what they were asked goes to a log), and
# DIR/slurm/job.sh run by hand as Slurm would run an array task.  What is
# checked: the task runs in the directory the matrix was submitted from
# (--cmd ./app), a --cmd longer than 8 KiB reaches the task whole, a DIR
# with % in it keeps its name in #SBATCH --output, a squeue that fails once
# does not end --wait, a long partition name, the note on a runs.jsonl
# whose last line lacks only its newline, and what --resume says of a
# Kubernetes manifest's directory.
set -eu
ALLOCSWAP=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-engine-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
mkdir "$T/bin" "$T/work" "$T/elsewhere"
# sbatch: job 100, 101...; squeue: the lines of $T/squeue.N for its Nth
# call (exit 1 when that file says "fail"), nothing once they run out
cat >"$T/bin/sbatch" <<'SH'
#!/bin/sh
n=$(cat "$FAKE/sbatch.n" 2>/dev/null || echo 100)
echo $((n + 1)) >"$FAKE/sbatch.n"
echo "sbatch $*" >>"$FAKE/log"
echo "$n"
SH
cat >"$T/bin/squeue" <<'SH'
#!/bin/sh
n=$(($(cat "$FAKE/squeue.n" 2>/dev/null || echo 0) + 1))
echo $n >"$FAKE/squeue.n"
echo "squeue $*" >>"$FAKE/log"
if [ "$(cat "$FAKE/squeue.$n" 2>/dev/null)" = fail ]; then
	echo "squeue: error: Socket timed out on send/recv operation" >&2
	exit 1
fi
cat "$FAKE/squeue.$n" 2>/dev/null || true
SH
printf '#!/bin/sh\nexit 1\n' >"$T/bin/sacct"
chmod +x "$T/bin/sbatch" "$T/bin/squeue" "$T/bin/sacct"
export FAKE=$T PATH="$T/bin:$PATH"
task() { # $1: DIR, $2: the array task; job.sh as Slurm runs it, from elsewhere
	(cd "$T/elsewhere" && SLURM_ARRAY_TASK_ID=$2 sh "$1/slurm/job.sh") >"$T/task.out" 2>&1 ||
		fail "job.sh of $1, task $2: $(cat "$T/task.out")"
}

# ---- a relative --cmd runs where the matrix was submitted ---------------------------------
printf '#!/bin/sh\nexit 0\n' >"$T/work/app"
chmod +x "$T/work/app"
(cd "$T/work" && "$ALLOCSWAP" bench -a system --cmd ./app --name app --runs 2 --memory-runs 0 \
	--shards 1 --engine slurm -o ../rel >"$T/rel.out" 2>&1) || fail "submit: $(cat "$T/rel.out")"
task "$T/rel" 0
/usr/bin/python3 - "$T/rel/shards/0/runs.jsonl" <<'PY' || fail "./app did not run from the submit directory"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 2 and all(r["status"] == "ok" for r in recs), recs
PY
/usr/bin/python3 -c 'import json, os, sys; e = json.load(open(sys.argv[1])); assert os.path.samefile(e["cwd"], sys.argv[2]), e.get("cwd")' \
	"$T/rel/engine.json" "$T/work" || fail "engine.json does not say where the matrix was submitted"

# ---- a --cmd of 9000 characters reaches the task whole ------------------------------------
long="true '$(printf "%04600d" 0)' \"it's\" $(printf "%04480d" 1)"
"$ALLOCSWAP" bench -a system --cmd "$long" --name long --runs 1 --memory-runs 0 --shards 1 \
	--engine slurm -o "$T/long" >"$T/long.out" 2>&1 || fail "submit: $(cat "$T/long.out")"
sh -n "$T/long/slurm/job.sh" || fail "job.sh of a long --cmd is no shell script"
/usr/bin/python3 - "$T/long/slurm/job.sh" "$long" <<'PY' || fail "the long --cmd changed in job.sh"
import shlex, sys
(line,) = [l for l in open(sys.argv[1]) if l.startswith("exec ") and "--resume" not in l]
argv = shlex.split(line)
got = argv[argv.index("--cmd") + 1]
assert len(sys.argv[2]) > 9000 and got == sys.argv[2], (len(got), got[-40:])
PY
task "$T/long" 0
/usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); (b,) = m["matrix"]["benchmarks"]; assert b["cmd"] == sys.argv[2], b["cmd"][-40:]' \
	"$T/long/shards/0/meta.json" "$long" || fail "the task ran another command"

# ---- --wait: a squeue that fails once (its 3rd call) goes on waiting ----------------------
# $T/rel's shard 0 finished above; squeue has its task running until its 5th call
rm -f "$T/squeue.n"
echo "0 RUNNING" >"$T/squeue.1"
echo "0 RUNNING" >"$T/squeue.2"
echo fail >"$T/squeue.3"
echo "0 RUNNING" >"$T/squeue.4"
"$ALLOCSWAP" bench --resume "$T/rel" --wait >"$T/w.out" 2>"$T/w.err" ||
	fail "--wait ended on one failed squeue: $(cat "$T/w.out" "$T/w.err")"
grep -q "^every shard finished; next: allocswap report $T/rel\$" "$T/w.out" || fail "$(cat "$T/w.out")"
grep -q "^allocswap bench: note: squeue failed: squeue: error: Socket timed out on send/recv operation; trying again in 4s$" \
	"$T/w.err" || fail "the failed squeue is not said: $(cat "$T/w.err")"
[ "$(cat "$T/squeue.n")" = 5 ] || fail "squeue was called $(cat "$T/squeue.n") times, not 5"

# ---- --resume of a runs.jsonl whose last line lacks only its newline ----------------------
# (a shard's task killed between the record and its newline): the record
# counts, nothing is run again, and no note says otherwise; a line really
# cut off is said, and its run is done again
"$ALLOCSWAP" bench -a system --cmd true --name t --runs 3 --memory-runs 0 -q -o "$T/nl" >/dev/null ||
	fail "bench -o nl"
/usr/bin/python3 - "$T/nl/runs.jsonl" <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
assert b.endswith(b"\n") and b.count(b"\n") == 3
open(p, "wb").write(b[:-1])
PY
"$ALLOCSWAP" bench --resume "$T/nl" >"$T/nl.out" 2>"$T/nl.err" || fail "--resume nl: $(cat "$T/nl.err")"
! grep -q "cut off" "$T/nl.err" || fail "a whole last line is said to be cut off: $(cat "$T/nl.err")"
[ "$(wc -l <"$T/nl/runs.jsonl")" = 3 ] || fail "runs.jsonl: $(cat "$T/nl/runs.jsonl")"
/usr/bin/python3 - "$T/nl/runs.jsonl" <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
assert b.endswith(b"}\n") and b.count(b"\n") == 3, b[-20:]
open(p, "wb").write(b[:-10])
PY
"$ALLOCSWAP" bench --resume "$T/nl" >"$T/nl.out" 2>"$T/nl.err" || fail "--resume nl: $(cat "$T/nl.err")"
grep -q "^allocswap bench: note: the last line of $T/nl/runs.jsonl was cut off mid-write; it is left as it is and its run is done again\$" \
	"$T/nl.err" || fail "the cut line is not said: $(cat "$T/nl.err")"
/usr/bin/python3 - "$T/nl/runs.jsonl" <<'PY' || fail "the cut run was not done again"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "" and len(lines) == 5, lines
assert sorted(json.loads(l)["run"] for l in lines[:2] + lines[3:4]) == [0, 1, 2], lines
PY

# ---- --resume of a Kubernetes Job's directory: how to run the Job again --------------------
"$ALLOCSWAP" bench -a system --cmd true --shards 1 --engine k8s --emit "$T/k8s" >/dev/null ||
	fail "--engine k8s"
want="allocswap bench: --resume $T/k8s: a Kubernetes Job (job.json) is not followed by allocswap; once it failed (backoffLimit), kubectl apply of the same Job changes nothing: kubectl delete job allocswap-bench, then kubectl apply -f $T/k8s/job.json (or kubectl replace --force -f $T/k8s/job.json); each pod resumes its shard from the claim's shards/K, and a finished one runs nothing"
for with in job.json engine.json; do
	[ $with = job.json ] || echo '{"schema": "allocswap.engine/1", "engine": "k8s", "shards": 1}' >"$T/k8s/engine.json"
	if "$ALLOCSWAP" bench --resume "$T/k8s" >"$T/k.out" 2>"$T/k.err"; then fail "--resume of a k8s Job succeeded"; fi
	[ "$(cat "$T/k.err")" = "$want" ] || fail "--resume of a k8s Job ($with) says: $(cat "$T/k.err")"
done

# ---- a DIR with % in its name: sbatch's --output expands %j, %A... --------------------------
"$ALLOCSWAP" bench -a system --cmd true --shards 1 --engine slurm -o "$T/p%j" >"$T/p.out" 2>&1 ||
	fail "submit into p%j: $(cat "$T/p.out")"
grep -qxF "#SBATCH --output=$T/p%%j/slurm/%A_%a.out" "$T/p%j/slurm/job.sh" ||
	fail "the output of a DIR with %: $(grep output "$T/p%j/slurm/job.sh")"
task "$T/p%j" 0
[ -f "$T/p%j/shards/0/meta.json" ] || fail "the task of p%j did not write its shard there"

# ---- a long partition name: its finished shards are finished ------------------------------
long_p=$(printf 'p%.0s' $(seq 100))
"$ALLOCSWAP" bench -a system --cmd true --shards 1 --engine slurm --partition "$long_p,other" \
	-o "$T/lp" >"$T/lp.out" 2>&1 || fail "submit to a long partition: $(cat "$T/lp.out")"
for p in "$long_p" other; do
	export SLURM_JOB_PARTITION=$p
	task "$T/lp" 0
	unset SLURM_JOB_PARTITION
done
[ -f "$T/lp/shards/$long_p-0/meta.json" ] || fail "no shard $long_p-0: $(ls "$T/lp/shards")"
: >"$T/log"
"$ALLOCSWAP" bench --resume "$T/lp" >"$T/lp.out" 2>&1 || fail "--resume lp: $(cat "$T/lp.out")"
[ "$(cat "$T/lp.out")" = "$T/lp: nothing to submit (0 shards queued, the others finished)" ] ||
	fail "--resume of finished shards of a long partition: $(cat "$T/lp.out")"
! grep -q sbatch "$T/log" || fail "sbatch was called: $(cat "$T/log")"
too_long=$(printf 'p%.0s' $(seq 201))
if "$ALLOCSWAP" bench -a system --cmd true --shards 1 --engine slurm --partition "$too_long" \
	-o "$T/lp2" >"$T/lp.out" 2>&1; then fail "a partition name of 201 characters accepted"; fi
grep -qF -- "--partition '$too_long': a Slurm partition name (letters, digits, _ . -; at most 200)" "$T/lp.out" ||
	fail "$(cat "$T/lp.out")"

echo "ok: bench --engine slurm with a fake sbatch and squeue"
