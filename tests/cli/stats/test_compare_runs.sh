#!/bin/sh
# `allocswap compare` of two bench runs made at different times (not
# interleaved), on small result directories written here by hand: 4
# benchmarks (1..4 ms) x system and jemalloc x 5 processes, each value the
# true time x a shift x (1 +- up to 2%, a fixed LCG), meta.json with its own
# start time.
# - A/A with a 7% shift common to every benchmark and configuration of the
#   second run: system against system (nothing else in common to take the
#   drift out) is not significant, and a line says why (the drift
#   allowance); with --drift 0 the same shift reads as significant, so the
#   allowance is what decides;
# - jemalloc against jemalloc across the same runs is taken relative to
#   each run's system: the shift cancels, not significant, a line says so;
# - a real difference: jemalloc 1.25x faster in the second run, relative to
#   its system, is found on every benchmark and in the geometric mean;
# - one run (a directory and its copy) is compared as before: no such line;
# - bad --drift and --reference values exit 2 with one line.
#
# usage: test_compare_runs.sh ALLOCSWAP
set -u
A=$1
T_NAME=runs
. "$(dirname "$0")/lib.sh"

# write_run DIR STARTED SEED SHIFT JEMALLOC [FAILED]: a bench directory;
# every time x SHIFT, jemalloc's also x JEMALLOC; every system process of
# benchmark FAILED (a number) killed by SIGSEGV
write_run() {
	mkdir -p "$1" || exit 1
	sys=system/glibc/host/pymalloc=on/seccomp=none
	jem=jemalloc/glibc/host/pymalloc=on/seccomp=none
	cat >"$1/meta.json" <<EOF || exit 1
{"schema": "allocswap.bench/1", "allocswap": {"version": "0.1.0", "commit": "test"},
 "command": ["allocswap", "bench", "-o", "$1"], "started": "$2", "finished": "$2",
 "host": {"hostname": "testhost", "kernel": "6.1.0-test", "cpu": "Test CPU", "nproc": 2, "mem_bytes": 8589934592},
 "python": {"path": "/usr/bin/python3", "version": "3.11.2"}, "libcs": {"glibc": "2.36"},
 "allocators": {"jemalloc": {"version": "5.3.0", "path": null, "libc": "glibc"}},
 "matrix": {"suite": "builtin", "configs": [
  {"id": "$sys", "allocator": "system", "libc": "glibc", "image": "host", "pymalloc": "on", "seccomp": "none"},
  {"id": "$jem", "allocator": "jemalloc", "libc": "glibc", "image": "host", "pymalloc": "on", "seccomp": "none"}],
  "benchmarks": [{"name": "bench_0", "group": "t"}, {"name": "bench_1", "group": "t"},
                 {"name": "bench_2", "group": "t"}, {"name": "bench_3", "group": "t"}],
  "runs": 5, "values": 3, "warmups": 0, "loops": {}}}
EOF
	awk -v seed="$3" -v shift="$4" -v jf="$5" -v fb="${6:--1}" -v sys="$sys" -v jem="$jem" 'BEGIN {
		x = seed
		for (r = 0; r < 5; r++)
			for (b = 0; b < 4; b++)
				for (c = 0; c < 2; c++) {
					t = 0.001 * (b + 1) * shift * (c ? jf : 1)
					if (!c && b == fb) {
						printf "{\"schema\": \"allocswap.run/1\", \"bench\": \"bench_%d\", \"config\": \"%s\", \"run\": %d, \"status\": \"failed\", \"error\": \"killed by signal 11 (Segmentation fault)\", \"values\": [], \"time\": %d}\n", b, sys, r, r
						continue
					}
					printf "{\"schema\": \"allocswap.run/1\", \"bench\": \"bench_%d\", \"config\": \"%s\", \"run\": %d, \"status\": \"ok\", \"loops\": 1, \"values\": [", b, c ? jem : sys, r
					for (v = 0; v < 3; v++) {
						x = (x * 69069 + 1) % 4294967296 # exact in doubles
						printf "%s%.9g", v ? ", " : "", t * (1 + 0.04 * (x / 4294967296 - 0.5))
					}
					printf "], \"warmups\": [], \"proc\": {\"wall_ns\": 100000000, \"maxrss\": 40000000}, \"report\": null, \"time\": %d}\n", r
				}
	}' >"$1/runs.jsonl" || exit 1
}

write_run "$T/mon" 2026-01-05T09:00:00Z 1 1 1
write_run "$T/mon2" 2026-01-05T09:20:00Z 2 1.07 1
write_run "$T/tue" 2026-01-06T09:00:00Z 3 1.07 0.8

