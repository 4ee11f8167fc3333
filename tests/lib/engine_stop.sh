#!/bin/sh
# engine_stop.sh ENGINE_SH: engine.sh's engine_stop, as its EXIT trap runs
# it, in tests under set -eu.  What it stops may be gone already or die of
# its signal (kill and wait fail then, harmlessly): the test's own exit
# status must be kept, and its ENGINE_ON_EXIT clean-up run.  No engine is
# started: the "daemon" is a sleep, the "client" a script.
set -u
ENGINE_SH=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-engine-stop.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL (engine-stop): $*" >&2
	[ -s "$T/out" ] && { echo "--- its output:" >&2; cat "$T/out" >&2; }
	exit 1
}

# A podman that answers nothing but failures.
mkdir "$T/bin"
printf '#!/bin/sh\necho "podman: no such thing" >&2\nexit 125\n' >"$T/bin/podman"
chmod +x "$T/bin/podman"

# scenario ENGINE STATUS: a test under set -eu, with the trap engine_start
# installs and the state it leaves, ending with exit STATUS.  docker: the
# daemon (a sleep) dies of the SIGTERM, so wait gives 143; one of its
# children is gone already, another pid never was.  podman: `eng rm`
# fails.
scenario() {
	cat >"$T/test.sh" <<EOF
set -eu
. "$ENGINE_SH"
PATH="$T/bin:\$PATH"
mkdir -p "$T/engine"
ENGINE_ON_EXIT='echo "clean-up ran"'
sleep 0.01 & gone=\$!
wait \$gone
sleep 60 & daemon=\$!
trap '_engine_rc=\$?; engine_stop; eval "\${ENGINE_ON_EXIT:-}"; exit \$_engine_rc' EXIT
ENGINE=$1 ENGINE_DIR="$T/engine" ENGINE_UP=1
if [ "$1" = docker ]; then
	ENGINE_PID=\$daemon ENGINE_CHILDREN="\$gone 4194303"
else
	kill \$daemon
fi
echo "the test ran"
exit $2
EOF
	sh "$T/test.sh" >"$T/out" 2>&1
	rc=$?
	[ "$rc" = "$2" ] || fail "$1, a test that exits $2: exit $rc"
	grep -q "^the test ran\$" "$T/out" || fail "$1: the test did not run"
	grep -q "^clean-up ran\$" "$T/out" || fail "$1: ENGINE_ON_EXIT did not run"
}

for engine in docker podman; do
	for status in 0 3; do
		scenario "$engine" "$status"
	done
done
grep -q "^engine: podman containers removed after" "$T/out" || fail "podman: no line from engine_stop"
# and engine_stop called by the test itself, twice (idempotent), then the trap
cat >"$T/test.sh" <<EOF
set -eu
. "$ENGINE_SH"
sleep 60 & daemon=\$!
trap '_engine_rc=\$?; engine_stop; exit \$_engine_rc' EXIT
ENGINE=docker ENGINE_DIR="$T/engine" ENGINE_PID=\$daemon ENGINE_UP=1
engine_stop
engine_stop
kill -0 \$daemon 2>/dev/null && exit 9
echo "stopped"
EOF
sh "$T/test.sh" >"$T/out" 2>&1 || fail "engine_stop called by the test: exit $?"
grep -q "^stopped\$" "$T/out" || fail "engine_stop called by the test did not stop the daemon"
echo "OK (engine-stop)"
