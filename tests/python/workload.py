"""A deterministic Python workload run under libswap, one run per backend.

    workload.py --backend NAME [--no-compare] [--digest-only]

It exercises malloc the way real Python programs do (dict/list/str churn,
json, re, pickle, sqlite3 in memory, zlib, bytearrays far above the mmap
threshold, threads allocating at the same time) and hashes every result into
one SHA-256 digest.  Then it checks, from inside the process:

  * the digest equals the one computed by a second run of this script
    without LD_PRELOAD (same interpreter, same PYTHONMALLOC);
  * /proc/self/maps holds libswap and exactly the allocator libraries of
    the backend (none for system);
  * the backend really serves malloc: a block from libc's malloc (which
    libswap interposes) is recognised by the backend's own ownership or
    size function, and a block it does not own is refused where the
    backend can answer that safely.

The same script runs on a musl-built Python (tests/python/meson.build in the
musl build): there musl's own malloc_usable_size stands for glibc's mallinfo2.

It prints "EXPECT field op value" lines that tests/lib/as_check.c checks
against the report libswap writes at exit.  Exit status 0 when every
in-process check held, 1 otherwise.  Uses the standard library only.
"""

import ctypes
import hashlib
import json
import mmap
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import threading
import zlib

# Backend -> the allocator libraries its process maps (basenames).
BACKEND_LIBS = {
    "system": set(),
    "jemalloc": {"libjemalloc.so.2"},
    "mimalloc": {"libmimalloc.so.2"},
    "tcmalloc": {"libtcmalloc.so.4"},
    "tcmalloc_minimal": {"libtcmalloc_minimal.so.4"},
    "tbbmalloc": {"libtbbmalloc_proxy.so.2", "libtbbmalloc.so.2"},
}
ALL_LIBS = set().union(*BACKEND_LIBS.values())


def running_glibc():
    """glibc answers confstr(_CS_GNU_LIBC_VERSION); musl refuses it (EINVAL)."""
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):
        return False


MUSL = not running_glibc()

BIG = 3 << 20          # bytearrays well above any mmap threshold
PROBE = 1000           # a small block, served from the backend's bins
PROBE_BIG = 64 << 20   # a block large enough to show in global counters

failures = []


def check(cond, what):
    if cond:
        print("ok", what)
    else:
        print("FAIL", what, file=sys.stderr)
        failures.append(what)


# ---------------------------------------------------------------- workload


