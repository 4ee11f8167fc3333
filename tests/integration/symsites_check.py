"""symsites_check.py MODE ...: checks for symsites.sh and symsites_nopie.sh.

listing|folded FILE SRCDIR [MODULE]: what `allocswap sites` wrote for a run
of symsites (symsites_main.c and symsites_lib.c, any build of them) against
the lines marked SITE:NAME in SRCDIR's sources.  listing: FILE is its listing; churn_list < symsites_run
< main is #1 by bytes (32 MiB +-30%), one_block [inlined] < fill_table <
symsites_run < main #2 by bytes and #1 by live bytes (8 MiB +-40%), and
MODULE (a full path, or "re:" and a regex for one) reads "file:line from
DWARF in the file itself".  folded: FILE is its --folded output; well-formed lines, and
a stack ending in each of the two, root first, with their bytes.

paths REPORT FOLDED PROG: libswap's report and folded file name PROG's own
frames by PROG's full path ("?? (PROG+0x...)", "PROG+0x..."), and no frame
lacks a full module path; "skip: REASON" when libswap sampled nothing.

elf PROG: "EXEC" or "DYN", and the program interpreter (PT_INTERP).

Exits with one line saying what was wrong."""
import json
import struct
import os
import re
import sys


def site_lines(src):
    """{NAME: line} of the SITE:NAME marks."""
    lines = {}
    for name in ("symsites_lib.c", "symsites_main.c"):
        with open(os.path.join(src, name)) as f:
            for n, text in enumerate(f, 1):
                m = re.search(r"SITE:(\w+) ", text)
                if m:
                    lines[m.group(1)] = n
    for want in ("one_block", "fill_table", "churn_list", "run_fill", "run_churn", "main"):
        if want not in lines:
            sys.exit("symsites_check: no SITE:%s in the sources" % want)
    return lines


def listing(text, at, module):
    lib, mainc = r"\(/\S*/symsites_lib\.c:%d\)", r"\(/\S*/symsites_main\.c:%d\)"

    def frames(*fr):
        return r"\n".join(r"      " + f for f in fr) + r"\n"

    live = frames(r"one_block " + lib % at["one_block"] + r" \[inlined\]",
                  r"fill_table " + lib % at["fill_table"],
                  r"symsites_run " + lib % at["run_fill"], r"main " + mainc % at["main"])
    churned = frames(r"churn_list " + lib % at["churn_list"],
                     r"symsites_run " + lib % at["run_churn"], r"main " + mainc % at["main"])
    if "\nBy bytes still live at exit:\n" not in text:
        return "no 'By bytes still live at exit' list"
    by_bytes, by_live = text.split("\nBy bytes still live at exit:\n")
    head = r"  #(\d)  ([0-9.]+) MiB[^\n]*\n"
    m = re.search(head + churned, by_bytes)
    if not m or m.group(1) != "1":
        return "by bytes: #1 is not churn_list < symsites_run < main"
    if not 32 * 0.7 <= float(m.group(2)) <= 32 * 1.3:
        return "churn_list: %s MiB, want 32 +-30%%" % m.group(2)
    m = re.search(head + live, by_bytes)
    if not m or m.group(1) != "2":
        return "by bytes: #2 is not one_block < fill_table < symsites_run < main"
    m = re.search(r"  #1  ([0-9.]+) MiB live[^\n]*\n" + live, by_live)
    if not m:
        return "by live: #1 is not one_block < fill_table < symsites_run < main"
    if not 8 * 0.6 <= float(m.group(1)) <= 8 * 1.4:
        return "fill_table: %s MiB live, want 8 +-40%%" % m.group(1)
    if "churn_list" in by_live.split("\n\n")[0]:
        return "churn_list is not live at exit"
    pattern = module[3:] if module.startswith("re:") else re.escape(module)
    if not re.search(r"\n  %s: file:line from DWARF in the file itself\n" % pattern, by_live):
        return "no note 'file:line from DWARF in the file itself' for %s" % module
    return None


