#!/bin/sh
# End-to-end tests of `allocswap build`, and of what `list` and `doctor` say
# about the builds, one case a call:
#
#   cli_build.sh CASE ALLOCSWAP BUILD_SH
#
# BUILD_SH is cross/build.sh: the targets are read from its table, never
# written down here.  Every case runs with ALLOCSWAP_CACHE in a fresh
# temporary directory, so that "not built" is what the CLI sees; the only
# build made is musl-mimalloc (about 3 s).  Exit 0 pass, 1 fail, 77 skip.
set -u

case_name=$1 A=$2 BUILD_SH=$3
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-build-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
export ALLOCSWAP_CACHE="$T/cache"

fail() {
	echo "FAIL ($case_name): $*" >&2
	for f in "$T"/out "$T"/err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}
skip() {
	echo "SKIP: $*"
	exit 77
}

# x CMD...: runs CMD with stdout in $T/out and stderr in $T/err; status in $rc.
x() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "expected exit $1, got $rc from: $2"; }
lines() { wc -l <"$1" | tr -d ' '; }
# one_line_error WHAT STATUS CMD...: that status, nothing on stdout, one line on stderr.
one_line_error() {
	what=$1 want=$2
	shift 2
	x "$@"
	expect_rc "$want" "$what"
	[ ! -s "$T/out" ] || fail "$what: wrote to stdout"
	[ "$(lines "$T/err")" = 1 ] || fail "$what: stderr is not one line"
}
has() { grep -q -e "$2" "$1" || fail "'$2' not in $1"; }
# json FILE PYTHON-EXPR...: each expression (with j = the parsed file) must be true.
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

# The table: "name kind libc flags" a line (flags may hold a space).
sh "$BUILD_SH" list >"$T/targets" || fail "build.sh list"
targets=$(cut -f1 "$T/targets")
pythons=$(awk -F'\t' '$2 == "python" {print $1}' "$T/targets")
[ "$(echo "$targets" | wc -w)" -ge 6 ] || fail "build.sh list gives too few targets: $targets"

# needs_status: build.sh status must work here (apt with a deb-src entry,
# or root to add one); otherwise skip, as the CLI cannot know what is built.
needs_status() {
	out=$(sh "$BUILD_SH" status musl-mimalloc 2>&1)
	case $out in
	built* | missing*) ;;
	*) skip "build.sh status does not work here: $out" ;;
	esac
}
# build_mimalloc: the one build a test makes, into the fresh cache.
build_mimalloc() {
	command -v musl-gcc >/dev/null || skip "no musl-gcc (Debian: musl-tools)"
	x "$A" build musl-mimalloc
	expect_rc 0 "build musl-mimalloc"
}
# musl_libswap: skip unless list finds the musl build of libswap.
musl_libswap() {
	"$A" list --format json >"$T/l.json" 2>/dev/null || fail "list --format json"
	$PY -c "import json, sys; sys.exit(not [l for l in json.load(open('$T/l.json'))['libcs'] if l['name'] == 'musl' and l['available']])" ||
		skip "no musl build of libswap"
}

case $case_name in
help)
	x "$A" build --help
	expect_rc 0 "build --help"
	has "$T/out" "^usage: allocswap build"
	# it names every target of the table, and the aliases
	for t in $targets musl all; do
		grep -q -e "[ :]$t\( \|:\|\$\)" "$T/out" || fail "build --help does not name $t"
	done
	has "$T/out" "ALLOCSWAP_CACHE"
	# (that it shows each option the parser takes, and no other:
	# options-help, tests/cli/options/help.sh)
	# and the command table lists it
	x "$A" --help
	grep -q "^  build  *build " "$T/out" || fail "allocswap --help does not list build"
	;;

