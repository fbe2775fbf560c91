"""The builtin functions (§10, §13.4), and how engines reach every builtin.

This module defines the global functions and assembles the rest of the
library (`methods`, `numeric`, `system`), so once it is imported `LIBRARY`
holds every builtin. Both engines take their global names from
`make_globals` and send every method call through `call_method`. Builtins
reach back into the running engine through two things only:
`engine.call(fn, args)` to call Esker functions (`map`, `sorted`'s key ...)
and `engine.host` for everything outside the program (`host.py`).
"""

from __future__ import annotations

import math
import re

from . import methods, numeric, ops, system  # noqa: F401  (they fill the library)
from .arguments import expect, integer, items, number
from .errors import ProgramExit, runtime_error
from .library import FUNCTION, LIBRARY, METHOD, NAMESPACE, TYPE, Entry
from .printing import brief_repr, to_repr, to_str
from .values import ERROR_TYPE, Builtin, EnumType, EnumValue, Module, Range, StructInstance, StructType

define = LIBRARY.define
_INT_TEXT = re.compile(r"\s*[+-]?[0-9]+(?:_[0-9]+)*\s*")
_BASED_INT_TEXT = re.compile(r"\s*[+-]?(?:0[box])?_?[0-9a-z]+(?:_[0-9a-z]+)*\s*", re.IGNORECASE)


def _joined(args: list) -> str:
    return " ".join([to_str(arg) for arg in args])


# ------------------------------------------------------------------ output and input

@define("print(...)", "Writes its arguments to standard output, separated by spaces, then a newline.",
        """Each argument is converted as `str` converts it. Returns `nil`.""",
        """print("total:", 3, [1, "a"])
           print()
           print("after an empty line")""",
        """total: 3 [1, "a"]

           after an empty line""")
def _print(engine, args):
    engine.host.write(_joined(args) + "\n")


@define("write(...)", "Writes its arguments to standard output, separated by spaces, without a newline.",
        """Like `print`, but nothing is added at the end. Returns `nil`.""",
        """write("no newline, ")
           write("then", 42)
           print()""",
        """no newline, then 42""")
def _write(engine, args):
    engine.host.write(_joined(args))


@define("eprint(...)", "Writes its arguments to standard error, separated by spaces, then a newline.",
        """Like `print`, for messages that are not the program's output.""",
        """eprint("warning: no input")""")
def _eprint(engine, args):
    engine.host.write_error(_joined(args) + "\n")


@define("input([prompt])", "One line of standard input without its newline, or `nil` at end of input.",
        """The prompt, if given, is written to standard output first (converted
        with `str`, no newline added).""",
        """let name = input("name? ")
           while true {
               let line = input()
               if line == nil { break }
               print(line.upper())
           }""")
def _input(engine, args):
    if args:
        engine.host.write(to_str(args[0]))
    return engine.host.read_line()


@define("exit([status])", "Ends the program with an exit status (0 by default).",
        """`finally` blocks on the way out still run; `catch` does not catch it.
        The status is an int from 0 to 255.""",
        """if sys.args.len() == 0 {
               eprint("usage: prog FILE")
               exit(2)
           }""")
def _exit(engine, args):
    status = integer(args[0], "exit()") if args else 0
    if not 0 <= status <= 255:
        raise runtime_error("ValueError", f"exit() status must be 0 to 255, not {brief_repr(status)}")
    raise ProgramExit(status)


# ------------------------------------------------------------------ conversions

@define("len(x)", "The length of a string (in code points), array, map, tuple or range.",
        "",
        """print(len("héllo"), len([1, 2]), len({"a": 1}), len(0..10))""",
        """5 2 1 10""")
def _len(engine, args):
    value = args[0]
    if type(value) in (str, list, tuple, dict):
        return len(value)
    if type(value) is Range:
        return ops.range_length(value)
    raise runtime_error("TypeError", f"len() of {ops.type_name(value)}")


@define("str(x)", "The value as text, as `print` shows it.",
        """Strings stay as they are; inside containers they are quoted.""",
        """print(str(1.5) + "!", str([1, "a"]))""",
        """1.5! [1, "a"]""")
