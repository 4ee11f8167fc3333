#!/bin/sh
# exports.sh LIB NAME...: LIB's dynamic symbol table defines exactly NAMEs
# (the malloc family; on glibc also its __libc_* aliases) and nothing else:
# no helper of liballoc, no C runtime symbol, no data.
set -eu
lib=$1
shift
want=$(printf '%s\n' "$@" | sort)
got=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort)
if [ "$got" != "$want" ]; then
	echo "exports.sh: $lib exports differ from the malloc family" >&2
	printf '%s\n' "$want" >"${TMPDIR:-/tmp}/exports.want.$$"
	printf '%s\n' "$got" | diff "${TMPDIR:-/tmp}/exports.want.$$" - >&2 || true
	rm -f "${TMPDIR:-/tmp}/exports.want.$$"
	exit 1
fi
echo "exports.sh: $(printf '%s\n' "$got" | wc -l) symbols, all of the malloc family"
