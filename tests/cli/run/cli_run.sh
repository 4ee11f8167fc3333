#!/bin/sh
# End-to-end tests of `allocswap list`, `run` and `doctor`, one case a call:
#
#   cli_run.sh CASE ALLOCSWAP RUN_HELPER PERF_PROBE TEST_SRC_DIR TOOLS_SRC_DIR "BACKENDS"
#
# BACKENDS are the backends that must be available under glibc (the README's
# test command installs them all).  Exit 0 pass, 1 fail, 77 skip.
set -u

case_name=$1 A=$2 HELPER=$3 PROBE=$4 SRC=$5 TOOLS=$6 BACKENDS=$7
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-cli-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL ($case_name): $*" >&2
	for f in "$T"/out "$T"/err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}

# x CMD...: runs CMD with stdout in $T/out and stderr in $T/err; status in $rc.
x() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_rc() { [ "$rc" = "$1" ] || fail "expected exit $1, got $rc from: $2"; }
lines() { wc -l <"$1" | tr -d ' '; }
# usage_error WHAT CMD...: exit 2, nothing on stdout, exactly one line on stderr.
usage_error() {
	what=$1
	shift
	x "$@"
	expect_rc 2 "$what"
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

BUILDSH=$TOOLS/../../cross/build.sh

# fake_store DIR: a build store where bullseye (glibc 2.31: older than the
# glibc libswap.so was built against) and trixie (glibc 2.41) are built as
# far as list can tell (it reads build.json, never the rootfs); bookworm and
# musl are not.
fake_store() {
	for img in bullseye:2.31:3.9.2 trixie:2.41:3.13.5; do
		n=${img%%:*} v=${img#*:}
		py=${v#*:} v=${v%%:*}
		key=$(ALLOCSWAP_CACHE=$1 sh "$BUILDSH" status "image-$n" | awk '$1 == "missing" {print $2}')
		[ -n "$key" ] || fail "build.sh status image-$n gives no key"
		d=$1/builds/image-$n-$key
		mkdir -p "$d/rootfs" || fail "mkdir $d/rootfs"
		printf '{"schema": "allocswap.build/1", "name": "image-%s", "kind": "image", "image": "%s", "libc": "glibc", "libc_version": "%s", "python": "/usr/bin/python3", "python_version": "%s", "root": "rootfs", "size_bytes": 123456789, "files": 4321, "build_seconds": 42, "built": "2026-12-04T18:20:31Z"}\n' \
			"$n" "$n" "$v" "$py" >"$d/build.json" || fail "writing $d/build.json"
		ln -s "image-$n-$key" "$1/builds/image-$n" || fail "ln -s image-$n-$key"
	done
}

# want_images: what the "images" of `list --format json` must be, into
# $T/want.json: the host (its glibc and Python) first, then every built-in
# image as `image list --json` has it, with the reason it cannot be used:
# not built (the command that builds it, or why it cannot be built here),
# or no libswap.so for its libc, or a glibc older than the newest GLIBC_x.y
# libswap.so needs.  Reads $T/list.json and $T/images.json.
want_images() {
	$PY - "$T/list.json" "$T/images.json" "$T/want.json" "${ALLOCSWAP_CLI_PYTHON:-/usr/bin/python3}" <<'EOF' || fail "want_images"
import json, os, re, subprocess, sys
lst, imgs = (json.load(open(p)) for p in sys.argv[1:3])
ver = lambda v: [int(x) for x in v.split('.')]
libswap = {l['name']: l['libswap'] for l in lst['libcs'] if l['libswap']}
need = max((v.decode() for v in re.findall(rb'GLIBC_(2\.[0-9.]+)', open(libswap['glibc'], 'rb').read())), key=ver)
pyver = subprocess.run([sys.argv[4], '-c', 'import platform; print(platform.python_version())'],
                       capture_output=True, text=True, check=True).stdout.strip()
want = [{'name': 'host', 'available': True, 'built': True, 'libc': 'glibc',
         'libc_version': os.confstr('CS_GNU_LIBC_VERSION').split()[1], 'python_version': pyver,
         'size_bytes': None, 'reason': None}]
for i in imgs['images']:
    info = i['info'] or {}
    if not i['built']:
        reason = 'not built yet: ' + i['todo'] if i['buildable'] else 'cannot be built here: ' + i['reason']
    elif i['libc'] not in libswap:
        reason = 'cannot run here: libswap.so for %s is not built' % i['libc']
    elif i['libc'] == 'glibc' and ver(info['libc_version']) < ver(need):
        reason = ('cannot run here: %s has glibc %s, and this libswap.so was built against glibc %s '
                  '(it needs GLIBC_%s): build allocswap on a system no newer than the image, or use '
                  'a newer image' % (i['name'], info['libc_version'], need, need))
    else:
        reason = None
    want.append({'name': i['name'], 'available': reason is None, 'built': i['built'],
                 'libc': i['libc'], 'libc_version': info.get('libc_version'),
                 'python_version': info.get('python_version'), 'size_bytes': info.get('size_bytes'),
                 'reason': reason})
json.dump(want, open(sys.argv[3], 'w'))
EOF
}

# images_of: list --format json and image list --json of the store in use
# ($ALLOCSWAP_CACHE), and want_images from them.
images_of() {
	x "$A" list --format json
	expect_rc 0 "list --format json"
	cp "$T/out" "$T/list.json"
	x "$A" image list --json
	expect_rc 0 "image list --json"
	cp "$T/out" "$T/images.json"
	want_images
}

# the fake store's images: host; bullseye built but too old for libswap.so;
# bookworm and musl not built; trixie built and usable
fake_images_are() {
	json "$T/want.json" "[(i['name'], i['available'], i['built']) for i in j] == [('host', True, True), ('bullseye', False, True), ('bookworm', False, False), ('trixie', True, True), ('musl', False, False)]" \
		"j[1]['reason'].startswith('cannot run here: bullseye has glibc 2.31, and this libswap.so was built against glibc ')" \
		"j[2]['reason'].startswith(('not built yet: allocswap image build bookworm (about 42 s here)', 'cannot be built here: '))"
}

case $case_name in
usage)
	x "$A"
	expect_rc 2 "allocswap with no command"
	has "$T/err" "^usage: allocswap COMMAND"
	usage_error "unknown command" "$A" bogus
	# the error line names every command of the table (from --help)
	x "$A" --help
	expect_rc 0 "allocswap --help"
	cmds=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NF && $1 != "commands:" {print $1}')
	[ -n "$cmds" ] || fail "no commands in --help"
	usage_error "unknown command" "$A" bogus
	for c in $cmds; do
		grep -q " $c\( \|$\)" "$T/err" || fail "unknown-command line does not list $c"
	done
	;;

help)
	for c in list run doctor build; do
		x "$A" "$c" --help
		expect_rc 0 "$c --help"
		has "$T/out" "^usage: allocswap $c"
	done
	# that --help shows each option the parser takes, and no other:
	# options-help (tests/cli/options/help.sh), for every command
	;;

list)
	x "$A" list
	expect_rc 0 "list"
	for b in $BACKENDS; do
		awk -v b="$b" '$1 == b && $2 == "glibc" && $3 == "yes" && $4 != "-" {f = 1}
			END {exit !f}' "$T/out" || fail "list: $b is not available under glibc with a version"
	done
	for s in "^allocators" "^libcs" "^images" "^runners" "^perf" "hardware counters" \
		"^  host  *yes"; do
		has "$T/out" "$s"
	done
	# the images section, line by line, as the JSON says (checked in
	# list-json): in the user's store, and in a store of known content
	for store in user known; do
		if [ "$store" = known ]; then
			fake_store "$T/store"
			export ALLOCSWAP_CACHE="$T/store"
		fi
		images_of
		[ "$store" = user ] || fake_images_are
		x "$A" list
		expect_rc 0 "list"
		$PY - "$T/want.json" "$T/out" <<'EOF' || fail "list's images section is not what the JSON says"
