#!/bin/sh
# cross/build.sh: builds the libc axis's pieces from Debian source packages,
# cached.  `allocswap build` drives it; it can be run alone as well.
#
#   build.sh list                 the targets, one a line (tab-separated):
#                                 name kind libc flags description
#   build.sh status TARGET        "built DIR" (exit 0) or "missing KEY" (exit 1)
#   build.sh status-all           "TARGET built DIR" or "TARGET missing KEY", each
#   build.sh build TARGET         builds TARGET and what it needs, unless cached;
#                                 prints "built DIR" last
#   build.sh key TARGET           the cache key of TARGET
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
# Sources come from Debian's archive with `apt-get source` (a deb-src entry
# mirroring the deb entries is added if there is none: allocswap-src.sources).
# CPython's upstream tarball is used without Debian's patches (they adapt it
# to Debian's multiarch layout and to its glibc packaging); the others get
# Debian's patches as usual.
set -eu

RECIPE=3 # bump when a recipe below changes what it builds
PYRECIPE=3 # the same for the Python recipe alone
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
musl-deps|deps|musl|-O2|zlib libffi xz-utils bzip2 sqlite3 openssl||static zlib, libffi, xz, bzip2, sqlite and OpenSSL for the musl Pythons
glibc-deps|deps|glibc|-O2|zlib libffi xz-utils bzip2 sqlite3 openssl||the same libraries from the same sources, built with gcc for glibc
python-musl-os|python|musl|-Os|python3.11|musl-deps|CPython -Os on musl (as Alpine builds it)
python-musl-o3lto|python|musl|-O3 lto|python3.11|musl-deps|CPython -O3 with LTO on musl
python-glibc-os|python|glibc|-Os|python3.11|glibc-deps|CPython -Os on glibc, same source and flags as python-musl-os
python-glibc-o3lto|python|glibc|-O3 lto|python3.11|glibc-deps|CPython -O3 with LTO on glibc, same source and flags as python-musl-o3lto'

field() { # field TARGET N
	printf '%s\n' "$TARGETS" | awk -F'|' -v t="$1" -v n="$2" '$1 == t { print $n; f = 1 } END { exit !f }'
}

known() {
	field "$1" 1 >/dev/null || die "unknown target '$1'; targets: $(printf '%s\n' "$TARGETS" | cut -d'|' -f1 | tr '\n' ' ')"
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
	VERSIONS=$(apt-cache showsrc $(printf '%s\n' "$TARGETS" | cut -d'|' -f5 | tr ' ' '\n' | sort -u) \
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
key() {
	t=$1
	s="recipe=$RECIPE target=$t flags=$(field "$t" 4)"
	[ "$(field "$t" 2)" = python ] && s="$s pyrecipe=$PYRECIPE"
	for p in $(field "$t" 5); do s="$s $p=$(src_version "$p")"; done
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

# ---- driver ------------------------------------------------------------------
build_one() {
	local t n # (it recurses into what t needs)
	t=$1
	for n in $(field "$t" 6); do build_one "$n" >/dev/null; done
	if d=$(prefix_of "$t"); then
		echo "built $d"
		return 0
	fi
	k=$(key "$t")
	mkdir -p "$CACHE/builds" "$CACHE/logs"
	P="$CACHE/builds/$t-$k"
	WORK="$CACHE/work/$t-$k"
	LOGS="$CACHE/logs/$t-$k"
	rm -rf "$P.tmp" "$WORK" "$LOGS"
	mkdir -p "$WORK" "$LOGS"
	CUR=$t STEP=0 T0=$(date +%s)
	echo "build.sh: building $t (key $k; logs in $LOGS)" >&2
	# the recipe installs into $P.tmp's final name: configure scripts record
	# their prefix, so build into the final path and move it aside on failure
	rm -rf "$P"
	mkdir -p "$P"
	# set -e holds inside the recipe only outside an || list
	set +e
	(
		set -e
		case $(field "$t" 2) in
		allocator) build_allocator "$t" ;;
		deps) build_deps "$t" ;;
		python) build_python "$t" ;;
		esac
	)
	rc=$?
	set -e
	if [ $rc != 0 ]; then
		rm -rf "$P"
		exit 1
	fi
	secs=$(($(date +%s) - T0))
	vers=""
	for p in $(field "$t" 5); do vers="$vers${vers:+, }\"$p\": \"$(src_version "$p")\""; done
	needs=""
	for n in $(field "$t" 6); do needs="$needs${needs:+, }\"$n\": \"$(prefix_of "$n")\""; done
	size=$(du -sb --exclude=regrtest "$P" | cut -f1)
	files=$(find "$P" -path "$P/regrtest" -prune -o -type f -print | wc -l)
	pyver=""
	[ -x "$P/bin/python3.11" ] && pyver=$("$P/bin/python3.11" -c 'import platform; print(platform.python_version())')
	cat >"$P/build.json.tmp" <<EOF
{"schema": "allocswap.build/1", "name": "$t", "kind": "$(field "$t" 2)", "libc": "$(field "$t" 3)",
 "flags": "$(field "$t" 4)", "key": "$k", "recipe": $RECIPE, "sources": {$vers}, "needs": {$needs},
 "python_version": "$pyver", "build_seconds": $secs, "size_bytes": $size, "files": $files,
 "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "description": "$(field "$t" 7)"}
EOF
	mv "$P/build.json.tmp" "$P/build.json"
	rm -rf "$WORK"
	ln -sfn "$t-$k" "$CACHE/builds/$t.tmp"
	mv -T "$CACHE/builds/$t.tmp" "$CACHE/builds/$t"
	echo "build.sh: $t built in ${secs}s ($((size / 1048576)) MiB)" >&2
	echo "built $P"
}

cmd=${1:-}
case $cmd in
list)
	printf '%s\n' "$TARGETS" | awk -F'|' -v OFS='\t' '{ print $1, $2, $3, $4, $7 }'
	;;
status-all)
	# every target: "NAME built DIR" or "NAME missing KEY", in one run
	ensure_deb_src
	load_versions
	for t in $(printf '%s\n' "$TARGETS" | cut -d'|' -f1); do
		if d=$(prefix_of "$t"); then echo "$t built $d"; else echo "$t missing $(key "$t")"; fi
	done
	;;
status | build | key)
	[ $# = 2 ] || die "usage: build.sh $cmd TARGET"
	known "$2"
	if [ "$cmd" = key ]; then
		ensure_deb_src
		load_versions
		key "$2"
	elif [ "$cmd" = status ]; then
		ensure_deb_src
		load_versions
		if d=$(prefix_of "$2"); then echo "built $d"; else echo "missing $(key "$2")"; exit 1; fi
	else
		ensure_deb_src
		# one build at a time in a cache: a second waits for the first
		mkdir -p "$CACHE"
		exec 9>"$CACHE/.lock"
		if ! flock -n 9; then
			echo "build.sh: another build is running in $CACHE; waiting for it" >&2
			flock 9
		fi
		load_versions
		build_one "$2"
	fi
	;;
*) die "usage: build.sh list | status TARGET | status-all | build TARGET | key TARGET" ;;
esac
