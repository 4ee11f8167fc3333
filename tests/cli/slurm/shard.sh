# shard.sh: bench --shards N --shard K and --plan, run here without an
# engine, and report DIR of the shards: one host class whose report has the
# cells and runs of the same matrix run whole; a copy of one shard said to
# come from another CPU is a second class, and the conclusions across the
# two are sorted into hold / flip; another allocswap version is reported
# apart; partitions a_b, a-b and A_B (one slug) get a directory each.  The
# k8s manifest: parsed, the fields that matter checked, and
# --nodes-per-class K as its parallelism.
set -eu
ALLOCSWAP=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-shard-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
expect_usage() { # $1: what stderr must say; the rest: bench's options
	want=$1
	shift
	if "$ALLOCSWAP" bench "$@" >"$T/u.out" 2>"$T/u.err"; then
		fail "bench $* succeeded"
	fi
	grep -qF -- "$want" "$T/u.err" || fail "bench $*: wanted '$want', got: $(cat "$T/u.err")"
}

set -- -a system,none --cmd 'sleep 0.02' --cmd 'sleep 0.01' --cmd 'sleep 0.03' \
	--name a --name b --name c --runs 3 --memory-runs 0 -q

# ---- the plan and bad input ------------------------------------------------------------
"$ALLOCSWAP" bench "$@" --shards 2 --plan >"$T/plan.out" || fail "--plan"
cat >"$T/plan.want" <<'EOF'
2 shards of 3 benchmarks; each runs every configuration of the matrix, interleaved, on one host:
shard 0: 2 benchmarks: a,c
shard 1: 1 benchmark: b
EOF
diff "$T/plan.want" "$T/plan.out" >&2 || fail "--plan printed something else"
expect_usage "--shards 4: the matrix has 3 benchmarks, so at most 3 shards" "$@" --shards 4 --plan
expect_usage "--shard 3 of --shards 3: K is 0..2" "$@" --shards 3 --shard 3
expect_usage "--shards N needs --shard K (run one shard here), --plan, or --engine slurm|k8s" "$@" --shards 3
expect_usage "--shard K needs --shards N" "$@" --shard 1
expect_usage "--engine slurm needs -o DIR" "$@" --shards 3 --engine slurm
expect_usage "--engine k8s needs --emit DIR" "$@" --shards 3 --engine k8s
expect_usage "engine 'lsf' is not one of" "$@" --shards 3 --engine lsf
expect_usage "--resume DIR takes its shards and engine from DIR" --resume "$T" --shards 2
expect_usage "has no engine.json; --wait follows a Slurm array" --resume "$T" --wait
for k in 0 x -1 ''; do
	expect_usage "--nodes-per-class needs a number of nodes from 1 to 10000 (at most that many shards of a host class run at once), not '$k'" \
		"$@" --shards 3 --engine k8s --emit "$T/k8s" --nodes-per-class "$k"
done
expect_usage "--nodes-per-class goes with --engine slurm|k8s" "$@" --shards 3 --shard 0 --nodes-per-class 1
expect_usage "no --shards, --shard, --plan, --engine or --nodes-per-class with it" --resume "$T" --nodes-per-class 2

# ---- three shards here, and the same matrix whole ---------------------------------------------
for k in 0 1 2; do
	"$ALLOCSWAP" bench "$@" --shards 3 --shard $k -o "$T/d/shards/$k" >/dev/null ||
		fail "shard $k"
done
"$ALLOCSWAP" bench "$@" -o "$T/whole" >/dev/null || fail "the whole matrix"
"$ALLOCSWAP" report "$T/whole" --format json >/dev/null || fail "report of the whole matrix"
# compare takes one run: the shards' directory says what to do instead
if "$ALLOCSWAP" compare "$T/d" "$T/whole" >/dev/null 2>"$T/c.err"; then fail "compare of shards succeeded"; fi
[ "$(cat "$T/c.err")" = "allocswap: compare: $T/d holds the shards of a matrix, not one run: 'allocswap report $T/d' merges them into a directory per host class; compare one of those" ] ||
	fail "compare of shards before report: $(cat "$T/c.err")"
"$ALLOCSWAP" report "$T/d" >"$T/r.out" || fail "report of the shards: $(cat "$T/r.out")"
cls=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["classes"][0]["dir"])' "$T/d/summary.json")
if "$ALLOCSWAP" compare "$T/d" "$T/whole" >/dev/null 2>"$T/c.err"; then fail "compare of shards succeeded"; fi
[ "$(cat "$T/c.err")" = "allocswap: compare: $T/d holds the shards of a matrix, not one run: compare a host class's directory ($T/d/$cls)" ] ||
	fail "compare of shards after report: $(cat "$T/c.err")"