import json, sys
def size(b):
    if b is None:
        return '-'
    u = 0
    while b >= 1024 and u < 4:
        b, u = b / 1024, u + 1
    return '%.0f B' % b if u == 0 else '%.1f %s' % (b, ['B', 'KiB', 'MiB', 'GiB', 'TiB'][u])
row = '  %-17s %-6s %-9s %-6s %-10s %-10s %-10s %s'
want = ["images (run --image NAME; host is the host's own root filesystem, the others are "
        "made by 'allocswap image build')",
        row % ('name', 'libc', 'available', 'built', 'version', 'python', 'size', 'why not')]
for i in json.load(open(sys.argv[1])):
    want.append(row % (i['name'], i['libc'], 'yes' if i['available'] else 'no',
                       'yes' if i['built'] else 'no', i['libc_version'] or '-',
                       i['python_version'] or '-', size(i['size_bytes']), i['reason'] or '-'))
lines = open(sys.argv[2]).read().split('\n')
at = [k for k, l in enumerate(lines) if l.startswith('images ')][0]
got = lines[at:lines.index('', at)]
if got != want:
    sys.exit('got:\n%s\nwanted:\n%s' % ('\n'.join(got), '\n'.join(want)))
EOF
	done
	;;

list-json)
	x "$A" list --format json
	expect_rc 0 "list --format json"
	cp "$T/out" "$T/list.json"
	json "$T/list.json" \
		"j['schema'] == 'allocswap.list/1'" \
		"all(k in j for k in ('allocators', 'libcs', 'images', 'runners', 'perf'))" \
		"all(k in j['perf'] for k in ('usable', 'paranoid', 'software', 'tracefs', 'tracepoints', 'hardware', 'seccomp'))" \
		"all(set(a) >= {'name', 'libc', 'available', 'version', 'path', 'reason'} for a in j['allocators'])" \
		"all((a['reason'] is None) == a['available'] for a in j['allocators'])" \
		"[r['name'] for r in j['runners']] == ['host', 'rootfs', 'docker', 'podman'] and j['runners'][0]['available']" \
		"{'glibc', 'musl'} == {l['name'] for l in j['libcs']}"
	for b in $BACKENDS; do
		json "$T/list.json" "any(a['name'] == '$b' and a['libc'] == 'glibc' and a['available'] and a['version'] and a['path'].startswith('/') for a in j['allocators'])"
	done
	# images: host first, then each built-in image, exactly as the store
	# and libswap.so say; in the user's store and in one of known content
	images_of
	json "$T/list.json" "j['images'] == json.load(open('$T/want.json'))" \
		"all(set(i) == {'name', 'available', 'built', 'libc', 'libc_version', 'python_version', 'size_bytes', 'reason'} for i in j['images'])"
	fake_store "$T/store"
	ALLOCSWAP_CACHE="$T/store"
	export ALLOCSWAP_CACHE
	images_of
	fake_images_are
	json "$T/list.json" "j['images'] == json.load(open('$T/want.json'))"
	unset ALLOCSWAP_CACHE
	x "$A" list --format=json
	expect_rc 0 "list --format=json"
	usage_error "list --format yaml" "$A" list --format yaml
	has "$T/err" "text, json"
	;;

