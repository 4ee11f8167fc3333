# engine.sh: a container engine of a test's own, started and stopped by the test.
#
# POSIX sh, to be sourced:
#
#   . tests/lib/engine.sh
#   ENGINE_ON_EXIT='rm -rf "$T"'       # the test's own clean-up, run after the engine's
#   engine_start docker "$T/engine"    # or podman; returns 0 or exits 77 saying why
#   engine_import "$rootfs" NAME       # a root directory as an image; 0 or 1
#   eng run --rm --network none NAME true    # the engine's client, pointed at it
#   engine_stop                        # also done by the EXIT/INT/TERM/HUP trap
#
# engine_start installs that trap; a test that sources this file puts its own
# clean-up in ENGINE_ON_EXIT instead of setting a trap of its own.  The exit
# status of the test is kept.  Tests may run under set -eu: engine_stop and
# what it calls never fail for what is already gone (a pid that exited, a
# mount already undone, an engine that no longer answers).
#
# docker: Debian's dockerd (/usr/sbin/dockerd, client /usr/bin/docker: named
#   by path, as another docker may come first in PATH; ENGINE_DOCKERD and
#   ENGINE_DOCKER override them), everything under the directory:
#     dockerd --data-root DIR/data --exec-root DIR/exec --pidfile DIR/dockerd.pid
#             -H unix://DIR/docker.sock --iptables=false --bridge=none
#   logging to DIR/dockerd.log (the client's last answer: DIR/client.log).  No bridge and no iptables rules: containers
#   run with --network none (or host).  dockerd starts its own containerd
#   (a child process); engine_stop sends dockerd SIGTERM, waits for it (it
#   stops running containers first), then ends by pid whatever is left of
#   its children and of the containerd shims it started (found by DIR in
#   their command lines), and unmounts what is still mounted under DIR.
# podman: no daemon.  `eng` runs podman with --root DIR/root --runroot
#   DIR/run --tmpdir DIR/tmp and CONTAINERS_CONF=DIR/containers.conf, which
#   sets runc, cgroupfs, a file event log and the ulimits containers need here
#   (nofile=1024:20000, nproc=4096:4096: runc cannot set podman's defaults
#   in this VM, DESIGN.md section 5).  engine_stop removes its containers and
#   ends left-over conmon processes (by DIR in their command lines).
#
# engine_start waits until the client answers (`info`) for at most
# ENGINE_TIMEOUT seconds (default 60), then runs a container of nothing
# (`eng run` of an empty imported image): an engine that cannot run a
# container here has not started.  When it cannot start, it prints why (the
# first reason and the last lines of the engine's log) and exits 77.  It
# prints how long the start took, and engine_stop how long the stop took
# (here, 2 cores, state on tmpfs):
#   engine: dockerd answered after 0.15 s
#   engine: docker ran a first container after 0.55 s
#   engine: dockerd stopped after 1.02 s
#
# The directory must be short: a unix socket path holds 107 bytes, and
# containerd puts its socket 28 bytes deeper.  As root, a tmpfs is mounted on
# it (ENGINE_TMPFS=0: not), so that images unpack and go away in memory.

ENGINE= ENGINE_DIR= ENGINE_PID= ENGINE_CHILDREN= ENGINE_UP=
ENGINE_START_S= ENGINE_STOP_S=

# The seconds since the epoch, with fractions.
_engine_now() { date +%s.%N; }
_engine_since() { awk -v a="$1" -v b="$(_engine_now)" 'BEGIN {printf "%.2f", b - a}'; }

# eng ARGS...: the engine's client, pointed at the engine engine_start started.
eng() {
	case $ENGINE in
	docker)
		"${ENGINE_DOCKER:-/usr/bin/docker}" -H "unix://$ENGINE_DIR/docker.sock" "$@"
		;;
	podman)
		CONTAINERS_CONF="$ENGINE_DIR/containers.conf" TMPDIR="$ENGINE_DIR/tmp" \
			podman --root "$ENGINE_DIR/root" --runroot "$ENGINE_DIR/run" \
			--tmpdir "$ENGINE_DIR/tmp" "$@"
		;;
	*)
		echo "engine.sh: eng before engine_start" >&2
		return 2
		;;
	esac
}

