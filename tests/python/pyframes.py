"""Python frames in sampled allocation stacks (liballoc/as_pyframes.h).

    pyframes.py --preload LIBSWAP --allocator BACKEND [--python PYTHON]
                [--source libunwind|python]

Runs pyframes_work.py under libswap with ALLOCSWAP_STATS=full,
ALLOCSWAP_SAMPLE_BYTES=64K, a report and a folded-stacks file, then checks:

  * the report's sampling.python: frames read, CPython 3.11, no frame
    that failed its type checks, every site's eval frames paired up with
    its Python frames;
  * alloc_a, alloc_b (in a thread) and the CJK-named function are each
    named "QUALNAME (FILE:LINE)" with the exact line of their allocation
    (the "# site:" markers), in the report's frames and in the folded
    file, under the right caller: main then <module>, or Thread.run;
  * nest(), 12 levels deep through map(): all its 13 frames, the native
    frames between them as far as they were kept, and the Python frames
    left after them (main, <module>), in the report and the folded file;
  * mixed stacks (--source libunwind): native frames below the Python
    ones, no _PyEval_EvalFrameDefault left where Python frames stand in
    for it; Python-only stacks (--source python, no libunwind): the
    Python frames alone, leaf first;
  * the estimates: each sample of an n-byte block stands for n/p bytes,
    p = 1 - exp(-n/mean), and each of N blocks is sampled with
    probability p, so an estimate's relative standard deviation is
    sqrt((1-p)/(N p)): 0.7% for alloc_a (12288 blocks), 1.2% for alloc_b,
    2.4% for the third (1024).
    Each must be within 5 of those of the truth (N blocks of
    sys.getsizeof(bytes(65536)) bytes, what bytes() asks malloc for), the
    ratio a/b within 5 of its own (1.4%) of 3; the folded file's bytes
    equal the report's.

Exit status 0 when all hold, 1 otherwise, with one line per failure.
"""

import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "pyframes_work.py")
BLOCK = 65536
MEAN = 65536
A = 3 * 4096
COUNTS = {"alloc_a": A, "alloc_b": A // 3, "分配": A // 12}
SIGMAS = 5
PYFRAME = re.compile(r"[^ ;()]+ \([^;]*:\d+\)")  # "qualname (file:line)"

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what)
    return ok


def markers():
    """'# site: NAME' -> line number in pyframes_work.py."""
    lines = {}
    with open(WORK, encoding="utf-8") as f:
        for i, text in enumerate(f, 1):
            m = re.search(r"# site: (\S+)$", text.rstrip())
            if m:
                lines[m.group(1)] = i
    return lines