errors)
	usage_error "unknown allocator" "$A" run -a jemaloc -- "$HELPER" exit 0
	for b in $BACKENDS; do
		grep -q "[ ,]$b[ ,]" "$T/err" || fail "unknown-allocator line does not list $b"
	done
	usage_error "unknown option" "$A" run --bogus -- "$HELPER" exit 0
	has "$T/err" "-a/--allocator, --libc, --python, --image, --seccomp, --stats"
	usage_error "bad --stats" "$A" run --stats verbose -- "$HELPER" exit 0
	has "$T/err" "off, counters"
	usage_error "bad --libc" "$A" run --libc uclibc -- "$HELPER" exit 0
	has "$T/err" "glibc, musl"
	usage_error "bad --pymalloc" "$A" run --pymalloc maybe -- "$HELPER" exit 0
	usage_error "missing value" "$A" run -a
	usage_error "no command" "$A" run -a jemalloc --
	usage_error "flag with a value" "$A" run --json=yes -- "$HELPER" exit 0
	usage_error "missing allocator file" "$A" run -a ./no/such.so -- "$HELPER" exit 0
	usage_error "unwritable --report" "$A" run --report /no/such/dir/r.json -- "$HELPER" exit 0
	usage_error "glibc program under musl" "$A" run --libc musl -- "$HELPER" exit 0
	printf '#!/bin/sh\nexit 0\n' >"$T/script.sh"
	chmod +x "$T/script.sh"
	usage_error "glibc script under musl" "$A" run --libc musl -- "$T/script.sh"
	has "$T/err" "is a glibc program"
	usage_error "static program" "$A" run -- "$(dirname "$HELPER")/run_helper_static" exit 0
	has "$T/err" "is statically linked"
	usage_error "list argument" "$A" list --bogus
	usage_error "doctor argument" "$A" doctor --bogus
	x "$A" run -- "$T/no-such-program"
	expect_rc 127 "a program that does not exist"
	;;

