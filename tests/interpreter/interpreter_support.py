"""Helpers for the interpreter tests: run Esker source on the tree-walker."""

from __future__ import annotations

import io
import sys
import textwrap

import pytest

from esker.vm.interpreter import Interpreter
from esker.vm.modules import ModuleLoader
from esker.vm.parser import parse
from esker.vm.deep import RECURSION_LIMIT
from esker.vm.runtime.errors import EskerError, error_kind

# Running a program raises Python's recursion limit; raising it once up front
# keeps it steady for tests that watch it (hypothesis warns when it changes).
sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))


#: Esker helpers for tests to prepend: `note(x)` records x in `log` and returns it
#: (to watch evaluation order), and `next_id()` counts its calls in `calls`.
HELPERS = """
let log = []
fn note(x) {
    log.push(x)
    return x
}
let calls = 0
fn next_id() {
    calls += 1
    return calls
}
"""


def run(text: str, path: str = "test.esk", loader: ModuleLoader | None = None, **options) -> str:
    """The output of a program (dedented), which must parse and finish without an uncaught error."""
    parsed = parse(textwrap.dedent(text), path)
    assert not parsed.diagnostics, [d.format(path) for d in parsed.diagnostics]
    out = io.StringIO()
    interpreter = Interpreter(loader=loader or ModuleLoader(extra_path=[]), stdout=out, **options)
    interpreter.run_program(parsed.program, parsed.source)
    return out.getvalue()


def lines(text: str, **options) -> list[str]:
    return run(text, **options).splitlines()


def uncaught(text: str, path: str = "test.esk", loader: ModuleLoader | None = None, **options) -> EskerError:
    """The error a program ends with."""
    with pytest.raises(EskerError) as caught:
        run(text, path, loader, **options)
    return caught.value


def kind_of(text: str) -> str | None:
    """The kind of the runtime error a program ends with."""
    return error_kind(uncaught(text).value)
