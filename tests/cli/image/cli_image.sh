#!/bin/sh
# End-to-end tests of `allocswap image`, one case a call:
#
#   cli_image.sh CASE ALLOCSWAP IMAGE_PROBE BUILD_SH
#
# BUILD_SH is cross/build.sh: the images are read from its table, never
# written down here.  help, errors and list run with ALLOCSWAP_CACHE in a
# fresh temporary directory (nothing built); bookworm and musl build those
# images in the user's cache (where they stay: the second run takes no
# time); rm works on copies of them in a temporary cache.  IMAGE_PROBE
# prints what images.h says of a root filesystem given by path.  What list
# says is checked against the rootfs itself (du, find, dpkg's database, the
# image's own python3 and libc).  Exit 0 pass, 1 fail, 77 skip.
set -u

case_name=$1 A=$2 PROBE=$3 BUILD_SH=$4
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-image-test.XXXXXX") || exit 1
MNT=""
trap '[ -z "$MNT" ] || umount "$MNT" 2>/dev/null; rm -rf "$T"' EXIT

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
has() { grep -q -e "$2" "$1" || fail "'$2' not in $1"; }
# error WHAT STATUS LINE CMD...: that status, nothing on stdout, and exactly
# LINE on stderr.
error() {
	what=$1 want=$2 line=$3
	shift 3
	x "$@"
	expect_rc "$want" "$what"
	[ ! -s "$T/out" ] || fail "$what: wrote to stdout"
	[ "$(lines "$T/err")" = 1 ] || fail "$what: stderr is not one line"
	[ "$(cat "$T/err")" = "$line" ] || fail "$what: stderr is
  $(cat "$T/err")
not
  $line"
}
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
# jget FILE EXPR: prints the value of EXPR (j = the parsed file).
jget() { $PY -c "import json, sys; j = json.load(open(sys.argv[1])); print($2)" "$1"; }

# The table: the images' names, in order, and as the error lines list them.
sh "$BUILD_SH" list image >"$T/table" || fail "build.sh list image"
images=$(cut -f1 "$T/table" | sed 's/^image-//')
names=$(echo $images | sed 's/ /, /g')
[ "$(echo "$images" | wc -w)" -ge 4 ] || fail "build.sh list image gives too few images: $images"

fresh_cache() {
	export ALLOCSWAP_CACHE="$T/cache"
}
# An image's entry of `image list --json` (in $T/list.json) into $T/img.json.
entry() {
	x "$A" image list --json
	expect_rc 0 "image list --json"
	cp "$T/out" "$T/list.json"
	$PY -c "import json, sys
j = json.load(open(sys.argv[1]))
json.dump([i for i in j['images'] if i['name'] == sys.argv[2]][0], open(sys.argv[3], 'w'))" \
		"$T/list.json" "$1" "$T/img.json" || fail "no $1 in image list --json"
}
# need_bwrap: skip unless bwrap can make a root here.
need_bwrap() {
	command -v bwrap >/dev/null || skip "no bwrap (Debian: bubblewrap)"
	bwrap --ro-bind / / --proc /proc --dev /dev true 2>"$T/bw" ||
		skip "bwrap cannot run here: $(head -1 "$T/bw")"
}
# in_image ROOT [BWRAP-OPTIONS] CMD...: CMD in ROOT, read-only, with bwrap.
in_image() {
	r=$1
	shift
	bwrap --ro-bind "$r" / --proc /proc --dev /dev --tmpfs /tmp "$@"
}
# build_image NAME: builds NAME in the user's cache (or finds it there); the
# rootfs into $ROOT.
build_image() {
	x "$A" image build "$1"
	expect_rc 0 "image build $1"
	[ "$(lines "$T/out")" = 1 ] || fail "image build $1 printed more than one line"
	has "$T/out" "^$1: [^ ]*/builds/image-$1-[0-9a-f]\{12\}/rootfs ([0-9.]* MiB, [0-9]* files; \(built now in \|cached: built [0-9-]* [0-9:]* UTC in \)[0-9]* \(s\|min [0-9]* s\))\$"
	ROOT=$(sed 's/^[^ ]* \([^ ]*\) .*/\1/' "$T/out")
}
# check_probe ROOT IMG_JSON: images.h on ROOT given by path agrees with the
# store's description (img.json's "image") and with du and find.
check_probe() {
	x "$PROBE" "$1"
	expect_rc 0 "image_probe $1"
	cp "$T/out" "$T/probe.json"
	json "$T/probe.json" "j['name'] is None and j['built'] and j['root'] == '$1'" \
		"j['python'] == '/usr/bin/python3'" \
		"j['size_bytes'] == $(du -sb "$1" | cut -f1)" \
		"j['files'] == $(find "$1" -type f | wc -l)" \
		"j['built_at'] is None and j['build_seconds'] is None"
	$PY - "$T/probe.json" "$2" <<'EOF' || fail "image_probe and the store disagree"
import json, sys
p, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))['image']
for k in ('libc', 'libc_version', 'python_version'):
    if p[k] != s[k]:
        sys.exit('%s: %r by path, %r in the store' % (k, p[k], s[k]))
