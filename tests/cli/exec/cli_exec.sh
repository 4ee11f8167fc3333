#!/bin/sh
# End-to-end tests of `allocswap exec` on this machine, one case a call:
#
#   cli_exec.sh CASE ALLOCSWAP EXEC_HELPER TOOLS_SRC_DIR LIBALLOC_SRC_DIR "BACKENDS"
#
# BACKENDS are liballoc's backends for glibc; those `allocswap list` finds
# available here must work under exec, the others must be refused.
# Exit 0 pass, 1 fail, 77 skip.
set -u

case_name=$1 A=$2 H=$3 TOOLS=$4 LIBALLOC=$5 BACKENDS=$6
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-exec-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# the caller's allocswap configuration is not this test's
for v in $(env | sed -n 's/^\(ALLOCSWAP_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset LD_PRELOAD PYTHONMALLOC GLIBC_TUNABLES

fail() {
	echo "FAIL ($case_name): $*" >&2
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
lines() { wc -l <"$1" | tr -d ' '; }
json() {
	file=$1
	shift
	$PY - "$file" "$@" <<'EOF' || fail "JSON checks on $file"
import json, sys
j = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit("false: " + expr)
EOF
}

# bad WHAT ARGS...: `allocswap exec ARGS -- touch MARKER` fails with exit 2,
# exactly one line "allocswap exec: ..." on stderr, nothing on stdout, and
# CMD did not run.
bad() {
	what=$1
	shift
	rm -f "$T/marker"
	x "$@" -- touch "$T/marker"
	expect_rc 2 "$what"
	[ ! -s "$T/out" ] || fail "$what: wrote to stdout"
	[ "$(lines "$T/err")" = 1 ] || fail "$what: stderr is not one line"
	has "$T/err" "^allocswap exec: "
	[ ! -e "$T/marker" ] || fail "$what: CMD ran"
}

case $case_name in
help)
	x "$A" exec --help
	expect_rc 0 "exec --help"
	cp "$T/out" "$T/help"
	has "$T/help" "^usage: allocswap exec"
	has "$T/help" 'ENTRYPOINT \["allocswap", "exec", "--"\]'
	has "$T/help" "^Exit status:"
	# every variable of liballoc's table (that --help shows each option
	# the parser takes, and no other: options-help, tests/cli/options/help.sh)
	vars=$(sed -n '/^#define AS_OPTIONS(X)/,/^$/p' "$LIBALLOC/as_options.h" |
		grep -o '"ALLOCSWAP_[A-Z_]*"' | tr -d '"')
	[ "$(echo "$vars" | wc -w)" -ge 10 ] || fail "cannot read liballoc's option table"
	for v in $vars LD_PRELOAD GLIBC_TUNABLES PYTHONMALLOC; do
		has "$T/help" "^  $v\$"
	done
	for b in $BACKENDS; do
		grep -q " $b\([ ,]\|\$\)" "$T/help" || fail "exec --help does not name allocator $b"
	done
	x "$A" --help
	has "$T/out" "^  exec "
	x "$A" exec -h
	expect_rc 0 "exec -h"
	;;

exit-status)
	for n in 0 3 255; do
		x "$A" exec -- "$H" exit "$n"
		expect_rc "$n" "exec_helper exit $n"
		[ ! -s "$T/err" ] || fail "exec wrote to stderr on exit $n"
		x "$A" exec -a mimalloc -- $PY -c "import sys; sys.exit($n)"
		expect_rc "$n" "python3 exit $n"
	done
	;;

