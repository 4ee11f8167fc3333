#!/bin/sh
# launch.sh CASE ALLOCSWAP ENGINE_SH: the runners of tools/launch/launch.h.
set -eu
CASE=$1 A=$2 ENGINE_SH=$3
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-launch.XXXXXX")
ENGINE_ON_EXIT='rm -rf "$T"'
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL (launch-$CASE): $*" >&2
	exit 1
}
skip() {
	echo "SKIP (launch-$CASE): $*"
	exit 77
}
# json FILE EXPR...: each Python expression over j must hold
json() {
	f=$1
	shift
	for e in "$@"; do
		"$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($e) else 1)" "$f" ||
			{ echo "--- $f:" >&2; head -c 2000 "$f" >&2; fail "false: $e"; }
	done
}

# the image: built once and cached (about 40 s the first time)
if ! "$A" image build bookworm >"$T/build.out" 2>"$T/build.err"; then
	skip "the bookworm image cannot be built here: $(tail -n 1 "$T/build.err")"
fi
ROOT=$("$A" image path bookworm)
[ -x "$ROOT/usr/bin/python3" ] || fail "image path bookworm: no usr/bin/python3 in '$ROOT'"

# the allocators the image has, as `image list` reads them from it (liballoc's
# table: the backends whose library is in the image), system first
image_allocators() {
	"$A" image list --json | "$PY" -c 'import json, sys
j = json.load(sys.stdin)
for i in j["images"]:
    if i["name"] == sys.argv[1]:
        print("system")
        for a in i["image"]["allocators"]:
            print(a["name"])' bookworm
}

# add_key(NULL, ...): EFAULT without a filter; EPERM under Docker's default
# profile (the engine's, or allocswap's mirror of it); ENOSYS under podman's
# own default profile (containers-common's: its default action for a
# syscall it does not list)
ADDKEY='import ctypes, errno, os
l = ctypes.CDLL(None, use_errno=True)
r = l.syscall(248, 0, 0, 0, 0, 0)
print(errno.errorcode.get(ctypes.get_errno(), "?") if r < 0 else "ok")'

case $CASE in
rootfs)
	IMG=bookworm
	ALLOCS=$(image_allocators | tr '\n' ' ')
	[ "$(echo $ALLOCS | wc -w)" -ge 3 ] || fail "bookworm has too few allocators: $ALLOCS"
	;;
docker)
	# shellcheck source=/dev/null
	. "$ENGINE_SH"
	engine_start docker "$T/engine"
	engine_import "$ROOT" allocswap-test/bookworm:1 || fail "cannot import the image"
	DOCKER_HOST="unix://$T/engine/docker.sock"
	export DOCKER_HOST
	IMG=docker:allocswap-test/bookworm:1
	ALLOCS="system jemalloc mimalloc"
	;;
podman)
	# shellcheck source=/dev/null
	. "$ENGINE_SH"
	engine_start podman "$T/engine"
	engine_import "$ROOT" allocswap-test/bookworm:1 || fail "cannot import the image"
	# the launcher runs a plain `podman ...` found in PATH: a podman first
	# in PATH that is the test's engine (its store, run and tmp directories,
	# as engine.sh's eng runs it)
	mkdir -p "$T/bin"
	cat >"$T/bin/podman" <<PODMAN
#!/bin/sh
CONTAINERS_CONF="$T/engine/containers.conf" TMPDIR="$T/engine/tmp" exec $(command -v podman) \\
	--root "$T/engine/root" --runroot "$T/engine/run" --tmpdir "$T/engine/tmp" "\$@"
PODMAN
	chmod +x "$T/bin/podman"
	PATH="$T/bin:$PATH"
	export PATH
	IMG=podman:allocswap-test/bookworm:1
	ALLOCS="system jemalloc mimalloc"
	;;
*) fail "unknown case $CASE" ;;
esac

# every allocator: CMD's output untouched, the report names what was asked
for a in $ALLOCS; do
	"$A" run --image "$IMG" -a "$a" --json -q -o "$T/$a.json" -- \
		python3 -c 'import json; print(sum(len(json.dumps({"k": list(range(i))})) for i in range(300)))' \
		>"$T/$a.out" 2>"$T/$a.err" || { cat "$T/$a.err" >&2; fail "run --image $IMG -a $a"; }
	[ "$(cat "$T/$a.out")" = "$(/usr/bin/python3 -c 'import json; print(sum(len(json.dumps({"k": list(range(i))})) for i in range(300)))')" ] ||
		fail "-a $a: the output differs from the host's: $(cat "$T/$a.out")"
	json "$T/$a.json" \
		"j['config']['image'] == '$IMG' and j['config']['allocator'] == '$a'" \
		"j['report']['allocator']['name'] == '$a' and not j['report']['allocator']['fallback']" \
		"j['report']['libc'] == {'name': 'glibc', 'version': '2.36'}" \
		"j['report']['argv'][0] == 'python3' if 'argv' in j['report'] else True" \
		"j['other_reports'] == 0 and j['proc']['exit'] == 0"
done
if [ "$CASE" != rootfs ]; then
	json "$T/system.json" "j['proc']['source'] == 'engine client'" \
		"j['proc']['maxrss'] == j['report']['memory']['rss_peak'] > 0"
	grep -q "(of the engine's client)" "$T/system.err" ||
		"$A" run --image "$IMG" -- python3 -c pass 2>&1 | grep -q "(of the engine's client)" ||
		fail "the summary does not say user/sys are the engine client's"
