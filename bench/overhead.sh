#!/usr/bin/env bash
# overhead.sh: what libswap.so adds on top of a backend, measured four ways.
#
#   direct    the backend preloaded by itself (LD_PRELOAD=libjemalloc.so.2);
#             for `system`, no preload at all
#   off       LD_PRELOAD=libswap.so ALLOCSWAP_ALLOCATOR=B ALLOCSWAP_STATS=off
#   counters  LD_PRELOAD=libswap.so ALLOCSWAP_ALLOCATOR=B ALLOCSWAP_STATS=counters
#   full      the same with ALLOCSWAP_STATS=full: counters, perf events,
#             sampled allocation sites at the default rate, the timeline
#
# The program is bench/malloc_loop (one malloc+free pair per step of a ring).
# Instructions: callgrind counts only bench_pairs() (--toggle-collect), so
# start-up, backend loading and exit are left out; Ir/pair = Ir / pairs.
# Everything full mode does runs on the thread that allocates (no thread, no
# timer: as_sample.h, as_timeline.h), so it is inside the count; what the
# kernel does for perf events is not (callgrind sees user mode only).
# Wall time: the ways run interleaved (direct off counters full direct ...),
# R times each, outside valgrind; medians are compared.
#
# Threads: the wall times are taken at each thread count of --threads
# (malloc_loop --threads T: T threads, each its own ring and PAIRS pairs,
# started together), interleaved with the ways: one round runs every way at
# every thread count.  Each way is compared with direct at the same thread
# count by the ratio of the two in each round (way / direct): their median
# and middle half.  The instruction counts are at one thread only (malloc_loop
# without --threads): callgrind runs a program's threads one at a time, so a
# count at T threads says nothing about T cores at once.  The other tables
# use the wall times of the first thread count listed (ratios of medians).
#
# full mode depends on the place: perf_event_open may be refused (seccomp,
# paranoid, or valgrind itself), tracefs may be hidden, libunwind may be
# missing.  Each full run writes its libswap report and the script prints
# what really ran in it (perf, syscalls, sampling, timeline), under
# callgrind and natively, so that a figure never hides a part that was off.
#
# Every run, all ways, gets GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096,
# so that Debian's jemalloc (initial-exec TLS) can be dlopen-ed by libswap
# without its re-exec, and all ways run in the same environment.  LD_PRELOAD
# and ALLOCSWAP_* inherited from the caller are cleared.
#
# Targets (instructions per pair over direct): off <= +8 (an indirect call and
# one range check), counters <= +40; and full <= +10% over counters (the
# profiling issue: full mode on a malloc-heavy C program).  Wall time: off
# <= 1.05x direct at every thread count (issue 9).
set -eu

prog_name=overhead.sh
off_target=8
counters_target=40
full_target=10 # percent of counters' Ir/pair
off_wall_target=1.05 # off's wall median over direct's, at every thread count

usage() {
	cat <<EOF
usage: bench/overhead.sh [options]
  --build DIR       meson build directory (default: build, at the repo root)
  --iters N         malloc+free pairs per wall-time run (default: 5000000)
  --cg-iters N      malloc+free pairs per callgrind run (default: 200000)
  --runs R          wall-time runs per way and thread count, interleaved (default: 11)
  --threads LIST    thread counts for the wall times, comma- or space-separated;
                    --iters pairs per thread (default: 1 and the CPU count: $default_threads)
  --backends LIST   comma- or space-separated (default: all: ${all_backends// /,})
  --no-callgrind    skip the instruction counts (wall time only)
  --check           exit 1 if a backend misses a target (the wall target too)
  -o FILE           also write the results as Markdown to FILE
  -h, --help        this text
Targets: off <= +${off_target} Ir/pair, counters <= +${counters_target} Ir/pair over direct;
full <= +${full_target}% Ir/pair over counters; wall: off <= ${off_wall_target}x direct at every
thread count.  Instructions are counted at one thread only (callgrind runs
threads one at a time).
EOF
}

die() {
	echo "$prog_name: $*" >&2
	exit 2
}

is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -gt 0 ] 2>/dev/null
}

soname_of() { # liballoc's table: the first soname ("" for system)
	sh "$root/liballoc/as_backends.sh" soname "$1"
}

root=$(cd "$(dirname "$0")/.." && pwd)
all_backends=$(sh "$root/liballoc/as_backends.sh" names | tr '\n' ' ')
all_backends=${all_backends% }
build=""
iters=5000000
cg_iters=200000
runs=11
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1)
default_threads=1
[ "$ncpu" -le 1 ] 2>/dev/null || default_threads="1,$ncpu"
threads=$default_threads
backends=$all_backends
out=""
do_cg=1
check=0
orig_args=("$@")