signal)
	# killed by a signal: the shell sees 128+N, as for CMD itself
	x "$A" exec -- "$H" signal 15
	expect_rc 143 "killed by SIGTERM"
	x "$A" exec -- $PY -c 'import os, signal; os.kill(os.getpid(), signal.SIGTERM)'
	expect_rc 143 "python3 killed by SIGTERM"
	# SIGTERM sent to the pid that was started reaches CMD's handler: the
	# pid is the same (exec, not fork)
	"$A" exec -a jemalloc -- "$H" term "$T/pid" >"$T/out" 2>"$T/err" &
	pid=$!
	i=0
	while [ ! -s "$T/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/pid" ] || { kill -KILL $pid; fail "the helper never wrote its pid"; }
	[ "$(cat "$T/pid")" = "$pid" ] || fail "CMD's pid $(cat "$T/pid") is not the started pid $pid"
	kill -TERM $pid
	wait $pid
	rc=$?
	expect_rc 42 "SIGTERM to the exec'd pid"
	has "$T/out" "^got SIGTERM$"
	;;

stdio)
	# every byte value, then 1 MiB of random bytes, through stdin and stdout
	$PY -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16)' >"$T/in"
	head -c 1048576 /dev/urandom >>"$T/in"
	"$A" exec -a jemalloc -- "$H" copy <"$T/in" >"$T/copy" 2>"$T/err"
	rc=$?
	expect_rc 0 "copy"
	cmp "$T/in" "$T/copy" || fail "stdout is not stdin byte for byte"
	[ "$(cat "$T/err")" = "$(wc -c <"$T/in" | tr -d ' ') bytes" ] || fail "stderr: $(cat "$T/err")"
	# the same through a pipe, with python3 in full pymalloc-off mode
	$PY -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())' <"$T/in" >"$T/want"
	cat "$T/in" | "$A" exec --pymalloc off -a mimalloc -- $PY -c \
		'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())' | cat >"$T/copy"
	cmp "$T/want" "$T/copy" || fail "python3 through pipes is not byte for byte"
	;;

environment)
	# LD_PRELOAD keeps its entries after libswap (an old libswap entry is
	# dropped); GLIBC_TUNABLES is merged; libswap's other variables stay;
	# the CLI's own go
	zlib=$(for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
		[ -f "$d/libz.so.1" ] && echo "$d/libz.so.1" && break; done)
	[ -n "$zlib" ] || fail "no libz.so.1 to preload"
	x env LD_PRELOAD="/old/libswap.so $zlib" GLIBC_TUNABLES=glibc.malloc.check=0 \
		ALLOCSWAP_SUMMARY=0 ALLOCSWAP_CLI_PYTHON=/nowhere PYTHONMALLOC=debug \
		"$A" exec -a jemalloc --pymalloc off -- "$H" environ
	expect_rc 0 "exec environ"
	cp "$T/out" "$T/env"
	swap=$(sed -n 's/^LD_PRELOAD=\([^:]*\):.*/\1/p' "$T/env")
	case $swap in */libswap.so) ;; *) fail "libswap is not first in LD_PRELOAD" ;; esac
	[ -f "$swap" ] || fail "LD_PRELOAD's libswap $swap does not exist"
	has "$T/env" "^LD_PRELOAD=$swap:$zlib\$"
	has "$T/env" "^GLIBC_TUNABLES=glibc.malloc.check=0:glibc.rtld.optional_static_tls=[0-9]*\$"
	has "$T/env" "^ALLOCSWAP_ALLOCATOR=jemalloc\$"
	has "$T/env" "^ALLOCSWAP_SUMMARY=0\$"
	has "$T/env" "^PYTHONMALLOC=malloc\$"
	! grep -q "^ALLOCSWAP_CLI_" "$T/env" || fail "ALLOCSWAP_CLI_PYTHON reached CMD"
	# --print-env prints what CMD gets
	x env LD_PRELOAD="/old/libswap.so $zlib" GLIBC_TUNABLES=glibc.malloc.check=0 \
		ALLOCSWAP_SUMMARY=0 ALLOCSWAP_CLI_PYTHON=/nowhere PYTHONMALLOC=debug \
		"$A" exec --print-env -a jemalloc --pymalloc off -- "$H" environ
	expect_rc 0 "--print-env"
	sort "$T/out" >"$T/printed"
	sort "$T/env" >"$T/got"
	cmp -s "$T/printed" "$T/got" || fail "--print-env differs from CMD's environment"
	# both preloads are really loaded
	x env LD_PRELOAD="$zlib" "$A" exec -- "$H" maps libz.so.1
	[ "$(cat "$T/out")" -ge 1 ] || fail "the old LD_PRELOAD entry was not loaded"
	x env LD_PRELOAD="$zlib" "$A" exec -- "$H" maps libswap.so
	[ "$(cat "$T/out")" -ge 1 ] || fail "libswap was not loaded"
	# options override the environment; --pymalloc on removes PYTHONMALLOC
	x env ALLOCSWAP_ALLOCATOR=mimalloc ALLOCSWAP_STATS=off PYTHONMALLOC=malloc \
		GLIBC_TUNABLES=glibc.rtld.optional_static_tls=8192 \
		"$A" exec --print-env -a jemalloc --stats full --pymalloc on -- true
	expect_rc 0 "options over the environment"
	has "$T/out" "^ALLOCSWAP_ALLOCATOR=jemalloc\$"
	has "$T/out" "^ALLOCSWAP_STATS=full\$"
	has "$T/out" "^GLIBC_TUNABLES=glibc.rtld.optional_static_tls=8192\$"
	! grep -q "^PYTHONMALLOC=" "$T/out" || fail "--pymalloc on kept PYTHONMALLOC"
	# without LD_PRELOAD: libswap alone
	x "$A" exec --print-env -- true
	[ "$(grep -c '^LD_PRELOAD=' "$T/out")" = 1 ] || fail "not one LD_PRELOAD"
	has "$T/out" "^LD_PRELOAD=[^:]*/libswap.so\$"
	;;

