#!/bin/sh
# cross/build.sh: builds the libc axis's pieces from Debian source packages,
# and the image axis's root filesystems, cached.  `allocswap build` and
# `allocswap image` drive it; it can be run alone as well.
#
#   build.sh list [image]         the targets, one a line (tab-separated):
#                                 name kind libc flags description; the
#                                 builds, or with "image" the images (flags
#                                 is the Debian suite; one more column: the
#                                 builds an image is made of)
#   build.sh status TARGET        "built DIR" (exit 0) or "missing KEY" (exit 1);
#                                 an image that cannot be built here says why
#                                 after its key ("missing KEY debootstrap needs
#                                 root ...")
#   build.sh status-all [image]   "TARGET built DIR" or "TARGET missing KEY", each
#                                 build (or each image)
#   build.sh build [--force] TARGET
#                                 builds TARGET and what it needs, unless cached
#                                 (--force: TARGET anew, even when cached);
#                                 prints "built DIR" last
#   build.sh rm TARGET            removes every build of TARGET the store made
#                                 ("removed DIR" each, or nothing)
#   build.sh key TARGET           the cache key of TARGET
#   build.sh mirror               the Debian mirror images are made from
#
# Cache: $ALLOCSWAP_CACHE, else $XDG_CACHE_HOME/allocswap, else
# ~/.cache/allocswap.  Layout:
#   src/PKG_VERSION/          a Debian source package, unpacked
#   toolchain/                the musl compiler wrapper (see musl_cc below)
#   builds/TARGET-KEY/        an install prefix, with build.json (what it is)
#   builds/TARGET             a symlink to the newest build of TARGET
#   logs/TARGET-KEY/STEP.log  every step's output
# KEY hashes the source package versions, the flags, the recipe version and
# the keys of what TARGET is built on, so a changed input builds anew and an
# unchanged one takes no time.  A build is made in TARGET-KEY.tmp and renamed
# into place when complete: nothing half-built is ever used.
#
# Images (kind image) are root filesystems the CLI runs Python in: Debian
# suites made with debootstrap (needs root) plus the allocator packages of
# the suite's own archive, and a musl one assembled from the musl builds.
# builds/image-NAME-KEY/ holds rootfs/ and build.json.  An image's key
# hashes its recipe version, suite and package list (and for musl the keys
# of the builds it is made from), not the archive's versions: an archive
# update does not rebuild it (build --force does).  The mirror is the one
# apt uses here ($ALLOCSWAP_MIRROR overrides it).
#
# Sources come from Debian's archive with `apt-get source` (a deb-src entry
# mirroring the deb entries is added if there is none: allocswap-src.sources).
# CPython's upstream tarball is used without Debian's patches (they adapt it
# to Debian's multiarch layout and to its glibc packaging); the others get
# Debian's patches as usual.
set -eu

RECIPE=3 # bump when a recipe below changes what it builds
PYRECIPE=3 # the same for the Python recipe alone
IMGRECIPE=1 # the same for the image recipes (images do not use RECIPE)
CACHE="${ALLOCSWAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/allocswap}"
JOBS="$(nproc 2>/dev/null || echo 2)"

die() {
	echo "build.sh: $*" >&2
	exit 1
}

# ---- the targets: one table ------------------------------------------------
# name|kind|libc|flags|source packages|needs|description
TARGETS='musl-jemalloc|allocator|musl|-O2|jemalloc||jemalloc built with musl-gcc (replaces malloc)
musl-mimalloc|allocator|musl|-O2|mimalloc||mimalloc built with musl-gcc (replaces malloc)
musl-libunwind|library|musl|-O2|libunwind||libunwind built with musl-gcc (native stacks for sampled allocation sites under musl)
musl-deps|deps|musl|-O2|zlib libffi xz-utils bzip2 sqlite3 openssl||static zlib, libffi, xz, bzip2, sqlite and OpenSSL for the musl Pythons
glibc-deps|deps|glibc|-O2|zlib libffi xz-utils bzip2 sqlite3 openssl||the same libraries from the same sources, built with gcc for glibc
python-musl-os|python|musl|-Os|python3.11|musl-deps|CPython -Os on musl (as Alpine builds it)
python-musl-o3lto|python|musl|-O3 lto|python3.11|musl-deps|CPython -O3 with LTO on musl
python-glibc-os|python|glibc|-Os|python3.11|glibc-deps|CPython -Os on glibc, same source and flags as python-musl-os
python-glibc-o3lto|python|glibc|-O3 lto|python3.11|glibc-deps|CPython -O3 with LTO on glibc, same source and flags as python-musl-o3lto
image-bullseye|image|glibc|bullseye|libjemalloc2 libgoogle-perftools4 libtcmalloc-minimal4 libtbb2||Debian 11 (debootstrap minbase), python3 and the allocators of its archive (no mimalloc there)
image-bookworm|image|glibc|bookworm|libjemalloc2 libmimalloc2.0 libgoogle-perftools4 libtcmalloc-minimal4 libtbbmalloc2||Debian 12 (debootstrap minbase), python3 and the allocators of its archive
image-trixie|image|glibc|trixie|libjemalloc2 libmimalloc3 libgoogle-perftools4t64 libtcmalloc-minimal4t64 libtbbmalloc2||Debian 13 (debootstrap minbase), python3 and the allocators of its archive
image-musl|image|musl|-||python-musl-os musl-jemalloc musl-mimalloc musl-libunwind|a minimal musl rootfs: python-musl-os, musl-jemalloc, musl-mimalloc, musl-libunwind, the musl loader, busybox'
# (for images, the packages column lists the allocator packages installed
# from the suite's archive, names as that suite spells them)

