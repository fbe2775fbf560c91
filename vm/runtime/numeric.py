"""The `math` namespace: constants and functions of numbers (§10, §13.4).

The functions take ints or floats (a `TypeError` otherwise) and keep to
IEEE doubles as `**` does: a result too large is `inf`, an argument outside
the function's domain a `ValueError`. `floor`, `ceil` and `trunc` return
ints, exactly, however large.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .arguments import number
from .errors import runtime_error
from .library import LIBRARY, NAMESPACE
from .printing import to_repr

define = LIBRARY.define

LIBRARY.constant("math", None, "Mathematical functions and constants.",
                 """`math.sqrt(x)`, `math.pi` ... Functions take ints or floats.""",
                 """print(math.sqrt(16), math.floor(-2.5), math.pi)""",
                 """4.0 -3 3.141592653589793""", kind=NAMESPACE)


def _floats(args: list, where: str) -> list[float]:
    try:
        return [float(number(arg, where)) for arg in args]
    except OverflowError:
        raise runtime_error("ValueError", f"{where}: int too large to convert to float") from None


def _real(name: str, func: Callable[..., float], exact_ints: bool = False) -> Callable:
    """The implementation of a function of real numbers. `exact_ints`: Python
    takes ints of any size itself (the logarithms), so they are passed as they are."""
    where = f"math.{name}()"

    def call(engine, args):
        try:
            if len(args) == 1 and type(args[0]) is float:
                return func(args[0])  # the common case: one float, nothing to check or convert
            if exact_ints and all(type(arg) is int for arg in args):
                return func(*args)
            return func(*_floats(args, where))
        except OverflowError:
            return math.inf
        except ValueError:
            raise runtime_error("ValueError", f"{where} argument out of its domain") from None

    return call


def _to_int(name: str, func: Callable[[float], int]) -> Callable:
    """floor, ceil, trunc: ints stay exact; the result is always an int."""
    where = f"math.{name}()"

    def call(engine, args):
        value = number(args[0], where)
        if type(value) is float and not math.isfinite(value):
            raise runtime_error("ValueError", f"{where} cannot convert {to_repr(value)} to int")
        return func(value)

    return call


def _define_real(signature: str, summary: str, details: str, example: str, output: str, func: Callable,
                 exact_ints: bool = False) -> None:
    name = signature[len("math."):signature.index("(")]
    define(signature, summary, details, example, output)(_real(name, func, exact_ints))


LIBRARY.constant("math.pi", lambda engine: math.pi, "The number π, the ratio of a circle's circumference to its diameter.",
                 "", "print(math.pi)", "3.141592653589793")
LIBRARY.constant("math.tau", lambda engine: math.tau, "The number τ = 2π, the ratio of a circle's circumference to its radius.",
                 "", "print(math.tau)", "6.283185307179586")
LIBRARY.constant("math.e", lambda engine: math.e, "The number e, the base of natural logarithms.",
                 "", "print(math.e)", "2.718281828459045")
LIBRARY.constant("math.inf", lambda engine: math.inf, "Positive infinity, a float.",
                 "", "print(math.inf, -math.inf, math.inf > 10 ** 300)", "inf -inf true")

_define_real("math.sqrt(x)", "The square root of `x`, a float.", "A negative `x` is a `ValueError`.",
             "print(math.sqrt(2), math.sqrt(16))", "1.4142135623730951 4.0", math.sqrt)
_define_real("math.hypot(x, ...)", "The length of the vector `(x, ...)`: the square root of the sum of squares.",
             "", "print(math.hypot(3, 4), math.hypot(1, 2, 2))", "5.0 3.0", math.hypot)
_define_real("math.exp(x)", "The number e raised to the power `x`.", "", "print(math.exp(0), math.exp(1))",
             "1.0 2.718281828459045", math.exp)
_define_real("math.log(x)", "The natural logarithm of `x`.", "`x` must be positive (a `ValueError` otherwise).",
             "print(math.log(1), math.log(math.e))", "0.0 1.0", math.log, exact_ints=True)
_define_real("math.log10(x)", "The base-10 logarithm of `x`.", "`x` must be positive.",
             "print(math.log10(1000), math.log10(10 ** 400))", "3.0 400.0", math.log10, exact_ints=True)
_define_real("math.log2(x)", "The base-2 logarithm of `x`.", "`x` must be positive.",
             "print(math.log2(8), math.log2(2 ** 2000))", "3.0 2000.0", math.log2, exact_ints=True)
_define_real("math.sin(x)", "The sine of an angle in radians.", "", "print(math.sin(0))", "0.0", math.sin)
_define_real("math.cos(x)", "The cosine of an angle in radians.", "", "print(math.cos(0))", "1.0", math.cos)
_define_real("math.tan(x)", "The tangent of an angle in radians.", "", "print(math.tan(0))", "0.0", math.tan)
_define_real("math.asin(x)", "The angle, in radians, whose sine is `x`.", "`x` must be from -1 to 1.",
             "print(math.asin(1) == math.pi / 2)", "true", math.asin)
_define_real("math.acos(x)", "The angle, in radians, whose cosine is `x`.", "`x` must be from -1 to 1.",
             "print(math.acos(1))", "0.0", math.acos)
_define_real("math.atan(x)", "The angle, in radians, whose tangent is `x`.", "",
             "print(math.atan(1) * 4)", "3.141592653589793", math.atan)
_define_real("math.atan2(y, x)", "The angle of the point `(x, y)` from the x axis, in radians.",
             "Unlike `atan(y / x)`, it knows the quadrant and accepts `x` = 0.",
             "print(math.atan2(1, 0) == math.pi / 2, math.atan2(0, -1))", "true 3.141592653589793", math.atan2)

define("math.floor(x)", "The largest int not above `x`.", "`inf` and `nan` are a `ValueError`.",
       "print(math.floor(2.7), math.floor(-2.5))", "2 -3")(_to_int("floor", math.floor))
define("math.ceil(x)", "The smallest int not below `x`.", "`inf` and `nan` are a `ValueError`.",
       "print(math.ceil(2.1), math.ceil(-2.5))", "3 -2")(_to_int("ceil", math.ceil))
define("math.trunc(x)", "`x` without its fractional part, an int (rounds toward zero).",
       "`inf` and `nan` are a `ValueError`.",
       "print(math.trunc(2.7), math.trunc(-2.7))", "2 -2")(_to_int("trunc", math.trunc))


@define("math.isnan(x)", "Whether `x` is the float `nan` (not a number).", "",
        "print(math.isnan(math.inf - math.inf), math.isnan(1))", "true false")
def _isnan(engine, args):
    value = number(args[0], "math.isnan()")
    return type(value) is float and math.isnan(value)


@define("math.isinf(x)", "Whether `x` is the float `inf` or `-inf`.", "",
        "print(math.isinf(-math.inf), math.isinf(10 ** 400))", "true false")
def _isinf(engine, args):
    value = number(args[0], "math.isinf()")
    return type(value) is float and math.isinf(value)
