#!/bin/sh
# special_targets.sh LIBSWAP HELLO: ALLOCSWAP_SITES and ALLOCSWAP_REPORT
# naming something a temporary file must not be renamed over (as root, a
# rename replaces a device node with a regular file).  In a scratch
# directory (never the host's /dev): a character device (null, c 1 3) and a
# FIFO with a reader are written in place and stay what they were; a
# symlink to /proc/self/fd/1 (what /dev/stdout is) writes into the
# program's stdout (a duplicate of it), a file, a pipe or a socket, and
# stays a link; a FIFO without a
# reader and a block device are refused with one line, nothing made; a
# symlink owned by someone else is not followed (renamed over); a regular
# file that a link of root's names is written at its end (the report: only
# an empty one, a shell's fresh "> file").  Needs root (mknod).
set -eu
lib=$1
hello=$2
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (mknod for a character device in a scratch directory)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
d=$dir/devdir
mkdir "$d"
mknod "$d/null" c 1 3
mknod "$d/blk" b 7 250
mkfifo "$d/fifo"
ln -s /proc/self/fd/1 "$d/stdout"
fails=0
fail() {
	echo "special_targets.sh: $*" >&2
	fails=$((fails + 1))
}
run() { # ENV=... : hello under full mode, one sample per allocation
	env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=1 "$@" "$hello"
}
folded_lines() { grep -cE '^[^ ]+( [^ ]+)* [0-9]+$' "$1" || true; }
no_leftovers() {
	left=$(ls "$d" | grep -vxE 'null|blk|fifo|stdout|' || true)
	[ -z "$left" ] || fail "$1: left in the directory: $left"
}

# the folded file needs native stacks (none where libswap finds no libunwind)
run ALLOCSWAP_SITES="$dir/probe" >/dev/null
sites=0
if [ -s "$dir/probe" ]; then
	sites=1
else
	echo "special_targets.sh: this build samples no stacks (no folded file): the report's cases only"
fi

# a character device: written, still a character device
run ALLOCSWAP_REPORT="$d/null" >/dev/null 2>"$dir/err" || fail "report null: exit $?"
[ -c "$d/null" ] || fail "report to a character device replaced it"
[ ! -s "$dir/err" ] || fail "report null: $(cat "$dir/err")"
# /dev/stdout-like, through a pipe: the report follows hello's own line
run ALLOCSWAP_REPORT="$d/stdout" | cat >"$dir/rpipe" || fail "report pipe: exit $?"
grep -v '^hello$' "$dir/rpipe" | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)' ||
	fail "report to a /proc/self/fd/1 pipe is not one JSON document"
[ -L "$d/stdout" ] || fail "report to a /proc/self/fd/1 link replaced the link"
# stdout a socket (a service's journal): /proc cannot open it, a dup can
/usr/bin/python3 -c 'import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen(sys.argv[1:], stdout=a)
a.close()
sys.stdout.buffer.write(b"".join(iter(lambda: b.recv(65536), b"")))
sys.exit(p.wait())' env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_REPORT="$d/stdout" "$hello" \
	>"$dir/rsock" 2>"$dir/err" || fail "report to a socket stdout: exit $?"
grep -v '^hello$' "$dir/rsock" | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)' ||
	fail "report to a /proc/self/fd/1 socket is not one JSON document: $(cat "$dir/err")"
# a block device: refused
run ALLOCSWAP_REPORT="$d/blk" >/dev/null 2>"$dir/err" || fail "report blk: exit $?"
grep -qx "allocswap: cannot write the report to $d/blk: not a regular file, character device or FIFO" \
	"$dir/err" || fail "report to a block device said: $(cat "$dir/err")"
[ -b "$d/blk" ] || fail "report to a block device replaced it"
# a link of root's to an empty regular file (a shell's fresh "> file"):
# written into it; to a non-empty one: PATH.PID, the file untouched
: >"$dir/target"
ln -s "$dir/target" "$dir/mine"
run ALLOCSWAP_REPORT="$dir/mine" >/dev/null 2>"$dir/err" || fail "report mine: exit $?"
/usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/target" ||
	fail "the report through root's link to an empty file is not JSON"
