"""The engine tests use the VM tests' helpers (`vm_support`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "vm"))