def folded(text, at):
    lines = text.split("\n")
    if lines[-1] != "":
        return "no newline at the end"
    bad = [ln for ln in lines[:-1] if not re.fullmatch(r"[^;]+(;[^;]+)* [0-9]+", ln)]
    if bad:
        return "%d malformed folded lines: %r" % (len(bad), bad[:3])
    fill = ("main (symsites_main.c:%d);symsites_run (symsites_lib.c:%d);"
            "fill_table (symsites_lib.c:%d);one_block (symsites_lib.c:%d)"
            % (at["main"], at["run_fill"], at["fill_table"], at["one_block"]))
    churn = ("main (symsites_main.c:%d);symsites_run (symsites_lib.c:%d);"
             "churn_list (symsites_lib.c:%d)" % (at["main"], at["run_churn"], at["churn_list"]))
    for stack, want, pct in ((fill, 8 << 20, 40), (churn, 32 << 20, 30)):
        got = [int(ln.rsplit(" ", 1)[1]) for ln in lines[:-1]
               if (";" + ln.rsplit(" ", 1)[0]).endswith(";" + stack)]
        if not got:
            return "no folded stack ending in '%s'" % stack
        if not want * (100 - pct) // 100 <= sum(got) <= want * (100 + pct) // 100:
            return "%d bytes under %s, want %d +-%d%%" % (sum(got), stack.split(";")[-1], want, pct)
    return None


def paths(report, folded_file, prog):
    r = json.load(open(report))
    if r["sampling"]["source"] == "none":
        print("skip: " + (r["sampling"].get("reason") or "no reason given"))
        return None
    name, full = os.path.basename(prog), re.escape(prog)
    frames = [f for s in r["sites"] for f in s["frames"]]
    mine = [f for f in frames if name in f]
    # two sites, each: its function, the caller, main, and under glibc
    # _start below libc's start (musl's stacks end in its loader's)
    want = 6 if any("/ld-musl-" in f for f in frames) else 8
    if len(mine) < want:
        return "report: fewer than %d frames of %s: %s" % (want, name, frames)
    for f in mine:
        if not re.fullmatch(r"(\?\?|\S+\+0x[0-9a-f]+) \(%s\+0x[0-9a-f]+\)" % full, f):
            return "report: %r is not '?? (%s+0x...)'" % (f, prog)
    bare = [f for f in frames if re.search(r"\((0x[0-9a-f]+|[^/][^()]*\+0x[0-9a-f]+)\)$", f)]
    if bare:
        return "report: frames without a full module path: %s" % bare
    lines = open(folded_file).read().split("\n")[:-1]
    ff = [f for ln in lines for f in ln.rsplit(" ", 1)[0].split(";")]
    mine = [f for f in ff if name in f]
    if len(mine) < want:
        return "folded: fewer than %d frames of %s: %s" % (want, name, lines[:2])
    for f in mine:
        if not re.fullmatch(r"%s\+0x[0-9a-f]+" % full, f):
            return "folded: %r is not '%s+0x...'" % (f, prog)
    bare = [f for f in ff if re.fullmatch(r"0x[0-9a-f]+|[^/]\S*\+0x[0-9a-f]+", f)]
    if bare:
        return "folded: frames without a full module path: %s" % bare
    return None


def elf(prog):
    with open(prog, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return "not a 64-bit ELF file"
        kind, = struct.unpack_from("<H", h, 16)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        interp = "-"
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            t, _, off, _, _, size = struct.unpack("<IIQQQQ", f.read(40))
            if t == 3:  # PT_INTERP
                f.seek(off)
                interp = f.read(size).rstrip(b"\0").decode()
    print({2: "EXEC", 3: "DYN"}.get(kind, "type%d" % kind), interp)
    return None


USAGE = ("usage: symsites_check.py listing FILE SRCDIR MODULE | folded FILE SRCDIR | "
         "paths REPORT FOLDED PROG | elf PROG")


def main():
    n = {"listing": 5, "folded": 4, "paths": 5, "elf": 3}.get(sys.argv[1] if len(sys.argv) > 1
                                                              else "")
    if len(sys.argv) != n:
        sys.exit(USAGE)
    if sys.argv[1] in ("paths", "elf"):
        why = paths(*sys.argv[2:]) if sys.argv[1] == "paths" else elf(sys.argv[2])
        if why:
            sys.exit("symsites_check: %s: %s" % (sys.argv[-1], why))
        return
    with open(sys.argv[2]) as f:
        text = f.read()
    at = site_lines(sys.argv[3])
    why = listing(text, at, sys.argv[4]) if sys.argv[1] == "listing" else folded(text, at)
    if why:
        sys.exit("symsites_check: %s: %s" % (sys.argv[2], why))


main()
