"""The builtin functions, `math` and the methods of builtin types (§10), called
through the runtime's entry points with a minimal engine."""

from __future__ import annotations

import io
import math

import pytest

from esker.vm.runtime import ops
from esker.vm.runtime.builtins import call_method, make_globals
from esker.vm.runtime.errors import EskerError, error_kind
from esker.vm.runtime.host import Host
from esker.vm.runtime.values import (ERROR_TYPE, EnumType, Generator, Module, Range, StructInstance,
                                     StructType)


class Engine:
    """Calls Python callables as Esker functions and collects output."""

    def __init__(self):
        self.host = Host(stdout=io.StringIO())

    @property
    def output(self) -> str:
        return self.host.stdout.getvalue()

    def call(self, fn, args, kwargs=None):
        if callable(fn):
            return fn(*args, **(kwargs or {}))
        return ops.call_native(self, fn, args, kwargs)


class Countdown(Generator):
    __slots__ = ("left",)

    def __init__(self, start):
        super().__init__("countdown")
        self.left = start

    def resume(self, engine):
        if self.left == 0:
            return True, None
        self.left -= 1
        return False, self.left + 1


ENGINE = Engine()
GLOBALS = make_globals(ENGINE)


def call(name: str, *args):
    target = GLOBALS
    for part in name.split("."):
        target = target[part] if type(target) is dict else target.members[part]
    return ops.call_native(ENGINE, target, list(args))


def method(receiver, name: str, *args):
    return call_method(ENGINE, receiver, name, list(args))


def fails(kind: str, function, *args) -> str:
    with pytest.raises(EskerError) as caught:
        function(*args)
    assert error_kind(caught.value.value) == kind
    return caught.value.value.values[1]


# ---------------------------------------------------------------- functions

def test_print_joins_with_spaces_through_the_engine():
    engine = Engine()
    ops.call_native(engine, GLOBALS["print"], ["a", 1, ["b"], None])
    ops.call_native(engine, GLOBALS["print"], [])
    assert engine.output == 'a 1 ["b"] nil\n\n'


def test_len_str_repr_type():
    assert [call("len", v) for v in ("héllo", [1, 2], {"a": 1}, (1,), Range(0, 10, 3))] == [5, 2, 1, 1, 4]
    assert fails("TypeError", call, "len", 5) == "len() of int"
    assert call("str", [1, "a"]) == '[1, "a"]' and call("repr", "x") == '"x"' and call("str", "x") == "x"
    assert call("type", 1.5) == "float" and call("type", GLOBALS["print"]) == "fn"


def test_int_and_float_conversions():
    assert [call("int", v) for v in (3.99, -3.99, "42", " -7 ", "1_000", 5)] == [3, -3, 42, -7, 1000, 5]
    assert fails("ValueError", call, "int", "x1") == 'invalid int: "x1"'
    assert fails("ValueError", call, "int", "3.5") == 'invalid int: "3.5"'
    assert fails("ValueError", call, "int", math.inf) == "cannot convert inf to int"
    assert fails("TypeError", call, "int", True) == "int() cannot convert bool"
    assert [call("float", v) for v in (2, "2.5", " 1e3 ", 1.5)] == [2.0, 2.5, 1000.0, 1.5]
    assert fails("ValueError", call, "float", "abc") == 'invalid float: "abc"'
    assert fails("ValueError", call, "float", 10 ** 400) == "int too large to convert to float"
    assert fails("TypeError", call, "float", None) == "float() cannot convert nil"


def test_range_and_array():
    assert call("array", call("range", 3)) == [0, 1, 2]
    assert call("array", call("range", 10, 0, -3)) == [10, 7, 4, 1]
    assert call("array", "hey") == ["h", "e", "y"] and call("array", {"k": 1}) == ["k"]
    assert call("array", Countdown(3)) == [3, 2, 1]
    assert fails("ValueError", call, "range", 0, 5, 0) == "range() step must not be zero"
    assert fails("TypeError", call, "range", 1.5) == "range() expects an int, not float"