# ---- A/A, a 7% shift common to the second run ------------------------------------------------
run "$T/cmp" "$A" compare "$T/mon:system" "$T/mon2:system"
expect_count "$T/cmp" '^\| bench_[0-3] \| [0-9.]+ (ms|us) \| [0-9.]+ (ms|us): not significant \|$' 4 "7% shift, rows"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| not significant \|$' "7% shift, geometric mean"
expect_count "$T/cmp" '^Not interleaved: ' 1 "7% shift: one line says why"
expect_in "$T/cmp" '^Not interleaved: A and B come from different bench runs \(both are system/glibc/host/pymalloc=on/seccomp=none, .*\), so a difference common to all benchmarks cannot be told from drift between the runs: every CI is widened by a drift allowance of 11% each way .*1\.11x slower' "7% shift: why"
expect_in "$T/cmp" '^0 of 4 benchmarks significant \(t-test on the log of the ratio, beyond the 11% drift allowance' "7% shift: count"
expect_in "$T/cmp" '^Geometric mean over 4 benchmarks: 1\.07x slower \(\+7%\), 95% CI with the 11% drift allowance: .* to .* \(speed-up 0\.9[0-9]+, CI 0\.[0-9]+-1\.[0-9]+; measurement alone 0\.9[0-9]+-0\.9[0-9]+\)\.$' "7% shift: the CI with and without the allowance"
run "$T/cmp" "$A" compare "$T/mon:system" "$T/mon2:system" --drift 0
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 1\.07x slower \(\+7%\) \|$' "--drift 0: the shift is significant"
expect_in "$T/cmp" '^Not interleaved: .*with --drift 0 a difference common to all benchmarks is taken as real' "--drift 0 says so"
run "$T/cmp" "$A" compare "$T/mon:system" "$T/mon2:system" --drift 5%
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 1\.07x slower \(\+7%\) \|$' "--drift 5%: beyond it"
expect_in "$T/cmp" 'drift allowance of 5% each way and only a difference beyond it is significant \(--drift\)\.$' "--drift 5%: stated"

# ---- relative to a reference both runs hold ---------------------------------------------------
run "$T/cmp" "$A" compare "$T/mon:jemalloc" "$T/mon2:jemalloc"
expect_count "$T/cmp" ': not significant \|$' 4 "relative: rows"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| not significant \|$' "relative: geometric mean"
expect_in "$T/cmp" "^Not interleaved: A and B come from different bench runs, so each is taken relative to its own run's system/glibc/host/pymalloc=on/seccomp=none: .* a drift common to a run cancels" "relative: why"
expect_in "$T/cmp" "^Geometric mean over 4 benchmarks, relative to each run's system/glibc/host/pymalloc=on/seccomp=none: .*95% CI: .* \(speed-up (0\.9[89]|1\.0[0-2])[0-9]*, CI " "relative: close to 1"
# the same runs without the reference: the shift stays inside the allowance
run "$T/cmp" "$A" compare "$T/mon:jemalloc" "$T/mon2:jemalloc" --reference none
expect_in "$T/cmp" '^Not interleaved: A and B come from different bench runs \(--reference none\)' "--reference none"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| not significant \|$' "--reference none: within the allowance"

# a real difference: jemalloc 1.25x faster relative to its run's system
run "$T/cmp" "$A" compare "$T/mon:jemalloc" "$T/tue:jemalloc"
expect_count "$T/cmp" '^\| bench_[0-3] \| [0-9.]+ (ms|us) \| [0-9.]+ (ms|us): 1\.2[3-7]x faster \(-[12][0-9]%\) \|$' 4 "1.25x: rows"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 1\.2[4-6]x faster \(-20%\) \|$' "1.25x: geometric mean"
expect_in "$T/cmp" '^4 of 4 benchmarks significant \(t-test on the log of the ratio of ratios' "1.25x: count"
# system of the first run against jemalloc of the second: compared with the
# second run's own system, interleaved
run "$T/cmp" "$A" compare "$T/mon:system" "$T/tue:jemalloc"
expect_in "$T/cmp" "^Not interleaved: A and B come from different bench runs, and A is system/glibc/host/pymalloc=on/seccomp=none, which B's run holds too: B is compared with that, in its own run" "A the reference: why"
expect_in "$T/cmp" '^\| Geometric mean \| \(ref\) \| 1\.2[4-6]x faster \(-20%\) \|$' "A the reference: 1.25x, the 7% shift gone"

# the reference failed on a benchmark of one run: that row has no ratio
write_run "$T/wed" 2026-01-07T09:00:00Z 4 1 1 2
run "$T/cmp" "$A" compare "$T/mon:jemalloc" "$T/wed:jemalloc"
expect_in "$T/cmp" '^\| bench_2 \| [0-9.]+ ms \| [0-9.]+ ms: n/a \(too few reference runs\) \|$' "reference FAILED: n/a"
expect_in "$T/cmp" '^0 of 3 benchmarks significant' "reference FAILED: 3 compared"

# ---- one run: as before ------------------------------------------------------------------------
cp -r "$T/mon" "$T/moncopy"
for b in "$T/mon:jemalloc" "$T/mon/runs.jsonl:jemalloc" "$T/moncopy:jemalloc"; do
	run "$T/cmp" "$A" compare "$T/mon:system" "$b"
	expect_not_in "$T/cmp" '^Not interleaved' "one run ($b)"
	expect_in "$T/cmp" "^0 of 4 benchmarks significant \(Welch's t-test on per-process means" "one run ($b): Welch"
done

# ---- bad usage ---------------------------------------------------------------------------------
usage_error "--drift 'abc' is not a percentage from 0 to 100; give one such as 11 or 11%" "$A" compare "$T/mon:system" "$T/mon2:system" --drift abc
usage_error "--drift '150' is not a percentage" "$A" compare "$T/mon:system" "$T/mon2:system" --drift 150
usage_error "--reference 'nosuch' is neither a configuration id nor an allocator of .*/mon \(A's run\); configurations there: system/glibc/host/pymalloc=on/seccomp=none, jemalloc/glibc/host/pymalloc=on/seccomp=none, or none" "$A" compare "$T/mon:jemalloc" "$T/mon2:jemalloc" --reference nosuch
usage_error "--reference needs" "$A" compare "$T/mon:jemalloc" "$T/mon2:jemalloc" --reference=
run "$T/h" "$A" compare --help
for opt in --reference --drift "Not interleaved|not: a drift"; do expect_in "$T/h" "$opt" "compare --help: $opt"; done

t_done test_compare_runs
