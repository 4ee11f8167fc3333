"""allocswap's built-in benchmark suite: stdlib only.

One table (BENCHMARKS, at the end) declares every benchmark: its name, group,
description and function.  The allocswap CLI reads the table through
``--list`` and runs one benchmark per process:

    python3 allocswap_suite.py --list
    python3 allocswap_suite.py calibrate NAME [--target-ms 100]
    python3 allocswap_suite.py run NAME --loops N [--values K] [--warmups W]

``run`` prints one JSON object: {"name", "loops", "warmups": [...],
"values": [...], "cpu_warmups": [...], "cpu_values": [...], "cpu_complete"},
where each value is the wall time of N loops of the benchmark divided by N,
in seconds (time.perf_counter), and each cpu value the CPU time the
benchmark's thread spent in the same interval, divided by N
(time.thread_time: CLOCK_THREAD_CPUTIME_ID, user and system).  On a quiet
machine a single-threaded benchmark's cpu value is its wall value less the
time it waited (I/O, page faults served from disk); when other tasks compete
for the CPU, the wall value grows with the time spent in the run queue and
the cpu value does not.  "cpu_complete" is false for the benchmarks whose
timed work also runs on other threads or in child processes (the table's
``on_thread`` column), whose cpu values then count the benchmark thread only.
``calibrate`` prints {"name", "loops"}: the smallest power of two of loops
for which one value takes at least the target time.  The same loop count is
used for every configuration of a matrix, so values are comparable.

A benchmark function takes ``loops`` and returns ``_elapsed(t0)``, the wall
and CPU seconds of its timed part, which starts at ``t0 = _start()``; setup
that should not be timed happens before it.
"""

import argparse
import array
import asyncio
import bisect
import collections
import io
import json
import os
import pickle
import random
import re
import sqlite3
import string
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib

perf_counter = time.perf_counter
thread_time = time.thread_time


def _start():
    """The start of a timed part: (wall, cpu) now.  The CPU clock is read
    inside the wall interval, so that cpu <= wall up to the clocks' own
    resolution."""
    wall = perf_counter()
    return wall, thread_time()


def _elapsed(t0):
    """(wall seconds, cpu seconds) since t0 = _start()."""
    cpu = thread_time()
    return perf_counter() - t0[0], cpu - t0[1]


# ---- numeric -------------------------------------------------------------

def bench_nbody(loops):
    PI = 3.14159265358979323
    SOLAR_MASS = 4 * PI * PI
    DAYS = 365.24
    bodies0 = [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
        ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
         [1.66007664274403694e-03 * DAYS, 7.69901118419740425e-03 * DAYS,
          -6.90460016972063023e-05 * DAYS], 9.54791938424326609e-04 * SOLAR_MASS),
        ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
         [-2.76742510726862411e-03 * DAYS, 4.99852801234917238e-03 * DAYS,
          2.30417297573763929e-05 * DAYS], 2.85885980666130812e-04 * SOLAR_MASS),
        ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
         [2.96460137564761618e-03 * DAYS, 2.37847173959480950e-03 * DAYS,
          -2.96589568540237556e-05 * DAYS], 4.36624404335156298e-05 * SOLAR_MASS),
        ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
         [2.68067772490389322e-03 * DAYS, 1.62824170038242295e-03 * DAYS,
          -9.51592254519715870e-05 * DAYS], 5.15138902046611451e-05 * SOLAR_MASS),
    ]
    t0 = _start()
    for _ in range(loops):
        bodies = [([*r], [*v], m) for r, v, m in bodies0]
        pairs = [(bodies[i], bodies[j]) for i in range(5) for j in range(i + 1, 5)]
        for _ in range(2000):
            for ((r1, v1, m1), (r2, v2, m2)) in pairs:
                dx, dy, dz = r1[0] - r2[0], r1[1] - r2[1], r1[2] - r2[2]
                mag = 0.01 * ((dx * dx + dy * dy + dz * dz) ** -1.5)
                b1m, b2m = m1 * mag, m2 * mag
                v1[0] -= dx * b2m; v1[1] -= dy * b2m; v1[2] -= dz * b2m
                v2[0] += dx * b1m; v2[1] += dy * b1m; v2[2] += dz * b1m
            for (r, (vx, vy, vz), m) in bodies:
                r[0] += 0.01 * vx; r[1] += 0.01 * vy; r[2] += 0.01 * vz
    return _elapsed(t0)