def test_assert_abs_min_max():
    assert call("assert", 1) is None
    assert fails("AssertionError", call, "assert", False) == "assertion failed"
    assert fails("AssertionError", call, "assert", None, "math broke") == "math broke"
    assert call("abs", -3) == 3 and call("abs", -2.5) == 2.5
    assert fails("TypeError", call, "abs", "x") == "abs() expects a number, not str"
    assert call("min", 3, 1, 2) == 1 and call("max", [4, 9, 2]) == 9 and call("min", "b", "a") == "a"
    assert call("max", 1, 1.0) == 1 and type(call("max", 1, 1.0)) is int  # the first of equals wins
    assert fails("ValueError", call, "max", []) == "max() of an empty sequence"
    assert fails("TypeError", call, "min", 1, "a") == "unsupported operand types for <: str and int"


def test_chr_ord_clock():
    assert call("chr", 65) == "A" and call("chr", 0x1F600) == "😀" and call("ord", "é") == 233
    assert fails("ValueError", call, "chr", 0xD800).startswith("chr() argument 55296")
    assert fails("ValueError", call, "ord", "ab") == "ord() expects one character, got a string of length 2"
    first = call("clock")
    assert type(first) is float and call("clock") >= first


def test_arity_is_checked_before_calling():
    assert fails("ArityError", call, "len") == "len() takes 1 argument (0 given)"
    assert fails("ArityError", call, "range", 1, 2, 3, 4) == "range() takes 1 to 3 arguments (4 given)"
    assert fails("ArityError", call, "min") == "min() takes at least 1 argument (0 given)"
    message = fails("ArityError", ops.call_native, ENGINE, GLOBALS["len"], [[]], {"x": 1})
    assert message == "len() takes no named arguments; only struct constructors do"


def test_error_is_the_builtin_struct():
    error = ops.call_native(ENGINE, GLOBALS["Error"], [], {"kind": "ValueError", "message": "bad"})
    assert type(error) is StructInstance and error.type is ERROR_TYPE and error.values == ["ValueError", "bad"]


def test_math():
    assert call("math.sqrt", 16) == 4.0 and call("math.floor", -2.5) == -3 and call("math.ceil", 2.1) == 3
    assert call("math.floor", 10 ** 30) == 10 ** 30 and type(call("math.ceil", 2.0)) is int
    assert call("math.atan2", 1, 1) == math.atan2(1, 1) and call("math.exp", 0) == 1.0
    assert call("math.log", math.e) == 1.0 and call("math.exp", 1000) == math.inf
    assert [call(f"math.{name}", 0) for name in ("sin", "tan")] == [0.0, 0.0] and call("math.cos", 0) == 1.0
    assert GLOBALS["math"].members["pi"] == math.pi and GLOBALS["math"].members["inf"] == math.inf
    assert fails("ValueError", call, "math.sqrt", -1) == "math.sqrt() argument out of its domain"
    assert fails("ValueError", call, "math.log", 0) == "math.log() argument out of its domain"
    assert fails("ValueError", call, "math.floor", math.nan) == "math.floor() cannot convert nan to int"
    assert fails("TypeError", call, "math.sin", True) == "math.sin() expects a number, not bool"
    assert fails("ArityError", call, "math.atan2", 1) == "math.atan2() takes 2 arguments (1 given)"


# ----------------------------------------------------------------- methods

def test_string_methods():
    text = "Hello, Esker"
    assert [method(text, name) for name in ("len", "upper", "lower")] == [12, "HELLO, ESKER", "hello, esker"]
    assert method("  pad \n", "trim") == "pad" and method("a b  c", "split") == ["a", "b", "c"]
    assert method("a,b", "split", ",") == ["a", "b"] and method(text, "contains", "Esk") is True
    assert method(text, "starts_with", "Hell") and not method(text, "ends_with", "x")
    assert method(text, "replace", "l", "L") == "HeLLo, Esker" and method("é€😀x", "find", "x") == 3
    assert method(text, "find", "zz") == -1 and method("ab", "chars") == ["a", "b"]
    assert method(text, "slice", 0, 5) == "Hello" and method(text, "slice", -5) == "Esker"
    assert method("-", "join", [1, "b", None]) == "1-b-nil" and method("", "join", "abc") == "abc"
    assert fails("TypeError", method, text, "contains", 1) == "str.contains() expects a string, not int"
    assert fails("ValueError", method, text, "split", "") == "str.split() separator is empty"


