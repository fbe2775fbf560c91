"""Fixtures for the editor tests: the Node.js tools the VS Code tests run
(those tests skip, with the reason, when the tools are not installed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from editor_support import VSCODE


@pytest.fixture(scope="session")
def node_bin() -> Path:
    """The extension's `node_modules/.bin`, with everything the tests call."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    folder = VSCODE / "node_modules" / ".bin"
    missing = [tool for tool in ("tsc", "esbuild", "vsce", "vscode-tmgrammar-test") if not (folder / tool).exists()]
    if missing:
        pytest.skip(f"the extension's npm packages are not installed ({', '.join(missing)}): run editors/setup.sh")
    return folder