if [(a['name'], a['path']) for a in p['allocators']] != [(a['name'], a['path']) for a in s['allocators']]:
    sys.exit('allocators: %r by path, %r in the store' % (p['allocators'], s['allocators']))
EOF
}

case $case_name in
help)
	fresh_cache
	x "$A" image --help
	expect_rc 0 "image --help"
	has "$T/out" "^usage: allocswap image list \[--json\]"
	has "$T/out" "^       allocswap image build NAME... \[--force\]"
	has "$T/out" "^       allocswap image rm NAME..."
	has "$T/out" "^       allocswap image path NAME"
	for i in $images; do
		grep -q -e "[ ]$i\( \|\$\)" "$T/out" || fail "image --help does not name $i"
	done
	has "$T/out" "ALLOCSWAP_CACHE"
	has "$T/out" "ALLOCSWAP_MIRROR"
	has "$T/out" "docker import"
	# the same text however it is asked for
	cp "$T/out" "$T/help"
	x "$A" image build --help
	cmp -s "$T/out" "$T/help" || fail "image build --help is not image --help"
	# (that it shows each command's options, and only those, with the
	# command's name: options-help, tests/cli/options/help.sh)
	x "$A" --help
	grep -q "^  image  *build, list and remove the images" "$T/out" || fail "allocswap --help does not list image"
	;;