def _str(engine, args):
    return to_str(args[0])


@define("repr(x)", "The value as text, with strings quoted even at the top level.",
        "",
        """print(repr("a\\tb"), repr(3))""",
        """"a\\tb" 3""")
def _repr(engine, args):
    return to_repr(args[0])


@define("int(x[, base])", "An int from a number or a string.",
        """Floats truncate toward zero. A string is parsed as a decimal integer
        (surrounding whitespace, a sign and `_` between digits allowed), or in
        `base` (2 to 36) when one is given, where a `0x`/`0o`/`0b` prefix that
        matches the base is allowed. A string that is not an integer, or a
        float that is `inf` or `nan`, is a `ValueError`.""",
        """print(int(-3.9), int(" 42 "), int("ff", 16), int("-z", 36), int("777", 8))""",
        """-3 42 255 -35 511""")
def _int(engine, args):
    value = args[0]
    if len(args) > 1:
        return _int_in_base(value, args[1])
    if type(value) is int:
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise runtime_error("ValueError", f"cannot convert {brief_repr(value)} to int")
        return int(value)
    if type(value) is str:
        if _INT_TEXT.fullmatch(value) is None:
            raise runtime_error("ValueError", f"invalid int: {brief_repr(value)}")
        return int(value)
    raise runtime_error("TypeError", f"int() cannot convert {ops.type_name(value)}")


def _int_in_base(text, base) -> int:
    expect(text, str, "int() with a base", "a string")
    integer(base, "int()")
    if not 2 <= base <= 36:
        raise runtime_error("ValueError", f"int() base must be 2 to 36, not {brief_repr(base)}")
    try:
        if _BASED_INT_TEXT.fullmatch(text) is None:
            raise ValueError
        return int(text, base)
    except ValueError:
        raise runtime_error("ValueError", f"invalid int in base {base}: {brief_repr(text)}") from None


@define("float(x)", "A float from an int, a float or a string.",
        """Strings such as `"2.5"`, `" 1e3 "`, `"-inf"` and `"nan"` parse; other
        strings, and ints too large for a float, are a `ValueError`.""",
        """print(float(2), float(" 1e3 "), float("-inf"))""",
        """2.0 1000.0 -inf""")
def _float(engine, args):
    value = args[0]
    try:
        if type(value) is int or type(value) is float or type(value) is str:
            return float(value)
    except OverflowError:
        raise runtime_error("ValueError", "int too large to convert to float") from None
    except ValueError:
        raise runtime_error("ValueError", f"invalid float: {brief_repr(value)}") from None
    raise runtime_error("TypeError", f"float() cannot convert {ops.type_name(value)}")


@define("type(x)", "The name of the value's type, as a string.",
        """`"nil"`, `"bool"`, `"int"`, `"float"`, `"str"`, `"array"`, `"map"`,
        `"tuple"`, `"range"`, `"fn"`, `"generator"`, `"module"`, `"type"` for a
        struct or enum type itself, or the struct or enum name of an instance.""",
        """struct Point { x, y }
           print(type(1), type("a"), type(Point(1, 2)), type(Point), type(print))""",
        """int str Point type fn""")
def _type(engine, args):
    return ops.type_name(args[0])


@define("hex(i)", "An int in hexadecimal, with the prefix `0x`.",
        "",
        """print(hex(255), hex(-1))""",
        """0xff -0x1""")
def _hex(engine, args):
    return hex(integer(args[0], "hex()"))


@define("bin(i)", "An int in binary, with the prefix `0b`.",
        "",
        """print(bin(5), bin(-2))""",
        """0b101 -0b10""")
def _bin(engine, args):
    return bin(integer(args[0], "bin()"))


@define("chr(i)", "The one-character string of a code point.",
        """A `ValueError` unless `i` is a Unicode scalar value (0 to `0x10FFFF`,
        not a surrogate).""",
        """print(chr(72), chr(0x1F600))""",
        """H 😀""")
def _chr(engine, args):
    code = integer(args[0], "chr()")
    if not 0 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise runtime_error("ValueError", f"chr() argument {brief_repr(code)} is not a Unicode scalar value")
    return chr(code)


