"""§13.1: a name means the declaration visible where it is written — builtins
being the outermost scope — on the checker, the compiler and both engines
alike. A later `let max = 100` does not change what earlier code calls, in
every kind of scope."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from esker.vm import ast
from esker.vm.analysis import analyze
from esker.vm.ide import walk
from esker.vm.repl import Session

from engines_support import both, printed

PROGRAMS = {
    "top level": ("""
        fn biggest(xs) { return max(xs) }
        print(biggest([4, 9, 2]))
        let max = 100
        print(biggest([4, 9, 2]), max)
    """, ["9", "9 100"], {"max": ["builtin", "variable"]}),
    "function": ("""
        fn outer() {
            fn longest(xs) { return len(xs) }
            let len = 5
            return (longest([1, 2]), len)
        }
        print(outer())
    """, ["(2, 5)"], {"len": ["builtin", "variable"]}),
    "block": ("""
        {
            let show = fn (x) => str(x) + "!"
            let str = "shadow"
            print(show(1), str)
        }
    """, ['1! shadow'], {"str": ["builtin", "variable"]}),
    "loop": ("""
        let fs = []
        for i in 0..2 {
            fs.push(fn () => abs(-i))
            let abs = i * 10
            fs.push(fn () => abs)
        }
        print(fs.map(fn (f) => f()))
        let n = 0
        while n < 2 {
            n += 1
            let get = fn () => min(3, n)
            let min = -1
            print(get(), min)
        }
    """, ["[0, 0, 1, 10]", "1 -1", "2 -1"], {"abs": ["builtin", "variable"], "min": ["builtin", "variable"]}),
    "struct method": ("""
        struct Box {
            items
            fn size(self) { return len(self.items) }
        }
        let len = 7
        print(Box([1, 2, 3]).size(), len)
    """, ["3 7"], {"len": ["builtin", "variable"]}),
    "an outer variable, not a builtin": ("""
        let total = 1
        fn f() {
            fn read() { return total }
            fn write() { total = 2 }
            let total = 10
            write()
            return (read(), total)
        }
        print(f(), total)
    """, ["(2, 10) 2"], {"total": ["variable", "variable", "variable", "variable"]}),
    "assignment to a builtin declared later": ("""
        fn reset() { max = 0 }
        let max = 1
        try { reset() } catch e { print(e.kind, e.message) }
        print(max)
    """, ["TypeError cannot assign to the builtin `max`; declare it with let first", "1"],
        {"max": ["builtin", "variable"]}),
    "pattern types and defaults": ("""
        enum Kind { A, B }
        fn test(k) {
            fn check(v) { return match v { Kind.A => "a", _ => "other" } }
            let Kind = "shadow"
            return (check(k), Kind)
        }
        print(test(Kind.A))
        struct Conf { limit = max(1, 2) }
        let max = 0
        print(Conf().limit)
    """, ['("a", "shadow")', "2"], {"max": ["builtin"]}),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_both_engines_resolve_names_where_they_are_written(name):
    text, expected, _ = PROGRAMS[name]
    assert printed(text) == expected


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_checker_resolves_them_the_same_way(name):
    text, _, kinds = PROGRAMS[name]
    analysis = analyze(textwrap.dedent(text), "t.esk")
    assert analysis.errors == []
    for shadowed, expected in kinds.items():
        uses = sorted((node for node in walk(analysis.program) if type(node) is ast.Name and node.name == shadowed),
                      key=lambda node: node.span.start)
        assert [analysis.symbols.resolve(node).kind.value for node in uses] == expected


def test_a_module_keeps_calling_the_builtin_its_functions_saw(tmp_path):
    (tmp_path / "lib.esk").write_text("fn biggest(xs) { return max(xs) }\nlet max = 100\n", encoding="utf-8")
    outcome = both("import lib\nprint(lib.biggest([3, 8]), lib.max)\n", path=str(tmp_path / "main.esk"))
    assert (outcome.stdout, outcome.error) == ("8 100\n", None)


def test_repl_entries_keep_the_meaning_their_names_had():
    session = Session()
    echoes = [session.submit(entry) for entry in
              ["fn biggest(xs) { return max(xs) }", "let max = 100", "biggest([1, 5])", "max",
               "fn later() { return max }", "later()"]]
    assert [(outcome.echo, outcome.error) for outcome in echoes] == [
        ("", ""), ("", ""), ("5", ""), ("100", ""), ("", ""), ("100", "")]


# ------------------------------------------------------------------ generated

_NAMES = ["max", "len", "abs", "x"]


def _use(draw) -> str:
    return draw(st.sampled_from(_NAMES))


def _scope_block(draw, depth: int) -> list[str]:
    lines: list[str] = []
    declared: set[str] = set()
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["let", "closure", "fn", "print"] + (["block", "for", "fnbody"] if depth < 2 else [])))
        if kind == "let":
            name = draw(st.sampled_from([n for n in _NAMES if n not in declared] or ["unused"]))
            if name != "unused":
                declared.add(name)
                lines.append(f"let {name} = {draw(st.integers(0, 9))}")
        elif kind == "closure":
            lines.append(f"fs.push(fn () => {_use(draw)})")
        elif kind == "fn":
            lines.append(f"fn f{len(lines)}{depth}() {{ return {_use(draw)} }}")
            lines.append(f"fs.push(f{len(lines) - 1}{depth})")
        elif kind == "print":
            lines.append(f"print({_use(draw)})")
        elif kind == "block":
            lines += ["{", *_scope_block(draw, depth + 1), "}"]
        elif kind == "for":
            lines += [f"for i{depth} in 0..2 {{", *_scope_block(draw, depth + 1), "}"]
        else:
            lines += [f"fn g{len(lines)}{depth}() {{", *_scope_block(draw, depth + 1), "}",
                      f"g{len(lines)}{depth}()"]
    return lines


@st.composite
def shadowing_programs(draw) -> str:
    return "\n".join(["let x = 1", "let fs = []", *_scope_block(draw, 0),
                      "for f in fs { print(f()) }"]) + "\n"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(shadowing_programs())
def test_generated_shadowing_agrees_on_both_engines(program):
    assume(not analyze(program, "t.esk").errors)
    both(program)