else
	json "$T/system.json" "j['proc']['source'] == 'process'"
fi

# seccomp: Docker's default profile (the engine's own, or allocswap's mirror)
for s in default unconfined; do
	want=EPERM
	[ "$CASE" = podman ] && want=ENOSYS
	[ $s = unconfined ] && want=EFAULT
	got=$("$A" run --image "$IMG" --seccomp $s -q -- python3 -c "$ADDKEY") ||
		fail "run --image $IMG --seccomp $s failed"
	[ "$got" = $want ] || fail "add_key under --seccomp $s in $IMG: $got, expected $want"
	if [ "$CASE" = rootfs ]; then
		got=$("$A" run --seccomp $s -q -- "$PY" -c "$ADDKEY") || fail "run --seccomp $s"
		[ "$got" = $want ] || fail "add_key under --seccomp $s on the host: $got, expected $want"
	fi
done

# perf in a container: Docker's default profile blocks perf_event_open; the
# report says so and what it counted instead; unconfined, perf counts
if [ "$CASE" = docker ]; then
	for s in default unconfined; do
		"$A" run --image "$IMG" --seccomp $s --stats full --json -q -o "$T/perf-$s.json" -- \
			python3 -c 'x = [bytearray(100000) for i in range(1000)]' ||
			fail "run --stats full --seccomp $s"
	done
	json "$T/perf-default.json" \
		"j['report']['perf']['source'] == 'none' and 'EPERM' in j['report']['perf']['reason'] and 'seccomp' in j['report']['perf']['reason']" \
		"j['report']['syscalls']['source'] == 'libc-wrappers' and 'counted instead' in j['report']['syscalls']['reason']"
	json "$T/perf-unconfined.json" "j['report']['perf']['source'] == 'perf'"
fi

# bad input: one line each
if "$A" run --image "$IMG" --python host -- python3 -c pass 2>"$T/e1"; then
	fail "--python with --image was accepted"
fi
[ "$(wc -l <"$T/e1")" = 1 ] && grep -q "an image runs its own python3" "$T/e1" ||
	fail "--python with --image: $(cat "$T/e1")"
if "$A" run --image "$IMG" --seccomp strict -- python3 -c pass 2>"$T/e2"; then
	fail "--seccomp strict was accepted"
fi
grep -q "seccomp 'strict' is not one of: unconfined, default\|--seccomp 'strict'" "$T/e2" ||
	fail "--seccomp strict: $(cat "$T/e2")"

# --quick's default image axis: the host and every built-in image that can
# be built here (bookworm among them; a glibc too old for libswap is left out
# with a note when it is built, bullseye here)
if [ "$CASE" = rootfs ]; then
	"$A" bench --quick --dry-run --bench nbody -q >"$T/quick.out" 2>"$T/quick.err" ||
		fail "bench --quick --dry-run: $(cat "$T/quick.err")"
	for c in system/glibc/host/pymalloc=on/seccomp=none/stats=off system/glibc/bookworm/pymalloc=on/seccomp=none/stats=off; do
		grep -qx "config $c" "$T/quick.out" || fail "--quick has no cell $c: $(grep '^config' "$T/quick.out")"
	done
	if [ -n "$("$A" image path bullseye 2>/dev/null)" ]; then
		grep -q "note: the default matrix leaves image bullseye out: bullseye has glibc 2.31" \
			"$T/quick.err" || fail "no note for bullseye: $(cat "$T/quick.err")"
		! grep -q "/bullseye/" "$T/quick.out" || fail "bullseye cells in --quick"
	fi
fi

# a matrix over host and the image x seccomp: every run ok, in its cell
"$A" bench -a system,jemalloc --image "host,$IMG" --seccomp none,default \
	--bench syscalls,json_dumps --runs 2 --loops 1 --values 1 --warmups 0 --warmup-runs 0 \
	--pymalloc on -q -o "$T/b" >"$T/b.out" 2>"$T/b.err" || { cat "$T/b.err" >&2; fail "bench"; }
"$PY" - "$T/b/runs.jsonl" "$IMG" <<'PYEOF' || fail "bench --image: see above"
import json, sys, collections
runs = [json.loads(l) for l in open(sys.argv[1])]
img = sys.argv[2]
bad = [(r["config"], r.get("error")) for r in runs if r["status"] != "ok"]
assert not bad, bad
cells = collections.Counter(r["config"] for r in runs)
want = {"%s/glibc/%s/pymalloc=on/seccomp=%s/stats=off" % (a, i, s)
        for a in ("system", "jemalloc") for i in ("host", img) for s in ("none", "default")}
assert set(cells) == want, sorted(cells)
# 2 benchmarks x (2 timed runs + 1 memory process), in the image too
assert set(cells.values()) == {6}, cells
for r in runs:
    rep = r["report"]
    assert rep["allocator"]["name"] == r["config"].split("/")[0], r["config"]
    mode = "counters" if r.get("role") == "memory" else "off"
    assert r["stats"] == rep["stats_mode"] == mode, (r["config"], r.get("role"), rep["stats_mode"])
    assert ("bytes" in rep) == (mode == "counters"), r["config"]
print("bench: %d runs in %d cells, all ok" % (len(runs), len(cells)))
PYEOF
echo "OK (launch-$CASE)"