def bench_spectral_norm(loops):
    def a(i, j):
        return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)

    def av(x, n):
        return [sum(a(i, j) * x[j] for j in range(n)) for i in range(n)]

    def atv(x, n):
        return [sum(a(j, i) * x[j] for j in range(n)) for i in range(n)]

    n = 60
    t0 = _start()
    for _ in range(loops):
        u = [1.0] * n
        for _ in range(5):
            v = atv(av(u, n), n)
            u = atv(av(v, n), n)
        vbv = sum(x * y for x, y in zip(u, v))
        vv = sum(x * x for x in v)
        assert (vbv / vv) > 1
    return _elapsed(t0)


def bench_fannkuch(loops):
    def fannkuch(n):
        count = list(range(1, n + 1))
        max_flips = 0
        m = n - 1
        r = n
        perm1 = list(range(n))
        perm = list(range(n))
        perm1_ins = perm1.insert
        perm1_pop = perm1.pop
        while 1:
            while r != 1:
                count[r - 1] = r
                r -= 1
            if perm1[0] != 0 and perm1[m] != m:
                perm = perm1[:]
                flips = 0
                k = perm[0]
                while k:
                    perm[:k + 1] = perm[k::-1]
                    flips += 1
                    k = perm[0]
                if flips > max_flips:
                    max_flips = flips
            while r != n:
                perm1_ins(r, perm1_pop(0))
                count[r] -= 1
                if count[r] > 0:
                    break
                r += 1
            else:
                return max_flips

    t0 = _start()
    for _ in range(loops):
        assert fannkuch(8) == 22
    return _elapsed(t0)


class _Point:
    __slots__ = ("x", "y", "z")

    def __init__(self, i):
        import math
        self.x = x = math.sin(i)
        self.y = math.cos(i) * 3
        self.z = (x * x) / 2

    def normalize(self):
        n = (self.x * self.x + self.y * self.y + self.z * self.z) ** 0.5
        self.x /= n
        self.y /= n
        self.z /= n

    def maximize(self, other):
        self.x = max(self.x, other.x)
        self.y = max(self.y, other.y)
        self.z = max(self.z, other.z)
        return self


def bench_float(loops):
    t0 = _start()
    for _ in range(loops):
        points = [_Point(i) for i in range(20000)]
        for p in points:
            p.normalize()
        nxt = points[0]
        for p in points[1:]:
            nxt = nxt.maximize(p)
    return _elapsed(t0)


# ---- object-heavy ----------------------------------------------------------

class _Task:
    def __init__(self, ident, prio, work):
        self.ident, self.prio, self.work, self.done = ident, prio, work, 0
        self.packets = collections.deque()


def bench_richards(loops):
    """A scheduler of tasks passing packets, in the spirit of Richards."""
    t0 = _start()
    for _ in range(loops):
        tasks = [_Task(i, i % 7, 20 + i % 13) for i in range(60)]
        queue = sorted(tasks, key=lambda t: -t.prio)
        rng = random.Random(3)
        steps = 0
        while queue and steps < 30000:
            t = queue.pop(0)
            steps += 1
            if t.packets:
                pkt = t.packets.popleft()
                t.work -= pkt[1]
            else:
                t.work -= 1
            if t.work > 0:
                dest = tasks[rng.randrange(len(tasks))]
                dest.packets.append((t.ident, rng.randrange(1, 4), [0] * 4))
                idx = bisect.bisect_left([-q.prio for q in queue], -t.prio)
                queue.insert(idx, t)
            else:
                t.done = 1
        assert sum(t.done for t in tasks) > 0
    return _elapsed(t0)


class _Var:
    __slots__ = ("value", "constraints", "determined_by", "stay", "walk")

    def __init__(self, value=0):
        self.value, self.constraints, self.determined_by = value, [], None
        self.stay, self.walk = True, 0