class Rng:
    """A tiny LCG, so the workload does not depend on random's internals."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self, n):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return (self.s >> 33) % n


def churn(h, seed, rounds=40):
    """dicts, lists and strings created, grown, shrunk and dropped."""
    rng = Rng(seed)
    keep = []
    for r in range(rounds):
        d = {}
        for i in range(2000):
            k = "k%d-%d" % (r, rng.next(100000))
            d[k] = [i, k * (1 + rng.next(5)), str(i) * rng.next(20)]
        lst = sorted(d.items())[: 500 + rng.next(500)]
        text = "|".join(k for k, _ in lst)
        keep.append(text[: 1 + rng.next(len(text))])
        if len(keep) > 8:
            keep.pop(rng.next(len(keep)))
        # shrink a big dict in place, then let it go
        for k in list(d)[::2]:
            del d[k]
        h.update(("%d:%d:%d\n" % (r, len(d), len(text))).encode())
    h.update("\n".join(keep).encode())


def json_pickle(h):
    doc = {
        "ints": list(range(-5000, 5000, 7)),
        "floats": [i / 7 for i in range(3000)],
        "strs": ["\u00e9t\u00e9 %d \u2603" % i for i in range(3000)],
        "nested": [{"id": i, "tags": ["t%d" % (i % 13)] * (i % 5), "x": None} for i in range(2000)],
    }
    for _ in range(5):
        s = json.dumps(doc, sort_keys=True)
        back = json.loads(s)
        assert back == doc
        p = pickle.dumps(back, protocol=pickle.HIGHEST_PROTOCOL)
        assert pickle.loads(p) == doc
        p0 = pickle.dumps(back, protocol=0)
        assert pickle.loads(p0) == doc
    h.update(hashlib.sha256(s.encode()).digest())
    h.update(hashlib.sha256(p).digest())


def regex(h):
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    rng = Rng(7)
    text = " ".join(words[rng.next(len(words))] + str(rng.next(1000)) for _ in range(40000))
    pats = [r"(\w+?)(\d+)", r"\b(e\w*a)(\d{2,3})\b", r"(?i)(GAMMA|DELTA)\d*7\b", r"([aeiou]{2,})"]
    for p in pats:
        found = re.findall(p, text)
        h.update(("%s %d\n" % (p, len(found))).encode())
        h.update(repr(found[:50]).encode())
    sub = re.sub(r"(\w+?)(\d+)", lambda m: m.group(2) + m.group(1).upper(), text)
    h.update(hashlib.sha256(sub.encode()).digest())
    # many distinct compiled patterns: the re cache churns
    for i in range(600):
        h.update(str(len(re.findall("a%d|b%d" % (i, i), text))).encode())


def sql(h):
    con = sqlite3.connect(":memory:")
    con.execute("create table t (id integer primary key, name text, val real, blob blob)")
    rows = [(i, "name%05d" % i * (1 + i % 3), i * 0.5, bytes([i % 256]) * (i % 700)) for i in range(20000)]
    con.executemany("insert into t values (?, ?, ?, ?)", rows)
    con.execute("create index ix on t(name)")
    con.execute("delete from t where id % 3 = 0")
    con.execute("update t set blob = zeroblob(5000) where id % 7 = 1")
    for q in (
        "select count(*), sum(val), sum(length(blob)) from t",
        "select substr(name, 1, 6), min(name), count(*) from t group by 1 order by 1",
        "select id, length(name) from t where name like 'name001%' order by id",
    ):
        h.update(repr(con.execute(q).fetchall()).encode())
    con.close()


def compress(h):
    rng = Rng(11)
    data = b"".join(b"line %d %s\n" % (i, b"xyz" * rng.next(40)) for i in range(60000))
    for level in (1, 6, 9):
        c = zlib.compress(data, level)
        assert zlib.decompress(c) == data
        h.update(("%d %d\n" % (level, len(c))).encode())
    d = zlib.decompressobj()
    out = b"".join(d.decompress(c[i : i + 4096]) for i in range(0, len(c), 4096)) + d.flush()
    assert out == data
    h.update(hashlib.sha256(out).digest())


def big_buffers(h):
    """bytearrays of several MiB: mmap-sized blocks, grown with realloc."""
    bufs = []
    for i in range(12):
        b = bytearray(BIG + i * 4096)
        b[:: 4096] = bytes([i]) * len(b[:: 4096])
        b.extend(b"x" * (BIG // 2))  # realloc of a big block
        bufs.append(b)
        if len(bufs) > 4:
            old = bufs.pop(0)
            h.update(hashlib.sha256(old).digest())
    for b in bufs:
        h.update(hashlib.sha256(bytes(b)).digest())


def threaded(h, nthreads=4):
    """threads allocating at the same time; results combined in thread order."""
    out = [None] * nthreads
    barrier = threading.Barrier(nthreads)

    def work(t):
        barrier.wait()
        th = hashlib.sha256()
        churn(th, 1000 + t, rounds=15)
        blobs = [bytearray(b"%d" % t) * (1000 + 37 * i) for i in range(300)]
        th.update(hashlib.sha256(b"".join(blobs)).digest())
        th.update(json.dumps([{"t": t, "i": i} for i in range(3000)]).encode())
        out[t] = th.hexdigest()

    ts = [threading.Thread(target=work, args=(t,)) for t in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    h.update("".join(out).encode())


def workload():
    h = hashlib.sha256()
    for step in (lambda: churn(h, 1), lambda: json_pickle(h), lambda: regex(h), lambda: sql(h),
                 lambda: compress(h), lambda: big_buffers(h), lambda: threaded(h)):
        step()
    return h.hexdigest()


# ---------------------------------------------------------------- checks


def mapped_libs():
    """Basenames of the files mapped, shortened to a known soname where the
    file is the soname's target (libmimalloc.so.2 -> libmimalloc.so.2.0)."""
    names = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6:
                name = os.path.basename(parts[5].strip())
                for so in ALL_LIBS:
                    if name.startswith(so + "."):
                        name = so
                names.add(name)
    return names


