"""The operators and primitive operations of Esker (§3, §4), for both engines.

Each function takes plain values and either returns the result or raises an
`EskerError` of the kind the spec names, with a message that names the types
involved. Nothing converts implicitly: `bool` is not a number, and only `+`
accepts strings and arrays. The common cases are tested first and allocate
nothing beyond their result, since every engine instruction lands here.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator

from .errors import HOST_FAULTS, EskerError, arity_error, host_fault, named_arguments_error, runtime_error
from .library import LIBRARY
from .printing import brief_repr
from .values import (BoundMethod, Builtin, EnumType, EnumValue, Function, Generator, Module, Range, StructInstance,
                     StructType, VariantConstructor)

_NUMERIC = frozenset({int, float})
_ADDABLE = frozenset({int, float, str, list})
_SCALARS = frozenset({type(None), bool, int, float, str})
_KEY_TYPES = frozenset({int, float, str})
_TYPE_NAMES = {
    type(None): "nil", bool: "bool", int: "int", float: "float", str: "str", list: "array",
    dict: "map", tuple: "tuple", Range: "range", Builtin: "fn", VariantConstructor: "fn", BoundMethod: "fn",
    StructType: "type", EnumType: "type", Module: "module",
}


# ------------------------------------------------------------------ errors

def type_name(value: object) -> str:
    """What `type(x)` returns: "int", "array", "Point", "type", "fn" ..."""
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if type(value) is StructInstance or type(value) is EnumValue:
        return value.type.name
    if isinstance(value, Function):
        return "fn"
    if isinstance(value, Generator):
        return "generator"
    return type(value).__name__


def _operands(op: str, left: object, right: object) -> EskerError:
    return runtime_error("TypeError", f"unsupported operand types for {op}: "
                                      f"{type_name(left)} and {type_name(right)}")


def _operand(op: str, value: object) -> EskerError:
    return runtime_error("TypeError", f"bad operand type for unary {op}: {type_name(value)}")


def _division_by_zero() -> EskerError:
    return runtime_error("ZeroDivisionError", "division by zero")


def _too_large() -> EskerError:
    return runtime_error("ValueError", "int too large to convert to float")


#: The largest int result `**` and `<<` compute, in bits (256 MB): past it
#: Python would exhaust memory or stall, so it is a ValueError instead.
MAX_INT_BITS = 2 ** 31


def arithmetic_error(error: ArithmeticError) -> EskerError:
    """The error an operator on two numbers reports where Python's own operator
    raised `error`: a zero divisor, or an int too large to convert to a float
    (for engines that run the operators' number cases as Python operators)."""
    if isinstance(error, ZeroDivisionError):
        return _division_by_zero()
    return _too_large()


def _int_too_large(symbol: str) -> EskerError:
    return runtime_error("ValueError", f"int result of {symbol} too large (more than {MAX_INT_BITS} bits)")


# -------------------------------------------------------------- arithmetic
#
# Each operator computes operands of one type inline (the common case: ints
# stay exact and floats give ±inf rather than raising) and leaves mixed or
# wrong operands to `_arithmetic`.

def _arithmetic(symbol: str, operation, a, b, divides: bool = False):
    """`a symbol b` for numbers: type checks, zero divisors, and ints too large for a float."""
    if type(a) not in _NUMERIC or type(b) not in _NUMERIC:
        raise _operands(symbol, a, b)
    if divides and b == 0:
        raise _division_by_zero()
    try:
        return operation(a, b)
    except OverflowError:
        raise _too_large() from None


def add(a, b):
    kind = type(a)
    if kind is type(b) and kind in _ADDABLE:
        return a + b
    return _arithmetic("+", operator.add, a, b)


def sub(a, b):
    kind = type(a)
    if kind is type(b) and kind in _NUMERIC:
        return a - b
    return _arithmetic("-", operator.sub, a, b)


def mul(a, b):
    kind = type(a)
    if kind is type(b) and kind in _NUMERIC:
        return a * b
    return _arithmetic("*", operator.mul, a, b)


def truediv(a, b):
    if type(a) is float and type(b) is float and b:
        return a / b
    return _arithmetic("/", operator.truediv, a, b, divides=True)


def floordiv(a, b):
    kind = type(a)
    if kind is type(b) and kind in _NUMERIC and b:
        return a // b
    return _arithmetic("//", operator.floordiv, a, b, divides=True)


def mod(a, b):
    kind = type(a)
    if kind is type(b) and kind in _NUMERIC and b:
        return a % b
    return _arithmetic("%", operator.mod, a, b, divides=True)


def power(a, b):
    """`**`: int ** non-negative int is an int, everything else a float.

    Zero to a negative power is a ZeroDivisionError, as in Python. Where Python
    would raise OverflowError or return a complex number, Esker keeps to IEEE
    doubles: the result is ±inf or nan.
    """
    ta, tb = type(a), type(b)
    if ta is int and tb is int and b >= 0:
        if b > 64 and b * (a.bit_length() - 1) > MAX_INT_BITS:
            raise _int_too_large("**")
        return a ** b
    if ta not in _NUMERIC or tb not in _NUMERIC:
        raise _operands("**", a, b)
    if a == 0 and b < 0:
        raise runtime_error("ZeroDivisionError", "zero cannot be raised to a negative power")
    try:
        base, exponent = float(a), float(b)
    except OverflowError:
        raise _too_large() from None
    try:
        result = base ** exponent
    except OverflowError:
        negative = base < 0 and exponent.is_integer() and exponent % 2 == 1
        return float("-inf") if negative else float("inf")
    return float("nan") if type(result) is complex else result


def neg(a):
    if type(a) in _NUMERIC:
        return -a
    raise _operand("-", a)


# ----------------------------------------------------------------- bitwise

def bit_and(a, b):
    if type(a) is int and type(b) is int:
        return a & b
    raise _operands("&", a, b)


def bit_or(a, b):
    if type(a) is int and type(b) is int:
        return a | b
    raise _operands("|", a, b)


def bit_xor(a, b):
    if type(a) is int and type(b) is int:
        return a ^ b
    raise _operands("^", a, b)


def bit_not(a):
    if type(a) is int:
        return ~a
    raise _operand("~", a)


def _shift(symbol: str, operation, a, b):
    if type(a) is not int or type(b) is not int:
        raise _operands(symbol, a, b)
    if b < 0:
        raise runtime_error("ValueError", "negative shift count")
    if b > MAX_INT_BITS and a and operation is operator.lshift:
        raise _int_too_large(symbol)
    return operation(a, b)


def shl(a, b):
    return _shift("<<", operator.lshift, a, b)


def shr(a, b):
    return _shift(">>", operator.rshift, a, b)


# ------------------------------------------------------------- comparison

def _comparable(a, b) -> bool:
    ta, tb = type(a), type(b)
    return (ta in _NUMERIC and tb in _NUMERIC) or (ta is tb is str)


def _ordered(symbol: str, operation, a, b) -> bool:
    """`a symbol b` for operands that are not both numbers or both strings:
    tuples compare lexicographically (§13.4), anything else is a TypeError."""
    if type(a) is tuple and type(b) is tuple:
        a, b = _first_difference(a, b)
        if _comparable(a, b):
            return operation(a, b)
    raise _operands(symbol, a, b)


def _first_difference(a: tuple, b: tuple) -> tuple:
    """The pair that decides how two tuples compare: the first elements that
    are not equal (looking inside nested tuples), or else the two lengths.
    As in Python, elements that are equal are skipped whatever their type.
    Nested tuples are walked with a work list, so any depth is fine."""
    pending = [(a, b, 0)]
    while pending:
        x, y, index = pending.pop()
        if index == len(x) or index == len(y):
            if len(x) != len(y):
                return len(x), len(y)
            continue
        pending.append((x, y, index + 1))
        left, right = x[index], y[index]
        if type(left) is tuple and type(right) is tuple:
            if left is not right:
                pending.append((left, right, 0))
        elif not equals(left, right):
            return left, right
    return 0, 0


def less(a, b) -> bool:
    if _comparable(a, b):
        return a < b
    return _ordered("<", operator.lt, a, b)


def less_equal(a, b) -> bool:
    if _comparable(a, b):
        return a <= b
    return _ordered("<=", operator.le, a, b)


def greater(a, b) -> bool:
    if _comparable(a, b):
        return a > b
    return _ordered(">", operator.gt, a, b)


def greater_equal(a, b) -> bool:
    if _comparable(a, b):
        return a >= b
    return _ordered(">=", operator.ge, a, b)


def equals(a, b) -> bool:
    """`==`: never raises. Numbers by value, containers, struct instances and enum
    values structurally, ranges by their ints, everything else by identity."""
    ta = type(a)
    if ta is type(b):
        if ta in _SCALARS:
            return a == b
    elif ta in _NUMERIC and type(b) in _NUMERIC:
        return a == b
    else:
        return False
    return a is b or _structurally_equal(a, b)


def not_equals(a, b) -> bool:
    return not equals(a, b)


def _structurally_equal(a, b) -> bool:
    """Compares with a work list, not recursion, so deep values cannot exhaust the
    Python stack; a pair met again (a cycle) counts as equal."""
    pending = [(a, b)]
    seen: set[tuple[int, int]] = set()
    while pending:
        x, y = pending.pop()
        if x is y:
            continue
        kind = type(x)
        if kind is not type(y):
            if kind in _NUMERIC and type(y) in _NUMERIC and x == y:
                continue
            return False
        if kind in _SCALARS:
            if x != y:
                return False
            continue
        if (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if kind is list or kind is tuple:
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y))
        elif kind is dict:
            if len(x) != len(y) or any(key not in y for key in x):
                return False
            pending.extend((value, y[key]) for key, value in x.items())
        elif kind is StructInstance:
            if x.type is not y.type:
                return False
            pending.extend(zip(x.values, y.values))
        elif kind is EnumValue:
            if x.variant is not y.variant:
                return False
            pending.append((x.payload, y.payload))
        elif kind is Range:
            if x.as_range() != y.as_range():
                return False
        elif kind is BoundMethod:
            if x.receiver is not y.receiver or x.method is not y.method:
                return False
        else:
            return False
    return True