field() { # field TARGET N
	printf '%s\n' "$TARGETS" | awk -F'|' -v t="$1" -v n="$2" '$1 == t { print $n; f = 1 } END { exit !f }'
}

known() {
	field "$1" 1 >/dev/null || die "unknown target '$1'; targets: $(printf '%s\n' "$TARGETS" | cut -d'|' -f1 | tr '\n' ' ')"
}

# The table's rows of kind image with "image", every other row without.
rows() { # rows [image]
	printf '%s\n' "$TARGETS" | awk -F'|' -v k="${1:-}" '(k == "image") == ($2 == "image")'
}

# Does TARGET's key need source versions (a build, or an image made of builds)?
needs_sources() {
	[ "$(field "$1" 2)" != image ] || [ -n "$(field "$1" 6)" ]
}

# ---- sources -----------------------------------------------------------------
ensure_deb_src() {
	if apt-cache showsrc zlib 2>/dev/null | grep -q '^Package:'; then
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "no deb-src entry in apt's sources and not root: add one (Types: deb-src) and run apt-get update"
	f=/etc/apt/sources.list.d/allocswap-src.sources
	tmp="$f.tmp"
	: >"$tmp"
	for s in /etc/apt/sources.list.d/*.sources; do
		[ -f "$s" ] && [ "$s" != "$f" ] || continue
		# deb822 stanzas of Types: deb with a Debian archive, as deb-src
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types:[^\n]*deb([ \n]|$)/ && /debian/ && !/deb-src/ {
			sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$s" >>"$tmp"
	done
	if [ -f /etc/apt/sources.list ]; then
		grep -E '^deb[[:space:]]+[^[]*debian' /etc/apt/sources.list 2>/dev/null |
			sed 's/^deb[[:space:]]/deb-src /' >"$tmp.list" || true
		[ -s "$tmp.list" ] && mv "$tmp.list" /etc/apt/sources.list.d/allocswap-src.list
		rm -f "$tmp.list"
	fi
	mv "$tmp" "$f"
	echo "build.sh: added deb-src entries ($f); apt-get update" >&2
	apt-get update -qq >&2 || die "apt-get update failed (deb-src entries in $f)"
	apt-cache showsrc zlib 2>/dev/null | grep -q '^Package:' ||
		die "apt still finds no source packages after adding $f"
}

# Every source package's candidate version, asked once (apt-cache showsrc
# takes about 0.1 s a call): "pkg=version" words, inherited by subshells.
VERSIONS=""
load_versions() {
	VERSIONS=$(apt-cache showsrc $(rows | cut -d'|' -f5 | tr ' ' '\n' | sort -u) \
		2>/dev/null | awk '/^Package:/ { p = $2 } /^Version:/ && !seen[p]++ { printf "%s=%s ", p, $2 }')
}

# The candidate version of source package $1 (what apt-get source fetches).
src_version() {
	for pv in $VERSIONS; do
		[ "${pv%%=*}" = "$1" ] && { echo "${pv#*=}"; return 0; }
	done
	v=$(apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
	[ -n "$v" ] || die "apt-cache showsrc $1 gives no version"
	echo "$v"
}

# src_dir PKG [--skip-patches]: unpacks the source package once, prints its dir.
src_dir() {
	pkg=$1 v=$(src_version "$1")
	d="$CACHE/src/${pkg}_$v"
	if [ ! -f "$d/.unpacked" ]; then
		dl="$CACHE/src/dl-$pkg"
		rm -rf "$dl" "$d"
		mkdir -p "$dl"
		(cd "$dl" && apt-get source -qq -o APT::Sandbox::User=root --download-only "$pkg=$v") >&2 ||
			die "apt-get source $pkg=$v failed"
		dsc=$(ls "$dl"/*.dsc | head -1)
		if [ "${2:-}" = --skip-patches ]; then
			dpkg-source -q --skip-patches -x "$dsc" "$d.tmp" >/dev/null 2>&1 ||
				die "dpkg-source -x $dsc failed"
		else
			dpkg-source -q -x "$dsc" "$d.tmp" >/dev/null 2>&1 || die "dpkg-source -x $dsc failed"
		fi
		rm -rf "$dl"
		touch "$d.tmp/.unpacked"
		mv "$d.tmp" "$d"
	fi
	echo "$d"
}

# ---- the musl compiler -------------------------------------------------------
# musl-gcc, named like a gcc (CPython's configure gives LTO flags only to a
# compiler whose name matches *gcc* or *clang*), plus two things CPython's
# build needs: `-print-multiarch` must
# answer x86_64-linux-musl (configure refuses gcc's empty answer against the
# platform triplet it computes), and the kernel's uapi headers (linux/, asm/,
# asm-generic/), which musl-tools does not ship, come after musl's own.
musl_cc() {
	t="$CACHE/toolchain"
	w="$t/x86_64-linux-musl-gcc"
	if ! grep -qs '^# wrapper 2$' "$w"; then
		command -v musl-gcc >/dev/null || die "musl-gcc not found: apt-get install musl-tools"
		mkdir -p "$t/uapi"
		ma=$(gcc -print-multiarch)
		ln -sfn /usr/include/linux "$t/uapi/linux"
		ln -sfn /usr/include/asm-generic "$t/uapi/asm-generic"
		ln -sfn "/usr/include/$ma/asm" "$t/uapi/asm"
		cat >"$w.tmp" <<EOF
#!/bin/sh
# musl-gcc for builds that probe like CPython's configure (cross/build.sh)
# wrapper 2
for a; do case "\$a" in -print-multiarch | --print-multiarch) echo x86_64-linux-musl; exit 0 ;; esac; done
exec musl-gcc "\$@" -idirafter "$t/uapi"
EOF
		chmod +x "$w.tmp"
		mv "$w.tmp" "$w"
	fi
	echo "$w"
}

cc_for() { # cc_for LIBC
	case $1 in
	musl) musl_cc ;;
	glibc) echo gcc ;;
	esac
}

# ---- keys --------------------------------------------------------------------
installed() { # the version of an installed host package, or "none"
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "ii" { print $2; f = 1 } END { if (!f) print "none" }'
}

key() {
	t=$1
	s="recipe=$RECIPE target=$t flags=$(field "$t" 4)"
	[ "$(field "$t" 2)" = python ] && s="$s pyrecipe=$PYRECIPE"
	if [ "$(field "$t" 2)" = image ]; then
		# the package list, not the archive's versions of it
		s="imgrecipe=$IMGRECIPE target=$t suite=$(field "$t" 4) packages=$(field "$t" 5)"
		[ "$(field "$t" 3)" = musl ] &&
			s="$s busybox=$(installed busybox-static)"
	else
		for p in $(field "$t" 5); do s="$s $p=$(src_version "$p")"; done
	fi
	for n in $(field "$t" 6); do s="$s $n=$(key "$n")"; done
	[ "$(field "$t" 3)" = musl ] && s="$s musl=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo none)"
	printf '%s' "$s" | sha256sum | cut -c1-12
}

prefix_of() { # the current build of $1, or nothing
	l="$CACHE/builds/$1"
	[ -L "$l" ] && [ -f "$l/build.json" ] || return 1
	d=$(readlink -f "$l")
	[ "$(basename "$d")" = "$1-$(key "$1")" ] || return 1
	echo "$d"
}

# ---- steps -------------------------------------------------------------------
T0=0 STEP=0 NSTEPS=0 LOGS="" CUR=""
step() { # step NAME CMD...: runs CMD with its output in LOGS/NAME.log
	name=$1
	shift
	STEP=$((STEP + 1))
	log="$LOGS/$name.log"
	printf 'build.sh: [%s %d/%d, %ds] %s\n' "$CUR" "$STEP" "$NSTEPS" "$(($(date +%s) - T0))" "$name" >&2
	if ! ("$@") >"$log" 2>&1; then
		echo "build.sh: $CUR: step '$name' failed; its log: $log" >&2
		tail -n 15 "$log" | sed 's/^/  | /' >&2
		exit 1
	fi
}

# ---- recipes: each builds into $P (the prefix) from sources -------------------
build_allocator() { # TARGET
	cc=$(cc_for musl)
	case $1 in
	musl-jemalloc)
		NSTEPS=3
		src=$(src_dir jemalloc)
		b="$WORK/jemalloc"
		cp -a "$src" "$b"
		# Debian's configure flags, minus C++ (no musl C++ compiler in Debian)
		step configure sh -c "cd '$b' && CC='$cc' CFLAGS='-O2' ./configure --prefix='$P' --disable-cxx"
		step make make -C "$b" -j"$JOBS" build_lib_shared
		step install sh -c "mkdir -p '$P/lib' && cp -L '$b/lib/libjemalloc.so.2' '$P/lib/' && mkdir -p '$P/include' && cp -r '$b/include/jemalloc' '$P/include/'"
		;;
	musl-mimalloc)
		NSTEPS=2
		src=$(src_dir mimalloc)
		# src/static.c is the whole library in one unit; MI_MALLOC_OVERRIDE
		# makes it export the malloc family; without __USE_ISOC11 musl's
		# headers hide aligned_alloc, mimalloc exports none and musl's own
		# returns NULL for every call once malloc is replaced
		step compile "$cc" -O2 -fPIC -shared -DNDEBUG -DMI_MALLOC_OVERRIDE -D__USE_ISOC11=1 \
			-I"$src/include" -o "$WORK/libmimalloc.so.2" -Wl,-soname,libmimalloc.so.2 \
			"$src/src/static.c" -lpthread
		step install sh -c "mkdir -p '$P/lib' && cp '$WORK/libmimalloc.so.2' '$P/lib/'"
		;;
	esac
}

build_library() { # TARGET (musl-libunwind)
	cc=$(cc_for musl)
	[ "$1" = musl-libunwind ] || die "no library recipe for $1"
	NSTEPS=3
	src=$(src_dir libunwind)
	b="$WORK/libunwind"
	cp -a "$src" "$b"
	# the local unwinder alone (libswap dlopens libunwind.so.8 for
	# unw_backtrace); no minidebuginfo (it would need liblzma), no remote
	# or ptrace parts.  LIBCRTS: configure links gcc's libgcc_s, a glibc
	# library; the static libgcc serves musl
	step configure sh -c "cd '$b' && CC='$cc' CFLAGS='-O2' ./configure --prefix='$P' \
		--disable-minidebuginfo --disable-zlibdebuginfo --disable-tests --disable-documentation \
		--disable-coredump --disable-ptrace --disable-setjmp --disable-static"
	step make make -C "$b/src" -j"$JOBS" LIBCRTS=-lgcc libunwind.la
	step install sh -c "mkdir -p '$P/lib' && cp -L '$b/src/.libs/libunwind.so.8' '$P/lib/'"
}

build_deps() { # TARGET (musl-deps, glibc-deps)
	libc=$(field "$1" 3)
	cc=$(cc_for "$libc")
	fl="-O2 -fPIC"
	NSTEPS=12
	s=$(src_dir zlib)
	cp -a "$s" "$WORK/zlib"
	step zlib-configure sh -c "cd '$WORK/zlib' && CC='$cc' CFLAGS='$fl' ./configure --static --prefix='$P'"
	step zlib-make sh -c "make -C '$WORK/zlib' -j$JOBS libz.a && make -C '$WORK/zlib' install"
	s=$(src_dir bzip2)
	cp -a "$s" "$WORK/bzip2"
	step bzip2 sh -c "cd '$WORK/bzip2' && make -j$JOBS CC='$cc' CFLAGS='$fl -D_FILE_OFFSET_BITS=64' libbz2.a &&
		mkdir -p '$P/lib' '$P/include' && cp libbz2.a '$P/lib/' && cp bzlib.h '$P/include/'"
	s=$(src_dir xz-utils)
	cp -a "$s" "$WORK/xz"
	step xz-configure sh -c "cd '$WORK/xz' && CC='$cc' CFLAGS='$fl' ./configure --prefix='$P' --libdir='$P/lib' \
		--disable-shared --with-pic --disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo \
		--disable-scripts --disable-doc --disable-nls"
	step xz-make sh -c "make -C '$WORK/xz/src/liblzma' -j$JOBS install"
	s=$(src_dir libffi)
	cp -a "$s" "$WORK/libffi"
	step libffi-configure sh -c "cd '$WORK/libffi' && CC='$cc' CFLAGS='$fl' ./configure --prefix='$P' --libdir='$P/lib' \
		--disable-shared --with-pic --disable-docs --disable-multi-os-directory"
	step libffi-make sh -c "make -C '$WORK/libffi' -j$JOBS && make -C '$WORK/libffi' install"
	s=$(src_dir sqlite3)
	cp -a "$s" "$WORK/sqlite"
	step sqlite-configure sh -c "cd '$WORK/sqlite' && CC='$cc' CFLAGS='$fl -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_JSON1' \
		./configure --prefix='$P' --libdir='$P/lib' --disable-shared --with-pic --disable-tcl --disable-readline"
	step sqlite-make sh -c "cd '$WORK/sqlite' && make -j$JOBS libsqlite3.la sqlite3.h sqlite3.pc && make lib_install &&
		mkdir -p '$P/include' '$P/lib/pkgconfig' && cp sqlite3.h src/sqlite3ext.h '$P/include/' && cp sqlite3.pc '$P/lib/pkgconfig/'"
	s=$(src_dir openssl)
	cp -a "$s" "$WORK/openssl"
	step openssl-configure sh -c "cd '$WORK/openssl' && CC='$cc' ./Configure linux-x86_64 no-shared no-tests \
		no-async -fPIC -O2 --prefix='$P' --libdir=lib --openssldir='$P/ssl'"
	step openssl-make make -C "$WORK/openssl" -j"$JOBS" build_libs
	step openssl-install make -C "$WORK/openssl" install_dev
}

build_python() { # TARGET
	libc=$(field "$1" 3)
	flags=$(field "$1" 4)
	cc=$(cc_for "$libc")
	deps=$(prefix_of "$(field "$1" 6)")
	NSTEPS=4
	src=$(src_dir python3.11 --skip-patches)
	b="$WORK/cpython"
	cp -a "$src" "$b"
	opt="-DNDEBUG -fwrapv -Wall"
	lto=""
	case $flags in
	-Os) opt="$opt -Os" ;;
	"-O3 lto") opt="$opt -O3" lto="--with-lto" ;;
	*) die "no recipe for Python flags '$flags'" ;;
	esac
	# only our static dependencies are visible to pkg-config, for either libc
	# (bzip2 has no .pc file); the static sqlite needs libm after it, which
	# configure's link tests only give it through LIBS (glibc's libm is not
	# in libc; musl's is)
	step configure sh -c "cd '$b' && CC='$cc' OPT='$opt' \
		PKG_CONFIG_LIBDIR='$deps/lib/pkgconfig' CPPFLAGS='-I$deps/include' LDFLAGS='-L$deps/lib' \
		BZIP2_CFLAGS='-I$deps/include' BZIP2_LIBS='-L$deps/lib -lbz2' \
		LIBSQLITE3_CFLAGS='-I$deps/include' LIBSQLITE3_LIBS='-L$deps/lib -lsqlite3' LIBS='-lm' \
		./configure --prefix='$P' --without-ensurepip --with-openssl='$deps' $lto"
	step make make -C "$b" -j"$JOBS"
	step install make -C "$b" -j1 install
	# what a container image would keep: no tests, no static library, no caches
	# (CPython's own tests move to regrtest/, outside the size, for the test
	# suite; the static libpython goes (python3.11 has it linked in; with
	# LTO's fat objects it was 86 MiB), and so does debugging information, as
	# distributions ship them: configure adds -g to LTO builds; symbols stay)
	step trim sh -c "mkdir -p '$P/regrtest' && mv '$P/lib/python3.11/test' '$P/regrtest/test' &&
		rm -rf '$P'/lib/python3.11/idlelib/idle_test '$P'/lib/python3.11/config-3.11-*/libpython3.11.a \
			'$P'/lib/libpython3.11.a &&
		strip --strip-debug '$P/bin/python3.11' '$P'/lib/python3.11/lib-dynload/*.so &&
		find '$P' -name __pycache__ -prune -exec rm -rf {} + &&
		'$P/bin/python3.11' -c 'import json, re, pickle, sqlite3, ssl, hashlib, ctypes, zlib, lzma, bz2, asyncio, decimal'"
}

# ---- images: each makes $WORK/rootfs, describes it in $WORK/image.json (its
# members of build.json) and $WORK/python_version, and moves it to $D/rootfs -

# The Debian mirror apt uses here: the first URI of a deb (not deb-src) entry
# whose path ends in /debian (so not debian-security), deb822 or one-line.
mirror() {
	if [ -n "${ALLOCSWAP_MIRROR:-}" ]; then
		echo "$ALLOCSWAP_MIRROR"
		return 0
	fi
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'BEGIN { RS = "" }
		{ deb = 0; n = split($0, l, "\n")
		  for (i = 1; i <= n; i++) if (l[i] ~ /^Types:/) {
			k = split(l[i], w, /[ \t]+/); for (j = 2; j <= k; j++) if (w[j] == "deb") deb = 1 }
		  if (!deb) next
		  for (i = 1; i <= n; i++) if (l[i] ~ /^URIs:/) {
			k = split(l[i], w, /[ \t]+/)
			for (j = 2; j <= k; j++) if (w[j] ~ /\/debian\/?$/) { print w[j]; exit } } }')
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }')
	echo "${m:-http://deb.debian.org/debian}"
}

jstr() { # a JSON string of $1
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# in_root ROOT CMD...: CMD with ROOT as its root directory (chroot as root,
# else bwrap).
in_root() {
	r=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		chroot "$r" "$@"
	else
		bwrap --bind "$r" / --proc /proc --dev /dev --tmpfs /tmp "$@"
	fi
}

# rm -r of a directory the store made, never into a file system mounted
# inside it: with "umount" (what a failed debootstrap may leave in its work
# directory) those are unmounted first; with "refuse" nothing is removed
# while one is there (a runner is using the image).
rm_store() { # rm_store umount|refuse DIR
	[ -e "$2" ] || [ -L "$2" ] || return 0
	d=$(readlink -f "$2")
	mnts=$(awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	if [ -n "$mnts" ]; then
		[ "$1" = umount ] ||
			die "$d has file systems mounted inside it ($(echo $mnts)): a runner is using it; wait for it or unmount them, then remove it again"
		for m in $mnts; do umount -l "$m" 2>/dev/null || die "cannot unmount $m (inside $d)"; done
	fi
	rm -rf --one-file-system "$2"
}

# what every image's python3 must import
ROOT_CHECK='import json, sqlite3, ssl, zlib'

build_image() { # TARGET
	R="$WORK/rootfs"
	case $(field "$1" 3) in
	glibc) image_debian "$1" ;;
	musl) image_musl "$1" ;;
	esac
	step install mv "$R" "$D/rootfs"
}

image_debian() { # TARGET
	suite=$(field "$1" 4) pkgs=$(field "$1" 5) m=$(mirror)
	NSTEPS=6
	step debootstrap debootstrap --variant=minbase --include=python3 "$suite" "$R" "$m"
	# the allocators, with the suite's own apt (debootstrap left its lists)
	step allocators chroot "$R" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $pkgs
	# what a user would ship: no package lists, caches or backups
	step trim sh -c "chroot '$R' apt-get clean && rm -rf '$R'/var/lib/apt/lists/* '$R'/var/cache/apt/*.bin \
		'$R'/var/cache/debconf/*-old '$R'/var/lib/dpkg/*-old '$R'/var/log/bootstrap.log &&
		mkdir -p '$R/var/lib/apt/lists/partial' '$R/opt/allocswap'"
	step check in_root "$R" /usr/bin/python3 -c "$ROOT_CHECK"
	step describe describe_debian "$1" "$m"
}

# image.json's members for a Debian image, from its dpkg database.
describe_debian() { # TARGET MIRROR
	set -- "$1" "$2" $(in_root "$R" /usr/bin/python3 -c \
		'import platform; print(platform.python_version(), platform.libc_ver()[1] or "-")')
	[ $# = 4 ] || die "$1: its python3 does not say its version and libc's"
	echo "$3" >"$WORK/python_version"
	pk="" files=""
	for p in $(field "$1" 5); do
		pk="$pk${pk:+, }$(jstr "$p"): $(jstr "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Version}' "$p")")"
		for f in $(dpkg-query --admindir="$R/var/lib/dpkg" -L "$p" | grep '/lib[^/]*\.so[.0-9]*$'); do
			files="$files${files:+, }$(jstr "$f"): $(jstr "$p")"
		done
	done
	cat >"$WORK/image.json" <<EOF
, "image": "${1#image-}", "suite": "$(field "$1" 4)", "mirror": $(jstr "$2"), "root": "rootfs",
 "python": "/usr/bin/python3", "libc_version": "$4",
 "libc_package": "libc6 $(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Version}' libc6)",
 "allocator_packages": {$pk},
 "allocator_files": {$files}
EOF
}

# A minimal musl root: the musl Python, the musl allocators in /usr/lib
# (where libswap's dlopen of their sonames finds them), musl's loader, and
# busybox (static: it runs anywhere) for /bin/sh and env, when installed.
image_musl() { # TARGET
	# what it is made of: the Python and the allocators among its needs
	py="" libs=""
	for n in $(field "$1" 6); do
		case $(field "$n" 2) in
		python) py=$(prefix_of "$n") ;;
		allocator | library) libs="$libs $(prefix_of "$n")/lib/*.so*" ;;
		esac
	done
	exe=$(cd "$py/bin" && ls python3.[0-9]* | grep -v -e '-config$' | head -1)
	ld=/lib/ld-musl-x86_64.so.1
	[ -e "$ld" ] || die "$ld not found: apt-get install musl"
	bb=""
	[ "$(installed busybox-static)" = none ] || bb=$(dpkg -L busybox-static | grep '/bin/busybox$' | head -1)
	NSTEPS=5
	step assemble sh -c "set -e
		mkdir -p '$R'/usr/bin '$R'/usr/lib '$R'/lib '$R'/etc '$R'/tmp '$R'/var/tmp '$R'/root \
			'$R'/opt/allocswap '$R'/proc '$R'/dev '$R'/sys '$R'/run
		chmod 1777 '$R'/tmp '$R'/var/tmp
		chmod 700 '$R'/root
		cp '$py/bin/$exe' '$R/usr/bin/'
		ln -s $exe '$R/usr/bin/python3'
		cp -a '$py/lib/$exe' '$R/usr/lib/'
		cp -L '$ld' '$R/lib/'
		ln -s ld-musl-x86_64.so.1 '$R/lib/libc.musl-x86_64.so.1'
		cp $libs '$R/usr/lib/'
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >'$R/etc/passwd'
		printf 'root:x:0:\nnogroup:x:65534:\n' >'$R/etc/group'"
	if [ -n "$bb" ]; then
		# every applet as a link, where busybox --list-full puts it (but
		# linuxrc, an init, in /)
		step busybox sh -c "set -e; mkdir -p '$R/bin'; cp '$bb' '$R/bin/busybox'
			'$bb' --list-full | grep / | while read -r a; do
				mkdir -p \"\$(dirname '$R'/\$a)\"
				[ -e '$R'/\$a ] || [ -L '$R'/\$a ] || ln -s /bin/busybox '$R'/\$a; done"
	else
		NSTEPS=4
	fi
	step check in_root "$R" /usr/bin/python3 -c "$ROOT_CHECK"
	step describe describe_musl "$1" "$bb"
}

describe_musl() { # TARGET BUSYBOX
	in_root "$R" /usr/bin/python3 -c 'import platform; print(platform.python_version())' \
		>"$WORK/python_version"
	v=$("$R/lib/ld-musl-x86_64.so.1" --version 2>&1 | awk '/^Version / { print $2 }')
	pk="" files=""
	for n in $(field "$1" 6); do
		[ "$(field "$n" 2)" = allocator ] || continue
		pk="$pk${pk:+, }\"$n\": $(jstr "$(src_version "$(field "$n" 5)")")"
		for f in "$(prefix_of "$n")"/lib/*.so*; do
			files="$files${files:+, }\"/usr/lib/${f##*/}\": \"$n\""
		done
	done
	cat >"$WORK/image.json" <<EOF
