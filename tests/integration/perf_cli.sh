#!/bin/sh
# perf_cli: allocswap run and doctor mount tracefs for full mode, and run
# holds the syscall tracepoints while its process runs.
#
#   perf_env --tracefs unmount -- sh perf_cli.sh ALLOCSWAP PERF_MMAP
#
# In perf_env's mount namespace nothing is mounted at /sys/kernel/tracing
# or /sys/kernel/debug, as on a freshly booted machine; what allocswap mounts
# there stays in that namespace.
#  1. run --stats full mounts tracefs (one line on stderr), the report counts
#     syscalls with perf, exactly perf_mmap's blocks, and the process finds
#     its parent (allocswap) holding 5 perf events, the tracepoints; the
#     child the CLI hands them to at exit does not outlive it for long.
#  2. again: found mounted, nothing said.
#  3. --stats counters leaves tracefs alone.
#  4. without CAP_SYS_ADMIN: nothing mounted; the report's reason and
#     doctor say what to run.
#  5. doctor mounts it and says so; then says it was mounted.
#  6. in an image run with bwrap (the first glibc image allocswap list says
#     a run can use, if any), full mode counts syscalls with perf too:
#     tracefs is bound into the image read-only.
set -u
A=$1
MMAP=$2
PY=/usr/bin/python3
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
MSG='allocswap: mounted tracefs at /sys/kernel/tracing (perf needs it for syscall counts)'
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

mounted() {
	grep -q ' /sys/kernel/tracing tracefs ' /proc/self/mounts
}

# prints how many perf event descriptors CMD's parent holds, into $T/held
held_cmd="import os; p = os.getppid(); d = '/proc/%d/fd/' % p
n = sum(os.readlink(d + f) == 'anon_inode:[perf_event]' for f in os.listdir(d))
open('$T/held', 'w').write(str(n))"

if ! $PY -c pass; then
	echo "perf_cli: skipped: $PY does not run"
	exit 77
fi
if ! grep -q '	tracefs$' /proc/filesystems; then
	echo "perf_cli: skipped: this kernel has no tracefs (/proc/filesystems does not list it)"
	exit 77
fi
if mounted; then
	fail "tracefs is mounted before the test (perf_env --tracefs unmount detaches it)"
fi

# 1
"$A" run --stats full --report "$T/r1.json" -- "$MMAP" exact 2>"$T/e1"
[ $? -eq 0 ] || fail "run --stats full exited $?: $(cat "$T/e1")"
[ "$(grep -cxF "$MSG" "$T/e1")" = 1 ] || fail "run did not say once: $MSG (stderr: $(cat "$T/e1"))"
mounted || fail "run --stats full left tracefs unmounted"
$PY - "$T/r1.json" <<'EOF' || fail "the report of run --stats full (above)"
import json, sys
s = json.load(open(sys.argv[1]))['syscalls']
if s['source'] != 'perf' or s['complete'] is not True:
    sys.exit('syscalls: %r' % s)
EOF
"$A" run -q --stats full -- $PY -c "$held_cmd" || fail "run (parent's perf events) failed"
[ "$(cat "$T/held" 2>/dev/null)" = 5 ] ||
	fail "allocswap run held $(cat "$T/held" 2>/dev/null) perf events, not 5 (the tracepoints)"
# at exit the CLI hands them to a detached child of its own, which pays the
# kernel's unregistration once the CLI is gone: none is left behind
"$A" run -q --stats full --report "$T/handoff.json" -- /bin/true || fail "run /bin/true failed"
i=0
while grep -qs "$T/hand[o]ff.json" /proc/[0-9]*/cmdline; do
	[ $i -lt 50 ] || fail "a process of 'allocswap run' is still there 5 s after it ended"
	sleep 0.1
	i=$((i + 1))
done

# 2
"$A" run -q --stats full -- "$MMAP" exact 2>"$T/e2" || fail "the second run failed: $(cat "$T/e2")"
if grep -q 'mounted tracefs' "$T/e2"; then
	fail "the second run said it mounted tracefs again"
fi