errors)
	fresh_cache
	see="(see 'allocswap image --help')"
	error "no command" 2 "allocswap image: a command is needed: list, build NAME..., rm NAME... or path NAME $see" \
		"$A" image
	error "unknown command" 2 "allocswap image: command 'frob' is not one of: list, build, rm, path" \
		"$A" image frob
	error "an option first" 2 "allocswap image: the command comes first, then '--json': list, build, rm or path $see" \
		"$A" image --json
	for sub in build rm; do
		error "$sub of an unknown image" 2 "allocswap image: $sub: unknown image 'bogus'; images: $names $see" \
			"$A" image $sub bogus
	done
	error "path of an unknown image" 2 \
		"allocswap image: path: unknown image 'bogus'; images: $names, or a root filesystem's path $see" \
		"$A" image path bogus
	# nothing is built when one of the names is unknown
	error "an unknown image after a good one" 2 "allocswap image: build: unknown image 'bogus'; images: $names $see" \
		"$A" image build musl bogus
	[ -z "$(ls "$ALLOCSWAP_CACHE/builds" 2>/dev/null | grep image-)" ] || fail "an image was built before the unknown name was found"
	error "build without a name" 2 "allocswap image: build needs an image name, as in: allocswap image build bookworm $see" \
		"$A" image build
	error "path with two names" 2 "allocswap image: path takes one image ('bookworm'), not 'musl' too: run it once per image $see" \
		"$A" image path bookworm musl
	error "list with a name" 2 "allocswap image: list takes no image names ('bookworm'): it lists them all $see" \
		"$A" image list bookworm
	error "an option of another command" 2 "allocswap image list: unknown option '--force'; options: --json, -h/--help (see 'allocswap image list --help')" \
		"$A" image list --force
	error "--json for build" 2 "allocswap image build: unknown option '--json'; options: --force, -h/--help (see 'allocswap image build --help')" \
		"$A" image build --json bookworm
	error "an option of none" 2 "allocswap image rm: unknown option '--force'; options: -h/--help (see 'allocswap image rm --help')" \
		"$A" image rm bookworm --force
	error "build of a directory" 2 "allocswap image: build: '/tmp' is a directory: only built-in images ($names) are built $see" \
		"$A" image build /tmp
	error "rm of a directory" 2 "allocswap image: rm: '/tmp' is a directory: only built-in images ($names) are removed $see" \
		"$A" image rm /tmp
	# path: a directory that is no root filesystem, or is missing
	mkdir "$T/empty"
	error "path of a directory without python3" 1 \
		"allocswap: image $T/empty: not a root filesystem with a Python: it has no executable usr/bin/python3" \
		"$A" image path "$T/empty"
	error "path of a missing directory" 1 \
		"allocswap: image $T/nope: No such file or directory (give a built-in image's name or a root filesystem directory)" \
		"$A" image path "$T/nope"
	# path of an image that is not built: the command that builds it
	if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null; then
		x "$A" image path bookworm
		expect_rc 1 "path of an image not built"
		[ ! -s "$T/out" ] && [ "$(lines "$T/err")" = 1 ] || fail "path of an image not built: not one line on stderr alone"
		has "$T/err" "^allocswap: image path: bookworm is not built yet; build it with: allocswap image build bookworm (about [0-9]* s here)\$"
	fi
	# a build that fails (a mirror that is not there) leaves nothing behind
	# but its logs, and says which step failed
	if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null; then
		x env ALLOCSWAP_MIRROR=http://127.0.0.1:9/debian "$A" image build bookworm
		expect_rc 1 "a build that fails"
		[ ! -s "$T/out" ] || fail "a build that failed wrote to stdout"
		has "$T/err" "^build.sh: image-bookworm: step 'debootstrap' failed; its log: $ALLOCSWAP_CACHE/logs/image-bookworm-[0-9a-f]*/debootstrap.log\$"
		[ "$(tail -1 "$T/err")" = "allocswap: building image bookworm failed (the step and its log are named above)" ] ||
			fail "a build that failed ends with: $(tail -1 "$T/err")"
		left=$(find "$ALLOCSWAP_CACHE/builds" "$ALLOCSWAP_CACHE/work" -mindepth 1 -maxdepth 1)
		[ -z "$left" ] || fail "a build that failed left: $left"
	fi
	# rm of an image that is not built: nothing to do, and no error
	x "$A" image rm bookworm
	expect_rc 0 "rm of an image not built"
	[ "$(cat "$T/out")" = "bookworm: not built; nothing to remove" ] || fail "rm of an image not built said: $(cat "$T/out")"
	# not root: debootstrap images cannot be built, and say so
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v debootstrap >/dev/null; then
		mkdir -m 755 "$T/nobody"
		chmod 755 "$T"
		nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups env HOME="$T/nobody" ALLOCSWAP_CACHE="$T/nobody/cache" "$@"; }
		if nobody "$A" --version >/dev/null 2>&1; then
			error "build as another user than root" 1 \
				"allocswap: image bookworm cannot be built here: debootstrap needs root (it chroots and makes device files): run it as root" \
				nobody "$A" image build bookworm
			x nobody "$A" image list
			expect_rc 0 "image list as another user than root"
			has "$T/out" "^  bookworm  *glibc  *no  *cannot be built here: debootstrap needs root"
			x nobody "$A" image list --json
			cp "$T/out" "$T/nobody.json"
			json "$T/nobody.json" \
				"all(not i['buildable'] and i['reason'].startswith('debootstrap needs root') and i['todo'] is None for i in j['images'] if i['libc'] == 'glibc')"
		else
			echo "note: the 'not root' checks were skipped: $A cannot be run as nobody"
		fi
	fi
	;;