need_val() {
	[ $# -ge 2 ] || die "option $1 needs a value (see --help)"
	case $2 in
	-*) [ "$1" = -o ] || die "option $1 needs a value, got '$2' (see --help)" ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) need_val "$@"; build=$2; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--iters) need_val "$@"; iters=$2; shift 2 ;;
	--iters=*) iters=${1#*=}; shift ;;
	--cg-iters) need_val "$@"; cg_iters=$2; shift 2 ;;
	--cg-iters=*) cg_iters=${1#*=}; shift ;;
	--runs) need_val "$@"; runs=$2; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--threads) need_val "$@"; threads=$2; shift 2 ;;
	--threads=*) threads=${1#*=}; shift ;;
	--backends) need_val "$@"; backends=$2; shift 2 ;;
	--backends=*) backends=${1#*=}; shift ;;
	--no-callgrind) do_cg=0; shift ;;
	--check) check=1; shift ;;
	-o) need_val "$@"; out=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done

is_uint "$iters" || die "--iters must be a positive integer, got '$iters'"
is_uint "$cg_iters" || die "--cg-iters must be a positive integer, got '$cg_iters'"
is_uint "$runs" || die "--runs must be a positive integer, got '$runs'"
threads_list=""
for t in ${threads//,/ }; do
	is_uint "$t" && [ "$t" -le 1024 ] ||
		die "--threads takes thread counts in 1..1024, got '$t'"
	case " $threads_list " in
	*" $t "*) ;;
	*) threads_list="$threads_list $t" ;;
	esac
done
threads_list=${threads_list# }
[ -n "$threads_list" ] || die "--threads is empty"
wt=${threads_list%% *} # the thread count of the tables that have none
backends=${backends//,/ }
set -f
# shellcheck disable=SC2086
set -- $backends
set +f
[ $# -gt 0 ] || die "--backends is empty (choose from: $all_backends)"
for b in "$@"; do
	soname_of "$b" >/dev/null || die "unknown backend '$b' (choose from: $all_backends)"
done
backends="$*"

[ -n "$build" ] || build=$root/build
[ -d "$build" ] || die "build directory '$build' not found (run: meson setup build && ninja -C build)"
build=$(cd "$build" && pwd)
prog=$build/bench/malloc_loop
libswap=$build/preload/libswap.so
[ -x "$prog" ] || die "$prog not found (run: ninja -C ${build##*/})"
[ -f "$libswap" ] || die "$libswap not found (run: ninja -C ${build##*/})"
if [ $do_cg = 1 ]; then
	command -v valgrind >/dev/null 2>&1 ||
		die "valgrind not found (install it, e.g. apt-get install valgrind, or pass --no-callgrind)"
fi
if [ -n "$out" ]; then
	out_dir=$(dirname "$out")
	[ -d "$out_dir" ] || die "-o: directory '$out_dir' does not exist"
	: >"$out" 2>/dev/null || die "-o: cannot write '$out'"
fi

# One environment for every run.
unset LD_PRELOAD
while IFS='=' read -r name _; do
	case $name in
	ALLOCSWAP_*) unset "$name" ;;
	esac
done < <(env)
export GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096

tmp=$(mktemp -d "${TMPDIR:-/tmp}/overhead.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

loadavg() { # the 1-, 5- and 15-minute load averages
	cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown
}
load_before=$(loadavg)

ways="direct off counters full"

# way_env BACKEND WAY: the environment assignments for that way, in ENVV.
way_env() {
	local so
	so=$(soname_of "$1")
	case $2 in
	direct) if [ -n "$so" ]; then ENVV=("LD_PRELOAD=$so"); else ENVV=(); fi ;;
	off) ENVV=("LD_PRELOAD=$libswap" "ALLOCSWAP_ALLOCATOR=$1" ALLOCSWAP_STATS=off) ;;
	counters) ENVV=("LD_PRELOAD=$libswap" "ALLOCSWAP_ALLOCATOR=$1" ALLOCSWAP_STATS=counters) ;;
	full) ENVV=("LD_PRELOAD=$libswap" "ALLOCSWAP_ALLOCATOR=$1" ALLOCSWAP_STATS=full) ;;
	esac
}

# run_way BACKEND WAY THREADS PAIRS [extra env...]: runs malloc_loop, JSON on
# stdout; THREADS "-": without --threads (the main thread, as callgrind runs it).
run_way() {
	local b=$1 w=$2 t=$3 n=$4
	shift 4
	way_env "$b" "$w"
	if [ "$t" = - ]; then
		env ${ENVV[@]+"${ENVV[@]}"} "$@" "$prog" "$n"
	else
		env ${ENVV[@]+"${ENVV[@]}"} "$@" "$prog" --threads "$t" "$n"
	fi
}

json_field() { # json_field NAME < line
	sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p"
}

