"""Property: random int/float arithmetic evaluates as Python evaluates it — floor
division and modulo, the rules of `**`, big ints, and ZeroDivisionError.

Python results Esker deliberately does not share are skipped: a float `**` that
overflows (Esker gives inf) or gives a complex number (Esker gives nan).
"""

from __future__ import annotations

from hypothesis import assume, given, settings, strategies as st

from interpreter_support import run

BINARY = ["+", "-", "*", "/", "//", "%"]


def literal(value: int | float) -> tuple[str, str]:
    """(Esker source, Python source) of a number; negative ones parenthesised."""
    text = repr(value)
    return (f"({text})", f"({text})") if text.startswith("-") else (text, text)


numbers = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(2 ** 80), 2 ** 80),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.sampled_from([0, 0.0, -0.0, 1, -1, 0.5]),
)
small_exponents = st.one_of(st.integers(-3, 6), st.sampled_from([0.5, -0.5, 2.0, 1.5]))


def combine(children):
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(
        lambda parts: (f"({parts[1][0]} {parts[0]} {parts[2][0]})", f"({parts[1][1]} {parts[0]} {parts[2][1]})"))
    # The exponent stays small, so results stay small enough to compute.
    power = st.tuples(children, small_exponents.map(literal)).map(
        lambda parts: (f"({parts[0][0]} ** {parts[1][0]})", f"({parts[0][1]} ** {parts[1][1]})"))
    negate = children.map(lambda part: (f"(-{part[0]})", f"(-{part[1]})"))
    return st.one_of(binary, power, negate)


expressions = st.recursive(numbers.map(literal), combine, max_leaves=6)


def python_result(source: str) -> str:
    try:
        value = eval(source)  # the generated text is plain arithmetic on literals
    except ZeroDivisionError:
        return "ZeroDivisionError"
    except (OverflowError, TypeError):  # TypeError: an operation on a complex intermediate
        assume(False)
    assume(not isinstance(value, complex))
    return repr(value)


@settings(max_examples=150, deadline=None)
@given(expressions)
def test_arithmetic_matches_python(expression):
    esker_source, python_source = expression
    expected = python_result(python_source)
    output = run(f"try {{ print({esker_source}) }} catch e {{ print(e.kind) }}")
    assert output == expected + "\n", (esker_source, python_source)
