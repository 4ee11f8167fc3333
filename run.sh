#!/bin/sh
# allocswap's two commands (and the steps they are made of).
#
#   ./run.sh main    install dependencies, build, run the quick benchmark
#                    matrix, write the report under results/quick-DATE/
#   ./run.sh test    install dependencies, build, run every test suite;
#                    ends with "N passed, N failed[, N skipped]"
#
#   ./run.sh deps | build      the steps alone
#
# Needs root (apt-get) on Debian 12 or newer.  SKIP_APT=1 skips apt-get.
set -eu

cd "$(dirname "$0")"

# build and run
PACKAGES="gcc libc6-dev meson ninja-build pkg-config musl-tools musl-dev libseccomp-dev
  libjansson-dev zlib1g-dev valgrind python3 gnuplot-nox
  libjemalloc2 libmimalloc2.0 libgoogle-perftools4 libtcmalloc-minimal4 libtbbmalloc2
  libunwind8 libdw-dev dpkg-dev tcl debootstrap bubblewrap busybox-static"
# the tests also need CPython's own test suite, and Chromium for the
# report's screenshot test, and perf to cross-check the syscall counts
TEST_PACKAGES="libpython3.11-testsuite chromium fonts-dejavu-core linux-perf
  docker.io podman runc slurm-wlm munge libpython3.11-dev g++"
# (docker.io, podman and runc: the README's Dockerfile under each engine,
# which the tests start themselves; g++: a C++ program's demangled sites)

die() { echo "run.sh: $*" >&2; exit 2; }

deps() {
	[ "${SKIP_APT:-0}" = 1 ] && return 0
	missing=""
	for p in $PACKAGES ${1:-}; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root, or install them)"
	echo "run.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The musl pieces the musl build's tests and the default matrix run:
# `allocswap build musl` builds them from Debian's sources into the cache
# (about 5 minutes the first time here, cached after).  Sets MUSL_OPTS to the
# meson options that point build-musl at them.
musl_builds() {
	build/tools/allocswap build musl >&2
	MUSL_OPTS="-Dmusl_allocators=$(build/tools/allocswap build --path musl-jemalloc)/lib:$(build/tools/allocswap build --path musl-mimalloc)/lib
	  -Dmusl_libunwind=$(build/tools/allocswap build --path musl-libunwind)/lib
	  -Dmusl_python=$(build/tools/allocswap build --path python-musl-os)/bin/python3.11"
}

# The value of meson option $2 in build dir $1 ("" when it has none yet).
meson_opt() {
	meson introspect "$1" --buildoptions 2>/dev/null |
		python3 -c 'import json, sys
print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]), ""))' "$2"
}

build() {
	[ -f build/build.ninja ] || meson setup build ${MESON_ARGS:-}
	ninja -C build
	musl_builds
	if [ ! -f build-musl/build.ninja ]; then
		# shellcheck disable=SC2086
		meson setup build-musl --cross-file cross/musl-x86_64.ini ${MESON_ARGS:-} $MUSL_OPTS
	else
		for o in $MUSL_OPTS; do
			name=${o%%=*} name=${name#-D} value=${o#*=}
			# --reconfigure: a build dir set up before the option existed
			[ "$(meson_opt build-musl "$name")" = "$value" ] ||
				meson setup --reconfigure build-musl "$o" >/dev/null
		done
	fi
	ninja -C build-musl
}

# Counts meson's results from its JSON test logs (one object a line).
count() {
	p=0 f=0 s=0
	for log in "$@"; do
		[ -f "$log" ] || { f=$((f + 1)); continue; }
		p=$((p + $(grep -Ec '"result": "(OK|EXPECTEDFAIL)"' "$log" || true)))
		s=$((s + $(grep -c '"result": "SKIP"' "$log" || true)))
		f=$((f + $(grep -Evc '"result": "(OK|EXPECTEDFAIL|SKIP)"' "$log" || true)))
	done
	# what failed, with the end of its output, just above the last line
	# (CI shows only the tail of the log)
	[ "$f" = 0 ] || python3 - "$@" <<'PY'
import json, sys
for log in sys.argv[1:]:
    try:
        lines = open(log).read().splitlines()
    except OSError:
        print(f"failed: {log} is missing (that build's tests did not run)")
        continue
    for line in lines:
        try:
            t = json.loads(line)
        except ValueError:
            print(f"failed: a line of {log} is not JSON: {line[:200]}")
            continue
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP"):
            print(f"failed: {t.get('name')} ({t.get('result')}, exit {t.get('returncode')}) in {log}")
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            for o in out.splitlines()[-15:]:
                print(f"  | {o}")
PY
	if [ "$s" -gt 0 ]; then
		echo "$p passed, $f failed, $s skipped"
	else
		echo "$p passed, $f failed"
	fi
	[ "$f" = 0 ]
}

run_tests() {
	rc=0
	meson test -C build --num-processes 2 --print-errorlogs || rc=1
	meson test -C build-musl --num-processes 2 --print-errorlogs || rc=1
	count build/meson-logs/testlog.json build-musl/meson-logs/testlog.json || rc=1
	return $rc
}

# The quick matrix: every allocator that loads here, on every libc that has
# a Python (glibc; musl once its Python is built), the built-in suite.
main_job() {
	out="results/quick-$(date -u +%Y%m%d-%H%M%S)"
	build/tools/allocswap bench --quick -o "$out"
	build/tools/allocswap report "$out"
	echo "run.sh: report in $out/report.md and $out/report.html"
}

case "${1:-}" in
deps) deps ;;
build) deps; build ;;
test) deps "$TEST_PACKAGES"; build; run_tests ;;
main) deps; build; main_job ;;
*) die "unknown command '${1:-}': use main, test, deps or build" ;;
esac