exit-status)
	for n in 0 3 42; do
		x "$A" run -- "$HELPER" exit "$n"
		expect_rc "$n" "run_helper exit $n"
		has "$T/err" "^exit status $n\$"
	done
	x "$A" run -q -a mimalloc "$HELPER" exit 5 # CMD without '--'
	expect_rc 5 "run -q without --"
	[ ! -s "$T/err" ] || fail "-q still printed"
	;;

signal)
	x "$A" run -- "$HELPER" signal 15
	expect_rc 143 "killed by SIGTERM"
	has "$T/err" "killed by signal 15 (SIGTERM): exit status 143"
	x "$A" run -- "$HELPER" signal 9
	expect_rc 137 "killed by SIGKILL"
	;;

summary)
	# 64 MiB in one block, touched: the report's peak live is at least that,
	# and the summary (text and JSON) says what the report says
	x "$A" run -a jemalloc --report "$T/r.json" --json -o "$T/s.json" -- "$HELPER" alloc 64
	expect_rc 0 "run alloc 64"
	[ ! -s "$T/err" ] || fail "a summary went to stderr with -o"
	json "$T/r.json" "j['schema'] == 'allocswap.report/1'" \
		"j['bytes']['peak_live'] >= 64 << 20" "j['allocator']['name'] == 'jemalloc'"
	json "$T/s.json" "j['schema'] == 'allocswap.run-summary/1'" \
		"j['report'] == json.load(open('$T/r.json'))" \
		"j['report_path'] == '$T/r.json'" "j['proc']['exit'] == 0" \
		"j['proc']['maxrss'] >= 64 << 20" "j['proc']['wall_ns'] > 0" \
		"j['config'] == {'allocator': 'jemalloc', 'libc': 'glibc', 'stats': 'counters', 'pymalloc': None, 'python': None, 'image': 'host', 'seccomp': 'none'}" \
		"j['command'][1:] == ['alloc', '64']" "j['other_reports'] == 0" \
		"all(type(j['proc'][k]) is int and j['proc'][k] >= 0 for k in ('nvcsw', 'nivcsw'))" \
		"j['proc']['runq_wait_ns'] is None or 0 <= j['proc']['runq_wait_ns'] <= j['proc']['wall_ns']" \
		"j['proc']['running_start'] >= 1 and j['proc']['running_end'] >= 1"
	# the text summary, with the caller's ALLOCSWAP_* ignored
	x env ALLOCSWAP_STATS=off ALLOCSWAP_ALLOCATOR=mimalloc \
		"$A" run -a jemalloc --report "$T/r2.json" -- "$HELPER" alloc 64
	expect_rc 0 "text summary"
	json "$T/r2.json" "j['stats_mode'] == 'counters'" "j['allocator']['name'] == 'jemalloc'"
	has "$T/err" "^allocswap run: .*run_helper alloc 64  (allocator jemalloc 5\.[0-9.]*, glibc [0-9.]*, stats counters)"
	for s in " s  *wall\$" " s  *user\$" " s  *sys\$" " MiB  *max RSS\$" "fragmentation at peak" \
		"run-queue wait  ([0-9]* involuntary, [0-9]* voluntary context switches" \
		"page faults" "syscalls: " "report: $T/r2.json"; do
		has "$T/err" "$s"
	done
	peak=$($PY -c "import json; print('%.1f' % (json.load(open('$T/r2.json'))['bytes']['peak_live'] / 1048576))")
	has "$T/err" "^ *$peak MiB  *peak live heap  (requested [0-9.]* MiB in 1 call)"
	frag=$($PY -c "import json; print('%.2f' % json.load(open('$T/r2.json'))['memory']['fragmentation_at_peak'])")
	has "$T/err" "^ *$frag  *fragmentation at peak"
	# stats off: no heap figures, and it says why
	x "$A" run --stats off -- "$HELPER" alloc 1
	expect_rc 0 "stats off"
	has "$T/err" "peak live heap  (not counted: stats off)"
	# stats full: perf events opened in CMD (faults at least; syscalls need
	# tracefs, and the summary gives the report's reason when they are not counted)
	x "$A" run --stats full --report "$T/r3.json" -- "$HELPER" alloc 1
	expect_rc 0 "stats full"
	json "$T/r3.json" "j['stats_mode'] == 'full'" "j['perf']['source'] in ('perf', 'none')" \
		"j['syscalls']['source'] == 'perf' or len(j['syscalls']['reason']) > 0"
	has "$T/err" "stats full)"
	has "$T/err" "syscalls"
	# and the sampled sites: one 64 MiB block is sampled with probability
	# 1 - exp(-128) and stands for exactly its own bytes
	x "$A" run --stats full -- "$HELPER" alloc 64
	expect_rc 0 "stats full (sites)"
	has "$T/err" "allocation sites (libunwind, one sample per 512.0 KiB on average; top [0-9]* of [0-9]* by bytes):"
	has "$T/err" "^ *64.0 MiB  *[^ ]"
	# a Python program's line names its own code after the native frames:
	# the innermost Python frame, then the first outside the standard library
	# (64 MiB blocks are sampled for sure)
	cat >"$T/app.py" <<'PYEOF'
