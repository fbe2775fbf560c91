"""The builtin functions, the `math` module and the methods of builtin types (§10).

Both engines take their global names from `make_globals` and send every
method call through `call_method`. Builtins reach back into the running
engine through two calls only: `engine.call(fn, args)` to call Esker
functions (`map`, `filter`, `reduce`) and `engine.write(text)` for output.
"""

from __future__ import annotations

import math
import re
import time
from typing import Callable

from . import ops
from .errors import arity_error, named_arguments_error, runtime_error
from .printing import to_repr, to_str
from .values import ERROR_TYPE, Builtin, EnumType, EnumValue, Module, Range, StructInstance, StructType

_NUMERIC = (int, float)
_INT_TEXT = re.compile(r"\s*[+-]?[0-9]+(?:_[0-9]+)*\s*")


def _is_number(value) -> bool:
    return type(value) in _NUMERIC


def _expect(value, wanted: type, where: str, what: str):
    """`value` if it has type `wanted`, else a TypeError naming the call."""
    if type(value) is not wanted:
        raise runtime_error("TypeError", f"{where} expects {what}, not {ops.type_name(value)}")
    return value


def _number(value, where: str):
    if not _is_number(value):
        raise runtime_error("TypeError", f"{where} expects a number, not {ops.type_name(value)}")
    return value


# --------------------------------------------------------------- functions

def _print(engine, args, kwargs):
    engine.write(" ".join([to_str(arg) for arg in args]) + "\n")


def _len(engine, args, kwargs):
    value = args[0]
    if type(value) in (str, list, tuple, dict):
        return len(value)
    if type(value) is Range:
        return len(value.as_range())
    raise runtime_error("TypeError", f"len() of {ops.type_name(value)}")


def _int(engine, args, kwargs):
    value = args[0]
    if type(value) is int:
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise runtime_error("ValueError", f"cannot convert {to_repr(value)} to int")
        return int(value)
    if type(value) is str:
        if _INT_TEXT.fullmatch(value) is None:
            raise runtime_error("ValueError", f"invalid int: {to_repr(value)}")
        return int(value)
    raise runtime_error("TypeError", f"int() cannot convert {ops.type_name(value)}")


def _float(engine, args, kwargs):
    value = args[0]
    try:
        if type(value) in _NUMERIC:
            return float(value)
        if type(value) is str:
            return float(value)
    except OverflowError:
        raise runtime_error("ValueError", "int too large to convert to float") from None
    except ValueError:
        raise runtime_error("ValueError", f"invalid float: {to_repr(value)}") from None
    raise runtime_error("TypeError", f"float() cannot convert {ops.type_name(value)}")


def _range(engine, args, kwargs):
    for arg in args:
        _expect(arg, int, "range()", "int")
    if len(args) == 1:
        return Range(0, args[0])
    step = args[2] if len(args) == 3 else 1
    if step == 0:
        raise runtime_error("ValueError", "range() step must not be zero")
    return Range(args[0], args[1], step)


def _assert(engine, args, kwargs):
    if not ops.truthy(args[0]):
        raise runtime_error("AssertionError", to_str(args[1]) if len(args) > 1 else "assertion failed")


def _abs(engine, args, kwargs):
    return abs(_number(args[0], "abs()"))


def _extreme(engine, args, name: str, better: Callable[[object, object], bool]):
    items = args if len(args) > 1 else list(ops.iterate(engine, args[0]))
    if not items:
        raise runtime_error("ValueError", f"{name}() of an empty sequence")
    best = items[0]
    for item in items[1:]:
        if better(item, best):
            best = item
    return best


def _chr(engine, args, kwargs):
    code = _expect(args[0], int, "chr()", "int")
    if not 0 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise runtime_error("ValueError", f"chr() argument {code} is not a Unicode scalar value")
    return chr(code)


def _ord(engine, args, kwargs):
    text = _expect(args[0], str, "ord()", "a string")
    if len(text) != 1:
        raise runtime_error("ValueError", f"ord() expects one character, got a string of length {len(text)}")
    return ord(text)


_FUNCTIONS = [
    Builtin("print", _print, 0, None),
    Builtin("len", _len, 1, 1),
    Builtin("str", lambda engine, args, kwargs: to_str(args[0]), 1, 1),
    Builtin("repr", lambda engine, args, kwargs: to_repr(args[0]), 1, 1),
    Builtin("int", _int, 1, 1),
    Builtin("float", _float, 1, 1),
    Builtin("type", lambda engine, args, kwargs: ops.type_name(args[0]), 1, 1),
    Builtin("range", _range, 1, 3),
    Builtin("array", lambda engine, args, kwargs: list(ops.iterate(engine, args[0])), 1, 1),
    Builtin("assert", _assert, 1, 2),
    Builtin("abs", _abs, 1, 1),
    Builtin("min", lambda engine, args, kwargs: _extreme(engine, args, "min", ops.less), 1, None),
    Builtin("max", lambda engine, args, kwargs: _extreme(engine, args, "max", ops.greater), 1, None),
    Builtin("chr", _chr, 1, 1),
    Builtin("ord", _ord, 1, 1),
    Builtin("clock", lambda engine, args, kwargs: time.perf_counter(), 0, 0),
]


