#!/bin/sh
# folded.sh LIBSWAP SITES_PROG: ALLOCSWAP_SITES writes one folded-stacks file
# per process (%p), root first, "frame;frame;... BYTES" per line, which
# flame graph tools read.  The parent's file has site_a under main and
# site_b under thread_b, with estimates within the bounds sites.c uses; the
# forked child's has site_d and no site_a (its estimates start at the fork).
set -eu
lib=$1
prog=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "folded.sh: $*" >&2
	for f in "$dir"/f-*; do echo "--- $f" >&2; cat "$f" >&2; done
	exit 1
}

env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=64K \
	ALLOCSWAP_SITES="$dir/f-%p" "$prog" >/dev/null
set -- "$dir"/f-*
[ $# -eq 2 ] || fail "expected 2 files (parent and child), got $#"

# every line: frames separated by ';', one space, a decimal count
for f in "$@"; do
	bad=$(grep -cvE '^[^ ]+( [^ ]+)* [0-9]+$' "$f" || true)
	[ "$bad" -eq 0 ] || fail "$f: $bad malformed lines"
	grep -q '^_start;' "$f" || fail "$f: stacks do not start at the root (_start)"
done

# bytes of the line whose leaf is $2 and whose parent frame is $3, in file $1
bytes_of() {
	awk -v leaf="$2" -v caller="$3" '{
		n = split($1, fr, ";")
		if (fr[n] == leaf && fr[n - 1] == caller) print $2
	}' "$1"
}
check() { # file leaf caller want_bytes pct
	got=$(bytes_of "$1" "$2" "$3")
	[ -n "$got" ] || fail "no $3;$2 stack in $1"
	lo=$(( $4 / 100 * (100 - $5) ))
	hi=$(( $4 / 100 * (100 + $5) ))
	[ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] || fail "$3;$2: $got bytes, want $lo..$hi"
	echo "ok $3;$2 $got (want $4 +-$5%)"
}

mib=1048576
parent=$(grep -l ';site_a ' "$@" || true)
[ -n "$parent" ] || fail "no file has site_a"
for f in "$@"; do [ "$f" = "$parent" ] || child=$f; done
check "$parent" site_a main $((192 * mib)) 9
check "$parent" site_b thread_b $((64 * mib)) 15
check "$child" site_d main $((32 * mib)) 20
if grep -q ';site_a ' "$child"; then fail "the child's file has site_a"; fi
echo "folded.sh: ok"
