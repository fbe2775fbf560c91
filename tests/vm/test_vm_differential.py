"""The register VM against the tree-walker: every conformance program and
generated programs (expressions, loops, closures, exceptions, generators)
must print the same and fail the same way on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import SHARED
from vm_support import run

CONFORMANCE = SHARED / "conformance"
PROGRAMS = sorted(CONFORMANCE.glob("*.esk")) + sorted(CONFORMANCE.glob("*/main.esk"))


def _engines(path: Path) -> list[str]:
    listed = path.with_suffix(".engines")
    return listed.read_text().split() if listed.exists() else ["vm", "tree"]


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="the shared conformance suite is not here")
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda path: str(path.relative_to(CONFORMANCE)))
def test_conformance_program(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    text = path.read_text(encoding="utf-8")
    vm = run(text, "vm", path=path.name)
    assert vm.stdout == path.with_suffix(".out").read_text(encoding="utf-8")
    expected_error = path.with_suffix(".err")
    if expected_error.exists():
        assert vm.error.splitlines()[0] == expected_error.read_text().splitlines()[0]
    if "tree" in _engines(path):
        assert run(text, "tree", path=path.name).text == vm.text


# ------------------------------------------------------------------ generated programs

NAMES = ["a", "b", "c"]
_SMALL = st.integers(-3, 12).map(str) | st.sampled_from(["0.5", "2.0", "-1.5", "true", "nil", '"s"'])


def _expression(draw, names: list[str], depth: int) -> str:
    leaf = draw(st.booleans()) if depth < 3 else True
    if leaf:
        return draw(st.sampled_from(names) | _SMALL)
    kind = draw(st.sampled_from(["binary", "compare", "logic", "not", "cond", "neg", "call", "match", "closure",
                                 "member", "slice"]))
    left = _expression(draw, names, depth + 1)
    right = _expression(draw, names, depth + 1)
    if kind == "binary":
        return f"({left} {draw(st.sampled_from(['+', '-', '*', '//', '%', '/', '&', '<<']))} {right})"
    if kind == "compare":
        return f"({left} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {right})"
    if kind == "logic":
        return f"({left} {draw(st.sampled_from(['and', 'or']))} {right})"
    if kind == "not":
        return f"(not {left})"
    if kind == "cond":
        return f"({left} ? {right} : {_expression(draw, names, depth + 1)})"
    if kind == "neg":
        return f"(-{left})"
    if kind == "member":
        container = draw(st.sampled_from([f"[{right}, 2]", f"({right}, 1.0)", "0..4", '"s1"', f"{{{right}: 1}}"]))
        return f"({left} {draw(st.sampled_from(['in', 'not in']))} {container})"
    if kind == "slice":
        return f"len([a, b, c, 1][{left}:{right}])"
    if kind == "closure":  # may run a closure that assigns a captured variable
        return f"({left} + (len(setters) > 0 ? setters[-1]() : 0))"
    if kind == "match":
        return (f"(match {left} {{ 0 | 1 => {right}, (x, y) => x, n if n == {right} => n, "
                f"_ => {_expression(draw, names, depth + 1)} }})")
    return f"twice({left})"


def _block(draw, names: list[str], depth: int, loops: int) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines += _statement(draw, names, depth, loops)
    return lines


def _statement(draw, names: list[str], depth: int, loops: int) -> list[str]:
    kinds = ["assign", "compound", "print", "closure", "setter"] + (
        ["if", "for", "while", "try", "generator"] if depth < 2 else []) + (["break"] if loops else [])
    kind = draw(st.sampled_from(kinds))
    target = draw(st.sampled_from(names))
    value = _expression(draw, names, 0)
    if kind == "assign":
        return [f"{target} = {value}"] if target in NAMES else [f"print({value})"]
    if kind == "compound":
        operator = draw(st.sampled_from(['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=']))
        return [f"{draw(st.sampled_from(NAMES))} {operator} {value}"]
    if kind == "print":
        return [f"print({value}, {target})"]
    if kind == "closure":
        return [f"fs.push(fn () => {value})"]
    if kind == "setter":
        name = draw(st.sampled_from(NAMES))
        return [f"setters.push(fn () {{ {name} += 1", f"return {name} }})"]
    if kind == "break":
        return [f"if {value} {{ break }}"]
    inner = depth + 1
    if kind == "if":
        return [f"if {value} {{", *_block(draw, names, inner, loops), "} else {",
                *_block(draw, names, inner, loops), "}"]
    if kind == "for":
        var = f"i{depth}"
        return [f"for {var} in 0..{draw(st.integers(0, 3))} {{", *_block(draw, names + [var], inner, loops + 1), "}"]
    if kind == "while":
        var = f"w{depth}"
        return [f"let {var} = 0", f"while {var} < {draw(st.integers(0, 3))} {{", f"{var} += 1",
                *_block(draw, names + [var], inner, loops + 1), "}"]
    if kind == "generator":
        var = f"g{depth}"
        return [f"for {var} in numbers({draw(st.integers(0, 3))}) {{", *_block(draw, names + [var], inner, loops + 1),
                "}"]
    return ["try {", *_block(draw, names, inner, loops), "} catch e {", "print(e)", "}"]


@st.composite
def programs(draw) -> str:
    lines = ["let a = 1", "let b = 2", "let c = 3", "let fs = []", "let setters = []", "fn twice(x) { return x + x }",
             "fn numbers(n) { for k in 0..n { yield k * a } }"]
    body = _block(draw, NAMES, 0, 0)
    wrapped = draw(st.booleans())
    if wrapped:  # the same statements as a function body: locals, upvalues and registers
        lines += ["fn main() {", "let a = 1", "let b = 2", "let c = 3", "let fs = []", "let setters = []", *body,
                  "print(a, b, c, fs.map(fn (f) => f()))", "}", "main()"]
    else:
        lines += [*body, "print(a, b, c, fs.map(fn (f) => f()))"]
    return "\n".join(lines) + "\n"


def _comparable(outcome) -> tuple:
    """Output and the error's headline. (Traces can differ in one permitted way:
    the VM leaves out frames replaced by tail calls, the tree-walker has none.)"""
    return outcome.stdout, outcome.error.splitlines()[0] if outcome.error else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_agree(program):
    assert _comparable(run(program, "vm")) == _comparable(run(program, "tree")), program
