"""The operators of §3 on plain runtime values: results, error kinds and messages."""

from __future__ import annotations

import math

import pytest

from esker.vm.runtime import ops
from esker.vm.runtime.errors import EskerError, error_kind
from esker.vm.runtime.values import EnumType, Range, StructInstance, StructType


def fails(kind: str, function, *args) -> str:
    """Calls `function(*args)`, expecting an Esker error of `kind`; its message."""
    with pytest.raises(EskerError) as caught:
        function(*args)
    assert error_kind(caught.value.value) == kind
    return caught.value.value.values[1]


# ------------------------------------------------------------- arithmetic

@pytest.mark.parametrize("function, a, b, expected", [
    (ops.add, 1, 2, 3), (ops.add, 1, 2.5, 3.5), (ops.add, "ab", "cd", "abcd"), (ops.add, [1], [2], [1, 2]),
    (ops.sub, 7, 10, -3), (ops.mul, 3, 2.0, 6.0),
    (ops.truediv, 7, 2, 3.5), (ops.truediv, 6, 3, 2.0),
    (ops.floordiv, 7, 2, 3), (ops.floordiv, -7, 2, -4), (ops.floordiv, 7.5, 2, 3.0),
    (ops.mod, -7, 3, 2), (ops.mod, 7, -3, -2), (ops.mod, -7.5, 2, 0.5),
    (ops.power, 2, 10, 1024), (ops.power, 2, -1, 0.5), (ops.power, 2.0, 3, 8.0), (ops.power, 4, 0.5, 2.0),
    (ops.bit_and, 5, 3, 1), (ops.bit_or, 5, 3, 7), (ops.bit_xor, 5, 3, 6), (ops.shl, 1, 10, 1024),
    (ops.shr, 1024, 3, 128),
])
def test_arithmetic_results(function, a, b, expected):
    result = function(a, b)
    assert result == expected and type(result) is type(expected)


def test_int_division_always_gives_a_float_and_ints_stay_exact():
    assert ops.truediv(10 ** 30, 10 ** 29) == 10.0
    assert ops.power(3, 100) == 3 ** 100
    assert ops.add(2 ** 64, 1) == 18446744073709551617


@pytest.mark.parametrize("function", [ops.truediv, ops.floordiv, ops.mod])
@pytest.mark.parametrize("divisor", [0, 0.0, -0.0])
def test_division_by_zero(function, divisor):
    assert fails("ZeroDivisionError", function, 1.5, divisor) == "division by zero"


def test_power_keeps_to_ieee_doubles_where_python_would_not():
    assert ops.power(10.0, 400) == math.inf
    assert ops.power(-10.0, 401) == -math.inf
    assert math.isnan(ops.power(-8.0, 1 / 3))
    assert fails("ZeroDivisionError", ops.power, 0, -1) == "zero cannot be raised to a negative power"


def test_ints_too_large_for_a_float():
    assert fails("ValueError", ops.add, 10 ** 400, 1.0) == "int too large to convert to float"
    assert fails("ValueError", ops.power, 10 ** 400, 0.5) == "int too large to convert to float"


@pytest.mark.parametrize("function, a, b, message", [
    (ops.add, None, 1, "unsupported operand types for +: nil and int"),
    (ops.add, "a", 1, "unsupported operand types for +: str and int"),
    (ops.add, True, 1, "unsupported operand types for +: bool and int"),
    (ops.mul, "ab", 3, "unsupported operand types for *: str and int"),
    (ops.sub, [1], [1], "unsupported operand types for -: array and array"),
    (ops.bit_and, 1.0, 1, "unsupported operand types for &: float and int"),
    (ops.less, 1, "1", "unsupported operand types for <: int and str"),
    (ops.greater_equal, [1], [2], "unsupported operand types for >=: array and array"),
])
def test_type_errors_name_the_operator_and_types(function, a, b, message):
    assert fails("TypeError", function, a, b) == message


def test_unary_operators():
    assert ops.neg(5) == -5 and ops.neg(2.5) == -2.5 and ops.bit_not(5) == -6
    assert fails("TypeError", ops.neg, "x") == "bad operand type for unary -: str"
    assert fails("TypeError", ops.bit_not, 1.5) == "bad operand type for unary ~: float"


def test_negative_shift_count_is_a_value_error():
    assert fails("ValueError", ops.shl, 1, -1) == "negative shift count"
    assert fails("ValueError", ops.shr, 1, -1) == "negative shift count"


# ------------------------------------------------------------- comparison

def test_comparisons():
    assert ops.less(1, 1.5) and ops.less_equal(2, 2.0) and ops.greater("b", "a") and not ops.greater_equal(1, 2)
    assert ops.less("Z", "a")  # by code point


