"""The shared conformance programs on the tree-walker, in process (the same
comparisons as conformance/run.py: stdout exactly, exit status, and the first
line and the frames' functions and lines of stderr)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from esker.vm.interpreter import Interpreter
from esker.vm.parser import parse
from esker.vm.runtime.errors import EskerError, format_uncaught
from tests.conftest import SHARED

SUITE = SHARED / "conformance"
FRAME = re.compile(r"^\s+at (\S+) \((.+):(\d+):(\d+)\)\s*$")


def _programs() -> list[Path]:
    if not SUITE.is_dir():
        return []
    found = sorted(SUITE.glob("*.esk")) + sorted(SUITE.glob("*/main.esk"))
    return [path for path in found if "tree" in _read(path.with_suffix(".engines"), "tree").split()]


def _read(path: Path, default: str) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else default


def _frames(report: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(3)) for match in map(FRAME.match, report.splitlines()[1:]) if match]


@pytest.mark.parametrize("path", _programs(), ids=lambda path: str(path.relative_to(SUITE)))
def test_conformance_program(path: Path, monkeypatch):
    monkeypatch.chdir(path.parent)
    parsed = parse(path.read_text(encoding="utf-8"), path.name)
    out, status, report = io.StringIO(), 0, ""
    try:
        Interpreter(stdout=out).run_program(parsed.program, parsed.source)
    except EskerError as error:
        status, report = 1, format_uncaught(error)
    assert out.getvalue() == _read(path.with_suffix(".out"), "")
    assert status == int(_read(path.with_suffix(".status"), "0"))
    expected_report = _read(path.with_suffix(".err"), None)
    if expected_report is not None:
        assert report.splitlines()[0] == expected_report.splitlines()[0]
        assert _frames(report) == _frames(expected_report)