class _EqualityConstraint:
    __slots__ = ("a", "b", "strength")

    def __init__(self, a, b, strength):
        self.a, self.b, self.strength = a, b, strength
        a.constraints.append(self)
        b.constraints.append(self)

    def execute(self):
        self.b.value = self.a.value


def bench_deltablue(loops):
    """Chains of equality constraints solved by propagation (DeltaBlue-like)."""
    t0 = _start()
    for _ in range(loops):
        n = 2000
        vs = [_Var(i) for i in range(n)]
        cs = [_EqualityConstraint(vs[i], vs[i + 1], i % 4) for i in range(n - 1)]
        for k in range(10):
            vs[0].value = k
            todo = collections.deque([vs[0]])
            while todo:
                v = todo.popleft()
                for c in v.constraints:
                    if c.a is v:
                        c.execute()
                        todo.append(c.b)
            assert vs[-1].value == k
        del cs
    return _elapsed(t0)


# ---- serialization ------------------------------------------------------

def _doc(n):
    rng = random.Random(5)
    return [{"id": i, "name": "item-%d" % i, "price": rng.random() * 100,
             "tags": ["t%d" % (i % 7), "u%d" % (i % 11)], "ok": bool(i % 2),
             "nested": {"a": [1, 2, 3], "b": None, "c": "x" * (i % 30)}} for i in range(n)]


def bench_json_dumps(loops):
    data = _doc(2000)
    t0 = _start()
    for _ in range(loops):
        json.dumps(data)
    return _elapsed(t0)


def bench_json_loads(loops):
    text = json.dumps(_doc(2000))
    t0 = _start()
    for _ in range(loops):
        json.loads(text)
    return _elapsed(t0)


def bench_pickle(loops):
    data = _doc(2000)
    t0 = _start()
    for _ in range(loops):
        pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    return _elapsed(t0)


def bench_unpickle(loops):
    blob = pickle.dumps(_doc(2000), protocol=pickle.HIGHEST_PROTOCOL)
    t0 = _start()
    for _ in range(loops):
        pickle.loads(blob)
    return _elapsed(t0)


# ---- regex and text -------------------------------------------------------

_LOG = "\n".join(
    "%d.%d.%d.%d - - [10/Oct/2026:13:%02d:%02d +0000] \"GET /p/%d?q=%x HTTP/1.1\" %d %d"
    % (i % 256, (i * 7) % 256, (i * 13) % 256, i % 100, i % 60, (i * 3) % 60, i, i * 31,
       200 if i % 9 else 404, i * 17 % 5000) for i in range(3000))


def bench_regex(loops):
    pat = re.compile(r'(\d+\.\d+\.\d+\.\d+) - - \[([^\]]+)\] "(\w+) ([^ ]+) [^"]+" (\d+) (\d+)')
    words = re.compile(r"\b[a-z]+\b")
    t0 = _start()
    for _ in range(loops):
        hits = 0
        for m in pat.finditer(_LOG):
            if m.group(5) == "404":
                hits += 1
        words.findall(_LOG)
        re.sub(r"q=([0-9a-f]+)", lambda m: m.group(1).upper(), _LOG)
        assert hits > 0
    return _elapsed(t0)


def bench_regex_compile(loops):
    pats = [r"a{%d,%d}b+(c|d)*e?" % (i % 5, i % 5 + 3) for i in range(60)] + \
           [r"(?P<x%d>[A-Z]\w+)\s+\d{2,4}" % i for i in range(60)]
    t0 = _start()
    for _ in range(loops):
        re.purge()
        for p in pats:
            re.compile(p)
    return _elapsed(t0)


def bench_template(loops):
    row = string.Template("<tr><td>$id</td><td>$name</td><td>$price</td></tr>")
    data = _doc(500)
    t0 = _start()
    for _ in range(loops):
        out = io.StringIO()
        out.write("<table>")
        for d in data:
            out.write(row.substitute(id=d["id"], name=d["name"].title(),
                                     price="%.2f" % d["price"]))
            out.write("<p>{0} {1!r} {2:>8}</p>".format(d["tags"], d["ok"], d["id"]))
        out.write("</table>")
        assert len(out.getvalue()) > 1000
    return _elapsed(t0)


