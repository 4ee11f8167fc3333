#!/bin/sh
# symsites_nopie.sh LIBSWAP ALLOCSWAP|none PROG SRCDIR: the program's own
# frames carry its full path, and `allocswap sites` names them, however the
# program was started.  PROG is symsites (symsites_main.c, symsites_lib.c)
# built -no-pie: an ET_EXEC program, whose dladdr base (0x400000) is not its
# load bias (0), and whose module offsets count from 0x400000.  Started by
# a relative name (argv[0] "./symsites-nopie"), with no /proc (AT_EXECFN
# made absolute stands in for /proc/self/exe), with an empty argv[0]
# (dladdr's name for the program: the report had bare addresses), and by
# the dynamic loader as a command (ld.so PROG: /proc/self/exe is the
# loader): the report and the folded file read "?? (/full/path/
# symsites-nopie+0x...)" and "/full/path/symsites-nopie+0x...", and
# `allocswap sites` names churn_list, one_block (inlined), fill_table,
# symsites_run and main with the lines marked SITE:NAME (symsites_check.py,
# as in symsites.sh).  Then python3 in a root filesystem image (allocswap
# run --image, the first glibc image that can run here), whose python3 is
# itself non-PIE: its frames carry the path the image has it at.
set -eu
lib=$1 A=$2 prog=$3 src=$4
PY=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "symsites_nopie.sh: $*" >&2
	for f in "$dir"/*.txt; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
	exit 1
}
full=$(realpath "$prog")
name=$(basename "$prog")
pdir=$(dirname "$full")

elf=$($PY "$src/symsites_check.py" elf "$full") || fail "$full: not an ELF program"
[ "${elf%% *}" = EXEC ] || fail "$full is not a non-PIE (ET_EXEC) program: the test proves nothing"
interp=${elf#* }

run() { # NAME WHERE CMD...: CMD under libswap in PROG's directory, its report and
	# folded file in $dir; WHERE noproc: in a mount namespace with /proc
	# unmounted; noname: with an empty argv[0]; else here
	n=$1 where=$2
	shift 2
	(
		cd "$pdir" || exit 1
		export ALLOCSWAP_ALLOCATOR=system ALLOCSWAP_STATS=full ALLOCSWAP_SAMPLE_BYTES=64K \
			ALLOCSWAP_REPORT="$dir/$n.json" ALLOCSWAP_SITES="$dir/$n.folded" LIBSWAP="$lib"
		case $where in
		noproc) exec unshare -m --propagation private sh -c \
			'umount -l /proc && exec env LD_PRELOAD="$LIBSWAP" "$@"' sh "$@" ;;
		noname) exec bash -c 'LD_PRELOAD=$LIBSWAP exec -a "" "$@"' bash "$@" ;;
		*) exec env LD_PRELOAD="$lib" "$@" ;;
		esac
	) || fail "$n: exit $?"
}
# NAME: every frame of the program in NAME.json and NAME.folded is by its full path
check_paths() {
	$PY "$src/symsites_check.py" paths "$dir/$1.json" "$dir/$1.folded" "$full" ||
		fail "$1: frames"
}

run rel here "./$name"
out=$(check_paths rel) || exit 1
case $out in skip:*)
	echo "symsites_nopie.sh: skipped: libswap sampled no sites: ${out#skip: }"
	exit 77
esac
echo "ok started as ./$name: $full in the report and the folded file"

if unshare -m --propagation private true 2>/dev/null; then
	# /proc/self/exe cannot be read, at start-up nor at exit
	run noproc noproc "./$name"
	check_paths noproc >/dev/null
	echo "ok without /proc: $full (AT_EXECFN)"
else
	echo "symsites_nopie.sh: part 'without /proc' skipped: unshare -m is not permitted here"
fi

if command -v bash >/dev/null; then
	# dladdr names the program "" (its argv[0]): the report had bare addresses
	run noname noname "./$name"
	check_paths noname >/dev/null
	echo "ok with an empty argv[0]: $full"
else
	echo "symsites_nopie.sh: part 'empty argv[0]' skipped: no bash (for exec -a)"
fi

[ -x "$interp" ] || fail "no program interpreter in $full (PT_INTERP: '$interp')"
run loader here "$interp" "./$name"
check_paths loader >/dev/null
echo "ok started by the loader ($interp ./$name): $full"

if [ "$A" = none ]; then
	echo "symsites_nopie.sh: skipped: no allocswap CLI in this build (it is built for the glibc host only)"
	exit 77
fi

for n in rel noproc noname loader; do
	[ -f "$dir/$n.json" ] || continue
	"$A" sites "$dir/$n.json" >"$dir/list-$n.txt" 2>"$dir/list-err.txt" ||
		fail "allocswap sites $n.json: exit $?"
	[ ! -s "$dir/list-err.txt" ] || fail "allocswap sites $n.json wrote to stderr"
	$PY "$src/symsites_check.py" listing "$dir/list-$n.txt" "$src" "$full" ||
		fail "$n.json: the listing"
	"$A" sites --folded -o "$dir/out-$n.txt" "$dir/$n.folded" 2>"$dir/err.txt" ||
		fail "allocswap sites --folded $n.folded: exit $?"
	[ ! -s "$dir/err.txt" ] || fail "allocswap sites --folded $n.folded wrote to stderr"
	$PY "$src/symsites_check.py" folded "$dir/out-$n.txt" "$src" || fail "$n.folded: --folded"
done
echo "ok allocswap sites names them, from the reports and the folded file"

img=$("$A" list --format json 2>/dev/null | $PY -c '
import json, sys
j = json.load(sys.stdin)
print(next((i["name"] for i in j.get("images", []) if i["name"] != "host" and i["available"]
            and i["libc"] == "glibc"), ""))' 2>/dev/null) || img=
if [ -z "$img" ]; then
	echo "symsites_nopie.sh: part 'image' skipped: no glibc image a run can use here (allocswap image build bookworm)"
	exit 0
fi
"$A" run --image "$img" --stats full --report "$dir/img.json" -o "$dir/img-run.txt" -- \
	python3 -c 'x = [bytearray(1000) for i in range(20000)]' 2>"$dir/img-err.txt" ||
	fail "allocswap run --image $img: exit $? ($(cat "$dir/img-err.txt"))"
exe=$($PY - "$dir/img.json" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
exe = r["process"]["exe"]
assert re.fullmatch(r"/usr/bin/python3[.0-9]*", exe), "process.exe: %r" % exe
frames = [f for s in r["sites"] for f in s["frames"]]
mine = [f for f in frames if "(%s+0x" % exe in f]
assert len(mine) >= 5, "fewer than 5 frames of %s: %s" % (exe, frames[:10])
bare = [f for f in frames if re.search(r"\((0x[0-9a-f]+|[^/][^()]*\+0x[0-9a-f]+)\)$", f)]
assert not bare, "frames without a full module path: %s" % bare
print(exe)
EOF
) || fail "image $img: the report (above)"
if grep -q "not a full path" "$dir/img-run.txt"; then fail "image $img: a module is not a full path"; fi
echo "ok image $img: python3's frames read $exe+0x..."
echo "symsites_nopie.sh: ok"