def truthy(value) -> bool:
    """Only nil and false are falsy."""
    return value is not None and value is not False


# -------------------------------------------------------- indexing, fields

def _sequence_index(container, index):
    if type(index) is not int:
        raise runtime_error("TypeError", f"{type_name(container)} indices must be int, not {type_name(index)}")
    return index


def _index_error(container, index) -> EskerError:
    return runtime_error("IndexError", f"index {brief_repr(index)} out of range for {type_name(container)} "
                                       f"of length {len(container)}")


def get_index(obj, index):
    """`obj[index]` on arrays, tuples, strings (negative counts from the end) and maps."""
    kind = type(obj)
    if kind is list or kind is tuple or kind is str:
        try:
            return obj[_sequence_index(obj, index)]
        except IndexError:
            raise _index_error(obj, index) from None
    if kind is dict:
        check_key(index)
        try:
            return obj[index]
        except KeyError:
            raise runtime_error("KeyError", f"key {brief_repr(index)} not found") from None
    raise runtime_error("TypeError", f"{type_name(obj)} cannot be indexed")


def _slice_bound(bound, name: str):
    if bound is not None and type(bound) is not int:
        raise runtime_error("TypeError", f"slice {name} must be int, not {type_name(bound)}")
    return bound


def get_slice(obj, start, stop):
    """`obj[start:stop]` on arrays, tuples and strings: a new value of the same
    type. A bound left out is nil; negative bounds count from the end and
    out-of-range bounds are clamped, as `slice(a, b)` does."""
    kind = type(obj)
    if kind is list or kind is tuple or kind is str:
        return obj[_slice_bound(start, "start"):_slice_bound(stop, "end")]
    raise runtime_error("TypeError", f"{type_name(obj)} cannot be sliced (only arrays, tuples and strings)")


