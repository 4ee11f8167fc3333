#!/bin/sh
# symsites.sh LIBSWAP ALLOCSWAP|none PROG SRCDIR ALLOCATOR: `allocswap sites`
# names the sampled allocation sites of PROG (symsites_main.c and
# symsites_lib.c, built -O1 -g, exporting nothing, so that libswap's report
# reads "??" for all of them) with the right function and file:line, leaf
# first in the listing and root first in --folded, the inlined one_block a
# frame of its own; the lines are those marked SITE:NAME in the sources.  A
# stripped copy keeps module+offset and the module's note says it has no
# symbols; frames of other kinds (Python's) pass through untouched.  Under
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
run() { # PROG NAME: its report and folded file in $dir
	env LD_PRELOAD="$lib" ALLOCSWAP_ALLOCATOR="$alloc" ALLOCSWAP_STATS=full \
		ALLOCSWAP_SAMPLE_BYTES=64K ALLOCSWAP_REPORT="$dir/$2.json" \
		ALLOCSWAP_SITES="$dir/$2.folded" "$1" || fail "$1 under $alloc: exit $?"
}

run "$prog" prog
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
L_rfill=$(at run_fill) L_rchurn=$(at run_churn) L_main=$(at main)

# the report as libswap wrote it names none of them
if grep -q 'fill_table\|churn_list' "$dir/prog.json"; then
	fail "libswap's report already names the static functions: the test proves nothing"
fi

"$A" sites "$dir/prog.json" >"$dir/list.txt" 2>"$dir/list-err.txt" || fail "allocswap sites: exit $?"
[ ! -s "$dir/list-err.txt" ] || fail "allocswap sites wrote to stderr"
# the frames of a site, leaf first, each on its own line after its head
$PY - "$dir/list.txt" "$L_one" "$L_fill" "$L_churn" "$L_rfill" "$L_rchurn" "$L_main" <<'PYEOF' || fail "the listing"
import re, sys
text = open(sys.argv[1]).read()
one, fill, churn, rfill, rchurn, main = sys.argv[2:]
lib, mainc = r"\(/\S*/symsites_lib\.c:%s\)", r"\(/\S*/symsites_main\.c:%s\)"
def frames(*fr):
    return r"\n".join(r"      " + f for f in fr) + r"\n"
live = frames(r"one_block " + lib % one + r" \[inlined\]", r"fill_table " + lib % fill,
              r"symsites_run " + lib % rfill, r"main " + mainc % main)
churned = frames(r"churn_list " + lib % churn, r"symsites_run " + lib % rchurn,
                 r"main " + mainc % main)
by_bytes, by_live = text.split("\nBy bytes still live at exit:\n")
head = r"  #(\d)  ([0-9.]+) MiB[^\n]*\n"
m = re.search(head + churned, by_bytes)
assert m and m.group(1) == "1", "by bytes: #1 is not churn_list < symsites_run < main"
assert 32 * 0.7 <= float(m.group(2)) <= 32 * 1.3, "churn_list: %s MiB, want 32 +-30%%" % m.group(2)
m = re.search(head + live, by_bytes)
assert m and m.group(1) == "2", "by bytes: #2 is not one_block < fill_table < symsites_run < main"
m = re.search(r"  #1  ([0-9.]+) MiB live[^\n]*\n" + live, by_live)
assert m, "by live: #1 is not one_block < fill_table < symsites_run < main"
assert 8 * 0.6 <= float(m.group(1)) <= 8 * 1.4, "fill_table: %s MiB live, want 8 +-40%%" % m.group(1)
assert "churn_list" not in by_live.split("\n\n")[0], "churn_list is not live at exit"
assert re.search(r"\n  /\S*/symsites: file:line from DWARF in the file itself\n", by_live), "module note"
print("ok listing")
PYEOF

# --folded, from the folded file and from the report: root first, file:line
stack_fill="main (symsites_main.c:$L_main);symsites_run (symsites_lib.c:$L_rfill);fill_table (symsites_lib.c:$L_fill);one_block (symsites_lib.c:$L_one)"
stack_churn="main (symsites_main.c:$L_main);symsites_run (symsites_lib.c:$L_rchurn);churn_list (symsites_lib.c:$L_churn)"
for in in folded json; do
	"$A" sites --folded -o "$dir/out-$in.txt" "$dir/prog.$in" 2>"$dir/err-$in.txt" ||
		fail "allocswap sites --folded prog.$in: exit $?"
	[ ! -s "$dir/err-$in.txt" ] || fail "sites --folded prog.$in wrote to stderr"
	ls "$dir"/out-$in.txt.tmp.* >/dev/null 2>&1 && fail "a temporary file was left"
	bad=$(grep -cvE '^[^;]+(;[^;]+)* [0-9]+$' "$dir/out-$in.txt" || true)
	[ "$bad" -eq 0 ] || fail "prog.$in: $bad malformed folded lines"
	for want in "$stack_fill $((8 << 20)) 40" "$stack_churn $((32 << 20)) 30"; do
		stack=${want% * *} rest=${want#"$stack" } bytes=${rest% *} pct=${rest#* }
		got=$(grep -F ";$stack " "$dir/out-$in.txt" | sed 's/.* //')
		[ -n "$got" ] || fail "prog.$in: no folded stack ending in '$stack'"
		[ "$got" -ge $((bytes / 100 * (100 - pct))) ] && [ "$got" -le $((bytes / 100 * (100 + pct))) ] ||
			fail "prog.$in: $got bytes under ${stack##*;}, want $bytes +-$pct%"
	done
	echo "ok folded from prog.$in"
done

# a stripped copy: module+offset stays, and its note says why
cp "$prog" "$dir/symsites-stripped"
objcopy --strip-all "$dir/symsites-stripped" || fail "objcopy --strip-all"
run "$dir/symsites-stripped" stripped
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
