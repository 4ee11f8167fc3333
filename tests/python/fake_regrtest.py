#!/usr/bin/python3
"""A stand-in for `python -m test`, to check that pyregress sees differences.

    fake_regrtest.py -m test -j N --junit-xml FILE --tempdir DIR TEST...

Prints a regrtest-like summary and writes JUnit XML the way CPython's
test.support.testresult does (ElementTree; outcomes as child elements).
FAKE_REGRTEST_DIFF=ALLOC:KIND makes the run under ALLOCSWAP_ALLOCATOR=ALLOC
differ from the others: KIND is 'case' (one test case fails), 'skip' (one
passing case is skipped instead), 'extra' (one more test case), 'summary'
(a module is listed as failed) or 'status' (exit status 2).
"""
import os
import sys
import xml.etree.ElementTree as ET

args = sys.argv[1:]
if args[:2] != ["-m", "test"]:
    sys.exit("fake_regrtest.py: expects -m test")
xml = args[args.index("--junit-xml") + 1]
tests = [a for a in args[2:] if a.startswith("test_")]

alloc = os.environ.get("ALLOCSWAP_ALLOCATOR", "")
want, _, kind = os.environ.get("FAKE_REGRTEST_DIFF", "").partition(":")
diff = kind if alloc and alloc == want else ""

suites = ET.Element("testsuites")
suite = ET.SubElement(suites, "testsuite")


def case(name, child=None, text=None, **attrs):
    e = ET.SubElement(suite, "testcase")
    if name:
        e.set("name", name)
        e.set("status", "run")
        e.set("result", "completed")
        e.set("time", "0.001")
    if child:
        c = ET.SubElement(e, child)
        for k, v in attrs.items():
            c.set(k, v)
        c.text = text


for t in tests:
    m = "test.%s.T" % t
    case(m + ".test_pass")
    case(m + '.test_quoted("a" & <b>)')
    if diff == "case":
        case(m + ".test_b", "failure", "Traceback <...> & more", type="AssertionError",
             message="1 != 2")
    elif diff == "skip":
        case(m + ".test_b", "skipped", "needs 'cpu' resource")
    else:
        case(m + ".test_b")
    case(m + ".test_skip", "skipped", "requires <something> & \"more\"")
    case(m + ".test_err", "error", "Traceback...", type="OSError", message="x\ny")
    case(m + ".test_xfail", "output", "expected", type="AssertionError", message="m")
    case(None)  # ended without a result (unexpected success, failed subtest)
    if diff == "extra":
        case(m + ".test_extra")
ET.ElementTree(suites).write(xml)

failed = tests[:1] if diff == "summary" else []
print("0:00:00 load avg: 0.00 Run tests in parallel using 2 child processes")
print()
print("== Tests result: %s ==" % ("FAILURE" if failed else "SUCCESS"))
print()
print("%d tests OK." % (len(tests) - len(failed)))
if failed:
    print()
    print("1 test failed:")
    print("    " + failed[0])
print()
print("Total duration: 1 sec (%s)" % (alloc or "baseline"))  # differs, not compared
sys.exit(2 if diff == "status" else 0)
