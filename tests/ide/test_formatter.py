"""The formatter: one layout, idempotent, comments kept, meaning unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm.formatter import format_range, format_source, same_tree
from esker.vm.parser import parse

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = sorted((ROOT / "examples").rglob("*.esk")) + sorted((ROOT.parent / "shared" / "conformance").rglob("*.esk"))


def parses(text: str):
    result = parse(text, "<test>")
    return result.program if not result.diagnostics else None


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda path: path.name)
def test_programs_keep_their_meaning_and_comments(path: Path):
    text = path.read_text(encoding="utf-8")
    original = parses(text)
    if original is None:
        pytest.skip("not a program the parser accepts")
    formatted = format_source(text)
    assert same_tree(original, parses(formatted))
    assert [c.text.rstrip() for c in parses(formatted).comments] == [c.text.rstrip() for c in original.comments]
    assert format_source(formatted) == formatted


@pytest.mark.parametrize("messy, tidy", [
    ("let   x=1+2*3\n", "let x = 1 + 2 * 3\n"),
    ("fn f(a,b){\nreturn a+b\n}\n", "fn f(a, b) {\n    return a + b\n}\n"),
    ("fn f(a) { return a }\n", "fn f(a) { return a }\n"),
    ("if x{\ny()\n}\nelse{\nz()\n}\n", "if x {\n    y()\n} else {\n    z()\n}\n"),
    ("let a=1\n\n\n\nlet b=2\n", "let a = 1\n\nlet b = 2\n"),
    ("let t=(a+b)*c\n", "let t = (a + b) * c\n"),
    ("let t=a-(b-c)\n", "let t = a - (b - c)\n"),
    ("let t=(-2)**2\nlet u=-2**2\nlet v=2**-1\n", "let t = (-2) ** 2\nlet u = -2 ** 2\nlet v = 2 ** -1\n"),
    ("let t=(a<b)==c\n", "let t = (a < b) == c\n"),
    ("let t=(1,)\nlet u=[1,2,]\n", "let t = (1,)\nlet u = [1, 2]\n"),
    ("let m = [\n1,2,\n3]\n", "let m = [\n    1,\n    2,\n    3,\n]\n"),
    ('({"a":1}).get("a")\n', '({"a": 1}.get("a"))\n'),
    ("let w=xs.map(fn(x)=>x*2)\n  .filter(fn (x) => x > 2)\n",
     "let w = xs.map(fn (x) => x * 2)\n    .filter(fn (x) => x > 2)\n"),
    ("struct P{x,y=0}\nenum E{A,B(v)}\n", "struct P { x, y = 0 }\nenum E { A, B(v) }\n"),
    ("let k = match v {\n1|2=>\"a\"\n_ if v>3=>{print(v)}\n}\n",
     'let k = match v {\n    1 | 2 => "a"\n    _ if v > 3 => { print(v) }\n}\n'),
    ("a += 1; b = 2\n", "a += 1\nb = 2\n"),
    ("try{f()}catch e{g(e)}\n", "try { f() } catch e { g(e) }\n"),
    ("try{f()}\nfinally{g()}\n", "try { f() } finally { g() }\n"),
    ("try {\nf()\n}\ncatch {\n}\nfinally {\ng()\n}\n", "try {\n    f()\n} catch {\n} finally {\n    g()\n}\n"),
    ("let t=not(a in b)\nlet u=a not  in b[1 :]\n", "let t = not a in b\nlet u = a not in b[1:]\n"),
    ("x**=2\ny <<=(1)\n", "x **= 2\ny <<= 1\n"),
])
def test_layout(messy: str, tidy: str):
    assert format_source(messy) == tidy
    assert format_source(tidy) == tidy


def test_comments_stay_where_they_are():
    text = ("# head\n\nfn f() {  # opens\n    # inside\n    return 1  # trailing\n    # before the end\n}\n"
            "let xs = [\n    1,  # one\n    # two comes next\n    2,\n]\n# tail\n")
    assert format_source(text) == text


def test_a_comment_inside_an_expression_keeps_the_statement_as_written():
    text = "let total = 1 +  # first part\n      2\nlet   y=3\n"
    assert format_source(text) == "let total = 1 +  # first part\n      2\nlet y = 3\n"


def test_syntax_errors_are_not_formatted():
    assert format_source("let = 1\n") is None
    assert format_range("let = 1\n", 0, 3) is None


def test_format_range_replaces_only_the_statements_it_touches():
    text = "let  a=1\nfn f(){\nreturn   2\n}\nlet  c=3\n"
    start = text.index("return")
    replaced = format_range(text, start, start + 3)
    assert replaced is not None
    begin, end, new = replaced
    assert text[:begin] + new + text[end:] == "let  a=1\nfn f() {\n    return 2\n}\nlet  c=3\n"
    assert format_range("let a = 1\n", 0, 3) is None


ATOMS = st.sampled_from(["a", "b", "1", "2.5", '"s"', "true", "nil", "xs"])
BINARY = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "==", "<", "and", "or", "&", "|", "<<", " in ", " not in "])


def expressions():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, BINARY, inner).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
            st.tuples(st.sampled_from(["-", "not ", "~"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})?({t[1]}):(nil)"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})..({t[1]})"),
            st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}).m({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})[({t[1]}):]"),
            inner.map(lambda item: f"fn(x)=>({item})"),
        )
    return st.recursive(ATOMS, extend, max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_generated_expressions_keep_their_meaning(expression: str):
    text = f"let r={expression}\n"
    original = parses(text)
    if original is None:
        return
    formatted = format_source(text)
    assert formatted != text, "the formatter declined: its output would not parse back the same"
    assert same_tree(original, parses(formatted))
    assert format_source(formatted) == formatted
