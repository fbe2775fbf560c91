"""The compiled tier against the VM and the tree-walker: every conformance
program and generated programs must print the same and fail the same way
(traces included) whether code runs in the VM alone, compiled from the start
(threshold 0), compiled as soon as it is entered twice (threshold 1: the
tiers mix, loops switch in mid-run) or at the default threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import SHARED
from tier_support import run_mode
from test_vm_differential import programs as vm_programs

CONFORMANCE = SHARED / "conformance"
PROGRAMS = [path for suite in (CONFORMANCE, CONFORMANCE / "v0.2")
            for path in sorted(suite.glob("*.esk")) + sorted(suite.glob("*/main.esk"))]
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("**/*.esk"))
TIERED = ("tier0", "tier1", "tier")


def _engines(path: Path) -> list[str]:
    """The engines a conformance program runs on (all, unless it says)."""
    engines = path.with_suffix(".engines")
    return engines.read_text().split() if engines.exists() else ["tree", "vm"]


def _runnable(path: Path) -> bool:
    """Programs that need no arguments or standard input and run on the VM
    (those that do run compiled in CI's `--tier-threshold 0` conformance run)."""
    if "vm" not in _engines(path):
        return False
    return not path.with_suffix(".args").exists() and not path.with_suffix(".stdin").exists()


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="the shared conformance suite is not here")
@pytest.mark.parametrize("path", [p for p in PROGRAMS if _runnable(p)],
                         ids=lambda path: str(path.relative_to(CONFORMANCE)))
