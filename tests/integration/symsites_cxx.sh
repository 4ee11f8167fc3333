#!/bin/sh
# symsites_cxx.sh LIBSWAP ALLOCSWAP PROG SRCDIR: `allocswap sites` prints
# C++ names demangled, as addr2line -C and perf do: a member function of a
# class template in a namespace from the program's DWARF (with the line
# marked SITE:grow), operator new from libstdc++'s dynamic symbols, and the
# std::vector frames inlined into the program; in the listing of the report
# and in --folded from the folded file (whose dynamic symbols name no
# module).  No mangled name (_Z...) is left in either.
set -eu
lib=$1 A=$2 prog=$3 src=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "symsites_cxx.sh: $*" >&2
	for f in "$dir"/*.txt; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
	exit 1
}
env LD_PRELOAD="$lib" ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=64K \
	ALLOCSWAP_REPORT="$dir/prog.json" ALLOCSWAP_SITES="$dir/prog.folded" "$prog" >"$dir/out.txt" ||
	fail "$prog: exit $?"
[ "$(cat "$dir/out.txt")" = 40000 ] || fail "the program's output"
if ! grep -q '"source": *"libunwind"' "$dir/prog.json"; then
	echo "symsites_cxx.sh: skipped: libswap sampled no native stacks here (no libunwind)"
	exit 77
fi
line=$(grep -n "SITE:grow" "$src/symsites_cxx.cc" | cut -d: -f1)
grow="shapes::Grower<double>::grow(unsigned long)"
new="operator new(unsigned long)"

"$A" sites "$dir/prog.json" >"$dir/list.txt" 2>"$dir/list-err.txt" || fail "allocswap sites: exit $?"
# the top site: operator new (or new[], where it is not a tail call), then
# grow at its line
awk -v new="$new (" -v new2="operator new[](unsigned long) (" -v grow="$grow ($src/symsites_cxx.cc:$line)" '
	/^  #1 / { top = 1; next }
	top && n == 0 { ok0 = index($0, "      " new) == 1 || index($0, "      " new2) == 1 }
	top && n == 1 { ok1 = $0 == "      " grow }
	top { n++ }
	/^$/ && top { exit }
	END { exit !(ok0 && ok1) }' "$dir/list.txt" || fail "the top site is not $new < $grow"
grep -q "^      std::vector<double\*, std::allocator<double\*> >::push_back(double\*&&) (.*stl_vector.h:[0-9]*) \[inlined\]$" \
	"$dir/list.txt" || fail "no inlined std::vector<double*>::push_back frame"
! grep -q '_Z' "$dir/list.txt" || fail "a mangled name is left in the listing"
echo "ok listing"

"$A" sites --folded -o "$dir/folded.txt" "$dir/prog.folded" 2>"$dir/folded-err.txt" ||
	fail "allocswap sites --folded: exit $?"
grep -q ";main (symsites_cxx.cc:[0-9]*);$grow (symsites_cxx.cc:$line);\(operator new\[\](unsigned long);\)\{0,1\}$new [0-9]*\$" "$dir/folded.txt" ||
	fail "no folded stack ending in main;grow;operator new"
! grep -q '_Z' "$dir/folded.txt" || fail "a mangled name is left in the folded stacks"
echo "ok folded"
echo "symsites_cxx.sh: ok"