list)
	fresh_cache
	x "$A" image list
	expect_rc 0 "image list"
	has "$T/out" "^images (cross/build.sh; cached in $ALLOCSWAP_CACHE)\$"
	has "$T/out" "^  name  *libc  *built  *version  *python  *size  *files  *took  *built at (UTC)  *allocators\$"
	[ "$(grep -c '^  [a-z]' "$T/out")" = "$(($(echo "$images" | wc -w) + 1))" ] || fail "not one row an image"
	# in the table's order, each not built, with what builds it (or why it cannot be)
	grep '^  [a-z]' "$T/out" | tail -n +2 | awk '{print $1}' >"$T/order"
	[ "$(echo $(cat "$T/order"))" = "$(echo $images)" ] || fail "rows not in the table's order: $(cat "$T/order")"
	# (fail in the loop ends its subshell: '|| exit 1' ends the test)
	tr '\t' '|' <"$T/table" | while IFS='|' read -r target _ libc _ _ needs; do
		name=${target#image-}
		row=$(grep "^  $name " "$T/out")
		if [ "$libc" = glibc ] && [ "$(id -u)" != 0 ]; then
			echo "$row" | grep -q "^  $name  *glibc  *no  *cannot be built here: debootstrap needs root" || fail "row of $name: $row"
		elif [ -n "$needs" ]; then
			echo "$row" | grep -q "^  $name  *$libc  *no  *allocswap image build $name (about [0-9]* \(s\|min\) here, with the builds it is made of)\$" ||
				fail "row of $name: $row"
		else
			echo "$row" | grep -q "^  $name  *$libc  *no  *allocswap image build $name (about [0-9]* s here)\$" ||
				fail "row of $name: $row"
		fi
	done || exit 1
	x "$A" image list --json
	expect_rc 0 "image list --json"
	cp "$T/out" "$T/l.json"
	printf '%s\n' $images >"$T/names"
	json "$T/l.json" "j['schema'] == 'allocswap.images/1'" "j['cache'] == '$ALLOCSWAP_CACHE'" \
		"j['script'].endswith('/cross/build.sh')" \
		"[i['name'] for i in j['images']] == open('$T/names').read().split()" \
		"all(set(i) == {'name', 'libc', 'suite', 'description', 'built', 'root', 'buildable', 'reason', 'todo', 'estimate_seconds', 'image', 'info'} for i in j['images'])" \
		"all(not i['built'] and i['root'] is None and i['image'] is None and i['info'] is None for i in j['images'])" \
		"all(i['todo'] == None if not i['buildable'] else i['todo'].startswith('allocswap image build ' + i['name']) and i['estimate_seconds'] > 0 for i in j['images'])" \
		"all((i['reason'] is None) == i['buildable'] for i in j['images'])" \
		"all(i['suite'] == i['name'] for i in j['images'] if i['libc'] == 'glibc')" \
		"{i['libc'] for i in j['images']} == {'glibc', 'musl'}" \
		"[i['suite'] for i in j['images'] if i['libc'] == 'musl'] == [None]" \
		"all(i['estimate_seconds'] > 60 for i in j['images'] if i['libc'] == 'musl' and i['buildable'])"
	[ -z "$(ls "$ALLOCSWAP_CACHE/builds" 2>/dev/null)" ] || fail "listing made builds: $(ls "$ALLOCSWAP_CACHE/builds")"
	;;

bookworm)
	[ "$(id -u)" = 0 ] || skip "debootstrap needs root"
	command -v debootstrap >/dev/null || skip "no debootstrap (Debian: debootstrap)"
	mirror=$(sh "$BUILD_SH" mirror)
	if ! "$A" image path bookworm >/dev/null 2>&1; then
		wget -q -T 20 -O /dev/null "$mirror/dists/bookworm/InRelease" ||
			skip "Debian's archive ($mirror) cannot be reached: bookworm cannot be made here"
	fi
	build_image bookworm
	x "$A" image build bookworm
	expect_rc 0 "image build bookworm, again"
	has "$T/out" "^bookworm: $ROOT ([0-9.]* MiB, [0-9]* files; cached: built [0-9-]* [0-9:]* UTC in [0-9]* s)\$"
	x "$A" image path bookworm
	expect_rc 0 "image path bookworm"
	[ "$(cat "$T/out")" = "$ROOT" ] && [ ! -s "$T/err" ] || fail "image path bookworm printed '$(cat "$T/out")', not $ROOT alone"
	# the rootfs: python3, libswap's mount point, no apt lists or caches,
	# build.json outside it
	[ -x "$ROOT/usr/bin/python3" ] || fail "no usr/bin/python3 in $ROOT"
	[ -d "$ROOT/opt/allocswap" ] && [ -z "$(ls -A "$ROOT/opt/allocswap")" ] || fail "no empty /opt/allocswap in $ROOT"
	[ -z "$(find "$ROOT/var/lib/apt/lists" "$ROOT/var/cache/apt" -type f ! -name lock)" ] ||
		fail "apt's lists or caches are left in $ROOT: $(find "$ROOT/var/lib/apt/lists" "$ROOT/var/cache/apt" -type f | head -3)"
	[ -f "$ROOT/../build.json" ] && [ ! -e "$ROOT/build.json" ] || fail "build.json is not beside the rootfs"
	# what list says, against the rootfs itself
	entry bookworm
	pyv=$(chroot "$ROOT" /usr/bin/python3 -V | sed 's/^Python //')
	libcv=$(chroot "$ROOT" /usr/bin/ldd --version | head -1 | awk '{print $NF}')
	json "$T/img.json" "j['built'] and j['root'] == '$ROOT' and j['buildable'] and j['todo'] is None" \
		"j['image']['python_version'] == '$pyv' and j['info']['python_version'] == '$pyv'" \
		"j['image']['python'] == '/usr/bin/python3'" \
		"j['image']['libc'] == 'glibc' and j['image']['libc_version'] == '$libcv'" \
		"j['image']['size_bytes'] == $(du -sb "$ROOT" | cut -f1)" \
		"j['image']['files'] == $(find "$ROOT" -type f | wc -l)" \
		"j['image']['suite'] == 'bookworm' and j['info']['suite'] == 'bookworm'" \
		"j['info']['mirror'] == '$mirror'" \
		"j['info']['kind'] == 'image' and j['info']['name'] == 'image-bookworm'" \
		"j['image']['build_seconds'] >= 1 and j['image']['built'].endswith('Z')" \
		"[a['name'] for a in j['image']['allocators']] == ['jemalloc', 'mimalloc', 'tcmalloc', 'tcmalloc_minimal', 'tbbmalloc']"
	# every allocator package is installed in the image, at the version recorded
	jget "$T/img.json" "'\n'.join(k + ' ' + v for k, v in j['info']['allocator_packages'].items())" |
		while read -r pkg ver; do
			got=$(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${db:Status-Abbrev} ${Version}' "$pkg")
			[ "$got" = "ii  $ver" ] || fail "$pkg: '$got' in the image, '$ver' in build.json"
		done || exit 1
	jget "$T/img.json" "'\n'.join(a['path'] + ' ' + a['package'] + ' ' + a['version'] for a in j['image']['allocators'])" |
		while read -r path pkg ver; do
			[ -e "$ROOT$path" ] || fail "$path is not in the image"
			dpkg-query --admindir="$ROOT/var/lib/dpkg" -L "$pkg" | grep -qx "$path" || fail "$path is not $pkg's"
		done || exit 1
	chroot "$ROOT" /usr/bin/python3 -c 'import json, sqlite3, ssl, zlib' || fail "bookworm's python3 lacks a module"
	# the text list's row
	x "$A" image list
	row=$(grep "^  bookworm " "$T/out")
	echo "$row" | grep -q "^  bookworm  *glibc  *yes  *$libcv  *$pyv  *[0-9.]* MiB  *[0-9]*  *[0-9]* s  *20[0-9-]* [0-9:]*  *jemalloc mimalloc tcmalloc tcmalloc_minimal tbbmalloc\$" ||
		fail "the list's row: $row"
	# the same rootfs given by path
	check_probe "$ROOT" "$T/img.json"
	# the key does not depend on the archive: apt is not even asked
	mkdir "$T/bin"
	printf '#!/bin/sh\nexit 1\n' >"$T/bin/apt-cache"
	chmod +x "$T/bin/apt-cache"
	[ "$(PATH="$T/bin:$PATH" sh "$BUILD_SH" key image-bookworm)" = "$(jget "$T/img.json" "j['info']['key']")" ] ||
		fail "bookworm's key depends on apt"
	if command -v bwrap >/dev/null && bwrap --ro-bind / / true 2>/dev/null; then
		[ "$(in_image "$ROOT" /usr/bin/python3 -V)" = "Python $pyv" ] || fail "python3 -V under bwrap"
	fi
	;;

musl)
	[ -e /lib/ld-musl-x86_64.so.1 ] || skip "no musl loader (Debian: musl)"
	need_bwrap
	if ! "$A" image path musl >/dev/null 2>&1 && ! command -v musl-gcc >/dev/null &&
		! "$A" build --path python-musl-os >/dev/null 2>&1; then
		skip "python-musl-os is not built and there is no musl-gcc to build it (Debian: musl-tools)"
	fi
	build_image musl
	[ "$(in_image "$ROOT" /usr/bin/python3 -c 'import json, sqlite3, ssl, zlib; print("ok")')" = ok ] ||
		fail "python3 -c 'import json, sqlite3, ssl, zlib' does not run in the musl image"
	pyv=$(in_image "$ROOT" /usr/bin/python3 -V | sed 's/^Python //')
	libcv=$("$ROOT/lib/ld-musl-x86_64.so.1" --version 2>&1 | awk '/^Version/ {print $2}')
	[ -n "$pyv" ] && [ -n "$libcv" ] || fail "the musl image's python3 or loader gives no version"
	readelf -l "$ROOT/usr/bin/python3.11" | grep -q 'interpreter: /lib/ld-musl-x86_64.so.1' ||
		fail "python3.11 is not a musl program"
	entry musl
	json "$T/img.json" "j['built'] and j['root'] == '$ROOT' and j['suite'] is None" \
		"j['image']['libc'] == 'musl' and j['image']['libc_version'] == '$libcv'" \
		"j['image']['python_version'] == '$pyv' and j['image']['python'] == '/usr/bin/python3'" \
		"j['image']['size_bytes'] == $(du -sb "$ROOT" | cut -f1)" \
		"j['image']['files'] == $(find "$ROOT" -type f | wc -l)" \
		"[(a['name'], a['path'], a['package']) for a in j['image']['allocators']] == [('jemalloc', '/usr/lib/libjemalloc.so.2', 'musl-jemalloc'), ('mimalloc', '/usr/lib/libmimalloc.so.2', 'musl-mimalloc')]" \
		"set(j['info']['needs']) == set('$(awk -F'\t' '$1 == "image-musl" {print $6}' "$T/table")'.split())"
	# made of the builds the store has
	for b in $(jget "$T/img.json" "' '.join(j['info']['needs'])"); do
		[ "$(jget "$T/img.json" "j['info']['needs']['$b']")" = "$("$A" build --path "$b")" ] ||
			fail "needs.$b is not the directory of the build $b"
	done
	cmp -s "$ROOT/usr/lib/libmimalloc.so.2" "$("$A" build --path musl-mimalloc)/lib/libmimalloc.so.2" ||
		fail "the image's libmimalloc.so.2 is not musl-mimalloc's"
	# the allocators load there: mimalloc by its soname (as libswap's dlopen),
	# jemalloc preloaded (its initial-exec TLS needs that under musl)
	in_image "$ROOT" /usr/bin/python3 -c "import ctypes; ctypes.CDLL('libmimalloc.so.2')" ||
		fail "libmimalloc.so.2 does not load by its soname in the musl image"
	[ "$(in_image "$ROOT" --setenv LD_PRELOAD /usr/lib/libjemalloc.so.2 /usr/bin/python3 -c \
		"print(int('libjemalloc' in open('/proc/self/maps').read()))")" = 1 ] ||
		fail "libjemalloc.so.2 does not load preloaded in the musl image"
	# a shell and env (busybox), passwd, /tmp, libswap's mount point
	if [ "$(jget "$T/img.json" "j['info']['shell']")" = /bin/sh ]; then
		[ "$(in_image "$ROOT" /bin/sh -c 'echo $((6 * 7))')" = 42 ] || fail "/bin/sh does not run in the musl image"
		[ "$(in_image "$ROOT" /usr/bin/env /usr/bin/python3 -c 'print(1)')" = 1 ] || fail "no /usr/bin/env in the musl image"
	fi
	grep -q '^root:x:0:0:' "$ROOT/etc/passwd" || fail "no root in /etc/passwd"
	[ "$(stat -c %a "$ROOT/tmp")" = 1777 ] || fail "/tmp is not 1777"
	[ -d "$ROOT/opt/allocswap" ] && [ -z "$(ls -A "$ROOT/opt/allocswap")" ] || fail "no empty /opt/allocswap"
	check_probe "$ROOT" "$T/img.json"
	# --force: anew, into the same directory, which still works after
	before=$(jget "$T/img.json" "j['info']['built']")
	sleep 1
	x "$A" image build --force musl
	expect_rc 0 "image build --force musl"
	has "$T/out" "^musl: $ROOT ([0-9.]* MiB, [0-9]* files; built now in [0-9]* s)\$"
	has "$T/err" "^build.sh: \[image-musl 1/[0-9], [0-9]*s\] assemble"
	entry musl
	[ "$(jget "$T/img.json" "j['info']['built']")" != "$before" ] || fail "--force did not build musl anew"
	[ "$(in_image "$ROOT" /usr/bin/python3 -c 'import zlib; print("ok")')" = ok ] || fail "the image rebuilt with --force does not run"
	;;