spread() { # spread FILE...: largest (max - min) / median over the files, in %
	local f m worst=0
	for f in "$@"; do
		m=$(median "$f")
		worst=$(sort -n "$f" | awk -v m="$m" -v w="$worst" 'NR == 1 { lo = $1 } { hi = $1 }
			END { x = 100 * (hi - lo) / m; printf "%.0f\n", (x > w) ? x : w }')
	done
	echo "$worst%"
}

median() { # median FILE: median of the numbers in FILE, one a line
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cg_libswap_self FILE: self Ir of libswap.so's functions, summed.
cg_libswap_self() {
	cg_fn_self "$1" | awk -F '\t' '$1 ~ /\(libswap\.so\)$/ { s += $2 } END { printf "%.0f\n", s }'
}

# cg_fn_self FILE: "function (object)<TAB>self Ir" for every function of a
# callgrind out file (fn and cfn share one name table, ob and cob another).
cg_fn_self() {
	awk '
	function nm(v, map,   id, rest) {
		if (v ~ /^\([0-9]+\)/) {
			id = v; sub(/\).*/, ")", id)
			rest = v; sub(/^\([0-9]+\) ?/, "", rest)
			if (rest != "") map[id] = rest
			return map[id]
		}
		return v
	}
	/^ob=/ { ob = nm(substr($0, 4), OB); sub(/.*\//, "", ob); next }
	/^cob=/ { nm(substr($0, 5), OB); next }
	/^fn=/ { fn = nm(substr($0, 4), FN); next }
	/^cfn=/ { nm(substr($0, 5), FN); next }
	/^calls=/ { skip = 1; next }
	/^[0-9+*-]/ { if (skip) { skip = 0; next } s[fn " (" ob ")"] += $2; next }
	END { for (f in s) printf "%s\t%.0f\n", f, s[f] }' "$1"
}

# cg_fn_diff A B PAIRS N: the N functions whose self Ir changed most from
# callgrind file A to B, per pair, largest change first: "+12.3<TAB>name
# (object)".  Both ways show: full mode replaces counters' count_malloc by
# a sampling twin, so a new function's cost is partly an old one's.
cg_fn_diff() {
	cg_fn_self "$1" >"$tmp/fn.a"
	cg_fn_self "$2" >"$tmp/fn.b"
	awk -F '\t' -v p="$3" 'NR == FNR { a[$1] = $2; next } { d[$1] = $2 - a[$1]; delete a[$1] }
		END { for (f in a) d[f] = -a[f]; for (f in d) if (d[f] / p >= 0.05 || d[f] / p <= -0.05)
			printf "%.3f\t%+.1f\t%s\n", (d[f] < 0 ? -d[f] : d[f]) / p, d[f] / p, f }' \
		"$tmp/fn.a" "$tmp/fn.b" | sort -k1,1gr | head -n "$4" | cut -f 2-
}

# full_info REPORT: one line on what full mode really ran with, from its
# libswap report (perf and syscall sources with the reason when they are
# not perf, sampling and its samples, timeline and its points).
full_info() {
	if ! command -v python3 >/dev/null 2>&1; then
		echo "(python3 not found: $1 not read)"
		return
	fi
	python3 - "$1" <<'PYEOF' 2>/dev/null || echo "(no readable report)"
import json, sys
r = json.load(open(sys.argv[1]))
def why(x):
    s = (x or {}).get("source", "?")
    w = ((x or {}).get("reason") or "").split(";")[0]
    return s + (" (" + (w[:80] + "..." if len(w) > 80 else w) + ")" if w else "")
p, sm, t = r.get("perf") or {}, r.get("sampling") or {}, r.get("timeline_info") or {}
print("stats_mode=%s; perf=%s; hardware=%s; syscalls=%s; sampling=%s, %s samples; timeline=%s, %s points"
      % (r.get("stats_mode"), why(p), why(p.get("hardware")), why(r.get("syscalls")),
         why(sm), sm.get("samples", 0), why(t), t.get("points", 0)))
PYEOF
}

# ---- sanity: every way runs, computes the same checksum, and libswap really
# ---- serves the requested backend without a re-exec (in the mode asked for)
avail=""
for b in $backends; do
	ok=1
	ref=""
	for w in $ways; do
		if [ "$w" = counters ] || [ "$w" = full ]; then
			rm -f "$tmp/report.json"
			set -- ALLOCSWAP_REPORT="$tmp/report.json"
		else
			set --
		fi
		if ! run_way "$b" "$w" - 20000 "$@" >"$tmp/sanity.out" 2>"$tmp/sanity.err"; then
			echo "$prog_name: $b/$w failed: $(head -n 1 "$tmp/sanity.err")" >&2
			ok=0
			break
		fi
		if grep -q 'cannot be preloaded' "$tmp/sanity.err"; then
			echo "$prog_name: $b/$w: $(head -n 1 "$tmp/sanity.err")" >&2
			ok=0
			break
		fi
		sum=$(json_field checksum <"$tmp/sanity.out")
		if [ -z "$ref" ]; then
			ref=$sum
		elif [ "$sum" != "$ref" ]; then
			echo "$prog_name: $b/$w: checksum $sum differs from direct ($ref)" >&2
			ok=0
			break
		fi
		if [ "$w" = counters ] || [ "$w" = full ]; then
			rep=$(tr -d ' \n' <"$tmp/report.json" 2>/dev/null || true)
			case $rep in
			*"\"allocator\":{\"name\":\"$b\""*) ;;
			*) echo "$prog_name: $b/$w: libswap's report does not name $b as the allocator" >&2; ok=0; break ;;
			esac
			case $rep in
			*'"reexec":false'*) ;;
			*) echo "$prog_name: $b/$w: libswap re-executed the process (GLIBC_TUNABLES not honoured?)" >&2; ok=0; break ;;
			esac
			case $rep in
			*"\"stats_mode\":\"$w\""*) ;;
			*) echo "$prog_name: $b/$w: libswap's report does not say stats_mode $w" >&2; ok=0; break ;;
			esac
		fi
		# the threaded loop: the same checksum in every way, per thread count
		for t in $threads_list; do
			if ! run_way "$b" "$w" "$t" 2000 >"$tmp/sanity.out" 2>"$tmp/sanity.err"; then
				echo "$prog_name: $b/$w, $t threads, failed: $(head -n 1 "$tmp/sanity.err")" >&2
				ok=0
				break
			fi
			sum=$(json_field checksum <"$tmp/sanity.out")
			if [ "$w" = direct ]; then
				echo "$sum" >"$tmp/sanity.sum.$t"
			elif [ "$sum" != "$(cat "$tmp/sanity.sum.$t")" ]; then
				echo "$prog_name: $b/$w, $t threads: checksum $sum differs from direct ($(cat "$tmp/sanity.sum.$t"))" >&2
				ok=0
				break
			fi
		done
		[ $ok = 1 ] || break
	done
	if [ $ok = 1 ]; then
		avail="$avail $b"
	else
		echo "$prog_name: skipping $b" >&2
		echo "$b" >>"$tmp/skipped"
	fi
