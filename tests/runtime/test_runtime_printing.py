"""How values print (§10, §11), and how uncaught errors are reported (§7)."""

from __future__ import annotations

import math

from esker.vm.machine import VM
from esker.vm.runtime.errors import EskerError, TraceEntry, format_uncaught, runtime_error
from esker.vm.runtime.printing import to_repr, to_str
from esker.vm.runtime.values import (ERROR_TYPE, EnumType, Function, Generator, Range, StructInstance,
                                     StructType)


class _Closure(Function):
    __slots__ = ()


class _Paused(Generator):
    __slots__ = ()

    def resume(self, engine):
        return True, None


def test_scalars():
    assert [to_str(v) for v in (None, True, False, 42, -7, 2 ** 100)] == \
        ["nil", "true", "false", "42", "-7", "1267650600228229401496703205376"]


def test_floats_print_as_python_repr():
    values = (1.0, 0.1 + 0.2, 1e100, 1e9, 2.5e-3, math.inf, -math.inf, math.nan, -0.0)
    assert [to_str(v) for v in values] == \
        ["1.0", "0.30000000000000004", "1e+100", "1000000000.0", "0.0025", "inf", "-inf", "nan", "-0.0"]


def test_huge_ints_print_in_full():
    assert len(to_str(10 ** 5000)) == 5001


def test_strings_are_bare_at_top_level_and_quoted_inside_containers():
    assert to_str("a\"b") == 'a"b' and to_repr("x") == '"x"'
    assert to_str(["a", 1]) == '["a", 1]'
    assert to_str(["\\ \" \n \t \r \0"]) == '["\\\\ \\" \\n \\t \\r \\0"]'
    assert to_str(["\x01\x1b\x7f\x85", "é€😀 \u200b"]) == '["\\u{1}\\u{1b}\\u{7f}\\u{85}", "é€😀 \u200b"]'


def test_containers():
    assert to_str([]) == "[]" and to_str({}) == "{}" and to_str(()) == "()"
    assert to_str((1,)) == "(1,)" and to_str((1, 2)) == "(1, 2)"
    assert to_str({"k": "v", 2: 3.5, (1, "t"): [None]}) == '{"k": "v", 2: 3.5, (1, "t"): [nil]}'


def test_structs_enums_and_errors():
    point = StructType("Point", ["x", "y"])
    assert to_str(StructInstance(point, [1, "s"])) == 'Point(x: 1, y: "s")'
    assert to_str(StructInstance(StructType("Unit", []), [])) == "Unit()"
    shape = EnumType("Shape", [("Rect", ["w", "h"]), ("Empty", None)])
    assert to_str(shape.variants["Empty"].member) == "Shape.Empty"
    rect = shape.variants["Rect"].member
    assert to_str(rect) == "<fn Shape.Rect>"
    assert to_str([rect.variant.enum.variants["Empty"].member]) == "[Shape.Empty]"
    assert to_str(runtime_error("KeyError", "k").value) == 'Error(kind: "KeyError", message: "k")'
    assert to_str(point) == "<struct Point>" and to_str(shape) == "<enum Shape>" and to_str(ERROR_TYPE) == "<struct Error>"


def test_ranges_functions_generators_and_modules():
    assert [to_str(v) for v in (Range(0, 10), Range(1, 3, 1, True), Range(0, 10, 2), Range(5, 0, -1))] == \
        ["0..10", "1..=3", "range(0, 10, 2)", "range(5, 0, -1)"]
    names = VM().builtins
    assert to_str(names["print"]) == "<fn print>"
    assert to_str(_Closure("area")) == "<fn area>" and to_str(_Closure(None)) == "<fn>"
    assert to_str(_Paused("count")) == "<generator count>" and to_str(_Paused(None)) == "<generator>"
    assert to_str(names["math"]) == "<module math>"


def test_cycles_and_deep_nesting():
    array = [1]
    array.append(array)
    mapping = {}
    mapping["self"] = mapping
    assert to_str(array) == "[1, [...]]" and to_str(mapping) == '{"self": {...}}'
    nested: object = None
    for _ in range(100_000):
        nested = [nested]
    assert to_str(nested) == "[" * 100_000 + "nil" + "]" * 100_000


def test_uncaught_error_report():
    error = runtime_error("ZeroDivisionError", "division by zero")
    error.trace = [TraceEntry("divide", "calc.esk", 3, 12), TraceEntry("<module>", "calc.esk", 12, 1)]
    assert format_uncaught(error) == ("error[ZeroDivisionError]: division by zero\n"
                                      "  at divide (calc.esk:3:12)\n"
                                      "  at <module> (calc.esk:12:1)")
    assert format_uncaught(EskerError({"code": 42})) == 'error[Uncaught]: {"code": 42}'
    assert format_uncaught(EskerError("text")) == "error[Uncaught]: text"


def test_long_traces_keep_both_ends():
    error = runtime_error("StackOverflow", "deep")
    error.trace = [TraceEntry("f", "x.esk", line, 1) for line in range(1, 1001)]
    report = format_uncaught(error).splitlines()
    assert report[1] == "  at f (x.esk:1:1)" and report[-1] == "  at f (x.esk:1000:1)"
    assert "  ... 960 more frames ..." in report and len(report) == 42