, "image": "${1#image-}", "suite": "", "mirror": "", "root": "rootfs",
 "python": "/usr/bin/python3", "libc_version": "$v", "libc_package": "musl $(installed musl)",
 "shell": $([ -n "$2" ] && echo '"/bin/sh"' || echo null), "busybox": $(jstr "$(installed busybox-static)"),
 "allocator_packages": {$pk},
 "allocator_files": {$files}
EOF
}

# ---- driver ------------------------------------------------------------------
build_one() {
	local t n # (it recurses into what t needs)
	t=$1
	for n in $(field "$t" 6); do build_one "$n" >/dev/null; done
	if [ "$FORCE" != "$t" ] && d=$(prefix_of "$t"); then
		echo "built $d"
		return 0
	fi
	k=$(key "$t")
	mkdir -p "$CACHE/builds" "$CACHE/logs"
	P="$CACHE/builds/$t-$k"
	WORK="$CACHE/work/$t-$k"
	LOGS="$CACHE/logs/$t-$k"
	kind=$(field "$t" 2)
	rm_store umount "$P.tmp"
	rm_store umount "$WORK"
	rm -rf "$LOGS"
	mkdir -p "$WORK" "$LOGS"
	CUR=$t STEP=0 T0=$(date +%s)
	echo "build.sh: building $t (key $k; logs in $LOGS)" >&2
	# the recipe installs into $D.  A build installs into its final name
	# (configure scripts record their prefix) and is removed on failure; an
	# image does not depend on its path: it is made in $P.tmp and renamed,
	# so that the one in use (build --force) stays until the new one is done
	if [ "$kind" = image ]; then
		D="$P.tmp"
	else
		D="$P"
		rm -rf "$P"
	fi
	mkdir -p "$D"
	# set -e holds inside the recipe only outside an || list
	set +e
	(
		set -e
		case $kind in
		allocator) build_allocator "$t" ;;
		library) build_library "$t" ;;
		deps) build_deps "$t" ;;
		python) build_python "$t" ;;
		image) build_image "$t" ;;
		esac
	)
	rc=$?
	set -e
	if [ $rc != 0 ]; then
		rm_store umount "$D"
		[ "$kind" != image ] || rm_store umount "$WORK"
		exit 1
	fi
	secs=$(($(date +%s) - T0))
	vers=""
	[ "$kind" = image ] ||
		for p in $(field "$t" 5); do vers="$vers${vers:+, }\"$p\": \"$(src_version "$p")\""; done
	needs=""
	for n in $(field "$t" 6); do needs="$needs${needs:+, }\"$n\": \"$(prefix_of "$n")\""; done
	pyver="" extra="" recipe=$RECIPE
	if [ "$kind" = image ]; then
		# the root file system alone, as it would be shipped
		size=$(du -sb "$D/rootfs" | cut -f1)
		files=$(find "$D/rootfs" -type f | wc -l)
		pyver=$(cat "$WORK/python_version") extra=$(cat "$WORK/image.json") recipe=$IMGRECIPE
	else
		size=$(du -sb --exclude=regrtest "$P" | cut -f1)
		files=$(find "$P" -path "$P/regrtest" -prune -o -type f -print | wc -l)
		[ -x "$P/bin/python3.11" ] && pyver=$("$P/bin/python3.11" -c 'import platform; print(platform.python_version())')
	fi
	cat >"$D/build.json.tmp" <<EOF
{"schema": "allocswap.build/1", "name": "$t", "kind": "$kind", "libc": "$(field "$t" 3)",
 "flags": "$(field "$t" 4)", "key": "$k", "recipe": $recipe, "sources": {$vers}, "needs": {$needs},
 "python_version": "$pyver", "build_seconds": $secs, "size_bytes": $size, "files": $files,
 "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "description": "$(field "$t" 7)"$extra}
EOF
	mv "$D/build.json.tmp" "$D/build.json"
	if [ "$kind" = image ]; then
		rm_store refuse "$P.old"
		[ ! -d "$P" ] || mv "$P" "$P.old"
		mv "$D" "$P"
		rm_store refuse "$P.old"
	fi
	rm_store umount "$WORK"
	ln -sfn "$t-$k" "$CACHE/builds/$t.tmp"
	mv -T "$CACHE/builds/$t.tmp" "$CACHE/builds/$t"
	echo "build.sh: $t built in ${secs}s ($((size / 1048576)) MiB)" >&2
	echo "built $P"
}

