"""python -m pyperformance, faked (see __init__.py).

Benchmarks: fake_a (one pyperf benchmark), fake_multi (two: fake_multi_x and
fake_multi_y, as pyperformance's "xml_etree" gives xml_etree_generate and
others), fake_crash (exits 1).  Each benchmark has a calibration run and two
worker runs of 3 values after 1 warm-up; each worker is a real process
started with only the --inherit-environ variables (and PATH), like pyperf's.

The venv, as pyperformance 1.14 keeps it: ``run`` uses
./venv/<python id>-compat-<id> under its working directory, making it when
it is not there; ``venv show`` says where it is and whether it exists,
``venv create`` makes it (and fails when it exists).  With
FAKE_PYPERF_VENV_LOG set, each of them appends a line to that file:
"create ROOT" (venv create), "run-create ROOT" (run had to make it),
"run-reuse ROOT".

FAKE_PYPERF_CORRELATED=1: every worker of one invocation gives the same
values, up to 0.1%, around a level drawn once per invocation (0.5x to 2x):
workers that are not independent, as pyperf's back-to-back workers under
a changing load are not.
"""
import json
import os
import random
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


def venv_root():
    name = "fake%d.%d-compat-0" % sys.version_info[:2]
    return os.path.abspath(os.path.join("venv", name))


def venv_log(what, root):
    log = os.environ.get("FAKE_PYPERF_VENV_LOG")
    if log:
        with open(log, "a") as f:
            f.write("%s %s\n" % (what, root))


def venv_make(root):
    os.makedirs(os.path.join(root, "bin"))
    with open(os.path.join(root, "pyvenv.cfg"), "w") as f:
        f.write("home = %s\n" % os.path.dirname(sys.executable))


def venv(args):
    root = venv_root()
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "--venv":
            root = args.pop(0)
    action = args.pop(0) if args else "show"
    while args:
        a = args.pop(0)
        if a in ("-b", "--inherit-environ", "--venv"):
            value = args.pop(0)
            if a == "--venv":
                root = value
        else:
            print("fake pyperformance: venv: unknown option %s" % a, file=sys.stderr)
            return 2
    exists = os.path.exists(os.path.join(root, "pyvenv.cfg"))
    if action == "show":
        print("Virtual environment path: %s (%s)" %
              (root, "already created" if exists else "not created yet"))
        return 0
    if action == "create":
        if exists:
            print("ERROR: the virtual environment already exists at %s" % root,
                  file=sys.stderr)
            return 1
        venv_make(root)
        venv_log("create", root)
        print("The virtual environment %s has been created" % root)
        return 0
    print("fake pyperformance: venv %s: unsupported" % action, file=sys.stderr)
    return 2


def main(argv):
    if argv[:1] == ["venv"]:
        return venv(argv[1:])
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
    root = venv_root()
    if os.path.exists(os.path.join(root, "pyvenv.cfg")):
        venv_log("run-reuse", root)
    else:
        venv_make(root)
        venv_log("run-create", root)
    correlated = os.environ.get("FAKE_PYPERF_CORRELATED")
    level = random.Random().uniform(0.5, 2.0) * 1e-4
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
            if correlated:
                values = [level * random.uniform(0.999, 1.001) for _ in values]
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
