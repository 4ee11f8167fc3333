# lib.sh: what the compare and report tests share.  Sourced after `set -u`
# with $T_NAME set (the temp directory's name); gives $T (removed at exit),
# the counters and the checks below, and t_done to end with.
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-$T_NAME.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
checks=0

ok() { checks=$((checks + 1)); }
fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL: $*" >&2
}
# expect_in FILE PATTERN WHAT: grep -E
expect_in() {
	if grep -Eq -- "$2" "$1"; then ok; else fail "$3: no /$2/ in $1:"; cat "$1" >&2; fi
}
# expect_line FILE LINE WHAT: the exact line
expect_line() {
	if grep -Fxq -- "$2" "$1"; then ok; else fail "$3: no line '$2' in $1:"; cat "$1" >&2; fi
}
expect_not_in() {
	if grep -Eq -- "$2" "$1"; then fail "$3: /$2/ in $1:"; cat "$1" >&2; else ok; fi
}
# expect_count FILE PATTERN N WHAT
expect_count() {
	n=$(grep -Ec -- "$2" "$1")
	if [ "$n" -eq "$3" ]; then ok; else fail "$4: $n lines match /$2/ in $1, want $3"; cat "$1" >&2; fi
}
# usage_error PATTERN CMD...: exit 2, nothing on stdout, exactly one line on
# stderr, matching PATTERN
usage_error() {
	pat=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ] && grep -Eq -- "$pat" "$T/err"; then
		ok
	else
		fail "$* -> exit $rc, $lines stderr lines, want 2 and one line matching /$pat/:"
		cat "$T/out" "$T/err" >&2
	fi
}
run() { # run OUT CMD...: must exit 0
	out=$1
	shift
	if "$@" >"$out" 2>"$T/err"; then ok; else fail "$* -> exit $?"; cat "$out" "$T/err" >&2; fi
}
# t_done NAME: the count line; exits 0 when nothing failed
t_done() {
	echo "$1: $checks checks, $fails failed"
	[ "$fails" -eq 0 ]
	exit
}
