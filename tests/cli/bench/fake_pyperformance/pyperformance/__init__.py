"""A stand-in for pyperformance, for tests/cli/bench only.

It understands just what `allocswap bench --suite pyperformance` uses:
``python -m pyperformance list`` and ``python -m pyperformance run
--inherit-environ VARS -b NAME -o FILE [--fast]``, and writes pyperf's JSON
format "1.0" the way pyperf does: metadata shared by all runs moved up a
level (with one benchmark in the file, its name ends up at the top).
"""
__version__ = "0.0-fake"
