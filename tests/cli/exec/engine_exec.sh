#!/bin/sh
# The README's Dockerfile, built and run under a container engine started
# here (tests/lib/engine.sh):
#
#   engine_exec.sh docker|podman ALLOCSWAP SOURCE_ROOT BUILD_DIR
#
# Takes the build-context commands and the Dockerfile out of README.md
# (between the allocswap-exec-context and allocswap-exec-dockerfile markers)
# and builds exactly them, on the bookworm image of `allocswap image path
# bookworm` (built with `allocswap image build bookworm` when missing),
# imported as allocswap/bookworm: there is no registry here.  Then, with the
# engine's default seccomp profile and with seccomp=unconfined: exit status
# 3 passes through; `stop` reaches the Python handler, which prints and exits
# 42 (and runs as pid 1); bytes piped through `run -i` come back identical;
# the report in a bind-mounted directory names the allocator asked for,
# glibc and pid 1; the allocator can be changed at run time, and a bad one
# fails in one line with exit status 2.
#
# Exit 0 pass, 1 fail, 77 skip: only when the engine cannot start here or
# the bookworm image cannot be built.
set -u

ENGINE_NAME=$1 A=$2 SRC=$3 BUILD=$4
. "$(dirname "$0")/../../lib/engine.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/as-exec-$ENGINE_NAME.XXXXXX") || exit 1
ENGINE_ON_EXIT='rm -rf "$T"'
trap 'rm -rf "$T"' EXIT
IMG=allocswap/app

fail() {
	echo "FAIL (exec-$ENGINE_NAME): $*" >&2
	for f in "$T"/out "$T"/err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}
x() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "expected exit $1, got $rc from: $2"; }
has() { grep -q -e "$2" "$1" || fail "'$2' not in $1"; }
t_start() { t0=$(date +%s.%N); }
t_took() { awk -v a="$t0" -v b="$(date +%s.%N)" -v w="$1" 'BEGIN {printf "took %.1f s: %s\n", b - a, w}'; }

# ---- the bookworm image ------------------------------------------------------------------
t_start
if ! rootfs=$("$A" image path bookworm 2>"$T/err") || [ ! -d "$rootfs" ]; then
	echo "no bookworm image yet ($(head -n 1 "$T/err")): allocswap image build bookworm"
	if ! "$A" image build bookworm >"$T/out" 2>"$T/err" ||
		! rootfs=$("$A" image path bookworm 2>"$T/err") || [ ! -d "$rootfs" ]; then
		echo "SKIP: the bookworm image cannot be built here: $(tail -n 3 "$T/err")"
		exit 77
	fi
	t_took "allocswap image build bookworm"
fi
[ -x "$rootfs/usr/bin/python3" ] || fail "the bookworm image $rootfs has no /usr/bin/python3"
# the allocator to ask for: one the image has (Debian's, installed with its apt)
# by one of its sonames (the table's second column: space-separated)
alloc=system
for b in mimalloc jemalloc; do
	for d in usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu; do
		for so in $(sed -n "s/^\tX($b, \"\([^\"]*\)\".*/\1/p" "$SRC/liballoc/as_backend.h"); do
			[ -f "$rootfs/$d/$so" ] && alloc=$b
		done
	done
done
echo "bookworm image: $rootfs; allocator asked for: $alloc"

# ---- the engine, the base image, the README's image -----------------------------------------
engine_start "$ENGINE_NAME" "$T/e"
t_start
engine_import "$rootfs" allocswap/bookworm || {
	echo "SKIP: the bookworm image cannot be imported into $ENGINE_NAME:"
	tail -n 5 "$T/e/client.log"
	exit 77
}
t_took "import of $rootfs"

mkdir "$T/w"
ln -s "$BUILD" "$T/w/build"
cat >"$T/w/app.py" <<'EOF'
import os, signal, sys, time

mode = sys.argv[1] if len(sys.argv) > 1 else "hello"
if mode == "exit":
    sys.exit(int(sys.argv[2]))
if mode == "copy":
    sys.stdout.buffer.write(sys.stdin.buffer.read())
    sys.exit(0)
if mode == "term":
    def on_term(sig, frame):
        print("got SIGTERM", flush=True)
        sys.exit(42)
    signal.signal(signal.SIGTERM, on_term)
    print("ready, pid", os.getpid(), flush=True)
    while True:
        time.sleep(1)
words = [str(i) * (i % 50) for i in range(200000)]
print("hello from pid", os.getpid(), "with", len(words), "strings")
EOF
sed -n '/<!-- allocswap-exec-context:begin -->/,/<!-- allocswap-exec-context:end -->/p' \
	"$SRC/README.md" | sed '1,2d;$d' | sed '$d' >"$T/w/context.sh"
sed -n '/<!-- allocswap-exec-dockerfile:begin -->/,/<!-- allocswap-exec-dockerfile:end -->/p' \
	"$SRC/README.md" | sed '1,2d;$d' | sed '$d' >"$T/w/Dockerfile"
grep -q '^ENTRYPOINT \["allocswap", "exec", "--"\]$' "$T/w/Dockerfile" ||
	fail "no Dockerfile with the exec ENTRYPOINT between the README's markers"
grep -q '^install ' "$T/w/context.sh" || fail "no context commands between the README's markers"
(cd "$T/w" && sh -eu context.sh) >"$T/out" 2>"$T/err" || fail "the README's context commands failed"