report)
	# every backend `allocswap list` finds here runs under exec and the
	# report says so; every one it does not find is refused
	x "$A" list --format json
	expect_rc 0 "list --format json"
	avail=$($PY -c 'import json, sys
print(" ".join(a["name"] for a in json.load(open(sys.argv[1]))["allocators"]
      if a["libc"] == "glibc" and a["available"]))' "$T/out")
	[ -n "$avail" ] || fail "list finds no allocator"
	echo "available here: $avail"
	for b in $BACKENDS; do
		case " $avail " in
		*" $b "*) ;;
		*)
			bad "$b is not available here" "$A" exec -a "$b"
			has "$T/err" "is not installed"
			continue
			;;
		esac
		rm -rf "$T/r"
		# the directory is made; options win over the environment
		x env ALLOCSWAP_ALLOCATOR=system ALLOCSWAP_REPORT=/nonexistent/x.json \
			"$A" exec -a "$b" --report "$T/r/py/" -- $PY -c 'print(sum(range(10**5)))'
		expect_rc 0 "python3 under $b"
		has "$T/out" "^4999950000$"
		ls "$T"/r/py/python3*-*.json >/dev/null 2>&1 || fail "no python3 report under $b"
		# a C program, configured by the environment alone
		x env ALLOCSWAP_ALLOCATOR="$b" ALLOCSWAP_REPORT="$T/r/c/helper-%p.json" \
			"$A" exec -- "$H" alloc
		expect_rc 0 "exec_helper alloc under $b"
		for f in "$T"/r/py/python3*-*.json "$T"/r/c/helper-*.json; do
			json "$f" "j['allocator']['name'] == '$b'" "j['libc']['name'] == 'glibc'" \
				"j['schema'] == 'allocswap.report/1'" "j['calls']['malloc'] > 0"
		done
	done
	;;