list)
	needs_status
	x "$A" build
	expect_rc 0 "build (the list)"
	has "$T/out" "^builds (cross/build.sh; cached in $ALLOCSWAP_CACHE)"
	has "$T/out" "^  target  *kind  *libc  *flags  *built  *size  *files  *took  *built at"
	# one row a target, in the table's order: kind, libc, flags as the table
	# says, "no" and the command that builds it, with how long it takes here
	# (not "... | while": fail would only end the pipe's subshell)
	tr '\t' '|' <"$T/targets" >"$T/rows"
	while IFS='|' read -r name kind libc flags desc; do
		row=$(grep "^  $name " "$T/out") || fail "no row for $name"
		echo "$row" | grep -q "^  $name  *$kind  *$libc  *$flags  *no  *allocswap build $name (about [0-9]* \(s\|min\) here" ||
			fail "row of $name: $row"
	done <"$T/rows"
	[ "$(grep -c '^  [a-z]' "$T/out")" = "$(($(echo "$targets" | wc -w) + 3))" ] ||
		fail "not one row a target (and the header and two aliases)"
	for p in $pythons; do
		grep "^  $p " "$T/out" | grep -q "with its libraries)" ||
			fail "$p: the estimate does not say it includes its libraries"
	done
	has "$T/out" "^  musl  *musl-jemalloc musl-mimalloc musl-libunwind python-musl-os"
	has "$T/out" "^  all  *every target"

	x "$A" build --json
	expect_rc 0 "build --json"
	cp "$T/out" "$T/b.json"
	printf '%s\n' $targets >"$T/names"
	json "$T/b.json" "j['schema'] == 'allocswap.builds/1'" \
		"j['cache'] == '$ALLOCSWAP_CACHE'" "j['script'].endswith('/cross/build.sh')" \
		"[b['name'] for b in j['builds']] == open('$T/names').read().split()" \
		"all(set(b) >= {'name', 'kind', 'libc', 'flags', 'description', 'built', 'prefix', 'todo', 'estimate_seconds', 'info'} for b in j['builds'])" \
		"all(not b['built'] and b['prefix'] is None and b['info'] is None for b in j['builds'])" \
		"all(b['todo'].startswith('allocswap build ' + b['name']) for b in j['builds'])" \
		"all(b['estimate_seconds'] > 0 for b in j['builds'])" \
		"{b['libc'] for b in j['builds']} == {'glibc', 'musl'}" \
		"{b['kind'] for b in j['builds']} == {'allocator', 'library', 'deps', 'python'}" \
		"[a['name'] for a in j['aliases']] == ['musl', 'all']" \
		"j['aliases'][0]['targets'] == ['musl-jemalloc', 'musl-mimalloc', 'musl-libunwind', 'python-musl-os']" \
		"j['aliases'][1]['targets'] == [b['name'] for b in j['builds']]" \
		"all(b['estimate_seconds'] > [d for d in j['builds'] if d['kind'] == 'deps' and d['libc'] == b['libc']][0]['estimate_seconds'] for b in j['builds'] if b['kind'] == 'python')"
	[ ! -e "$ALLOCSWAP_CACHE/builds" ] || fail "listing made builds: $(ls "$ALLOCSWAP_CACHE/builds")"
	;;

build)
	needs_status
	build_mimalloc
	# the result on stdout, build.sh's progress on stderr
	has "$T/out" "^musl-mimalloc: $ALLOCSWAP_CACHE/builds/musl-mimalloc-[0-9a-f]* ([0-9.]* KiB, 1 file; built now in [0-9]* s)\$"
	[ "$(lines "$T/out")" = 1 ] || fail "build printed more than one line on stdout"
	has "$T/err" "^build.sh: \[musl-mimalloc 1/2, [0-9]*s\] compile"
	has "$T/err" "^build.sh: musl-mimalloc built in"
	dir=$(sed 's/^musl-mimalloc: \([^ ]*\) .*/\1/' "$T/out")
	# the second time it comes from the cache
	x "$A" build musl-mimalloc
	expect_rc 0 "build musl-mimalloc again"
	has "$T/out" "^musl-mimalloc: $dir (.*; cached: built [0-9-]* [0-9:]* UTC in [0-9]* s)\$"
	# --path: the directory, and nothing else
	x "$A" build --path musl-mimalloc
	expect_rc 0 "build --path musl-mimalloc"
	[ "$(cat "$T/out")" = "$dir" ] || fail "--path printed '$(cat "$T/out")', not $dir"
	[ ! -s "$T/err" ] || fail "--path wrote to stderr"
	[ -f "$dir/lib/libmimalloc.so.2" ] && [ -f "$dir/build.json" ] || fail "no lib/libmimalloc.so.2 and build.json in $dir"
	x "$A" build --path=musl-mimalloc
	[ "$(cat "$T/out")" = "$dir" ] || fail "--path=musl-mimalloc"
	# the list says it is built, with its size, file count, time and date
	x "$A" build
	row=$(grep "^  musl-mimalloc " "$T/out")
	echo "$row" | grep -q "^  musl-mimalloc  *allocator  *musl  *-O2  *yes  *[0-9.]* KiB  *1  *[0-9]* s  *20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]\$" ||
		fail "built row: $row"
	grep "^  musl-jemalloc " "$T/out" | grep -q " no  *allocswap build musl-jemalloc" ||
		fail "musl-jemalloc is not 'no' in a cache where only mimalloc was built"
	x "$A" build --json
	cp "$T/out" "$T/b.json"
	json "$T/b.json" "[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['built']" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['prefix'] == '$dir'" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['todo'] is None" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['info']['files'] == 1" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['info']['libc'] == 'musl'" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['info']['size_bytes'] > 10000" \
		"[b for b in j['builds'] if b['name'] == 'musl-mimalloc'][0]['info']['build_seconds'] >= 0" \
		"sum(b['built'] for b in j['builds']) == 1"
	;;