t_start
eng build --network none --build-arg BASE=allocswap/bookworm \
	--build-arg ALLOCATOR_PACKAGES= --build-arg ALLOCATOR="$alloc" \
	-t "$IMG" -f "$T/w/Dockerfile" "$T/w/allocswap-context" >"$T/out" 2>"$T/err" ||
	fail "$ENGINE_NAME build of the README's Dockerfile failed"
t_took "$ENGINE_NAME build of the README's Dockerfile"

# an allocator of the table the image lacks, for the one-line failure
missing=
for b in $(sed -n 's/^\tX(\([a-z_]*\), "lib.*/\1/p' "$SRC/liballoc/as_backend.h"); do
	has=
	for so in $(sed -n "s/^\tX($b, \"\([^\"]*\)\".*/\1/p" "$SRC/liballoc/as_backend.h"); do
		[ -f "$rootfs/usr/lib/x86_64-linux-gnu/$so" ] || [ -f "$rootfs/lib/x86_64-linux-gnu/$so" ] &&
			has=1
	done
	[ -n "$has" ] || { missing=$b && break; }
done

# ---- the checks, under each seccomp setting -------------------------------------------------
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)' >"$T/in"
head -c 262144 /dev/urandom >>"$T/in"
n=0
for sec in default unconfined; do
	n=$((n + 1))
	opts="--network none"
	[ $sec = unconfined ] && opts="$opts --security-opt seccomp=unconfined"
	t_start

	# exit status
	x eng run --rm $opts "$IMG" python3 /app/app.py exit 3
	expect_rc 3 "exit 3 ($sec)"

	# SIGTERM from `stop` reaches the handler of CMD, which is pid 1
	x eng run -d --name "term$n" $opts "$IMG" python3 /app/app.py term
	expect_rc 0 "run -d ($sec)"
	i=0
	until eng logs "term$n" 2>&1 | grep -q '^ready'; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "the app never said it was ready ($sec)"
		sleep 0.1
	done
	eng logs "term$n" 2>&1 | grep -q '^ready, pid 1$' || fail "CMD is not pid 1 ($sec)"
	x eng stop -t 20 "term$n"
	expect_rc 0 "stop ($sec)"
	code=$(eng wait "term$n")
	eng logs "term$n" >"$T/out" 2>&1
	eng rm "term$n" >/dev/null
	[ "$code" = 42 ] || fail "stop: exit status $code, not the handler's 42 ($sec)"
	has "$T/out" "^got SIGTERM$"

	# stdin and stdout, byte for byte
	eng run --rm -i $opts "$IMG" python3 /app/app.py copy <"$T/in" >"$T/copy" 2>"$T/err" ||
		fail "run -i ($sec)"
	cmp "$T/in" "$T/copy" || fail "stdin to stdout through run -i is not byte for byte ($sec)"

	# the report, written by the image's own CMD to a bind-mounted directory
	mkdir -p "$T/rep$n"
	x eng run --rm $opts -v "$T/rep$n:/reports" "$IMG"
	expect_rc 0 "the image's CMD ($sec)"
	has "$T/out" "^hello from pid 1 "
	ls "$T/rep$n" >"$T/reports"
	[ "$(wc -l <"$T/reports")" = 1 ] || fail "not one report in $T/rep$n ($sec): $(cat "$T/reports")"
	/usr/bin/python3 - "$T/rep$n/$(cat "$T/reports")" "$alloc" <<'EOF' || fail "the report ($sec)"
import json, sys
j = json.load(open(sys.argv[1]))
checks = {"allocator": j["allocator"]["name"] == sys.argv[2],
          "libc": j["libc"]["name"] == "glibc", "pid 1": j["process"]["pid"] == 1,
          "mallocs": j["calls"]["malloc"] > 0}
bad = [k for k, ok in checks.items() if not ok]
if bad:
    sys.exit("wrong %s in %s" % (", ".join(bad), json.dumps(
        {k: j[k] for k in ("allocator", "libc", "process", "calls")})))
print("report:", sys.argv[1].rsplit("/", 1)[1], j["allocator"]["name"],
      j["allocator"].get("version"), j["libc"]["name"], j["libc"]["version"],
      "pid", j["process"]["pid"], "syscalls:", j["syscalls"]["source"])
EOF
	# CMD is pid 1 in every run: a second run into the same directory
	# writes a second report
	x eng run --rm $opts -v "$T/rep$n:/reports" "$IMG"
	expect_rc 0 "the image's CMD, again ($sec)"
	[ "$(ls "$T/rep$n" | grep -c '^python3.*-1-.*\.json$')" = 2 ] ||
		fail "two runs did not leave two pid-1 reports ($sec): $(ls "$T/rep$n")"

	# the configuration at run time: another allocator; one the image lacks
	# fails in one line, exit status 2
	x eng run --rm $opts -e ALLOCSWAP_ALLOCATOR=system -e ALLOCSWAP_REPORT= "$IMG" \
		python3 -c 'import os; print(os.environ["LD_PRELOAD"])'
	expect_rc 0 "ALLOCSWAP_ALLOCATOR=system at run time ($sec)"
	has "$T/out" "^/usr/local/lib/allocswap/libswap.so$"
	bad_alloc=${missing:-jemaloc}
	x eng run --rm $opts -e ALLOCSWAP_ALLOCATOR="$bad_alloc" "$IMG"
	expect_rc 2 "allocator $bad_alloc, which the image lacks ($sec)"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "allocator $bad_alloc: not one line ($sec)"
	has "$T/err" "^allocswap exec: .*allocator '$bad_alloc' (from ALLOCSWAP_ALLOCATOR)"
	t_took "checks with seccomp $sec"
done
exit 0