import json
def grow():
    return bytearray(64 << 20)
def encode():
    return json.dumps(["x" * (64 << 20)])
keep = grow()
s = encode()
PYEOF
	x "$A" run --stats full --pymalloc off -- $PY "$T/app.py"
	expect_rc 0 "stats full (Python sites)"
	has "$T/err" "^ *64.0 MiB  .* \.\.\. grow (app\.py:3)$"
	has "$T/err" " \.\.\. [^ ]* (encoder\.py:[0-9]*) < \.\.\. < encode (app\.py:5)$"
	;;

pymalloc)
	x "$A" run -q --pymalloc off -- $PY -c "import os; assert os.environ['PYTHONMALLOC'] == 'malloc'"
	expect_rc 0 "--pymalloc off sets PYTHONMALLOC=malloc"
	x env PYTHONMALLOC=malloc "$A" run -q --pymalloc on -- $PY -c "import os; assert 'PYTHONMALLOC' not in os.environ"
	expect_rc 0 "--pymalloc on removes PYTHONMALLOC"
	# a Python object graph through malloc: at least the 32 MiB of the bytes
	x "$A" run --json -o "$T/s.json" --pymalloc off -- $PY -c "b = bytes(32 << 20)"
	expect_rc 0 "python bytes(32 MiB)"
	json "$T/s.json" "j['report']['bytes']['peak_live'] >= 32 << 20" "j['config']['pymalloc'] == 'off'"
	;;