def bench_text_split_join(loops):
    text = _LOG * 2
    t0 = _start()
    for _ in range(loops):
        lines = text.split("\n")
        fields = [line.split(" ") for line in lines]
        counts = collections.Counter(f[0] for f in fields)
        "\n".join(" ".join(reversed(f)) for f in fields)
        assert counts
    return _elapsed(t0)


# ---- sqlite, xml, compression ----------------------------------------------

def bench_sqlite(loops):
    t0 = _start()
    for _ in range(loops):
        db = sqlite3.connect(":memory:")
        db.execute("create table t (id integer primary key, name text, v real)")
        db.executemany("insert into t (name, v) values (?, ?)",
                       (("n%d" % i, i * 0.5) for i in range(3000)))
        db.execute("create index ti on t (name)")
        total = db.execute("select sum(v) from t where name like 'n1%'").fetchone()[0]
        rows = db.execute("select name, v from t order by v desc limit 500").fetchall()
        db.close()
        assert total and len(rows) == 500
    return _elapsed(t0)


def _xml_tree(n):
    root = ET.Element("root")
    for i in range(n):
        e = ET.SubElement(root, "item", id=str(i), kind="k%d" % (i % 5))
        ET.SubElement(e, "name").text = "name %d" % i
        ET.SubElement(e, "value").text = str(i * 3)
    return root


def bench_xml_generate(loops):
    t0 = _start()
    for _ in range(loops):
        ET.tostring(_xml_tree(2000))
    return _elapsed(t0)


def bench_xml_parse(loops):
    blob = ET.tostring(_xml_tree(2000))
    t0 = _start()
    for _ in range(loops):
        root = ET.fromstring(blob)
        assert len(root.findall("item")) == 2000
    return _elapsed(t0)


def bench_zlib(loops):
    data = _LOG.encode() * 4
    t0 = _start()
    for _ in range(loops):
        z = zlib.compress(data, 6)
        assert zlib.decompress(z) == data
    return _elapsed(t0)


# ---- startup, asyncio ---------------------------------------------------------

def bench_startup(loops):
    """A fresh interpreter (-I -S -c pass), started with the same environment,
    so the child runs under the same allocator as the parent."""
    cmd = [sys.executable, "-I", "-S", "-c", "pass"]
    t0 = _start()
    for _ in range(loops):
        subprocess.run(cmd, check=True)
    return _elapsed(t0)


def bench_asyncio(loops):
    async def worker(q, out):
        while True:
            item = await q.get()
            if item is None:
                return
            out.append({"k": item, "v": [item] * 3})

    async def main():
        q = asyncio.Queue()
        out = []
        workers = [asyncio.create_task(worker(q, out)) for _ in range(20)]
        for i in range(5000):
            await q.put(i)
        for _ in workers:
            await q.put(None)
        await asyncio.gather(*workers)
        return len(out)

    t0 = _start()
    for _ in range(loops):
        assert asyncio.run(main()) == 5000
    return _elapsed(t0)


# ---- system calls ----------------------------------------------------------

def bench_syscalls(loops):
    """Real system calls, the cheap kind whose cost a seccomp filter changes
    most: getppid, read of /dev/zero, write to /dev/null, lseek, fstat and
    stat of "/" (no vDSO calls: clock_gettime and time never enter the
    kernel)."""
    zero = os.open("/dev/zero", os.O_RDONLY)
    null = os.open("/dev/null", os.O_WRONLY)
    buf = b"x" * 64
    getppid, read, write, lseek, fstat, stat = (os.getppid, os.read, os.write, os.lseek,
                                                os.fstat, os.stat)
    try:
        t0 = _start()
        for _ in range(loops):
            for _ in range(1000):
                getppid()
                read(zero, 64)
                write(null, buf)
                lseek(zero, 0, 0)
                fstat(zero)
                stat("/")
        return _elapsed(t0)
    finally:
        os.close(zero)
        os.close(null)


# ---- allocator stressors ----------------------------------------------------