errors)
	x "$A" exec -a jemalloc --
	expect_rc 2 "no command"
	[ "$(lines "$T/err")" = 1 ] || fail "no command: stderr is not one line"
	has "$T/err" "no command given"
	bad "unknown allocator" "$A" exec -a jemaloc
	for b in $BACKENDS; do
		grep -q "[ ,]$b[ ,]" "$T/err" || fail "unknown-allocator line does not list $b"
	done
	bad "unknown allocator (environment)" env ALLOCSWAP_ALLOCATOR=jemaloc "$A" exec
	has "$T/err" "from ALLOCSWAP_ALLOCATOR"
	bad "bad --stats" "$A" exec --stats verbose
	has "$T/err" "off, counters or full"
	bad "bad ALLOCSWAP_STATS" env ALLOCSWAP_STATS=verbose "$A" exec
	bad "unknown ALLOCSWAP_ variable" env ALLOCSWAP_ALOCATOR=jemalloc "$A" exec
	has "$T/err" "ALLOCSWAP_ALLOCATOR"
	bad "bad --pymalloc" "$A" exec --pymalloc maybe
	bad "unknown option" "$A" exec --bogus
	bad "missing allocator file" "$A" exec -a ./no/such.so
	bad "allocator file that is no library" "$A" exec -a /etc/passwd
	bad "bad %-sequence" "$A" exec --report "$T/r-%q.json"
	bad "empty --report" "$A" exec --report ""
	bad "allocator already in LD_PRELOAD" env LD_PRELOAD=libjemalloc.so.2 "$A" exec
	has "$T/err" "--allocator jemalloc"
	# by any of its sonames (mimalloc's second; a harmless library by that name)
	cp "$(/sbin/ldconfig -p | awk '$1 == "libz.so.1" && $NF ~ /^\// {print $NF; exit}')" \
		"$T/libmimalloc.so.3" || fail "no libz.so.1 to copy"
	bad "allocator's second soname in LD_PRELOAD" env LD_PRELOAD="$T/libmimalloc.so.3" "$A" exec
	has "$T/err" "LD_PRELOAD already loads $T/libmimalloc.so.3, .* --allocator mimalloc"
	# report directory not writable: a file in the way ...
	: >"$T/file"
	bad "report dir under a file" "$A" exec --report "$T/file/reports/"
	bad "report dir under a file (environment)" env ALLOCSWAP_REPORT="$T/file/r.json" "$A" exec
	# ... a read-only file system (a private mount namespace) ...
	mkdir "$T/ro"
	if unshare -m true 2>/dev/null; then
		bad "read-only report dir" unshare -m sh -c \
			'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"' sh "$T/ro" \
			"$A" exec --report "$T/ro/"
		has "$T/err" "not writable"
	else
		echo "skipped the read-only mount case: unshare -m does not work here"
	fi
	# ... and a directory another user cannot write (as root, access(2) says yes)
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		mkdir -m 755 "$T/mine"
		chmod 755 "$T"
		bad "report dir of another user" setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$A" exec --report "$T/mine/"
		has "$T/err" "not writable"
	fi
	# a named allocator whose library is not where the loader looks
	# (hidden under /dev/null in a bwrap sandbox)
	jem=$(for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
		[ -f "$d/libjemalloc.so.2" ] && echo "$d/libjemalloc.so.2" && break; done)
	if [ -n "$jem" ] && command -v bwrap >/dev/null &&
		bwrap --dev-bind / / --ro-bind /dev/null "$jem" true 2>/dev/null; then
		bad "allocator not installed" bwrap --dev-bind / / --ro-bind /dev/null "$jem" \
			--ro-bind /dev/null "/usr${jem#/usr}" "$A" exec -a jemalloc
		has "$T/err" "libjemalloc.so.2 is not installed"
		has "$T/err" "choose one that is here: system"
	else
		echo "skipped the missing-library case: no jemalloc or no bwrap here"
	fi
	# a statically linked CMD cannot be preloaded into
	if [ -x "${H}_static" ]; then
		bad "static CMD" "$A" exec -- "${H}_static" exit 0
		has "$T/err" "statically linked"
	fi
	# CMD not found or not executable: 127 and 126, as a shell says
	x "$A" exec -- "$T/no-such-program"
	expect_rc 127 "a program that does not exist"
	x "$A" exec -- no-such-program-anywhere
	expect_rc 127 "a name not in PATH"
	has "$T/err" "command not found"
	printf 'not a program\n' >"$T/noexec"
	x "$A" exec -- "$T/noexec"
	expect_rc 126 "a file that is not executable"
	;;

