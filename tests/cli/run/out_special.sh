#!/bin/sh
# `-o FILE` (sites -o, run -o) on what is not a regular file: written in
# place, never replaced by a file (tools/cli/as_file.h).
#
#   out_special.sh ALLOCSWAP
#
# The device part runs as root in a private mount namespace, on a tmpfs over
# a scratch directory: never on the host's /dev.  Exit 0 pass, 1 fail.
set -u
A=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-out.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# a folded file: sites reads it without running anything
printf 'main;/nonexistent/prog+0x10 4096\n' >"$T/in.folded"
"$A" sites -o "$T/plain" "$T/in.folded" 2>"$T/err" || fail "sites -o a new file: $(cat "$T/err")"
grep -q "4.0 KiB\|4096" "$T/plain" || fail "sites -o wrote no sites: $(cat "$T/plain")"
cp "$T/plain" "$T/expect"

# a link to this process's standard output: a dup of it, after what the
# caller wrote before (a file opened with '>'); the link stays a link
mkdir "$T/dev"
ln -s /proc/self/fd/1 "$T/dev/stdout"
{ echo header; "$A" sites -o "$T/dev/stdout" "$T/in.folded"; } >"$T/got" 2>"$T/err" ||
	fail "sites -o LINK-TO-/proc/self/fd/1: $(cat "$T/err")"
[ -L "$T/dev/stdout" ] || fail "the link to /proc/self/fd/1 was replaced"
{ echo header; cat "$T/expect"; } | cmp -s - "$T/got" || fail "through /proc/self/fd/1: $(cat "$T/got")"
# /dev/fd/1 itself (was ENOENT: a temporary name inside /proc/self/fd)
"$A" sites -o /dev/fd/1 "$T/in.folded" >"$T/got" 2>"$T/err" || fail "sites -o /dev/fd/1: $(cat "$T/err")"
cmp -s "$T/expect" "$T/got" || fail "through /dev/fd/1: $(cat "$T/got")"
# run -o through the link, into a pipe
"$A" run -o "$T/dev/stdout" -- true 2>"$T/err" | cat >"$T/got" || fail "run -o LINK: $(cat "$T/err")"
grep -q . "$T/got" || fail "run -o through a link to stdout wrote nothing"
[ -L "$T/dev/stdout" ] || fail "run -o replaced the link"

# a link to a regular file: the target written, the link kept
echo old >"$T/target"
ln -s target "$T/link"
"$A" sites -o "$T/link" "$T/in.folded" 2>"$T/err" || fail "sites -o LINK: $(cat "$T/err")"
[ -L "$T/link" ] || fail "the link to a regular file was replaced by a file"
cmp -s "$T/expect" "$T/target" || fail "the link's target was not written: $(cat "$T/target")"

# a FIFO: written to its reader, still a FIFO
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fromfifo" &
reader=$!
"$A" sites -o "$T/fifo" "$T/in.folded" 2>"$T/err" || { kill "$reader"; fail "sites -o FIFO: $(cat "$T/err")"; }
wait "$reader"
[ -p "$T/fifo" ] || fail "the FIFO was replaced"
cmp -s "$T/expect" "$T/fromfifo" || fail "the FIFO's reader got: $(cat "$T/fromfifo")"

if [ "$(id -u)" != 0 ]; then
	echo "out_special: not root: the device and unwritable-directory cases were not run" >&2
	exit 0
fi

# a writable file in a directory this user cannot write: written in place
mkdir "$T/ro"
echo old >"$T/ro/f"
chmod 0666 "$T/ro/f"
chmod 0555 "$T/ro"
chmod 0755 "$T"
cp "$T/in.folded" "$T/ro.folded" && chmod 0644 "$T/ro.folded"
setpriv --reuid=65534 --regid=65534 --clear-groups "$A" sites -o "$T/ro/f" "$T/ro.folded" 2>"$T/err" ||
	fail "sites -o a writable file in an unwritable directory: $(cat "$T/err")"
"$A" sites "$T/ro.folded" >"$T/expect.ro" || fail "sites to standard output"
cmp -s "$T/expect.ro" "$T/ro/f" || fail "in an unwritable directory: $(cat "$T/ro/f")"

# a character device (a null device made here, on a private tmpfs)
unshare -m --propagation private sh -c '
	set -e
	mount -t tmpfs scratch "$1/dev"
	mknod "$1/dev/null" c 1 3
	"$2" sites -o "$1/dev/null" "$1/in.folded"
	"$2" run -o "$1/dev/null" -- true
	[ -c "$1/dev/null" ] || { echo "the null device was replaced by a file" >&2; exit 1; }
	[ "$(ls -A "$1/dev")" = null ] || { echo "left in the directory: $(ls -A "$1/dev")" >&2; exit 1; }
' sh "$T" "$A" 2>"$T/err" || fail "sites/run -o a character device: $(cat "$T/err")"
exit 0
