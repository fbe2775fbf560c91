"""Helpers for the checker tests: parse Esker source and check it."""

from __future__ import annotations

from esker.vm.checker import CheckResult, check
from esker.vm.modules import ModuleLoader
from esker.vm.parser import parse


def check_source(text: str, path: str = "<test>", loader: ModuleLoader | None = None) -> CheckResult:
    """Parse `text` (which must be free of syntax errors) and check it."""
    parsed = parse(text, path)
    assert not parsed.diagnostics, [d.format(path) for d in parsed.diagnostics]
    return check(parsed.program, parsed.source, loader or ModuleLoader(extra_path=[]))
