"""Whole programs: the conformance suite's expectations, and robustness on
arbitrary parser output."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm.checker import check
from esker.vm.diagnostics import Severity
from esker.vm.modules import ModuleLoader
from esker.vm.parser import parse

SUITE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
PROGRAMS = sorted(SUITE.glob("*.esk")) + sorted(SUITE.glob("13_modules/*.esk"))
DIAGNOSED = sorted(SUITE.glob("14_diagnostics/*.esk"))


def analyse(path: Path):
    """Parser and checker diagnostics of a file, as the CLI would see them."""
    parsed = parse(path.read_text(encoding="utf-8"), str(path))
    checked = check(parsed.program, parsed.source, ModuleLoader(extra_path=[]))
    return parsed.diagnostics + checked.diagnostics


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_conformance_programs_have_no_errors(path):
    found = [d.format(path.name) for d in analyse(path) if d.severity == Severity.ERROR]
    assert found == []


@pytest.mark.parametrize("path", DIAGNOSED, ids=lambda p: p.name)
def test_conformance_diagnostics_are_reported_where_expected(path):
    expected = [line.split() for line in path.with_suffix(".diag").read_text().splitlines() if line.strip()]
    found = analyse(path)
    for where, severity in expected:
        place = tuple(int(part) for part in where.split(":"))
        hits = [d for d in found if (d.span.line, d.span.col)[:len(place)] == place and d.severity.label == severity]
        assert hits, f"no {severity} at {where}: {[d.format(path.name) for d in found]}"
    error_lines = {int(where.split(":")[0]) for where, severity in expected if severity == "error"}
    assert [d.format(path.name) for d in found
            if d.severity == Severity.ERROR and d.span.line not in error_lines] == []


FRAGMENTS = [
    "let x = 1", "x = 2", "x += y", "const K = 3", "K = 4", "let (a, b) = (1, 2)", "(a, b) = (b, a)",
    "fn f(a, b = a, ...c) { return a + b }", "f(1)", "f(1, 2, 3, k: 4)", "fn g() { yield 1 }",
    "break", "continue", "return", "yield 1", "throw x", "struct P { x, y = 1\n fn m(self) { return self.x } }",
    "enum E { A(v), B }", "print(match x { E.A(v) | E.B => v, P(x: 1, z) => z, _ => 1, q => q })",
    "P(x: 1, x: 2, w: 3)", "P.m()", "E.C", "E.A(1, 2)", "import nothing_here", "import a.b as c", "c.d",
    "for i, v in [1] { print(i) }", "while x { break }", "try { throw 1 } catch e { }",
    "let h = fn (q) => q", "math.pi = 1", "math.nope()", "x.y.z = 3", "{", "}", "(", ")", "|", "=>", ",",
    "match", "fn", "let", "if x { } else if y { } else { }", "[first, ...rest]", "{\"k\": 1}", "Error(kind: 1)",
]


# `check` walks the tree on a thread with a deep stack, which raises the
# process-wide recursion limit once; hypothesis notices and says so.
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(["\n", "; ", " ", " { ", " }\n"])),
                max_size=12))
def test_check_never_raises_on_parser_output(pieces):
    text = "".join(fragment + separator for fragment, separator in pieces)
    parsed = parse(text, "<random>")
    result = check(parsed.program, parsed.source, ModuleLoader(extra_path=[]))
    for diagnostic in result.diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)
    for offset in range(0, len(text) + 1, 7):
        result.symbols.symbol_at(offset)
        result.symbols.visible_at(offset)


DEEP = {"prefix": "-" * 2900 + "y", "method-chain": "y" + ".m()" * 2900, "conditional": "y ? 1 : " * 2900 + "2"}


@pytest.mark.parametrize("expression", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_expressions_are_checked_without_overflow(expression):
    parsed = parse(f"let y = 1\nlet x = {expression}\nprint(x)\n", "<deep>")
    result = check(parsed.program, parsed.source, ModuleLoader(extra_path=[]))
    assert [d.code for d in result.diagnostics] == []
