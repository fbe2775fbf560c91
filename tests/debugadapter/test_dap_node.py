"""The main scenarios again, through Node.js and `@vscode/debugadapter-testsupport`'s
DebugClient (node/scenarios.test.js), when Node.js and its packages are present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scenario import PROGRAMS

NODE_TESTS = Path(__file__).parent / "node"


def _adapter_script() -> Path | None:
    """The `esker-dap` console script, which DebugClient runs as `python SCRIPT`."""
    script = Path(sys.executable).with_name("esker-dap")
    if script.is_file() and "python" in script.read_text(errors="replace").splitlines()[0]:
        return script
    return None


def test_debug_client_scenarios():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    if not (NODE_TESTS / "node_modules" / "@vscode" / "debugadapter-testsupport").is_dir():
        pytest.skip("run `npm ci` in tests/debugadapter/node to install the DebugClient")
    script = _adapter_script()
    if script is None:
        pytest.skip("the esker-dap console script is not installed beside this Python")
    environment = dict(os.environ, ESKER_DAP_PYTHON=sys.executable, ESKER_DAP_SCRIPT=str(script),
                       ESKER_DAP_PROGRAMS=str(PROGRAMS))
    result = subprocess.run([node, "--test", "scenarios.test.js"], cwd=NODE_TESTS, env=environment,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
