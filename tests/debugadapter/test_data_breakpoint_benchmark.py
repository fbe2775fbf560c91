"""The data breakpoint benchmark still runs end to end (its figures are read
by people, never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_data_breakpoint_benchmark_runs_quickly_at_small_sizes():
    done = subprocess.run([sys.executable, "benchmarks/data_breakpoints.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("watching another struct's field") == 2
