"""Checking the arguments of builtins, with messages that name the call.

Every builtin validates what it is given with these helpers before it asks
Python for anything, so a wrong type is a `TypeError` and an impossible size
a `ValueError` that names the builtin, never a host exception.
"""

from __future__ import annotations

from itertools import islice

from . import ops
from .errors import runtime_error
from .values import Range

#: The most elements (or characters) a builtin builds in one go; past this
#: an array or string would take gigabytes, so it is a ValueError instead.
MAX_ELEMENTS = 2 ** 28


def expect(value, wanted: type, where: str, what: str):
    """`value` if it has type `wanted`, else a TypeError naming the call."""
    if type(value) is not wanted:
        raise runtime_error("TypeError", f"{where} expects {what}, not {ops.type_name(value)}")
    return value


def number(value, where: str):
    """`value` if it is an int or a float (bool is not a number)."""
    if type(value) is not int and type(value) is not float:
        raise runtime_error("TypeError", f"{where} expects a number, not {ops.type_name(value)}")
    return value


def string(value, where: str) -> str:
    return expect(value, str, where, "a string")


def integer(value, where: str) -> int:
    return expect(value, int, where, "an int")


def function(value, where: str):
    """A value that can be called (checked only by calling it; nil is refused here)."""
    if value is None:
        raise runtime_error("TypeError", f"{where} expects a function, not nil")
    return value


def check_size(size: int, where: str, what: str = "elements") -> int:
    """`size` if a builtin may build something that large."""
    if size > MAX_ELEMENTS:
        raise runtime_error("ValueError", f"{where} would make {size:,} {what}; the limit is {MAX_ELEMENTS:,}")
    return size


def items(engine, iterable, where: str) -> list:
    """Everything `for` would visit in `iterable`, as a new list. More than
    MAX_ELEMENTS of them (a range too large, a generator that never ends) is
    a ValueError rather than an attempt to hold them all."""
    if type(iterable) is Range:
        check_size(ops.range_length(iterable), where)
        return list(ops.iterate(engine, iterable))
    values = list(islice(ops.iterate(engine, iterable), MAX_ELEMENTS + 1))
    if len(values) > MAX_ELEMENTS:
        raise runtime_error("ValueError", f"{where} would make more than {MAX_ELEMENTS:,} elements; "
                                          f"the limit is {MAX_ELEMENTS:,}")
    return values