@define("ord(s)", "The code point of a one-character string.",
        "",
        """print(ord("H"), ord("é"))""",
        """72 233""")
def _ord(engine, args):
    text = expect(args[0], str, "ord()", "a string")
    if len(text) != 1:
        raise runtime_error("ValueError", f"ord() expects one character, got a string of length {len(text)}")
    return ord(text)


# ------------------------------------------------------------------ numbers

@define("abs(x)", "The absolute value of a number.",
        "",
        """print(abs(-3), abs(2.5))""",
        """3 2.5""")
def _abs(engine, args):
    return abs(number(args[0], "abs()"))


@define("round(x[, ndigits])", "A number rounded to `ndigits` decimal places (none by default).",
        """Halves round to even, as in Python. Without `ndigits` the result is an
        int; with it, a number of the same type as `x`. Floats are binary, so
        `round(2.675, 2)` is `2.67`.""",
        """print(round(2.5), round(3.5), round(-0.5), round(2.675, 2), round(1234, -2))""",
        """2 4 0 2.67 1200""")
def _round(engine, args):
    value = number(args[0], "round()")
    if len(args) == 1 or args[1] is None:
        if type(value) is float and not math.isfinite(value):
            raise runtime_error("ValueError", f"cannot round {brief_repr(value)} to an int")
        return round(value)
    digits = integer(args[1], "round()")
    if type(value) is int:
        # 10 ** -digits is enormous for a large negative `digits`: every int
        # shorter than that many digits rounds to 0 (even a half: 5 -> 0).
        if digits >= 0 or -digits > value.bit_length() * 0.302 + 1:
            return value if digits >= 0 else 0
        return round(value, digits)
    return round(value, max(min(digits, 400), -400))  # beyond ±400 places nothing changes for a double


# ------------------------------------------------------------------ collections

@define("range([start, ]stop[, step])", "The ints from `start` (0) up to `stop` (excluded), by `step` (1).",
        """A negative step counts down. A step of 0 is a `ValueError`. Ranges are
        also written `a..b` and `a..=b` (end included).""",
        """print(array(range(4)), array(range(2, 10, 3)), array(range(3, 0, -1)))""",
        """[0, 1, 2, 3] [2, 5, 8] [3, 2, 1]""")
def _range(engine, args):
    for arg in args:
        integer(arg, "range()")
    if len(args) == 1:
        return Range(0, args[0])
    step = args[2] if len(args) == 3 else 1
    if step == 0:
        raise runtime_error("ValueError", "range() step must not be zero")
    return Range(args[0], args[1], step)


@define("array(iterable)", "A new array of the values `for` would visit.",
        """Map keys for a map, characters for a string, the remaining values of a
        generator. Past 2**28 elements it stops with a `ValueError`, so a
        generator that never ends is an error, not a machine out of memory.""",
        """print(array(1..=3), array("hé"), array({"a": 1, "b": 2}))""",
        """[1, 2, 3] ["h", "é"] ["a", "b"]""")
def _array(engine, args):
    return items(engine, args[0], "array()")


@define("assert(cond[, message])", "Raises `AssertionError` when `cond` is falsy.",
        """The error's message is `str(message)`, or `assertion failed`.""",
        """try {
               assert(1 > 2, "math is broken")
           } catch e {
               print(e.kind, e.message)
           }""",
        """AssertionError math is broken""")
def _assert(engine, args):
    if not ops.truthy(args[0]):
        raise runtime_error("AssertionError", to_str(args[1]) if len(args) > 1 else "assertion failed")


def _extreme(engine, args, name: str, better) -> object:
    """min/max: of several arguments, or of one iterable's values (a range's
    ends are computed, not visited). Among equal values the first wins."""
    if len(args) == 1 and type(args[0]) is Range:
        return _range_extreme(args[0], name)
    values = iter(args) if len(args) > 1 else ops.iterate(engine, args[0])
    best = next(values, _NONE)
    if best is _NONE:
        raise runtime_error("ValueError", f"{name}() of an empty sequence")
    for value in values:
        if better(value, best):
            best = value
    return best


