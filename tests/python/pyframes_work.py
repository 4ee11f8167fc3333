"""The program pyframes.py runs under libswap (ALLOCSWAP_STATS=full).

Two functions allocate 64 KiB bytes objects (above pymalloc's 512 bytes,
so each is one malloc) 3:1, at the same time, one in the main thread and
one in a threading.Thread; a third one, named in CJK (its qualname is a
2-byte-kind str: encoded to UTF-8 by libswap itself), allocates a little.
nest() recurses through map(), a C call, so that each level adds native
frames too: its stacks are deeper than the native frames kept (32), and
still end at <module>.  Each allocating line ends with a "# site:" marker
that pyframes.py reads to know the exact line it must find in the stacks.
"""

import sys
import threading

BLOCK = 65536
A = int(sys.argv[1]) if len(sys.argv) > 1 else 3 * 4096
B = A // 3
C = A // 12
NEST = 12


def alloc_a(n):
    keep = None
    for _ in range(n):
        keep = bytes(BLOCK)  # site: alloc_a
    return keep


def alloc_b(n):
    keep = None
    for _ in range(n):
        keep = bytes(BLOCK)  # site: alloc_b
    return keep


def 分配(n):
    keep = None
    for _ in range(n):
        keep = bytes(BLOCK)  # site: 分配
    return keep


def nest(k):
    if k:
        return list(map(nest, [k - 1]))[0]  # site: nest_call
    return bytes(BLOCK)  # site: nest


def main():
    t = threading.Thread(target=alloc_b, args=(B,))
    t.start()
    alloc_a(A)  # site: main_a
    t.join()
    分配(C)  # site: main_c
    for _ in range(C // 4):
        nest(NEST)  # site: main_nest


main()