timeline)
	# grows to 64 MiB over ~300 ms, frees it all over ~300 ms: the rise,
	# then the fall, in live bytes and in RSS
	x "$A" run --timeline 10 --json -- "$HELPER" rise 64
	expect_rc 0 "run --timeline 10"
	json "$T/err" "len(j['report']['timeline']) >= 20" \
		"all(len(p) == 3 and all(isinstance(v, int) for v in p) for p in j['report']['timeline'])" \
		"[p[0] for p in j['report']['timeline']] == sorted(p[0] for p in j['report']['timeline'])"
	$PY - "$T/err" <<'EOF' || fail "the timeline does not rise then fall"
import json, sys
t = json.load(open(sys.argv[1]))['report']['timeline']
MiB = 1 << 20
top = max(range(len(t)), key=lambda i: t[i][1])
assert t[top][1] >= 60 * MiB, t[top]
assert t[-1][1] < 2 * MiB and t[-2][1] < 2 * MiB, t[-2:]      # freed
assert t[0][1] < 16 * MiB and 0 < top < len(t) - 2, (t[0], top)  # rose first
rtop = max(range(len(t)), key=lambda i: t[i][2])
assert t[rtop][2] >= 60 * MiB and t[-1][2] < 16 * MiB, (t[rtop], t[-1])  # RSS too
assert t[0][2] < 16 * MiB and abs(rtop - top) <= 3, (t[0], rtop, top)
EOF
	# the text summary counts the points; --report keeps them
	x "$A" run --timeline 20 --report "$T/rep.json" -- "$HELPER" rise 8
	expect_rc 0 "run --timeline 20 --report"
	has "$T/err" "timeline: [0-9]* points, one every 20 ms"
	json "$T/rep.json" "len(j['timeline']) >= 10"
	json "$T/rep.json" "j['timeline_info']['source'] == 'outside'" \
		"j['timeline_info']['interval_ms'] == 20" \
		"j['timeline_info']['points'] == len(j['timeline'])"
	# without --timeline: no timeline, nothing mapped
	x "$A" run --json -- "$HELPER" rise 8
	json "$T/err" "j['report']['timeline'] == []" \
		"j['report']['timeline_info']['source'] == 'none'"
	# --stats full: libswap records one itself, one point per 10 ms at most
	x "$A" run --stats full --json -o "$T/s.json" -- "$HELPER" rise 32
	expect_rc 0 "run --stats full (timeline)"
	json "$T/s.json" "j['report']['timeline_info']['source'] == 'fold'" \
		"j['report']['timeline_info']['interval_ms'] == 10" \
		"len(j['report']['timeline']) >= 20" \
		"max(p[1] for p in j['report']['timeline']) >= 31 << 20" \
		"max(p[3] for p in j['report']['timeline']) == j['report']['bytes']['peak_live']"
	x "$A" run --stats full -- "$HELPER" rise 8
	has "$T/err" "timeline: [0-9]* points, one every 10 ms at most, recorded by libswap"
	LIBSWAP=$(dirname "$A")/../preload/libswap.so
	[ -f "$LIBSWAP" ] || fail "no libswap at $LIBSWAP"
	mkdir "$T/c" || fail "mkdir $T/c"
	x env LD_PRELOAD="$LIBSWAP" ALLOCSWAP_COUNTERS="$T/c/page-%p" "$HELPER" maps "$T/c/page-"
	[ "$(cat "$T/out")" = 1 ] || fail "ALLOCSWAP_COUNTERS: the page is not mapped once"
	[ "$(ls "$T/c" | wc -l)" = 1 ] || fail "ALLOCSWAP_COUNTERS: not one file"
	[ "$(cat "$T"/c/page-* | wc -c)" = 4096 ] || fail "ALLOCSWAP_COUNTERS: the page is not 4096 bytes"
	rm -f "$T"/c/page-*
	x env LD_PRELOAD="$LIBSWAP" "$HELPER" maps "$T/c/page-"
	[ "$(cat "$T/out")" = 0 ] && [ -z "$(ls "$T/c")" ] || fail "a page without ALLOCSWAP_COUNTERS"
	x env LD_PRELOAD="$LIBSWAP" ALLOCSWAP_STATS=off ALLOCSWAP_COUNTERS="$T/c/page-%p" \
		"$HELPER" maps "$T/c/page-"
	[ "$(cat "$T/out")" = 0 ] && [ -z "$(ls "$T/c")" ] || fail "a page with ALLOCSWAP_STATS=off"
	x env LD_PRELOAD="$LIBSWAP" ALLOCSWAP_COUNTERS="$T/nodir/page" "$HELPER" exit 0
	expect_rc 0 "an uncreatable ALLOCSWAP_COUNTERS"
	has "$T/err" "^allocswap: warning: no counters page for ALLOCSWAP_COUNTERS=$T/nodir/page: no such directory$"
	usage_error "--timeline 0" "$A" run --timeline 0 -- "$HELPER" exit 0
	usage_error "--timeline x" "$A" run --timeline x -- "$HELPER" exit 0
	usage_error "--timeline with stats off" "$A" run --timeline 10 --stats off -- "$HELPER" exit 0
	;;