rm)
	[ "$(id -u)" = 0 ] || skip "the images are made by root (debootstrap): their copies too"
	command -v debootstrap >/dev/null || skip "no debootstrap (Debian: debootstrap)"
	if ! "$A" image path bookworm >/dev/null 2>&1; then
		mirror=$(sh "$BUILD_SH" mirror)
		wget -q -T 20 -O /dev/null "$mirror/dists/bookworm/InRelease" ||
			skip "Debian's archive ($mirror) cannot be reached: bookworm cannot be made here"
	fi
	build_image bookworm
	real=$ROOT
	src=$(dirname "$real")
	key=${src##*-}
	# a cache holding a copy of bookworm (hard links: quick), and what the
	# store did not make: a directory with a key's name but no build.json,
	# and another one; and what a build left: a .tmp
	B="$T/cache/builds"
	mkdir -p "$B"
	cp -al "$src" "$B/" 2>/dev/null || cp -a "$src" "$B/" || fail "cannot copy $src"
	ln -s "image-bookworm-$key" "$B/image-bookworm"
	mkdir "$B/image-bookworm-0123456789ab" "$B/image-bookworm-notes"
	echo keep >"$B/image-bookworm-0123456789ab/file"
	echo keep >"$B/image-bookworm-notes/file"
	# and a copy of musl, when it is built (a second image that must stay)
	musl=""
	if m=$("$A" image path musl 2>/dev/null); then
		musl=$(dirname "$m")
		cp -al "$musl" "$B/" 2>/dev/null || cp -a "$musl" "$B/"
		ln -s "${musl##*/}" "$B/image-musl"
	fi
	fresh_cache
	entry bookworm
	json "$T/img.json" "j['built'] and j['root'] == '$B/image-bookworm-$key/rootfs'"
	# a --force build that fails leaves the image there as it was
	x env ALLOCSWAP_MIRROR=http://127.0.0.1:9/debian "$A" image build --force bookworm
	expect_rc 1 "a --force build that fails"
	x "$A" image path bookworm
	[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$B/image-bookworm-$key/rootfs" ] &&
		[ -x "$B/image-bookworm-$key/rootfs/usr/bin/python3" ] || fail "a failed --force build took the image away"
	[ ! -e "$B/image-bookworm-$key.tmp/rootfs" ] || fail "a failed --force build left its rootfs"
	mkdir "$B/image-bookworm-$key.tmp"
	# never while something is mounted inside it
	if mount -t tmpfs none "$B/image-bookworm-$key/rootfs/mnt" 2>/dev/null; then
		MNT="$B/image-bookworm-$key/rootfs/mnt"
		x "$A" image rm bookworm
		expect_rc 1 "image rm with a mount inside"
		has "$T/err" "has file systems mounted inside it ($MNT): a runner is using it"
		[ -d "$B/image-bookworm-$key/rootfs/usr" ] || fail "image rm removed files while a file system was mounted inside"
		umount "$MNT"
		MNT=""
	fi
	x "$A" image rm bookworm
	expect_rc 0 "image rm bookworm"
	[ "$(cat "$T/out")" = "bookworm: removed (2 directories)" ] || fail "image rm bookworm said: $(cat "$T/out")"
	[ ! -e "$B/image-bookworm-$key" ] && [ ! -e "$B/image-bookworm-$key.tmp" ] && [ ! -L "$B/image-bookworm" ] ||
		fail "image rm left bookworm: $(ls "$B")"
	[ -f "$B/image-bookworm-0123456789ab/file" ] && [ -f "$B/image-bookworm-notes/file" ] ||
		fail "image rm removed what the store did not make"
	entry bookworm
	json "$T/img.json" "not j['built']"
	if [ -n "$musl" ]; then
		entry musl
		json "$T/img.json" "j['built'] and j['root'] == '$B/${musl##*/}/rootfs'"
	fi
	# the user's cache still has its bookworm, whole
	[ -x "$real/usr/bin/python3" ] && [ -f "$src/build.json" ] || fail "the copy's removal touched the original"
	x "$A" image rm bookworm
	expect_rc 0 "image rm bookworm, again"
	[ "$(cat "$T/out")" = "bookworm: not built; nothing to remove" ] || fail "the second image rm said: $(cat "$T/out")"
	if [ -n "$musl" ]; then
		x "$A" image rm musl bookworm
		expect_rc 0 "image rm musl bookworm"
		[ "$(cat "$T/out")" = "musl: removed (1 directory)
bookworm: not built; nothing to remove" ] || fail "image rm musl bookworm said: $(cat "$T/out")"
		[ ! -e "$B/${musl##*/}" ] || fail "image rm musl left it"
		[ -x "$musl/rootfs/usr/bin/python3" ] || fail "the copy's removal touched the original musl image"
	fi
	;;

*)
	fail "unknown case"
	;;
esac
exit 0