def test_equality_is_structural_and_never_raises():
    point = StructType("Point", ["x", "y"])
    assert ops.equals(1, 1.0) and not ops.equals(1, "1") and not ops.equals(True, 1)
    assert ops.equals([1, (2, "x")], [1.0, (2, "x")]) and not ops.equals([True], [1])
    assert ops.equals({1: [1]}, {1.0: [1]}) and not ops.equals({1: 1}, {2: 1})
    assert ops.equals(StructInstance(point, [1, 2]), StructInstance(point, [1, 2]))
    assert not ops.equals(StructInstance(point, [1, 2]), StructInstance(StructType("Point", ["x", "y"]), [1, 2]))
    assert ops.equals(Range(0, 3), Range(0, 2, 1, True)) and not ops.equals(Range(0, 3), [0, 1, 2])
    assert not ops.equals(None, False) and ops.not_equals(1, 2)


def test_enum_values_compare_by_variant_and_payload():
    shape = EnumType("Shape", [("Circle", ["r"]), ("Empty", None)])
    circle = shape.variants["Circle"].member
    assert ops.equals(ops.call_native(None, circle, [1]), ops.call_native(None, circle, [1.0]))
    assert not ops.equals(ops.call_native(None, circle, [1]), ops.call_native(None, circle, [2]))
    assert ops.equals(shape.variants["Empty"].member, shape.variants["Empty"].member)


def test_equality_of_cyclic_and_deep_values():
    first, second = [1], [1]
    first.append(first)
    second.append(second)
    assert ops.equals(first, second)
    deep_a = deep_b = None
    for index in range(100_000):
        deep_a, deep_b = [index, deep_a], [index, deep_b]
    assert ops.equals(deep_a, deep_b)


def test_truthiness():
    assert [ops.truthy(v) for v in (None, False, 0, "", [], True)] == [False, False, True, True, True, True]


# --------------------------------------------------------- indexing, keys

def test_indexing_sequences_and_maps():
    assert ops.get_index([1, 2, 3], -1) == 3 and ops.get_index("héllo", 1) == "é"
    assert ops.get_index({(1, "a"): 5}, (1.0, "a")) == 5
    assert fails("IndexError", ops.get_index, [1, 2], 5) == "index 5 out of range for array of length 2"
    assert fails("TypeError", ops.get_index, [1, 2], 1.0) == "array indices must be int, not float"
    assert fails("KeyError", ops.get_index, {"a": 1}, "b") == 'key "b" not found'
    assert fails("TypeError", ops.get_index, 5, 0) == "int cannot be indexed"


def test_bool_is_not_a_map_key():
    assert fails("TypeError", ops.get_index, {1: "one"}, True) == \
        "map keys must be int, float, str or tuples of those, not bool"
    assert fails("TypeError", ops.set_index, {}, (1, [2]), 0).endswith("not array")


def test_assigning_elements():
    array, mapping = [1, 2], {"a": 1}
    ops.set_index(array, -1, 9)
    ops.set_index(mapping, 1.0, "x")
    ops.set_index(mapping, 1, "y")
    assert array == [1, 9] and mapping == {"a": 1, 1.0: "y"}
    assert fails("TypeError", ops.set_index, "abc", 0, "x") == "cannot assign to an element of a str: it is immutable"
    assert fails("TypeError", ops.set_index, (1,), 0, 2) == "cannot assign to an element of a tuple: it is immutable"


def test_struct_fields():
    length = object()
    point = StructType("Point", ["x", "y"], methods={"len": length})
    instance = StructInstance(point, [1, 2])
    ops.set_field(instance, "y", 5)
    assert ops.get_field(instance, "y") == 5
    assert fails("AttributeError", ops.get_field, instance, "z") == "Point has no field or method `z`"
    bound = ops.get_field(instance, "len")
    assert (bound.receiver, bound.method, bound.name) == (instance, length, "Point.len")
    assert ops.get_field(point, "len") is length
    assert fails("AttributeError", ops.set_field, instance, "z", 1) == "Point has no field `z`"


def test_ranges():
    assert list(ops.iterate(None, ops.make_range(1, 4, True))) == [1, 2, 3, 4]
    assert list(Range(10, 0, -3).as_range()) == [10, 7, 4, 1]
    assert fails("TypeError", ops.make_range, 1, 2.5, False) == "range bounds must be int, not float"


# -------------------------------------------------------------- iteration

def test_iteration_of_each_kind():
    assert list(ops.iterate(None, "ab")) == ["a", "b"]
    assert list(ops.iterate(None, {"k": 1, "j": 2})) == ["k", "j"]
    assert list(ops.iterate_pairs(None, {"k": 1})) == [("k", 1)]
    assert list(ops.iterate_pairs(None, (5, 6))) == [(0, 5), (1, 6)]
    assert fails("TypeError", ops.iterate, None, 3) == "int is not iterable"


def test_changing_a_map_while_iterating_is_a_runtime_error():
    mapping = {"a": 1, "b": 2}
    keys = ops.iterate(None, mapping)
    next(keys)
    mapping["c"] = 3
    assert fails("RuntimeError", next, keys) == "map changed size during iteration"