def rel_sd(n_blocks, size):
    p = 1 - math.exp(-size / MEAN)
    return math.sqrt((1 - p) / (n_blocks * p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preload", required=True)
    ap.add_argument("--allocator", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--source", default="libunwind", choices=["libunwind", "python"])
    args = ap.parse_args()

    line = markers()
    size = sys.getsizeof(bytes(BLOCK))
    want = {}  # name -> frame text
    for name in COUNTS:
        want[name] = "%s (%s:%d)" % (name, WORK, line[name])
    caller_frame = {"alloc_a": "main (%s:%d)" % (WORK, line["main_a"]),
                    "分配": "main (%s:%d)" % (WORK, line["main_c"])}

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update({
            "LD_PRELOAD": args.preload,
            "ALLOCSWAP_ALLOCATOR": args.allocator,
            "ALLOCSWAP_STATS": "full",
            "ALLOCSWAP_SAMPLE_BYTES": "64K",
            "ALLOCSWAP_REPORT": os.path.join(tmp, "r-%p.json"),
            "ALLOCSWAP_SITES": os.path.join(tmp, "f-%p.folded"),
        })
        env.pop("PYTHONMALLOC", None)
        r = subprocess.run([args.python, WORK, str(A)], env=env)
        if r.returncode:
            print("FAIL: %s %s exited %d" % (args.python, WORK, r.returncode))
            return 1
        reports = glob.glob(os.path.join(tmp, "r-*.json"))
        folded = glob.glob(os.path.join(tmp, "f-*.folded"))
        if len(reports) != 1 or len(folded) != 1:
            print("FAIL: expected one report and one folded file, got %s" % os.listdir(tmp))
            return 1
        with open(reports[0], encoding="utf-8") as f:
            rep = json.load(f)
        with open(folded[0], encoding="utf-8") as f:
            folded_lines = f.read().splitlines()

    smp = rep["sampling"]
    py = smp.get("python", {})
    check(smp["source"] == args.source, "sampling.source is %r, not %r" % (smp["source"], args.source))
    check(py.get("frames") is True, "sampling.python.frames is not true: %r" % py)
    check(str(py.get("version", "")).startswith("3.11."), "sampling.python.version: %r" % py.get("version"))
    for key in ("bad_frames", "unmatched_sites", "truncated", "names_dropped"):
        check(py.get(key) == 0, "sampling.python.%s is %r, not 0" % (key, py.get(key)))
    check(smp["dropped_samples"] == 0, "dropped samples: %r" % smp["dropped_samples"])

    est = {}
    for name, text in want.items():
        sites = [s for s in rep["sites"] if text in s["frames"]]
        if not check(sites, "no site in the report has the frame %r" % text):
            continue
        est[name] = sum(s["bytes"] for s in sites)
        for s in sites:
            fr = s["frames"]
            i = fr.index(text)
            check("python_matched" not in s, "%s: native and Python frames not paired up" % name)
            check(not any(f.startswith("_PyEval_EvalFrameDefault+") for f in fr),
                  "%s: _PyEval_EvalFrameDefault left in a mixed stack: %r" % (name, fr))
            if args.source == "python":
                check(i == 0, "%s: not the leaf of a Python-only stack: %r" % (name, fr))
            else:
                check(i > 0 and " (/" in fr[0] and "+0x" in fr[0],
                      "%s: no native frame below it: %r" % (name, fr))
            # the Python callers, past the native frames of C-level calls
            callers = [f for f in fr[i + 1:] if PYFRAME.fullmatch(f)]
            if name == "alloc_b":
                check(callers and re.fullmatch(r"Thread\.run \(.*/threading\.py:\d+\)", callers[0]),
                      "alloc_b: called from %r, not Thread.run (threading.py)" % callers[:1])
            else:
                check(callers[:1] == [caller_frame[name]],
                      "%s: called from %r, not %r" % (name, callers[:1], caller_frame[name]))
                check(len(callers) > 1 and callers[1].startswith("<module> (%s:" % WORK),
                      "%s: main not called from <module>: %r" % (name, fr))

    # nest: deeper than the native frames kept, all its Python frames there
    nest_leaf = "nest (%s:%d)" % (WORK, line["nest"])
    nest_call = "nest (%s:%d)" % (WORK, line["nest_call"])
    main_nest = "main (%s:%d)" % (WORK, line["main_nest"])
    sites = [s["frames"] for s in rep["sites"] if nest_leaf in s["frames"]]
    if check(sites, "no site in the report has the frame %r" % nest_leaf):
        for fr in sites:
            py = [f for f in fr if PYFRAME.fullmatch(f)]
            check(py[:13] == [nest_leaf] + [nest_call] * 12 and py[13:14] == [main_nest]
                  and py[14].startswith("<module> (%s:" % WORK) and fr[-1] == py[-1],
                  "nest: not its 13 frames, main and <module> at the root: %r" % fr)
    nest_lines = [ln for ln in folded_lines if nest_leaf in ln.rpartition(" ")[0].split(";")]
    check(nest_lines and all(ln.startswith("<module> (%s:" % WORK) for ln in nest_lines),
          "folded: nest's stacks do not start at <module>: %r" % nest_lines[:1])

    # folded: root first, "frame;frame;... BYTES"
    fold = {}
    for ln in folded_lines:
        stack, _, n = ln.rpartition(" ")
        frames = stack.split(";")
        for name, text in want.items():
            if text in frames:
                fold[name] = fold.get(name, 0) + int(n)
                i = frames.index(text)
                if name != "alloc_b":
                    check(i >= 2 and frames[i - 1] == caller_frame[name],
                          "folded: %s not under %s: %s" % (name, caller_frame[name], ln))
                if args.source == "python":
                    check(frames[-1] == text and all(PYFRAME.fullmatch(f) for f in frames),
                          "folded: not a Python-only stack: %s" % ln)
                else:
                    check(not PYFRAME.fullmatch(frames[0]) and not PYFRAME.fullmatch(frames[-1]),
                          "folded: no native frames around %s: %s" % (name, ln))
    for name in want:
        check(fold.get(name) == est.get(name),
              "folded bytes of %s %r differ from the report's %r" % (name, fold.get(name), est.get(name)))

    for name, n in COUNTS.items():
        if name not in est:
            continue
        truth = n * size
        sd = rel_sd(n, size)
        err = est[name] / truth - 1
        print("%s: estimate %d, truth %d (%+.2f%%, bound +-%.2f%%)"
              % (name, est[name], truth, 100 * err, 100 * SIGMAS * sd))
        check(abs(err) <= SIGMAS * sd, "%s: estimate %d is %+.2f%% off the truth %d"
              % (name, est[name], 100 * err, truth))
    if "alloc_a" in est and "alloc_b" in est:
        ratio = est["alloc_a"] / est["alloc_b"]
        sd = math.hypot(rel_sd(COUNTS["alloc_a"], size), rel_sd(COUNTS["alloc_b"], size))
        print("alloc_a/alloc_b: %.3f (3 +-%.3f)" % (ratio, 3 * SIGMAS * sd))
        check(abs(ratio / 3 - 1) <= SIGMAS * sd, "alloc_a/alloc_b is %.3f, not 3" % ratio)
    print("pyframes.py: %s" % ("ok" if not failures else "%d failures" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