done
[ -n "$avail" ] || die "no backend could be measured"

# ---- instructions (callgrind)
if [ $do_cg = 1 ]; then
	for b in $avail; do
		for w in $ways; do
			echo "$prog_name: callgrind $b/$w ($cg_iters pairs)" >&2
			cgo=$tmp/cg.$b.$w.out
			way_env "$b" "$w"
			# full: its report says what ran under valgrind (perf may not)
			[ "$w" != full ] || ENVV+=("ALLOCSWAP_REPORT=$tmp/cg.$b.full.report")
			if ! env ${ENVV[@]+"${ENVV[@]}"} valgrind --tool=callgrind --toggle-collect=bench_pairs \
				--callgrind-out-file="$cgo" "$prog" "$cg_iters" >"$tmp/cg.$b.$w.json" 2>"$tmp/cg.$b.$w.log"; then
				tail -n 5 "$tmp/cg.$b.$w.log" >&2
				die "callgrind run $b/$w failed"
			fi
			pairs=$(json_field pairs <"$tmp/cg.$b.$w.json")
			ir=$(sed -n 's/^totals: *\([0-9][0-9]*\).*/\1/p' "$cgo")
			[ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$cgo")
			[ -n "$ir" ] && [ -n "$pairs" ] || die "no Ir total or pair count for $b/$w (see $cgo)"
			own=$(cg_libswap_self "$cgo")
			awk -v ir="$ir" -v p="$pairs" -v own="$own" \
				'BEGIN { printf "%.1f %.1f\n", ir / p, own / p }' >"$tmp/ir.$b.$w"
		done
	done
fi

# ---- wall time, interleaved: each round runs every way at every thread count
for b in $avail; do
	echo "$prog_name: wall time $b: $runs x ($ways) x threads ($threads_list), $iters pairs per thread" >&2
	for t in $threads_list; do
		for w in $ways; do : >"$tmp/wall.$b.t$t.$w"; done
	done
	r=0
	while [ $r -lt "$runs" ]; do
		for t in $threads_list; do
			for w in $ways; do
				# the first full run reports what ran natively; the report
				# is written at exit, outside the timed loop
				set --
				[ "$w" != full ] || [ "$r" -ne 0 ] || [ "$t" != "$wt" ] ||
					set -- "ALLOCSWAP_REPORT=$tmp/wall.$b.full.report"
				run_way "$b" "$w" "$t" "$iters" "$@" >"$tmp/wall.out" 2>"$tmp/wall.err" ||
					die "$b/$w, $t threads, failed: $(head -n 1 "$tmp/wall.err")"
				json_field ns <"$tmp/wall.out" >>"$tmp/wall.$b.t$t.$w"
			done
		done
		r=$((r + 1))
	done
	# the tables without a thread column: the first thread count
	for w in $ways; do cp "$tmp/wall.$b.t$wt.$w" "$tmp/wall.$b.$w"; done
done
load_after=$(loadavg)

# ---- tables
rows() { # rows FORMAT(text|md)
	local fmt=$1 b d o c od cd own_o own_c wd wo wc rw_o rw_c v_o v_c
	for b in $avail; do
		wd=$(median "$tmp/wall.$b.direct")
		wo=$(median "$tmp/wall.$b.off")
		wc=$(median "$tmp/wall.$b.counters")
		rw_o=$(awk -v a="$wo" -v d="$wd" 'BEGIN { printf "%.3f", a / d }')
		rw_c=$(awk -v a="$wc" -v d="$wd" 'BEGIN { printf "%.3f", a / d }')
		if [ $do_cg = 1 ]; then
			read -r d _ <"$tmp/ir.$b.direct"
			read -r o own_o <"$tmp/ir.$b.off"
			read -r c own_c <"$tmp/ir.$b.counters"
			od=$(awk -v a="$o" -v d="$d" 'BEGIN { printf "%+.1f", a - d }')
			cd=$(awk -v a="$c" -v d="$d" 'BEGIN { printf "%+.1f", a - d }')
			v_o=$(awk -v x="$od" -v t=$off_target 'BEGIN { print (x <= t + 0.5) ? "PASS" : "FAIL" }')
			v_c=$(awk -v x="$cd" -v t=$counters_target 'BEGIN { print (x <= t + 0.5) ? "PASS" : "FAIL" }')
			[ "$v_o$v_c" = PASSPASS ] || echo "$b" >>"$tmp/failed"
		else
			d=- o=- c=- od=- cd=- own_o=- own_c=- v_o=- v_c=-
		fi
		if [ "$fmt" = md ]; then
			printf '| %s | %s | %s (%s) | %s (%s) | %s | %s | %s | %s |\n' \
				"$b" "$d" "$o" "$od" "$c" "$cd" "$rw_o" "$rw_c" "$v_o" "$v_c"
		else
			printf '%-17s %14s %10s (%6s) %10s (%6s) %10s %10s   %-4s %-4s\n' \
				"$b" "$d" "$o" "$od" "$c" "$cd" "$rw_o" "$rw_c" "$v_o" "$v_c"
		fi
	done
}

full_rows() { # full_rows FORMAT(text|md): full against counters
	local fmt=$1 b c own_c f own_f pct dl dr wc wf rw v
	for b in $avail; do
		wc=$(median "$tmp/wall.$b.counters")
		wf=$(median "$tmp/wall.$b.full")
		rw=$(awk -v a="$wf" -v c="$wc" 'BEGIN { printf "%.3f", a / c }')
		wc=$(awk -v x="$wc" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
		wf=$(awk -v x="$wf" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
		if [ $do_cg = 1 ]; then
			read -r c own_c <"$tmp/ir.$b.counters"
			read -r f own_f <"$tmp/ir.$b.full"
			pct=$(awk -v f="$f" -v c="$c" 'BEGIN { printf "%+.1f%%", 100 * (f - c) / c }')
			dl=$(awk -v f="$own_f" -v c="$own_c" 'BEGIN { printf "%+.1f", f - c }')
			dr=$(awk -v f="$f" -v c="$c" -v fo="$own_f" -v co="$own_c" \
				'BEGIN { printf "%+.1f", (f - fo) - (c - co) }')
			v=$(awk -v f="$f" -v c="$c" -v t=$full_target \
				'BEGIN { print (100 * (f - c) / c <= t + 0.05) ? "PASS" : "FAIL" }')
			[ "$v" = PASS ] || echo "$b" >>"$tmp/failed"
		else
			c=- f=- pct=- dl=- dr=- v=-
		fi
		if [ "$fmt" = md ]; then
			printf '| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n' \
				"$b" "$c" "$f" "$pct" "$dl" "$dr" "$wc" "$wf" "$rw" "$v"
		else
			printf '%-17s %10s %10s %9s %12s %12s   %-15s %8s   %s\n' \
				"$b" "$c" "$f" "$pct" "$dl" "$dr" "$wc / $wf" "$rw" "$v"
		fi
	done
}

full_where() { # full_where FORMAT: what ran in full mode, and what costs
	local fmt=$1 b pairs
	for b in $avail; do
		if [ "$fmt" = md ]; then
			echo "- **$b**, natively: $(full_info "$tmp/wall.$b.full.report")"
			[ $do_cg = 0 ] || echo "  Under callgrind: $(full_info "$tmp/cg.$b.full.report")"
		else
			echo "$b"
			echo "  native:    $(full_info "$tmp/wall.$b.full.report")"
			[ $do_cg = 0 ] || echo "  callgrind: $(full_info "$tmp/cg.$b.full.report")"
		fi
		[ $do_cg = 1 ] || continue
		pairs=$(json_field pairs <"$tmp/cg.$b.full.json")
		if [ "$fmt" = md ]; then
			echo "  Self Ir/pair by function, full minus counters (largest changes):" \
				"$(cg_fn_diff "$tmp/cg.$b.counters.out" "$tmp/cg.$b.full.out" "$pairs" 8 |
					awk -F '\t' '{ printf "%s`%s` %s", (NR > 1 ? ", " : ""), $2, $1 }')."
		else
			echo "  self Ir/pair by function, full minus counters (largest changes):"
			cg_fn_diff "$tmp/cg.$b.counters.out" "$tmp/cg.$b.full.out" "$pairs" 8 |
				awk -F '\t' '{ printf "    %8s  %s\n", $1, $2 }'
		fi
	done
}

split_rows() { # split_rows FORMAT: where the extra instructions go
	local fmt=$1 b d o c own_o own_c rest_o rest_c wd wo wc sp
	for b in $avail; do
		read -r d _ <"$tmp/ir.$b.direct"
		read -r o own_o <"$tmp/ir.$b.off"
		read -r c own_c <"$tmp/ir.$b.counters"
		rest_o=$(awk -v a="$o" -v d="$d" -v s="$own_o" 'BEGIN { printf "%+.1f", a - d - s }')
		rest_c=$(awk -v a="$c" -v d="$d" -v s="$own_c" 'BEGIN { printf "%+.1f", a - d - s }')
		wd=$(median "$tmp/wall.$b.direct")
		wo=$(median "$tmp/wall.$b.off")
		wc=$(median "$tmp/wall.$b.counters")
		wd=$(awk -v x="$wd" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
		wo=$(awk -v x="$wo" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
		wc=$(awk -v x="$wc" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
		sp=$(spread "$tmp/wall.$b.direct" "$tmp/wall.$b.off" "$tmp/wall.$b.counters" "$tmp/wall.$b.full")
		if [ "$fmt" = md ]; then
			printf '| %s | %s | %s | %s | %s | %s / %s / %s | %s |\n' \
				"$b" "$own_o" "$rest_o" "$own_c" "$rest_c" "$wd" "$wo" "$wc" "$sp"
		else
			printf '%-17s %12s %12s %14s %14s   %-22s %s\n' \
				"$b" "$own_o" "$rest_o" "$own_c" "$rest_c" "$wd / $wo / $wc" "$sp"
		fi
	done
}

# ratio_q A D: the per-round ratios A/D (line i of each file is round i):
# "median q1..q3", quartiles interpolated.  A ratio within a round cancels
# what the load does to both over seconds; a ratio of the two medians does
# not, when the load takes turns with the runs.
ratio_q() {
	paste "$1" "$2" | awk '{ printf "%.6f\n", $1 / $2 }' | sort -g | awk '{ v[NR] = $1 }
		function q(p,   x, i) { x = (NR - 1) * p + 1; i = int(x); return v[i] + (x - i) * (v[i + 1] - v[i]) }
		END { v[NR + 1] = v[NR]; printf "%.3f %.3f..%.3f\n", q(0.5), q(0.25), q(0.75) }'
}

# threads_rows FORMAT: per backend and thread count, Ir/pair (one thread, on
# the backend's first row) and the wall ratios over direct.  Writes each
# backend's verdict on off's wall target to $tmp/verdict.BACKEND.
threads_rows() {
	local fmt=$1 b t first d o c f od cd fd wd w ns r_o r_c r_f q_o q_c q_f sp v list
	for b in $avail; do
		first=1 v=PASS list=""
		if [ $do_cg = 1 ]; then
			read -r d _ <"$tmp/ir.$b.direct"
			read -r o _ <"$tmp/ir.$b.off"
			read -r c _ <"$tmp/ir.$b.counters"
			read -r f _ <"$tmp/ir.$b.full"
			od=$(awk -v a="$o" -v d="$d" 'BEGIN { printf "%+.1f", a - d }')
			cd=$(awk -v a="$c" -v d="$d" 'BEGIN { printf "%+.1f", a - d }')
			fd=$(awk -v a="$f" -v d="$d" 'BEGIN { printf "%+.1f", a - d }')
		else
			d=- od=- cd=- fd=-
		fi
		for t in $threads_list; do
			w=$tmp/wall.$b.t$t
			wd=$(median "$w.direct")
			ns=$(awk -v x="$wd" -v n="$iters" 'BEGIN { printf "%.1f", x / n }')
			read -r r_o q_o < <(ratio_q "$w.off" "$w.direct")
			read -r r_c q_c < <(ratio_q "$w.counters" "$w.direct")
			read -r r_f q_f < <(ratio_q "$w.full" "$w.direct")
			sp=$(spread "$w.direct" "$w.off" "$w.counters" "$w.full")
			awk -v r="$r_o" -v t=$off_wall_target 'BEGIN { exit !(r <= t) }' || v=FAIL
			list="$list${list:+, }$t: $r_o"
			if [ $first = 0 ]; then
				set -- "" "" "" "" ""
			else
				set -- "$b" "$d" "$od" "$cd" "$fd"
			fi
			first=0
			if [ "$fmt" = md ]; then
				printf '| %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s (%s) | %s |\n' \
					"$1" "$t" "$2" "$3" "$4" "$5" "$ns" "$r_o" "$q_o" "$r_c" "$q_c" "$r_f" "$q_f" "$sp"
			else
				printf '%-17s %7s %7s %6s %6s %6s %8s   %-20s %-20s %-20s %s\n' \
					"$1" "$t" "$2" "$3" "$4" "$5" "$ns" "$r_o ($q_o)" "$r_c ($q_c)" "$r_f ($q_f)" "$sp"
			fi
		done
		echo "$v ($list)" >"$tmp/verdict.$b"
	done
}

threads_summary() { # threads_summary FORMAT: one line per backend
	local fmt=$1 b v
	for b in $avail; do
		v=$(cat "$tmp/verdict.$b")
		case $v in FAIL*) echo "$b" >>"$tmp/failed" ;; esac
		if [ "$fmt" = md ]; then
			echo "- $b: off <= ${off_wall_target}x direct at every thread count: **${v%% *}** (${v#* (}"
		else
			echo "$b: off <= ${off_wall_target}x direct at every thread count: $v"
		fi
	done
}

commit_of() { # the commit the tree is at, "+" when bench/, liballoc/ or preload/ differ from it
	local c
	c=$(git -C "$root" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	git -C "$root" diff --quiet HEAD -- bench liballoc preload 2>/dev/null || c="$c+"
	echo "$c"
}

bench_cc_version() { # the compiler meson used for malloc_loop
	local cc
	cc=$(sed -n 's/^ *"command": "\([^ ]*\) .*malloc_loop\.c.*/\1/p' "$build/compile_commands.json" 2>/dev/null | head -n 1)
	"${cc:-cc}" --version 2>/dev/null | head -n 1 || echo unknown
}

cmdline="bench/overhead.sh"
for a in ${orig_args[@]+"${orig_args[@]}"}; do
	cmdline="$cmdline $(printf '%q' "$a")"
done

: >"$tmp/failed"
echo
echo "Commit $(commit_of); nproc $ncpu; load average (1, 5, 15 min) before: $load_before, after the wall times: $load_after"
echo
echo "Per backend and thread count.  Ir/pair: callgrind at one thread (no --threads), on the"
echo "backend's first row; callgrind runs threads one at a time, so there is no count per thread"
echo "count.  Wall: malloc_loop --threads T, $iters pairs per thread, $runs rounds, every way at"
echo "every thread count in each round; ns/pair: direct's median over the pairs of one thread;"
echo "way/direct: the median of the per-round ratios (way / direct of the same round), in"
echo "brackets their middle half (25%..75%); spread: the largest (max - min) / median of one"
echo "way's wall times.  The table after this one compares medians instead."
printf '%-17s %7s %7s %6s %6s %6s %8s   %-20s %-20s %-20s %s\n' backend threads "Ir dir" "+off" "+cnt" "+full" \
	"ns/pair" "off/direct" "counters/direct" "full/direct" "spread"
threads_rows text
echo
threads_summary text
echo
printf 'Ir/pair: callgrind, %s pairs; wall: median of %s interleaved runs, %s pairs each, at %s thread(s).\n' \
	"$cg_iters" "$runs" "$iters" "$wt"
printf 'Targets: off <= +%s Ir/pair, counters <= +%s Ir/pair over direct; full <= +%s%% over counters.\n\n' \
	"$off_target" "$counters_target" "$full_target"
printf '%-17s %14s %19s %19s %10s %10s   %-4s %-4s\n' backend "direct Ir/pair" "off Ir/pair (+d)" \
	"counters Ir/pair (+d)" "wall off/" "wall cnt/" "off" "cnt"
printf '%-17s %14s %19s %19s %10s %10s   %-4s %-4s\n' "" "" "" "" "direct" "direct" "<=+$off_target" "<=+$counters_target"
rows text
if [ $do_cg = 1 ]; then
	echo
	echo "Where the extra instructions go (Ir/pair): libswap.so's own code vs everything"
	echo "else (the backend: usable-size calls in counters mode); wall ns/pair medians;"
	echo "spread: the largest (max - min) / median of the wall times of one way."
	printf '%-17s %12s %12s %14s %14s   %-22s %s\n' backend "off: libswap" "off: other" "cnt: libswap" \
		"cnt: other" "ns/pair dir/off/cnt" "spread"
	split_rows text
fi
echo
echo "full vs counters: Ir/pair, the difference in libswap.so's own code and elsewhere"
echo "(libunwind, libc, the kernel's perf work is not seen), wall ns/pair medians."
printf '%-17s %10s %10s %9s %12s %12s   %-15s %8s   %s\n' backend "cnt Ir/p" "full Ir/p" "full/cnt" \
	"d libswap" "d other" "ns/pair c / f" "wall f/c" "<=+$full_target%"
full_rows text
echo
echo "What full mode ran with (from its libswap reports):"
full_where text
[ ! -f "$tmp/skipped" ] || echo "skipped (not loadable here): $(tr '\n' ' ' <"$tmp/skipped")"

if [ -n "$out" ]; then
	{
		echo "## libswap overhead: direct preload vs libswap (stats off / counters / full)"
		echo
		echo "Command (from the repo root, after \`meson setup build && ninja -C build\`):"
		echo
		echo '```'
		echo "$cmdline"
		echo '```'
		echo
		echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_of) (\"+\": bench/, liballoc/ or preload/ changed since)."
		echo
		echo "Load average (1, 5, 15 min, /proc/loadavg): $load_before before the runs, $load_after after the wall times."
		echo
		echo "Machine: nproc $(nproc), kernel $(uname -r)," \
			"CPU $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)," \
			"$(getconf GNU_LIBC_VERSION 2>/dev/null || echo 'libc unknown')," \
			"$(valgrind --version 2>/dev/null || echo 'no valgrind'), compiler $(bench_cc_version)"
		if command -v dpkg-query >/dev/null 2>&1; then
			echo
			echo "Backends:"
			echo
			dpkg-query -W libjemalloc2 libmimalloc2.0 libgoogle-perftools4 libtcmalloc-minimal4 \
				libtbbmalloc2 2>/dev/null | sed 's/^/    /' || true
		fi
		echo
		echo "Every run: \`GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096\` (no re-exec by libswap)."
		echo "Ir/pair: callgrind \`--toggle-collect=bench_pairs\`, $cg_iters pairs, one thread." \
			"Wall: median of $runs interleaved rounds (direct, off, counters, full at each thread count of" \
			"${threads_list// /, }, then again), $iters pairs per thread."
		echo "Targets: off <= +$off_target Ir/pair, counters <= +$counters_target Ir/pair over direct;" \
			"full <= +$full_target% Ir/pair over counters; wall: off <= ${off_wall_target}x direct at every thread count."
		echo
		echo "### Per backend and thread count"
		echo
		echo "Ir/pair at one thread (\`malloc_loop\` without \`--threads\`), on each backend's first row:" \
			"callgrind runs a program's threads one at a time, so an instruction count at T threads would not" \
			"say what T cores do at once; per thread count, the wall time is the measure." \
			"Wall: \`malloc_loop --threads T\`; ns/pair is direct's median over the pairs of one thread;" \
			"way/direct is the median of the per-round ratios (way / direct of the same round), in brackets their" \
			"middle half (25%..75%); spread: the largest (max - min) / median of one way's wall times." \
			"The next table compares the medians of the wall times instead."
		echo
		echo "| backend | threads | direct Ir/pair | off +Ir | counters +Ir | full +Ir | direct ns/pair | off/direct | counters/direct | full/direct | spread |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		threads_rows md
		echo
		threads_summary md
		echo
		echo "### At one thread count ($wt), with the targets in instructions"
		echo
		echo "| backend | direct Ir/pair | off Ir/pair (+d) | counters Ir/pair (+d) | wall off/direct | wall counters/direct | off <= +$off_target | counters <= +$counters_target |"
		echo "|---|---:|---:|---:|---:|---:|:-:|:-:|"
		rows md
		if [ $do_cg = 1 ]; then
			echo
			echo "Where the extra instructions go, Ir/pair (\"libswap\": self cost of code in libswap.so;" \
				"\"other\": the rest of the difference to direct, i.e. the backend's usable-size calls in counters mode)," \
				"wall ns/pair medians, and the run-to-run spread of the wall times (largest (max - min) / median of one way):"
			echo
			echo "| backend | off: libswap | off: other | counters: libswap | counters: other | ns/pair direct / off / counters | spread |"
			echo "|---|---:|---:|---:|---:|---:|---:|"
			split_rows md
		fi
		echo
		echo "### full vs counters"
		echo
		echo "Ir/pair of both, full's difference in libswap.so's own code and elsewhere (libunwind, libc;" \
			"the kernel's work for perf events is not counted by callgrind), wall ns/pair medians and their ratio:"
		echo
		echo "| backend | counters Ir/pair | full Ir/pair | full vs counters | d libswap | d other | ns/pair counters / full | wall full/counters | full <= +$full_target% |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|:-:|"
		full_rows md
		echo
		echo "What full mode ran with, from the libswap reports of a full run natively (the first wall-time" \
			"run) and under callgrind:"
		echo
		full_where md
		[ ! -f "$tmp/skipped" ] || { echo; echo "Skipped (not loadable): $(tr '\n' ' ' <"$tmp/skipped")"; }
	} >"$out"
	echo "$prog_name: wrote $out" >&2
fi

if [ $check = 1 ] && [ -s "$tmp/failed" ]; then
	exit 1
fi
exit 0