def _range_extreme(value: Range, name: str) -> int:
    count = ops.range_length(value)
    if count == 0:
        raise runtime_error("ValueError", f"{name}() of an empty range")
    first, last = value.start, value.start + (count - 1) * value.step
    return min(first, last) if name == "min" else max(first, last)


_NONE = object()


@define("min(x, ...)", "The smallest of several arguments, or of the values of one iterable.",
        """Values must be orderable with `<`: numbers, strings, or tuples of those
        (a `TypeError` otherwise). An empty iterable is a `ValueError`.""",
        """print(min(3, 1, 2), min([4, 9, 2]), min("banana"))""",
        """1 2 a""")
def _min(engine, args):
    return _extreme(engine, args, "min", ops.less)


@define("max(x, ...)", "The largest of several arguments, or of the values of one iterable.",
        """As `min`; among equal values the first is returned.""",
        """print(max(3, 1, 2), max([4, 9, 2]), max(0..10))""",
        """3 9 9""")
def _max(engine, args):
    return _extreme(engine, args, "max", ops.greater)


@define("sum(iterable[, start])", "`start` (0) plus every value of the iterable, added left to right with `+`.",
        """The ints of a range are summed exactly (however many there are) and
        then added to `start`.""",
        """print(sum([1, 2, 3]), sum([0.5, 0.25], 1), sum(0..101), sum([[1], [2]], []))""",
        """6 1.75 5050 [1, 2]""")
