#!/bin/sh
# The libc and python axes.  The plan (--dry-run) is the cross product less
# the cells that cannot exist: tcmalloc has no musl build, a Python runs only
# in cells of its own libc.  Then a real matrix over glibc and musl: each
# record's libswap report was written by a process of the cell's libc, on
# the cell's allocator, with the cell's Python; meta.json describes the
# Pythons.  The musl side needs the musl builds (./run.sh build makes them:
# allocswap build musl); without them the test fails, saying so.
. "$(dirname "$0")/lib.sh"

# the plan: configs in allocswap's order
"$ALLOCSWAP" bench --dry-run -q --libc glibc,musl -a system,jemalloc,tcmalloc --python os,o3lto \
	--bench nbody --runs 1 --warmup-runs 0 --pymalloc on >"$T/plan" 2>"$T/err" ||
	fail "dry run exited $?: $(cat "$T/err")"
sed -n 's/^config //p' "$T/plan" >"$T/configs"
cat >"$T/want" <<'EOF'
system/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-os
system/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-o3lto
system/musl/host/pymalloc=on/seccomp=none/stats=off/python=musl-os
system/musl/host/pymalloc=on/seccomp=none/stats=off/python=musl-o3lto
jemalloc/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-os
jemalloc/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-o3lto
jemalloc/musl/host/pymalloc=on/seccomp=none/stats=off/python=musl-os
jemalloc/musl/host/pymalloc=on/seccomp=none/stats=off/python=musl-o3lto
tcmalloc/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-os
tcmalloc/glibc/host/pymalloc=on/seccomp=none/stats=off/python=glibc-o3lto
EOF
cmp -s "$T/configs" "$T/want" || fail "configs: $(diff "$T/want" "$T/configs")"
grep -q "^suite builtin, 10 configurations x 1 benchmarks x 1 runs (+ 1 memory process per cell timed in stats off): 20 processes" "$T/plan" ||
	fail "plan: $(head -1 "$T/plan")"

# default Pythons: host under glibc, os under musl
"$ALLOCSWAP" bench --dry-run -q --libc glibc,musl -a system --bench nbody --runs 1 \
	--warmup-runs 0 --pymalloc on >"$T/plan" 2>"$T/err" || fail "dry run exited $?: $(cat "$T/err")"
[ "$(sed -n 's/^config //p' "$T/plan" | tr '\n' ' ')" = \
	"system/glibc/host/pymalloc=on/seccomp=none/stats=off system/musl/host/pymalloc=on/seccomp=none/stats=off/python=musl-os " ] ||
	fail "default pythons: $(grep ^config "$T/plan")"

# a real matrix over both libcs
MUSLPY=$("$ALLOCSWAP" build --path python-musl-os 2>/dev/null) ||
	fail "the musl Python is not built: run ./run.sh build (or allocswap build musl) first"
"$ALLOCSWAP" bench --libc glibc,musl -a system,jemalloc,mimalloc --bench nbody,dict_churn \
	--runs 1 $FAST -o "$T/out" >"$T/stdout" 2>"$T/stderr" ||
	fail "bench exited $?: $(cat "$T/stderr")"
grep -q "12 runs (0 failed) of 6 configurations x 2 benchmarks" "$T/stdout" ||
	fail "summary: $(cat "$T/stdout") $(cat "$T/stderr")"

MUSLPY="$MUSLPY" json_check "$T/out/meta.json" <<'PY'
import os
m = data
py = m["pythons"]
assert set(py) == {"host", "musl-os"}, py
assert py["host"]["libc"] == "glibc" and py["host"]["flags"] == "distribution", py["host"]
assert py["musl-os"]["libc"] == "musl" and py["musl-os"]["flags"] == "-Os", py["musl-os"]
assert py["musl-os"]["build"] == "python-musl-os"
assert py["musl-os"]["version"].startswith("3.11."), py["musl-os"]
assert py["musl-os"]["size_bytes"] > 10 << 20 and py["musl-os"]["build_seconds"] > 0
assert os.path.realpath(py["musl-os"]["path"]).startswith(os.path.realpath(os.environ["MUSLPY"]))
assert m["libcs"]["musl"].startswith("1."), m["libcs"]
bl = m["allocators_by_libc"]
assert set(bl["musl"]) == {"system", "jemalloc", "mimalloc"}, bl
assert "/builds/musl-jemalloc" in os.path.realpath(bl["musl"]["jemalloc"]["path"]) or \
    "musl-jemalloc" in bl["musl"]["jemalloc"]["path"], bl["musl"]["jemalloc"]
assert bl["musl"]["jemalloc"]["path"] != bl["glibc"]["jemalloc"]["path"]
ids = sorted(c["id"] for c in m["matrix"]["configs"])
assert len(ids) == 6 and sum(c["libc"] == "musl" for c in m["matrix"]["configs"]) == 3, ids
for c in m["matrix"]["configs"]:
    assert c["python"] == ("musl-os" if c["libc"] == "musl" else "host"), c
PY

json_check "$T/out/runs.jsonl" <<'PY'
for r in data:
    assert r["status"] == "ok", r
    cfg = r["config"]
    alloc, libc = cfg.split("/")[:2]
    rep = r["report"]
    assert rep["libc"]["name"] == libc, (cfg, rep["libc"])
    assert rep["allocator"]["name"] == alloc and rep["allocator"]["mapped"], (cfg, rep["allocator"])
    exe = rep["process"]["exe"]
    if libc == "musl":
        assert "/builds/python-musl-os" in exe, (cfg, exe)
        if alloc != "system":
            assert "/builds/musl-%s" % alloc in rep["allocator"]["path"], rep["allocator"]
    else:
        assert exe.startswith("/usr/bin/python3"), (cfg, exe)
PY

# --quick's default glibc,musl leaves musl out, with a note, where it cannot
# run (here: an allocswap with no musl libswap beside it); asked for by
# name, it is an error
mkdir -p "$T/lone/bin"
cp "$ALLOCSWAP" "$T/lone/bin/allocswap"
ALLOCSWAP_CLI_LIBSWAP=$(dirname "$ALLOCSWAP")/../preload/libswap.so \
	"$T/lone/bin/allocswap" bench --quick --dry-run --bench nbody >"$T/lone.out" 2>"$T/err" || true
head -n 1 "$T/err" | grep -q "^allocswap bench: note: the default matrix leaves musl out: libswap.so for musl is not built" ||
	fail "no note: $(cat "$T/err")"
rc=0
ALLOCSWAP_CLI_LIBSWAP=$(dirname "$ALLOCSWAP")/../preload/libswap.so \
	"$T/lone/bin/allocswap" bench --quick --libc glibc,musl --dry-run --bench nbody >"$T/lone.out" 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "^allocswap bench: --libc musl: libswap.so for musl is not built" "$T/err" ||
	fail "--libc musl without a musl libswap: exit $rc: $(cat "$T/err")"