errors)
	needs_status
	one_line_error "unknown target" 2 "$A" build bogus
	for t in $targets musl all; do
		grep -q "[ ,]$t\(,\|;\|\$\| (\)" "$T/err" || fail "the unknown-target line does not name $t"
	done
	has "$T/err" "unknown target 'bogus'"
	# nothing is built when one of the targets is unknown
	one_line_error "unknown target after a good one" 2 "$A" build musl-mimalloc bogus
	[ ! -e "$ALLOCSWAP_CACHE/builds" ] || fail "a build was made before the unknown target was found"
	one_line_error "--path of an unknown target" 2 "$A" build --path bogus
	has "$T/err" "unknown target 'bogus'; targets: musl-jemalloc"
	one_line_error "--path of an alias" 2 "$A" build --path musl
	has "$T/err" "alias"
	one_line_error "--path of a target not built" 1 "$A" build --path python-musl-os
	has "$T/err" "python-musl-os is not built yet; build it with: allocswap build python-musl-os (about [0-9]* min here"
	one_line_error "--path without a value" 2 "$A" build --path
	one_line_error "--path with two targets" 2 "$A" build --path musl-mimalloc musl-jemalloc
	one_line_error "--json with a target" 2 "$A" build --json musl-mimalloc
	one_line_error "--json with --path" 2 "$A" build --json --path musl-mimalloc
	one_line_error "unknown option" 2 "$A" build --frob
	has "$T/err" "unknown option '--frob'; options: --json, --path, -h/--help"
	;;

