"""Format specs (vm/runtime/formatting.py): reading and checking a spec, and
formatting Esker values by it — as Python's `format` does for numbers and
strings, and by the documented Esker rules for every other value."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from esker.vm.runtime.errors import EskerError, error_kind
from esker.vm.runtime.formatting import MAX_SPEC_NUMBER, SpecError, format_text, format_value, parse_spec
from esker.vm.runtime.printing import to_str
from esker.vm.runtime.values import StructInstance, StructType


def formatted(value, spec: str) -> str:
    return format_value(value, parse_spec(spec))


def refusal(value, spec: str) -> str:
    """The message of the ValueError formatting `value` by `spec` raises."""
    with pytest.raises(EskerError) as caught:
        formatted(value, spec)
    assert error_kind(caught.value.value) == "ValueError"
    return caught.value.value.values[1]


def spec_error(spec: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(spec)
    return caught.value.message


# ------------------------------------------------------------------ reading specs

def test_every_part_of_a_spec_is_read():
    spec = parse_spec("*^+z#012_.3f")
    assert (spec.fill, spec.align, spec.sign, spec.no_negative_zero, spec.alternate, spec.zero, spec.width,
            spec.grouping, spec.precision, spec.type) == ("*", "^", "+", True, True, True, 12, "_", 3, "f")


@pytest.mark.parametrize("spec", ["", "d", ">10", "<<", "x<", " ", "+", "=", "010", ",", "_x", ".0", "%", "s",
                                  ".3s", "^", "c", "#o", "z.1f", "0>5", "é^9"])
def test_valid_specs(spec):
    assert parse_spec(spec).text == spec


@pytest.mark.parametrize("spec, message", [
    (".2q", "`q` is not a format type (the types are s d b o x X c e E f F g G %)"),
    ("n", "the locale-dependent type `n` is not supported: group digits with `,` or `_`"),
    ("10x5", "unexpected `5` after the type `x`: the type ends a spec, which is "
             "[[fill]align][sign][z][#][0][width][grouping][.precision][type]"),
    ("10.", "`.` must be followed by the precision's digits"),
    (",_", "`,` and `_` cannot both group digits: choose one"),
    (",x", "`,` cannot group the digits of type `x` (use `_`, which groups by four)"),
    ("+s", "the sign `+` cannot be used with the string type `s`"),
    ("=s", "the alignment `=` cannot be used with the string type `s`"),
    ("#,s", "`#` and the grouping `,` cannot be used with the string type `s`"),
    ("#c", "`#` cannot be used with the character type `c`"),
    (".2d", "an integer type `d` takes no precision"),
    ("zx", "`z` applies to float types, not to `x`"),
    ("<<<", "unexpected `<`: a spec is [[fill]align][sign][z][#][0][width][grouping][.precision][type]"),
    (f"{MAX_SPEC_NUMBER + 1}", f"the width {MAX_SPEC_NUMBER + 1} is too large (at most 100,000)"),
    (".9999999f", "the precision 9999999 is too large (at most 100,000)"),
])
def test_specs_that_are_wrong_whatever_the_value(spec, message):
    assert spec_error(spec) == message


# ------------------------------------------------------------------ numbers and strings, as Python

@pytest.mark.parametrize("value, spec, text", [
    (3.14159265, ".2f", "3.14"), (3.14159265, "10.3f", "     3.142"), (41, ">6", "    41"),
    (41, "<6", "41    "), (41, "^7", "  41   "), (41, "06d", "000041"), (1234567, ",", "1,234,567"),
    (1234567, "_", "1_234_567"), (255, "x", "ff"), (255, "#X", "0XFF"), (255, "b", "11111111"), (8, "o", "10"),
    (0.25, "%", "25.000000%"), (1500.0, "e", "1.500000e+03"), (-5, "+d", "-5"), (5, " d", " 5"),
    (-42, "=8", "-     42"), (65, "c", "A"), ("Esker", "*^11", "***Esker***"), ("abc", ".2", "ab"),
    (5, ".1f", "5.0"), (-0.0, "z.1f", "0.0"), (math.inf, "f", "inf"), (10 ** 30, ",", f"{10 ** 30:,}"),
])
def test_numbers_and_strings_format_as_in_python(value, spec, text):
    assert formatted(value, spec) == text == format(value, spec)


def test_a_float_without_a_type_shows_as_str_does():
    for value in (0.1 + 0.2, 1e100, 1.0, -2.5e-7):
        assert formatted(value, "") == to_str(value)


def test_huge_ints_format_in_full():
    value = 7 ** 20000
    assert formatted(value, ">5") == str(value)


_FILLS = st.sampled_from(["", "*", "0", " ", "é", "<", "x"])
_SPECS = st.builds(
    lambda fill, align, sign, z, alternate, zero, width, grouping, precision, kind:
    (fill + align if align else "") + sign + z + alternate + zero + width + grouping + precision + kind,
    _FILLS, st.sampled_from(["", "<", ">", "^", "="]), st.sampled_from(["", "+", "-", " "]),
    st.sampled_from(["", "z"]), st.sampled_from(["", "#"]), st.sampled_from(["", "0"]),
    st.sampled_from(["", "1", "7", "12"]), st.sampled_from(["", ",", "_"]),
    st.sampled_from(["", ".0", ".2", ".10"]), st.sampled_from(["", *"sdboxXceEfFgG%"]))
_VALUES = (st.integers(-10 ** 20, 10 ** 20) | st.integers(0, 0x10FFFF)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8))


@given(spec=_SPECS, value=_VALUES)
def test_format_agrees_with_python_on_numbers_and_strings(spec, value):
    """What Esker accepts formats as Python does (or both refuse); what it
    refuses at compile time, Python refuses for this value too."""
    try:
        python = format(value, spec)
    except (ValueError, OverflowError):
        python = ValueError
    try:
        parsed = parse_spec(spec)
    except SpecError:
        assert python is ValueError
        return
    if parsed.type == "s" and type(value) is not str:
        python = format(to_str(value), spec)  # `s` shows any value as its str (Python refuses numbers)
    if parsed.type == "c" and type(value) is int and 0xD800 <= value <= 0xDFFF:
        python = ValueError  # Esker strings hold no lone surrogates
    try:
        esker = format_value(value, parsed)
    except EskerError as error:
        assert error_kind(error.value) == "ValueError"
        esker = ValueError
    assert esker == python


# ------------------------------------------------------------------ the other Esker values

POINT = StructType("Point", ["x", "y"])


@pytest.mark.parametrize("value, spec, text", [
    (True, ">6", "  true"), (False, "", "false"), (None, "^5", " nil "), ([1, "a"], ">10", '  [1, "a"]'),
    ((1,), "s", "(1,)"), ({"k": 2}, "*<10", '{"k": 2}**'), (StructInstance(POINT, [1, 2]), ".5", "Point"),
    (5, "s", "5"), (2.5, ">5s", "  2.5"),
])
def test_other_values_format_as_their_str_with_string_options(value, spec, text):
    assert formatted(value, spec) == text


@pytest.mark.parametrize("value, spec, message", [
    ("a", "d", "cannot format str with `d`: the type `d` needs a number"),
    (True, "d", "cannot format bool with `d`: the type `d` needs a number (a bool is not a number)"),
    (True, "+", "cannot format bool with `+`: the sign `+` applies to numbers only (a bool is not a number)"),
    (None, ".2f", "cannot format nil with `.2f`: the type `f` needs a number"),
    ([1], ",", "cannot format array with `,`: the grouping `,` applies to numbers only"),
    ("abc", "=+8", "cannot format str with `=+8`: the sign `+` and the alignment `=` apply to numbers only"),
    (1.5, "d", "cannot format float with `d`: the integer type `d` needs an int"),
    (5, ".2", "cannot format int with `.2`: precision needs a float type (`f`, `e`, `g`, `%`) for an int"),
    (5, "z", "cannot format int with `z`: `z` needs a float type (`f`, `e`, `g`, `%`) for an int"),
    (0xD800, "c", "cannot format 55296 with `c`: it is not a Unicode scalar value"),
    (10 ** 400, ".2f", "cannot format int with `.2f`: the int is too large to convert to a float"),
])
def test_specs_that_do_not_fit_the_value_raise_value_error(value, spec, message):
    assert refusal(value, spec) == message


def test_format_text_reports_a_spec_the_checker_would_have_refused():
    with pytest.raises(EskerError) as caught:
        format_text(1, ".2q")
    assert caught.value.value.values[1].startswith("invalid format spec `.2q`: `q` is not a format type")
