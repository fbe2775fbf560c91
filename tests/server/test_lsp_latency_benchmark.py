"""The latency benchmark runs end to end (at its --quick size); its timings
are reported, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_latency_benchmark_prints_its_table():
    done = subprocess.run([sys.executable, "benchmarks/lsp_latency.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "100 lines" in done.stdout and "| completion |" in done.stdout