loader)
	# the allocator check looks where the dynamic loader looks: with the
	# system's libjemalloc hidden (bwrap), a copy named by a private
	# /etc/ld.so.cache, or by LD_LIBRARY_PATH, is accepted, and it is the
	# one that serves malloc
	jem=$(for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu; do
		[ -f "$d/libjemalloc.so.2" ] && echo "$d/libjemalloc.so.2" && break; done)
	[ -n "$jem" ] || { echo "SKIP: no libjemalloc.so.2 here"; exit 77; }
	command -v bwrap >/dev/null && command -v ldconfig >/dev/null ||
		{ echo "SKIP: no bwrap or ldconfig here"; exit 77; }
	bwrap --dev-bind / / true 2>/dev/null || { echo "SKIP: bwrap cannot run here"; exit 77; }
	mkdir "$T/lib"
	cp -L "$jem" "$T/lib/"
	ldconfig -C "$T/ld.so.cache" "$T/lib" || fail "ldconfig -C"
	hide="--ro-bind /dev/null $jem"
	x bwrap --dev-bind / / $hide --ro-bind "$T/ld.so.cache" /etc/ld.so.cache \
		"$A" exec -a jemalloc --report "$T/r1/" -- "$H" alloc
	expect_rc 0 "jemalloc found through /etc/ld.so.cache"
	json "$(ls "$T"/r1/*.json)" "j['allocator']['path'] == '$T/lib/libjemalloc.so.2'"
	x bwrap --dev-bind / / $hide env LD_LIBRARY_PATH="$T/lib" \
		"$A" exec -a jemalloc --report "$T/r2/" -- "$H" alloc
	expect_rc 0 "jemalloc found through LD_LIBRARY_PATH"
	json "$(ls "$T"/r2/*.json)" "j['allocator']['path'] == '$T/lib/libjemalloc.so.2'"
	bad "jemalloc hidden" bwrap --dev-bind / / $hide "$A" exec -a jemalloc
	;;

musl)
	# a musl CMD gets the musl libswap, and a musl allocator where the musl
	# loader looks (LD_LIBRARY_PATH here), not the host's glibc one
	py=$("$A" build --path python-musl-os 2>/dev/null)/bin/python3.11
	jem=$("$A" build --path musl-jemalloc 2>/dev/null)/lib
	[ -x "$py" ] && [ -f "$jem/libjemalloc.so.2" ] ||
		{ echo "SKIP: no musl Python or musl jemalloc built: allocswap build musl"; exit 77; }
	x "$A" exec --print-env -- "$py" -c 1
	grep -q "no musl build of libswap.so" "$T/err" &&
		{ echo "SKIP: $(cat "$T/err")"; exit 77; }
	expect_rc 0 "exec --print-env of the musl Python"
	has "$T/out" "^LD_PRELOAD=.*/libswap.so$"
	swap=$(sed -n 's/^LD_PRELOAD=//p' "$T/out")
	[ "$swap" != "$("$A" exec --print-env -- "$H" | sed -n 's/^LD_PRELOAD=//p')" ] ||
		fail "the musl Python got the glibc libswap"
	bad "the host's jemalloc is glibc's" "$A" exec -a jemalloc -- "$py" -c 1
	has "$T/err" "where the musl loader looks"
	x env LD_LIBRARY_PATH="$jem" "$A" exec -a jemalloc --report "$T/r/" -- "$py" -c 'print(6 * 7)'
	expect_rc 0 "the musl Python under musl jemalloc"
	has "$T/out" "^42$"
	json "$(ls "$T"/r/*.json)" "j['libc']['name'] == 'musl'" "j['allocator']['name'] == 'jemalloc'" \
		"j['allocator']['path'].startswith('$jem/')"
	;;

