"""The checker inside f-strings: names in fields resolve like any others
(undefined names, references for rename), and a format spec that is wrong
whatever the value is E0015 at the spec."""

from __future__ import annotations

from esker.vm.diagnostics import Severity

from checker_support import check_source


def diagnostics(text: str) -> list[tuple[str, str, str]]:
    return [(d.code, f"{d.span.line}:{d.span.col}", d.message) for d in check_source(text).diagnostics]


def test_an_undefined_name_in_a_field_is_reported_where_it_stands():
    assert diagnostics('let total = 1\nprint(f"sum: {totl + 1}")\n') == [
        ("E0101", "2:15", "undefined name `totl`; did you mean `total`?")]


def test_names_in_fields_count_as_uses_and_references():
    result = check_source('fn show(n) {\n    return f"""\n{n:>4}\n"""\n}\nprint(show(1))\n')
    assert result.diagnostics == []  # `n` is read, so not an unused parameter
    text = 'fn show(n) {\n    return f"""\n{n:>4}\n"""\n}\nprint(show(1))\n'
    symbol = result.symbols.symbol_at(text.index("{n") + 1)
    assert symbol is not None and symbol.name == "n"
    assert [(span.line, span.col) for span in symbol.references] == [(3, 2)]


def test_names_in_nested_f_strings_resolve_too():
    assert diagnostics('let a = 1\nprint(f"{f"{a}{b}"}")\n') == [("E0101", "2:16", "undefined name `b`")]


def test_an_invalid_spec_is_an_error_at_the_spec():
    (found,) = check_source('let n = 41\nprint(f"value {n:.2q}")\n').diagnostics
    assert (found.code, found.severity, found.span.line, found.span.col, found.span.end_col) == (
        "E0015", Severity.ERROR, 2, 18, 21)
    assert found.message == ("invalid format spec `.2q`: `q` is not a format type "
                             "(the types are s d b o x X c e E f F g G %)")


def test_a_spec_that_only_the_value_can_refuse_is_not_a_compile_error():
    assert diagnostics('print(f"{"a":d} {true:+} {1.5:d}")\n') == []


def test_every_field_of_an_f_string_is_checked():
    assert [code for code, _, _ in diagnostics('let x = 1\nprint(f"{x:.2d} {x:>4} {x:,_}")\n')] == [
        "E0015", "E0015"]