def loaded(soname):
    """Does the dynamic loader have soname loaded?  RTLD_NOLOAD loads nothing."""
    try:
        ctypes.CDLL(soname, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        return True
    except OSError:
        return False


def baseline_digest():
    """The digest of this workload in a process without the preload."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("ALLOCSWAP_")}
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--digest-only"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        return None
    return r.stdout.strip()


class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def glibc_in_use():
    """Bytes glibc's own malloc has handed out (all arenas + mmapped chunks).
    0 under musl, which has no such count."""
    if MUSL:
        return 0
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    mi = libc.mallinfo2()
    return mi.uordblks + mi.hblkhd


def foreign_block():
    """An address no malloc owns, inside a fresh, zero-filled anonymous
    mapping.  Not its first byte: ownership tests read headers in front of
    the pointer (tbbmalloc's __TBB_malloc_safer_msize reads 16 bytes before
    a 64-aligned pointer and faults at the start of a mapping)."""
    m = mmap.mmap(-1, 1 << 20)
    return m, ctypes.addressof(ctypes.c_char.from_buffer(m)) + (256 << 10)


def check_ownership(backend):
    """libc's malloc (libswap's, interposed) must be served by the backend."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    p = libc.malloc(PROBE)
    check(p, "malloc(%d) through libswap" % PROBE)
    m, foreign = foreign_block()
    before = glibc_in_use()
    big = libc.malloc(PROBE_BIG)  # this line number: tests/python/meson.build
    grew = glibc_in_use() - before
    check(big, "malloc(%d) through libswap" % PROBE_BIG)
    if backend == "system" and MUSL:
        # musl's own malloc_usable_size (its loader answers "libc.so" with
        # itself): mallocng keeps the size asked, so it is exact
        musl = ctypes.CDLL("libc.so")
        musl.malloc_usable_size.restype = ctypes.c_size_t
        musl.malloc_usable_size.argtypes = [ctypes.c_void_p]
        n = musl.malloc_usable_size(p)
        check(n == PROBE, "musl malloc_usable_size(p) = %d" % n)
        n = musl.malloc_usable_size(big)
        check(n == PROBE_BIG, "musl malloc_usable_size(big) = %d" % n)
    elif backend == "system":
        # glibc's own counters see the block
        check(grew >= PROBE_BIG, "glibc mallinfo2 grew by %d >= %d" % (grew, PROBE_BIG))
        libc6 = ctypes.CDLL("libc.so.6")
        libc6.malloc_usable_size.restype = ctypes.c_size_t
        libc6.malloc_usable_size.argtypes = [ctypes.c_void_p]
        n = libc6.malloc_usable_size(p)
        check(PROBE <= n < 2 * PROBE, "glibc malloc_usable_size(p) = %d" % n)
    elif not MUSL:
        # glibc's malloc does not see the block
        check(grew < PROBE_BIG // 2, "glibc mallinfo2 grew by %d < %d" % (grew, PROBE_BIG // 2))
    if backend == "jemalloc":
        je = ctypes.CDLL("libjemalloc.so.2")
        je.sallocx.restype = ctypes.c_size_t
        je.sallocx.argtypes = [ctypes.c_void_p, ctypes.c_int]
        n = je.sallocx(p, 0)
        check(PROBE <= n < 2 * PROBE, "jemalloc sallocx(p) = %d" % n)
        n = je.sallocx(big, 0)
        check(n >= PROBE_BIG, "jemalloc sallocx(big) = %d" % n)
        # jemalloc's global statistics count the big block
        je.mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                               ctypes.c_size_t]

        def allocated():
            epoch, val = ctypes.c_uint64(1), ctypes.c_size_t(0)
            sz = ctypes.c_size_t(ctypes.sizeof(val))
            je.mallctl(b"epoch", None, None, ctypes.byref(epoch), ctypes.sizeof(epoch))
            rc = je.mallctl(b"stats.allocated", ctypes.byref(val), ctypes.byref(sz), None, 0)
            return val.value if rc == 0 else -1
        a0 = allocated()
        big2 = libc.malloc(PROBE_BIG)
        a1 = allocated()
        libc.free(big2)
        check(a0 >= 0 and a1 - a0 >= PROBE_BIG,
              "jemalloc stats.allocated grew by %d >= %d" % (a1 - a0, PROBE_BIG))
    elif backend == "mimalloc":
        mi = ctypes.CDLL("libmimalloc.so.2")
        mi.mi_is_in_heap_region.restype = ctypes.c_bool
        mi.mi_is_in_heap_region.argtypes = [ctypes.c_void_p]
        mi.mi_usable_size.restype = ctypes.c_size_t
        mi.mi_usable_size.argtypes = [ctypes.c_void_p]
        check(mi.mi_is_in_heap_region(p), "mimalloc mi_is_in_heap_region(p)")
        check(mi.mi_is_in_heap_region(big), "mimalloc mi_is_in_heap_region(big)")
        check(not mi.mi_is_in_heap_region(foreign), "mimalloc refuses a foreign block")
        n = mi.mi_usable_size(p)
        check(PROBE <= n < 2 * PROBE, "mimalloc mi_usable_size(p) = %d" % n)
    elif backend in ("tcmalloc", "tcmalloc_minimal"):
        tc = ctypes.CDLL(next(iter(BACKEND_LIBS[backend])))
        tc.MallocExtension_GetOwnership.restype = ctypes.c_int
        tc.MallocExtension_GetOwnership.argtypes = [ctypes.c_void_p]
        # enum MallocExtension_Ownership: 0 unknown, 1 owned, 2 not owned
        check(tc.MallocExtension_GetOwnership(p) == 1, "tcmalloc owns p")
        check(tc.MallocExtension_GetOwnership(big) == 1, "tcmalloc owns big")
        check(tc.MallocExtension_GetOwnership(foreign) == 2, "tcmalloc refuses a foreign block")
    elif backend == "tbbmalloc":
        tbb = ctypes.CDLL("libtbbmalloc.so.2")
        # size_t __TBB_malloc_safer_msize(void *, size_t (*original_msize)(void *)):
        # the size for tbbmalloc's own blocks, original_msize(p) (here none:
        # 0) for others
        f = tbb.__TBB_malloc_safer_msize
        f.restype = ctypes.c_size_t
        f.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        n = f(p, None)
        check(PROBE <= n < 2 * PROBE, "tbbmalloc safer_msize(p) = %d" % n)
        n = f(big, None)
        check(n >= PROBE_BIG, "tbbmalloc safer_msize(big) = %d" % n)
        n = f(foreign, None)
        check(n == 0, "tbbmalloc safer_msize(foreign) = %d" % n)
    libc.free(big)
    libc.free(p)
    m.close()


