#!/bin/sh
# Cross-check of tools/launch/as_seccomp.c's "default" against a real Docker
# engine (Debian's docker.io: /usr/sbin/dockerd, /usr/bin/docker):
#
#   docker.sh PROBE
#
# PROBE (probe.c, static) tries every x86_64 syscall number below 520 and a
# list of chosen calls (personality's and clone's argument rules, x32, i386)
# and prints NAME=RESULT for each.  Its output must be the same
#   (a) on the host under our filter          probe --install default
#   (b) in a container with Docker's profile  docker run --security-opt no-new-privileges
#   (c) in a container without Docker's, under ours
#                                             docker run --security-opt seccomp=unconfined
#                                               probe --install default
# (b) runs with no-new-privileges because our filter sets it; a plain run
# (d) may differ from (b) only where no_new_privs changes the kernel's own
# answer (landlock_restrict_self: EPERM without it).
#
# dockerd is our own, on a fresh temporary data root, exec root and socket
# (--iptables=false --bridge=none; the containers have no network); it is
# stopped and its directory removed on exit, also on failure.  About 3 s here.
# Exit 0 pass, 1 fail, 77 skip (only when dockerd cannot start: why is
# printed).
set -u

PROBE=$1
DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker

skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }

[ -x "$DOCKERD" ] && [ -x "$DOCKER" ] ||
	skip "dockerd cannot start: $DOCKERD or $DOCKER is missing (Debian's docker.io)"
[ "$(id -u)" = 0 ] || skip "dockerd cannot start: it needs root"
[ -x "$PROBE" ] || fail "no probe program at $PROBE"

T=$(mktemp -d /tmp/allocswap-seccomp-docker.XXXXXX) || fail "mktemp"
DPID=""
# Stops our dockerd (it stops its containerd), within 15 s or by SIGKILL.
stop_dockerd() {
	[ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null || { DPID=""; return 0; }
	kill "$DPID"
	i=0
	while kill -0 "$DPID" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$DPID" 2>/dev/null; then
		echo "dockerd (pid $DPID) did not stop in 15 s: killed" >&2
		kill -9 "$DPID"
		cpid=$(cat "$T/exec/containerd/containerd.pid" 2>/dev/null)
		[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
	fi
	DPID=""
}
cleanup() {
	stop_dockerd
	# what dockerd left mounted under T, deepest first
	awk -v t="$T" '$2 == t || index($2, t "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do umount -l "$m"; done
	if awk -v t="$T" '$2 == t || index($2, t "/") == 1 { f = 1 } END { exit !f }' \
		/proc/self/mounts; then
		echo "still mounted under $T: left in place" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

export DOCKER_CONFIG="$T/cfg"
unset DOCKER_HOST DOCKER_CONTEXT 2>/dev/null
D="$DOCKER -H unix://$T/docker.sock"

# (a) first: it needs no engine
"$PROBE" --install default >"$T/a.txt" || fail "probe --install default failed on the host"
n=$(wc -l <"$T/a.txt")
nperm=$(grep -c '=EPERM$' "$T/a.txt")
for want in 'x86_64 keyctl=EPERM' 'x86_64 getpid=ok' 'x86_64 clone3(NULL, 0)=ENOSYS' \
	'x86_64 set_mempolicy_home_node=ENOSYS' 'x86_64 clone(CLONE_NEWUSER|SIGCHLD)=EPERM' \
	'x86_64 clone(SIGCHLD)=ok' 'x86_64 personality(0xffffffff)=ok'; do
	grep -qxF "$want" "$T/a.txt" || fail "(a) has no line '$want'"
done
[ "$nperm" -ge 100 ] || fail "(a) has only $nperm EPERM lines of $n"

t0=$(now)
$DOCKERD --data-root "$T/data" --exec-root "$T/exec" --pidfile "$T/dockerd.pid" \
	-H "unix://$T/docker.sock" --iptables=false --bridge=none >"$T/dockerd.log" 2>&1 &
DPID=$!
i=0
until $D version >/dev/null 2>&1; do
	if ! kill -0 "$DPID" 2>/dev/null; then
		tail -n 5 "$T/dockerd.log"
		DPID=""
		skip "dockerd cannot start here (it exited; its log's last lines above)"
	fi
	if [ $i -ge 300 ]; then
		tail -n 5 "$T/dockerd.log"
		skip "dockerd cannot start here: not ready in 30 s"
	fi
	sleep 0.1
	i=$((i + 1))
done
echo "dockerd $($D version --format '{{.Server.Version}}') ready in $(took "$t0")"
sec=$($D info --format '{{json .SecurityOptions}}')
echo "security options: $sec"
case $sec in
*name=seccomp,profile=default*) ;;
*) fail "dockerd has no default seccomp profile" ;;
esac

t1=$(now)
mkdir "$T/img" && cp "$PROBE" "$T/img/probe" || fail "cannot stage the probe"
tar -C "$T/img" -c probe | $D import - allocswap-seccomp-probe:1 >/dev/null ||
	fail "docker import failed"
RUN="$D run --rm --network none"
$RUN --security-opt no-new-privileges allocswap-seccomp-probe:1 /probe >"$T/b.txt" ||
	fail "(b) docker run failed"
$RUN --security-opt seccomp=unconfined allocswap-seccomp-probe:1 /probe --install default \
	>"$T/c.txt" || fail "(c) docker run failed"
$RUN allocswap-seccomp-probe:1 /probe >"$T/d.txt" || fail "(d) docker run failed"
echo "import and 3 containers: $(took "$t1")"

rc=0
if ! diff -u "$T/b.txt" "$T/a.txt" >"$T/ab.diff"; then
	echo "FAIL: our filter on the host (+) differs from Docker's profile (-):" >&2
	cat "$T/ab.diff" >&2
	rc=1
fi
if ! diff -u "$T/b.txt" "$T/c.txt" >"$T/bc.diff"; then
	echo "FAIL: our filter in a container (+) differs from Docker's profile (-):" >&2
	cat "$T/bc.diff" >&2
	rc=1
fi
# (d) against (b): only no_new_privs's own effects
other=$(diff "$T/b.txt" "$T/d.txt" | sed -n 's/^[<>] //p' |
	grep -v '^x86_64 landlock_restrict_self=')
if [ -n "$other" ]; then
	echo "FAIL: Docker's profile without no-new-privileges differs elsewhere:" >&2
	diff "$T/b.txt" "$T/d.txt" >&2
	rc=1
fi
echo "$n probes, $nperm EPERM: (a) host = (b) Docker = (c) ours in a container" \
	"$([ $rc = 0 ] && echo identical || echo NOT identical)"
diff "$T/b.txt" "$T/d.txt" | sed -n 's/^> /without no-new-privileges: /p'

t2=$(now)
stop_dockerd
echo "dockerd stopped in $(took "$t2"); whole test $(took "$t0") with the engine"
exit $rc
