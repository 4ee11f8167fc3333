#!/bin/sh
# Bad usage: exit 2 and one line on stderr that names the valid choices.
# (That --help shows every option the parser takes, and no other, is
# options-help's: tests/cli/options/help.sh.)
. "$(dirname "$0")/lib.sh"

# expect_usage STATUS PATTERN ARGS...: exit STATUS, one stderr line matching PATTERN
expect_usage() {
	want=$1 pat=$2
	shift 2
	rc=0
	"$ALLOCSWAP" bench "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq "$want" ] || fail "bench $*: exit $rc, not $want: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "bench $*: not one line: $(cat "$T/err")"
	grep -q -- "$pat" "$T/err" || fail "bench $*: '$(cat "$T/err")' lacks '$pat'"
	[ ! -s "$T/out" ] || fail "bench $*: wrote to stdout"
}

expect_usage 2 "allocator 'jemaloc' is not one of: system, jemalloc, mimalloc, .*none" -a jemaloc
expect_usage 2 "benchmark 'nbodyy' is not one of: nbody, .*json_dumps.*; or a group: .*numeric" \
	--bench nbodyy
expect_usage 2 "unknown option '--frob'; options: -a/--allocators, .*--runs" --frob
expect_usage 2 "unknown option '-x'; options:" -x
expect_usage 2 "suite 'nope' is not one of: builtin, pyperformance, cmd" --suite nope
expect_usage 2 "libc 'foo' is not one of: glibc, musl" --libc foo
expect_usage 2 "pymalloc 'maybe' is not one of: on, off" --pymalloc maybe
expect_usage 2 "seccomp 'x' is not one of: none, default, unconfined" --seccomp x
expect_usage 2 "stats 'verbose' is not one of: off, counters, full" --stats verbose
expect_usage 2 "no image named 'vm'; the images: bullseye, bookworm, trixie, musl" --image vm
expect_usage 2 "image 'docker:': name the image after 'docker:'" --image docker:
expect_usage 2 "--libc musl applies to the Python suites" --libc musl --cmd true
expect_usage 2 "--python musl-os is a musl Python: it cannot run under glibc, and --libc has no other" \
	--python musl-os
expect_usage 2 "--python: 'nope' is not a Python: give host, a flag set or a build (host, os, musl-os" \
	--python nope
expect_usage 2 "--python does not apply to --suite cmd" --cmd true --python host
expect_usage 2 "--runs must be at least 1" --runs 0
expect_usage 2 "--runs needs a non-negative integer, not 'many'" --runs many
expect_usage 2 "--target-ms needs a positive number" --target-ms -3
expect_usage 2 "--runs needs a value: N" --runs
expect_usage 2 "--quick takes no value" --quick=yes
expect_usage 2 "at most 64 --cmd" $(i=0; while [ $i -le 64 ]; do echo "--cmd=true"; i=$((i + 1)); done)
expect_usage 2 "--suite cmd needs --cmd" --suite cmd
expect_usage 2 "--bench does not apply to --suite cmd" --cmd true --bench nbody
expect_usage 2 "--values, --warmups, --loops and --target-ms do not apply to --suite cmd" \
	--cmd true --values 3
expect_usage 2 "unexpected argument 'python3'" python3
expect_usage 2 "no -o with it" --resume "$T" -o "$T/x"
expect_usage 2 "cannot read .*meta.json" --resume "$T/nothing"
expect_usage 2 "allocator 'system' is listed twice" -a system,system

# --help: on stdout, exit 0, the same after an option
"$ALLOCSWAP" bench --help >"$T/help" || fail "--help exited $?"
"$ALLOCSWAP" bench -q -h >"$T/help2" || fail "-h after an option exited $?"
cmp -s "$T/help" "$T/help2" || fail "-h and --help differ"
grep -q "^usage: allocswap bench" "$T/help" || fail "no usage line"
echo "ok: usage"