# engine_skip REASON: prints the reason, the last lines of the daemon's log
# and the client's last answer, and exits 77.
engine_skip() {
	echo "SKIP: $ENGINE cannot start here: $1"
	for f in ${ENGINE_DIR:+"$ENGINE_DIR/dockerd.log" "$ENGINE_DIR/client.log"}; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f:"
		tail -n 12 "$f"
	done
	exit 77
}

# The pids of the processes whose parent is $1.
_engine_children() {
	# "pid (comm) state ppid ...": comm may hold blanks and parentheses,
	# so the fields are read after the last ')'
	cat /proc/[0-9]*/stat 2>/dev/null |
		sed -n 's/^\([0-9]*\) .*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' |
		awk -v p="$1" '$2 == p {print $1}'
}

# The pids of the processes whose command line mentions the engine's
# directory (grep's own, which does too, is gone when it is checked again).
_engine_ours() {
	for c in $(grep -lF "$ENGINE_DIR/" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${c#/proc/}
		pid=${pid%/cmdline}
		if [ "$pid" != $$ ] && grep -qF "$ENGINE_DIR/" "$c" 2>/dev/null; then
			echo "$pid"
		fi
	done
}

# _engine_end PIDS...: SIGTERM, up to 5 s, then SIGKILL, each by its pid
# (any of them may be gone already: kill fails for those, harmlessly).
_engine_end() {
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || :
	i=0
	while [ $i -lt 50 ]; do
		alive=
		for p in "$@"; do
			if kill -0 "$p" 2>/dev/null; then alive=1; fi
		done
		[ -n "$alive" ] || return 0
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$@" 2>/dev/null || :
}

# Unmounts what is mounted under the engine's directory, deepest first.
_engine_unmount() {
	awk -v d="$ENGINE_DIR/" 'index($5 "/", d) == 1 {print length($5), $5}' \
		/proc/self/mountinfo | sort -rn | while read -r _ m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || :
	done
}

_engine_docker_start() {
	dockerd=${ENGINE_DOCKERD:-/usr/sbin/dockerd}
	[ -x "$dockerd" ] || engine_skip "no $dockerd (Debian: docker.io)"
	[ -x "${ENGINE_DOCKER:-/usr/bin/docker}" ] ||
		engine_skip "no ${ENGINE_DOCKER:-/usr/bin/docker} (Debian: docker.io)"
	"$dockerd" --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" \
		--pidfile "$ENGINE_DIR/dockerd.pid" -H "unix://$ENGINE_DIR/docker.sock" \
		--iptables=false --bridge=none >"$ENGINE_DIR/dockerd.log" 2>&1 &
	ENGINE_PID=$!
}

_engine_podman_start() {
	command -v podman >/dev/null || engine_skip "no podman (Debian: podman)"
	command -v runc >/dev/null || engine_skip "no runc (Debian: runc)"
	mkdir -p "$ENGINE_DIR/tmp"
	cat >"$ENGINE_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

# engine_start docker|podman DIR: starts the engine with its state in DIR
# (made; it should be empty), or exits 77 with the reason.
engine_start() {
	ENGINE=$1 ENGINE_DIR=$2
	case $ENGINE in
	docker | podman) ;;
	*)
		echo "engine.sh: engine_start docker|podman DIR, not '$ENGINE'" >&2
		exit 2
		;;
	esac
	mkdir -p "$ENGINE_DIR" || engine_skip "cannot make $ENGINE_DIR"
	ENGINE_DIR=$(cd "$ENGINE_DIR" && pwd)
	[ ${#ENGINE_DIR} -le 70 ] ||
		engine_skip "$ENGINE_DIR is too long for the engine's unix sockets (70 bytes at most)"
	trap '_engine_rc=$?; engine_stop; eval "${ENGINE_ON_EXIT:-}"; exit $_engine_rc' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# the engine's state in memory: unpacking and deleting an image's many
	# small files on this VM's disk takes seconds (deleting 274 MB of
	# layers: 14 s); the mount goes with engine_stop
	if [ "${ENGINE_TMPFS:-1}" = 1 ] && [ "$(id -u)" = 0 ]; then
		mount -t tmpfs -o mode=0700 tmpfs "$ENGINE_DIR" 2>/dev/null ||
			echo "engine: the engine's state is on disk (no tmpfs mount here)"
	fi
	t0=$(_engine_now)
	"_engine_${ENGINE}_start"
	i=0 limit=$((${ENGINE_TIMEOUT:-60} * 10))
	until eng info >"$ENGINE_DIR/client.log" 2>&1; do
		if [ -n "$ENGINE_PID" ] && ! kill -0 "$ENGINE_PID" 2>/dev/null; then
			wait "$ENGINE_PID" 2>/dev/null || :
			ENGINE_PID=
			engine_skip "the daemon exited"
		fi
		i=$((i + 1))
		[ $i -lt "$limit" ] || engine_skip "no answer to '$ENGINE info' in ${ENGINE_TIMEOUT:-60} s"
		sleep 0.1
	done
	ENGINE_START_S=$(_engine_since "$t0")
	[ -n "$ENGINE_PID" ] && ENGINE_CHILDREN=$(_engine_children "$ENGINE_PID")
	echo "engine: ${ENGINE}${ENGINE_PID:+d} answered after $ENGINE_START_S s"
	# can it run a container?  An empty image with one static program would
	# need one; a directory of nothing and `true` from the host's /bin would
	# need its libraries: import the smallest root that runs, the host's
	# /bin/true with its loader and libc, read-only
	mkdir -p "$ENGINE_DIR/probe"
	_engine_probe_root "$ENGINE_DIR/probe" || engine_skip "cannot assemble a probe root"
	engine_import "$ENGINE_DIR/probe" allocswap-engine-probe ||
		engine_skip "cannot import an image (see the log)"
	if ! eng run --rm --network none allocswap-engine-probe /true \
		>"$ENGINE_DIR/client.log" 2>&1; then
		engine_skip "it cannot run a container: $(tail -n 1 "$ENGINE_DIR/client.log")"
	fi
	echo "engine: $ENGINE ran a first container after $(_engine_since "$t0") s"
	ENGINE_UP=1
	return 0
}

# A root with /true and what it needs to run (its ELF interpreter and libc).
_engine_probe_root() {
	cp /bin/true "$1/true" || return 1
	for lib in $(ldd /bin/true | awk '/=> \// {print $3} /^\t\// {print $1}'); do
		mkdir -p "$1$(dirname "$lib")" && cp -L "$lib" "$1$lib" || return 1
	done
}

# engine_import DIR NAME: the directory tree as image NAME; 0, or 1 (tar's
# and the engine's answers are in DIR/client.log).
engine_import() {
	tar -C "$1" -c . 2>"$ENGINE_DIR/tar.log" |
		eng import - "$2" >"$ENGINE_DIR/client.log" 2>&1
	cat "$ENGINE_DIR/tar.log" >>"$ENGINE_DIR/client.log"
	eng image inspect "$2" >/dev/null 2>&1
}

# engine_stop: stops the engine and everything it left; idempotent, and
# returns 0 (safe under set -eu: what fails here is what is already gone).
engine_stop() {
	[ -n "$ENGINE_DIR" ] || return 0
	t0=$(_engine_now)
	case $ENGINE in
	docker)
		if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
			ENGINE_CHILDREN="$ENGINE_CHILDREN $(_engine_children "$ENGINE_PID")"
			kill -TERM "$ENGINE_PID" 2>/dev/null || : # it may have exited since
			# dockerd gives running containers 10 s to stop, then kills them
			i=0
			while kill -0 "$ENGINE_PID" 2>/dev/null && [ $i -lt 300 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			kill -KILL "$ENGINE_PID" 2>/dev/null || :
			# its exit status (143, 137) is not the test's
			wait "$ENGINE_PID" 2>/dev/null || :
			if [ -n "$ENGINE_UP" ]; then
				echo "engine: dockerd stopped after $(_engine_since "$t0") s"
			fi
		fi
		left=
		for p in $ENGINE_CHILDREN; do
			if kill -0 "$p" 2>/dev/null; then left="$left $p"; fi
		done
		# shellcheck disable=SC2086
		_engine_end $left
		;;
	podman)
		eng rm --all --force --time 5 >/dev/null 2>&1 || :
		if [ -n "$ENGINE_UP" ]; then
			echo "engine: podman containers removed after $(_engine_since "$t0") s"
		fi
		;;
	esac
	# shellcheck disable=SC2046
	_engine_end $(_engine_ours)
	_engine_unmount
	ENGINE_PID= ENGINE_CHILDREN= ENGINE_UP= ENGINE_DIR=
}
