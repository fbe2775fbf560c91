"""The formatter on the string forms of §13.3: every form is kept exactly as
written (prefix, quotes, escapes, literal text, specs), the expressions in
f-string fields are laid out like any others, and formatting is idempotent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from esker.vm.formatter import format_source, same_tree
from esker.vm.parser import parse

KEPT = [
    'let a = r"C:\\new\\table\\"\n',
    'let a = """\n  indented   \n\ttabs "quotes" \\u{e9}\n"""\n',
    'let a = r"""\nraw \\n\n"""\n',
    'let a = f"{{literal}} {x:>10} \\t {y:,.2f}"\n',
    'let a = rf"\\d+{x}\\n"\n',
    'let a = fr"{x}"\n',
    'let a = f"""\nfirst {x}\n  second {y:^9}\n"""\n',
    'let a = f"{f"{x}"} {"s" + "t"}"\n',
    'let a = f""\n',
    'let a = f"{(c ? 1 : 2)}"\n',
    'let a = f"{ {"k": 1}["k"] }"\n',
    'fn f() {\n    return """\nline one\n    line two"""\n}\n',
]


@pytest.mark.parametrize("text", KEPT)
def test_formatted_string_forms_stay_exactly_as_written(text):
    assert format_source(text) == text


@pytest.mark.parametrize("text, formatted", [
    ('let a = f"{x+1} and {  y  :>4}"\n', 'let a = f"{x + 1} and {y:>4}"\n'),
    ('let a = f"{[1,2,3]} {m.get( "k" ,0)}"\n', 'let a = f"{[1, 2, 3]} {m.get("k", 0)}"\n'),
    ('if true {\nlet a = f"""\n  {x}\n"""\n}\n', 'if true {\n    let a = f"""\n  {x}\n"""\n}\n'),
])
def test_expressions_inside_fields_are_laid_out(text, formatted):
    assert format_source(text) == formatted
    assert format_source(formatted) == formatted


def test_an_expression_that_needs_several_lines_keeps_its_source_in_the_field():
    text = 'let a = f"{fn () { let y = 1; return y }()}"\n'
    assert format_source(text) == text


def test_a_conditional_written_without_parentheses_is_given_them_back():
    # The parentheses are not part of the tree, so the formatter must restore them.
    assert format_source('let a = f"{(c?1:2):>3}"\n') == 'let a = f"{(c ? 1 : 2):>3}"\n'
    assert format_source('let a = f"{(fn (v) => v ? 1 : 2)(x)}"\n') == 'let a = f"{(fn (v) => v ? 1 : 2)(x)}"\n'


_PIECES = st.sampled_from([
    "text", " ", "{{", "}}", "\\t", "\\u{1F600}", '\\"', "{x}", "{ x + 1 }", "{x:>8}", "{y:*^+#012_.3f}",
    '{"s"}', '{f"{x}"}', "{(c ? x : y)}", "{ {1: 2}[1] }", "{[x,y]}", "{x:}"])


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=8), prefix=st.sampled_from(["f", "rf", "fr"]),
       triple=st.booleans())
def test_generated_f_strings_round_trip_and_formatting_is_idempotent(pieces, prefix, triple):
    if prefix != "f":  # in a raw f-string a backslash escapes nothing
        pieces = [part for part in pieces if not part.startswith("\\")]
    quote, first_newline = ('"""', "\n") if triple else ('"', "")
    text = f"let a = {prefix}{quote}{first_newline}{''.join(pieces)}{quote}\n"
    original = parse(text)
    assert original.diagnostics == [], text
    once = format_source(text)
    assert same_tree(original.program, parse(once).program)
    assert format_source(once) == once
    for part in pieces:
        if not part.startswith("{") or part == "{{":
            assert part in once


def test_crlf_line_ends_become_lf_inside_multi_line_strings_too():
    text = 'let s = """a\r\nb"""\r\nlet r = rf"""{s}\r\n"""\r\nprint(s, # why\r\n  r)\r\n'
    formatted = format_source(text)
    assert "\r" not in formatted
    assert formatted == 'let s = """a\nb"""\nlet r = rf"""{s}\n"""\nprint(s, # why\n  r)\n'