"$ALLOCSWAP" compare "$T/d/$cls:system" "$T/whole:system" >"$T/c.out" 2>&1 || fail "compare of a host class with the whole: $(cat "$T/c.out")"
grep -q "^$T/d: 3 shards in 1 host class" "$T/r.out" || fail "$(cat "$T/r.out")"
grep -q "One host class: nothing to compare across hosts." "$T/d/report.md" || fail "$(cat "$T/d/report.md")"
/usr/bin/python3 - "$T" <<'EOF' || fail "the shards' report differs from the whole matrix's"
import json, sys
t = sys.argv[1]
(cls,) = json.load(open(t + "/d/summary.json"))["classes"]
assert (cls["runs"], cls["expected"], cls["missing"], cls["duplicates"]) == (18, 18, 0, 0), cls
m = json.load(open(t + "/d/" + cls["dir"] + "/summary.json"))
w = json.load(open(t + "/whole/summary.json"))
cells = lambda s: sorted((c["bench"], c["config"], c["n"], c["failed"]) for c in s["cells"])
assert cells(m) == cells(w), (cells(m), cells(w))
assert [b["name"] for b in m["benchmarks"]] == ["a", "b", "c"]
meta = json.load(open(t + "/d/" + cls["dir"] + "/meta.json"))
assert [s["index"] for s in meta["shards"]] == [0, 1, 2] and meta["finished"], meta["shards"]
EOF

# ---- a second host class, and a second allocswap version ------------------------------------
mkdir -p "$T/x/shards"
cp -r "$T/d/shards/0" "$T/d/shards/1" "$T/d/shards/2" "$T/x/shards/"
cp -r "$T/whole" "$T/x/shards/3"
cp -r "$T/whole" "$T/x/shards/4"
/usr/bin/python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
for k, field, value in ((3, "host", {"cpu": "Other CPU", "nproc": 64, "hostname": "b"}),
                        (4, "allocswap", {"version": "0.0.9", "commit": "old"})):
    p = "%s/x/shards/%d/meta.json" % (t, k)
    m = json.load(open(p))
    m[field].update(value)
    json.dump(m, open(p, "w"))
EOF
"$ALLOCSWAP" report "$T/x" >"$T/x.out" 2>&1 || fail "report of two classes: $(cat "$T/x.out")"
grep -q "^$T/x: 5 shards in 3 host classes" "$T/x.out" || fail "$(cat "$T/x.out")"
grep -q "ran other allocswap or Python versions in other shards: reported apart, not mixed" \
	"$T/x/report.md" || fail "versions not flagged: $(cat "$T/x/report.md")"
/usr/bin/python3 - "$T" <<'EOF' || fail "the conclusions across hosts"
import json, sys
t = sys.argv[1]
s = json.load(open(t + "/x/summary.json"))
names = [c["name"] for c in s["classes"]]
assert len(names) == 3 and names[2] == names[0] + "-v2" and names[1].startswith("other-cpu-64cpu"), names
assert [c["flag"] is not None for c in s["classes"]] == [True, False, True]
assert [len(c["shards"]) for c in s["classes"]] == [3, 1, 1]
rows = s["across"]
assert rows and all(r["conclusion"] in ("holds everywhere", "flips", "not significant anywhere") for r in rows)
geo = [r for r in rows if r["bench"] is None]
assert len(geo) == 1 and set(geo[0]["by_class"]) == set(names), geo
for r in rows:
    sig = [v["significant"] and (v["ratio"] > 1) - (v["ratio"] < 1) for v in r["by_class"].values()]
    want = ("flips" if (1 in sig and -1 in sig) or (any(sig) and 0 in sig) or (any(sig) and False in sig)
            else "holds everywhere" if any(sig) else "not significant anywhere")
    assert r["conclusion"] == want, (r, want)
    assert r["said"].startswith(r["label"] + ": ") and " on " + names[1] in r["said"], r["said"]
EOF
grep -q "^## Across hosts" "$T/x/report.md" || fail "no Across hosts section"

# ---- partitions whose names differ only in _ - or case: a directory each ------------------
mkdir -p "$T/y/shards"
for p in a_b a-b A_B; do
	cp -r "$T/whole" "$T/y/shards/$p"
done
/usr/bin/python3 - "$T/y/shards" <<'EOF'
import json, sys
for p in ("a_b", "a-b", "A_B"):
    f = "%s/%s/meta.json" % (sys.argv[1], p)
    m = json.load(open(f))
    m["shard"] = {"index": 0, "count": 1, "benchmarks": [b["name"] for b in m["matrix"]["benchmarks"]],
                  "engine": {"name": "slurm", "partition": p}}
    json.dump(m, open(f, "w"))
