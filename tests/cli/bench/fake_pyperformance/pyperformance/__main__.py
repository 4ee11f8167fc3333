"""python -m pyperformance, faked (see __init__.py).

Benchmarks: fake_a (one pyperf benchmark), fake_multi (two: fake_multi_x and
fake_multi_y, as pyperformance's "logging" gives several), fake_crash (exits
1).  Each benchmark has a calibration run and two worker runs; each worker
is a real process started with only the --inherit-environ variables (and
PATH), like pyperf's.
"""
import json
import os
import subprocess
import sys
import time

BENCHES = {"fake_a": ["fake_a"], "fake_multi": ["fake_multi_x", "fake_multi_y"],
           "fake_crash": None}
WORKER = "import time; t = time.perf_counter(); sum(range(20000)); print(time.perf_counter() - t)"


def worker(inherit):
    env = {k: os.environ[k] for k in inherit if k in os.environ}
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    if os.environ.get("FAKE_PYPERF_DROP_PRELOAD"):
        env.pop("LD_PRELOAD", None)  # a worker the allocator never reached
    out = subprocess.run([sys.executable, "-c", WORKER, "--worker"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip()) / 8


def main(argv):
    if argv[:1] == ["list"]:
        print("default tagged benchmarks:\n")
        for name in BENCHES:
            print("- " + name)
        print("\nTotal: %d benchmarks" % len(BENCHES))
        return 0
    if argv[:1] != ["run"]:
        print("fake pyperformance: unsupported: %r" % argv, file=sys.stderr)
        return 2
    args = argv[1:]
    inherit, names, out = [], None, None
    while args:
        a = args.pop(0)
        if a == "--inherit-environ":
            inherit = args.pop(0).split(",")
        elif a == "-b":
            names = args.pop(0).split(",")
        elif a == "-o":
            out = args.pop(0)
        elif a == "--fast":
            pass
        else:
            print("fake pyperformance: unknown option %s" % a, file=sys.stderr)
            return 2
    if not names or not out:
        print("fake pyperformance: -b and -o are required", file=sys.stderr)
        return 2
    if os.path.exists(out):
        print("ERROR: the output file %s already exists" % out, file=sys.stderr)
        return 1
    pyperf_names = []
    for n in names:
        if n not in BENCHES:
            print("ERROR: unknown benchmark %s" % n, file=sys.stderr)
            return 1
        if BENCHES[n] is None:
            print("ERROR: Benchmark %s failed: RuntimeError: crashed on purpose" % n,
                  file=sys.stderr)
            return 1
        pyperf_names += BENCHES[n]
    common = {"python_version": sys.version.split()[0], "unit": "second"}
    benchmarks = []
    for name in pyperf_names:
        runs = [{"metadata": {"calibrate_loops": 8, "date": time.ctime()},
                 "warmups": [[1, 0.001], [2, 0.0009], [4, 0.0008], [8, 0.0008]]}]
        for _ in range(2):
            t0 = time.perf_counter()
            values = [worker(inherit) for _ in range(3)]
            runs.append({"metadata": {"date": time.ctime(), "mem_max_rss": 9000000,
                                      "duration": time.perf_counter() - t0},
                         "warmups": [[8, values[0]]], "values": values})
        benchmarks.append({"metadata": {"name": name, "loops": 8}, "runs": runs})
    if len(benchmarks) == 1:
        # pyperf moves what all benchmarks share to the top: the name too
        common.update(benchmarks[0].pop("metadata"))
    with open(out, "w") as f:
        json.dump({"version": "1.0", "metadata": common, "benchmarks": benchmarks}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