# -------------------------------------------------------------------- math

def _real_function(name: str, func: Callable[..., float], arity: int = 1) -> Builtin:
    """A math function of floats. As with `**`, a result too large is inf; an
    argument outside the function's domain is a ValueError."""

    def call(engine, args, kwargs):
        try:
            values = [float(_number(arg, f"math.{name}()")) for arg in args]
        except OverflowError:
            raise runtime_error("ValueError", "int too large to convert to float") from None
        try:
            return func(*values)
        except OverflowError:
            return math.inf
        except ValueError:
            raise runtime_error("ValueError", f"math.{name}() argument out of its domain") from None

    return Builtin(f"math.{name}", call, arity, arity)


def _rounding(name: str, func: Callable[[float], int]) -> Builtin:
    """math.floor / math.ceil: ints stay exact; the result is always an int."""

    def call(engine, args, kwargs):
        value = _number(args[0], f"math.{name}()")
        if type(value) is float and not math.isfinite(value):
            raise runtime_error("ValueError", f"cannot convert {to_repr(value)} to int")
        return func(value)

    return Builtin(f"math.{name}", call, 1, 1)


MATH = Module("math", None, {
    "sqrt": _real_function("sqrt", math.sqrt),
    "floor": _rounding("floor", math.floor),
    "ceil": _rounding("ceil", math.ceil),
    "sin": _real_function("sin", math.sin),
    "cos": _real_function("cos", math.cos),
    "tan": _real_function("tan", math.tan),
    "atan2": _real_function("atan2", math.atan2, 2),
    "exp": _real_function("exp", math.exp),
    "log": _real_function("log", math.log),
    "pi": math.pi,
    "inf": math.inf,
})


def make_globals(engine) -> dict[str, object]:
    """A fresh table of the global names: the builtin functions, `Error` and `math`.

    The builtins themselves are shared; they reach the engine that calls them
    through their `engine` argument, so `engine` here only marks whose table it is.
    """
    names: dict[str, object] = {builtin.name: builtin for builtin in _FUNCTIONS}
    names["Error"] = ERROR_TYPE
    names["math"] = MATH
    return names


# ----------------------------------------------------------------- methods

def _slice(sequence, args, where: str):
    start = _expect(args[0], int, where, "int indices")
    stop = _expect(args[1], int, where, "int indices") if len(args) > 1 else len(sequence)
    return sequence[start:stop]


def _split(engine, text, args):
    if not args:
        return text.split()
    separator = _expect(args[0], str, "str.split()", "a string")
    if not separator:
        raise runtime_error("ValueError", "str.split() separator is empty")
    return text.split(separator)


def _join(separator: str, items) -> str:
    return separator.join([to_str(item) for item in items])


def _position(array: list, index, where: str, inclusive_end: bool = False) -> int:
    """A non-negative position in `array` from an int that may count from the end."""
    _expect(index, int, where, "an int index")
    position = index + len(array) if index < 0 else index
    if not 0 <= position < len(array) + inclusive_end:
        raise runtime_error("IndexError", f"index {index} out of range for array of length {len(array)}")
    return position


def _pop(engine, array, args):
    if not array:
        raise runtime_error("IndexError", "pop from an empty array")
    return array.pop()


def _insert(engine, array, args):
    array.insert(_position(array, args[0], "array.insert()", inclusive_end=True), args[1])


def _index_of(array: list, value) -> int:
    for index, item in enumerate(array):
        if ops.equals(item, value):
            return index
    return -1


def _sort(engine, array, args):
    if all(_is_number(item) for item in array) or all(type(item) is str for item in array):
        array.sort()
    else:
        kinds = ", ".join(sorted({ops.type_name(item) for item in array}))
        raise runtime_error("TypeError", f"array.sort() needs all numbers or all strings, got {kinds}")


def _reduce(engine, array, args):
    items = list(array)
    if len(args) > 1:
        total = args[1]
    elif items:
        total = items.pop(0)
    else:
        raise runtime_error("ValueError", "array.reduce() of an empty array with no initial value")
    for item in items:
        total = engine.call(args[0], [total, item])
    return total


def _checked_key(key):
    ops.check_key(key)
    return key


def _remove(engine, mapping, args):
    key = _checked_key(args[0])
    if key not in mapping:
        raise runtime_error("KeyError", f"key {to_repr(key)} not found")
    return mapping.pop(key)


_Method = tuple[Callable, int, int]