# 3
umount /sys/kernel/tracing || fail "umount /sys/kernel/tracing"
"$A" run -q --stats counters -- "$MMAP" none 2>"$T/e3" || fail "run --stats counters failed"
if mounted || grep -q 'mounted tracefs' "$T/e3"; then
	fail "run --stats counters mounted tracefs"
fi

# 4
if command -v setpriv >/dev/null; then
	NOCAP="setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin"
	$NOCAP "$A" run --stats full --report "$T/r4.json" -- "$MMAP" none 2>"$T/e4" ||
		fail "run without CAP_SYS_ADMIN failed: $(cat "$T/e4")"
	if mounted || grep -q 'mounted tracefs' "$T/e4"; then
		fail "run without CAP_SYS_ADMIN mounted tracefs"
	fi
	$PY - "$T/r4.json" <<'EOF' || fail "the report without CAP_SYS_ADMIN (above)"
import json, sys
s = json.load(open(sys.argv[1]))['syscalls']
if s['source'] != 'libc-wrappers' or \
   'as root: mount -t tracefs nodev /sys/kernel/tracing' not in s['reason']:
    sys.exit('syscalls: %r' % s)
EOF
	$NOCAP "$A" doctor >"$T/d4" 2>&1
	grep -qx 'no  tracefs: not mounted, and this process may not mount it (mount -t tracefs nodev /sys/kernel/tracing: EPERM; it needs root or CAP_SYS_ADMIN)' "$T/d4" ||
		fail "doctor without CAP_SYS_ADMIN: no tracefs line: $(grep tracefs "$T/d4")"
	grep -q '^    -> as root: mount -t tracefs nodev /sys/kernel/tracing ' "$T/d4" ||
		fail "doctor without CAP_SYS_ADMIN does not say what to run"
else
	echo "perf_cli: part 4 (without CAP_SYS_ADMIN) skipped: no setpriv (util-linux)"
fi

# 5
"$A" doctor >"$T/d5" 2>"$T/d5e"
[ "$(grep -cxF "$MSG" "$T/d5e")" = 1 ] || fail "doctor did not say it mounted tracefs: $(cat "$T/d5e")"
grep -q '^ok  tracefs: mounted at /sys/kernel/tracing (now, by this doctor, as perf does; it stays mounted)' "$T/d5" ||
	fail "doctor's tracefs line: $(grep tracefs "$T/d5")"
grep -q '^ok  syscall tracepoints' "$T/d5" || fail "doctor: $(grep 'syscall tracepoints' "$T/d5")"
"$A" doctor >"$T/d6" 2>"$T/d6e"
grep -q '^ok  tracefs: mounted at /sys/kernel/tracing (it was already)' "$T/d6" ||
	fail "doctor's tracefs line, mounted: $(grep tracefs "$T/d6")"
if grep -q 'mounted tracefs' "$T/d6e"; then
	fail "doctor said it mounted tracefs again"
fi
# 6
img=$("$A" list --format json 2>/dev/null | $PY -c '
import json, sys
j = json.load(sys.stdin)
print(next((i["name"] for i in j.get("images", []) if i["name"] != "host" and i["available"]
            and i["libc"] == "glibc"), ""))' 2>/dev/null)
if [ -z "$img" ]; then
	echo "perf_cli: part 6 (an image) skipped: no glibc image a run can use here (allocswap image build bookworm)"
elif ! command -v bwrap >/dev/null; then
	echo "perf_cli: part 6 (an image) skipped: no bwrap (Debian: bubblewrap)"
else
	"$A" run --image "$img" --stats full --report "$T/r6.json" -- python3 -c 'x = bytearray(50 << 20)' \
		2>"$T/e6" || fail "run --image $img failed: $(cat "$T/e6")"
	$PY - "$T/r6.json" <<'EOF' || fail "the report in image $img (above)"
import json, sys
s = json.load(open(sys.argv[1]))['syscalls']
if s['source'] != 'perf' or s['mmap'] < 1:
    sys.exit('syscalls: %r' % s)
EOF
fi
[ $failed = 0 ] && echo "perf_cli: all passed"
exit $failed