def main():
    args = sys.argv[1:]
    if "--digest-only" in args:
        print(workload())
        return 0
    backend = args[args.index("--backend") + 1] if "--backend" in args else "system"
    if backend not in BACKEND_LIBS:
        print("workload.py: unknown backend %r" % backend, file=sys.stderr)
        return 2
    pymalloc = os.environ.get("PYTHONMALLOC", "") not in ("malloc", "malloc_debug")

    digest = workload()
    print("digest", digest)
    if "--no-compare" not in args:
        want = baseline_digest()
        check(digest == want, "digest %s == %s (no preload)" % (digest, want))

    libs = mapped_libs()
    check(any(n.startswith("libswap") for n in libs), "libswap is mapped")
    want_libs = BACKEND_LIBS[backend]
    got = libs & ALL_LIBS
    check(got == want_libs, "allocator libraries mapped: %s (want %s)" %
          (sorted(got) or "none", sorted(want_libs) or "none"))
    got = {so for so in sorted(ALL_LIBS) if loaded(so)}
    check(got == want_libs, "allocator libraries loaded: %s (want %s)" %
          (sorted(got) or "none", sorted(want_libs) or "none"))
    check_ownership(backend)

    print("EXPECT libc.name ==", "musl" if MUSL else "glibc")
    print("EXPECT allocator.name ==", backend)
    print("EXPECT allocator.mapped == true")
    print("EXPECT allocator.fallback == false")
    print("EXPECT calls.failed == 0")
    # pymalloc keeps objects <= 512 bytes away from malloc
    print("EXPECT calls.malloc >", 10000 if pymalloc else 1000000)
    print("EXPECT threads.seen >= 5")  # the main thread and the 4 workers
    print("EXPECT bytes.live >= 0")
    print("EXPECT bytes.peak_live >=", PROBE_BIG)
    print("EXPECT memory.rss_peak >", 4 * BIG)
    if failures:
        print("workload.py: %d check(s) failed" % len(failures), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