list-pythons)
	needs_status
	x "$A" list
	expect_rc 0 "list"
	has "$T/out" "^pythons "
	has "$T/out" "^  name  *libc  *available  *version  *flags  *size  *build took  *path (or why not)"
	ver=$($PY -c 'import platform; print(platform.python_version())')
	has "$T/out" "^  host  *glibc  *yes  *$ver  *distribution  *-  *-  *$PY\$"
	for p in $pythons; do
		short=${p#python-}
		libc=$(awk -F'\t' -v p="$p" '$1 == p {print $3}' "$T/targets")
		flags=$(awk -F'\t' -v p="$p" '$1 == p {print $4}' "$T/targets")
		grep -q "^  $short  *$libc  *no  *-  *$flags  *-  *-  *not built yet: allocswap build $p (about [0-9]* min here, with its libraries)\$" "$T/out" ||
			fail "no 'not built' row for $short: $(grep "^  $short " "$T/out")"
	done
	x "$A" list --format json
	expect_rc 0 "list --format json"
	cp "$T/out" "$T/l.json"
	json "$T/l.json" "j['pythons'][0]['name'] == 'host'" \
		"j['pythons'][0]['build'] is None and j['pythons'][0]['available']" \
		"j['pythons'][0]['version'] == '$ver' and j['pythons'][0]['libc'] == 'glibc'" \
		"j['pythons'][0]['flags'] == 'distribution' and j['pythons'][0]['path'] == '$PY'" \
		"[p['build'] for p in j['pythons'][1:]] == '$(echo $pythons)'.split()" \
		"all(set(p) >= {'name', 'build', 'path', 'libc', 'version', 'flags', 'available', 'reason', 'build_command', 'estimate_seconds'} for p in j['pythons'])" \
		"all((p['reason'] is None) == p['available'] for p in j['pythons'])" \
		"all(p['build_command'] == 'allocswap build ' + p['build'] and p['estimate_seconds'] >= 60 for p in j['pythons'][1:])" \
		"all(p['name'] == p['build'][len('python-'):] and p['path'].endswith('/bin/python3') for p in j['pythons'][1:])"
	;;

list-musl)
	needs_status
	musl_libswap
	x "$A" list --format json
	cp "$T/out" "$T/l.json"
	# the C++ allocators are glibc-only, saying why; jemalloc and mimalloc
	# wait for their builds, naming the command
	json "$T/l.json" \
		"all(not a['available'] and 'glibc-only here' in a['reason'] and 'C++' in a['reason'] and 'Debian has no musl C++ toolchain' in a['reason'] for a in j['allocators'] if a['libc'] == 'musl' and a['name'] in ('tcmalloc', 'tcmalloc_minimal', 'tbbmalloc'))" \
		"len([a for a in j['allocators'] if a['libc'] == 'musl' and a['name'] in ('tcmalloc', 'tcmalloc_minimal', 'tbbmalloc')]) == 3" \
		"all(not a['available'] and a['reason'].startswith('not built yet: allocswap build musl-' + a['name']) for a in j['allocators'] if a['libc'] == 'musl' and a['name'] in ('jemalloc', 'mimalloc'))"
	x "$A" list
	has "$T/out" "^  tbbmalloc  *musl  *no  *-  *glibc-only here: oneTBB is C++"
	has "$T/out" "^  tcmalloc  *musl  *no  *-  *glibc-only here: gperftools is C++"
	has "$T/out" "^  jemalloc  *musl  *no  *-  *not built yet: allocswap build musl-jemalloc (about [0-9]* s here)"
	# once built, mimalloc loads into a musl process (found through
	# LD_LIBRARY_PATH in the cache) and really serves malloc there
	build_mimalloc
	x "$A" list --format json
	cp "$T/out" "$T/l.json"
	json "$T/l.json" \
		"[a for a in j['allocators'] if a['libc'] == 'musl' and a['name'] == 'mimalloc'][0]['available']" \
		"[a for a in j['allocators'] if a['libc'] == 'musl' and a['name'] == 'mimalloc'][0]['path'].startswith('$ALLOCSWAP_CACHE/builds/musl-mimalloc')" \
		"[a for a in j['allocators'] if a['libc'] == 'musl' and a['name'] == 'mimalloc'][0]['version'][0].isdigit()" \
		"not [a for a in j['allocators'] if a['libc'] == 'musl' and a['name'] == 'jemalloc'][0]['available']"
	;;

doctor)
	needs_status
	x "$A" doctor
	expect_rc 0 "doctor"
	if ! grep -q "^ok  libswap for musl" "$T/out"; then
		has "$T/out" "^no  libc axis: musl allocators built: not probed without libswap for musl (above); Pythons built: none (not yet: "
		skip "no musl build of libswap: the musl allocator lines are not checked"
	fi
	has "$T/out" "^no  libc axis: musl allocators built: none (not yet: jemalloc, mimalloc); Pythons built: none (not yet: "
	grep -A1 "^no  libc axis" "$T/out" | grep -q "^    -> allocswap build musl: .*python-musl-os.*(about [0-9]* min here); allocswap build all" ||
		fail "the libc axis line has no advice naming 'allocswap build musl'"
	grep -q "^no  jemalloc under musl: not built yet: allocswap build musl-jemalloc" "$T/out" ||
		fail "doctor does not say musl-jemalloc is not built"
	build_mimalloc
	x "$A" doctor
	has "$T/out" "^no  libc axis: musl allocators built: mimalloc (not yet: jemalloc);"
	;;

*)
	fail "unknown case"
	;;
esac
exit 0
