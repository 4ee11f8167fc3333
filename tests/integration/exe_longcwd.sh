#!/bin/sh
# exe_longcwd.sh LIBSWAP HELLO: the program started by the dynamic loader
# (ld.so ./hello: libswap makes dladdr's relative name absolute against the
# working directory) from a working directory 1022 bytes long, where
# "<cwd>/" fills libswap's 1024-byte name and "hello" does not fit.  Its
# frames must not be named "<cwd>/+0x..." (a directory, what the cut name
# was): "./hello+0x..." (dladdr's name) instead.
set -eu
lib=$1
hello=$2
ld=/lib64/ld-linux-x86-64.so.2
[ -x "$ld" ] || { echo "SKIP: no $ld (x86-64 glibc's loader)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
p=$dir
while [ ${#p} -lt 800 ]; do
	p=$p/$(printf '%0200d' 0)
done
p=$p/$(printf "%0$((1022 - ${#p} - 1))d" 0)
mkdir -p "$p"
[ ${#p} -eq 1022 ] || { echo "exe_longcwd.sh: made a ${#p}-byte directory, not 1022"; exit 1; }
cp "$hello" "$p/hello"
(cd "$p" && env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=1 \
	ALLOCSWAP_SITES="$dir/f" "$ld" ./hello >/dev/null)
if grep -q '/+0x' "$dir/f"; then
	echo "exe_longcwd.sh: a frame names the working directory as its module:"
	sed 's/000000*/0.../g' "$dir/f"
	exit 1
fi
grep -q '^\./hello+0x[0-9a-f]*;' "$dir/f" || { echo "exe_longcwd.sh: no ./hello frame:"; cat "$dir/f"; exit 1; }
echo "exe_longcwd.sh: ok"