def _sum(engine, args):
    total = args[1] if len(args) > 1 else 0
    iterable = args[0]
    if type(iterable) is Range:
        count = ops.range_length(iterable)  # an arithmetic series
        return ops.add(total, count * iterable.start + iterable.step * count * (count - 1) // 2)
    for value in ops.iterate(engine, iterable):
        total = ops.add(total, value)
    return total


@define("any(iterable)", "Whether some value of the iterable is truthy (stops at the first).",
        """Only `nil` and `false` are falsy.""",
        """print(any([false, nil]), any([nil, 0]), any([]))""",
        """false true false""")
def _any(engine, args):
    if type(args[0]) is Range:
        return ops.range_length(args[0]) > 0
    return any(ops.truthy(value) for value in ops.iterate(engine, args[0]))


@define("all(iterable)", "Whether every value of the iterable is truthy (stops at the first that is not).",
        """Only `nil` and `false` are falsy, so `0`, `""` and `[]` count as true.""",
        """print(all([0, "", []]), all([1, nil]), all([]))""",
        """true false true""")
def _all(engine, args):
    if type(args[0]) is Range:
        return True
    return all(ops.truthy(value) for value in ops.iterate(engine, args[0]))


@define("sorted(iterable[, key[, reverse]])", "A new array of the iterable's values, in ascending order.",
        """The sort is stable. `key`, a function of one argument (or `nil`),
        gives what to compare instead of each value; `reverse` true sorts in
        descending order (still stable). Values (or keys) must be orderable with
        `<`: numbers, strings, or tuples of those; anything else is a
        `TypeError`.""",
        """print(sorted([3, 1, 2]), sorted(["pear", "Fig", "apple"], fn (w) => w.lower()))
           print(sorted([3, 1, 2], nil, true), sorted([(2, "b"), (1, "z"), (2, "a")]))""",
        """[1, 2, 3] ["apple", "Fig", "pear"]
           [3, 2, 1] [(1, "z"), (2, "a"), (2, "b")]""")
def _sorted(engine, args):
    values = items(engine, args[0], "sorted()")
    key = args[1] if len(args) > 1 else None
    reverse = ops.truthy(args[2]) if len(args) > 2 else False
    return methods.sort_values(engine, values, key, reverse, "sorted()")


@define("enumerate(iterable[, start])", "A generator of `(index, value)` tuples, counting from `start` (0).",
        "",
        """for (number, word) in enumerate(["one", "two"], 1) { print(number, word) }
           print(array(enumerate("xy")))""",
        """1 one
           2 two
           [(0, "x"), (1, "y")]""")
def _enumerate(engine, args):
    start = integer(args[1], "enumerate()") if len(args) > 1 else 0
    values = ops.iterate(engine, args[0])
    return ops.NativeGenerator("enumerate", ((start + index, value) for index, value in enumerate(values)))


@define("zip(iterable, ...)", "A generator of tuples of the iterables' values, side by side.",
        """It stops with the shortest iterable.""",
        """for (name, age) in zip(["Ada", "Alan"], [36, 41]) { print(name, age) }
           print(array(zip([1, 2, 3], "xy")), array(zip("ab", 0..3, [true, false])))""",
        """Ada 36
           Alan 41
           [(1, "x"), (2, "y")] [("a", 0, true), ("b", 1, false)]""")
def _zip(engine, args):
    sources = [ops.iterate(engine, arg) for arg in args]
    return ops.NativeGenerator("zip", (tuple(values) for values in zip(*sources)))


# ------------------------------------------------------------------ the rest

@define("clock()", "Seconds on a monotonic clock, as a float: for measuring how long something takes.",
        "",
        """let start = clock()
           let total = sum(0..1000)
           print(clock() >= start)""",
        """true""")
def _clock(engine, args):
    return engine.host.clock()


LIBRARY.constant("Error(kind, message)", lambda engine: ERROR_TYPE,
                 "The struct of runtime errors: `throw Error(kind, message)`.",
                 """Every error the runtime raises is an `Error`; programs may create
                 their own with any kind. `catch e` gives access to `e.kind` and
                 `e.message`.""",
                 """try {
                        throw Error("ValueError", "bad input")
                    } catch e {
                        print(e.kind, e.message, e)
                    }""",
                 """ValueError bad input Error(kind: "ValueError", message: "bad input")""",
                 kind=TYPE)


# ------------------------------------------------------------------ the engines' view

#: One Builtin value per function (global or namespace member), shared by every engine.
_BUILTINS: dict[str, Builtin] = {
    entry.qualified: Builtin(entry.qualified, entry.func, entry.min_args, entry.max_args)
    for entry in LIBRARY.entries.values() if entry.kind is FUNCTION
}

#: The names every program sees around its own: functions, `Error`, `math`, `sys`, `io`.
GLOBAL_NAMES = frozenset(entry.name for entry in LIBRARY.globals())


def _member_value(engine, entry: Entry):
    return _BUILTINS[entry.qualified] if entry.kind is FUNCTION else entry.value(engine)


def make_globals(engine) -> dict[str, object]:
    """A fresh table of the global names for `engine`. Functions are shared;
    values that come from the world (`sys.args`) are read from `engine.host`."""
    names: dict[str, object] = {}
    for entry in LIBRARY.globals():
        if entry.kind is FUNCTION:
            names[entry.name] = _BUILTINS[entry.qualified]
        elif entry.kind is NAMESPACE:
            members = {member.name: _member_value(engine, member) for member in LIBRARY.members(entry.name).values()}
            names[entry.name] = Module(entry.name, None, members)
        else:
            names[entry.name] = entry.value(engine)
    return names


_TYPE_METHODS: dict[type, dict[str, Entry]] = {
    str: LIBRARY.methods("str"), list: LIBRARY.methods("array"), dict: LIBRARY.methods("map"),
    tuple: LIBRARY.methods("tuple"), Range: LIBRARY.methods("range"),
}
assert all(entry.kind is METHOD for table in _TYPE_METHODS.values() for entry in table.values())


def method_entry(kind: type, name: str) -> Entry | None:
    """The library entry `call_method` runs for `receiver.name(...)` when the
    receiver's Python type is `kind` (a builtin type), if it has that method."""
    table = _TYPE_METHODS.get(kind)
    return None if table is None else table.get(name)


def call_method(engine, receiver, name: str, args: list, kwargs: dict | None = None):
    """`receiver.name(args)` for every kind of receiver: the methods of builtin
    types, struct and enum methods (called with the receiver as `self`), a
    callable stored in a struct field, and the members of modules and types
    (static methods, variant constructors, module functions)."""
    table = _TYPE_METHODS.get(type(receiver))
    if table is not None:
        entry = table.get(name)
        if entry is None:
            raise runtime_error("AttributeError", f"{ops.type_name(receiver)} has no method `{name}`")
        return entry.call_method(engine, receiver, args, kwargs)
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