# Why an image cannot be built here (what it needs that this machine
# lacks), or nothing.  Called as $(cannot_build T): its variables stay there.
cannot_build() {
	[ "$(field "$1" 2)" = image ] || return 0
	if [ "$(field "$1" 3)" = musl ]; then
		if [ ! -e /lib/ld-musl-x86_64.so.1 ]; then
			echo "no musl loader (/lib/ld-musl-x86_64.so.1): apt-get install musl"
			return 0
		fi
		for n in $(field "$1" 6); do
			if ! prefix_of "$n" >/dev/null && ! command -v musl-gcc >/dev/null; then
				echo "$n is not built and there is no musl-gcc to build it: apt-get install musl-tools"
				return 0
			fi
		done
	elif [ "$(id -u)" != 0 ]; then
		echo "debootstrap needs root (it chroots and makes device files): run it as root"
	elif ! command -v debootstrap >/dev/null; then
		echo "debootstrap not found: apt-get install debootstrap"
	elif [ ! -e "/usr/share/debootstrap/scripts/$(field "$1" 4)" ]; then
		echo "this debootstrap does not know $(field "$1" 4): install a newer debootstrap"
	fi
}

why_not() { # " REASON" or nothing
	w=$(cannot_build "$1")
	[ -z "$w" ] || echo " $w"
}