def contains(item, container) -> bool:
    """`item in container`: an element of an array or tuple (compared with
    `==`), an int of a range, a key of a map, a substring of a string."""
    kind = type(container)
    if kind is list or kind is tuple:
        if type(item) is str or (type(item) is int and not any(type(x) is bool for x in container)):
            # No Esker value equals a str or an int but by Python's `==`, bools aside.
            return item in container
        return any(equals(x, item) for x in container)
    if kind is str:
        if type(item) is not str:
            raise runtime_error("TypeError", f"`in <str>` needs a string on the left, not {type_name(item)}")
        return item in container
    if kind is dict:
        check_key(item)
        return item in container
    if kind is Range:
        return _in_range(item, container)
    raise runtime_error("TypeError", f"`in` needs an array, tuple, range, map or string on the right, "
                                     f"not {type_name(container)}")


def not_contains(item, container) -> bool:
    return not contains(item, container)


def _in_range(item, bounds: Range) -> bool:
    kind = type(item)
    if kind is float and item.is_integer():
        item, kind = int(item), int
    return kind is int and item in bounds.as_range()


def set_index(obj, index, value) -> None:
    """`obj[index] = value` on arrays and maps."""
    kind = type(obj)
    if kind is list:
        try:
            obj[_sequence_index(obj, index)] = value
        except IndexError:
            raise _index_error(obj, index) from None
    elif kind is dict:
        check_key(index)
        obj[index] = value
    elif kind is str or kind is tuple:
        raise runtime_error("TypeError", f"cannot assign to an element of a {type_name(obj)}: it is immutable")
    else:
        raise runtime_error("TypeError", f"{type_name(obj)} cannot be indexed")


