#!/bin/sh
# symsites.sh LIBSWAP ALLOCSWAP|none PROG SRCDIR ALLOCATOR: `allocswap sites`
# names the sampled allocation sites of PROG (symsites_main.c and
# symsites_lib.c, built -O1 -g, exporting nothing, so that libswap's report
# reads "??" for all of them) with the right function and file:line, leaf
# first in the listing and root first in --folded, the inlined one_block a
# frame of its own; the lines are those marked SITE:NAME in the sources
# (symsites_check.py checks the listing and --folded).  A
# stripped copy keeps module+offset and the module's note says it has no
# symbols; started by the dynamic loader (ld.so PROG), the frames name PROG,
# not the loader; frames of other kinds (Python's) pass through untouched.  Under
# the system allocator, also allocswap run --stats full and a bench
# directory's report.md and report.html (the flame graph).
set -eu
lib=$1 A=$2 prog=$3 src=$4 alloc=$5
PY=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "symsites.sh: $*" >&2
	for f in "$dir"/*.txt; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
	exit 1
}
run() { # NAME CMD...: CMD's report and folded file in $dir
	n=$1
	shift
	env LD_PRELOAD="$lib" ALLOCSWAP_ALLOCATOR="$alloc" ALLOCSWAP_STATS=full \
		ALLOCSWAP_SAMPLE_BYTES=64K ALLOCSWAP_REPORT="$dir/$n.json" \
		ALLOCSWAP_SITES="$dir/$n.folded" "$@" || fail "$* under $alloc: exit $?"
}

run prog "$prog"
reason=$($PY -c 'import json, sys
s = json.load(open(sys.argv[1]))["sampling"]
print(s.get("reason") or "no reason given" if s["source"] == "none" else "")' "$dir/prog.json")
if [ -n "$reason" ]; then
	echo "symsites.sh: skipped: libswap sampled no sites: $reason"
	exit 77
fi
if [ "$A" = none ]; then
	echo "symsites.sh: skipped: no allocswap CLI in this build (it is built for the glibc host only)"
	exit 77
fi

at() { # NAME: the line marked SITE:NAME
	n=$(grep -n "SITE:$1 " "$src/symsites_lib.c" "$src/symsites_main.c" | cut -d: -f2)
	[ -n "$n" ] || fail "no SITE:$1 in the sources"
	echo "$n"
}
L_one=$(at one_block) L_fill=$(at fill_table) L_churn=$(at churn_list)
L_rfill=$(at run_fill) L_main=$(at main)

# the report as libswap wrote it names none of them
if grep -q 'fill_table\|churn_list' "$dir/prog.json"; then
	fail "libswap's report already names the static functions: the test proves nothing"
fi

# stderr: nothing, or the note on modules without file:line for the
# allocator's own library alone (a sample can land in its start-up: oneTBB's
# first malloc reads a file with fgets, whose buffer is a 4 KiB malloc)
quiet_but_allocator() {
	grep -v -e '^allocswap sites: modules without file:line:$' "$1" |
		grep -v -e "^  /[^:]*/lib$alloc[^/:]*\.so[.0-9]*: no symbols (stripped" |
		grep -q . && return 1
	return 0
}
"$A" sites "$dir/prog.json" >"$dir/list.txt" 2>"$dir/list-err.txt" || fail "allocswap sites: exit $?"
quiet_but_allocator "$dir/list-err.txt" || fail "allocswap sites wrote to stderr"
# the frames of a site, leaf first, each on its own line after its head
$PY "$src/symsites_check.py" listing "$dir/list.txt" "$src" 're:/\S*/symsites' || fail "the listing"
echo "ok listing"

# --folded, from the folded file and from the report: root first, file:line
for in in folded json; do
	"$A" sites --folded -o "$dir/out-$in.txt" "$dir/prog.$in" 2>"$dir/err-$in.txt" ||
		fail "allocswap sites --folded prog.$in: exit $?"
	quiet_but_allocator "$dir/err-$in.txt" || fail "sites --folded prog.$in wrote to stderr"
	ls "$dir"/out-$in.txt.tmp.* >/dev/null 2>&1 && fail "a temporary file was left"
	$PY "$src/symsites_check.py" folded "$dir/out-$in.txt" "$src" || fail "prog.$in: --folded"
	echo "ok folded from prog.$in"
done