# ------------------------------------------------------------ construction

def test_struct_construction():
    calls = []
    point = StructType("Point", ["x", "y"], [None, lambda: calls.append(1) or 0])
    assert ops.construct(point, [1]).values == [1, 0]
    assert ops.construct(point, [], {"y": 2, "x": 1}).values == [1, 2]
    assert len(calls) == 1  # a default runs only when it is needed, once per construction
    assert fails("ArityError", ops.construct, point, [1, 2, 3]) == "Point() takes at most 2 values (3 given)"
    assert fails("ArityError", ops.construct, point, [], {"y": 1}) == "Point() is missing field `x`"
    assert fails("ArityError", ops.construct, point, [1], {"x": 1}) == "field `x` of Point is given twice"
    assert fails("ArityError", ops.construct, point, [1], {"z": 1}) == "Point has no field `z`"


def test_calling_things_that_are_not_functions():
    assert fails("TypeError", ops.call_native, None, 5, []) == "int is not callable"
    shape = EnumType("Shape", [("Circle", ["r"])])
    message = fails("ArityError", ops.call_native, None, shape.variants["Circle"].member, [])
    assert message == "Shape.Circle() takes 1 argument (0 given)"


def test_type_names():
    point = StructType("Point", [])
    assert [ops.type_name(v) for v in (None, True, 1, 1.0, "", [], {}, (), Range(0, 1), point,
                                       StructInstance(point, []))] == \
        ["nil", "bool", "int", "float", "str", "array", "map", "tuple", "range", "type", "Point"]


# -------------------------------------------------------- membership, slices

@pytest.mark.parametrize("item, container, expected", [
    (2, [1, 2, 3], True), (4, [1, 2, 3], False), (2.0, [1, 2], True), (1, [True], False),
    (True, [1], False), ([1], [[1.0], 2], True), ("b", ("a", "b"), True), (None, [None], True),
    ("ell", "hello", True), ("", "x", True), ("z", "hello", False),
    ("a", {"a": 1}, True), (1.0, {1: "x"}, True), ((1, "k"), {(1, "k"): 0}, True), ("b", {"a": 1}, False),
    (3, Range(0, 5), True), (5, Range(0, 5), False), (5, Range(0, 5, 1, True), True), (4, Range(0, 10, 2), True),
    (3, Range(0, 10, 2), False), (2.0, Range(0, 5), True), (2.5, Range(0, 5), False), (True, Range(0, 5), False),
    (math.nan, [math.nan], False), ("1", [1], False),
])
def test_membership(item, container, expected):
    assert ops.contains(item, container) is expected
    assert ops.BINARY["not in"](item, container) is (not expected)


def test_membership_in_a_huge_range_takes_no_time():
    assert ops.contains(10 ** 18 - 1, Range(0, 10 ** 18))
    assert ops.contains(1e18, Range(0, 10 ** 19)) and not ops.contains(-1, Range(0, 10 ** 18))


@pytest.mark.parametrize("item, container, message", [
    (1, 5, "`in` needs an array, tuple, range, map or string on the right, not int"),
    (1, None, "`in` needs an array, tuple, range, map or string on the right, not nil"),
    (1, "abc", "`in <str>` needs a string on the left, not int"),
    ([1], {"a": 1}, "map keys must be int, float, str or tuples of those, not array"),
])
def test_membership_type_errors(item, container, message):
    assert fails("TypeError", ops.contains, item, container) == message


@pytest.mark.parametrize("value, start, stop, expected", [
    ([10, 20, 30, 40], 1, 3, [20, 30]), ([10, 20, 30], None, None, [10, 20, 30]), ([1, 2, 3], -2, None, [2, 3]),
    ([1, 2, 3], None, -1, [1, 2]), ([1, 2, 3], 5, 9, []), ([1, 2, 3], -9, 1, [1]), ([1, 2, 3], 2, 1, []),
    ((1, 2, 3), 1, None, (2, 3)), ("héllo", None, 2, "hé"), ("abc", 1, 99, "bc"),
])
def test_slices_follow_the_bounds_rules_of_slice(value, start, stop, expected):
    assert ops.get_slice(value, start, stop) == expected


def test_a_slice_is_a_new_value():
    items = [1, 2, 3]
    copy = ops.get_slice(items, None, None)
    copy.append(4)
    assert items == [1, 2, 3]


@pytest.mark.parametrize("value, start, stop, message", [
    (Range(0, 5), 0, 1, "range cannot be sliced (only arrays, tuples and strings)"),
    ({"a": 1}, 0, 1, "map cannot be sliced (only arrays, tuples and strings)"),
    ([1], "a", None, "slice start must be int, not str"),
    ([1], None, 1.0, "slice end must be int, not float"),
    ([1], True, None, "slice start must be int, not bool"),
])
def test_slice_type_errors(value, start, stop, message):
    assert fails("TypeError", ops.get_slice, value, start, stop) == message