def check_key(key) -> None:
    """Raises TypeError unless `key` may be a map key: int, float, str or tuples of those."""
    if type(key) in _KEY_TYPES:
        return
    pending = [key]
    while pending:
        item = pending.pop()
        if type(item) is tuple:
            pending.extend(item)
        elif type(item) not in _KEY_TYPES:
            raise runtime_error("TypeError", "map keys must be int, float, str or tuples of those, "
                                             f"not {type_name(item)}")


def _no_attribute(message: str) -> EskerError:
    return runtime_error("AttributeError", message)


def get_field(obj, name: str):
    """`obj.name`: a struct field, a module member, an enum variant, a method of
    the type, or a method bound to `obj` (`p.double`, `xs.push`)."""
    kind = type(obj)
    if kind is StructInstance:
        index = obj.type.field_index.get(name)
        if index is not None:
            return obj.values[index]
        return _bound(obj, name, f"{obj.type.name} has no field or method `{name}`")
    if kind is Module:
        try:
            return obj.members[name]
        except KeyError:
            raise _no_attribute(f"module {obj.name} has no member `{name}`") from None
    if kind is EnumType:
        variant = obj.variants.get(name)
        if variant is not None:
            return variant.member
        return _type_method(obj, name, "variant or method")
    if kind is StructType:
        return _type_method(obj, name, "method")
    if kind is EnumValue:
        return _bound(obj, name, f"{obj.type.name} has no method `{name}`")
    methods = _builtin_methods(kind)
    if methods is not None and name in methods:
        return BoundMethod(obj, methods[name], f"{type_name(obj)}.{name}")
    raise _no_attribute(f"{type_name(obj)} has no field `{name}`")


def _bound(obj: StructInstance | EnumValue, name: str, missing: str) -> BoundMethod:
    """A struct or enum method bound to the value it was read from."""
    owner = obj.type
    method = owner.methods.get(name)
    if method is not None:
        return BoundMethod(obj, method, f"{owner.name}.{name}")
    if name in owner.static_methods:
        raise _no_attribute(f"`{name}` of {owner.name} takes no self: use it on the type, as {owner.name}.{name}")
    raise _no_attribute(missing)


def _type_method(owner: StructType | EnumType, name: str, what: str):
    """`Point.origin` (a method without self) or `Point.double` (the plain
    function, taking the instance as its first argument)."""
    method = owner.static_methods.get(name) or owner.methods.get(name)
    if method is not None:
        return method
    raise _no_attribute(f"{owner.name} has no {what} `{name}`")