def bench_dict_churn(loops):
    t0 = _start()
    for _ in range(loops):
        live = []
        for i in range(20000):
            d = {"a": i, "b": str(i), "c": (i, i + 1), i: [i] * (i % 8)}
            if i % 3:
                d.update({"x%d" % k: k for k in range(i % 12)})
            live.append(d)
            if len(live) > 2000:
                del live[: 1000]
    return _elapsed(t0)


def bench_list_churn(loops):
    t0 = _start()
    for _ in range(loops):
        lists = [[] for _ in range(500)]
        for i in range(40000):
            lst = lists[i % 500]
            lst.append(i)
            if len(lst) > (i % 97) + 10:
                lists[i % 500] = lst[len(lst) // 2:]
    return _elapsed(t0)


def bench_bytes_churn(loops):
    sizes = [8, 24, 100, 300, 700, 1500, 4000, 9000, 30000, 70000, 200000]
    t0 = _start()
    for _ in range(loops):
        rng = random.Random(11)
        live = collections.deque()
        for i in range(6000):
            live.append(b"x" * sizes[rng.randrange(len(sizes))])
            if len(live) > 300:
                live.popleft()
    return _elapsed(t0)


def bench_bytearray_churn(loops):
    t0 = _start()
    for _ in range(loops):
        rng = random.Random(13)
        bufs = [bytearray() for _ in range(64)]
        for i in range(20000):
            b = bufs[rng.randrange(64)]
            b.extend(b"y" * rng.randrange(1, 2000))
            if len(b) > 256 * 1024:
                del b[: len(b) // 2 + 1]
    return _elapsed(t0)


def bench_fragmentation(loops):
    """Allocate many, free every other one, then allocate larger blocks that
    cannot reuse the holes."""
    t0 = _start()
    for _ in range(loops):
        small = [bytes(200 + (i % 50)) for i in range(40000)]
        del small[::2]
        big = [bytes(600 + (i % 100)) for i in range(15000)]
        small.clear()
        mid = [array.array("d", range(i % 64 + 8)) for i in range(20000)]
        del big, mid
    return _elapsed(t0)


def bench_threads_alloc(loops):
    """Eight threads building and dropping containers: allocator contention
    (under the GIL the allocator still sees interleaved threads)."""
    def work(seed):
        rng = random.Random(seed)
        keep = []
        for i in range(4000):
            keep.append([rng.random()] * rng.randrange(1, 64))
            keep.append("s%d" % i * rng.randrange(1, 8))
            if len(keep) > 400:
                keep = keep[200:]

    t0 = _start()
    for _ in range(loops):
        ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    return _elapsed(t0)


# ---- the table -------------------------------------------------------------

# (name, group, where its timed work runs, function, description); where:
# "thread" (the benchmark's own thread: its cpu values count all of it),
# "threads" (other threads too) or "processes" (child processes too).
BENCHMARKS = [
    ("nbody", "numeric", "thread", bench_nbody,
     "n-body simulation of the Jovian planets, floats in lists"),
    ("spectral_norm", "numeric", "thread", bench_spectral_norm,
     "spectral norm of an infinite matrix"),
    ("fannkuch", "numeric", "thread", bench_fannkuch,
     "pancake-flipping permutations, list slicing"),
    ("float", "numeric", "thread", bench_float, "20k small objects with float attributes"),
    ("richards", "objects", "thread", bench_richards,
     "task scheduler passing packets (Richards-like)"),
    ("deltablue", "objects", "thread", bench_deltablue,
     "constraint propagation over chains (DeltaBlue-like)"),
    ("json_dumps", "serialization", "thread", bench_json_dumps, "json.dumps of 2000 records"),
    ("json_loads", "serialization", "thread", bench_json_loads, "json.loads of 2000 records"),
    ("pickle", "serialization", "thread", bench_pickle, "pickle.dumps of 2000 records"),
    ("unpickle", "serialization", "thread", bench_unpickle, "pickle.loads of 2000 records"),
    ("regex", "regex", "thread", bench_regex, "access-log parsing: finditer, findall, sub"),
    ("regex_compile", "regex", "thread", bench_regex_compile,
     "compiling 120 patterns after re.purge"),
    ("template", "text", "thread", bench_template,
     "string.Template and str.format into an HTML table"),
    ("text_split_join", "text", "thread", bench_text_split_join,
     "split, Counter and join of log text"),
    ("sqlite", "sqlite", "thread", bench_sqlite, "in-memory sqlite3: insert, index, query"),
    ("xml_generate", "xml", "thread", bench_xml_generate,
     "xml.etree building and serializing a tree"),
    ("xml_parse", "xml", "thread", bench_xml_parse, "xml.etree parsing and findall"),
    ("zlib", "compression", "thread", bench_zlib, "zlib compress and decompress of log text"),
    ("startup", "startup", "processes", bench_startup, "starting python -I -S -c pass"),
    ("asyncio", "asyncio", "thread", bench_asyncio, "asyncio queue with 20 workers"),
    ("syscalls", "syscalls", "thread", bench_syscalls,
     "6000 cheap real syscalls: getppid, read, write, lseek, fstat, stat"),
    ("dict_churn", "stress", "thread", bench_dict_churn, "creating and dropping many small dicts"),
    ("list_churn", "stress", "thread", bench_list_churn, "growing and slicing many lists"),
    ("bytes_churn", "stress", "thread", bench_bytes_churn,
     "bytes of mixed sizes, 8 B to 200 KB, FIFO"),
    ("bytearray_churn", "stress", "thread", bench_bytearray_churn,
     "growing and trimming bytearrays"),
    ("fragmentation", "stress", "thread", bench_fragmentation,
     "allocate many, free every other, allocate larger"),
    ("threads_alloc", "stress", "threads", bench_threads_alloc,
     "eight threads allocating containers"),
]

_BY_NAME = {b[0]: b for b in BENCHMARKS}


def _die(msg):
    print("allocswap_suite: " + msg, file=sys.stderr)
    sys.exit(2)


def _lookup(name):
    """The table's row of benchmark name."""
    if name not in _BY_NAME:
        _die("unknown benchmark '%s'; known: %s" % (name, " ".join(_BY_NAME)))
    return _BY_NAME[name]


def main(argv):
    p = argparse.ArgumentParser(prog="allocswap_suite")
    p.add_argument("--list", action="store_true", help="print the table as JSON lines")
    sub = p.add_subparsers(dest="cmd")
    c = sub.add_parser("calibrate")
    c.add_argument("name")
    c.add_argument("--target-ms", type=float, default=100.0)
    r = sub.add_parser("run")
    r.add_argument("name")
    r.add_argument("--loops", type=int, required=True)
    r.add_argument("--values", type=int, default=3)
    r.add_argument("--warmups", type=int, default=1)
    a = p.parse_args(argv)
    if a.list:
        for name, group, where, _, desc in BENCHMARKS:
            print(json.dumps({"name": name, "group": group, "runs_on": where,
                              "description": desc}))
        return 0
    if a.cmd == "calibrate":
        fn = _lookup(a.name)[3]
        loops = 1
        fn(1)  # warm-up: imports, caches
        while True:
            dt = fn(loops)[0]
            if dt * 1000.0 >= a.target_ms or loops >= 1 << 20:
                break
            loops *= 2
        print(json.dumps({"name": a.name, "loops": loops, "seconds": dt}))
        return 0
    if a.cmd == "run":
        row = _lookup(a.name)
        fn = row[3]
        if a.loops < 1 or a.values < 1 or a.warmups < 0:
            _die("--loops and --values must be >= 1 and --warmups >= 0")
        warm = [fn(a.loops) for _ in range(a.warmups)]
        vals = [fn(a.loops) for _ in range(a.values)]
        print(json.dumps({"name": a.name, "loops": a.loops,
                          "warmups": [w / a.loops for w, _ in warm],
                          "values": [w / a.loops for w, _ in vals],
                          "cpu_warmups": [c / a.loops for _, c in warm],
                          "cpu_values": [c / a.loops for _, c in vals],
                          "cpu_complete": row[2] == "thread"}))
        return 0
    p.print_usage(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
