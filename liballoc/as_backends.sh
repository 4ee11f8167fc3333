#!/bin/sh
# as_backends.sh: liballoc's backend table (AS_BACKENDS in as_backend.h, the
# one list of backends) for meson, the tests and the bench scripts, so that
# none of them lists the backends again.
#
#   as_backends.sh names          the names, one a line, in the table's order
#   as_backends.sh table          NAME<TAB>SONAMES<TAB>LIBCS, one a line
#                                 (SONAMES space-separated, "-" for none)
#   as_backends.sh soname NAME    NAME's first soname ("" for system); exit 1
#                                 when NAME is not in the table
set -eu
h="$(dirname "$0")/as_backend.h"
[ -r "$h" ] || { echo "as_backends.sh: cannot read $h" >&2; exit 2; }
# the rows: X(id, "sonames", "usable", "libcs", ...) inside #define AS_BACKENDS
table() {
	sed -n '/^#define AS_BACKENDS(X)/,/^$/p' "$h" |
		sed -n 's/^[[:space:]]*X(\([A-Za-z0-9_]*\), *"\([^"]*\)", *"[^"]*", *"\([^"]*\)".*/\1	\2	\3/p' |
		awk -F'\t' '{ printf "%s\t%s\t%s\n", $1, $2 == "" ? "-" : $2, $3 }'
}
case "${1:-}" in
names) table | cut -f1 ;;
table) table ;;
soname)
	[ $# = 2 ] || { echo "usage: as_backends.sh soname NAME" >&2; exit 2; }
	row=$(table | awk -F'\t' -v n="$2" '$1 == n')
	[ -n "$row" ] || exit 1
	s=$(printf '%s\n' "$row" | cut -f2)
	[ "$s" = - ] && echo "" || echo "${s%% *}"
	;;
*) echo "usage: as_backends.sh names | table | soname NAME" >&2; exit 2 ;;
esac
