#!/bin/sh
# Every command's --help against its parser, through the binary: the options
# --help shows are exactly those the parser's error line lists, in the same
# order (both come from the command's table), each one is accepted in each
# of its forms, and an unknown one is refused in one line.  The commands are
# those 'allocswap --help' lists; image's options are per subcommand (the
# "(list)" its --help gives an option).  Nothing runs: every call ends at the
# unknown option after the one tested.
#
#   help.sh ALLOCSWAP [COMMAND...]    (default: every command)
A=$1
shift
T=$(mktemp -d "${TMPDIR:-/tmp}/allocswap-opts.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0 checks=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
BAD=--no-such-option

# run CMD... : exit status into rc, stdout and stderr into $T/out and $T/err
run() {
	rc=0
	"$A" "$@" >"$T/out" 2>"$T/err" || rc=$?
	checks=$((checks + 1))
}

# refused WHAT ARGS...: the ARGS end at $BAD: exit 2, one line naming it,
# in the common form; the parser's list of options into $T/listed
refused() {
	what=$1
	shift
	run "$@" "$BAD"
	[ "$rc" = 2 ] || fail "$what: $* $BAD: exit $rc, not 2: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$what: $* $BAD: not one line: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$what: $* $BAD: wrote to stdout"
	grep -q "^allocswap $what: unknown option '$BAD'; options: .* (see 'allocswap $what --help')\$" \
		"$T/err" || fail "$what: $* $BAD: not the unknown-option line: $(cat "$T/err")"
	sed -n "s/.*; options: \(.*\) (see .*/\1/p" "$T/err" | tr ',' '\n' |
		sed -e 's/^ *//' -e 's|^\(-[a-zA-Z]\)/|\1 |' -e 's/^--/- --/' >"$T/listed"
}

# shown HELP: the options a --help text shows, "SHORT LONG ARG" a line
# (SHORT and ARG "-" when none); with a tag, only those whose help starts
# "(TAG)"
shown() {
	sed -n -e 's/^  \(-[a-zA-Z]\), \(--[a-z0-9-]*\)\( [^ ]\)\{0,1\}\(.*\)/\1 \2 \3|\4/p' \
		-e 's/^      \(--[a-z0-9-]*\)\( [^ ]\)\{0,1\}\(.*\)/- \1 \2|\3/p' "$1" |
		awk -F'|' -v tag="$2" '{
			split($1, w, " "); help = $2
			sub(/^[^ ]*( |$)/, "", help); sub(/^ */, "", help)
			if (tag != "" && w[2] != "--help" && index(help, "(" tag ")") != 1) next
			print w[1], w[2], (w[3] == "" ? "-" : "ARG")
		}'
}

# check WHAT ARGS... TAG: what ARGS' parser lists is what the help shows
# (tagged TAG), and each option is accepted in every form
check() {
	what=$1 tag=$3
	refused "$what" $2
	shown "$T/help" "$tag" >"$T/shown"
	[ -s "$T/shown" ] || fail "$what: --help shows no options"
	cut -d' ' -f1,2 "$T/shown" >"$T/shown2"
	cmp -s "$T/shown2" "$T/listed" ||
		fail "$what: --help shows other options than the parser takes:
$(diff "$T/shown2" "$T/listed")"
	while read -r short long arg; do
		[ "$long" = --help ] && continue
		if [ "$arg" = ARG ]; then
			refused "$what" $2 "$long" x
			refused "$what" $2 "$long=x"
			[ "$short" = - ] || refused "$what" $2 "$short" x
			[ "$short" = - ] || refused "$what" $2 "${short}x"
			# without its value: the next word would be taken as it
			run $2 "$long"
			grep -q "^allocswap $what: $long needs a value: " "$T/err" ||
				fail "$what: $long alone: $(cat "$T/err")"
		else
			refused "$what" $2 "$long"
			[ "$short" = - ] || refused "$what" $2 "$short"
			run $2 "$long=x"
			grep -q "^allocswap $what: $long takes no value " "$T/err" ||
				fail "$what: $long=x: $(cat "$T/err")"
		fi
	done <"$T/shown"
}

run --help
cmds=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NF && $1 != "commands:" {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 9 ] || fail "allocswap --help lists no commands: $cmds"
[ $# = 0 ] || cmds=$*
for c in $cmds; do
	run "$c" --help
	[ "$rc" = 0 ] || fail "$c --help: exit $rc"
	grep -q "^usage: allocswap $c" "$T/out" || fail "$c --help: no usage line"
	cp "$T/out" "$T/help"
	run "$c" -h
	cmp -s "$T/out" "$T/help" || fail "$c -h is not $c --help"
	case $c in
	image)
		# its commands, as its own error line lists them
		run image frob
		subs=$(sed -n "s/.* is not one of: //p" "$T/err" | tr -d ',')
		[ "$(echo "$subs" | wc -w)" -ge 4 ] || fail "image: no subcommands in: $(cat "$T/err")"
		for s in $subs; do
			check "image $s" "image $s" "$s"
		done
		# and every option the help shows belongs to one of them
		shown "$T/help" | grep -v -e ' --help ' | while read -r short long arg; do
			grep -q "^      $long\( [^ ]*\)\{0,1\}  *([a-z]*) " "$T/help" ||
				fail "image --help: $long does not say which command takes it"
		done
		;;
	*)
		check "$c" "$c" ""
		;;
	esac
done
echo "options-help: $checks checks, $fails failed"
[ "$fails" = 0 ]