# one build at a time in a cache: a second waits for the first
lock() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		echo "build.sh: another build is running in $CACHE; waiting for it" >&2
		flock 9
	fi
}

FORCE=""
cmd=${1:-}
case $cmd in
list)
	[ "${2:-image}" = image ] || die "usage: build.sh list [image]"
	rows "${2:-}" | awk -F'|' -v OFS='\t' -v k="${2:-}" '{ print $1, $2, $3, $4, $7 (k ? OFS $6 : "") }'
	;;
mirror)
	mirror
	;;
status-all)
	# every target (or image): "NAME built DIR" or "NAME missing KEY", in one run
	[ "${2:-image}" = image ] || die "usage: build.sh status-all [image]"
	all=$(rows "${2:-}" | cut -d'|' -f1)
	for t in $all; do
		if needs_sources "$t"; then
			ensure_deb_src
			load_versions
			break
		fi
	done
	for t in $all; do
		if d=$(prefix_of "$t"); then echo "$t built $d"; else echo "$t missing $(key "$t")$(why_not "$t")"; fi
	done
	;;
status | build | key | rm)
	if [ "$cmd" = build ] && [ $# = 3 ] && [ "$2" = --force ]; then
		FORCE=$3
		shift
	fi
	[ $# = 2 ] || die "usage: build.sh $cmd TARGET"
	known "$2"
	if [ "$cmd" = rm ]; then
		# every build of TARGET (any key) the store made: TARGET-KEY with a
		# build.json naming it, and what a build left (.tmp, .old)
		lock
		for d in "$CACHE/builds/$2"-*; do
			b=${d##*/}
			k=${b#"$2"-}
			k=${k%.tmp}
			k=${k%.old}
			printf '%s\n' "$k" | grep -Eqx '[0-9a-f]{12}' && [ -d "$d" ] && [ ! -L "$d" ] || continue
			case $b in
			*.tmp | *.old) ;;
			*) grep -q "^{\"schema\": \"allocswap.build/1\", \"name\": \"$2\"," "$d/build.json" 2>/dev/null || continue ;;
			esac
			rm_store refuse "$d"
			rm -rf "$CACHE/logs/$b" "$CACHE/work/$b"
			echo "removed $d"
		done
		[ -e "$CACHE/builds/$2" ] || rm -f "$CACHE/builds/$2"
		exit 0
	fi
	if needs_sources "$2"; then
		ensure_deb_src
		load_versions
	fi
	if [ "$cmd" = key ]; then
		key "$2"
	elif [ "$cmd" = status ]; then
		if d=$(prefix_of "$2"); then echo "built $d"; else echo "missing $(key "$2")$(why_not "$2")"; exit 1; fi
	else
		why=$(cannot_build "$2")
		[ -z "$why" ] || die "$2: $why"
		lock
		build_one "$2"
	fi
	;;
*) die "usage: build.sh list [image] | status TARGET | status-all [image] | build [--force] TARGET | rm TARGET | key TARGET | mirror" ;;
esac