def test_array_methods():
    array = [5, 3, 8]
    assert method(array, "push", 1) is None and array == [5, 3, 8, 1]
    assert method(array, "pop") == 1 and method(array, "insert", 0, 9) is None and array == [9, 5, 3, 8]
    assert method(array, "insert", -1, 7) is None and array == [9, 5, 3, 7, 8]
    assert method(array, "remove_at", -2) == 7 and method(array, "remove_at", 1) == 5 and array == [9, 3, 8]
    assert method(array, "contains", 8.0) and method(array, "index_of", 8) == 2 and method(array, "index_of", 7) == -1
    assert method(array, "slice", 1, 3) == [3, 8] and method(array, "join", "-") == "9-3-8"
    assert method(array, "sort") is None and array == [3, 8, 9]
    assert method(array, "reverse") is None and array == [9, 8, 3]
    assert method(array, "map", lambda x: x * 2) == [18, 16, 6]
    assert method(array, "filter", lambda x: x > 5) == [9, 8]
    assert method(array, "reduce", lambda s, x: s + x, 0) == 20 and method(array, "reduce", max) == 9
    copy = method(array, "copy")
    copy.append(1)
    assert array == [9, 8, 3] and method(array, "len") == 3


def test_array_method_errors():
    assert fails("IndexError", method, [], "pop") == "pop from an empty array"
    assert fails("IndexError", method, [1], "remove_at", 1) == "index 1 out of range for array of length 1"
    assert fails("IndexError", method, [1], "insert", 3, 0) == "index 3 out of range for array of length 1"
    assert fails("TypeError", method, [3, "a"], "sort") in ("array.sort() cannot order str and int",
                                                             "array.sort() cannot order int and str")
    assert fails("TypeError", method, [True, False], "sort") == "array.sort() cannot order bool and bool"
    assert fails("ValueError", method, [], "reduce", max) == "array.reduce() of an empty array with no initial value"


def test_sort_is_stable_for_numbers_of_both_types():
    array = [2, 1.0, 1, 0.5]
    method(array, "sort")
    assert array == [0.5, 1.0, 1, 2] and type(array[1]) is float


def test_map_methods():
    mapping = {"x": 1, "y": 2}
    assert method(mapping, "keys") == ["x", "y"] and method(mapping, "values") == [1, 2]
    assert method(mapping, "items") == [("x", 1), ("y", 2)] and method(mapping, "len") == 2
    assert method(mapping, "has", "x") and not method(mapping, "has", "w")
    assert method(mapping, "get", "y") == 2 and method(mapping, "get", "w") is None and method(mapping, "get", "w", 0) == 0
    assert method(mapping, "remove", "y") == 2 and mapping == {"x": 1}
    assert fails("KeyError", method, mapping, "remove", "y") == 'key "y" not found'
    assert fails("TypeError", method, mapping, "has", [1]).startswith("map keys must be")
    assert method(mapping, "copy") == mapping and method(mapping, "copy") is not mapping


def test_tuple_and_range_length():
    assert method((1, 2), "len") == 2 and method(Range(0, 5, 1, True), "len") == 6


def test_unknown_methods_and_bad_arity():
    assert fails("AttributeError", method, "s", "shout") == "str has no method `shout`"
    assert fails("AttributeError", method, 5, "len") == "int has no method `len`"
    assert fails("ArityError", method, [], "push") == "array.push() takes 1 argument (0 given)"
    assert fails("ArityError", call_method, ENGINE, [], "copy", [], {"deep": True}).startswith("array.copy() takes no named")


def test_struct_enum_type_and_module_receivers():
    point = StructType("Point", ["x", "callback"], methods={"len": lambda self: self.values[0] * 2},
                       static_methods={"origin": lambda: "origin"})
    instance = StructInstance(point, [3, lambda n: n + 1])
    assert method(instance, "len") == 6 and method(instance, "callback", 1) == 2
    assert method(point, "origin") == "origin"
    assert fails("AttributeError", method, instance, "origin") == \
        "`origin` of Point takes no self: call it on the type, as Point.origin()"
    assert method(point, "len", instance) == 6  # through the type: the plain function
    shape = EnumType("Shape", [("Circle", ["r"]), ("Empty", None)], methods={"area": lambda self: 1})
    circle = method(shape, "Circle", 2)
    assert circle.payload == (2,) and method(circle, "area") == 1
    assert fails("TypeError", method, shape, "Empty") == "Shape is not callable"
    module = Module("geometry", None, {"area": lambda r: r * r})
    assert method(module, "area", 3) == 9
    assert fails("AttributeError", method, module, "volume") == "module geometry has no member `volume`"
