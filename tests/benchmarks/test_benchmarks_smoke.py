"""The benchmark runner works and every engine agrees on every benchmark.

Timings are never asserted; this only checks that `python -m benchmarks`
runs end to end (at the small --quick sizes) and that the three engines
print the same results.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_quick_benchmarks_agree_across_engines():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "geometric mean" in done.stdout
    for name in ["fib", "nbody", "fannkuch", "binary_trees", "generators", "methods"]:
        assert name in done.stdout


def test_the_repl_benchmark_runs_and_both_ways_print_the_same():
    done = subprocess.run([sys.executable, "benchmarks/repl.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| 200 |" in done.stdout and "REPL / file" in done.stdout