no-report)
	x "$A" run -a tcmalloc_minimal -- "$HELPER" _exit 4
	expect_rc 4 "_exit 4"
	has "$T/err" "no report from CMD's process"
	has "$T/err" " s  *wall\$"
	has "$T/err" "max RSS\$"
	has "$T/err" "^exit status 4\$"
	;;

children)
	x "$A" run --json -o "$T/s.json" -- "$HELPER" fork 3
	expect_rc 0 "fork 3"
	json "$T/s.json" "j['other_reports'] == 3" "j['report']['process']['argv'][1:] == ['fork', '3']"
	x "$A" run -- "$HELPER" fork 2
	has "$T/err" "2 other processes (children of CMD) wrote reports too"
	;;

musl)
	$PY - "$A" <<'EOF' || { echo "SKIP: no musl build of libswap"; exit 77; }
import json, subprocess, sys
j = json.loads(subprocess.run([sys.argv[1], 'list', '--format', 'json'], check=True,
                              capture_output=True).stdout)
sys.exit(not [l for l in j['libcs'] if l['name'] == 'musl' and l['available']])
EOF
	command -v musl-gcc >/dev/null || { echo "SKIP: no musl-gcc"; exit 77; }
	x "$A" list --format json
	cp "$T/out" "$T/list.json"
	# the others load when their musl build is made (allocswap build), or
	# say why not (tests/cli/build checks the reasons)
	json "$T/list.json" "any(a['name'] == 'system' and a['libc'] == 'musl' and a['available'] for a in j['allocators'])" \
		"all(a['available'] or 'not built yet: allocswap build musl-' in a['reason'] or 'glibc-only here' in a['reason'] for a in j['allocators'] if a['libc'] == 'musl')"
	musl-gcc -O2 -o "$T/helper-musl" "$SRC/run_helper.c" || fail "musl-gcc"
	# --libc comes from the program's interpreter
	x "$A" run --json -o "$T/s.json" -- "$T/helper-musl" alloc 16
	expect_rc 0 "musl program"
	json "$T/s.json" "j['config']['libc'] == 'musl'" "j['report']['libc']['name'] == 'musl'" \
		"j['report']['bytes']['peak_live'] >= 16 << 20"
	usage_error "glibc-only allocator on musl" "$A" run -a tcmalloc -- "$T/helper-musl" exit 0
	has "$T/err" "built for glibc only"
	usage_error "musl program under glibc" "$A" run --libc glibc -- "$T/helper-musl" exit 0
	;;

