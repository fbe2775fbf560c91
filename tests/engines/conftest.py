"""The engine tests use the VM tests' helpers (`vm_support`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "vm"))

from esker.vm.deep import RECURSION_LIMIT  # noqa: E402

# Running a program raises Python's recursion limit; raising it once up front
# keeps it steady for hypothesis, which warns when it changes.
sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
