"""§2 and §3: values, operators, precedence and evaluation order, in Esker source."""

from __future__ import annotations

import pytest

from interpreter_support import HELPERS, kind_of, lines, run


def show(expression: str) -> str:
    """What `print(expression)` prints."""
    return run(f"print({expression})").rstrip("\n")


@pytest.mark.parametrize("expression, expected", [
    ("1 + 2 * 3 - 4", "3"), ("(1 + 2) * 3", "9"), ("10 - 2 - 3", "5"), ("2 ** 3 ** 2", "512"),
    ("-2 ** 2", "-4"), ("(-2) ** 2", "4"), ("2 ** -1", "0.5"), ("-7 // 2", "-4"), ("7 % -3", "-2"),
    ("1 << 2 + 1", "8"), ("6 & 3 | 8", "10"), ("1 | 2 ^ 3", "1"), ("~5 + 1", "-5"),
    ("1 + 1 == 2", "true"), ("not 1 == 2", "true"), ("1 < 2 and 2 < 3", "true"),
    ("nil or 5", "5"), ("false or nil", "nil"), ("0 or 1", "0"), ("1 and 2", "2"), ("not 0", "false"),
    ("true ? 1 : 2", "1"), ("false ? 1 : true ? 2 : 3", "2"), ("nil ? 1 : 2", "2"),
    ("1 .. 3", "1..3"), ("0..=2 + 1", "0..=3"),
])
def test_precedence_and_values(expression, expected):
    assert show(expression) == expected


@pytest.mark.parametrize("expression, expected", [
    ("1 == 1.0", "true"), ("[1, [2]] == [1, [2.0]]", "true"), ("(1, \"x\") == (1, \"x\")", "true"),
    ("1 == \"1\"", "false"), ("nil == false", "false"), ("true == 1", "false"), ("{1: 2} == {1.0: 2}", "true"),
    ("print == print", "true"), ("fn () {} == fn () {}", "false"), ("0..3 == 0..=2", "true"),
])
def test_equality(expression, expected):
    assert show(expression) == expected


@pytest.mark.parametrize("program, kind", [
    ("nil + 1", "TypeError"), ("\"a\" * 2", "TypeError"), ("true + 1", "TypeError"), ("1 < \"a\"", "TypeError"),
    ("[1] < [2]", "TypeError"), ("1 // 0", "ZeroDivisionError"), ("1.5 % 0.0", "ZeroDivisionError"),
    ("1 << -1", "ValueError"), ("[1][2]", "IndexError"), ("{\"a\": 1}[\"b\"]", "KeyError"),
    ("(1, 2)[0.5]", "TypeError"), ("1.5..2", "TypeError"), ("{[1]: 2}", "TypeError"), ("{true: 1}", "TypeError"),
    ("5(1)", "TypeError"), ("5.x", "AttributeError"), ("-\"x\"", "TypeError"),
])
def test_operator_errors(program, kind):
    assert kind_of(f"print({program})") == kind


def test_short_circuit_skips_the_right_operand():
    assert lines("""
        fn boom() { throw "evaluated" }
        print(false and boom(), true or boom(), nil ? boom() : "skipped")
    """) == ["false true skipped"]


def test_operands_and_arguments_are_evaluated_left_to_right():
    assert lines(HELPERS + """
        let r = note(1) + note(2) * note(3)
        let m = {note("k"): note("v")}
        note([note(4), note(5)])[note(0)]
        print(r, log)
    """) == ['7 [1, 2, 3, "k", "v", 4, 5, [4, 5], 0]']


def test_print_formats_after_every_argument_is_evaluated():
    assert lines("""
        let a = [5, 3, 8]
        print(a, a.pop(), a)
    """) == ["[5, 3] 8 [5, 3]"]


def test_indexing_strings_and_negative_indices():
    assert lines("""
        let s = "héllo😀"
        print(s[1], s[-1], len(s), [1, 2, 3][-3], (7, 8)[1])
    """) == ["é 😀 6 1 8"]


def test_map_literals_keep_the_first_key_and_the_last_value():
    assert lines("""
        let m = {1: "a", 1.0: "b", "k": 0}
        m[1.0] = "c"
        m["new"] = 1
        print(m, m[1])
    """) == ['{1: "c", "k": 0, "new": 1} c']


def test_anonymous_functions_and_match_are_expressions():
    assert lines("""
        let f = fn (x) => x * 2
        let g = fn (a, b) {
            return a + b
        }
        print(f(4), g(1, 2), match f(1) {
            2 => "two"
            _ => "other"
        })
    """) == ["8 3 two"]