_METHOD_OWNERS = {str: "str", list: "array", dict: "map", tuple: "tuple", Range: "range"}
_methods_by_type: dict[type, dict] = {}


def _builtin_methods(kind: type) -> dict | None:
    """The library entries of the methods of a builtin type (None for other types)."""
    methods = _methods_by_type.get(kind)
    if methods is None and kind in _METHOD_OWNERS:
        methods = LIBRARY.methods(_METHOD_OWNERS[kind])
        if methods:  # kept once the library is loaded
            _methods_by_type[kind] = methods
    return methods


def set_field(obj, name: str, value) -> None:
    """`obj.name = value`: only the declared fields of struct instances can be assigned."""
    if type(obj) is StructInstance:
        index = obj.type.field_index.get(name)
        if index is None:
            raise _no_attribute(f"{obj.type.name} has no field `{name}`")
        obj.values[index] = value
    elif type(obj) is Module:
        raise runtime_error("TypeError", f"cannot assign to `{name}` of module {obj.name} from outside it: "
                                         "a module's members are assigned by its own code only")
    else:
        raise _no_attribute(f"{type_name(obj)} has no field `{name}`")


# ---------------------------------------------------------------- ranges

def make_range(start, stop, inclusive: bool) -> Range:
    """`start..stop` / `start..=stop`."""
    if type(start) is not int or type(stop) is not int:
        bad = start if type(start) is not int else stop
        raise runtime_error("TypeError", f"range bounds must be int, not {type_name(bad)}")
    return Range(start, stop, 1, inclusive)


def range_length(value: Range) -> int:
    """How many ints a range holds, computed exactly however large it is
    (Python's `len` of a range stops at 2**63)."""
    start, stop, step = value.start, value.stop, value.step
    if value.inclusive:
        stop += 1 if step > 0 else -1
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


# ------------------------------------------------------------- iteration

def iterate(engine, value) -> Iterator:
    """The values `for x in value` visits: elements, characters, map keys, range
    ints, or what a generator yields (resumed through `engine`)."""
    kind = type(value)
    if kind is list or kind is tuple or kind is str:
        return iter(value)
    if kind is Range:
        return iter(value.as_range())
    if kind is dict:
        return MapEntries(value, False)
    if isinstance(value, Generator):
        return _generator_values(engine, value)
    raise runtime_error("TypeError", f"{type_name(value)} is not iterable")


def iterate_pairs(engine, value) -> Iterator[tuple]:
    """What `for i, x in value` visits: (key, value) for maps, else (counter from 0, value)."""
    if type(value) is dict:
        return MapEntries(value, True)
    return enumerate(iterate(engine, value))


class MapEntries:
    """What `for` visits in a map: its keys, or (key, value) pairs. A class
    rather than a generator so that its place can be saved and rebuilt
    (`__reduce__`), as a debugger travelling back in time needs."""

    __slots__ = ("_mapping", "_keys", "_with_values", "_taken", "_size")

    def __init__(self, mapping: dict, with_values: bool):
        self._mapping = mapping
        self._keys = iter(mapping)
        self._with_values = with_values
        self._taken = 0
        self._size = len(mapping)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            key = next(self._keys)
        except RuntimeError:
            # Python's dict iterator noticed that the map changed size (or keys) under it.
            raise _changed_size() from None
        self._taken += 1
        return (key, self._mapping[key]) if self._with_values else key

    def __reduce__(self):
        return _rebuild_map_entries, (self._mapping, self._with_values, self._taken, self._size)


def _rebuild_map_entries(mapping: dict, with_values: bool, taken: int, size: int):
    """A MapEntries at the place a saved one was: `taken` keys in."""
    if len(mapping) != size:
        return _Failing(_changed_size)
    entries = MapEntries(mapping, with_values)
    for _ in range(taken):
        next(entries._keys)
    entries._taken = taken
    return entries


class _Failing:
    """An iterator whose next step raises the error `make()` gives."""

    def __init__(self, make):
        self._make = make

    def __iter__(self):
        return self

    def __next__(self):
        raise self._make()

    def __reduce__(self):
        return _Failing, (self._make,)