EOF
"$ALLOCSWAP" report "$T/y" >"$T/y.out" 2>&1 || fail "report of three partitions: $(cat "$T/y.out")"
/usr/bin/python3 - "$T/y" <<'EOF' || fail "partitions a_b, a-b and A_B share a directory"
import json, os, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
got = sorted((os.path.basename(c["shards"][0]), c["dir"]) for c in s["classes"])
assert [len(c["shards"]) for c in s["classes"]] == [1, 1, 1], s["classes"]
assert [p for p, _ in got] == ["A_B", "a-b", "a_b"], got
assert len(set(d for _, d in got)) == 3 and all(d.startswith("hosts/a-b-") for _, d in got), got
for c in s["classes"]:
    (m,) = json.load(open(sys.argv[1] + "/" + c["dir"] + "/meta.json"))["shards"]
    assert m["dir"] == c["shards"][0], (c, m)
EOF

# ---- the Kubernetes manifest ------------------------------------------------------------------
"$ALLOCSWAP" bench "$@" --shards 3 --engine k8s --emit "$T/k8s" --k8s-image reg.example/allocswap:1 \
	>"$T/k.out" || fail "--engine k8s"
grep -q "^wrote $T/k8s/job.json: an Indexed Job of 3 shards" "$T/k.out" || fail "$(cat "$T/k.out")"
/usr/bin/python3 - "$T/k8s/job.json" <<'EOF' || fail "the manifest"
import json, sys
j = json.load(open(sys.argv[1]))
assert (j["apiVersion"], j["kind"]) == ("batch/v1", "Job")
s = j["spec"]
assert (s["completions"], s["parallelism"], s["completionMode"]) == (3, 3, "Indexed"), s
pod = s["template"]["spec"]
assert pod["restartPolicy"] == "Never"
(c,) = pod["containers"]
assert c["image"] == "reg.example/allocswap:1"
env = {e["name"]: e for e in c["env"]}
assert env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == \
    "metadata.annotations['batch.kubernetes.io/job-completion-index']"
assert c["command"][:2] == ["/bin/sh", "-c"]
script = c["command"][2]
# the index reaches the command: the shard and its directory
assert "k=${JOB_COMPLETION_INDEX:" in script and "d=/results/shards/$k" in script
assert "--shards 3 --shard \"$k\" -o \"$d\"" in script, script
assert "exec allocswap bench --resume \"$d\"" in script
assert "--cmd 'sleep 0.02'" in script and " -q " not in script and "--engine" not in script, script
(m,) = c["volumeMounts"]
(v,) = pod["volumes"]
assert m["mountPath"] == "/results" and m["name"] == v["name"]
assert v["persistentVolumeClaim"]["claimName"] == "allocswap-results"
aa = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
assert aa["topologyKey"] == "kubernetes.io/hostname"
assert aa["labelSelector"]["matchLabels"] == s["template"]["metadata"]["labels"]
EOF
# --nodes-per-class K: the Job runs at most K pods at once; the pods' command
# is the same
"$ALLOCSWAP" bench "$@" --shards 3 --engine k8s --emit "$T/k8s2" --nodes-per-class 2 \
	>"$T/k2.out" || fail "--engine k8s --nodes-per-class 2"
grep -q "^wrote $T/k8s2/job.json: an Indexed Job of 3 shards, 2 at once " "$T/k2.out" || fail "$(cat "$T/k2.out")"
/usr/bin/python3 - "$T/k8s/job.json" "$T/k8s2/job.json" <<'EOF' || fail "the manifest of --nodes-per-class 2"
import json, sys
a, b = (json.load(open(p))["spec"] for p in sys.argv[1:])
assert (b["completions"], b["parallelism"]) == (3, 2), b
cmd = lambda s: s["template"]["spec"]["containers"][0]["command"]
assert cmd(a) == cmd(b) and "nodes-per-class" not in cmd(b)[2], cmd(b)
EOF
# the container's script, run by sh with the index as Kubernetes sets it:
# shard 1 of the matrix, into the claim's directory
/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["spec"]["template"]["spec"]["containers"][0]["command"][2])' \
	"$T/k8s/job.json" | sed "s|/results|$T/claim|g; s|allocswap bench|\"\$ALLOCSWAP\" bench|g" >"$T/pod.sh"
JOB_COMPLETION_INDEX=1 ALLOCSWAP=$ALLOCSWAP sh "$T/pod.sh" >/dev/null 2>&1 || fail "the pod's script"
/usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["shard"]["index"] == 1 and [b["name"] for b in m["matrix"]["benchmarks"]] == ["b"] and m["shard"]["engine"] == {"name": "k8s", "index": "1", "pod": m["shard"]["engine"].get("pod")}, m["shard"]' \
	"$T/claim/shards/1/meta.json" || fail "the pod's shard"
echo "ok: shards, plan, report per host class and across, k8s manifest"