set -- "$dir"/mine.*
[ ! -e "$1" ] || fail "the report through root's link to an empty file: $1 made"
cp "$dir/target" "$dir/target.was"
run ALLOCSWAP_REPORT="$dir/mine" >/dev/null 2>"$dir/err" || fail "report mine again: exit $?"
cmp -s "$dir/target" "$dir/target.was" || fail "the report wrote into a non-empty file a link names"
set -- "$dir"/mine.*
[ -f "$1" ] || fail "the report through root's link to a non-empty file: no PATH.PID"
rm -f "$dir"/mine.* "$dir/target.was"
no_leftovers report

if [ $sites = 1 ]; then
	run ALLOCSWAP_SITES="$d/null" >/dev/null 2>"$dir/err" || fail "null: exit $?"
	[ -c "$d/null" ] || fail "sites to a character device replaced it: $(ls -l "$d/null")"
	[ ! -s "$dir/err" ] || fail "null: $(cat "$dir/err")"

	# /dev/stdout-like: the folded lines follow hello's own output, in a
	# file and through a pipe; the link stays
	run ALLOCSWAP_SITES="$d/stdout" >"$dir/out" 2>"$dir/err" || fail "stdout: exit $?"
	[ -L "$d/stdout" ] || fail "sites to a /proc/self/fd/1 link replaced the link"
	[ "$(head -n 1 "$dir/out")" = hello ] || fail "stdout to a file: first line $(head -n 1 "$dir/out")"
	[ "$(folded_lines "$dir/out")" -ge 1 ] || fail "stdout to a file: no folded line in $(cat "$dir/out")"
	[ ! -s "$dir/err" ] || fail "stdout: $(cat "$dir/err")"
	run ALLOCSWAP_SITES="$d/stdout" | cat >"$dir/pipe" || fail "stdout pipe: exit $?"
	[ "$(folded_lines "$dir/pipe")" -ge 1 ] || fail "stdout to a pipe: no folded line in $(cat "$dir/pipe")"

	# a FIFO with a reader, and without
	cat "$d/fifo" >"$dir/fifo.out" &
	reader=$!
	run ALLOCSWAP_SITES="$d/fifo" >/dev/null 2>"$dir/err" || fail "fifo: exit $?"
	if [ -p "$d/fifo" ]; then
		wait $reader
	else
		fail "sites to a FIFO replaced it"
		kill $reader 2>/dev/null || true # it waits for a writer that never comes
		mkfifo "$d/fifo.new" && mv -f "$d/fifo.new" "$d/fifo"
	fi
	[ "$(folded_lines "$dir/fifo.out")" -ge 1 ] || fail "fifo: no folded line read"
	run ALLOCSWAP_SITES="$d/fifo" >/dev/null 2>"$dir/err" || fail "fifo without reader: exit $?"
	grep -qx "allocswap: cannot write the folded stacks to $d/fifo: a FIFO with no reader" "$dir/err" ||
		fail "fifo without a reader said: $(cat "$dir/err")"
	[ -p "$d/fifo" ] || fail "sites to a FIFO without a reader replaced it"

	# a block device: refused
	run ALLOCSWAP_SITES="$d/blk" >/dev/null 2>"$dir/err" || fail "blk: exit $?"
	grep -qx "allocswap: cannot write the folded stacks to $d/blk: not a regular file, character device or FIFO" \
		"$dir/err" || fail "block device said: $(cat "$dir/err")"
	[ -b "$d/blk" ] || fail "sites to a block device replaced it"
	no_leftovers sites

	# a link owned by someone else is not followed: the link is replaced
	ln -s "$d/null" "$dir/theirs"
	chown -h nobody "$dir/theirs"
	run ALLOCSWAP_SITES="$dir/theirs" >/dev/null || fail "theirs: exit $?"
	[ -c "$d/null" ] || fail "a link owned by nobody was followed"
	[ -f "$dir/theirs" ] && [ ! -L "$dir/theirs" ] || fail "a link owned by nobody: not replaced by the file"

	# a link of root's to a regular file: written at its end, the link stays
	echo keep >"$dir/target"
	run ALLOCSWAP_SITES="$dir/mine" >/dev/null 2>"$dir/err" || fail "sites mine: exit $?"
	[ -L "$dir/mine" ] || fail "sites through root's link to a file replaced the link"
	[ "$(head -n 1 "$dir/target")" = keep ] || fail "sites through root's link: the file's first line went"
	[ "$(folded_lines "$dir/target")" -ge 1 ] || fail "sites through root's link: no folded line: $(cat "$dir/target")"
fi

[ $fails -eq 0 ] || exit 1
echo "special_targets.sh: ok"