def _changed_size() -> EskerError:
    return runtime_error("RuntimeError", "map changed size during iteration")


class NativeGenerator(Generator):
    """A generator made by a builtin (`enumerate`, `zip`, `io.lines`) from a
    Python iterator of Esker values."""

    __slots__ = ("_items", "_running")

    def __init__(self, name: str, items: Iterator):
        super().__init__(name)
        self._items = items
        self._running = False

    def resume(self, engine) -> tuple[bool, object]:
        if self._running:  # e.g. zip(g) resumed again from inside g
            raise runtime_error("RuntimeError", f"generator {self.name} resumed while it is running")
        self._running = True
        try:
            for item in self._items:
                return False, item
            return True, None
        except HOST_FAULTS as error:
            raise host_fault(self.name, error) from None
        finally:
            self._running = False


def _generator_values(engine, generator: Generator) -> Iterator:
    while True:
        done, value = generator.resume(engine)
        if done:
            return
        yield value


# ----------------------------------------------------------------- calls

def call_native(engine, callee, args: list, kwargs: dict | None = None):
    """Calls a callable that is not an engine closure: a builtin, a struct type
    (its constructor) or an enum variant constructor."""
    kind = type(callee)
    if kind is Builtin:
        if kwargs:
            raise named_arguments_error(callee.name)
        if len(args) < callee.min_args or (callee.max_args is not None and len(args) > callee.max_args):
            raise arity_error(callee.name, callee.min_args, callee.max_args, len(args))
        try:
            return callee.func(engine, args)
        except HOST_FAULTS as error:
            raise host_fault(callee.name, error) from None
    if kind is StructType:
        return construct(callee, args, kwargs)
    if kind is BoundMethod:
        method = callee.method
        if isinstance(method, Function):
            return engine.call(method, [callee.receiver, *args], kwargs)
        return method.call_method(engine, callee.receiver, args, kwargs)
    if kind is VariantConstructor:
        if kwargs:
            raise named_arguments_error(callee.name)
        variant = callee.variant
        if len(args) != len(variant.fields):
            raise arity_error(callee.name, len(variant.fields), len(variant.fields), len(args))
        return EnumValue(variant.enum, variant, tuple(args))
    raise runtime_error("TypeError", f"{type_name(callee)} is not callable")


_MISSING = object()


def construct(struct: StructType, args: list, kwargs: dict | None = None) -> StructInstance:
    """A struct instance from positional values in field order, then named ones;
    fields left out take their defaults (evaluated now). Mistakes are ArityErrors."""
    fields = struct.fields
    if not kwargs and len(args) == len(fields):
        return StructInstance(struct, list(args))
    if len(args) > len(fields):
        raise runtime_error("ArityError", f"{struct.name}() takes at most {len(fields)} values "
                                          f"({len(args)} given)")
    values = list(args) + [_MISSING] * (len(fields) - len(args))
    for name, value in (kwargs or {}).items():
        index = struct.field_index.get(name)
        if index is None:
            raise runtime_error("ArityError", f"{struct.name} has no field `{name}`")
        if values[index] is not _MISSING:
            raise runtime_error("ArityError", f"field `{name}` of {struct.name} is given twice")
        values[index] = value
    for index, value in enumerate(values):
        if value is _MISSING:
            default = struct.defaults[index]
            if default is None:
                raise runtime_error("ArityError", f"{struct.name}() is missing field `{fields[index]}`")
            values[index] = default()
    return StructInstance(struct, values)


#: The binary operators of the AST (`ast.Binary.op`) and their functions.
BINARY = {
    "+": add, "-": sub, "*": mul, "/": truediv, "//": floordiv, "%": mod, "**": power,
    "&": bit_and, "|": bit_or, "^": bit_xor, "<<": shl, ">>": shr,
    "==": equals, "!=": not_equals, "<": less, "<=": less_equal, ">": greater, ">=": greater_equal,
    "in": contains, "not in": not_contains,
}

#: The prefix operators that can fail (`not` never does).
UNARY = {"-": neg, "~": bit_not}