def test_conformance_program(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    text = path.read_text(encoding="utf-8")
    expected = run_mode(text, "vm", path=path.name)
    assert expected.startswith(path.with_suffix(".out").read_text(encoding="utf-8"))
    if "tree" in _engines(path):
        assert run_mode(text, "tree", path=path.name) == expected, "tree"
    for mode in TIERED:
        assert run_mode(text, mode, path=path.name) == expected, mode


@pytest.mark.parametrize("path", [p for p in EXAMPLES if _runnable(p)], ids=lambda path: path.name)
def test_example_program(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    text = path.read_text(encoding="utf-8")
    expected = run_mode(text, "vm", path=path.name)
    for mode in ("tier0", "tier1"):
        assert run_mode(text, mode, path=path.name) == expected, mode


# ------------------------------------------------------------------ generated programs

def _agree_on_every_engine(program: str) -> None:
    """The tree-walker and the tier at thresholds 0, 1 and the default print
    what the VM alone prints."""
    expected = run_mode(program, "vm")
    assert run_mode(program, "tree") == expected, program
    for mode in ("tier0", "tier1", "tier"):
        assert run_mode(program, mode) == expected, (mode, program)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vm_programs())
def test_generated_programs_agree(program):
    _agree_on_every_engine(program)


_OPERANDS = st.sampled_from(["n", "k", "acc", "p.x", "p.y", "1", "2", "0.5", "-3", '"s"', "nil", "[1, 2]"])


@st.composite
def _value(draw, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(_OPERANDS)
    left, right = draw(_value(depth + 1)), draw(_value(depth + 1))
    kind = draw(st.sampled_from(["+", "-", "*", "//", "%", "<", "==", "call", "method", "gen"]))
    if kind == "call":
        return f"helper({left}, {right})"
    if kind == "method":
        return f"p.mix({left})"
    if kind == "gen":
        return f"total(upto({left}))"
    return f"({left} {kind} {right})"


@st.composite
def recursive_programs(draw) -> str:
    """Recursion, tail calls, struct methods, generators and handlers mixed with
    loops hot enough to switch tiers while they run."""
    body = [f"acc = acc + {draw(_value())}" for _ in range(draw(st.integers(1, 3)))]
    guarded = draw(st.booleans())
    lines = [
        "struct P { x, y = 2", "fn mix(self, v) { self.x = self.x + 1; return (v, self.x) } }",
        "fn upto(n) { let i = 0; try { while i < 3 { yield i; i += 1 } } finally { print(\"upto\", n) } }",
        "fn total(g) { let t = 0; for v in g { t += v }; return t }",
        "fn helper(a, b) { if a == b { return a }; return (a, b) }",
        f"fn walk(n, acc) {{ if n <= 0 {{ return acc }}; return walk(n - 1, acc) }}",
        "fn rec(n, k) {",
        "    let p = P(n)",
        "    let acc = 0",
        *(["    try {"] if guarded else []),
        *("    " + line for line in body),
        *(["    } catch e { print(\"caught\", e) }"] if guarded else []),
        "    if n <= 0 { return acc }",
        "    return (rec(n - 1, k), acc)",
        "}",
        f"for k in 0..{draw(st.integers(1, 4))} {{",
        f"    print(rec({draw(st.integers(0, 4))}, k), walk({draw(st.integers(0, 50))}, k))",
        "}",
    ]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recursive_programs())
def test_generated_recursive_programs_agree(program):
    _agree_on_every_engine(program)


_CONDITIONS = st.sampled_from(["i % 3 == 0", "i > 4", "j == 2", "i + j > 6", "t % 2 == 1", "false"])


@st.composite
def _loop_body(draw, depth: int) -> list[str]:
    """Statements of a loop: counting, exits of every kind, and nested loops."""
    lines = [f"t += {draw(st.sampled_from(['i', 'j', '1', 'i * j']))}"]
    for _ in range(draw(st.integers(1, 3))):
        condition = draw(_CONDITIONS)
        kind = draw(st.sampled_from(["return", "break", "continue", "throw", "nested", "plain", "try"]))
        if kind == "try" and depth < 2:
            lines.append(draw(_try_statement(depth)))
        elif kind == "return":
            lines.append(f"if {condition} {{ return (t, {draw(st.sampled_from(['i', 'j', '-1']))}) }}")
        elif kind == "throw":
            lines.append(f'if {condition} {{ throw Error(kind: "Stop", message: str(t)) }}')
        elif kind in ("break", "continue"):
            lines.append(f"if {condition} {{ j += 1; {kind} }}")
        elif kind == "nested" and depth < 2:
            inner = draw(_loop_body(depth + 1))
            loop = draw(st.sampled_from(["while j < 4", "for j in 0..3", "while true"]))
            lines.append(f"{loop} {{ j += 1; if j > 5 {{ break }}; " + "; ".join(inner) + " }")
        else:
            lines.append("t = t * 2 % 1000")
    return lines


_EXITS = st.sampled_from(["", "", "j += 1; break", "j += 1; continue", "return (t, -2)",
                          'throw Error(kind: "Inner", message: str(t))', "t += 1"])


@st.composite
def _try_statement(draw, depth: int) -> str:
    """try/catch/finally inside a loop: errors thrown in its body (and by the
    callee), and break, continue, return and throw in any of its blocks,
    which the finally block may replace by one of its own."""
    body = "; ".join(draw(_loop_body(depth + 1)))
    condition = draw(_CONDITIONS)
    statement = f"try {{ {body}; if {condition} {{ {draw(_EXITS)} }}; t += risky(t) }}"
    caught = draw(st.booleans())
    if caught:
        statement += f" catch e {{ t += 3; if {draw(_CONDITIONS)} {{ {draw(_EXITS)} }} }}"
    if draw(st.booleans()) or not caught:
        statement += f' finally {{ t += 5; if {draw(_CONDITIONS)} {{ {draw(_EXITS)} }} }}'
    return statement


@st.composite
def loop_programs(draw) -> str:
    """Functions whose loops are left by return, break, continue and throw,
    at several depths: the shapes the structured translation must keep."""
    body = draw(_loop_body(0))
    header = draw(st.sampled_from(["while i < 9", "for i in 0..9", "while true"]))
    step = "i += 1; " if header != "for i in 0..9" else ""
    return ("fn risky(t) { if t % 7 == 3 { throw t }; return 1 }\n"
            "fn f(n) {\n    let (t, i, j) = (n, 0, 0)\n"
            f"    {header} {{ {step}j = 0; if i > 12 {{ break }}; " + "; ".join(body) + " }\n"
            "    return (t, i)\n}\n"
            "for n in 0..4 { try { print(f(n)) } catch e { print(e) } }\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loop_programs())
def test_generated_loop_exits_agree(program):
    _agree_on_every_engine(program)