# a stripped copy: module+offset stays, and its note says why
cp "$prog" "$dir/symsites-stripped"
objcopy --strip-all "$dir/symsites-stripped" || fail "objcopy --strip-all"
run stripped "$dir/symsites-stripped"
"$A" sites "$dir/stripped.json" >"$dir/stripped.txt" || fail "allocswap sites (stripped): exit $?"
grep -q "^      ?? (/.*/symsites-stripped+0x[0-9a-f]*)\$" "$dir/stripped.txt" ||
	fail "stripped: no frame kept as ?? (module+offset)"
grep -q "^  /.*/symsites-stripped: no symbols (stripped: only exported functions are named, other frames stay module+offset; " \
	"$dir/stripped.txt" || fail "stripped: no 'no symbols (stripped' note"
if grep -q 'fill_table\|churn_list' "$dir/stripped.txt"; then fail "stripped: named anyway"; fi
"$A" sites --folded "$dir/stripped.folded" >"$dir/stripped-folded.txt" 2>"$dir/stripped-err.txt" ||
	fail "allocswap sites --folded (stripped): exit $?"
grep -q ";/.*/symsites-stripped+0x[0-9a-f]* [0-9]*\$" "$dir/stripped-folded.txt" ||
	fail "stripped --folded: the leaf is not module+offset"
grep -q "^allocswap sites: modules without file:line:\$" "$dir/stripped-err.txt" &&
	grep -q "^  /.*/symsites-stripped: no symbols (stripped" "$dir/stripped-err.txt" ||
	fail "stripped --folded: no note on stderr"
echo "ok stripped"

# started by the dynamic loader as a command (ld.so PROG): /proc/self/exe
# is the loader, and the frames still name PROG by its full path
elf=$($PY "$src/symsites_check.py" elf "$prog") || fail "$prog: not an ELF program"
run loader "${elf#* }" "$prog"
$PY "$src/symsites_check.py" paths "$dir/loader.json" "$dir/loader.folded" "$(realpath "$prog")" ||
	fail "started by ${elf#* }: frames"
echo "ok started by ${elf#* }"

# once (under the system allocator): run's summary, and a bench directory's
# report.md and report.html (a flame graph whose boxes have the names)
if [ "$alloc" = system ]; then
	"$A" run --stats full -o "$dir/run.txt" -- "$prog" || fail "allocswap run --stats full: exit $?"
	grep -q "^ *[0-9.]* MiB  *one_block (symsites_lib.c:$L_one) < fill_table (symsites_lib.c:$L_fill) < symsites_run (symsites_lib.c:$L_rfill)\$" \
		"$dir/run.txt" || fail "run --stats full: no named fill_table site"
	"$A" bench -q -a system --stats full --cmd "$prog" --name symsites --runs 2 \
		--warmup-runs 0 --libc glibc -o "$dir/bench" >/dev/null || fail "allocswap bench: exit $?"
	"$A" report "$dir/bench" >/dev/null || fail "allocswap report: exit $?"
	grep -qF "| symsites | system | " "$dir/bench/report.md" &&
		grep -qF " | one_block (symsites_lib.c:$L_one) < fill_table (symsites_lib.c:$L_fill) < symsites_run (symsites_lib.c:$L_rfill) < main (symsites_main.c:$L_main) |" \
		"$dir/bench/report.md" || fail "report.md: no named fill_table row"
	for box in "one_block (symsites_lib.c:$L_one)" "fill_table (symsites_lib.c:$L_fill)" \
		"churn_list (symsites_lib.c:$L_churn)" "main (symsites_main.c:$L_main)"; do
		grep -qF "<g><title>$box (" "$dir/bench/report.html" ||
			fail "report.html: no flame graph box '$box'"
	done
	grep -q '<h2 id="sites">Allocation sites</h2>' "$dir/bench/report.html" ||
		fail "report.html: no Allocation sites section"
	echo "ok run, report.md and report.html"
fi

# other kinds of frames pass through as they are
printf 'handler (app.py:12);/nonexistent/libgone.so+0x10 5\n' >"$dir/other.folded"
"$A" sites --folded "$dir/other.folded" >"$dir/other.txt" 2>"$dir/other-err.txt" ||
	fail "allocswap sites --folded (other frames): exit $?"
[ "$(cat "$dir/other.txt")" = "handler (app.py:12);/nonexistent/libgone.so+0x10 5" ] ||
	fail "other frames changed: $(cat "$dir/other.txt")"
grep -q "^  /nonexistent/libgone.so: cannot read /nonexistent/libgone.so: No such file or directory\$" \
	"$dir/other-err.txt" || fail "no note for the missing module: $(cat "$dir/other-err.txt")"
echo "symsites.sh: ok"
