"""Shared fixtures: run the `esker` command as a user would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass
class Completed:
    status: int
    stdout: str
    stderr: str


def run_esker(*args: str, cwd: Path | str | None = None, input: str | None = None,
              env: dict[str, str] | None = None, timeout: float = 120) -> Completed:
    """Run `python -m esker.vm ARGS...` and capture its output."""
    full_env = dict(os.environ, **(env or {}))
    process = subprocess.run([sys.executable, "-m", "esker.vm", *args], cwd=cwd, input=input,
                             capture_output=True, text=True, env=full_env, timeout=timeout)
    return Completed(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def esker():
    return run_esker