doctor)
	x "$A" doctor
	expect_rc 0 "doctor"
	# every line is an item, its advice, the blank line, or the conclusion
	bad=$(grep -v -e '^ok  ' -e '^no  ' -e '^    -> ' -e '^$' -e '^runs can be measured here' "$T/out")
	[ -z "$bad" ] || fail "doctor printed lines of no known form: $bad"
	"$PROBE" >"$T/probe" || fail "perf_probe"
	for ev in software hardware; do
		want=$(awk -v e="$ev" '$1 == e {print $2}' "$T/probe")
		grep -q "^$want  $ev" "$T/out" || fail "doctor's $ev line does not say '$want' ($(cat "$T/probe"))"
		if [ "$want" = no ]; then
			errname=$(awk -v e="$ev" '$1 == e {print $3}' "$T/probe")
			grep "^no  $ev" "$T/out" | grep -q "$errname" || fail "doctor's $ev line lacks $errname"
			grep -A1 "^no  $ev" "$T/out" | grep -q '^    -> ' || fail "doctor's $ev line has no advice"
		fi
	done
	for s in "libswap for glibc" "allocators under glibc" "python " "syscall tracepoints" \
		"seccomp" "runner host"; do
		grep -q "^\(ok\|no\)  $s" "$T/out" || fail "doctor has no '$s' line"
	done
	for b in $BACKENDS; do
		grep "^ok  allocators under glibc" "$T/out" | grep -q "[ ,]$b " || fail "doctor: $b not ok"
	done
	# the images: those a run can use on one line, then each other with its
	# reason and what to do; in a store of known content
	fake_store "$T/store"
	export ALLOCSWAP_CACHE="$T/store"
	images_of
	fake_images_are
	x "$A" doctor
	expect_rc 0 "doctor (a store of known content)"
	$PY - "$T/want.json" "$T/out" <<'EOF' || fail "doctor's images lines are not what list says"
import json, sys
imgs = json.load(open(sys.argv[1]))
want = ['ok  images: ' + ', '.join('%s (%s %s, Python %s)' % (i['name'], i['libc'], i['libc_version'],
                                                           i['python_version'])
                                  for i in imgs if i['available'])]
for i in imgs:
    if i['available']:
        continue
    r, n = i['reason'], i['name']
    todo = ('run the command above (run --image %s builds it first too)' % n
            if r.startswith('not built yet') else
            'do what the reason says, then allocswap image build %s' % n
            if r.startswith('cannot be built here') else
            'meson setup build-musl --cross-file cross/musl-x86_64.ini && ninja -C build-musl '
            '(./run.sh build does both builds)' if 'libswap.so for musl' in r else
            "measure in an image with a newer glibc, or build allocswap on a system whose glibc "
            "is no newer than %s's" % n)
    want += ['no  image %s: %s' % (n, r), '    -> ' + todo]
lines = open(sys.argv[2]).read().split('\n')
at = lines.index(want[0]) if want[0] in lines else sys.exit('no line: ' + want[0])
if lines[at:at + len(want)] != want:
    sys.exit('got:\n%s\nwanted:\n%s' % ('\n'.join(lines[at:at + len(want)]), '\n'.join(want)))
EOF
	;;

stdout-full)
	[ -w /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
	for c in "list" "list --format json" "doctor" "run --help" "build" "build --json"; do
		# shellcheck disable=SC2086
		"$A" $c >/dev/full 2>"$T/err"
		rc=$?
		[ "$rc" = 1 ] || fail "'$c' into a full disk exited $rc, not 1"
		has "$T/err" "writing to standard output failed"
	done
	;;

*)
	fail "unknown case"
	;;
esac
exit 0