_STR_METHODS: dict[str, _Method] = {
    "len": (lambda engine, text, args: len(text), 0, 0),
    "upper": (lambda engine, text, args: text.upper(), 0, 0),
    "lower": (lambda engine, text, args: text.lower(), 0, 0),
    "trim": (lambda engine, text, args: text.strip(), 0, 0),
    "split": (_split, 0, 1),
    "contains": (lambda engine, text, args: _expect(args[0], str, "str.contains()", "a string") in text, 1, 1),
    "starts_with": (lambda engine, text, args: text.startswith(
        _expect(args[0], str, "str.starts_with()", "a string")), 1, 1),
    "ends_with": (lambda engine, text, args: text.endswith(
        _expect(args[0], str, "str.ends_with()", "a string")), 1, 1),
    "replace": (lambda engine, text, args: text.replace(
        _expect(args[0], str, "str.replace()", "strings"), _expect(args[1], str, "str.replace()", "strings")), 2, 2),
    "find": (lambda engine, text, args: text.find(_expect(args[0], str, "str.find()", "a string")), 1, 1),
    "chars": (lambda engine, text, args: list(text), 0, 0),
    "slice": (lambda engine, text, args: _slice(text, args, "str.slice()"), 1, 2),
    "join": (lambda engine, text, args: _join(text, ops.iterate(engine, args[0])), 1, 1),
}

_ARRAY_METHODS: dict[str, _Method] = {
    "len": (lambda engine, array, args: len(array), 0, 0),
    "push": (lambda engine, array, args: array.append(args[0]), 1, 1),
    "pop": (_pop, 0, 0),
    "insert": (_insert, 2, 2),
    "remove_at": (lambda engine, array, args: array.pop(_position(array, args[0], "array.remove_at()")), 1, 1),
    "contains": (lambda engine, array, args: _index_of(array, args[0]) >= 0, 1, 1),
    "index_of": (lambda engine, array, args: _index_of(array, args[0]), 1, 1),
    "slice": (lambda engine, array, args: _slice(array, args, "array.slice()"), 1, 2),
    "join": (lambda engine, array, args: _join(_expect(args[0], str, "array.join()", "a string"), array), 1, 1),
    "reverse": (lambda engine, array, args: array.reverse(), 0, 0),
    "sort": (_sort, 0, 0),
    "map": (lambda engine, array, args: [engine.call(args[0], [item]) for item in list(array)], 1, 1),
    "filter": (lambda engine, array, args: [item for item in list(array)
                                             if ops.truthy(engine.call(args[0], [item]))], 1, 1),
    "reduce": (_reduce, 1, 2),
    "copy": (lambda engine, array, args: list(array), 0, 0),
}

_MAP_METHODS: dict[str, _Method] = {
    "len": (lambda engine, mapping, args: len(mapping), 0, 0),
    "keys": (lambda engine, mapping, args: list(mapping), 0, 0),
    "values": (lambda engine, mapping, args: list(mapping.values()), 0, 0),
    "items": (lambda engine, mapping, args: list(mapping.items()), 0, 0),
    "has": (lambda engine, mapping, args: _checked_key(args[0]) in mapping, 1, 1),
    "get": (lambda engine, mapping, args: mapping.get(_checked_key(args[0]), args[1] if len(args) > 1 else None),
            1, 2),
    "remove": (_remove, 1, 1),
    "copy": (lambda engine, mapping, args: dict(mapping), 0, 0),
}

_METHODS: dict[type, dict[str, _Method]] = {
    str: _STR_METHODS,
    list: _ARRAY_METHODS,
    dict: _MAP_METHODS,
    tuple: {"len": (lambda engine, items, args: len(items), 0, 0)},
    Range: {"len": (lambda engine, value, args: len(value.as_range()), 0, 0)},
}


def call_method(engine, receiver, name: str, args: list, kwargs: dict | None = None):
    """`receiver.name(args)` for every kind of receiver: the methods of builtin
    types, struct and enum methods (called with the receiver as `self`), a
    callable stored in a struct field, and the members of modules and types
    (static methods, variant constructors, module functions)."""
    table = _METHODS.get(type(receiver))
    if table is not None:
        return _call_builtin_method(engine, table, receiver, name, args, kwargs)
    kind = type(receiver)
    if kind is StructInstance or kind is EnumValue:
        owner = receiver.type
        method = owner.methods.get(name)
        if method is not None:
            return engine.call(method, [receiver, *args], kwargs)
        index = owner.field_index.get(name) if kind is StructInstance else None
        if index is not None:
            return engine.call(receiver.values[index], args, kwargs)
        if name in owner.static_methods:
            raise runtime_error("AttributeError", f"`{name}` of {owner.name} takes no self: "
                                                  f"call it on the type, as {owner.name}.{name}()")
        raise runtime_error("AttributeError", f"{owner.name} has no method `{name}`")
    if kind is Module or kind is StructType or kind is EnumType:
        return engine.call(ops.get_field(receiver, name), args, kwargs)
    raise runtime_error("AttributeError", f"{ops.type_name(receiver)} has no method `{name}`")


def _call_builtin_method(engine, table: dict[str, _Method], receiver, name: str, args: list, kwargs):
    entry = table.get(name)
    label = f"{ops.type_name(receiver)}.{name}"
    if entry is None:
        raise runtime_error("AttributeError", f"{ops.type_name(receiver)} has no method `{name}`")
    function, least, most = entry
    if kwargs:
        raise named_arguments_error(label)
    if not least <= len(args) <= most:
        raise arity_error(label, least, most, len(args))
    return function(engine, receiver, args)