installed)
	# the layout `meson install` makes (and the README's image has):
	# PREFIX/bin/allocswap finds PREFIX/lib/allocswap/libswap.so, and the
	# musl build's PREFIX/lib/allocswap/musl/libswap.so
	command -v meson >/dev/null || { echo "SKIP: no meson"; exit 77; }
	build=$(cd "$(dirname "$A")/.." && pwd)
	musl=$(dirname "$build")/build-musl
	x meson install -C "$build" --no-rebuild --destdir "$T/dest"
	expect_rc 0 "meson install -C $build"
	want="bin/allocswap lib/allocswap/libswap.so share/allocswap/allocswap_suite.py share/allocswap/build.sh"
	if [ -f "$musl/preload/libswap.so" ]; then
		x meson install -C "$musl" --no-rebuild --destdir "$T/dest"
		expect_rc 0 "meson install -C $musl"
		want="$want lib/allocswap/musl/libswap.so"
	else
		echo "the musl build ($musl) is not made: its install is not checked"
	fi
	I=$(find "$T/dest" -path '*/bin/allocswap')
	I=${I%/bin/allocswap}
	[ -n "$I" ] || fail "meson install put no bin/allocswap under $T/dest"
	got=$(cd "$I" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
	[ "$got" = "$(printf '%s\n' $want | sort | tr '\n' ' ')" ] ||
		fail "meson install made: $got; wanted: $want"
	# list finds each libswap there, and run and exec preload it
	x "$I/bin/allocswap" list --format json
	expect_rc 0 "installed allocswap list"
	cp "$T/out" "$T/list.json"
	json "$T/list.json" "[l['libswap'] for l in j['libcs'] if l['name'] == 'glibc'] == ['$I/lib/allocswap/libswap.so']" \
		"[l['available'] for l in j['libcs'] if l['name'] == 'glibc'] == [True]" \
		"[a['available'] for a in j['allocators'] if a['name'] == 'system' and a['libc'] == 'glibc'] == [True]"
	case $want in
	*musl*) json "$T/list.json" "[l['libswap'] for l in j['libcs'] if l['name'] == 'musl'] == ['$I/lib/allocswap/musl/libswap.so']" ;;
	esac
	x "$I/bin/allocswap" run -q -a system -- /bin/grep -o '/[^ ]*libswap\.so$' /proc/self/maps
	expect_rc 0 "installed allocswap run -a system"
	[ "$(sort -u "$T/out")" = "$I/lib/allocswap/libswap.so" ] ||
		fail "run under the installed allocswap mapped: $(sort -u "$T/out" | tr '\n' ' ')"
	x "$I/bin/allocswap" run -a system -- /bin/true
	expect_rc 0 "installed allocswap run -a system -- /bin/true"
	has "$T/err" "(allocator system [0-9.]*, glibc [0-9.]*, stats counters)"
	x "$I/bin/allocswap" exec --print-env -- true
	expect_rc 0 "installed allocswap exec --print-env"
	has "$T/out" "^LD_PRELOAD=$I/lib/allocswap/libswap.so\$"
	x "$I/bin/allocswap" exec --report "$T/r/" -a mimalloc -- "$H" alloc
	expect_rc 0 "installed allocswap runs CMD"
	json "$(ls "$T"/r/*.json)" "j['allocator']['name'] == 'mimalloc'"
	rm "$I/lib/allocswap/libswap.so"
	bad "no libswap beside allocswap" "$I/bin/allocswap" exec
	has "$T/err" "installed, it is $I/bin/../lib/allocswap/libswap.so"
	;;

*)
	fail "unknown case"
	;;
esac
exit 0
